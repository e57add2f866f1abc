package teamshost

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"
)

var otherAppTemplate = template.Must(template.ParseFS(assets, "assets/otherapp.html"))

// sdkRelPath is the Teams JS SDK the webapp pins and the plugin bundle
// ships, relative to the repository root.
var sdkRelPath = filepath.Join("webapp", "node_modules", "@microsoft", "teams-js", "dist", "umd", "MicrosoftTeams.min.js")

// OtherApp is another company's Teams app, served on an origin of its own
// for tests that frame it beside the tab (Options.OtherAppURL). In Teams any
// app may call authentication.authenticate with any URL on a domain its
// manifest lists, so this app shows what one gets by opening someone else's
// sign-in page.
//
// Its page (URL, or PageURL) loads the same Teams JS SDK as the tab, calls
// app.initialize with the host's origin (SetHost), then getAuthToken, then
// app.notifySuccess. With ?authenticate=<URL> it then calls
// authentication.authenticate({url: URL, width: 400, height: 300}); with
// &on=click it waits until the button #attack is clicked instead, since
// browsers open the popup only right after a user gesture.
type OtherApp struct {
	url    string
	server *http.Server
	sdk    []byte

	mu      sync.Mutex
	host    string
	ready   int
	initErr string
	results []string
	tokens  []string
}

const maxOtherAppResults = 100

// StartOtherApp serves the other app on 127.0.0.1 on a free port, over https
// with a throwaway certificate if useTLS. It reads the Teams JS SDK from
// webapp/node_modules, looked for in the working directory and its parents
// (npm ci in webapp installs it).
func StartOtherApp(useTLS bool) (*OtherApp, error) {
	dir, err := os.Getwd()
	if err != nil {
		return nil, fmt.Errorf("teamshost: find the Teams JS SDK: %w", err)
	}
	return StartOtherAppFrom(useTLS, dir)
}

// StartOtherAppFrom is StartOtherApp looking for the SDK from dir up, for
// callers whose working directory has moved (the in-process server's does).
func StartOtherAppFrom(useTLS bool, dir string) (*OtherApp, error) {
	sdk, err := readSDK(dir)
	if err != nil {
		return nil, err
	}
	ln, base, err := listen(useTLS, "another Teams app")
	if err != nil {
		return nil, err
	}
	a := &OtherApp{url: base + "/", sdk: sdk}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", a.servePage)
	mux.HandleFunc("GET /MicrosoftTeams.min.js", a.serveSDK)
	mux.HandleFunc("POST /results", a.addResult)
	a.server = &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = a.server.Serve(ln) }()
	return a, nil
}

func readSDK(dir string) ([]byte, error) {
	for {
		b, err := os.ReadFile(filepath.Join(dir, sdkRelPath))
		if err == nil {
			return b, nil
		}
		if !errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("teamshost: read the Teams JS SDK: %w", err)
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return nil, fmt.Errorf("teamshost: no %s in the working directory or its parents: run npm ci in webapp", sdkRelPath)
		}
		dir = parent
	}
}

// URL is the page's address, e.g. https://127.0.0.1:41235/. Framed as is,
// the page initializes and asks for a token but opens no popup.
func (a *OtherApp) URL() string { return a.url }

// PageURL is the page's address with ?authenticate=target: the page calls
// authentication.authenticate with target once initialized, or, if onClick,
// when #attack is clicked. The SDK refuses a target that is not https.
func (a *OtherApp) PageURL(target string, onClick bool) string {
	q := url.Values{"authenticate": {target}}
	if onClick {
		q.Set("on", "click")
	}
	return a.url + "?" + q.Encode()
}

// SetHost sets the host origin (Host.URL) the page passes to app.initialize,
// for pages loaded from then on.
func (a *OtherApp) SetHost(origin string) {
	a.mu.Lock()
	a.host = origin
	a.mu.Unlock()
}

// Close stops the server.
func (a *OtherApp) Close() { _ = a.server.Close() }

// Results are the outcomes of the page's authenticate calls, oldest first:
// "success:<what notifySuccess passed>" or "failure:<reason>" (the error's
// message, such as CancelledByUser or FailedToOpenWindow).
func (a *OtherApp) Results() []string {
	a.mu.Lock()
	defer a.mu.Unlock()
	return append([]string(nil), a.results...)
}

// TokenResults are the outcomes of the page's getAuthToken calls, one a
// page load, in the form of Results.
func (a *OtherApp) TokenResults() []string {
	a.mu.Lock()
	defer a.mu.Unlock()
	return append([]string(nil), a.tokens...)
}

// WaitReady waits until a page has initialized and had its getAuthToken
// answered, so #attack can be clicked. It fails at once if app.initialize
// failed.
func (a *OtherApp) WaitReady(ctx context.Context) error {
	return a.wait(ctx, func() (bool, error) {
		if a.initErr != "" {
			return false, fmt.Errorf("teamshost: other app: initialize: %s", a.initErr)
		}
		return a.ready > 0, nil
	})
}

// WaitResults waits until the page has reported n authenticate outcomes and
// returns all of them.
func (a *OtherApp) WaitResults(ctx context.Context, n int) ([]string, error) {
	err := a.wait(ctx, func() (bool, error) { return len(a.results) >= n, nil })
	return a.Results(), err
}

// wait polls done, called with a.mu held, until it says so or ctx ends.
func (a *OtherApp) wait(ctx context.Context, done func() (bool, error)) error {
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for {
		a.mu.Lock()
		ok, err := done()
		a.mu.Unlock()
		if ok || err != nil {
			return err
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("teamshost: other app: %w", ctx.Err())
		case <-tick.C:
		}
	}
}

func (a *OtherApp) servePage(w http.ResponseWriter, _ *http.Request) {
	a.mu.Lock()
	host := a.host
	a.mu.Unlock()
	noStore(w)
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	_ = otherAppTemplate.Execute(w, struct{ Host string }{host})
}

func (a *OtherApp) serveSDK(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "text/javascript; charset=utf-8")
	_, _ = w.Write(a.sdk)
}

// addResult records an outcome posted by the page. As with the host's
// events, only JSON is taken, which another origin cannot post without a
// CORS preflight that is never answered.
func (a *OtherApp) addResult(w http.ResponseWriter, r *http.Request) {
	if !strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") {
		http.Error(w, "want application/json", http.StatusUnsupportedMediaType)
		return
	}
	var res struct{ Kind, Value string }
	body, err := io.ReadAll(io.LimitReader(r.Body, maxEventBody+1))
	if err == nil && len(body) > maxEventBody {
		err = errors.New("body too large")
	}
	if err == nil {
		err = json.Unmarshal(body, &res)
	}
	if err != nil {
		http.Error(w, "bad result", http.StatusBadRequest)
		return
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	switch res.Kind {
	case "authenticate":
		a.results = appendCapped(a.results, res.Value)
	case "token":
		a.tokens = appendCapped(a.tokens, res.Value)
	case "ready":
		a.ready++
	case "initialize":
		a.initErr = strings.TrimPrefix(res.Value, "failure:")
	default:
		http.Error(w, "unknown kind", http.StatusBadRequest)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func appendCapped(list []string, v string) []string {
	list = append(list, v)
	if len(list) > maxOtherAppResults {
		list = list[len(list)-maxOtherAppResults:]
	}
	return list
}
