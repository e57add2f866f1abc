package e2e

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mattermost/mattermost/server/public/model"

	"github.com/missioncollab/mattermost-plugin-m365/e2e/harness"
)

// TestSetupCommandConfiguresAWorkingPlugin runs the setup command as an
// admin would, in a fresh tenant, with a Graph token and a Mattermost admin
// token: it creates the app registration and writes the plugin's settings,
// after which the connection check passes.
func TestSetupCommandConfiguresAWorkingPlugin(t *testing.T) {
	useNotifySettings(t, nil)
	const tenant = "5d4c3b2a-1f0e-4d9c-8b7a-6f5e4d3c2b1a"
	dir := t.TempDir()
	// The command make built for this machine, as an admin downloads it.
	bin := os.Getenv("SETUP_COMMAND")
	if bin == "" {
		t.Fatal("SETUP_COMMAND is not set: run the tests with 'make e2e', which builds the setup command first")
	}
	// The command trusts the fake cloud and the test server as a real one
	// trusts Microsoft and the company's own certificates.
	serverCA, err := os.ReadFile(filepath.Join(env.Server.Dir, harness.CAFileName))
	if err != nil {
		t.Fatal(err)
	}
	roots := filepath.Join(dir, "roots.pem")
	if err := os.WriteFile(roots, append(cloud.CAPEM(), serverCA...), 0o644); err != nil {
		t.Fatal(err)
	}
	setupToken := cloud.AdminToken(tenant, "Application.ReadWrite.All", "AppRoleAssignment.ReadWrite.All", "DelegatedPermissionGrant.ReadWrite.All", "AppCatalog.Submit")
	runSetupOnce := func() (stdout, stderr bytes.Buffer, err error) {
		cmd := exec.CommandContext(testContext(t), bin, "-site-url", env.Server.SiteURL, "-mattermost-url", env.Server.URL,
			"-cloud", "custom", "-authority-url", cloud.URL(), "-graph-url", cloud.URL(), "-name", "Mattermost e2e", "-output", "json")
		cmd.Env = append(os.Environ(), "SSL_CERT_FILE="+roots, "M365_SETUP_TOKEN="+setupToken, "MM_ADMIN_TOKEN="+env.Admin.Client.AuthToken)
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		err = cmd.Run()
		return stdout, stderr, err
	}
	runSetup := func() (setupOutput, string) {
		t.Helper()
		stdout, stderr, err := runSetupOnce()
		if err != nil {
			t.Fatalf("setup command: %v\n%s", err, stderr.String())
		}
		var out setupOutput
		if err := json.Unmarshal(stdout.Bytes(), &out); err != nil || !out.MattermostUpdated || out.TenantID != tenant || out.TeamsApp == nil {
			t.Fatalf("output %s (%v); stderr %s", stdout.String(), err, stderr.String())
		}
		return out, stdout.String() + stderr.String()
	}
	// A first setup of a plugin with no secret yet, whose publishing
	// fails, is undone whole: no settings, no app registration.
	if err := harness.SetPluginSettings(testContext(t), env.Admin.Client, env.PluginID,
		map[string]any{"tenantid": "", "clientid": "", "clientsecret": ""}); err != nil {
		t.Fatal(err)
	}
	cloud.FailNextCatalogWrite(1)
	if _, stderr, err := runSetupOnce(); err == nil || !strings.Contains(stderr.String(), "undone") {
		t.Fatalf("a failed publish: %v %s", err, stderr.String())
	}
	undone := env.Server.StoredConfig().PluginSettings.Plugins[env.PluginID]
	if undone["tenantid"] != "" || undone["clientsecret"] != "" {
		t.Fatalf("the settings were not put back: %v", undone)
	}
	if n := appRegistrations(t, tenant, setupToken, "Mattermost e2e"); n != 0 {
		t.Fatalf("%d app registrations left after the undo", n)
	}
	// The upload this test reports is not the other tests' catalog's.
	t.Cleanup(func() { _ = env.Server.PluginKV(env.PluginID).KVDelete("teamsapp_published") })
	// Nothing may frame Mattermost yet, as on a server never set up.
	noFraming := &model.Config{ServiceSettings: model.ServiceSettings{FrameAncestors: model.NewPointer("")}}
	patchServerConfig(t, noFraming, noFraming)
	out, printed := runSetup()
	stored := env.Server.StoredConfig().PluginSettings.Plugins[env.PluginID]
	secret, _ := stored["clientsecret"].(string)
	if stored["tenantid"] != tenant || stored["clientid"] != out.ClientID || secret == "" {
		t.Fatalf("settings not written: %v", stored)
	}
	if strings.Contains(printed, secret) || out.ClientSecret != "" {
		t.Error("the secret written into Mattermost was printed too")
	}
	// The Teams app is in the catalog, with the version the plugin reports,
	// and every check passes with no step by hand.
	appID := stored["appid"].(string)
	version := stored["appversion"].(string)
	if got := cloud.CatalogVersion(tenant, appID); got == "" || got != version || out.TeamsApp.Version != version {
		t.Fatalf("catalog %q, settings %q, output %+v", got, version, out.TeamsApp)
	}
	_, checks := runHealth(t, &person{User: env.Admin})
	for id, c := range checks {
		// Reaching people before they open the app is off unless asked for.
		if c.Status != "pass" && (id != "reach_permissions" || c.Status != "skip") {
			t.Errorf("%s: %s: %s %s", id, c.Status, c.Detail, c.Fix)
		}
	}
	if !strings.Contains(checks["teams_app"].Detail, "in force") {
		t.Errorf("teams app: %+v", checks["teams_app"])
	}
	// The hosts may frame Mattermost: the command set them through the
	// REST API, as the plugin cannot.
	if out.FrameAncestors == "" || frameAncestors() != out.FrameAncestors || !framing(t).InPlace {
		t.Errorf("frame ancestors: the command set %q, the server has %q", out.FrameAncestors, frameAncestors())
	}
	// Again with nothing changed: nothing changes.
	if again, _ := runSetup(); len(again.Changes) != 0 || len(again.TeamsApp.Changes) != 0 || again.FrameAncestors != "" || cloud.CatalogVersion(tenant, appID) != version {
		t.Fatalf("a second run changed things: %+v %+v %q", again.Changes, again.TeamsApp, again.FrameAncestors)
	}
	// The display name changes: the next run raises the patch version and
	// uploads the new package.
	if err := harness.SetPluginSettings(testContext(t), env.Admin.Client, env.PluginID, map[string]any{"appdisplayname": "Mission e2e"}); err != nil {
		t.Fatal(err)
	}
	changed, _ := runSetup()
	raised := env.Server.StoredConfig().PluginSettings.Plugins[env.PluginID]["appversion"]
	if changed.TeamsApp.Found != "changed" || raised == version || cloud.CatalogVersion(tenant, appID) != raised ||
		!strings.Contains(string(cloud.CatalogManifest(tenant, appID)), "Mission e2e") {
		t.Fatalf("after a change: %+v, settings %v, catalog %s", changed.TeamsApp, raised, cloud.CatalogVersion(tenant, appID))
	}
}

type setupOutput struct {
	TenantID          string   `json:"tenant_id"`
	ClientID          string   `json:"client_id"`
	ClientSecret      string   `json:"client_secret"`
	MattermostUpdated bool     `json:"mattermost_updated"`
	Changes           []string `json:"changes"`
	FrameAncestors    string   `json:"frame_ancestors"`
	TeamsApp          *struct {
		Found   string   `json:"found"`
		Version string   `json:"version"`
		Changes []string `json:"changes"`
	} `json:"teams_app"`
}

// appRegistrations counts the tenant's app registrations with a name.
func appRegistrations(t *testing.T, tenant, token, name string) int {
	t.Helper()
	req, _ := http.NewRequestWithContext(testContext(t), "GET",
		cloud.URL()+"/v1.0/applications?$filter="+url.QueryEscape("displayName eq '"+name+"'"), nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := cloud.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var list struct {
		Value []json.RawMessage `json:"value"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&list); err != nil || resp.StatusCode != 200 {
		t.Fatalf("list applications: %d %v", resp.StatusCode, err)
	}
	return len(list.Value)
}
