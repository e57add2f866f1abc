package e2e

import (
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
)

// teamsSDKOriginList is what the Teams SDK fetches from Microsoft's CDN as it
// loads; the tab's policy blocks it, as an air-gapped network would.
const teamsSDKOriginList = "https://res.cdn.office.net/teams-js/validDomains/json/validDomains.json"

func TestTabPageLoadsNothingFromOffSiteAndBreaksNoPolicy(t *testing.T) {
	useSignInSettings(t, nil)
	bctx := newBrowser(t)

	var mu sync.Mutex
	requested := map[string]string{} // request ID -> URL
	blockedByPolicy := map[string]bool{}
	var violations []string
	if err := chromedp.Listen(bctx, func(ev any) {
		mu.Lock()
		defer mu.Unlock()
		switch e := ev.(type) {
		case *network.EventRequestWillBeSent:
			requested[string(e.RequestID)] = e.Request.URL
		case *network.EventLoadingFailed:
			if e.BlockedReason == network.BlockedReasonCsp {
				blockedByPolicy[string(e.RequestID)] = true
			}
		case *log.EventEntryAdded:
			if strings.Contains(e.Entry.Text, "Content Security Policy") {
				violations = append(violations, e.Entry.Text)
			}
		}
	}); err != nil {
		t.Fatal(err)
	}
	tabURL := env.Server.URL + "/plugins/" + env.PluginID + "/tab"
	if _, err := chromedp.Call(bctx, network.Enable, network.EnableParams{}); err != nil {
		t.Fatal(err)
	}
	if _, err := chromedp.Call(bctx, log.Enable, cdp.Empty{}); err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(bctx, chromedp.Navigate(tabURL)); err != nil {
		t.Fatal(err)
	}
	// Opened outside a host, the tab loads its scripts, then goes to the login.
	if _, err := chromedp.Run(bctx, chromedp.Poll[string](
		`(function(){var f=document.getElementById("login-form");return f&&!f.hidden&&location.pathname;})()`,
		chromedp.WithPollingTimeout(30*time.Second))); err != nil {
		t.Fatalf("never reached the login: %v", err)
	}

	mu.Lock()
	defer mu.Unlock()
	t.Logf("%d requests, %d blocked by policy, %d policy messages: %v", len(requested), len(blockedByPolicy), len(violations), violations)
	origin := strings.TrimSuffix(env.Server.URL, subpathSiteURL)
	sawSDK := false
	for id, u := range requested {
		if strings.Contains(u, "/static/teams-js/MicrosoftTeams.min.js") {
			sawSDK = true
		}
		if strings.HasPrefix(u, origin+"/") || strings.HasPrefix(u, "data:") {
			continue
		}
		if u == teamsSDKOriginList && blockedByPolicy[id] {
			continue
		}
		t.Errorf("the tab requested %s from off-site (blocked by policy: %v)", u, blockedByPolicy[id])
	}
	if !sawSDK {
		t.Fatalf("the tab never loaded the bundled Teams SDK; requests: %v", requested)
	}
	for _, v := range violations {
		if strings.Contains(v, "res.cdn.office.net") {
			continue
		}
		t.Errorf("policy violation: %s", v)
	}
}
