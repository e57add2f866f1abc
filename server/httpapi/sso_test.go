package httpapi

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/mattermost/mattermost/server/public/model"

	"github.com/missioncollab/mattermost-plugin-m365/server/config"
	"github.com/missioncollab/mattermost-plugin-m365/server/mmapi/mmapitest"
	"github.com/missioncollab/mattermost-plugin-m365/server/sso"
)

func TestSameOrigin(t *testing.T) {
	const site = "https://mm.example.com:8443"
	cases := []struct {
		name              string
		fetchSite, origin string
		lenient, strict   bool
	}{
		{"same-origin fetch", "same-origin", "https://mm.example.com:8443", true, true},
		{"no browser headers", "", "", true, false},
		{"origin only", "", "https://mm.example.com:8443", true, false},
		{"fetch site only", "same-origin", "", true, false},
		{"typed in the address bar", "none", "", true, false},
		{"cross-site", "cross-site", "https://mm.example.com:8443", false, false},
		{"same-site", "same-site", "https://mm.example.com:8443", false, false},
		{"other origin", "same-origin", "https://evil.example.com", false, false},
		{"other port", "same-origin", "https://mm.example.com", false, false},
		{"other scheme", "same-origin", "http://mm.example.com:8443", false, false},
		{"null origin", "same-origin", "null", false, false},
	}
	for _, tc := range cases {
		r := httptest.NewRequest("POST", "/x", nil)
		if tc.fetchSite != "" {
			r.Header.Set("Sec-Fetch-Site", tc.fetchSite)
		}
		if tc.origin != "" {
			r.Header.Set("Origin", tc.origin)
		}
		if got := sameOrigin(r, site, false); got != tc.lenient {
			t.Errorf("%s: lenient = %v", tc.name, got)
		}
		if got := sameOrigin(r, site, true); got != tc.strict {
			t.Errorf("%s: browser only = %v", tc.name, got)
		}
	}
}

// sessionsOnly answers GetSession from a map; nothing else is reached.
type sessionsOnly map[string]*model.Session

func (s sessionsOnly) CreateSession(*model.Session) (*model.Session, *model.AppError) {
	panic("no session may be made")
}
func (s sessionsOnly) RevokeSession(string) *model.AppError { panic("no session may be ended") }
func (s sessionsOnly) GetSession(id string) (*model.Session, *model.AppError) {
	if v, ok := s[id]; ok {
		return v, nil
	}
	return nil, model.NewAppError("fake", "no session", nil, "", http.StatusNotFound)
}

func linkAPI(sessions sessionsOnly) http.Handler {
	icons := memIcons{}
	return New(Deps{
		PluginID:      "p",
		Snapshot:      func() *config.Snapshot { return snapshot(complete(), "https://mm.example.com") },
		IsSystemAdmin: func(id string) bool { return id == "admin" },
		Icons:         icons,
		Log:           mmapitest.Discard{},
		SSO:           func() *sso.Service { return &sso.Service{Sessions: sessions} },
	})
}

func browserPost(path, user, sessionID, csrf string) *http.Request {
	r := httptest.NewRequest("POST", path, bytes.NewReader([]byte(`{"flow":"f","code":"c","token":"t"}`)))
	r.Header.Set("Content-Type", "application/json")
	r.Header.Set("Sec-Fetch-Site", "same-origin")
	r.Header.Set("Origin", "https://mm.example.com")
	if user != "" {
		r.Header.Set("Mattermost-User-Id", user)
	}
	if csrf != "" {
		r.Header.Set(model.HeaderCsrfToken, csrf)
		r.AddCookie(&http.Cookie{Name: model.SessionCookieCsrf, Value: csrf})
	}
	if sessionID != "" {
		r = r.WithContext(WithSessionID(r.Context(), sessionID))
	}
	return r
}

func TestConfirmingALinkNeedsThePersonsOwnBrowserSession(t *testing.T) {
	pat := &model.Session{Id: "pat", UserId: "u", Props: model.StringMap{model.SessionPropType: model.SessionTypeUserAccessToken}}
	oauth := &model.Session{Id: "oauth", UserId: "u", IsOAuth: true}
	browser := &model.Session{Id: "web", UserId: "u", ExpiresAt: model.GetMillis() + 60_000}
	browser.GenerateCSRF()
	h := linkAPI(sessionsOnly{"pat": pat, "oauth": oauth, "web": browser})
	cases := map[string]struct {
		r    *http.Request
		want int
	}{
		"no user":                 {browserPost("/api/v1/link/confirm", "", "", ""), 401},
		"personal access token":   {browserPost("/api/v1/link/confirm", "u", "pat", "x"), 403},
		"OAuth app token":         {browserPost("/api/v1/link/confirm", "u", "oauth", "x"), 403},
		"browser session no CSRF": {browserPost("/api/v1/link/confirm", "u", "web", ""), 403},
		"another user's session":  {browserPost("/api/v1/link/confirm", "v", "web", browser.GetCSRF()), 403},
		"unknown session":         {browserPost("/api/v1/link/confirm", "u", "gone", browser.GetCSRF()), 403},
	}
	for name, tc := range cases {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, tc.r)
		if rec.Code != tc.want {
			t.Errorf("%s: %d %s, want %d", name, rec.Code, rec.Body, tc.want)
		}
	}
	// Without browser headers, even a good session is refused.
	r := browserPost("/api/v1/link/confirm", "u", "web", browser.GetCSRF())
	r.Header.Del("Sec-Fetch-Site")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, r)
	if rec.Code != 403 {
		t.Errorf("no Sec-Fetch-Site: %d", rec.Code)
	}
}

func TestRedeemingRefusesRequestsNotFromABrowserOnThisSite(t *testing.T) {
	h := linkAPI(sessionsOnly{})
	for name, mutate := range map[string]func(*http.Request){
		"server-side request": func(r *http.Request) { r.Header.Del("Sec-Fetch-Site"); r.Header.Del("Origin") },
		"other origin":        func(r *http.Request) { r.Header.Set("Origin", "https://evil.example.com") },
		"cross-site":          func(r *http.Request) { r.Header.Set("Sec-Fetch-Site", "cross-site") },
	} {
		r := browserPost("/api/v1/sso/redeem", "", "", "")
		mutate(r)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, r)
		if rec.Code != 403 || len(rec.Result().Cookies()) != 0 {
			t.Errorf("%s: %d", name, rec.Code)
		}
	}
	r := httptest.NewRequest("POST", "/api/v1/sso/redeem", strings.NewReader(`{"code":"c"}`))
	r.Header.Set("Content-Type", "application/json")
	r.Header.Set("Sec-Fetch-Site", "same-origin")
	r.Header.Set("Origin", "https://mm.example.com")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, r)
	if rec.Code != 400 {
		t.Errorf("a code without flow and token: %d", rec.Code)
	}
}

func TestOthersLinksAreForAdminsOnly(t *testing.T) {
	h := linkAPI(sessionsOnly{})
	id := model.NewId()
	for _, method := range []string{"GET", "DELETE"} {
		for user, want := range map[string]int{"": 401, "someone": 403} {
			if rec := do(h, method, "/api/v1/links/users/"+id, user, nil); rec.Code != want {
				t.Errorf("%s as %q: %d, want %d", method, user, rec.Code, want)
			}
		}
		if rec := do(h, method, "/api/v1/links/me", "", nil); rec.Code != 401 {
			t.Errorf("%s own link signed out: %d", method, rec.Code)
		}
	}
	if rec := do(h, "GET", "/api/v1/links/users/not-an-id", "admin", nil); rec.Code != 400 {
		t.Errorf("a bad user ID: %d", rec.Code)
	}
}

// revoking is a session store that records what it ended.
type revoking struct {
	sessions map[string]*model.Session
	ended    []string
}

func (r *revoking) CreateSession(*model.Session) (*model.Session, *model.AppError) {
	panic("no session may be made")
}
func (r *revoking) GetSession(id string) (*model.Session, *model.AppError) {
	if s, ok := r.sessions[id]; ok {
		return s, nil
	}
	return nil, model.NewAppError("fake", "no session", nil, "", http.StatusNotFound)
}
func (r *revoking) RevokeSession(id string) *model.AppError {
	r.ended = append(r.ended, id)
	delete(r.sessions, id)
	return nil
}

func signInAPI(store *revoking) http.Handler {
	return New(Deps{
		PluginID: "p",
		Snapshot: func() *config.Snapshot { return snapshot(complete(), "https://mm.example.com") },
		Log:      mmapitest.Discard{},
		SSO:      func() *sso.Service { return &sso.Service{Sessions: store, Cookie: sso.CookieOptions{Path: "/"}} },
	})
}

// deleted sorts the cookies an answer deletes into partitioned and not.
func deleted(rec *httptest.ResponseRecorder) (partitioned, unpartitioned int) {
	for _, c := range rec.Result().Cookies() {
		if c.Value != "" || c.MaxAge >= 0 {
			continue
		}
		if c.Partitioned {
			partitioned++
		} else {
			unpartitioned++
		}
	}
	return partitioned, unpartitioned
}

func TestTheTabsSignOutEndsOnlyTabSessionsAndDeletesTheirCookies(t *testing.T) {
	tab := &model.Session{Id: "tab", UserId: "u", Props: model.StringMap{sso.SessionPropSource: "true"}}
	own := &model.Session{Id: "own", UserId: "u"}
	store := &revoking{sessions: map[string]*model.Session{"tab": tab, "own": own}}
	h := signInAPI(store)
	send := func(r *http.Request) *httptest.ResponseRecorder {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, r)
		return rec
	}
	// Only the site's own fetch may sign the tab out.
	cross := browserPost("/api/v1/sso/signout", "u", "tab", "x")
	cross.Header.Del("Sec-Fetch-Site")
	if rec := send(cross); rec.Code != 403 || len(store.ended) != 0 {
		t.Fatalf("a sign-out without browser headers: %d, ended %v", rec.Code, store.ended)
	}
	rec := send(browserPost("/api/v1/sso/signout", "u", "tab", "x"))
	if p, u := deleted(rec); rec.Code != 200 || p != 3 || u != 3 || len(store.ended) != 1 || store.ended[0] != "tab" {
		t.Fatalf("signing the tab out: %d, %d+%d cookies deleted, ended %v", rec.Code, p, u, store.ended)
	}
	rec = send(browserPost("/api/v1/sso/signout", "u", "own", "x"))
	if p, u := deleted(rec); rec.Code != 200 || p != 3 || u != 3 || len(store.ended) != 1 {
		t.Fatalf("a password session: %d, %d+%d cookies deleted, ended %v", rec.Code, p, u, store.ended)
	}
	// Cookies of a session the server no longer knows are deleted too;
	// a browser that brought none keeps its unpartitioned ones.
	rec = send(browserPost("/api/v1/sso/signout", "", "", "stale"))
	if p, u := deleted(rec); p != 3 || u != 3 {
		t.Fatalf("stale cookies: %d+%d deleted", p, u)
	}
	rec = send(browserPost("/api/v1/sso/signout", "", "", ""))
	if p, u := deleted(rec); p != 3 || u != 0 {
		t.Fatalf("no cookies: %d+%d deleted", p, u)
	}
}

func TestARefusedSignInSaysItSignedTheTabOut(t *testing.T) {
	tab := &model.Session{Id: "tab", UserId: "u", Props: model.StringMap{sso.SessionPropSource: "true"}}
	store := &revoking{sessions: map[string]*model.Session{"tab": tab}}
	rec := httptest.NewRecorder()
	signInAPI(store).ServeHTTP(rec, browserPost("/api/v1/sso/exchange", "u", "tab", "x"))
	if rec.Code != 401 || !strings.Contains(rec.Body.String(), `"signedOut":true`) || len(store.ended) != 1 {
		t.Fatalf("a refused sign-in (sign-in not configured): %d %s, ended %v", rec.Code, rec.Body, store.ended)
	}
	if p, _ := deleted(rec); p != 3 {
		t.Fatalf("%d partitioned cookies deleted", p)
	}
}
