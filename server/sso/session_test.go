package sso

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/mattermost/mattermost/server/public/model"

	"github.com/missioncollab/mattermost-plugin-m365/server/kvstore"
)

// exchangeWith signs in from a browser that already carries a session.
func (h *harness) exchangeWith(token string, current *model.Session) (*Result, error) {
	req := Request{Token: token}
	if current != nil {
		req.SessionID, req.CurrentUserID = current.Id, current.UserId
	}
	return h.svc.Exchange(context.Background(), req)
}

func (h *harness) session(id string) *model.Session {
	s, appErr := h.api.GetSession(id)
	if appErr != nil {
		return nil
	}
	return s
}

// endsCookies checks that a result deletes the session cookies both
// partitioned and not, and sets none.
func endsCookies(t *testing.T, res *Result) {
	t.Helper()
	endsCookiesOf(t, res, true, true)
}

// endsCookiesOf checks which kinds of cookie a result deletes.
func endsCookiesOf(t *testing.T, res *Result, partitioned, unpartitioned bool) {
	t.Helper()
	seen := map[string]bool{}
	for _, c := range res.Cookies {
		if c.Value != "" || c.MaxAge >= 0 {
			t.Fatalf("cookie %s is set, not deleted", c.Name)
		}
		if !c.Secure || c.SameSite != http.SameSiteNoneMode {
			t.Fatalf("deletion of %s lacks the attributes it was set with: %s", c.Name, c)
		}
		seen[fmt.Sprintf("%s partitioned=%v", c.Name, c.Partitioned)] = true
	}
	for _, name := range []string{model.SessionCookieToken, model.SessionCookieUser, model.SessionCookieCsrf} {
		for p, want := range map[bool]bool{true: partitioned, false: unpartitioned} {
			if seen[fmt.Sprintf("%s partitioned=%v", name, p)] != want {
				t.Fatalf("%s partitioned=%v deleted: %v, want %v: %v", name, p, !want, want, res.Cookies)
			}
		}
	}
}

func TestARefusalWithoutASessionDeletesOnlyTheTabsOwnCookies(t *testing.T) {
	h := newHarness(t, true)
	res, err := h.exchange(h.tokens.member("oid-stranger", "stranger@example.com"))
	if err == nil {
		t.Fatal("accepted")
	}
	// Mattermost's own pages share unpartitioned cookies with the frame
	// where third-party cookies are allowed: a browser that showed the
	// frame no session keeps them.
	endsCookiesOf(t, res, true, false)
	// Cookies of a session no longer valid may stand before another
	// person's valid ones: they go, whichever kind they are.
	res, err = h.svc.Exchange(context.Background(), Request{Token: h.tokens.member("oid-other", "other@example.com"), CarriesCookies: true})
	if err == nil {
		t.Fatal("accepted")
	}
	endsCookiesOf(t, res, true, true)
}

func TestASignInOverAnotherAccountsSessionDeletesItsCookies(t *testing.T) {
	h := newHarness(t, true)
	alice := h.api.addUser("alice")
	bob := h.api.addUser("bob")
	bobsOwn := h.login(bob.Id)
	res, err := h.exchangeWith(h.tokens.member("oid-a", alice.Email), bobsOwn)
	if err != nil || setCookies(res) != 3 {
		t.Fatalf("alice's sign-in over bob's session: %+v, %v", res, err)
	}
	deleted := 0
	for _, c := range res.Cookies {
		if c.Value == "" && !c.Partitioned {
			deleted++
		}
	}
	if deleted != 3 || res.Cookies[0].Value != "" {
		t.Fatalf("bob's cookies are not deleted before alice's are set: %v", res.Cookies)
	}
	// Over the same account's own login, nothing of it is deleted.
	aliceOwn := h.login(alice.Id)
	again, err := h.exchangeWith(h.tokens.another(h.tokens.member("oid-a", alice.Email)), aliceOwn)
	if err != nil || len(again.Cookies) != 3 {
		t.Fatalf("alice's sign-in over her own login: %+v, %v", again, err)
	}
}

func TestEveryRefusedSignInEndsTheTabSessionTheBrowserCarries(t *testing.T) {
	h := newHarness(t, true)
	alice := h.api.addUser("alice")
	h.api.addUser("admin", func(u *model.User) { u.Roles = "system_user system_admin" })
	for name, token := range map[string]string{
		"no account":                 h.tokens.member("oid-stranger", "stranger@example.com"),
		"a guest with alice's email": h.tokens.guest("oid-guest", alice.Email),
		"another tenant's person":    "forged-other-tenant",
		"a forged token":             "forged",
		"an admin's email":           h.tokens.member("oid-x", "admin@example.com"),
	} {
		t.Run(name, func(t *testing.T) {
			signedIn, err := h.exchange(h.tokens.member("oid-a", alice.Email))
			if err != nil {
				t.Fatal(err)
			}
			tab := h.session(signedIn.SessionID)
			res, err := h.exchangeWith(token, tab)
			if err == nil {
				t.Fatalf("the sign-in was accepted: %+v", res)
			}
			endsCookies(t, res)
			if h.session(tab.Id) != nil {
				t.Fatal("alice's tab session survived another person's refused sign-in")
			}
		})
	}
}

func TestARefusedSignInLeavesSessionsTheTabDidNotMake(t *testing.T) {
	h := newHarness(t, true)
	bob := h.api.addUser("bob")
	own := h.login(bob.Id)
	res, err := h.exchangeWith(h.tokens.member("oid-stranger", "stranger@example.com"), own)
	if err == nil {
		t.Fatal("accepted")
	}
	endsCookies(t, res)
	if h.session(own.Id) == nil {
		t.Fatal("a password login's session was revoked by the tab")
	}
}

func TestTheTabsOwnSignOutEndsItsSession(t *testing.T) {
	h := newHarness(t, true)
	alice := h.api.addUser("alice")
	signedIn, _ := h.exchange(h.tokens.member("oid-a", alice.Email))
	res := h.svc.SignOut(signedIn.SessionID, alice.Id, true)
	endsCookies(t, res)
	if h.session(signedIn.SessionID) != nil {
		t.Fatal("the tab session survived its sign-out")
	}
	// Another account's ID with the session ends nothing.
	again, _ := h.exchange(h.tokens.another(h.tokens.member("oid-a", alice.Email)))
	h.svc.SignOut(again.SessionID, "someone-else", true)
	if h.session(again.SessionID) == nil {
		t.Fatal("a sign-out naming another account ended the session")
	}
}

func TestATabSessionIsKeptOnlyForTheIdentityItWasMadeFor(t *testing.T) {
	h := newHarness(t, true)
	alice := h.api.addUser("alice")
	bob := h.api.addUser("bob")
	first, _ := h.exchange(h.tokens.member("oid-a", alice.Email))
	tab := h.session(first.SessionID)

	same, err := h.exchangeWith(h.tokens.another(h.tokens.member("oid-a", alice.Email)), tab)
	if err != nil || !same.Reused || same.SessionID != tab.Id || setCookies(same) != 0 {
		t.Fatalf("the same person's sign-in = %+v, %v; want the session kept", same, err)
	}

	other, err := h.exchangeWith(h.tokens.member("oid-b", bob.Email), tab)
	if err != nil || other.Reused || other.UserID != bob.Id || setCookies(other) != 3 {
		t.Fatalf("bob's sign-in = %+v, %v", other, err)
	}
	if h.session(tab.Id) != nil {
		t.Fatal("alice's tab session survived bob's sign-in in the same browser")
	}

	// A tab session of the same account made for another identity (a
	// link since replaced) is not reused either.
	stale := h.login(bob.Id)
	stale.Props = model.StringMap{SessionPropSource: "true", SessionPropTenant: tenant, SessionPropObject: "oid-old"}
	h.api.sessions[stale.Id] = stale
	res, err := h.exchangeWith(h.tokens.another(h.tokens.member("oid-b", bob.Email)), stale)
	if err != nil || res.Reused {
		t.Fatalf("sign-in with another identity's tab session = %+v, %v", res, err)
	}
	if h.session(stale.Id) != nil {
		t.Fatal("the other identity's tab session survived")
	}
}

func TestOneTokenMakesOneSession(t *testing.T) {
	h := newHarness(t, true)
	alice := h.api.addUser("alice")
	token := h.tokens.member("oid-a", alice.Email)
	first, err := h.exchange(token)
	if err != nil {
		t.Fatal(err)
	}
	for range 10 {
		again, err := h.exchange(token)
		if err != nil || again.SessionID != first.SessionID || setCookies(again) != 3 {
			t.Fatalf("a replay = %+v, %v; want the first session back", again, err)
		}
	}
	if n := h.api.sessionCount(alice.Id); n != 1 {
		t.Fatalf("%d sessions from one token", n)
	}
	// Once that session has ended, the token may sign in again, once.
	_ = h.api.RevokeSession(first.SessionID)
	later, err := h.exchange(token)
	if err != nil || later.SessionID == first.SessionID {
		t.Fatalf("after the session ended = %+v, %v", later, err)
	}
	if n := h.api.sessionCount(alice.Id); n != 1 {
		t.Fatalf("%d sessions", n)
	}
}

func TestConcurrentSignInsOfOnePersonAllSucceedWithOneLink(t *testing.T) {
	for _, sameToken := range []bool{false, true} {
		t.Run(fmt.Sprintf("same token %v", sameToken), func(t *testing.T) {
			h := newHarness(t, true)
			alice := h.api.addUser("alice")
			token := h.tokens.member("oid-a", alice.Email)
			tokens := make([]string, 20)
			for i := range tokens {
				tokens[i] = token
				if !sameToken {
					tokens[i] = h.tokens.another(token)
				}
			}
			results := make([]*Result, len(tokens))
			errs := make([]error, len(tokens))
			var wg sync.WaitGroup
			for i := range tokens {
				wg.Add(1)
				go func() {
					defer wg.Done()
					results[i], errs[i] = h.exchange(tokens[i])
				}()
			}
			wg.Wait()
			sessions := map[string]bool{}
			for i, err := range errs {
				if err != nil {
					t.Fatalf("sign-in %d: %v", i, err)
				}
				sessions[results[i].SessionID] = true
			}
			if h.api.linkCount() != 1 {
				t.Fatalf("%d links", h.api.linkCount())
			}
			want := len(tokens)
			if sameToken {
				want = 1
			}
			if len(sessions) != want || h.api.sessionCount(alice.Id) != want {
				t.Fatalf("%d sessions handed out, %d stored; want %d", len(sessions), h.api.sessionCount(alice.Id), want)
			}
			// Every one of them ends with the link.
			if _, err := h.svc.Matcher.Links.Unlink(alice.Id); err != nil {
				t.Fatal(err)
			}
			if n := h.api.sessionCount(alice.Id); n != 0 {
				t.Fatalf("%d sessions outlived the link", n)
			}
		})
	}
}

func TestASessionMadeWhileItsLinkIsRemovedEnds(t *testing.T) {
	// The removal lands at each moment of a sign-in through the link:
	// after the account was found and before the session is made, or
	// after the session is made and before the sign-in looks again.
	for _, when := range []string{"before the session", "after the session"} {
		t.Run(when, func(t *testing.T) {
			h := newHarness(t, true)
			alice := h.api.addUser("alice")
			token := h.tokens.member("oid-a", alice.Email)
			if _, err := h.exchange(token); err != nil {
				t.Fatal(err)
			}
			unlink := func() {
				if _, err := h.svc.Matcher.Links.Unlink(alice.Id); err != nil {
					t.Error(err)
				}
			}
			if when == "before the session" {
				h.api.onCreateSession = func() { h.api.onCreateSession = nil; unlink() }
			} else {
				h.api.afterCreateSession = func() { h.api.afterCreateSession = nil; unlink() }
			}
			res, err := h.exchange(h.tokens.another(token))
			if err == nil {
				t.Fatalf("the sign-in succeeded through a removed link: %+v", res)
			}
			if n := h.api.sessionCount(alice.Id); n != 0 {
				t.Fatalf("%d sessions outlived the removal", n)
			}
		})
	}
}

func TestOnlyALoginMadeForTheLinkMayConfirmIt(t *testing.T) {
	h := newHarness(t, true)
	alice := h.api.addUser("alice")
	admin := h.api.addUser("admin", func(u *model.User) { u.Roles = "system_user system_admin" })
	// Logins of a second ago, before the link is asked for.
	before, adminBefore := h.login(alice.Id), h.login(admin.Id)
	for _, s := range []*model.Session{before, adminBefore} {
		s.CreateAt -= 1000
		h.api.sessions[s.Id].CreateAt = s.CreateAt
	}
	tab, _ := h.exchange(h.tokens.member("oid-a", alice.Email))
	flow := startFlow(t, h, h.tokens.member("oid-new", "new@example.com"))
	for name, s := range map[string]*model.Session{
		"a session from before the flow":        before,
		"an admin's session from before":        adminBefore,
		"a tab session":                         h.session(tab.SessionID),
		"a personal access token":               {Id: "p", UserId: alice.Id, CreateAt: model.GetMillis(), Props: model.StringMap{model.SessionPropType: model.SessionTypeUserAccessToken}},
		"an expired login made after the flow":  {Id: "e", UserId: alice.Id, CreateAt: model.GetMillis(), ExpiresAt: 1},
		"a bot's session made after the flow":   {Id: "b", UserId: alice.Id, CreateAt: model.GetMillis(), Props: model.StringMap{model.SessionPropIsBot: model.SessionPropIsBotValue}},
		"an OAuth app's session after the flow": {Id: "o", UserId: alice.Id, CreateAt: model.GetMillis(), IsOAuth: true},
	} {
		if code, err := h.svc.ConfirmLink(flow, s); err == nil || code != "" {
			t.Errorf("%s confirmed the link", name)
		}
	}
	if _, err := h.svc.ConfirmLink(flow, before); !errors.Is(err, ErrStaleLogin) {
		t.Fatalf("an old session: %v, want ErrStaleLogin", err)
	}
	if _, err := h.confirm(flow, admin.Id); err != nil {
		t.Fatalf("the admin's own fresh login: %v", err)
	}
}

func TestEmailLinksFollowTheEmail(t *testing.T) {
	h := newHarness(t, true)
	alice := h.api.addUser("alice")
	token := h.tokens.member("oid-a", alice.Email)
	if _, err := h.exchange(token); err != nil {
		t.Fatal(err)
	}
	link, _ := h.svc.Matcher.Links.LinkOf(alice.Id)
	if link.Email != "alice@example.com" || link.By != kvstore.ByMatch {
		t.Fatalf("link = %+v", link)
	}
	// Alice's address moves to a new account; hers changes.
	h.api.users[alice.Id].Email = "alice.old@example.com"
	heir := h.api.addUser("heir", func(u *model.User) { u.Email = "alice@example.com" })
	res, err := h.exchange(h.tokens.another(token))
	if err != nil || res.UserID != heir.Id {
		t.Fatalf("sign-in after the address moved = %+v, %v; want the account that has it now", res, err)
	}
	if old, _ := h.svc.Matcher.Links.LinkOf(alice.Id); old != nil {
		t.Fatalf("the old account keeps the link: %+v", old)
	}

	// An account whose address changed is reached again only once a
	// token proves the new address; an address renamed in Entra alone
	// keeps the link, which is the object ID's.
	bob := h.api.addUser("bob")
	if _, err := h.exchange(h.tokens.member("oid-b", bob.Email)); err != nil {
		t.Fatal(err)
	}
	if res, err := h.exchange(h.tokens.member("oid-b", "robert@example.com")); err != nil || res.UserID != bob.Id {
		t.Fatalf("the same account after a rename in Entra: %+v, %v", res, err)
	}
	h.api.users[bob.Id].Email = "robert@example.com"
	if res, err := h.exchange(h.tokens.member("oid-b", "bob@example.com")); !errors.Is(err, ErrNoAccount) {
		t.Fatalf("an email link held after the account's address changed: %+v, %v", res, err)
	}
	if res, err := h.exchange(h.tokens.another(h.tokens.member("oid-b", "robert@example.com"))); err != nil || res.UserID != bob.Id {
		t.Fatalf("the new address proven again: %+v, %v", res, err)
	}
	if link, _ := h.svc.Matcher.Links.LinkOf(bob.Id); link == nil || link.Email != "robert@example.com" {
		t.Fatalf("the link after it was proven again: %+v", link)
	}
}

func TestEmailLinksOfAccountsThatMayNoLongerBeReachedByEmailStopSigningIn(t *testing.T) {
	h := newHarness(t, true)
	alice := h.api.addUser("alice")
	token := h.tokens.member("oid-a", alice.Email)
	if _, err := h.exchange(token); err != nil {
		t.Fatal(err)
	}
	h.api.users[alice.Id].Roles = "system_user system_admin"
	if _, err := h.exchange(h.tokens.another(token)); !errors.Is(err, ErrNoAccount) {
		t.Fatalf("an email link signed in an account that became an admin: %v", err)
	}
}

func TestUnauthenticatedCallersAreBounded(t *testing.T) {
	h := newHarness(t, true)
	h.svc.Limits.now = func() time.Time { return time.Unix(1000, 0) }
	stranger := h.tokens.member("oid-s", "stranger@example.com")
	for i := range MaxLinkFlows {
		if _, err := h.exchange(h.tokens.another(stranger)); !errors.Is(err, ErrNoAccount) {
			t.Fatalf("flow %d: %v", i, err)
		}
	}
	flows := len(h.api.kv)
	if res, err := h.exchange(h.tokens.another(stranger)); !errors.Is(err, ErrLimited) || res.LinkFlow != "" {
		t.Fatalf("flow past the limit: %+v, %v", res, err)
	}
	if len(h.api.kv) != flows {
		t.Fatal("a flow past the limit was stored")
	}

	alice := h.api.addUser("alice")
	token := h.tokens.member("oid-a", alice.Email)
	if _, err := h.exchange(token); err != nil {
		t.Fatal(err)
	}
	for i := 1; i < MaxNewSessions; i++ {
		if _, err := h.exchange(h.tokens.another(token)); err != nil {
			t.Fatalf("sign-in %d: %v", i, err)
		}
	}
	if _, err := h.exchange(h.tokens.another(token)); !errors.Is(err, ErrLimited) {
		t.Fatalf("a session past the limit: %v", err)
	}
	// A replay still gets its session back, and the next minute starts
	// afresh.
	if _, err := h.exchange(token); err != nil {
		t.Fatalf("a replay past the limit: %v", err)
	}
	h.svc.Limits.now = func() time.Time { return time.Unix(1061, 0) }
	if _, err := h.exchange(h.tokens.another(token)); err != nil {
		t.Fatalf("the next minute: %v", err)
	}

	logged := 0
	for range MaxRefusalWarnings + 40 {
		if h.svc.Limits.Warn() {
			logged++
		}
	}
	if logged != MaxRefusalWarnings {
		t.Fatalf("%d warnings logged in one minute", logged)
	}
}
