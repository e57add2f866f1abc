package sso

import (
	"testing"

	"github.com/mattermost/mattermost/server/public/model"

	"github.com/missioncollab/mattermost-plugin-m365/server/site"
)

func TestTargetStaysOnThisServer(t *testing.T) {
	const id = "abcdefghijklmnopqrstuvwxyz"
	good := map[string]string{
		"":                     "/chat/",
		"post:" + id:           "/chat/_redirect/pl/" + id,
		"preview:" + id:        "/chat/plugins/p/preview?post_id=" + id,
		"/team/channels/town":  "/chat/team/channels/town",
		"/a/../b":              "/chat/b",
		"/team/channels/a%20b": "/chat/team/channels/a%20b",
	}
	for in, want := range good {
		got, err := Target(in, "/chat", "/plugins/p/preview")
		if err != nil || got != want {
			t.Errorf("Target(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	bad := []string{
		"//evil.example.com",
		"https://evil.example.com",
		"https:evil.example.com",
		"javascript:alert(1)",
		`\\evil.example.com`,
		`/\evil.example.com`,
		"/%2fevil.example.com",
		"/%2Fevil.example.com",
		"%2f%2fevil.example.com",
		"/%252f%252fevil.example.com",
		"/%5cevil.example.com",
		"/\tevil",
		"evil.example.com",
		"post:../../x",
		"post:" + id + "/x",
		"preview:javascript:x",
		"/%zz",
	}
	for _, in := range bad {
		if got, err := Target(in, "/chat", "/plugins/p/preview"); err == nil {
			t.Errorf("Target(%q) = %q, want refusal", in, got)
		}
	}
}

func TestTargetWithoutSubpath(t *testing.T) {
	if got, _ := Target("", "", "/x"); got != "/" {
		t.Fatalf("home without subpath = %q", got)
	}
}

func TestTabSessionsLastTheSSOSessionLength(t *testing.T) {
	cfg := &model.Config{}
	cfg.SetDefaults()
	cfg.ServiceSettings.SessionLengthSSOInHours = model.NewPointer(12)
	cfg.ServiceSettings.SessionLengthWebInHours = model.NewPointer(999)
	cfg.ServiceSettings.SiteURL = model.NewPointer("https://mm.example.com/chat/")
	where, _ := site.Parse(*cfg.ServiceSettings.SiteURL)
	o := CookieOptionsFor(cfg, where)
	if o.LengthHours != 12 || o.Path != "/chat" {
		t.Fatalf("cookie options = %+v", o)
	}
}
