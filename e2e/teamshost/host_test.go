package teamshost

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
)

// The test tab: testdata/tab.html and testdata/auth.html load the real
// teams-js SDK, the copy pinned in webapp/package.json that the plugin
// bundle ships (make installs it), and talk to the host. The tab writes what
// it got as JSON into #result and adds #done when it has finished.

// teamsSDKPath is the Teams JS SDK from the webapp's pinned npm packages.
const teamsSDKPath = "../../webapp/node_modules/@microsoft/teams-js/dist/umd/MicrosoftTeams.min.js"

// tabServer serves testdata on its own origin, with __HOST_ORIGIN__ in the
// pages replaced by the host's origin once setHost is called.
func tabServer(t *testing.T, tls bool) (srv *httptest.Server, setHost func(string)) {
	t.Helper()
	var mu sync.Mutex
	hostOrigin := ""
	handler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		name := strings.TrimPrefix(r.URL.Path, "/")
		switch name {
		case "tab.html", "auth.html", "secret.html":
			b, err := os.ReadFile("testdata/" + name)
			if err != nil {
				http.Error(w, err.Error(), http.StatusInternalServerError)
				return
			}
			mu.Lock()
			page := strings.ReplaceAll(string(b), "__HOST_ORIGIN__", hostOrigin)
			mu.Unlock()
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			_, _ = w.Write([]byte(page))
		case "MicrosoftTeams.min.js":
			w.Header().Set("Content-Type", "text/javascript")
			http.ServeFile(w, r, teamsSDKPath)
		default:
			http.NotFound(w, r)
		}
	})
	if tls {
		srv = httptest.NewTLSServer(handler)
	} else {
		srv = httptest.NewServer(handler)
	}
	t.Cleanup(srv.Close)
	return srv, func(origin string) {
		mu.Lock()
		hostOrigin = origin
		mu.Unlock()
	}
}

func startHost(t *testing.T, opts Options) *Host {
	t.Helper()
	h, err := Start(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(h.Close)
	return h
}

// browser starts headless Chromium for one test.
func browser(t *testing.T, timeout time.Duration) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	t.Cleanup(cancel)
	bctx, stop, err := NewBrowser(ctx, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(stop)
	return bctx
}

func inTab(ctx context.Context, tabURL, expr string) (string, error) {
	return InFrame(ctx, tabURL, expr)
}

// tabResult waits for the element id to appear in the tab and decodes #result.
func tabResult(t *testing.T, ctx context.Context, tabURL, id string) map[string]any {
	t.Helper()
	raw, err := inTab(ctx, tabURL, `document.getElementById("`+id+`") && document.getElementById("result").textContent`)
	if err != nil {
		t.Fatalf("tab never showed #%s: %v", id, err)
	}
	var res map[string]any
	if err := json.Unmarshal([]byte(raw), &res); err != nil {
		t.Fatalf("tab result %q: %v", raw, err)
	}
	return res
}

// waitEvent waits until the host has recorded a call of fn and returns the
// body of GET /events.
func waitEvent(t *testing.T, h *Host, fn string) []Event {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		resp, err := http.Get(h.URL() + "/events")
		if err != nil {
			t.Fatal(err)
		}
		var events []Event
		err = json.NewDecoder(resp.Body).Decode(&events)
		_ = resp.Body.Close()
		if err != nil {
			t.Fatal(err)
		}
		for _, ev := range events {
			if ev.Func == fn {
				return events
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("no %s in /events: %+v", fn, events)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func funcs(events []Event) []string {
	var names []string
	for _, ev := range events {
		names = append(names, ev.Source+":"+ev.Func)
	}
	return names
}

func want(t *testing.T, res map[string]any, key string, value any) {
	t.Helper()
	if res[key] != value {
		t.Errorf("tab saw %s = %#v, want %#v (all: %v)", key, res[key], value, res)
	}
}

func TestTabGetsContextAndToken(t *testing.T) {
	ctx := browser(t, 60*time.Second)
	tab, setHost := tabServer(t, false)
	tabURL := tab.URL + "/tab.html"
	const token = "eyJ0eXAi.test-token.sig"
	h := startHost(t, Options{
		TabURL:       tabURL,
		Tenant:       "11111111-1111-1111-1111-111111111111",
		UserObjectID: "22222222-2222-2222-2222-222222222222",
		LoginHint:    "alice@contoso.test",
		SubPageID:    "channel/42",
		HostName:     "Outlook",
		Token:        func() (string, error) { return token, nil },
	})
	setHost(h.URL())

	start := time.Now()
	if err := chromedp.Do(ctx, chromedp.Navigate(h.URL())); err != nil {
		t.Fatal(err)
	}
	res := tabResult(t, ctx, tabURL, "done")
	t.Logf("tab finished %v after navigation: %v", time.Since(start).Round(time.Millisecond), res)
	want(t, res, "tenant", "11111111-1111-1111-1111-111111111111")
	want(t, res, "userId", "22222222-2222-2222-2222-222222222222")
	want(t, res, "loginHint", "alice@contoso.test")
	want(t, res, "subPageId", "channel/42")
	want(t, res, "hostName", "Outlook")
	want(t, res, "frameContext", "content")
	want(t, res, "clientType", "web")
	want(t, res, "token", token)
	want(t, res, "error", nil)

	events := waitEvent(t, h, "appInitialization.success")
	t.Logf("events: %v", funcs(events))
	for _, fn := range []string{"initialize", "getContext", "authentication.getAuthToken"} {
		if !hasFunc(events, fn) {
			t.Errorf("no %s in events %v", fn, funcs(events))
		}
	}
	body, _ := json.Marshal(events)
	if strings.Contains(string(body), token) {
		t.Errorf("/events shows the token: %s", body)
	}

	// The sandbox switches identity at run time: new options, reload.
	err := h.SetOptions(Options{
		TabURL:   tabURL,
		Tenant:   "33333333-3333-3333-3333-333333333333",
		HostName: "Office",
		Token:    func() (string, error) { return "second-token", nil },
	})
	if err != nil {
		t.Fatal(err)
	}
	h.ClearEvents()
	if err := chromedp.Do(ctx, chromedp.Reload()); err != nil {
		t.Fatal(err)
	}
	res = tabResult(t, ctx, tabURL, "done")
	want(t, res, "tenant", "33333333-3333-3333-3333-333333333333")
	want(t, res, "hostName", "Office")
	want(t, res, "subPageId", nil)
	want(t, res, "token", "second-token")
}

func hasFunc(events []Event, fn string) bool {
	for _, ev := range events {
		if ev.Func == fn {
			return true
		}
	}
	return false
}

func TestTabSeesTokenFailure(t *testing.T) {
	ctx := browser(t, 60*time.Second)
	tab, setHost := tabServer(t, false)
	tabURL := tab.URL + "/tab.html"
	h := startHost(t, Options{
		TabURL: tabURL,
		Tenant: "tenant-1",
		Token:  func() (string, error) { return "", errors.New("resourceRequiresConsent") },
	})
	setHost(h.URL())
	if err := chromedp.Do(ctx, chromedp.Navigate(h.URL())); err != nil {
		t.Fatal(err)
	}
	res := tabResult(t, ctx, tabURL, "done")
	want(t, res, "token", nil)
	want(t, res, "tokenError", "resourceRequiresConsent")
	want(t, res, "hostName", "Teams")
	waitEvent(t, h, "appInitialization.success")
}

// TestAuthenticatePopup runs authentication.authenticate, which the SDK only
// allows for an https URL, so this tab is served over TLS (another site than
// the host, so Chromium runs it in its own process).
func TestAuthenticatePopup(t *testing.T) {
	ctx := browser(t, 60*time.Second)
	tab, setHost := tabServer(t, true)
	tabURL := tab.URL + "/tab.html"
	h := startHost(t, Options{
		TabURL: tabURL,
		Tenant: "tenant-1",
		Token:  func() (string, error) { return "tok", nil },
	})
	setHost(h.URL())
	if err := chromedp.Do(ctx, chromedp.Navigate(h.URL())); err != nil {
		t.Fatal(err)
	}
	res := tabResult(t, ctx, tabURL, "done")
	want(t, res, "token", "tok")

	// Click with a user gesture, as a person would: the host opens the popup
	// in answer, which the browser allows only right after a gesture.
	fctx, cancel, err := FrameTarget(ctx, tabURL)
	if err != nil || fctx == nil {
		t.Fatalf("no separate target for the https tab: %v", err)
	}
	defer cancel()
	click := func(p *runtime.EvaluateParams) { gesture := true; p.UserGesture = &gesture }
	if err := chromedp.Do(fctx, chromedp.Evaluate[chromedp.Void](`document.getElementById("login").click()`, click)); err != nil {
		t.Fatal(err)
	}
	res = tabResult(t, ctx, tabURL, "authDone")
	want(t, res, "authResult", "code-from-popup")
	want(t, res, "authError", nil)

	events := waitEvent(t, h, "authentication.authenticate.success")
	t.Logf("events: %v", funcs(events))
	for _, ev := range events {
		if ev.Func == "authentication.authenticate.success" {
			if ev.Source != "popup" || len(ev.Args) != 1 || ev.Args[0] != "[redacted]" {
				t.Errorf("success event %+v, want from the popup with its result redacted", ev)
			}
		}
	}
}

// startOtherApp serves another app's page for one test.
func startOtherApp(t *testing.T) *OtherApp {
	t.Helper()
	a, err := StartOtherApp(true)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(a.Close)
	return a
}

// TestOtherAppKeepsItsPopup: another app in the same host opens a page of
// ours that hands back a secret. In Teams any app can open such a page, so
// the secret reaches that app; what the host must not do is pass it to our
// tab, or give the other app our token.
func TestOtherAppKeepsItsPopup(t *testing.T) {
	ctx := browser(t, 90*time.Second)
	tab, setHost := tabServer(t, true)
	tabURL := tab.URL + "/tab.html"
	other := startOtherApp(t)
	h := startHost(t, Options{
		TabURL:      tabURL,
		Tenant:      "tenant-1",
		Token:       func() (string, error) { return "tok", nil },
		OtherAppURL: other.PageURL(tab.URL+"/secret.html", true),
	})
	setHost(h.URL())
	other.SetHost(h.URL())
	if err := chromedp.Do(ctx, chromedp.Navigate(h.URL())); err != nil {
		t.Fatal(err)
	}
	want(t, tabResult(t, ctx, tabURL, "done"), "token", "tok")
	if err := other.WaitReady(ctx); err != nil {
		t.Fatal(err)
	}
	if got := other.TokenResults(); len(got) != 1 || got[0] != "failure:resourceDisabled" {
		t.Errorf("other app's getAuthToken: %q, want [failure:resourceDisabled]", got)
	}

	// Everything posted to the tab from here on, whoever sent it.
	tctx, cancel, err := FrameTarget(ctx, tabURL)
	if err != nil || tctx == nil {
		t.Fatalf("no separate target for the https tab: %v", err)
	}
	defer cancel()
	const listen = `window.received = []; window.addEventListener("message", function (e) { window.received.push(JSON.stringify(e.data)); })`
	if err := chromedp.Do(tctx, chromedp.Evaluate[chromedp.Void](listen)); err != nil {
		t.Fatal(err)
	}

	if err := ClickInFrame(ctx, other.URL(), "attack"); err != nil {
		t.Fatal(err)
	}
	wctx, wcancel := context.WithTimeout(ctx, 20*time.Second)
	defer wcancel()
	got, err := other.WaitResults(wctx, 1)
	if err != nil {
		t.Fatalf("other app's authenticate never finished: %v", err)
	}
	if len(got) != 1 || got[0] != "success:secret" {
		t.Errorf("other app's authenticate: %q, want [success:secret]", got)
	}

	// The tab then signs in itself and gets only its own popup's result.
	if err := ClickInFrame(ctx, tabURL, "login"); err != nil {
		t.Fatal(err)
	}
	res := tabResult(t, ctx, tabURL, "authDone")
	want(t, res, "authResult", "code-from-popup")
	want(t, res, "authError", nil)
	received, err := chromedp.Run(tctx, chromedp.Evaluate[string](`JSON.stringify(window.received)`))
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(received, "secret") {
		t.Errorf("the tab was sent the other app's secret: %s", received)
	}
	if got := other.Results(); len(got) != 1 {
		t.Errorf("other app's results after the tab signed in: %q", got)
	}

	events := waitEvent(t, h, "appInitialization.success")
	deadline := time.Now().Add(5 * time.Second)
	for countFunc(events, "authentication.authenticate.success") < 2 && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
		events = h.Events()
	}
	t.Logf("events: %v", funcs(events))
	var sources []string
	for _, ev := range events {
		switch ev.Func {
		case "authentication.authenticate.success":
			sources = append(sources, ev.Source)
			if len(ev.Args) != 1 || ev.Args[0] != "[redacted]" {
				t.Errorf("success event %+v, want its result redacted", ev)
			}
		}
	}
	if strings.Join(sources, ",") != "other-app-popup,popup" {
		t.Errorf("authenticate.success came from %v, want other-app-popup then popup", sources)
	}
	for _, call := range []string{"other-app:initialize", "other-app:authentication.getAuthToken", "other-app:authentication.authenticate", "other-app-popup:initialize", "tab:authentication.authenticate", "popup:initialize"} {
		if !slices.Contains(funcs(events), call) {
			t.Errorf("no %s in events", call)
		}
	}
}

func countFunc(events []Event, fn string) int {
	n := 0
	for _, ev := range events {
		if ev.Func == fn {
			n++
		}
	}
	return n
}

func TestOptionsAndEndpoints(t *testing.T) {
	if _, err := Start(Options{TabURL: "/relative"}); err == nil {
		t.Error("Start took a relative TabURL")
	}
	if _, err := Start(Options{TabURL: "http://x.test/", HostName: "Skype"}); err == nil {
		t.Error("Start took HostName Skype")
	}
	if _, err := Start(Options{TabURL: "http://x.test/", OtherAppURL: "javascript:alert(1)"}); err == nil {
		t.Error("Start took a javascript: OtherAppURL")
	}
	h := startHost(t, Options{TabURL: "http://127.0.0.1:1/tab?x=<y>", Token: func() (string, error) { return "secret-token", nil }})

	get := func(path string) (int, string) {
		resp, err := http.Get(h.URL() + path)
		if err != nil {
			t.Fatal(err)
		}
		defer func() { _ = resp.Body.Close() }()
		var b strings.Builder
		_, _ = io.Copy(&b, resp.Body)
		return resp.StatusCode, b.String()
	}
	if code, page := get("/"); code != 200 || !strings.Contains(page, `src="http://127.0.0.1:1/tab?x=%3cy%3e"`) || !strings.Contains(page, "Simulated Teams host") {
		t.Errorf("GET / = %d %s", code, page)
	}
	if _, page := get("/"); strings.Contains(page, `<iframe id="other-app"`) {
		t.Errorf("GET / frames another app without OtherAppURL: %s", page)
	}
	if code, body := get("/token"); code != 200 || !strings.Contains(body, "secret-token") {
		t.Errorf("GET /token = %d %s", code, body)
	}
	post := func(ct, body string) int {
		resp, err := http.Post(h.URL()+"/events", ct, strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		_ = resp.Body.Close()
		return resp.StatusCode
	}
	if code := post("text/plain", `{"func":"x"}`); code != http.StatusUnsupportedMediaType {
		t.Errorf("text/plain event: %d", code)
	}
	if code := post("application/json", `{"source":"tab","func":"x","args":["Bearer secret-token",{"t":"secret-token"},1]}`); code != http.StatusNoContent {
		t.Errorf("event: %d", code)
	}
	if _, body := get("/events"); strings.Contains(body, "secret-token") || !strings.Contains(body, `"[token]"`) {
		t.Errorf("GET /events = %s", body)
	}
	if err := h.SetOptions(Options{TabURL: "http://127.0.0.1:1/", Token: func() (string, error) { return "", errors.New("nope") }}); err != nil {
		t.Fatal(err)
	}
	if code, body := get("/token"); code != http.StatusServiceUnavailable || !strings.Contains(body, "nope") {
		t.Errorf("GET /token after error = %d %s", code, body)
	}
	if err := h.SetOptions(Options{TabURL: "http://127.0.0.1:1/", OtherAppURL: "https://127.0.0.1:2/?authenticate=x"}); err != nil {
		t.Fatal(err)
	}
	if _, page := get("/"); !strings.Contains(page, `<iframe id="other-app" src="https://127.0.0.1:2/?authenticate=x"`) {
		t.Errorf("GET / with OtherAppURL = %s", page)
	}
}

func TestOtherAppEndpoints(t *testing.T) {
	other := startOtherApp(t)
	other.SetHost("http://127.0.0.1:1")
	if got, want := other.PageURL("https://a.test/p?q=1", true), other.URL()+"?authenticate=https%3A%2F%2Fa.test%2Fp%3Fq%3D1&on=click"; got != want {
		t.Errorf("PageURL = %s, want %s", got, want)
	}
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}} // the app's own throwaway certificate
	resp, err := client.Get(other.URL())
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	if !strings.Contains(string(page), `var hostOrigin = "http://127.0.0.1:1";`) {
		t.Errorf("page does not pass the host origin: %s", page)
	}
	post := func(ct, body string) int {
		resp, err := client.Post(other.URL()+"results", ct, strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		_ = resp.Body.Close()
		return resp.StatusCode
	}
	if code := post("text/plain", `{"kind":"authenticate","value":"success:x"}`); code != http.StatusUnsupportedMediaType {
		t.Errorf("text/plain result: %d", code)
	}
	if code := post("application/json", `{"kind":"authenticate","value":"success:x"}`); code != http.StatusNoContent {
		t.Errorf("result: %d", code)
	}
	if got := other.Results(); len(got) != 1 || got[0] != "success:x" {
		t.Errorf("Results = %q", got)
	}
	if code := post("application/json", `{"kind":"initialize","value":"failure:timed out"}`); code != http.StatusNoContent {
		t.Errorf("initialize failure: %d", code)
	}
	if err := other.WaitReady(context.Background()); err == nil || !strings.Contains(err.Error(), "timed out") {
		t.Errorf("WaitReady after a failed initialize: %v", err)
	}
}

func TestTheBarPostsOnlyWhatItOffersAndOnlyFromItsOwnPage(t *testing.T) {
	h := startHost(t, Options{TabURL: "http://127.0.0.1:1/tab", LoginHint: "alice@example.com"})
	var posted []string
	h.SetPicker(&Picker{
		Users: []string{"alice@example.com"}, Tenants: []string{"t"},
		Pick:    func(string, string, string) (Options, error) { return h.Options(), nil },
		Posters: []string{"bob"}, Targets: []string{"Incident Response", "@alice"},
		Post: func(as, to, message string) error {
			posted = append(posted, as+" → "+to+": "+message)
			return nil
		},
	})
	noRedirect := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	post := func(origin string, form url.Values) int {
		req, _ := http.NewRequest(http.MethodPost, h.URL()+"/post", strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		if origin != "" {
			req.Header.Set("Origin", origin)
		}
		resp, err := noRedirect.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		_ = resp.Body.Close()
		return resp.StatusCode
	}
	good := url.Values{"as": {"bob"}, "to": {"@alice"}, "message": {"@alice can you look?"}}
	if code := post(h.URL(), good); code != http.StatusSeeOther || len(posted) != 1 || posted[0] != "bob → @alice: @alice can you look?" {
		t.Fatalf("%d %v", code, posted)
	}
	if code := post("https://evil.example", good); code != http.StatusForbidden {
		t.Errorf("another origin: %d", code)
	}
	for _, bad := range []url.Values{
		{"as": {"mallory"}, "to": {"@alice"}, "message": {"x"}},
		{"as": {"bob"}, "to": {"@ceo"}, "message": {"x"}},
		{"as": {"bob"}, "to": {"@alice"}, "message": {""}},
		{"as": {"bob"}, "to": {"@alice"}, "message": {strings.Repeat("x", 4001)}},
	} {
		if code := post(h.URL(), bad); code != http.StatusBadRequest {
			t.Errorf("%v: %d", bad, code)
		}
	}
	if len(posted) != 1 {
		t.Errorf("refused posts went through: %v", posted)
	}
	resp, err := http.Get(h.URL() + "/")
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	if !strings.Contains(string(page), `id="post-as"`) || !strings.Contains(string(page), "@alice can you take a look?") {
		t.Errorf("the bar has no post form: %s", page)
	}
}

func TestTheActivityListIsThePersonsFeedAsItIsNow(t *testing.T) {
	h := startHost(t, Options{TabURL: "http://127.0.0.1:1/tab", LoginHint: "alice@example.com"})
	feeds := map[string][]Activity{}
	h.SetPicker(&Picker{
		Users: []string{"alice@example.com"}, Tenants: []string{"t"},
		Pick:     func(string, string, string) (Options, error) { return h.Options(), nil },
		Activity: func(user string) []Activity { return feeds[user] },
	})
	read := func() []activityItem {
		t.Helper()
		resp, err := http.Get(h.URL() + "/activity")
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		if resp.Header.Get("Cache-Control") != "no-store" {
			t.Errorf("the feed may be cached: %q", resp.Header.Get("Cache-Control"))
		}
		var items []activityItem
		if err := json.NewDecoder(resp.Body).Decode(&items); err != nil {
			t.Fatal(err)
		}
		return items
	}
	if got := read(); got == nil || len(got) != 0 {
		t.Fatalf("an empty feed is %v, not an empty list", got)
	}
	feeds["alice@example.com"] = []Activity{{Text: "bob sent you a message", Preview: "<b>hi</b>", TabURL: "http://127.0.0.1:1/preview", SubPageID: "p1"}}
	feeds["bob@example.com"] = []Activity{{Text: "not alice's"}}
	got := read()
	if len(got) != 1 || got[0].Text != "bob sent you a message" || got[0].Preview != "<b>hi</b>" {
		t.Fatalf("alice's feed: %+v", got)
	}
}
