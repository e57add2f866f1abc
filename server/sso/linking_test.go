package sso

import (
	"errors"
	"fmt"
	"testing"

	"github.com/mattermost/mattermost/server/public/model"

	"github.com/missioncollab/mattermost-plugin-m365/server/kvstore"
)

// startFlow signs in with a token no account matches and returns the
// linking flow the tab is offered.
func startFlow(t *testing.T, h *harness, token string) string {
	t.Helper()
	res, err := h.exchange(token)
	if !errors.Is(err, ErrNoAccount) || res == nil || res.LinkFlow == "" {
		t.Fatalf("exchange = %+v, %v; want a linking flow", res, err)
	}
	return res.LinkFlow
}

func TestLinkingLinksTheTabsIdentityAndLaterSignInsAreSilent(t *testing.T) {
	h := newHarness(t, true)
	admin := h.api.addUser("admin", func(u *model.User) { u.Roles = "system_user system_admin" })
	token := h.tokens.member("oid-admin", admin.Email)
	flow := startFlow(t, h, token)
	f, err := h.svc.LinkFlow(flow)
	if err != nil || f.ObjectID != "oid-admin" || f.Account != admin.Email {
		t.Fatalf("flow = %+v, %v", f, err)
	}
	code, err := h.confirm(flow, admin.Id)
	if err != nil {
		t.Fatal(err)
	}
	res, err := h.redeem(code, flow, token)
	if err != nil || res.UserID != admin.Id || setCookies(res) != 3 || res.Rule != kvstore.RuleConfirmed {
		t.Fatalf("redeem = %+v, %v", res, err)
	}
	if link, _ := h.svc.Matcher.Links.LinkOf(admin.Id); link == nil || link.Rule != kvstore.RuleConfirmed {
		t.Fatalf("link = %+v", link)
	}
	again, err := h.exchange(token)
	if err != nil || again.UserID != admin.Id || again.Rule != RuleLink {
		t.Fatalf("the next sign-in = %+v, %v", again, err)
	}
	// The flow and the code are used up.
	if _, err := h.redeem(code, flow, token); !errors.Is(err, ErrBadCode) {
		t.Fatalf("second redeem: %v", err)
	}
	if _, err := h.svc.LinkFlow(flow); !errors.Is(err, ErrBadFlow) {
		t.Fatalf("flow after redeem: %v", err)
	}
}

func TestALinkingCodeIsUselessToAnyoneButTheTabThatStartedTheFlow(t *testing.T) {
	h := newHarness(t, true)
	attackerToken := h.tokens.member("oid-attacker", "attacker@example.com")
	otherFlow := startFlow(t, h, attackerToken)
	n := 0
	victim := func() (*model.User, string, string) {
		n++
		u := h.api.addUser(fmt.Sprintf("victim%d", n), func(u *model.User) { u.MfaActive = true })
		token := h.tokens.member(fmt.Sprintf("oid-victim%d", n), u.Email)
		return u, token, startFlow(t, h, token)
	}
	refused := func(t *testing.T, code, flow, token string, want error) {
		t.Helper()
		before := len(h.api.sessions)
		if _, err := h.redeem(code, flow, token); want != nil && !errors.Is(err, want) || err == nil {
			t.Fatalf("redeem: %v, want %v", err, want)
		}
		if len(h.api.sessions) != before {
			t.Fatal("a refused redemption made a session")
		}
	}

	t.Run("another identity's token", func(t *testing.T) {
		u, token, flow := victim()
		code, _ := h.confirm(flow, u.Id)
		refused(t, code, flow, attackerToken, ErrWrongIdentity)
		// The refusal spent nothing: the person's own tab still links.
		if res, err := h.redeem(code, flow, token); err != nil || res.UserID != u.Id {
			t.Fatalf("the person's own redemption after a refused one: %+v, %v", res, err)
		}
		refused(t, code, flow, token, ErrBadCode)
	})
	t.Run("another flow", func(t *testing.T) {
		u, _, flow := victim()
		code, _ := h.confirm(flow, u.Id)
		refused(t, code, otherFlow, attackerToken, ErrBadCode)
	})
	t.Run("a forged token", func(t *testing.T) {
		u, _, flow := victim()
		code, _ := h.confirm(flow, u.Id)
		refused(t, code, flow, "forged", nil)
	})
	t.Run("a made-up code", func(t *testing.T) {
		_, token, flow := victim()
		refused(t, "made-up", flow, token, ErrBadCode)
	})
	if link, _, _ := h.svc.Matcher.Links.UserFor(kvstore.Identity{TenantID: tenant, ObjectID: "oid-attacker"}); link != "" {
		t.Fatalf("the attacker's identity is linked to %s", link)
	}
}

func TestConfirmingRefusesUnknownFlowsAndUnusableAccounts(t *testing.T) {
	h := newHarness(t, true)
	bot := h.api.addUser("bot", func(u *model.User) { u.IsBot = true })
	person := h.api.addUser("person")
	if _, err := h.confirm("made-up", person.Id); !errors.Is(err, ErrBadFlow) {
		t.Fatalf("unknown flow: %v", err)
	}
	flow := startFlow(t, h, h.tokens.member("oid", "stranger@example.com"))
	if _, err := h.confirm(flow, bot.Id); !errors.Is(err, ErrNoAccount) {
		t.Fatalf("a bot confirmed: %v", err)
	}
}

func TestRelinkingMovesTheLink(t *testing.T) {
	h := newHarness(t, true)
	u := h.api.addUser("alice")
	old := h.tokens.member("oid-old", u.Email)
	if _, err := h.exchange(old); err != nil {
		t.Fatal(err)
	}
	// A second Microsoft account for the same person links only through
	// the person's own login, and then replaces the first.
	newer := h.tokens.member("oid-new", u.Email)
	flow := startFlow(t, h, newer)
	code, _ := h.confirm(flow, u.Id)
	if _, err := h.redeem(code, flow, newer); err != nil {
		t.Fatal(err)
	}
	if res, err := h.exchange(old); err == nil {
		t.Fatalf("the replaced identity still signs in: %+v", res)
	}
}

func TestOnlyAPersonsOwnBrowserSessionMayConfirm(t *testing.T) {
	browser := &model.Session{Id: "s", UserId: "u", ExpiresAt: model.GetMillis() + 60_000}
	browser.GenerateCSRF()
	csrf := browser.GetCSRF()
	if err := Interactive(browser, csrf, csrf); err != nil {
		t.Fatalf("a browser session: %v", err)
	}
	pat := &model.Session{Id: "p", UserId: "u", Props: model.StringMap{model.SessionPropType: model.SessionTypeUserAccessToken}}
	oauth := &model.Session{Id: "o", UserId: "u", IsOAuth: true}
	bot := &model.Session{Id: "b", UserId: "u", Props: model.StringMap{model.SessionPropIsBot: model.SessionPropIsBotValue}}
	expired := &model.Session{Id: "e", UserId: "u", ExpiresAt: 1}
	expired.GenerateCSRF()
	for name, tc := range map[string]struct {
		s            *model.Session
		header, cook string
	}{
		"personal access token":      {pat, "", ""},
		"personal access token+csrf": {pat, "x", "x"},
		"OAuth app token":            {oauth, "", ""},
		"bot session":                {bot, "", ""},
		"expired":                    {expired, expired.GetCSRF(), expired.GetCSRF()},
		"no CSRF header":             {browser, "", csrf},
		"no CSRF cookie":             {browser, csrf, ""},
		"wrong CSRF header":          {browser, "wrong", csrf},
		"wrong CSRF cookie":          {browser, csrf, "wrong"},
		"no session":                 {nil, csrf, csrf},
	} {
		if err := Interactive(tc.s, tc.header, tc.cook); !errors.Is(err, ErrNotInteractive) {
			t.Errorf("%s: %v, want refusal", name, err)
		}
	}
}

func TestRemovingOrReplacingALinkEndsTheSessionsItSignedIn(t *testing.T) {
	h := newHarness(t, true)
	var unlinked []string
	h.svc.Matcher.Links = (&SignIn{API: h.api, Finder: h.api, OnUnlink: func(userID string, _ kvstore.Link) { unlinked = append(unlinked, userID) }}).Links()
	u := h.api.addUser("alice")
	token := h.tokens.member("oid-a", u.Email)
	first, err := h.exchange(token)
	if err != nil {
		t.Fatal(err)
	}
	// Far more sessions than a link could once remember, each from a
	// token of its own.
	for range 25 {
		if _, err := h.exchange(h.tokens.another(token)); err != nil {
			t.Fatal(err)
		}
	}
	if len(h.api.sessions) != 26 {
		t.Fatalf("%d sessions", len(h.api.sessions))
	}
	if _, err := h.svc.Matcher.Links.Unlink(u.Id); err != nil {
		t.Fatal(err)
	}
	if len(h.api.sessions) != 0 || len(unlinked) != 1 {
		t.Fatalf("after unlink: %d sessions, unlinked %v (first was %s)", len(h.api.sessions), unlinked, first.UserID)
	}
	// Replacing a link through the own login ends the old identity's sessions.
	if _, err := h.exchange(token); err != nil {
		t.Fatal(err)
	}
	newer := h.tokens.member("oid-new", u.Email)
	flow := startFlow(t, h, newer)
	code, _ := h.confirm(flow, u.Id)
	if _, err := h.redeem(code, flow, newer); err != nil {
		t.Fatal(err)
	}
	if tabs, _ := h.api.TabSessionsOf(u.Id); len(tabs) != 1 {
		t.Fatalf("after relinking: %d tab sessions, want only the new one", len(tabs))
	}
}
