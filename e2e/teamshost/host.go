// Package teamshost is a simulated Microsoft Teams host for browser tests and
// the local sandbox. Microsoft ships no local host for tabs, so this serves a
// page that frames the tab in an iframe and answers the Teams JavaScript
// SDK's postMessage calls (initialize, getContext, getAuthToken, authenticate)
// the way the Teams web client does. See README.md for the protocol.
package teamshost

import (
	"crypto/tls"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/missioncollab/mattermost-plugin-m365/internal/testcert"
)

//go:embed assets/host.html assets/host.js assets/otherapp.html
var assets embed.FS

var pageTemplate = template.Must(template.ParseFS(assets, "assets/host.html"))

// Options says what the host frames and who the signed-in user is.
type Options struct {
	// TabURL is the absolute http(s) URL of the tab page. Its origin is the
	// only one the host answers.
	TabURL string
	// Tenant, UserObjectID, LoginHint and SubPageID go into the context
	// (user.tenant.id, user.id, user.loginHint and user.userPrincipalName,
	// page.subPageId). Empty ones are left out.
	Tenant, UserObjectID, LoginHint, SubPageID string
	// HostName is app.host.name: "Teams" (the default), "Outlook" or "Office".
	HostName string
	// Token is what authentication.getAuthToken returns, called on every
	// request. An error (or a nil Token) makes the call fail with the
	// error's text as the reason.
	Token func() (string, error)
	// HTTPS serves the host over https with a self-signed certificate, as
	// the real hosts are served; read at Start only.
	HTTPS bool
	// OtherAppURL, if set, is the absolute http(s) URL of another Teams app
	// framed beside the tab in <iframe id="other-app">, as a person may have
	// any app open in Teams. The host answers it as it answers the tab, but
	// getAuthToken fails for it: Teams never gives one app a token for
	// another's resource. Its authenticate popup is its own, and that
	// popup's result goes back to it alone. See StartOtherApp.
	OtherAppURL string
}

// Event is one SDK call the host received.
type Event struct {
	Seq  int       `json:"seq"`
	Time time.Time `json:"time"`
	// Source is "tab", "popup" (the tab's authentication window),
	// "other-app" or "other-app-popup" (the other app's window).
	Source        string `json:"source"`
	Func          string `json:"func"`
	Args          []any  `json:"args"`
	APIVersionTag string `json:"apiVersionTag,omitempty"`
}

// Host is a running simulated host.
type Host struct {
	url      string
	listener net.Listener
	server   *http.Server

	mu     sync.Mutex
	opts   Options
	events []Event
	seq    int
	minted []string // recent tokens, removed from recorded events
	picker *Picker
}

const (
	maxEvents    = 1000
	maxMinted    = 100
	maxEventBody = 64 << 10
)

// Start serves the host on 127.0.0.1 on a free port.
func Start(opts Options) (*Host, error) {
	opts, err := checkOptions(opts)
	if err != nil {
		return nil, err
	}
	ln, base, err := listen(opts.HTTPS, "simulated Teams host")
	if err != nil {
		return nil, err
	}
	h := &Host{url: base, listener: ln, opts: opts}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", h.servePage)
	mux.HandleFunc("GET /host.js", h.serveScript)
	mux.HandleFunc("GET /context", h.serveContext)
	mux.HandleFunc("GET /token", h.serveToken)
	mux.HandleFunc("GET /events", h.serveEvents)
	mux.HandleFunc("POST /events", h.addEvent)
	mux.HandleFunc("POST /pick", h.pick)
	mux.HandleFunc("POST /open", h.open)
	mux.HandleFunc("GET /activity", h.serveActivity)
	mux.HandleFunc("POST /post", h.post)
	h.server = &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = h.server.Serve(ln) }()
	return h, nil
}

// listen listens on a free port of 127.0.0.1, over TLS if useTLS, and
// returns the listener and its base URL. Real hosts and apps are served over
// https; test browsers skip the check of the throwaway authority (named
// after what it serves).
func listen(useTLS bool, name string) (net.Listener, string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, "", fmt.Errorf("teamshost: listen: %w", err)
	}
	if !useTLS {
		return ln, "http://" + ln.Addr().String(), nil
	}
	ca, err := testcert.NewAuthority(name)
	var cfg *tls.Config
	if err == nil {
		cfg, err = ca.ServerConfig()
	}
	if err != nil {
		_ = ln.Close()
		return nil, "", fmt.Errorf("teamshost: certificate for %s: %w", name, err)
	}
	return tls.NewListener(ln, cfg), "https://" + ln.Addr().String(), nil
}

// URL is the host page's address, e.g. http://127.0.0.1:41234.
func (h *Host) URL() string { return h.url }

// Close stops the server.
func (h *Host) Close() { _ = h.server.Close() }

// SetOptions replaces the options. The context and tokens change at once;
// a new TabURL is framed when the host page is next loaded.
func (h *Host) SetOptions(opts Options) error {
	opts, err := checkOptions(opts)
	if err != nil {
		return err
	}
	h.mu.Lock()
	h.opts = opts
	h.mu.Unlock()
	return nil
}

// Options returns the current options.
func (h *Host) Options() Options {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.opts
}

// Events returns the SDK calls received so far, oldest first.
func (h *Host) Events() []Event {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]Event(nil), h.events...)
}

// ClearEvents forgets the calls received so far.
func (h *Host) ClearEvents() {
	h.mu.Lock()
	h.events = nil
	h.mu.Unlock()
}

func checkOptions(opts Options) (Options, error) {
	if !absoluteHTTP(opts.TabURL) {
		return opts, fmt.Errorf("teamshost: TabURL %q is not an absolute http(s) URL", opts.TabURL)
	}
	if opts.OtherAppURL != "" && !absoluteHTTP(opts.OtherAppURL) {
		return opts, fmt.Errorf("teamshost: OtherAppURL %q is not an absolute http(s) URL", opts.OtherAppURL)
	}
	switch opts.HostName {
	case "":
		opts.HostName = "Teams"
	case "Teams", "Outlook", "Office":
	default:
		return opts, fmt.Errorf("teamshost: HostName %q is not Teams, Outlook or Office", opts.HostName)
	}
	return opts, nil
}

// absoluteHTTP says whether raw is an http(s) URL with a host, which the
// host page can frame and whose origin it can check.
func absoluteHTTP(raw string) bool {
	u, err := url.Parse(raw)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != ""
}

func noStore(w http.ResponseWriter) {
	w.Header().Set("Cache-Control", "no-store")
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	noStore(w)
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func (h *Host) servePage(w http.ResponseWriter, _ *http.Request) {
	noStore(w)
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	opts := h.Options()
	_ = pageTemplate.Execute(w, pageData{Options: opts, Picker: h.currentPicker(), HostNames: hostNames, Activity: h.activity(),
		PosterHint: strings.Split(opts.LoginHint, "@")[0]})
}

func (h *Host) serveScript(w http.ResponseWriter, _ *http.Request) {
	js, err := assets.ReadFile("assets/host.js")
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	noStore(w)
	w.Header().Set("Content-Type", "text/javascript; charset=utf-8")
	_, _ = w.Write(js)
}

// legacyContext is the context object the host sends for getContext, in
// the field names of the Teams SDK v1 (the SDK maps it to app.Context). The
// host page adds frameContext and hostClientType.
type legacyContext struct {
	Tid               string `json:"tid,omitempty"`
	UserObjectID      string `json:"userObjectId,omitempty"`
	LoginHint         string `json:"loginHint,omitempty"`
	UserPrincipalName string `json:"userPrincipalName,omitempty"`
	SubEntityID       string `json:"subEntityId,omitempty"`
	HostName          string `json:"hostName"`
	Theme             string `json:"theme"`
	Locale            string `json:"locale"`
}

func (h *Host) serveContext(w http.ResponseWriter, _ *http.Request) {
	o := h.Options()
	writeJSON(w, http.StatusOK, legacyContext{
		Tid:               o.Tenant,
		UserObjectID:      o.UserObjectID,
		LoginHint:         o.LoginHint,
		UserPrincipalName: o.LoginHint,
		SubEntityID:       o.SubPageID,
		HostName:          o.HostName,
		Theme:             "default",
		Locale:            "en-us",
	})
}

func (h *Host) serveToken(w http.ResponseWriter, _ *http.Request) {
	tokenFunc := h.Options().Token
	if tokenFunc == nil {
		writeJSON(w, http.StatusServiceUnavailable, map[string]string{"error": "teamshost: no Token function"})
		return
	}
	token, err := tokenFunc()
	if err == nil && token == "" {
		err = errors.New("teamshost: Token returned an empty token")
	}
	if err != nil {
		writeJSON(w, http.StatusServiceUnavailable, map[string]string{"error": err.Error()})
		return
	}
	h.mu.Lock()
	h.minted = append(h.minted, token)
	if len(h.minted) > maxMinted {
		h.minted = h.minted[len(h.minted)-maxMinted:]
	}
	h.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]string{"token": token})
}

func (h *Host) serveEvents(w http.ResponseWriter, _ *http.Request) {
	events := h.Events()
	if events == nil {
		events = []Event{}
	}
	writeJSON(w, http.StatusOK, events)
}

// addEvent records a call reported by the host page. The page only posts
// JSON, which a cross-origin page cannot send here without a CORS preflight
// (which this server does not answer).
func (h *Host) addEvent(w http.ResponseWriter, r *http.Request) {
	if !strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") {
		http.Error(w, "want application/json", http.StatusUnsupportedMediaType)
		return
	}
	var ev Event
	body, err := io.ReadAll(io.LimitReader(r.Body, maxEventBody+1))
	if err == nil && len(body) > maxEventBody {
		err = errors.New("body too large")
	}
	if err == nil {
		err = json.Unmarshal(body, &ev)
	}
	if err != nil || ev.Func == "" {
		http.Error(w, "bad event", http.StatusBadRequest)
		return
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	for i, a := range ev.Args {
		ev.Args[i] = redact(a, h.minted)
	}
	h.seq++
	ev.Seq = h.seq
	ev.Time = time.Now().UTC()
	h.events = append(h.events, ev)
	if len(h.events) > maxEvents {
		h.events = h.events[len(h.events)-maxEvents:]
	}
	w.WriteHeader(http.StatusNoContent)
}

// redact replaces strings that contain a minted token with "[token]".
func redact(v any, tokens []string) any {
	switch v := v.(type) {
	case string:
		for _, t := range tokens {
			if strings.Contains(v, t) {
				return "[token]"
			}
		}
		return v
	case []any:
		for i := range v {
			v[i] = redact(v[i], tokens)
		}
		return v
	case map[string]any:
		for k := range v {
			v[k] = redact(v[k], tokens)
		}
		return v
	default:
		return v
	}
}
