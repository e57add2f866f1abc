package e2e

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

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

// settlesAt waits for the frame ancestors to become want, then checks
// that they stay so and that the plugin saved them once.
func settlesAt(t *testing.T, want string, savesBefore int) {
	t.Helper()
	waitFor(t, "frame ancestors "+want, func() bool { return frameAncestors() == want })
	// A save loop would keep changing the list or keep logging saves; give
	// one a moment to show.
	time.Sleep(2 * time.Second)
	if got := frameAncestors(); got != want {
		t.Fatalf("the frame ancestors moved on to %q", got)
	}
	if saves := strings.Count(env.Server.Logs(), "Updated the Microsoft hosts that may frame Mattermost"); saves != savesBefore+1 {
		t.Fatalf("%d saves of the frame ancestors for one change", saves-savesBefore)
	}
}

func framingSaves() int {
	return strings.Count(env.Server.Logs(), "Updated the Microsoft hosts that may frame Mattermost")
}

// quietSaves waits until the frame ancestors are want and no save has
// come for two seconds, and returns the number of saves so far.
func quietSaves(t *testing.T, want string) int {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		saves := framingSaves()
		time.Sleep(2 * time.Second)
		if framingSaves() == saves && frameAncestors() == want {
			return saves
		}
		if time.Now().After(deadline) {
			t.Fatalf("the frame ancestors kept moving; now %q", frameAncestors())
		}
	}
}

func TestFrameAncestorsAreExactlyTheCloudsAndOnlyWhileConfigured(t *testing.T) {
	ctx := testContext(t)
	cfg, _, err := env.Admin.Client.GetConfig(ctx)
	if err != nil {
		t.Fatal(err)
	}
	const admins = "https://intranet.example.com 'self'"
	cfg.ServiceSettings.FrameAncestors = model.NewPointer(admins)
	if _, _, err := env.Admin.Client.UpdateConfig(ctx, cfg); err != nil {
		t.Fatal(err)
	}
	// Not configured: no tenant or client, no Microsoft host.
	resetSettings(t)
	unset := validSettings()
	unset["tenantid"], unset["clientid"], unset["cloud"] = "", "", "commercial"
	if err := harness.SetPluginSettings(ctx, env.Admin.Client, env.PluginID, unset); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "only the admin's frame ancestors", func() bool { return frameAncestors() == admins })
	// The admin's save above ran the plugin's hook with the settings of
	// the test before, so it may still add and remove that test's hosts:
	// count from when the list has stopped moving.
	before := quietSaves(t, admins)
	commercial := validSettings()
	commercial["cloud"] = "commercial"
	if err := harness.SetPluginSettings(ctx, env.Admin.Client, env.PluginID, commercial); err != nil {
		t.Fatal(err)
	}
	settlesAt(t, admins+" "+strings.Join(commercialHosts, " "), before)

	// DoD: the commercial hosts go, the admin's stay.
	before = framingSaves()
	dod := validSettings()
	dod["cloud"] = "dod"
	if err := harness.SetPluginSettings(ctx, env.Admin.Client, env.PluginID, dod); err != nil {
		t.Fatal(err)
	}
	settlesAt(t, admins+" "+strings.Join(dodHosts, " "), before)

	// A custom cloud frames from its Teams origin alone.
	before = framingSaves()
	useSignInSettings(t, nil)
	settlesAt(t, admins+" "+cloud.URL(), before)

	// Cleared: back to the admin's own list.
	before = framingSaves()
	if err := harness.SetPluginSettings(ctx, env.Admin.Client, env.PluginID, unset); err != nil {
		t.Fatal(err)
	}
	settlesAt(t, admins, before)
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
