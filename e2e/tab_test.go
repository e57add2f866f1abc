package e2e

import (
	"context"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/mattermost/mattermost/server/public/model"

	"github.com/missioncollab/mattermost-plugin-m365/e2e/harness"
	"github.com/missioncollab/mattermost-plugin-m365/e2e/teamshost"
)

// tabInHost frames the plugin's tab in the simulated Teams host, over
// https like the real one, with the plugin's custom cloud pointing its
// Teams URL there, and opens it in headless Chromium. The tab is the
// home tab unless opts names another page.
func tabInHost(t *testing.T, opts teamshost.Options) (context.Context, *teamshost.Host) {
	t.Helper()
	return tabInHostThen(t, opts, nil)
}

// tabInHostThen is tabInHost, calling before with the host before the
// browser opens it.
func tabInHostThen(t *testing.T, opts teamshost.Options, before func(*teamshost.Host)) (context.Context, *teamshost.Host) {
	t.Helper()
	opts.HTTPS = true
	if opts.TabURL == "" {
		opts.TabURL = env.Server.URL + "/plugins/" + env.PluginID + "/tab"
	}
	host, err := teamshost.Start(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(host.Close)
	useSignInSettings(t, map[string]any{"customteamsurl": host.URL()})
	applyFrameAncestors(t)
	waitFor(t, "the host in FrameAncestors", func() bool {
		return strings.Contains(*env.Server.StoredConfig().ServiceSettings.FrameAncestors, host.URL())
	})
	if before != nil {
		before(host)
	}
	bctx := newBrowser(t)
	if err := chromedp.Do(bctx, chromedp.Navigate(host.URL())); err != nil {
		t.Fatal(err)
	}
	return bctx, host
}

// inMattermost wraps a JavaScript expression to run on Mattermost in the
// tab's own frame, with d its document and loc its location.
func inMattermost(expr string) string {
	return `(function(){var f=document.getElementById("mattermost");if(!f||!f.contentDocument){return "";}` +
		`var d=f.contentDocument,loc=f.contentWindow.location;return (` + expr + `);})()`
}

// newBrowser starts headless Chromium for one test; a failed test keeps a
// screenshot of what it showed.
func newBrowser(t *testing.T) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	t.Cleanup(cancel)
	bctx, stop, err := teamshost.NewBrowser(ctx, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(stop)
	t.Cleanup(func() {
		if t.Failed() {
			screenshot(t, bctx)
		}
	})
	return bctx
}

// screenshot keeps what the browser showed when a test failed.
func screenshot(t *testing.T, ctx context.Context) {
	shot, err := chromedp.Run(ctx, chromedp.FullScreenshot(90))
	if err != nil {
		t.Logf("no screenshot: %v", err)
		return
	}
	dir := filepath.Join(packageDir, "artifacts")
	_ = os.MkdirAll(dir, 0o755)
	path := filepath.Join(dir, strings.ReplaceAll(t.Name(), "/", "_")+".jpg")
	if err := os.WriteFile(path, shot, 0o644); err == nil {
		t.Logf("screenshot: %s", path)
	}
}

func TestTabSignsInInsideTheHost(t *testing.T) {
	ctx, host := tabInHost(t, teamshost.Options{
		Tenant: testTenant, UserObjectID: newOID(), LoginHint: env.User.Email,
		Token: func() (string, error) { return cloud.Sign(tabToken(userOID, env.User.Email)), nil },
	})
	who, err := teamshost.InFrame(ctx, env.Server.URL, inMattermost(`d.getElementById("signed-in-user")&&d.getElementById("signed-in-user").textContent`))
	if err != nil {
		t.Fatalf("the tab never showed a signed-in user: %v", err)
	}
	if who != "@"+env.User.Username {
		t.Fatalf("the tab is signed in as %s", who)
	}
	// Mattermost Calls and the clipboard work in the frame: the host's frame
	// grants the permissions the manifest's devicePermissions ask for.
	allowed, err := teamshost.InFrame(ctx, env.Server.URL, inMattermost(`(function(fp){
		if (!fp) { return "no feature policy API"; }
		var missing = ["microphone","camera","display-capture","clipboard-read","clipboard-write","fullscreen"]
			.filter(function(f){ return !fp.allowsFeature(f); });
		return missing.length ? "missing: " + missing.join(",") : "all allowed";
	})(d.featurePolicy)`))
	if err != nil || allowed != "all allowed" {
		t.Fatalf("permissions in the Mattermost frame: %q %v", allowed, err)
	}
	var sawSuccess bool
	for _, ev := range host.Events() {
		if ev.Func == "appInitialization.success" {
			sawSuccess = true
		}
	}
	if !sawSuccess {
		t.Fatalf("the tab never told the host it loaded: %+v", host.Events())
	}
}

func TestTabFallsBackToTheLogin(t *testing.T) {
	cases := []struct {
		name string
		opts teamshost.Options
	}{
		{"tenant mismatch", teamshost.Options{
			Tenant: "00000000-0000-0000-0000-000000000001",
			Token:  func() (string, error) { return cloud.Sign(tabToken(userOID, env.User.Email)), nil },
		}},
		{"no matching account", teamshost.Options{
			Tenant: testTenant,
			Token:  func() (string, error) { return cloud.Sign(tabToken(newOID(), "stranger@example.com")), nil },
		}},
		{"token refused", teamshost.Options{
			Tenant: testTenant,
			Token: func() (string, error) {
				tok := tabToken(userOID, env.User.Email)
				tok.Claims["aud"] = "api://elsewhere/" + testClientID
				return cloud.Sign(tok), nil
			},
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ctx, _ := tabInHost(t, tc.opts)
			form, err := teamshost.InFrame(ctx, env.Server.URL, inMattermost(`d.getElementById("login-form")&&!d.getElementById("login-form").hidden&&loc.pathname`))
			if err != nil {
				t.Fatalf("the tab never reached the login: %v", err)
			}
			if form != "/mattermost/login" {
				t.Fatalf("login shown at %s", form)
			}
		})
	}
}

func TestTabOutsideAHostGoesToTheLogin(t *testing.T) {
	useSignInSettings(t, nil)
	bctx := newBrowser(t)
	tabURL := env.Server.URL + "/plugins/" + env.PluginID + "/tab"
	if err := chromedp.Do(bctx, chromedp.Navigate(tabURL)); err != nil {
		t.Fatal(err)
	}
	path, err := chromedp.Run(bctx, chromedp.Poll[string](
		`(function(){var f=document.getElementById("login-form");return f&&!f.hidden&&location.pathname;})()`,
		chromedp.WithPollingTimeout(30*time.Second)))
	if err != nil {
		t.Fatalf("the tab opened on its own never reached the login: %v", err)
	}
	if path != "/mattermost/login" {
		t.Fatalf("ended at %s", path)
	}
}

func TestTabDeepLinkLandsOnThePost(t *testing.T) {
	postID := "abcdefghijkmnopqrstuvwxyz1"
	ctx, _ := tabInHost(t, teamshost.Options{
		Tenant: testTenant, SubPageID: "post:" + postID,
		Token: func() (string, error) { return cloud.Sign(tabToken(userOID, env.User.Email)), nil },
	})
	path, err := teamshost.InFrame(ctx, env.Server.URL, inMattermost(`d.getElementById("signed-in-user")&&d.getElementById("signed-in-user").textContent&&loc.pathname`))
	if err != nil {
		t.Fatalf("the deep link never landed signed in: %v", err)
	}
	if path != "/mattermost/_redirect/pl/"+postID {
		t.Fatalf("deep link landed on %s", path)
	}
}

func TestTabStuckSignInOffersToOpenMattermostOutside(t *testing.T) {
	release := make(chan struct{})
	t.Cleanup(func() { close(release) })
	ctx, _ := tabInHost(t, teamshost.Options{
		Tenant: testTenant,
		// The host never hands out a token, as a hung Teams client would.
		Token: func() (string, error) { <-release; return "", context.Canceled },
	})
	link, err := teamshost.InFrame(ctx, env.Server.URL, `(function(){
		var s = document.getElementById("stuck"), a = document.getElementById("open-outside");
		return s && !s.hidden && a && a.target === "_blank" && a.getAttribute("href");
	})()`)
	if err != nil {
		t.Fatalf("a stuck sign-in never offered a way out: %v", err)
	}
	if link != env.Server.SiteURL+"/" {
		t.Fatalf("the way out opens %q", link)
	}
}

func TestTabExternalLoginRunsInTheHostPopupAndLinks(t *testing.T) {
	stranger := newOID()
	ctx, host := tabInHost(t, teamshost.Options{
		Tenant: testTenant, UserObjectID: stranger,
		// No Mattermost account matches this Microsoft account, so the tab
		// shows the login, where the person picks single sign-on.
		Token: func() (string, error) { return cloud.Sign(tabToken(stranger, "stranger@example.com")), nil },
	})
	if _, err := teamshost.InFrame(ctx, env.Server.URL, inMattermost(`d.getElementById("sso-login")&&!d.getElementById("sso-login").hidden&&"ready"`)); err != nil {
		t.Fatalf("the login in the tab never offered single sign-on: %v", err)
	}
	// A real mouse click, as the browser lets only a person's gesture open
	// a popup.
	clickInFrames(t, ctx, "#tab", "#mattermost", "#sso-login")

	popup := waitForPopup(t, ctx, env.Server.URL+"/login?sso=1")
	loginInPopup(t, popup, env.User.Username, env.User.Password)
	confirmInPopup(t, popup, env.User.Username)

	who, err := teamshost.InFrame(ctx, env.Server.URL, inMattermost(`d.getElementById("login-form")&&d.getElementById("login-form").hidden&&d.getElementById("signed-in-user").textContent`))
	if err != nil {
		t.Fatalf("the tab never came back signed in: %v (host saw %v)", err, host.Events())
	}
	if who != "@"+env.User.Username {
		t.Fatalf("the tab is signed in as %s", who)
	}
	// The link now signs the stranger's Microsoft account in silently.
	if r := exchange(t, cloud.Sign(tabToken(stranger, "stranger@example.com")), "", nil); r.status != 200 || me(t, r).Id != env.User.Id {
		t.Fatalf("the linked identity: %d %s", r.status, r.body)
	}
	// Give alice her own identity back for the rest of the suite.
	linkBack(t, env.User, userOID)
}

// linkBack links u to oid again through its own login, as u would.
func linkBack(t *testing.T, u *harness.User, oid string) {
	t.Helper()
	del := pluginCall(t, "DELETE", "/api/v1/links/me", nil, http.Header{"Authorization": {"Bearer " + u.Client.AuthToken}})
	if del.status != 200 {
		t.Fatalf("remove link: %d", del.status)
	}
	if r := exchange(t, cloud.Sign(tabToken(oid, u.Email)), "", nil); r.status != 200 {
		t.Fatalf("relink %s: %d %s", u.Username, r.status, r.body)
	}
}

func TestTabLinksAnAdminThroughTheirOwnPasswordLogin(t *testing.T) {
	oid := newOID()
	ctx, _ := tabInHost(t, teamshost.Options{
		Tenant: testTenant, UserObjectID: oid,
		// The admin's email alone never signs in.
		Token: func() (string, error) { return cloud.Sign(tabToken(oid, env.Admin.Email)), nil },
	})
	if _, err := teamshost.InFrame(ctx, env.Server.URL, `!document.getElementById("link-bar").hidden&&"shown"`); err != nil {
		t.Fatalf("the tab never offered linking: %v", err)
	}
	clickInFrames(t, ctx, "#tab", "#link-start")
	popup := waitForPopup(t, ctx, env.Server.URL+"/login?redirect_to=")
	loginInPopup(t, popup, env.Admin.Username, env.Admin.Password)
	confirmInPopup(t, popup, env.Admin.Username)
	who, err := teamshost.InFrame(ctx, env.Server.URL, inMattermost(`d.getElementById("signed-in-user")&&d.getElementById("signed-in-user").textContent`))
	if err != nil || who != "@"+env.Admin.Username {
		t.Fatalf("the tab signed in as %q: %v", who, err)
	}
	bar, _ := teamshost.InFrame(ctx, env.Server.URL, `document.getElementById("link-bar").hidden?"hidden":"shown"`)
	if bar != "hidden" {
		t.Fatalf("the link bar is %s after linking", bar)
	}
	del := pluginCall(t, "DELETE", "/api/v1/links/users/"+env.Admin.Id, nil, http.Header{"Authorization": {"Bearer " + env.Admin.Client.AuthToken}})
	if del.status != 200 {
		t.Fatalf("remove the admin's link: %d", del.status)
	}
}

// Another company's app in the same host opens our popup with the person
// signed in to Mattermost in the browser: with a made-up flow, or with a
// real one the attacker started from their own tab, it gets nothing.
func TestAnotherAppInTheHostGetsNothingFromOurPopup(t *testing.T) {
	useSignInSettings(t, nil)
	attackerFlow := refusedWithFlow(t, cloud.Sign(tabToken(newOID(), "attacker-"+model.NewId()[:6]+"@example.com")), "no account has the token's email")
	base := env.Server.URL + "/plugins/" + env.PluginID + "/auth/link?flow="
	cases := []struct {
		name, flow string
		page       string // the element the popup must show
	}{
		{"a made-up flow", "guessed", "link-problem"},
		{"the attacker's own flow", attackerFlow, "link-mismatch"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			other, err := teamshost.StartOtherAppFrom(true, packageDir)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(other.Close)
			target := base + url.QueryEscape(tc.flow)
			ctx, host := tabInHostThen(t, teamshost.Options{
				Tenant: testTenant, UserObjectID: userOID,
				Token:       func() (string, error) { return cloud.Sign(tabToken(userOID, env.User.Email)), nil },
				OtherAppURL: other.PageURL(target, true),
			}, func(h *teamshost.Host) { other.SetHost(h.URL()) })
			// The person uses Mattermost in the browser, so the popup has a session.
			if _, err := teamshost.InFrame(ctx, env.Server.URL, inMattermost(`d.getElementById("signed-in-user")&&d.getElementById("signed-in-user").textContent`)); err != nil {
				t.Fatalf("the tab never signed in: %v", err)
			}
			popupSession(t, ctx, env.User)
			if err := other.WaitReady(ctx); err != nil {
				t.Fatal(err)
			}
			if got := other.TokenResults(); len(got) != 1 || !strings.HasPrefix(got[0], "failure:") {
				t.Fatalf("the other app got a token: %q", got)
			}
			clickInFrames(t, ctx, "#other-app", "#attack")
			popup := waitForPopup(t, ctx, target)
			shown := `(function(){var e=document.getElementById(` + strconv.Quote(tc.page) + `),c=document.getElementById("link-confirm");` +
				`return !!e&&!e.hidden&&(!c||c.hidden||c.disabled);})()`
			if _, err := chromedp.Run(popup, chromedp.Poll[bool](shown, chromedp.WithPollingTimeout(20*time.Second))); err != nil {
				t.Fatalf("the popup did not refuse with #%s: %v", tc.page, err)
			}
			// Even a click on the hidden button sends nothing.
			if err := chromedp.Do(popup, chromedp.Evaluate[chromedp.Void](`(function(){var c=document.getElementById("link-confirm");if(c){c.click();}`+
				`var x=document.getElementById("link-close")||document.getElementById("link-cancel");x.click();})()`)); err != nil {
				t.Fatal(err)
			}
			wctx, cancel := context.WithTimeout(ctx, 20*time.Second)
			defer cancel()
			got, err := other.WaitResults(wctx, 1)
			if err != nil {
				t.Fatalf("the other app's popup never finished: %v (host saw %v)", err, host.Events())
			}
			for _, r := range got {
				if strings.HasPrefix(r, "success:") {
					t.Fatalf("the other app got %q", r)
				}
			}
		})
	}
}

// popupSession signs the browser itself, outside the host, in to
// Mattermost as u now, as for a person who also uses Mattermost in a
// browser tab of its own. The host and the server share a site here, so
// the browser may already show the tab's own session: that one is signed
// out first, since a tab session never counts as a login of the person's.
func popupSession(t *testing.T, ctx context.Context, u *harness.User) {
	t.Helper()
	tctx, cancel := chromedp.NewContext(ctx)
	defer cancel()
	if err := chromedp.Do(tctx, chromedp.Navigate(env.Server.URL+"/login")); err != nil {
		t.Fatal(err)
	}
	state, err := chromedp.Run(tctx, chromedp.Poll[string](`(function(){
		var f=document.getElementById("login-form"), who=document.getElementById("signed-in-user");
		if (f && !f.hidden) { return "login"; }
		return who && who.textContent ? who.textContent : "";
	})()`, chromedp.WithPollingTimeout(20*time.Second)))
	if err != nil {
		t.Fatalf("the browser never showed Mattermost: %v", err)
	}
	if state != "login" {
		// The tab's own sign-out deletes its partitioned cookies, which a
		// logout of Mattermost's would leave.
		signOut := `fetch(` + strconv.Quote(env.Server.URL+"/plugins/"+env.PluginID+"/api/v1/sso/signout") + `, {method: "POST", credentials: "include",
			headers: {"Content-Type": "application/json", "X-Requested-With": "XMLHttpRequest",
				"X-CSRF-Token": (document.cookie.match(/(?:^|;\s*)MMCSRF=([^;]+)/) || [])[1] || ""}, body: "{}"})
			.then(function (r) { window.signedOut = r.status; })`
		if err := chromedp.Do(tctx, chromedp.Evaluate[chromedp.Void](signOut)); err != nil {
			t.Fatal(err)
		}
		if _, err := chromedp.Run(tctx, chromedp.Poll[bool](`window.signedOut === 200`, chromedp.WithPollingTimeout(20*time.Second))); err != nil {
			t.Fatalf("the tab's session was not signed out: %v", err)
		}
		if err := chromedp.Do(tctx, chromedp.Navigate(env.Server.URL+"/login")); err != nil {
			t.Fatal(err)
		}
	}
	loginInPopup(t, tctx, u.Username, u.Password)
	if _, err := chromedp.Run(tctx, chromedp.Poll[bool](`document.getElementById("signed-in-user").textContent===`+strconv.Quote("@"+u.Username),
		chromedp.WithPollingTimeout(20*time.Second))); err != nil {
		t.Fatalf("%s never signed in in the browser: %v", u.Username, err)
	}
}

// loginInPopup fills the Mattermost login in the popup.
func loginInPopup(t *testing.T, popup context.Context, username, password string) {
	t.Helper()
	if _, err := chromedp.Run(popup, chromedp.Poll[bool](`!!document.getElementById("login-form") && !document.getElementById("login-form").hidden`,
		chromedp.WithPollingTimeout(20*time.Second))); err != nil {
		t.Fatalf("the popup never showed the login: %v", err)
	}
	fill := `document.getElementById("login-id").value = ` + strconv.Quote(username) + `;` +
		`document.getElementById("login-password").value = ` + strconv.Quote(password) + `;` +
		`document.getElementById("login-form").requestSubmit();`
	if err := chromedp.Do(popup, chromedp.Evaluate[chromedp.Void](fill)); err != nil {
		t.Fatal(err)
	}
}

// confirmInPopup waits for the link confirmation naming the account and
// confirms it.
func confirmInPopup(t *testing.T, popup context.Context, username string) {
	t.Helper()
	// The login navigates the popup on to the link page, which may end a
	// poll that began before.
	var named string
	var err error
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); {
		// The button is enabled once the host's context names the flow's person.
		named, err = chromedp.Run(popup, chromedp.Poll[string](`!!document.getElementById("link-confirm")&&!document.getElementById("link-confirm").disabled&&document.getElementById("link-mattermost").textContent`,
			chromedp.WithPollingTimeout(time.Until(deadline))))
		if err == nil {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if err != nil {
		t.Fatalf("the popup never asked to confirm the link: %v", err)
	}
	if !strings.HasPrefix(named, "@"+username+" ") {
		t.Fatalf("the popup names %q", named)
	}
	if err := chromedp.Do(popup, chromedp.Evaluate[chromedp.Void](`document.getElementById("link-confirm").click()`)); err != nil {
		t.Fatal(err)
	}
}

// clickInFrames clicks the element the last selector names, each selector
// looking inside the frame the one before found.
func clickInFrames(t *testing.T, ctx context.Context, selectors ...string) {
	t.Helper()
	var node *chromedp.Node
	for _, sel := range selectors {
		var opts []chromedp.QueryOption
		if node != nil {
			opts = append(opts, chromedp.FromNode(node))
		}
		nodes, err := chromedp.Run(ctx, chromedp.Nodes(chromedp.CSS(sel), opts...))
		if err != nil || len(nodes) == 0 {
			t.Fatalf("no %s: %v", sel, err)
		}
		node = nodes[0]
	}
	if err := chromedp.Do(ctx, chromedp.MouseClickNode(node)); err != nil {
		t.Fatalf("click %s: %v", selectors[len(selectors)-1], err)
	}
}

// waitForPopup returns a context on the window the host opened at url.
func waitForPopup(t *testing.T, ctx context.Context, urlPrefix string) context.Context {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		infos, err := chromedp.Targets(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, info := range infos {
			if info.Type == "page" && strings.HasPrefix(info.URL, urlPrefix) {
				pctx, cancel := chromedp.NewContext(ctx, chromedp.WithTargetID(info.TargetID))
				t.Cleanup(cancel)
				return pctx
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("no popup opened at %s", urlPrefix)
	return nil
}
