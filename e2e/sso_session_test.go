package e2e

import (
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/mattermost/mattermost/server/public/model"

	"github.com/missioncollab/mattermost-plugin-m365/e2e/harness"
	"github.com/missioncollab/mattermost-plugin-m365/internal/msfake"
)

// newPerson is an account with a verified email of its own, and its
// Microsoft identity's object ID.
func newPerson(t *testing.T, name string) (*harness.User, string) {
	t.Helper()
	suffix := model.NewId()[:6]
	u, err := env.Server.CreateUser(testContext(t), name+suffix, name+"-"+suffix+"@example.com", "Passw0rd-"+suffix+"!")
	if err != nil {
		t.Fatal(err)
	}
	return u, newOID()
}

// carrying is what a browser holding the session's cookies sends with
// the tab's POST: the cookies and the CSRF token.
func carrying(r exchangeResult) http.Header {
	h := http.Header{}
	h.Set("Cookie", "MMAUTHTOKEN="+r.cookies["MMAUTHTOKEN"].Value+"; MMCSRF="+r.cookies["MMCSRF"].Value)
	h.Set("X-CSRF-Token", r.cookies["MMCSRF"].Value)
	h.Set("X-Requested-With", "XMLHttpRequest")
	return h
}

// whoIs answers /users/me for a session token: the account's ID, or ""
// once the session has ended.
func whoIs(t testing.TB, token string) string {
	t.Helper()
	u, status := usersMe(t, token)
	if status != 200 {
		return ""
	}
	return u.Id
}

// tabSessions are the account's sessions the tab made.
func tabSessions(t *testing.T, userID string) []*model.Session {
	t.Helper()
	sessions, _, err := env.Admin.Client.GetSessions(testContext(t), userID, "")
	if err != nil {
		t.Fatal(err)
	}
	var out []*model.Session
	for _, s := range sessions {
		if s.Props["m365_tab"] == "true" {
			out = append(out, s)
		}
	}
	return out
}

// endsTheCookies checks that an answer deletes the session cookies
// partitioned, as they were set, and unpartitioned.
func endsTheCookies(t *testing.T, ended []*http.Cookie) {
	t.Helper()
	seen := map[string]bool{}
	for _, c := range ended {
		if c.MaxAge >= 0 || !c.Secure || c.SameSite != http.SameSiteNoneMode || c.Path != "/mattermost" {
			t.Fatalf("a deletion unlike the cookie it deletes: %s", c)
		}
		if c.Partitioned {
			seen[c.Name] = true
		}
	}
	for _, name := range []string{"MMAUTHTOKEN", "MMUSERID", "MMCSRF"} {
		if !seen[name] {
			t.Fatalf("%s is not deleted partitioned: %v", name, ended)
		}
	}
}

func TestAnotherPersonInTheSameBrowserEndsTheTabSessionItCarried(t *testing.T) {
	useSignInSettings(t, nil)
	alice, aliceOID := newPerson(t, "alice")
	other := func(oid, email string) string { return cloud.Sign(tabToken(oid, email)) }
	guest := func() string {
		tok := tabToken(newOID(), alice.Email)
		return cloud.Sign(cloud.AccessToken(msfake.TokenSpec{
			Version: 2, Tenant: testTenant, ObjectID: newOID(), ClientID: testClientID,
			Audience: tok.Claims["aud"].(string), Scopes: "access_as_user", Email: alice.Email,
			GuestOf: "0d2c4fa1-5b6e-4f7a-8c9d-0e1f2a3b4c5d",
		}))
	}
	otherTenant := func() string {
		tok := tabToken(newOID(), "someone@elsewhere.example")
		tok.Claims["tid"] = "00000000-0000-0000-0000-000000000001"
		return cloud.Sign(tok)
	}
	forged := func() string {
		tok := tabToken(aliceOID, alice.Email)
		tok.Claims["aud"] = "api://elsewhere/" + testClientID
		return cloud.Sign(tok)
	}
	for name, token := range map[string]func() string{
		"a person without an account":     func() string { return other(newOID(), "nobody-"+model.NewId()[:6]+"@example.com") },
		"a guest whose email equals hers": guest,
		"a person of another tenant":      otherTenant,
		"a forged token naming her":       forged,
		"a system admin's email":          func() string { return other(newOID(), env.Admin.Email) },
		"a request for a page elsewhere":  func() string { return other(aliceOID, alice.Email) },
	} {
		t.Run(name, func(t *testing.T) {
			signedIn := exchange(t, cloud.Sign(tabToken(aliceOID, alice.Email)), "", nil)
			if signedIn.status != 200 || whoIs(t, signedIn.cookies["MMAUTHTOKEN"].Value) != alice.Id {
				t.Fatalf("alice's sign-in: %d %s", signedIn.status, signedIn.body)
			}
			subPage := ""
			if name == "a request for a page elsewhere" {
				subPage = "https://elsewhere.example/x"
			}
			r := exchange(t, token(), subPage, carrying(signedIn))
			if r.status == 200 || len(r.cookies) != 0 {
				t.Fatalf("the other sign-in: %d, cookies %v", r.status, r.cookies)
			}
			endsTheCookies(t, r.ended)
			if who := whoIs(t, signedIn.cookies["MMAUTHTOKEN"].Value); who != "" {
				t.Fatal("alice's tab session still answers after another person's refused sign-in")
			}
		})
	}
}

func TestTheTabsOwnSignOutEndsItsSession(t *testing.T) {
	useSignInSettings(t, nil)
	alice, oid := newPerson(t, "alice")
	signedIn := exchange(t, cloud.Sign(tabToken(oid, alice.Email)), "", nil)
	if signedIn.status != 200 {
		t.Fatalf("sign-in: %d", signedIn.status)
	}
	h := carrying(signedIn)
	if r := pluginPost(t, "/api/v1/sso/signout", []byte(`{}`), h); r.status != 403 {
		t.Fatalf("a sign-out that is not the site's own fetch: %d", r.status)
	}
	for k, v := range browserHeaders() {
		h[k] = v
	}
	r := pluginPost(t, "/api/v1/sso/signout", []byte(`{}`), h)
	if r.status != 200 {
		t.Fatalf("sign-out: %d %s", r.status, r.raw)
	}
	endsTheCookies(t, r.ended)
	if whoIs(t, signedIn.cookies["MMAUTHTOKEN"].Value) != "" {
		t.Fatal("the tab session survived its sign-out")
	}
	// A password login's session is the person's own: the tab deletes its
	// cookies here but leaves it.
	own := webSession(t, alice.Username, alice.Password)
	h = browserHeaders()
	h.Set("Cookie", "MMAUTHTOKEN="+own["MMAUTHTOKEN"]+"; MMCSRF="+own["MMCSRF"])
	h.Set("X-CSRF-Token", own["MMCSRF"])
	if r := pluginPost(t, "/api/v1/sso/signout", []byte(`{}`), h); r.status != 200 || len(r.ended) == 0 {
		t.Fatalf("sign-out with a password session: %d", r.status)
	}
	if whoIs(t, own["MMAUTHTOKEN"]) != alice.Id {
		t.Fatal("the tab ended a session it did not make")
	}
}

func TestOneAcceptedTokenMakesOneSession(t *testing.T) {
	useSignInSettings(t, nil)
	alice, oid := newPerson(t, "alice")
	token := cloud.Sign(tabToken(oid, alice.Email))
	first := exchange(t, token, "", nil)
	if first.status != 200 {
		t.Fatalf("sign-in: %d %s", first.status, first.body)
	}
	var wg sync.WaitGroup
	replays := make([]exchangeResult, 20)
	for i := range replays {
		wg.Add(1)
		go func() {
			defer wg.Done()
			replays[i] = exchange(t, token, "", nil)
		}()
	}
	wg.Wait()
	for i, r := range replays {
		if r.status != 200 || r.cookies["MMAUTHTOKEN"].Value != first.cookies["MMAUTHTOKEN"].Value {
			t.Fatalf("replay %d: %d, a session of its own", i, r.status)
		}
	}
	if n := len(tabSessions(t, alice.Id)); n != 1 {
		t.Fatalf("%d tab sessions from one token", n)
	}
}

func TestConcurrentSignInsOfOnePersonAllSucceedAndAllEndWithTheLink(t *testing.T) {
	useSignInSettings(t, nil)
	alice, oid := newPerson(t, "alice")
	var mu sync.Mutex
	var tokens []string
	round := func(n int) {
		t.Helper()
		results := make([]exchangeResult, n)
		var wg sync.WaitGroup
		for i := range results {
			wg.Add(1)
			go func() {
				defer wg.Done()
				results[i] = exchange(t, cloud.Sign(tabToken(oid, alice.Email)), "", nil)
			}()
		}
		wg.Wait()
		for i, r := range results {
			if r.status != 200 {
				t.Fatalf("sign-in %d of %d at once: %d %s", i, n, r.status, r.body)
			}
			mu.Lock()
			tokens = append(tokens, r.cookies["MMAUTHTOKEN"].Value)
			mu.Unlock()
		}
	}
	round(20) // the first sign-in, twenty times at once
	link := linkOf(t, alice.Id)
	if link["linked"] != true || link["object_id"] != oid || link["made_by"] != "sign-in" || link["email"] != strings.ToLower(alice.Email) {
		t.Fatalf("link = %v", link)
	}
	round(10) // linked now
	if n := len(tabSessions(t, alice.Id)); n != 30 {
		t.Fatalf("%d tab sessions, want 30", n)
	}
	for i, tok := range tokens {
		if whoIs(t, tok) != alice.Id {
			t.Fatalf("session %d does not answer", i)
		}
	}
	del := pluginCall(t, "DELETE", "/api/v1/links/users/"+alice.Id, nil, http.Header{"Authorization": {"Bearer " + env.Admin.Client.AuthToken}})
	if del.status != 200 {
		t.Fatalf("remove link: %d %s", del.status, del.raw)
	}
	for i, tok := range tokens {
		if whoIs(t, tok) != "" {
			t.Fatalf("session %d of 30 outlived the link", i)
		}
	}
	linesOf := func(msg string) []string {
		var out []string
		for _, line := range strings.Split(env.Server.Logs(), "\n") {
			if strings.Contains(line, msg) && strings.Contains(line, `"entra_object_id":"`+oid+`"`) {
				out = append(out, line)
			}
		}
		return out
	}
	waitFor(t, "the removal in the log, naming who removed it", func() bool {
		removed := linesOf("Removed a Microsoft account link")
		return len(removed) == 1 && strings.Contains(removed[0], `"removed_by":"`+env.Admin.Id+`"`)
	})
	if made := linesOf(`"Linked a Microsoft account"`); len(made) != 1 || !strings.Contains(made[0], `"made_by":"sign-in"`) {
		t.Fatalf("log lines for the one link twenty sign-ins at once made: %q", made)
	}
}

func TestOnlyALoginMadeForTheLinkMayConfirmIt(t *testing.T) {
	useSignInSettings(t, nil)
	alice, aliceOID := newPerson(t, "alice")
	before := webSession(t, alice.Username, alice.Password)
	adminBefore := webSession(t, env.Admin.Username, env.Admin.Password)
	tab := exchange(t, cloud.Sign(tabToken(aliceOID, alice.Email)), "", nil)
	if tab.status != 200 {
		t.Fatalf("alice's tab: %d", tab.status)
	}
	flow := refusedWithFlow(t, cloud.Sign(tabToken(newOID(), "new-"+model.NewId()[:6]+"@example.com")), "no account has the token's email")
	for name, session := range map[string]map[string]string{
		"a session from before the link was asked for": before,
		"an admin's session from before":               adminBefore,
		"a tab session":                                {"MMAUTHTOKEN": tab.cookies["MMAUTHTOKEN"].Value, "MMCSRF": tab.cookies["MMCSRF"].Value},
	} {
		if r := confirmAs(t, session, flow); r.status != 403 || r.body["code"] != nil {
			t.Fatalf("%s confirmed: %d %s", name, r.status, r.raw)
		}
	}
	// The popup's page offers to sign in again instead.
	page := pluginCall(t, "GET", "/auth/link?flow="+flow, nil,
		http.Header{"Cookie": {"MMAUTHTOKEN=" + before["MMAUTHTOKEN"] + "; MMCSRF=" + before["MMCSRF"]}})
	if page.status != 200 || strings.Contains(page.raw, `id="link-confirm"`) || !strings.Contains(page.raw, `id="link-relogin"`) ||
		!strings.Contains(page.raw, `data-logout-url="/mattermost/api/v4/users/logout"`) {
		t.Fatalf("link page for an old session: %d %s", page.status, page.raw)
	}
	fresh := webSession(t, alice.Username, alice.Password)
	if r := confirmAs(t, fresh, flow); r.status != 200 || r.body["code"] == nil {
		t.Fatalf("a login made for the link: %d %s", r.status, r.raw)
	}
}
