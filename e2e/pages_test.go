package e2e

import (
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"
)

func get(t *testing.T, path string) (*http.Response, string) {
	t.Helper()
	resp, err := http.Get(env.Server.URL + "/plugins/" + env.PluginID + path)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp, string(body)
}

var nonceInCSP = regexp.MustCompile(`script-src 'nonce-([A-Za-z0-9_-]{20,})';`)

func TestTabPageHasAStrictPolicyAndFreshNonces(t *testing.T) {
	useSignInSettings(t, nil)
	var nonces []string
	for range 2 {
		resp, body := get(t, "/tab")
		if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") {
			t.Fatalf("tab page: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
		}
		csp := resp.Header.Get("Content-Security-Policy")
		m := nonceInCSP.FindStringSubmatch(csp)
		if m == nil {
			t.Fatalf("CSP has no script nonce: %s", csp)
		}
		nonces = append(nonces, m[1])
		for _, want := range []string{"default-src 'none'", "base-uri 'none'", "frame-ancestors " + cloud.URL()} {
			if !strings.Contains(csp, want) {
				t.Errorf("CSP lacks %q: %s", want, csp)
			}
		}
		if strings.Contains(csp, "unsafe-inline") || strings.Contains(csp, "unsafe-eval") {
			t.Errorf("CSP allows inline or eval: %s", csp)
		}
		if resp.Header.Get("X-Content-Type-Options") != "nosniff" || resp.Header.Get("Referrer-Policy") != "no-referrer" {
			t.Errorf("headers: %v", resp.Header)
		}
		if strings.Count(body, `nonce="`+m[1]+`"`) != 3 {
			t.Errorf("the page's scripts and style do not all carry the nonce:\n%s", body)
		}
		for _, want := range []string{
			`data-exchange-url="/mattermost/plugins/` + env.PluginID + `/api/v1/sso/exchange"`,
			`data-login-url="/mattermost/login"`,
			`data-tenant-id="` + testTenant + `"`,
			`src="/mattermost/plugins/` + env.PluginID + `/static/teams-js/MicrosoftTeams.min.js"`,
		} {
			if !strings.Contains(body, want) {
				t.Errorf("page lacks %s", want)
			}
		}
	}
	if nonces[0] == nonces[1] {
		t.Fatal("two responses share a nonce")
	}
}

func TestTabPageAssetsComeFromThePlugin(t *testing.T) {
	resp, body := get(t, "/static/teams-js/MicrosoftTeams.min.js")
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/javascript") || len(body) < 100_000 {
		t.Fatalf("Teams SDK: %d %s %d bytes", resp.StatusCode, resp.Header.Get("Content-Type"), len(body))
	}
	if resp, _ := get(t, "/static/tab.js"); resp.StatusCode != 200 {
		t.Fatalf("tab.js: %d", resp.StatusCode)
	}
	for _, p := range []string{"/static/..%2fplugin.json", "/static/.hidden", "/static/nope.js"} {
		if resp, _ := get(t, p); resp.StatusCode != 404 {
			t.Errorf("%s: %d", p, resp.StatusCode)
		}
	}
}
