package e2e

import (
	"context"
	"errors"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/mattermost/mattermost/server/public/model"

	"github.com/missioncollab/mattermost-plugin-m365/e2e/teamshost"
	"github.com/missioncollab/mattermost-plugin-m365/internal/msfake"
)

// meFromTheTab asks /users/me from the tab page, with the cookies this
// browser keeps for Mattermost inside the host: the status it answers.
func meFromTheTab(t *testing.T, ctx context.Context, probe string) string {
	t.Helper()
	expr := `(window["` + probe + `"] || (fetch("/mattermost/api/v4/users/me", {credentials: "include", headers: {"X-Requested-With": "XMLHttpRequest"}})` +
		`.then(function (r) { window["` + probe + `"] = String(r.status); }, function (e) { window["` + probe + `"] = "error " + e; }), ""))`
	status, err := teamshost.InFrame(ctx, env.Server.URL, expr)
	if err != nil {
		t.Fatalf("asking who is signed in from the tab: %v", err)
	}
	return status
}

// The same browser shows the tab to one person, then the host's person
// changes: whoever comes next never sees the first person's Mattermost,
// and the first person's tab session is gone.
func TestTheTabNeverShowsThePreviousPersonsMattermost(t *testing.T) {
	alice, aliceOID := newPerson(t, "alice")
	asAlice := teamshost.Options{Tenant: testTenant, UserObjectID: aliceOID, LoginHint: alice.Email,
		Token: func() (string, error) { return cloud.Sign(tabToken(aliceOID, alice.Email)), nil }}
	ctx, host := tabInHost(t, asAlice)
	guestToken := func() (string, error) {
		tok := tabToken(newOID(), alice.Email)
		return cloud.Sign(cloud.AccessToken(msfake.TokenSpec{
			Version: 2, Tenant: testTenant, ObjectID: newOID(), ClientID: testClientID,
			Audience: tok.Claims["aud"].(string), Scopes: "access_as_user", Email: alice.Email,
			GuestOf: "0d2c4fa1-5b6e-4f7a-8c9d-0e1f2a3b4c5d",
		})), nil
	}
	strangerOID := newOID()
	cases := []struct {
		name string
		opts teamshost.Options
	}{
		{"a person without an account", teamshost.Options{Tenant: testTenant, UserObjectID: strangerOID, LoginHint: "stranger@example.com",
			Token: func() (string, error) { return cloud.Sign(tabToken(strangerOID, "stranger@example.com")), nil }}},
		{"a guest whose email equals hers", teamshost.Options{Tenant: testTenant, UserObjectID: newOID(), LoginHint: alice.Email, Token: guestToken}},
		{"a person of another tenant", teamshost.Options{Tenant: "00000000-0000-0000-0000-000000000001", UserObjectID: newOID(),
			Token: func() (string, error) { return cloud.Sign(tabToken(aliceOID, alice.Email)), nil }}},
		{"a forged token", teamshost.Options{Tenant: testTenant, UserObjectID: aliceOID, LoginHint: alice.Email,
			Token: func() (string, error) {
				tok := tabToken(aliceOID, alice.Email)
				tok.Claims["aud"] = "api://elsewhere/" + testClientID
				return cloud.Sign(tok), nil
			}}},
		{"a host that gives no token", teamshost.Options{Tenant: testTenant, UserObjectID: aliceOID, LoginHint: alice.Email,
			Token: func() (string, error) { return "", errors.New("consent_required") }}},
	}
	tabURL := host.Options().TabURL
	asAlice.TabURL = tabURL
	for i, tc := range cases {
		tc.opts.TabURL = tabURL
		t.Run(tc.name, func(t *testing.T) {
			if err := host.SetOptions(asAlice); err != nil {
				t.Fatal(err)
			}
			if err := chromedp.Do(ctx, chromedp.Navigate(host.URL())); err != nil {
				t.Fatal(err)
			}
			who, err := teamshost.InFrame(ctx, env.Server.URL, inMattermost(`d.getElementById("signed-in-user")&&d.getElementById("signed-in-user").textContent`))
			if err != nil || who != "@"+alice.Username {
				t.Fatalf("alice's tab shows %q: %v", who, err)
			}
			if status := meFromTheTab(t, ctx, "aliceProbe"); status != "200" {
				t.Fatalf("alice's own tab asks who she is: %s", status)
			}
			hers := tabSessions(t, alice.Id)
			if len(hers) == 0 {
				t.Fatal("alice has no tab session")
			}

			if err := host.SetOptions(tc.opts); err != nil {
				t.Fatal(err)
			}
			if err := chromedp.Do(ctx, chromedp.Navigate(host.URL())); err != nil {
				t.Fatal(err)
			}
			form, err := teamshost.InFrame(ctx, env.Server.URL, inMattermost(`d.getElementById("login-form")&&!d.getElementById("login-form").hidden&&loc.pathname`))
			if err != nil || form != "/mattermost/login" {
				t.Fatalf("the next person sees %q, not the login: %v", form, err)
			}
			if status := meFromTheTab(t, ctx, "nextProbe"+string(rune('a'+i))); status != "401" {
				t.Fatalf("the next person's tab asks who is signed in: %s, want 401", status)
			}
			for _, s := range tabSessions(t, alice.Id) {
				for _, old := range hers {
					if s.Id == old.Id {
						t.Fatalf("alice's tab session %s survived", s.Id)
					}
				}
			}
		})
	}
}

// A browser that already has a Mattermost session cannot confirm a link
// with it: the popup's page offers to sign in again, ends that session,
// and asks for the login that may confirm.
func TestThePopupAsksForALoginMadeForTheLink(t *testing.T) {
	useSignInSettings(t, nil)
	alice, _ := newPerson(t, "alice")
	bctx := newBrowser(t)
	if err := chromedp.Do(bctx, chromedp.Navigate(env.Server.URL+"/login")); err != nil {
		t.Fatal(err)
	}
	loginInPopup(t, bctx, alice.Username, alice.Password)
	if _, err := chromedp.Run(bctx, chromedp.Poll[bool](`!!document.getElementById("signed-in-user")&&document.getElementById("signed-in-user").textContent===`+strconv.Quote("@"+alice.Username),
		chromedp.WithPollingTimeout(20*time.Second))); err != nil {
		t.Fatalf("alice never signed in: %v", err)
	}
	// The link is asked for after that login.
	flow := refusedWithFlow(t, cloud.Sign(tabToken(newOID(), "new-"+model.NewId()[:6]+"@example.com")), "no account has the token's email")
	link := env.Server.URL + "/plugins/" + env.PluginID + "/auth/link?flow=" + url.QueryEscape(flow)
	if err := chromedp.Do(bctx, chromedp.Navigate(link)); err != nil {
		t.Fatal(err)
	}
	if _, err := chromedp.Run(bctx, chromedp.Poll[bool](`!!document.getElementById("link-relogin")&&!document.getElementById("link-confirm")`,
		chromedp.WithPollingTimeout(20*time.Second))); err != nil {
		t.Fatalf("the page offered to confirm with the old session: %v", err)
	}
	if err := chromedp.Do(bctx, chromedp.Evaluate[chromedp.Void](`document.getElementById("link-relogin").click()`)); err != nil {
		t.Fatal(err)
	}
	if _, err := pollAcrossPages(bctx, `!!document.getElementById("login-form")&&!document.getElementById("login-form").hidden&&location.search.indexOf("redirect_to")>=0`); err != nil {
		t.Fatalf("signing in again did not lead to the login: %v", err)
	}
	loginInPopup(t, bctx, alice.Username, alice.Password)
	// The login brings the page back, now with the confirmation.
	named, err := pollAcrossPages(bctx, `(!!document.getElementById("link-confirm")&&document.getElementById("link-mattermost").textContent)||""`)
	if err != nil || !strings.HasPrefix(named, "@"+alice.Username) {
		t.Fatalf("after signing in again the page names %q: %v", named, err)
	}
}

// pollAcrossPages waits for a truthy string from expr on whatever page
// the browser shows, through the navigations on the way.
func pollAcrossPages(ctx context.Context, expr string) (string, error) {
	var v string
	var err error
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); {
		v, err = chromedp.Run(ctx, chromedp.Poll[string](`String((`+expr+`)||"")||false`,
			chromedp.WithPollingTimeout(time.Until(deadline))))
		if err == nil {
			return v, nil
		}
		time.Sleep(100 * time.Millisecond)
	}
	return v, err
}
