package teamsapp

import (
	"encoding/json"
	"net/url"
	"testing"
)

func TestPreviewDeepLink(t *testing.T) {
	link := PreviewDeepLink("https://gov.teams.microsoft.us/", "3C2B1A09-8F7E-4D6C-9B5A-4F3E2D1C0B9A", "abc123")
	u, err := url.Parse(link)
	if err != nil {
		t.Fatal(err)
	}
	if u.Host != "gov.teams.microsoft.us" || u.Path != "/l/entity/3c2b1a09-8f7e-4d6c-9b5a-4f3e2d1c0b9a/"+PreviewEntityID {
		t.Fatalf("link %s", link)
	}
	var ctx struct {
		SubEntityID string `json:"subEntityId"`
	}
	if err := json.Unmarshal([]byte(u.Query().Get("context")), &ctx); err != nil || ctx.SubEntityID != "preview:abc123" {
		t.Fatalf("context %q: %v", u.Query().Get("context"), err)
	}
}

func TestHomeDeepLinkOpensTheMattermostTab(t *testing.T) {
	u, err := url.Parse(HomeDeepLink("https://teams.microsoft.com/", "ABC-1"))
	if err != nil || u.Host != "teams.microsoft.com" || u.Path != "/l/entity/abc-1/"+HomeEntityID {
		t.Fatalf("%v %v", u, err)
	}
}
