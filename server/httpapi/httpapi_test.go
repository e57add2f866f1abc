package httpapi

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"image"
	"image/png"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/mattermost/mattermost/server/public/model"

	"github.com/missioncollab/mattermost-plugin-m365/server/config"
	"github.com/missioncollab/mattermost-plugin-m365/server/frameancestors"
	"github.com/missioncollab/mattermost-plugin-m365/server/graph"
	"github.com/missioncollab/mattermost-plugin-m365/server/kvstore"
	"github.com/missioncollab/mattermost-plugin-m365/server/mmapi/mmapitest"
	"github.com/missioncollab/mattermost-plugin-m365/server/teamsapp/icon"
)

type memIcons map[icon.Kind][]byte

func (m memIcons) Get(k icon.Kind) ([]byte, error) { return m[k], nil }
func (m memIcons) Set(k icon.Kind, b []byte) error { m[k] = b; return nil }
func (m memIcons) Delete(k icon.Kind) error        { delete(m, k); return nil }

type memPublished struct{ p *kvstore.Published }

func (m *memPublished) Get() (*kvstore.Published, error) { return m.p, nil }
func (m *memPublished) Set(p kvstore.Published) error    { m.p = &p; return nil }

func newAPI(s config.Settings, siteURL string) http.Handler {
	return newAPIWithCatalog(s, siteURL, nil, &memPublished{})
}

func newAPIWithCatalog(s config.Settings, siteURL string, catalog func(context.Context) (string, error), published PublishedStore) http.Handler {
	icons := memIcons{}
	return New(Deps{
		PluginID:       "p",
		Snapshot:       func() *config.Snapshot { return snapshot(s, siteURL) },
		IsSystemAdmin:  func(id string) bool { return id == "admin" },
		Icons:          icons,
		Log:            mmapitest.Discard{},
		Published:      published,
		CatalogVersion: catalog,
		Framing: func() (frameancestors.Status, error) {
			return frameancestors.Status{Current: "'self'", Wanted: []string{"https://teams.microsoft.com"}, Value: "'self' https://teams.microsoft.com"}, nil
		},
	})
}

// snapshot is the settings and a server configuration with siteURL.
func snapshot(s config.Settings, siteURL string) *config.Snapshot {
	cfg := &model.Config{}
	cfg.SetDefaults()
	cfg.ServiceSettings.SiteURL = model.NewPointer(siteURL)
	return config.NewSnapshot(s, cfg)
}

func do(h http.Handler, method, path, user string, body []byte) *httptest.ResponseRecorder {
	req := httptest.NewRequest(method, path, bytes.NewReader(body))
	if user != "" {
		req.Header.Set("Mattermost-User-Id", user)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

func complete() config.Settings {
	return config.Settings{
		ClientID: "11111111-2222-3333-4444-555555555555", AppVersion: "1.0.0",
		AppID: "0b6f7c9e-3a1d-4c2b-9e8f-1a2b3c4d5e6f", AppDisplayName: "Mattermost",
	}
}

func TestAdminRoutesRefuseOthersWithJSON(t *testing.T) {
	h := newAPI(complete(), "https://mm.example.com")
	for _, path := range []string{"/api/v1/teams-app/package", "/api/v1/teams-app/status", "/api/v1/teams-app/icons/color", "/api/v1/frame-ancestors"} {
		for user, want := range map[string]int{"": 401, "someone": 403} {
			rec := do(h, "GET", path, user, nil)
			var body errorBody
			if rec.Code != want || json.Unmarshal(rec.Body.Bytes(), &body) != nil || body.Error == "" {
				t.Errorf("GET %s as %q: %d %s", path, user, rec.Code, rec.Body)
			}
		}
	}
}

func TestTheFrameAncestorsToSetAreForAdmins(t *testing.T) {
	rec := do(newAPI(complete(), "https://mm.example.com"), "GET", "/api/v1/frame-ancestors", "admin", nil)
	var st frameancestors.Status
	if rec.Code != http.StatusOK || json.Unmarshal(rec.Body.Bytes(), &st) != nil || st.Value != "'self' https://teams.microsoft.com" || st.InPlace {
		t.Fatalf("%d %s", rec.Code, rec.Body)
	}
}

func TestDownloadNamesEveryProblem(t *testing.T) {
	rec := do(newAPI(config.Settings{AppDisplayName: "X"}, "http://mm.example.com"), "GET", "/api/v1/teams-app/package", "admin", nil)
	var body errorBody
	_ = json.Unmarshal(rec.Body.Bytes(), &body)
	if rec.Code != http.StatusConflict || len(body.Problems) != 4 {
		t.Fatalf("%d %s", rec.Code, rec.Body)
	}
}

func TestDownloadAndIconUpload(t *testing.T) {
	h := newAPI(complete(), "https://mm.example.com")
	img := image.NewNRGBA(image.Rect(0, 0, 256, 256))
	for y := 64; y < 192; y++ {
		for x := 64; x < 192; x++ {
			img.Set(x, y, image.Black)
		}
	}
	var upload bytes.Buffer
	_ = png.Encode(&upload, img)
	if rec := do(h, "PUT", "/api/v1/teams-app/icons/outline", "admin", upload.Bytes()); rec.Code != 200 {
		t.Fatalf("upload: %d %s", rec.Code, rec.Body)
	}
	if rec := do(h, "PUT", "/api/v1/teams-app/icons/color", "admin", []byte("not an image")); rec.Code != 400 ||
		!strings.Contains(rec.Body.String(), "not a PNG") {
		t.Fatalf("bad upload: %d %s", rec.Code, rec.Body)
	}
	if rec := do(h, "PUT", "/api/v1/teams-app/icons/color", "admin", make([]byte, icon.MaxBytes+10)); rec.Code != 413 {
		t.Fatalf("oversized upload: %d %s", rec.Code, rec.Body)
	}
	rec := do(h, "GET", "/api/v1/teams-app/package", "admin", nil)
	if rec.Code != 200 || rec.Header().Get("Content-Type") != "application/zip" ||
		rec.Header().Get("Content-Disposition") != `attachment; filename=mattermost-1.0.0.zip` {
		t.Fatalf("download: %d %v", rec.Code, rec.Header())
	}
	zr, err := zip.NewReader(bytes.NewReader(rec.Body.Bytes()), int64(rec.Body.Len()))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range zr.File {
		if f.Name != "outline.png" {
			continue
		}
		rc, _ := f.Open()
		cfg, err := png.DecodeConfig(rc)
		rc.Close()
		if err != nil || cfg.Width != 32 {
			t.Fatalf("outline in zip: %v %v", cfg, err)
		}
	}
	var st packageStatus
	rec = do(h, "GET", "/api/v1/teams-app/status", "admin", nil)
	_ = json.Unmarshal(rec.Body.Bytes(), &st)
	if !st.Ready || !st.Icons["outline"].Custom || st.Icons["color"].Custom || st.FileName != "mattermost-1.0.0.zip" {
		t.Fatalf("status %+v", st)
	}
	if rec := do(h, "DELETE", "/api/v1/teams-app/icons/outline", "admin", nil); rec.Code != 200 {
		t.Fatalf("delete: %d", rec.Code)
	}
	rec = do(h, "GET", "/api/v1/teams-app/icons/outline", "admin", nil)
	if !bytes.Equal(rec.Body.Bytes(), icon.Default(icon.Outline)) {
		t.Fatal("removing the upload did not restore the default icon")
	}
	if rec := do(h, "GET", "/api/v1/teams-app/icons/favicon", "admin", nil); rec.Code != 404 {
		t.Fatalf("unknown icon kind: %d", rec.Code)
	}
}

func TestThePackageStatusComparesTheCatalogWithWhatThePluginBuildsNow(t *testing.T) {
	catalog := ""
	read := func(context.Context) (string, error) {
		if catalog == "" {
			return "", graph.ErrNotInCatalog
		}
		return catalog, nil
	}
	published := &memPublished{}
	s := complete()
	s.TenantID, s.Cloud = "72f988bf-86f1-41af-91ab-2d7cd011db47", config.CloudGCCHigh
	h := newAPIWithCatalog(s, "https://chat.example.com/mm", read, published)
	status := func() packageStatus {
		t.Helper()
		rec := do(h, "GET", "/api/v1/teams-app/status", "admin", nil)
		var st packageStatus
		if rec.Code != 200 || json.Unmarshal(rec.Body.Bytes(), &st) != nil || st.Catalog == nil {
			t.Fatalf("%d %s", rec.Code, rec.Body)
		}
		return st
	}
	st := status()
	if st.Catalog.State != "missing" || !strings.Contains(st.Catalog.Command, "m365-setup -site-url https://chat.example.com/mm -tenant 72f988bf") ||
		!strings.Contains(st.Catalog.Command, "-cloud gcchigh") || len(st.Digest) != 64 || st.Version != "1.0.0" {
		t.Fatalf("missing: %+v %+v", st, st.Catalog)
	}
	catalog = "1.0.0"
	if st := status(); st.Catalog.State != "unrecorded" {
		t.Fatalf("uploaded by hand: %+v", st.Catalog)
	}
	body, _ := json.Marshal(map[string]string{"version": "1.0.0", "digest": st.Digest})
	if rec := do(h, "PUT", "/api/v1/teams-app/published", "admin", body); rec.Code != 200 {
		t.Fatalf("record: %d %s", rec.Code, rec.Body)
	}
	if st := status(); st.Catalog.State != "current" || st.Published == nil || st.Published.Digest != st.Digest {
		t.Fatalf("after the record: %+v", st.Catalog)
	}
	// Another digest under the same version: the catalog holds other content.
	body, _ = json.Marshal(map[string]string{"version": "1.0.0", "digest": strings.Repeat("0", 64)})
	do(h, "PUT", "/api/v1/teams-app/published", "admin", body)
	if st := status(); st.Catalog.State != "changed" {
		t.Fatalf("changed: %+v", st.Catalog)
	}
	for _, bad := range []string{`{"version":"1.0","digest":"` + strings.Repeat("a", 64) + `"}`, `{"version":"1.0.0","digest":"abc"}`, `not json`} {
		if rec := do(h, "PUT", "/api/v1/teams-app/published", "admin", []byte(bad)); rec.Code != 400 {
			t.Errorf("%s: %d", bad, rec.Code)
		}
	}
	if rec := do(h, "PUT", "/api/v1/teams-app/published", "someone", body); rec.Code != 403 {
		t.Errorf("a member recorded an upload: %d", rec.Code)
	}
}
