package e2e

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

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
	bin := filepath.Join(dir, "m365-setup")
	build := exec.Command("go", "build", "-o", bin, "./cmd/m365-setup")
	build.Dir = filepath.Dir(packageDir) // the plugin's own module
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build the setup command: %v\n%s", err, out)
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
	cmd := exec.CommandContext(testContext(t), bin, "-site-url", env.Server.SiteURL, "-mattermost-url", env.Server.URL,
		"-cloud", "custom", "-authority-url", cloud.URL(), "-graph-url", cloud.URL(), "-name", "Mattermost e2e", "-output", "json")
	cmd.Env = append(os.Environ(), "SSL_CERT_FILE="+roots,
		"M365_SETUP_TOKEN="+cloud.AdminToken(tenant, "Application.ReadWrite.All", "AppRoleAssignment.ReadWrite.All", "DelegatedPermissionGrant.ReadWrite.All"),
		"MM_ADMIN_TOKEN="+env.Admin.Client.AuthToken)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("setup command: %v\n%s", err, stderr.String())
	}
	var out struct {
		TenantID          string `json:"tenant_id"`
		ClientID          string `json:"client_id"`
		ClientSecret      string `json:"client_secret"`
		MattermostUpdated bool   `json:"mattermost_updated"`
	}
	if err := json.Unmarshal(stdout.Bytes(), &out); err != nil || !out.MattermostUpdated || out.TenantID != tenant {
		t.Fatalf("output %s (%v); stderr %s", stdout.String(), err, stderr.String())
	}
	stored := env.Server.StoredConfig().PluginSettings.Plugins[env.PluginID]
	if stored["tenantid"] != tenant || stored["clientid"] != out.ClientID || stored["clientsecret"] != out.ClientSecret {
		t.Fatalf("settings not written: %v", stored)
	}
	// The Teams app still has to be uploaded by hand; then every check passes.
	cloud.PublishTeamsApp(tenant, validSettings()["appid"].(string), "Mattermost")
	_, checks := runHealth(t, &person{User: env.Admin})
	for id, c := range checks {
		// Reaching people before they open the app is off unless asked for.
		if c.Status != "pass" && (id != "reach_permissions" || c.Status != "skip") {
			t.Errorf("%s: %s: %s %s", id, c.Status, c.Detail, c.Fix)
		}
	}
	if strings.Contains(stderr.String(), out.ClientSecret) {
		t.Error("the secret went to stderr")
	}
}
