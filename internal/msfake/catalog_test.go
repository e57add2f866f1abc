package msfake

import (
	"archive/zip"
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
)

const publishedID = "6b1f0c2e-3a4d-4e5f-8a9b-0c1d2e3f4a5b"

// teamsPackage is a Teams app package; drop leaves a file out.
func teamsPackage(t *testing.T, version string, drop ...string) []byte {
	t.Helper()
	manifest, _ := json.Marshal(map[string]any{
		"manifestVersion": "1.19", "id": publishedID, "version": version,
		"name": map[string]string{"short": "Mattermost"}, "icons": map[string]string{"color": "color.png", "outline": "outline.png"},
		"webApplicationInfo": map[string]string{"id": testClient},
	})
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for name, data := range map[string][]byte{"manifest.json": manifest, "color.png": {1}, "outline.png": {2}} {
		if strings.Contains(strings.Join(drop, " "), name) {
			continue
		}
		f, _ := zw.Create(name)
		_, _ = f.Write(data)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func upload(t *testing.T, c *Cloud, path, token, contentType string, body []byte) graphResponse {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, c.URL()+path, bytes.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", contentType)
	resp, err := c.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return graphResponse{resp.StatusCode, resp.Header, b}
}

func TestPublishingAndUpdatingFollowGraphsRules(t *testing.T) {
	t.Parallel()
	c := start(t)
	c.RegisterApp(testTenant, testClient, testSecret)
	admin := c.AdminToken(testTenant, "AppCatalog.Submit")
	const publish = "/v1.0/appCatalogs/teamsApps"

	wantStatus(t, "app-only token", upload(t, c, publish, appAccessToken(t, c), "application/zip", teamsPackage(t, "1.0.0")), http.StatusForbidden)
	wantStatus(t, "no catalog scope", upload(t, c, publish, c.AdminToken(testTenant, "User.Read"), "application/zip", teamsPackage(t, "1.0.0")), http.StatusForbidden)
	wantStatus(t, "not a ZIP content type", upload(t, c, publish, admin, "application/json", teamsPackage(t, "1.0.0")), http.StatusUnsupportedMediaType)
	r := upload(t, c, publish, admin, "application/zip", teamsPackage(t, "1.0", "outline.png"))
	wantStatus(t, "bad manifest", r, http.StatusBadRequest)
	if !strings.Contains(string(r.body), "UnableToParseTeamsAppManifest") || !strings.Contains(string(r.body), `"target":"version"`) ||
		!strings.Contains(string(r.body), `"target":"icons.outline"`) {
		t.Errorf("bad manifest: %s", r.body)
	}

	r = upload(t, c, publish, admin, "application/zip", teamsPackage(t, "1.0.0"))
	wantStatus(t, "publish", r, http.StatusCreated)
	var app TeamsApp
	if err := json.Unmarshal(r.body, &app); err != nil || app.ExternalID != publishedID || app.DistributionMethod != "organization" {
		t.Fatalf("published: %s %v", r.body, err)
	}
	if c.CatalogVersion(testTenant, publishedID) != "1.0.0" || !bytes.Contains(c.CatalogManifest(testTenant, publishedID), []byte(testClient)) {
		t.Errorf("catalog: %s %s", c.CatalogVersion(testTenant, publishedID), c.CatalogManifest(testTenant, publishedID))
	}
	wantStatus(t, "the same manifest ID again", upload(t, c, publish, admin, "application/zip", teamsPackage(t, "1.0.1")), http.StatusConflict)

	define := publish + "/" + app.ID + "/appDefinitions"
	wantStatus(t, "the same version", upload(t, c, define, admin, "application/zip", teamsPackage(t, "1.0.0")), http.StatusBadRequest)
	wantStatus(t, "an older version", upload(t, c, define, admin, "application/zip", teamsPackage(t, "0.9.9")), http.StatusBadRequest)
	wantStatus(t, "an unknown app", upload(t, c, publish+"/"+newGUID()+"/appDefinitions", admin, "application/zip", teamsPackage(t, "1.0.1")), http.StatusNotFound)
	wantStatus(t, "a newer version", upload(t, c, define, admin, "application/zip", teamsPackage(t, "1.0.10")), http.StatusNoContent)
	if v := c.CatalogVersion(testTenant, publishedID); v != "1.0.10" {
		t.Errorf("after the update: %s", v)
	}

	// An admin without the Teams administrator role may only submit for
	// review, and may not update.
	c.SetAdminRoles(testTenant)
	plain := c.AdminToken(testTenant, "AppCatalog.Submit")
	wantStatus(t, "update without the role", upload(t, c, define, plain, "application/zip", teamsPackage(t, "1.0.11")), http.StatusForbidden)
	c.SetAdminRoles(testTenant, TeamsAdministratorRole)
	wantStatus(t, "update as Teams admin", upload(t, c, define, c.AdminToken(testTenant, "AppCatalog.Submit"), "application/zip", teamsPackage(t, "1.0.11")), http.StatusNoContent)
}
