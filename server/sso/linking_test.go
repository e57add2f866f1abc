package sso

import (
	"context"
	"errors"
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
	code, err := h.svc.ConfirmLink(flow, admin.Id)
	if err != nil {
		t.Fatal(err)
	}
	res, err := h.svc.RedeemLink(context.Background(), code, flow, token)
	if err != nil || res.UserID != admin.Id || len(res.Cookies) != 3 || res.Rule != kvstore.RuleConfirmed {
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
	if _, err := h.svc.RedeemLink(context.Background(), code, flow, token); !errors.Is(err, ErrBadCode) {
		t.Fatalf("second redeem: %v", err)
	}
	if _, err := h.svc.LinkFlow(flow); !errors.Is(err, ErrBadFlow) {
		t.Fatalf("flow after redeem: %v", err)
	}
}

func TestALinkingCodeIsUselessToAnyoneButTheTabThatStartedTheFlow(t *testing.T) {
	h := newHarness(t, true)
	victim := h.api.addUser("victim", func(u *model.User) { u.MfaActive = true })
	victimToken := h.tokens.member("oid-victim", victim.Email)
	attackerToken := h.tokens.member("oid-attacker", "attacker@example.com")
	flow := startFlow(t, h, victimToken)
	otherFlow := startFlow(t, h, attackerToken)

	t.Run("another identity's token", func(t *testing.T) {
		code, _ := h.svc.ConfirmLink(flow, victim.Id)
		if _, err := h.svc.RedeemLink(context.Background(), code, flow, attackerToken); !errors.Is(err, ErrWrongIdentity) {
			t.Fatalf("redeem with the attacker's token: %v", err)
		}
		// The code is gone even though the redemption failed.
		if _, err := h.svc.RedeemLink(context.Background(), code, flow, victimToken); !errors.Is(err, ErrBadCode) {
			t.Fatalf("the code after a failed redemption: %v", err)
		}
	})
	t.Run("another flow", func(t *testing.T) {
		flow := startFlow(t, h, victimToken)
		code, _ := h.svc.ConfirmLink(flow, victim.Id)
		if _, err := h.svc.RedeemLink(context.Background(), code, otherFlow, attackerToken); !errors.Is(err, ErrBadCode) {
			t.Fatalf("redeem with another flow: %v", err)
		}
	})
	t.Run("no token", func(t *testing.T) {
		flow := startFlow(t, h, victimToken)
		code, _ := h.svc.ConfirmLink(flow, victim.Id)
		if _, err := h.svc.RedeemLink(context.Background(), code, flow, "forged"); err == nil {
			t.Fatal("redeemed with a forged token")
		}
	})
	t.Run("made-up code", func(t *testing.T) {
		if _, err := h.svc.RedeemLink(context.Background(), "made-up", flow, victimToken); !errors.Is(err, ErrBadCode) {
			t.Fatalf("made-up code: %v", err)
		}
	})
	if h.api.linkCount() != 0 {
		t.Fatal("a refused redemption made a link")
	}
	for _, s := range h.api.sessions {
		t.Fatalf("a refused redemption made a session for %s", s.UserId)
	}
}

func TestConfirmingRefusesUnknownFlowsAndUnusableAccounts(t *testing.T) {
	h := newHarness(t, true)
	bot := h.api.addUser("bot", func(u *model.User) { u.IsBot = true })
	person := h.api.addUser("person")
	if _, err := h.svc.ConfirmLink("made-up", person.Id); !errors.Is(err, ErrBadFlow) {
		t.Fatalf("unknown flow: %v", err)
	}
	flow := startFlow(t, h, h.tokens.member("oid", "stranger@example.com"))
	if _, err := h.svc.ConfirmLink(flow, bot.Id); !errors.Is(err, ErrNoAccount) {
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
	code, _ := h.svc.ConfirmLink(flow, u.Id)
	if _, err := h.svc.RedeemLink(context.Background(), code, flow, newer); err != nil {
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
