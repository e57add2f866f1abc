package site

import (
	"strings"
	"testing"
)

func TestSiteParts(t *testing.T) {
	cases := []struct {
		url, origin, sub, resource, plugin string
	}{
		{"https://mm.example.com", "https://mm.example.com", "", "api://mm.example.com/abc", "/plugins/p/tab"},
		{"https://mm.example.com/", "https://mm.example.com", "", "api://mm.example.com/abc", "/plugins/p/tab"},
		{"https://mm.example.com:8443/chat/", "https://mm.example.com:8443", "/chat", "api://mm.example.com:8443/chat/abc", "/chat/plugins/p/tab"},
		{"http://localhost:8065/a%20b", "http://localhost:8065", "/a%20b", "api://localhost:8065/a%20b/abc", "/a%20b/plugins/p/tab"},
	}
	for _, c := range cases {
		s, err := Parse(c.url)
		if err != nil {
			t.Fatalf("%s: %v", c.url, err)
		}
		if s.Origin() != c.origin || s.Subpath != c.sub || s.ResourceURI("ABC") != c.resource || s.PluginPath("p", "/tab") != c.plugin {
			t.Errorf("%s: %+v %s %s", c.url, s, s.ResourceURI("ABC"), s.PluginPath("p", "/tab"))
		}
	}
	if got, _ := Parse("https://mm.example.com:8443/chat/"); got.ConsoleURL("p") != "https://mm.example.com:8443/chat/admin_console/plugins/plugin_p" {
		t.Errorf("ConsoleURL under a subpath: %s", got.ConsoleURL("p"))
	}
	for _, bad := range []string{"", "mm.example.com", "ftp://mm.example.com", "https://"} {
		if _, err := Parse(bad); err == nil {
			t.Errorf("Parse(%q) accepted it", bad)
		}
	}
	if _, err := ParseHTTPS("http://mm.example.com"); err == nil || !strings.Contains(err.Error(), "must use https") {
		t.Errorf("ParseHTTPS(http): %v", err)
	}
	if _, err := Parse(""); err == nil || !strings.Contains(err.Error(), "Site URL is not set") {
		t.Errorf("Parse(empty): %v", err)
	}
}
