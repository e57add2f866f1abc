package teamsapp

import (
	"archive/zip"
	"bytes"
	"encoding/json"
	"image/png"
	"io"
	"strings"
	"testing"

	"github.com/missioncollab/mattermost-plugin-m365/server/config"
	"github.com/missioncollab/mattermost-plugin-m365/server/teamsapp/icon"
)

func settings() config.Settings {
	return config.Settings{
		TenantID:       "72f988bf-86f1-41af-91ab-2d7cd011db47",
		ClientID:       "11111111-2222-3333-4444-555555555555",
		AppVersion:     "1.2.3",
		AppID:          "0B6F7C9E-3A1D-4C2B-9E8F-1A2B3C4D5E6F",
		AppDisplayName: `Ops "Room" <\> 🚀`,
		Cloud:          config.CloudCommercial,
	}
}

func TestPlanListsEveryProblem(t *testing.T) {
	_, problems := Plan(config.Settings{}, Server{SiteURL: "http://mm.example.com"}, "plugin")
	var got []string
	for _, p := range problems {
		got = append(got, p.Setting)
	}
	want := "Application ID,Application Version,Application Display Name,Application (client) ID,Site URL"
	if strings.Join(got, ",") != want {
		t.Fatalf("problems for %v, want %s", got, want)
	}
	if !strings.Contains(problems[len(problems)-1].Message, "must use https") {
		t.Fatalf("site URL problem says %q", problems[len(problems)-1].Message)
	}
}

func TestPlanDefaultsDeveloperLinks(t *testing.T) {
	in, problems := Plan(settings(), Server{SiteURL: "https://mm.example.com/chat", PrivacyLink: "https://example.com/privacy", TermsOfUseLink: "http://insecure"}, "plugin")
	if problems != nil {
		t.Fatal(problems)
	}
	d := in.Developer
	if d.Name != settings().AppDisplayName || d.WebsiteURL != "https://mm.example.com/chat/" ||
		d.PrivacyURL != "https://example.com/privacy" || d.TermsOfUseURL != "https://mm.example.com/chat/" {
		t.Fatalf("developer = %+v", d)
	}
}

func TestManifestFields(t *testing.T) {
	in, _ := Plan(settings(), Server{SiteURL: "https://mm.example.com:8443/chat"}, "io.example.plugin")
	m := NewManifest(in)
	if m.ID != "0b6f7c9e-3a1d-4c2b-9e8f-1a2b3c4d5e6f" || m.Version != "1.2.3" || m.ManifestVersion != "1.22" {
		t.Fatalf("identity fields: %s %s %s", m.ID, m.Version, m.ManifestVersion)
	}
	if got := m.StaticTabs[0].ContentURL; got != "https://mm.example.com:8443/chat/plugins/io.example.plugin/tab" {
		t.Fatalf("contentUrl = %s", got)
	}
	if got := m.WebApplicationInfo.Resource; got != "api://mm.example.com:8443/chat/11111111-2222-3333-4444-555555555555" {
		t.Fatalf("resource = %s", got)
	}
	if m.ValidDomains[0] != "mm.example.com:8443" || m.DevicePermissions[0] != "media" {
		t.Fatalf("domains %v, device permissions %v", m.ValidDomains, m.DevicePermissions)
	}
	for _, a := range m.Activities.ActivityTypes {
		if len([]rune(a.TemplateText)) > 128 {
			t.Errorf("template of %s is over 128 characters", a.Type)
		}
	}
}

func TestBuildZipRoundTripsAwkwardNames(t *testing.T) {
	in, _ := Plan(settings(), Server{SiteURL: "https://mm.example.com"}, "p")
	var buf bytes.Buffer
	if err := Build(&buf, NewManifest(in), icon.Default(icon.Color), icon.Default(icon.Outline)); err != nil {
		t.Fatal(err)
	}
	zr, err := zip.NewReader(bytes.NewReader(buf.Bytes()), int64(buf.Len()))
	if err != nil {
		t.Fatal(err)
	}
	files := map[string][]byte{}
	for _, f := range zr.File {
		rc, _ := f.Open()
		files[f.Name], _ = io.ReadAll(rc)
		rc.Close()
	}
	if len(files) != 3+len(ActivityTypes) || files["color.png"] == nil || files["outline.png"] == nil {
		t.Fatalf("package holds %d files", len(files))
	}
	var m Manifest
	if err := json.Unmarshal(files["manifest.json"], &m); err != nil {
		t.Fatalf("manifest.json is not JSON: %v", err)
	}
	// Every activity type may show an icon the package carries, 32×32.
	iconFiles := map[string]string{}
	for _, ai := range m.Activities.ActivityIcons {
		iconFiles[ai.ID] = ai.IconFile
	}
	for _, at := range m.Activities.ActivityTypes {
		if len(at.AllowedIconIDs) != 1 || iconFiles[at.AllowedIconIDs[0]] == "" {
			t.Fatalf("%s allows icons %v", at.Type, at.AllowedIconIDs)
		}
		img, err := png.Decode(bytes.NewReader(files[iconFiles[at.AllowedIconIDs[0]]]))
		if err != nil || img.Bounds().Dx() != icon.ActivitySize || img.Bounds().Dy() != icon.ActivitySize {
			t.Fatalf("%s's icon: %v", at.Type, err)
		}
	}
	if m.Name.Short != `Ops "Room" <\> 🚀` {
		t.Fatalf("name came back as %q", m.Name.Short)
	}
	var again bytes.Buffer
	_ = Build(&again, NewManifest(in), icon.Default(icon.Color), icon.Default(icon.Outline))
	if !bytes.Equal(buf.Bytes(), again.Bytes()) {
		t.Fatal("same input built different bytes")
	}
}

func TestFileName(t *testing.T) {
	cases := map[string]string{
		"Mattermost":            "mattermost-1.0.0.zip",
		`Ops "Room" <\> 🚀`:      "ops-room-1.0.0.zip",
		"../../etc/passwd":      "etc-passwd-1.0.0.zip",
		"🚀🚀":                    "teams-app-1.0.0.zip",
		"Équipe d'Intervention": "equipe-d-intervention-1.0.0.zip",
	}
	for in, want := range cases {
		if got := FileName(in, "1.0.0"); got != want {
			t.Errorf("FileName(%q) = %q, want %q", in, got, want)
		}
	}
}
