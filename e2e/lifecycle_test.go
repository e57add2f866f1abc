package e2e

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/missioncollab/mattermost-plugin-m365/e2e/harness"
)

func TestFreshInstallActivatesAndLogsMissingSettingsOnce(t *testing.T) {
	const line = "Plugin settings are incomplete"
	if n := strings.Count(startupLogs, line); n != 1 {
		t.Fatalf("fresh install logged %q %d times, want once:\n%s", line, n, startupLogs)
	}
	for _, name := range []string{"Directory (tenant) ID", "Application (client) ID", "Client Secret", "Application ID"} {
		if !strings.Contains(startupLogs, name) {
			t.Errorf("startup log does not name missing setting %s", name)
		}
	}
	for _, l := range strings.Split(startupLogs, "\n") {
		if strings.Contains(l, line) && !strings.Contains(l, `"level":"info"`) {
			t.Errorf("missing settings logged at the wrong level: %s", l)
		}
	}
}

func TestRunsWithoutLicense(t *testing.T) {
	ctx := testContext(t)
	lic, _, err := env.Admin.Client.GetOldClientLicense(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	if lic["IsLicensed"] != "false" {
		t.Fatalf("test server is licensed: %v", lic)
	}
	if err := harness.WaitPluginState(ctx, env.Admin.Client, env.PluginID, 2); err != nil {
		t.Fatal(err)
	}
}

func TestHTTPRootAnswers(t *testing.T) {
	resp, err := http.Get(env.Server.URL + "/plugins/" + env.PluginID + "/")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body map[string]string
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK || body["status"] != "ok" || body["id"] != env.PluginID {
		t.Fatalf("GET plugin root: %d %v", resp.StatusCode, body)
	}
	if resp.Header.Get("X-Content-Type-Options") != "nosniff" {
		t.Fatal("plugin response lacks X-Content-Type-Options: nosniff")
	}
}

func TestDisableEnableAndUpgrade(t *testing.T) {
	ctx := testContext(t)
	c := env.Admin.Client
	if err := harness.DisablePlugin(ctx, c, env.PluginID); err != nil {
		t.Fatal(err)
	}
	resp, err := http.Get(env.Server.URL + "/plugins/" + env.PluginID + "/")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode == http.StatusOK {
		t.Fatal("disabled plugin still answers")
	}
	if err := harness.EnablePlugin(ctx, c, env.PluginID); err != nil {
		t.Fatal(err)
	}

	bundle, _ := harness.BundleFromEnv()
	upgraded := filepath.Join(t.TempDir(), "upgraded.tar.gz")
	if err := rewriteVersion(bundle, upgraded, "9.9.9"); err != nil {
		t.Fatal(err)
	}
	before := env.Server.StoredConfig().PluginSettings.Plugins[env.PluginID]
	manifest, err := harness.InstallBundle(ctx, c, upgraded)
	if err != nil {
		t.Fatal(err)
	}
	if manifest.Version != "9.9.9" {
		t.Fatalf("upgraded manifest version %s", manifest.Version)
	}
	waitFor(t, "the server to report 9.9.9", func() bool {
		statuses, _, err := c.GetPluginStatuses(ctx)
		if err != nil {
			return false
		}
		for _, s := range statuses {
			if s.PluginId == env.PluginID && s.Version == "9.9.9" && s.State == 2 {
				return true
			}
		}
		return false
	})
	after := env.Server.StoredConfig().PluginSettings.Plugins[env.PluginID]
	if before["clientsecret"] != after["clientsecret"] || before["tenantid"] != after["tenantid"] {
		t.Fatal("upgrading the plugin lost its settings")
	}
	// Put the bundle under test back for the other tests.
	if _, err := harness.InstallBundle(ctx, c, bundle); err != nil {
		t.Fatal(err)
	}
}

// rewriteVersion copies a bundle with another version in its plugin.json.
func rewriteVersion(src, dst, version string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	gz, err := gzip.NewReader(in)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	tw := tar.NewWriter(zw)
	tr := tar.NewReader(gz)
	for {
		hdr, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return err
		}
		data, err := io.ReadAll(tr)
		if err != nil {
			return err
		}
		if strings.HasSuffix(hdr.Name, "/plugin.json") {
			var m map[string]any
			if err := json.Unmarshal(data, &m); err != nil {
				return err
			}
			m["version"] = version
			if data, err = json.Marshal(m); err != nil {
				return err
			}
			hdr.Size = int64(len(data))
		}
		if err := tw.WriteHeader(hdr); err != nil {
			return err
		}
		if _, err := tw.Write(data); err != nil {
			return err
		}
	}
	if err := tw.Close(); err != nil {
		return err
	}
	if err := zw.Close(); err != nil {
		return err
	}
	return os.WriteFile(dst, buf.Bytes(), 0o644)
}

// waitFor polls a condition the server reaches asynchronously.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		if cond() {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("timed out waiting for %s", what)
}
