package sso

import (
	"errors"
	"strings"
	"testing"

	"github.com/mattermost/mattermost/server/public/model"

	"github.com/missioncollab/mattermost-plugin-m365/server/kvstore"
)

func TestEmailMatchSignsInAVerifiedMember(t *testing.T) {
	h := newHarness(t, true)
	alice := h.api.addUser("alice")
	res, err := h.exchange(h.tokens.member("oid-a", "ALICE@example.com"))
	if err != nil || res.UserID != alice.Id || res.Rule != RuleEmail || setCookies(res) != 3 {
		t.Fatalf("exchange = %+v, %v", res, err)
	}
	link, _ := h.svc.Matcher.Links.LinkOf(alice.Id)
	if link == nil || link.ObjectID != "oid-a" || link.Rule != kvstore.RuleEmail {
		t.Fatalf("link = %+v", link)
	}
	// The next sign-in goes by the link.
	res, err = h.exchange(h.tokens.member("oid-a", "alice@example.com"))
	if err != nil || res.Rule != RuleLink {
		t.Fatalf("second exchange = %+v, %v", res, err)
	}
}

func TestEmailMatchReachesAccountsWhoseEmailTheProviderSets(t *testing.T) {
	for _, service := range []string{model.UserAuthServiceLdap, model.UserAuthServiceSaml} {
		t.Run(service, func(t *testing.T) {
			h := newHarness(t, true)
			u := h.api.addUser("sso", func(u *model.User) { u.AuthService, u.EmailVerified = service, false })
			res, err := h.exchange(h.tokens.member("oid", u.Email))
			if err != nil || res.UserID != u.Id {
				t.Fatalf("exchange = %+v, %v", res, err)
			}
		})
	}
}

// Every account an email alone must never reach: the sign-in is refused,
// nothing is linked, and the tab is offered a linking flow instead.
func TestEmailMatchRefusesAccountsTheEmailDoesNotProve(t *testing.T) {
	cases := []struct {
		name  string
		setup func(h *harness) (*model.User, string)
		why   string
	}{
		{"pre-hijack: an email changed to a colleague's, unverified", func(h *harness) (*model.User, string) {
			u := h.api.addUser("mallory", func(u *model.User) { u.Email, u.EmailVerified = "colleague@example.com", false })
			return u, h.tokens.member("oid-colleague", "colleague@example.com")
		}, "not verified"},
		{"system admin", func(h *harness) (*model.User, string) {
			u := h.api.addUser("admin", func(u *model.User) { u.Roles = "system_user system_admin" })
			return u, h.tokens.member("oid", u.Email)
		}, "may manage"},
		{"system manager", func(h *harness) (*model.User, string) {
			u := h.api.addUser("manager", func(u *model.User) { u.Roles = "system_user system_manager" })
			return u, h.tokens.member("oid", u.Email)
		}, "may manage"},
		{"user manager", func(h *harness) (*model.User, string) {
			u := h.api.addUser("usermgr", func(u *model.User) { u.Roles = "system_user system_user_manager" })
			return u, h.tokens.member("oid", u.Email)
		}, "may manage"},
		{"read-only admin", func(h *harness) (*model.User, string) {
			u := h.api.addUser("viewer", func(u *model.User) { u.Roles = "system_user system_read_only_admin" })
			return u, h.tokens.member("oid", u.Email)
		}, "may manage"},
		{"a custom role that may manage the system", func(h *harness) (*model.User, string) {
			u := h.api.addUser("custom", func(u *model.User) { u.Roles = "system_user custom_admin" })
			h.api.perms["custom_admin"] = []string{model.PermissionManageSystem.Id}
			return u, h.tokens.member("oid", u.Email)
		}, "may manage"},
		{"a custom role that may edit other accounts", func(h *harness) (*model.User, string) {
			u := h.api.addUser("editor", func(u *model.User) { u.Roles = "system_user custom_editor" })
			h.api.perms["custom_editor"] = []string{model.PermissionEditOtherUsers.Id}
			return u, h.tokens.member("oid", u.Email)
		}, "may manage"},
		{"MFA active", func(h *harness) (*model.User, string) {
			u := h.api.addUser("mfa", func(u *model.User) { u.MfaActive = true })
			return u, h.tokens.member("oid", u.Email)
		}, "multi-factor"},
		{"linked to another Microsoft identity", func(h *harness) (*model.User, string) {
			u := h.api.addUser("linked")
			if _, err := h.svc.Matcher.Links.Link(kvstore.Identity{TenantID: tenant, ObjectID: "oid-first"}, u.Id, kvstore.RuleConfirmed); err != nil {
				t.Fatal(err)
			}
			return u, h.tokens.member("oid-second", u.Email)
		}, "another Microsoft account"},
		{"guest token with a member's email", func(h *harness) (*model.User, string) {
			u := h.api.addUser("member")
			return u, h.tokens.guest("oid-guest", u.Email)
		}, "guest"},
		{"Office 365 account of another Entra identity", func(h *harness) (*model.User, string) {
			u := h.api.addUser("o365", func(u *model.User) {
				u.AuthService, u.AuthData = model.ServiceOffice365, model.NewPointer("oid-elsewhere")
			})
			return u, h.tokens.member("oid", u.Email)
		}, "signs in through office365"},
		{"OpenID account", func(h *harness) (*model.User, string) {
			u := h.api.addUser("oidc", func(u *model.User) { u.AuthService = model.ServiceOpenid })
			return u, h.tokens.member("oid", u.Email)
		}, "signs in through openid"},
		{"GitLab account", func(h *harness) (*model.User, string) {
			u := h.api.addUser("gitlab", func(u *model.User) { u.AuthService = model.UserAuthServiceGitlab })
			return u, h.tokens.member("oid", u.Email)
		}, "gitlab"},
		{"bot", func(h *harness) (*model.User, string) {
			u := h.api.addUser("bot", func(u *model.User) { u.IsBot = true })
			return u, h.tokens.member("oid", u.Email)
		}, "is a bot"},
		{"deactivated", func(h *harness) (*model.User, string) {
			u := h.api.addUser("gone", func(u *model.User) { u.DeleteAt = 1 })
			return u, h.tokens.member("oid", u.Email)
		}, "deactivated"},
		{"remote", func(h *harness) (*model.User, string) {
			u := h.api.addUser("remote", func(u *model.User) { u.RemoteId = model.NewPointer("remote1") })
			return u, h.tokens.member("oid", u.Email)
		}, "remote server"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, true)
			u, token := tc.setup(h)
			before := h.api.linkCount()
			res, err := h.exchange(token)
			if !errors.Is(err, ErrNoAccount) || !strings.Contains(err.Error(), tc.why) {
				t.Fatalf("exchange error = %v, want no account because %q", err, tc.why)
			}
			if res == nil || res.LinkFlow == "" || setCookies(res) != 0 || res.UserID != "" {
				t.Fatalf("result = %+v, want only a linking flow", res)
			}
			if h.api.linkCount() != before {
				t.Fatal("a refused sign-in made a link")
			}
			if len(h.api.sessions) != 0 {
				t.Fatalf("a refused sign-in made a session for %s", u.Id)
			}
		})
	}
}

func TestEmailMatchingOffMatchesNoEmail(t *testing.T) {
	h := newHarness(t, false)
	h.api.addUser("alice")
	res, err := h.exchange(h.tokens.member("oid", "alice@example.com"))
	if !errors.Is(err, ErrNoAccount) || res.LinkFlow == "" {
		t.Fatalf("exchange = %+v, %v", res, err)
	}
}

func TestAuthDataMatchesEvenWithEmailMatchingOff(t *testing.T) {
	h := newHarness(t, false)
	u := h.api.addUser("o365", func(u *model.User) { u.AuthService = model.ServiceOffice365 })
	h.svc.Matcher.ByAuthData = func(oid string) (string, error) {
		if oid == "oid-o365" {
			return u.Id, nil
		}
		return "", nil
	}
	res, err := h.exchange(h.tokens.member("oid-o365", "whatever@example.com"))
	if err != nil || res.UserID != u.Id || res.Rule != RuleAuthData {
		t.Fatalf("exchange = %+v, %v", res, err)
	}
	if link, _ := h.svc.Matcher.Links.LinkOf(u.Id); link == nil || link.Rule != kvstore.RuleAuthData || !link.Trusted(false) {
		t.Fatalf("link = %+v", link)
	}
}

// A link that email alone made holds only while the email would still be
// enough: it never carries a person into an account that became an admin's.
func TestALinkMadeByEmailIsCheckedAgainAtEverySignIn(t *testing.T) {
	h := newHarness(t, true)
	u := h.api.addUser("alice")
	token := h.tokens.member("oid-a", u.Email)
	if _, err := h.exchange(token); err != nil {
		t.Fatal(err)
	}
	h.api.users[u.Id].Roles = "system_user system_admin"
	if _, err := h.exchange(token); !errors.Is(err, ErrNoAccount) {
		t.Fatalf("sign-in into a promoted account by an email link: %v", err)
	}
	h.api.users[u.Id].Roles = "system_user"
	h.api.users[u.Id].MfaActive = true
	if _, err := h.exchange(token); !errors.Is(err, ErrNoAccount) {
		t.Fatalf("sign-in into an MFA account by an email link: %v", err)
	}
}

func TestTurningEmailMatchingOffStopsTrustingLinksEmailMade(t *testing.T) {
	h := newHarness(t, true)
	alice := h.api.addUser("alice")
	bob := h.api.addUser("bob")
	aliceToken := h.tokens.member("oid-a", alice.Email)
	if _, err := h.exchange(aliceToken); err != nil {
		t.Fatal(err)
	}
	bobToken := h.tokens.member("oid-b", bob.Email)
	if _, err := h.svc.Matcher.Links.Link(kvstore.Identity{TenantID: tenant, ObjectID: "oid-b"}, bob.Id, kvstore.RuleConfirmed); err != nil {
		t.Fatal(err)
	}
	h.svc.Matcher.MatchEmail = false
	if res, err := h.exchange(aliceToken); !errors.Is(err, ErrNoAccount) || res.LinkFlow == "" {
		t.Fatalf("an email link with email matching off: %+v, %v", res, err)
	}
	if res, err := h.exchange(bobToken); err != nil || res.UserID != bob.Id {
		t.Fatalf("a confirmed link with email matching off: %+v, %v", res, err)
	}
	// The link is kept, and trusted again once email matching is back.
	h.svc.Matcher.MatchEmail = true
	if res, err := h.exchange(aliceToken); err != nil || res.UserID != alice.Id || res.Rule != RuleLink {
		t.Fatalf("the email link with email matching back on: %+v, %v", res, err)
	}
}

func TestALinkedAccountIsTheAnswerEvenWhenUnusable(t *testing.T) {
	h := newHarness(t, true)
	u := h.api.addUser("alice")
	token := h.tokens.member("oid-a", u.Email)
	if _, err := h.exchange(token); err != nil {
		t.Fatal(err)
	}
	h.api.users[u.Id].DeleteAt = 1
	// Another account with the same email must not be reached instead.
	h.api.addUser("alice2", func(x *model.User) { x.Email = u.Email })
	if _, err := h.exchange(token); !errors.Is(err, ErrNoAccount) || !strings.Contains(err.Error(), "deactivated") {
		t.Fatalf("exchange = %v", err)
	}
}

func TestSignInsAndLinksAreAudited(t *testing.T) {
	h := newHarness(t, true)
	u := h.api.addUser("alice")
	if _, err := h.exchange(h.tokens.member("oid-a", u.Email)); err != nil {
		t.Fatal(err)
	}
	if len(h.api.info) != 2 || len(h.api.audits) != 2 {
		t.Fatalf("log %v, audit %d", h.api.info, len(h.api.audits))
	}
	if !strings.Contains(h.api.info[0], "Linked") || !strings.Contains(h.api.info[1], "sign-in") {
		t.Fatalf("log = %v", h.api.info)
	}
	for _, want := range []string{u.Id, "oid-a", tenant, "rule" + RuleEmail, "Teams web"} {
		if !strings.Contains(strings.ReplaceAll(h.api.info[1], " ", ""), strings.ReplaceAll(want, " ", "")) {
			t.Errorf("the sign-in line lacks %q: %s", want, h.api.info[1])
		}
	}
	if rec := h.api.audits[1]; rec.EventName != EventSignIn || rec.Status != model.AuditStatusSuccess || rec.Actor.UserId != u.Id {
		t.Fatalf("audit record = %+v", rec)
	}
}

// A notification link routes notifications only: the identity it names
// signs in by the sign-in rules alone, never by the link.
func TestANotificationLinkNeverSignsAnyoneIn(t *testing.T) {
	for _, rule := range []string{kvstore.RuleNotifyAuthData, kvstore.RuleNotifyDirectory} {
		t.Run(rule, func(t *testing.T) {
			h := newHarness(t, false)
			admin := h.api.addUser("admin", func(u *model.User) { u.Roles = "system_user system_admin" })
			if _, err := h.svc.Matcher.Links.Link(kvstore.Identity{TenantID: tenant, ObjectID: "oid-admin"}, admin.Id, rule); err != nil {
				t.Fatal(err)
			}
			res, err := h.exchange(h.tokens.member("oid-admin", admin.Email))
			if !errors.Is(err, ErrNoAccount) || res.UserID != "" {
				t.Fatalf("a notification link signed in: %+v, %v", res, err)
			}
			// With email matching on, an account the email proves signs in
			// by email, and the link becomes a sign-in link.
			h.svc.Matcher.MatchEmail = true
			alice := h.api.addUser("alice")
			if _, err := h.svc.Matcher.Links.Link(kvstore.Identity{TenantID: tenant, ObjectID: "oid-a"}, alice.Id, rule); err != nil {
				t.Fatal(err)
			}
			res, err = h.exchange(h.tokens.member("oid-a", alice.Email))
			if err != nil || res.UserID != alice.Id || res.Rule != RuleEmail {
				t.Fatalf("email sign-in over a notification link: %+v, %v", res, err)
			}
			if link, _ := h.svc.Matcher.Links.LinkOf(alice.Id); link == nil || link.Rule != kvstore.RuleEmail {
				t.Fatalf("link after sign-in: %+v", link)
			}
		})
	}
}
