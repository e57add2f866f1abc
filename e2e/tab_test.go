package e2e

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/missioncollab/mattermost-plugin-m365/e2e/teamshost"
)

// tabInHost frames the plugin's tab in the simulated Teams host, over
// https like the real one, with the plugin's custom cloud pointing its
// Teams URL there, and opens it in headless Chromium. The tab is the
// home tab unless opts names another page.
func tabInHost(t *testing.T, opts teamshost.Options) (context.Context, *teamshost.Host) {
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
	waitFor(t, "the host in FrameAncestors", func() bool {
		return strings.Contains(*env.Server.StoredConfig().ServiceSettings.FrameAncestors, host.URL())
	})
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
		Token: func() (string, error) { return cloud.Sign(tabToken(newOID(), env.User.Email)), nil },
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
			Token:  func() (string, error) { return cloud.Sign(tabToken(newOID(), env.User.Email)), nil },
		}},
		{"no matching account", teamshost.Options{
			Tenant: testTenant,
			Token:  func() (string, error) { return cloud.Sign(tabToken(newOID(), "stranger@example.com")), nil },
		}},
		{"token refused", teamshost.Options{
			Tenant: testTenant,
			Token: func() (string, error) {
				tok := tabToken(newOID(), env.User.Email)
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
		Token: func() (string, error) { return cloud.Sign(tabToken(newOID(), env.User.Email)), nil },
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

func TestTabExternalLoginRunsInTheHostPopup(t *testing.T) {
	ctx, host := tabInHost(t, teamshost.Options{
		Tenant: testTenant,
		// No Mattermost account matches this Microsoft account, so the tab
		// shows the login, where the person picks single sign-on.
		Token: func() (string, error) { return cloud.Sign(tabToken(newOID(), "stranger@example.com")), nil },
	})
	if _, err := teamshost.InFrame(ctx, env.Server.URL, inMattermost(`d.getElementById("sso-login")&&!d.getElementById("sso-login").hidden&&"ready"`)); err != nil {
		t.Fatalf("the login in the tab never offered single sign-on: %v", err)
	}
	// A real mouse click, as the browser lets only a person's gesture open
	// a popup.
	clickInFrames(t, ctx, "#tab", "#mattermost", "#sso-login")

	popup := waitForPopup(t, ctx, env.Server.URL+"/login?sso=1")
	if _, err := chromedp.Run(popup, chromedp.Poll[bool](`!!document.getElementById("login-form") && !document.getElementById("login-form").hidden`,
		chromedp.WithPollingTimeout(20*time.Second))); err != nil {
		t.Fatalf("the popup never showed the login: %v", err)
	}
	fill := `document.getElementById("login-id").value = "` + env.User.Username + `";` +
		`document.getElementById("login-password").value = "` + env.User.Password + `";` +
		`document.getElementById("login-form").requestSubmit();`
	if err := chromedp.Do(popup, chromedp.Evaluate[chromedp.Void](fill)); err != nil {
		t.Fatal(err)
	}

	who, err := teamshost.InFrame(ctx, env.Server.URL, inMattermost(`d.getElementById("login-form")&&d.getElementById("login-form").hidden&&d.getElementById("signed-in-user").textContent`))
	if err != nil {
		t.Fatalf("the tab never came back signed in: %v (host saw %v)", err, host.Events())
	}
	if who != "@"+env.User.Username {
		t.Fatalf("the tab is signed in as %s", who)
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
