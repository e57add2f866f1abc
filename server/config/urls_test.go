package config

import (
	"strings"
	"testing"
)

func TestURLSettingsRefuseHostileValues(t *testing.T) {
	hostile := []string{
		"https://t.example/ *",
		"https://t.example/;script-src *",
		"https://t.example;script-src *",
		"https://*",
		"https://*.example.com",
		"https://t.example/*",
		"https://t.example, https://evil.example",
		"https://t.example https://evil.example",
		"https://t.example\thttps://evil.example",
		"https://t.example\r\nSet-Cookie: x=y",
		"https://t.example/'unsafe-inline'",
		`https://t.example/"x`,
		"https://t.example/<script>",
		`https://t.example\evil`,
		"https://user:pass@t.example",
		"https://user@t.example",
		"https://t.example@evil.example",
		"http://t.example",
		"javascript:alert(1)",
		"//t.example",
		"t.example",
		"https://",
		"https://t.example?x=1",
		"https://t.example?",
		"https://t.example#frag",
		"https://t.example:0",
		"https://t.example:65536",
		"https://t.example:08443",
		"https://t.example:abc",
		"https://t.example:",
		"https://-t.example",
		"https://t_x.example",
		"https://t..example",
		"https://tëst.example",
		"https://t.example/%2e%2e/",
		"https://t.example/%0d%0a",
		"https://t.example/a/../b",
		"https://[::1",
		"https://t.example/`x`",
		"https://t.example/{x}",
		"https://t.example/a|b",
		"https://t.example/a^b",
	}
	for _, v := range hostile {
		for _, kind := range []URLKind{URLPage, URLBase, URLGraphBase, URLOrigin} {
			if _, err := ParseURL("Custom cloud: Teams web URL", v, kind); err == nil {
				t.Errorf("ParseURL(%q, kind %d) accepted it", v, kind)
			} else if !strings.HasPrefix(err.Error(), "Custom cloud: Teams web URL ") {
				t.Errorf("ParseURL(%q): the message does not name the field: %v", v, err)
			}
		}
	}
}

func TestURLSettingsAcceptWhatTheyShould(t *testing.T) {
	good := []struct {
		v    string
		kind URLKind
	}{
		{"https://teams.example.com", URLOrigin},
		{"https://teams.example.com/", URLOrigin},
		{"https://Teams.Example.com:8443", URLOrigin},
		{"https://127.0.0.1:39479", URLOrigin},
		{"https://[::1]:8443", URLOrigin},
		{"https://login.example.com", URLBase},
		{"https://login.example.com/adfs", URLBase},
		{"https://graph.example.com", URLGraphBase},
		{"https://graph.example.com/proxy/", URLGraphBase},
		{"https://example.com/privacy-policy", URLPage},
		{"https://example.com/legal/terms.html", URLPage},
		{"https://example.com.", URLPage},
	}
	for _, g := range good {
		if _, err := ParseURL("field", g.v, g.kind); err != nil {
			t.Errorf("ParseURL(%q, kind %d): %v", g.v, g.kind, err)
		}
	}
}

func TestTheTeamsURLIsAnOriginAndGraphHasNoVersion(t *testing.T) {
	for _, v := range []string{"https://teams.example.com/app", "https://teams.example.com/v1.0"} {
		if _, err := ParseURL("Custom cloud: Teams web URL", v, URLOrigin); err == nil || !strings.Contains(err.Error(), "origin only") {
			t.Errorf("Teams URL %q: %v", v, err)
		}
	}
	for _, v := range []string{"https://graph.example.com/v1.0", "https://graph.example.com/v1.0/", "https://graph.example.com/beta", "https://graph.example.com/BETA", "https://graph.example.com/x/v2"} {
		if _, err := ParseURL("Custom cloud: Microsoft Graph URL", v, URLGraphBase); err == nil || !strings.Contains(err.Error(), "API version") {
			t.Errorf("Graph URL %q: %v", v, err)
		}
	}
	if got := Origin("https://Teams.Example.com:8443/"); got != "https://teams.example.com:8443" {
		t.Errorf("Origin = %q", got)
	}
}

func TestSavingAHostileCustomURLIsRefusedByName(t *testing.T) {
	s := Settings{Cloud: CloudCustom, CustomTeamsURL: "https://t.example/;script-src *"}
	err := s.Validate()
	if err == nil || !strings.Contains(err.Error(), labelCustomTeamsURL) {
		t.Fatalf("Validate = %v", err)
	}
}
