package teamshost

import (
	"errors"
	"net/http"
	"slices"
	"strconv"
)

// Picker lets a person switch the host's user, tenant and host name from
// the host page, as the sandbox offers; without one the page has no picker.
type Picker struct {
	Users   []string
	Tenants []string
	// Pick returns the options for a choice; the page then reloads.
	Pick func(user, tenant, hostName string) (Options, error)
	// Activity, if set, is a person's activity feed, newest first; the
	// page lists it, and opening an item frames its tab on its sub-page.
	Activity func(user string) []Activity
	// Post, if set, posts a message in Mattermost as one of Posters to
	// one of Targets (a channel, or "@name" for a direct message to the
	// person the host shows), without changing the tab's own sign-in.
	Post    func(as, to, message string) error
	Posters []string
	Targets []string
}

// maxMessage caps what the bar posts.
const maxMessage = 4000

// Activity is one item of an activity feed.
type Activity struct {
	Text, Preview string
	// TabURL and SubPageID are the tab the item's deep link opens.
	TabURL, SubPageID string
}

// activity is the current person's feed.
func (h *Host) activity() []Activity {
	p := h.currentPicker()
	if p == nil || p.Activity == nil {
		return nil
	}
	return p.Activity(h.Options().LoginHint)
}

// serveActivity is the current person's feed as JSON, which the page
// polls to show items as they arrive.
func (h *Host) serveActivity(w http.ResponseWriter, _ *http.Request) {
	items := []activityItem{}
	for _, a := range h.activity() {
		items = append(items, activityItem{Text: a.Text, Preview: a.Preview})
	}
	noStore(w)
	writeJSON(w, http.StatusOK, items)
}

// activityItem is what the page shows of an activity.
type activityItem struct {
	Text    string `json:"text"`
	Preview string `json:"preview"`
}

// open frames the tab an activity feed item links to.
func (h *Host) open(w http.ResponseWriter, r *http.Request) {
	if r.Header.Get("Origin") != h.url {
		http.Error(w, "not from this page", http.StatusForbidden)
		return
	}
	items := h.activity()
	n, err := strconv.Atoi(r.PostFormValue("item"))
	if err != nil || n < 0 || n >= len(items) {
		http.Error(w, "no such activity", http.StatusBadRequest)
		return
	}
	opts := h.Options()
	opts.TabURL, opts.SubPageID = items[n].TabURL, items[n].SubPageID
	if err := h.SetOptions(opts); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	http.Redirect(w, r, "/", http.StatusSeeOther)
}

// hostNames are the hosts a picker offers, as app.host.name says them.
var hostNames = []string{"Teams", "Outlook", "Office"}

// SetPicker shows a picker on the host page.
func (h *Host) SetPicker(p *Picker) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.picker = p
}

func (h *Host) currentPicker() *Picker {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.picker
}

// pick applies a choice posted from the host page's own form.
func (h *Host) pick(w http.ResponseWriter, r *http.Request) {
	p := h.currentPicker()
	if p == nil || r.Header.Get("Origin") != h.url {
		http.Error(w, "no picker here", http.StatusForbidden)
		return
	}
	user, tenant, hostName := r.PostFormValue("user"), r.PostFormValue("tenant"), r.PostFormValue("host")
	if !slices.Contains(p.Users, user) || !slices.Contains(p.Tenants, tenant) || !slices.Contains(hostNames, hostName) {
		http.Error(w, "not one of the choices offered", http.StatusBadRequest)
		return
	}
	opts, err := p.Pick(user, tenant, hostName)
	if err == nil {
		err = h.SetOptions(opts)
	}
	if err != nil {
		http.Error(w, errors.Join(errors.New("teamshost: pick"), err).Error(), http.StatusBadRequest)
		return
	}
	http.Redirect(w, r, "/", http.StatusSeeOther)
}

// pageData is what the host page template shows.
type pageData struct {
	Options
	Picker    *Picker
	HostNames []string
	Activity  []Activity
	// PosterHint is who the bar's message mentions: the shown person.
	PosterHint string
}

// post posts a message from the host page's own bar.
func (h *Host) post(w http.ResponseWriter, r *http.Request) {
	p := h.currentPicker()
	if p == nil || p.Post == nil || r.Header.Get("Origin") != h.url {
		http.Error(w, "no posting here", http.StatusForbidden)
		return
	}
	as, to, message := r.PostFormValue("as"), r.PostFormValue("to"), r.PostFormValue("message")
	if !slices.Contains(p.Posters, as) || !slices.Contains(p.Targets, to) || message == "" || len(message) > maxMessage {
		http.Error(w, "not one of the choices offered, or no message", http.StatusBadRequest)
		return
	}
	if err := p.Post(as, to, message); err != nil {
		http.Error(w, errors.Join(errors.New("teamshost: post"), err).Error(), http.StatusBadGateway)
		return
	}
	http.Redirect(w, r, "/", http.StatusSeeOther)
}
