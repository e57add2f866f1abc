package e2e

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/missioncollab/mattermost-plugin-m365/e2e/harness"
	"github.com/missioncollab/mattermost-plugin-m365/e2e/sandbox"
	"github.com/missioncollab/mattermost-plugin-m365/internal/msfake"
)

// env is the one environment the suite shares: starting Mattermost takes
// seconds, so tests share a server and restore what they change.
var env *harness.Harness

// startupLogs is the server log right after the bundle was installed.
var startupLogs string

// subpathSiteURL is the suite server's site URL; the harness puts the
// server's address in front of a bare path.
const subpathSiteURL = "/mattermost"

// cloud is the fake Microsoft cloud the plugin is pointed at.
var cloud *msfake.Cloud

// packageDir is this package's directory, where its test tools live.
var packageDir string

// runSandbox, set in the environment, makes the test binary the sandbox
// command, so that the walkthrough test runs the sandbox a newcomer runs
// without a second build of the server.
const runSandbox = "M365_E2E_RUN_SANDBOX"

func TestMain(m *testing.M) {
	if os.Getenv(runSandbox) == "1" {
		os.Exit(sandbox.Main(os.Args[1:], os.Stdout, os.Stderr))
	}
	os.Exit(run(m))
}

func run(m *testing.M) int {
	// The harness moves the process into the server's working directory.
	var err error
	if packageDir, err = os.Getwd(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	bundle, err := harness.BundleFromEnv()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	if cloud, err = msfake.Start(); err != nil {
		fmt.Fprintln(os.Stderr, "start the fake Microsoft cloud:", err)
		return 1
	}
	defer cloud.Close()
	// The plugin runs as a child process of this one and inherits this:
	// it trusts the fake cloud's CA, as a real one trusts Microsoft's.
	caFile := filepath.Join(os.TempDir(), fmt.Sprintf("msfake-ca-%d.pem", os.Getpid()))
	if err := cloud.WriteCAFile(caFile); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.Remove(caFile)
	os.Setenv("SSL_CERT_FILE", caFile)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	// The suite's server lives under a subpath, the harder case for every
	// URL the plugin makes, and serves https, as the Microsoft hosts require;
	// its port is chosen by the harness.
	env, err = harness.Start(ctx, harness.Options{Bundle: bundle, Server: harness.ServerOptions{SiteURL: subpathSiteURL, TLS: true}})
	if err != nil {
		fmt.Fprintln(os.Stderr, "start test environment:", err)
		return 1
	}
	defer env.Close()
	startupLogs = env.Server.Logs()
	code := m.Run()
	if turnedOn := settingsTurnedOn(); len(turnedOn) > 0 {
		fmt.Fprintln(os.Stderr, "after the suite, settings the test server has off are on:", strings.Join(turnedOn, ", "))
		code = 1
	}
	return code
}

// settingsTurnedOn are the settings the test server keeps off, and no
// test turns on, that are on: the plugin must never save the server
// configuration (a save through the plugin API turns what is off back on).
func settingsTurnedOn() []string {
	cfg := env.Server.StoredConfig()
	var on []string
	for name, v := range map[string]*bool{
		"LogSettings.EnableDiagnostics":              cfg.LogSettings.EnableDiagnostics,
		"EmailSettings.SendEmailNotifications":       cfg.EmailSettings.SendEmailNotifications,
		"PluginSettings.EnableMarketplace":           cfg.PluginSettings.EnableMarketplace,
		"PluginSettings.EnableRemoteMarketplace":     cfg.PluginSettings.EnableRemoteMarketplace,
		"PluginSettings.AutomaticPrepackagedPlugins": cfg.PluginSettings.AutomaticPrepackagedPlugins,
		"ServiceSettings.EnableLinkPreviews":         cfg.ServiceSettings.EnableLinkPreviews,
		"ServiceSettings.EnableSecurityFixAlert":     cfg.ServiceSettings.EnableSecurityFixAlert,
		"ServiceSettings.EnableGifPicker":            cfg.ServiceSettings.EnableGifPicker,
		"AnnouncementSettings.AdminNoticesEnabled":   cfg.AnnouncementSettings.AdminNoticesEnabled,
		"AnnouncementSettings.UserNoticesEnabled":    cfg.AnnouncementSettings.UserNoticesEnabled,
	} {
		if v != nil && *v {
			on = append(on, name)
		}
	}
	slices.Sort(on)
	return on
}
