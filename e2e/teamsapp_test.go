package e2e

import (
	"archive/zip"
	"bytes"
	"encoding/json"
	"image"
	"image/color"
	"image/png"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/mattermost/mattermost/server/public/model"

	"github.com/missioncollab/mattermost-plugin-m365/e2e/harness"
)

// pluginRequest calls one of the plugin's routes as a user (nil: nobody).
func pluginRequest(t *testing.T, user *harness.User, method, path string, body []byte) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequestWithContext(testContext(t), method, env.Server.URL+"/plugins/"+env.PluginID+path, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if user != nil {
		req.Header.Set("Authorization", "Bearer "+user.Client.AuthToken)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, data
}

// withSiteURL sets the server's site URL for one test.
func withSiteURL(t *testing.T, siteURL string) {
	t.Helper()
	ctx := testContext(t)
	cfg, _, err := env.Admin.Client.GetConfig(ctx)
	if err != nil {
		t.Fatal(err)
	}
	old := *cfg.ServiceSettings.SiteURL
	cfg.ServiceSettings.SiteURL = model.NewPointer(siteURL)
	if _, _, err := env.Admin.Client.UpdateConfig(ctx, cfg); err != nil {
		t.Fatalf("set site URL %q: %v", siteURL, err)
	}
	t.Cleanup(func() {
		cfg, _, err := env.Admin.Client.GetConfig(testContext(t))
		if err == nil {
			cfg.ServiceSettings.SiteURL = model.NewPointer(old)
			_, _, err = env.Admin.Client.UpdateConfig(testContext(t), cfg)
		}
		if err != nil {
			t.Errorf("restore site URL: %v", err)
		}
	})
}

type apiError struct {
	Error    string `json:"error"`
	Problems []struct {
		Setting string `json:"setting"`
		Message string `json:"message"`
	} `json:"problems"`
}

func TestTeamsAppPackageIsAdminOnly(t *testing.T) {
	for _, path := range []string{"/api/v1/teams-app/package", "/api/v1/teams-app/status", "/api/v1/teams-app/icons/color"} {
		for _, c := range []struct {
			user *harness.User
			want int
		}{{nil, 401}, {env.User, 403}} {
			resp, body := pluginRequest(t, c.user, "GET", path, nil)
			var e apiError
			if resp.StatusCode != c.want || !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") ||
				json.Unmarshal(body, &e) != nil || e.Error == "" {
				t.Errorf("GET %s: %d %s %s", path, resp.StatusCode, resp.Header.Get("Content-Type"), body)
			}
		}
	}
	resp, _ := pluginRequest(t, env.User, "PUT", "/api/v1/teams-app/icons/color", pngBytes(t, opaqueSquare(256)))
	if resp.StatusCode != 403 {
		t.Errorf("regular user uploaded an icon: %d", resp.StatusCode)
	}
}

func TestTeamsAppPackageNamesEverythingMissing(t *testing.T) {
	resetSettings(t)
	withSiteURL(t, "http://mm.example.com"+subpathSiteURL)
	settings := validSettings()
	settings["appid"], settings["clientid"] = "", ""
	if err := harness.SetPluginSettings(testContext(t), env.Admin.Client, env.PluginID, settings); err != nil {
		t.Fatal(err)
	}
	resp, body := pluginRequest(t, env.Admin, "GET", "/api/v1/teams-app/package", nil)
	var e apiError
	if err := json.Unmarshal(body, &e); err != nil || resp.StatusCode != http.StatusConflict {
		t.Fatalf("%d %s", resp.StatusCode, body)
	}
	var named []string
	for _, p := range e.Problems {
		named = append(named, p.Setting)
	}
	if got := strings.Join(named, ","); got != "Application ID,Application (client) ID,Site URL" {
		t.Fatalf("problems name %s", got)
	}
	if !strings.Contains(string(body), "must use https") {
		t.Fatalf("site URL problem does not say why: %s", body)
	}
}

func TestTeamsAppPackageDownload(t *testing.T) {
	resetSettings(t)
	withSiteURL(t, "https://mm.example.com:8443"+subpathSiteURL)
	settings := validSettings()
	settings["appdisplayname"] = `Ops "Room" <\> 🚀`
	if err := harness.SetPluginSettings(testContext(t), env.Admin.Client, env.PluginID, settings); err != nil {
		t.Fatal(err)
	}
	files := downloadPackage(t)
	var m map[string]any
	if err := json.Unmarshal(files["manifest.json"], &m); err != nil {
		t.Fatalf("manifest.json: %v", err)
	}
	name := m["name"].(map[string]any)
	tab := m["staticTabs"].([]any)[0].(map[string]any)
	web := m["webApplicationInfo"].(map[string]any)
	checks := map[string]any{
		"id":         m["id"],
		"version":    m["version"],
		"name":       name["short"],
		"contentUrl": tab["contentUrl"],
		"resource":   web["resource"],
		"domain":     m["validDomains"].([]any)[0],
	}
	want := map[string]any{
		"id":         settings["appid"],
		"version":    "1.0.0",
		"name":       `Ops "Room" <\> 🚀`,
		"contentUrl": "https://mm.example.com:8443/mattermost/plugins/" + env.PluginID + "/tab",
		"resource":   "api://mm.example.com:8443/mattermost/" + settings["clientid"].(string),
		"domain":     "mm.example.com:8443",
	}
	for k, v := range want {
		if checks[k] != v {
			t.Errorf("manifest %s = %v, want %v", k, checks[k], v)
		}
	}
	assertPNGSize(t, files["color.png"], 192)
	assertPNGSize(t, files["outline.png"], 32)
	validateManifestSchema(t, files["manifest.json"])
}

func TestTeamsAppIconsUploadAndRemove(t *testing.T) {
	resetSettings(t)
	withSiteURL(t, "https://mm.example.com"+subpathSiteURL)
	if err := harness.SetPluginSettings(testContext(t), env.Admin.Client, env.PluginID, validSettings()); err != nil {
		t.Fatal(err)
	}
	resp, body := pluginRequest(t, env.Admin, "PUT", "/api/v1/teams-app/icons/color", pngBytes(t, opaqueSquare(1024)))
	if resp.StatusCode != 200 {
		t.Fatalf("color upload: %d %s", resp.StatusCode, body)
	}
	t.Cleanup(func() {
		pluginRequest(t, env.Admin, "DELETE", "/api/v1/teams-app/icons/color", nil)
	})
	refusals := []struct {
		kind string
		data []byte
		want string
	}{
		{"color", []byte("GIF89a"), "not a PNG"},
		{"color", pngBytes(t, image.NewNRGBA(image.Rect(0, 0, 300, 200))), "must be square"},
		{"color", pngBytes(t, opaqueSquare(64)), "at least 192×192"},
		{"outline", pngBytes(t, opaqueSquare(256)), "no transparent pixels"},
	}
	for _, r := range refusals {
		resp, body := pluginRequest(t, env.Admin, "PUT", "/api/v1/teams-app/icons/"+r.kind, r.data)
		if resp.StatusCode != 400 || !strings.Contains(string(body), r.want) {
			t.Errorf("%s upload: %d %s, want 400 with %q", r.kind, resp.StatusCode, body, r.want)
		}
	}
	resp, _ = pluginRequest(t, env.Admin, "PUT", "/api/v1/teams-app/icons/color", make([]byte, 1<<20+1))
	if resp.StatusCode != http.StatusRequestEntityTooLarge {
		t.Errorf("oversized upload: %d", resp.StatusCode)
	}

	files := downloadPackage(t)
	uploaded := decodePNG(t, files["color.png"])
	if c := color.NRGBAModel.Convert(uploaded.At(5, 5)).(color.NRGBA); c.R != 0xd0 {
		t.Fatalf("package's color icon is not the upload: corner %v", c)
	}
	resp, _ = pluginRequest(t, env.Admin, "DELETE", "/api/v1/teams-app/icons/color", nil)
	if resp.StatusCode != 200 {
		t.Fatalf("remove: %d", resp.StatusCode)
	}
	_, def := pluginRequest(t, env.Admin, "GET", "/api/v1/teams-app/icons/color", nil)
	if c := color.NRGBAModel.Convert(decodePNG(t, def).At(5, 5)).(color.NRGBA); c.R == 0xd0 {
		t.Fatal("removing the upload did not bring back the default icon")
	}
}

func downloadPackage(t *testing.T) map[string][]byte {
	t.Helper()
	resp, body := pluginRequest(t, env.Admin, "GET", "/api/v1/teams-app/package", nil)
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "application/zip" {
		t.Fatalf("download: %d %s %s", resp.StatusCode, resp.Header.Get("Content-Type"), body)
	}
	if cd := resp.Header.Get("Content-Disposition"); !strings.HasPrefix(cd, "attachment; filename=") || !strings.HasSuffix(cd, "-1.0.0.zip") {
		t.Fatalf("Content-Disposition %q", cd)
	}
	zr, err := zip.NewReader(bytes.NewReader(body), int64(len(body)))
	if err != nil {
		t.Fatalf("download is not a ZIP: %v", err)
	}
	files := map[string][]byte{}
	for _, f := range zr.File {
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		files[f.Name], _ = io.ReadAll(rc)
		rc.Close()
	}
	// The manifest, the two app icons, and the icon of each activity type.
	var m struct {
		Activities struct {
			ActivityIcons []struct {
				IconFile string `json:"iconFile"`
			} `json:"activityIcons"`
		} `json:"activities"`
	}
	if err := json.Unmarshal(files["manifest.json"], &m); err != nil {
		t.Fatalf("manifest.json: %v", err)
	}
	for _, ai := range m.Activities.ActivityIcons {
		if len(files[ai.IconFile]) == 0 {
			t.Fatalf("the package lacks the activity icon %s", ai.IconFile)
		}
	}
	if len(m.Activities.ActivityIcons) == 0 || len(files) != 3+len(m.Activities.ActivityIcons) {
		t.Fatalf("package holds %d files for %d activity icons", len(files), len(m.Activities.ActivityIcons))
	}
	return files
}

func opaqueSquare(side int) *image.NRGBA {
	img := image.NewNRGBA(image.Rect(0, 0, side, side))
	for i := 0; i < len(img.Pix); i += 4 {
		img.Pix[i], img.Pix[i+1], img.Pix[i+2], img.Pix[i+3] = 0xd0, 0x20, 0x20, 0xff
	}
	return img
}

func pngBytes(t *testing.T, img image.Image) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func decodePNG(t *testing.T, data []byte) image.Image {
	t.Helper()
	img, err := png.Decode(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("not a PNG: %v", err)
	}
	return img
}

func assertPNGSize(t *testing.T, data []byte, side int) {
	t.Helper()
	if b := decodePNG(t, data).Bounds(); b.Dx() != side || b.Dy() != side {
		t.Errorf("icon is %v, want %d×%d", b, side, side)
	}
}
