package e2e

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/mattermost/mattermost/server/public/model"

	"github.com/missioncollab/mattermost-plugin-m365/e2e/harness"
)

var (
	commercialHosts = []string{"https://*.cloud.microsoft", "https://teams.microsoft.com", "https://*.teams.microsoft.com",
		"https://*.microsoft365.com", "https://*.office.com", "https://outlook.office.com", "https://outlook.office365.com"}
	dodHosts = []string{"https://dod.teams.microsoft.us", "https://*.teams.microsoft.us", "https://*.office365.us",
		"https://outlook-dod.office365.us", "https://*.microsoft365.us"}
)

func frameAncestors() string { return *env.Server.StoredConfig().ServiceSettings.FrameAncestors }

// framingStatus is what the plugin says of the frame ancestors it needs.
type framingStatus struct {
	Current string   `json:"current"`
	Wanted  []string `json:"wanted"`
	Value   string   `json:"value"`
	InPlace bool     `json:"inPlace"`
}

func framing(t *testing.T) framingStatus {
	t.Helper()
	resp, body := pluginRequest(t, env.Admin, "GET", "/api/v1/frame-ancestors", nil)
	var st framingStatus
	if resp.StatusCode != http.StatusOK || json.Unmarshal(body, &st) != nil {
		t.Fatalf("frame ancestors: %d %s", resp.StatusCode, body)
	}
	return st
}

// applyFrameAncestors sets the frame ancestors the plugin needs, as the
// setup command or the admin does, and returns them.
func applyFrameAncestors(t *testing.T) string {
	t.Helper()
	value, err := harness.ApplyFrameAncestors(testContext(t), env.Admin.Client, env.PluginID)
	if err != nil {
		t.Fatal(err)
	}
	if got := frameAncestors(); got != value {
		t.Fatalf("the frame ancestors are %q, not %q", got, value)
	}
	return value
}

// asks waits for the plugin to ask for want, with the server's own list
// still as the admin left it: the plugin never saves it.
func asks(t *testing.T, want string) {
	t.Helper()
	before := frameAncestors()
	waitFor(t, "the plugin to ask for "+want, func() bool { return framing(t).Value == want })
	if st := framing(t); st.InPlace != (want == before) {
		t.Fatalf("in place %v for %q with the list %q", st.InPlace, want, before)
	}
	if want != before {
		// The keeper has run for this value once it has asked for it.
		waitFor(t, "the plugin's log to ask for "+want, func() bool {
			return strings.Contains(env.Server.Logs(), `"frame_ancestors":`+strconv.Quote(want))
		})
	}
	if got := frameAncestors(); got != before {
		t.Fatalf("the plugin changed the frame ancestors from %q to %q", before, got)
	}
	if applyFrameAncestors(t) != want || !framing(t).InPlace {
		t.Fatalf("%q applied is not a fixed point: %+v", want, framing(t))
	}
}

func TestFrameAncestorsAreExactlyTheCloudsAndOnlyWhileConfigured(t *testing.T) {
	ctx := testContext(t)
	const admins = "https://intranet.example.com 'self'"
	patch := func(v string) *model.Config {
		return &model.Config{ServiceSettings: model.ServiceSettings{FrameAncestors: model.NewPointer(v)}}
	}
	patchServerConfig(t, patch(admins), patch(""))
	// Not configured: no tenant or client, no Microsoft host.
	resetSettings(t)
	unset := validSettings()
	unset["tenantid"], unset["clientid"], unset["cloud"] = "", "", "commercial"
	if err := harness.SetPluginSettings(ctx, env.Admin.Client, env.PluginID, unset); err != nil {
		t.Fatal(err)
	}
	asks(t, admins)
	if _, checks := runHealth(t, &person{User: env.Admin}); checks["frame_ancestors"].Status != "skip" {
		t.Errorf("framing while not configured: %+v", checks["frame_ancestors"])
	}

	commercial := validSettings()
	commercial["cloud"] = "commercial"
	if err := harness.SetPluginSettings(ctx, env.Admin.Client, env.PluginID, commercial); err != nil {
		t.Fatal(err)
	}
	want := admins + " " + strings.Join(commercialHosts, " ")
	waitFor(t, "the commercial hosts asked for", func() bool { return framing(t).Value == want })
	// Until they are set, the connection check says so, with the value.
	if _, checks := runHealth(t, &person{User: env.Admin}); checks["frame_ancestors"].Status != "fail" ||
		!strings.Contains(checks["frame_ancestors"].Fix, want) {
		t.Errorf("framing before the hosts are set: %+v", checks["frame_ancestors"])
	}
	asks(t, want)
	if _, checks := runHealth(t, &person{User: env.Admin}); checks["frame_ancestors"].Status != "pass" {
		t.Errorf("framing once the hosts are set: %+v", checks["frame_ancestors"])
	}

	// DoD: the commercial hosts go, the admin's stay.
	dod := validSettings()
	dod["cloud"] = "dod"
	if err := harness.SetPluginSettings(ctx, env.Admin.Client, env.PluginID, dod); err != nil {
		t.Fatal(err)
	}
	asks(t, admins+" "+strings.Join(dodHosts, " "))

	// A custom cloud frames from its Teams origin alone.
	useSignInSettings(t, nil)
	asks(t, admins+" "+cloud.URL())

	// Cleared: back to the admin's own list.
	if err := harness.SetPluginSettings(ctx, env.Admin.Client, env.PluginID, unset); err != nil {
		t.Fatal(err)
	}
	asks(t, admins)
}

func TestMovingTheCloudNeedsTheSecretEnteredAgain(t *testing.T) {
	ctx := testContext(t)
	resetSettings(t)
	if err := harness.SetPluginSettings(ctx, env.Admin.Client, env.PluginID, validSettings()); err != nil {
		t.Fatal(err)
	}
	evil := map[string]any{
		"cloud": "custom", "customauthorityurl": "https://login.evil.example",
		"customgraphurl": "https://graph.evil.example", "customteamsurl": "https://teams.evil.example",
	}
	// The config API hands the secret back masked, as the System Console
	// sends it when left untouched.
	err := harness.SetPluginSettings(ctx, env.Admin.Client, env.PluginID, evil)
	appErr, ok := err.(*model.AppError)
	if !ok || !strings.Contains(appErr.Message, "Client Secret: enter the client secret again") {
		t.Fatalf("moving the secret to other endpoints: %v", err)
	}
	if stored := env.Server.StoredConfig().PluginSettings.Plugins[env.PluginID]; stored["cloud"] != validSettings()["cloud"] ||
		stored["clientsecret"] != validSettings()["clientsecret"] {
		t.Fatalf("the refused save changed the stored settings: cloud %v", stored["cloud"])
	}
	if err := harness.SetPluginSettings(ctx, env.Admin.Client, env.PluginID, map[string]any{"cloud": "gcchigh"}); err == nil {
		t.Fatal("a built-in cloud change kept the secret")
	}
	// Entered again in the same save, it is accepted.
	evil["clientsecret"] = "a-new-secret-for-the-new-cloud"
	if err := harness.SetPluginSettings(ctx, env.Admin.Client, env.PluginID, evil); err != nil {
		t.Fatalf("with the secret entered again: %v", err)
	}
	// Changing something else keeps the secret without asking.
	if err := harness.SetPluginSettings(ctx, env.Admin.Client, env.PluginID, map[string]any{"appdisplayname": "Ops"}); err != nil {
		t.Fatalf("an unrelated change: %v", err)
	}
	if stored := env.Server.StoredConfig().PluginSettings.Plugins[env.PluginID]; stored["clientsecret"] != "a-new-secret-for-the-new-cloud" {
		t.Fatal("the secret was lost")
	}
}

// flatConfig is a configuration as setting paths and their JSON values.
func flatConfig(t *testing.T, cfg *model.Config) map[string]string {
	t.Helper()
	data, err := json.Marshal(cfg)
	if err != nil {
		t.Fatal(err)
	}
	var tree any
	if err := json.Unmarshal(data, &tree); err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	var walk func(prefix string, v any)
	walk = func(prefix string, v any) {
		if m, ok := v.(map[string]any); ok {
			for k, e := range m {
				walk(prefix+"."+k, e)
			}
			return
		}
		b, _ := json.Marshal(v)
		out[prefix] = string(b)
	}
	walk("", tree)
	return out
}
