package teamshost

import (
	"errors"
	"net/http"
	"slices"
)

// Picker lets a person switch the host's user, tenant and host name from
// the host page, as the sandbox offers; without one the page has no picker.
type Picker struct {
	Users   []string
	Tenants []string
	// Pick returns the options for a choice; the page then reloads.
	Pick func(user, tenant, hostName string) (Options, error)
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
}
