package e2e

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/mattermost/mattermost/server/public/model"

	"github.com/missioncollab/mattermost-plugin-m365/e2e/harness"
)

func validSettings() map[string]any {
	return map[string]any{
		"tenantid":                    "72f988bf-86f1-41af-91ab-2d7cd011db47",
		"clientid":                    "11111111-2222-3333-4444-555555555555",
		"clientsecret":                "Abc8Q~secret.value_1234567890",
		"appversion":                  "1.0.0",
		"appid":                       "0b6f7c9e-3a1d-4c2b-9e8f-1a2b3c4d5e6f",
		"appdisplayname":              "Mattermost",
		"cloud":                       "commercial",
		"customauthorityurl":          "",
		"customgraphurl":              "",
		"customteamsurl":              "",
		"disablenotifications":        false,
		"reachbeforefirstuse":         false,
		"leastprivilegenotifications": false,
		// Tests of the hold set their own; the rest see notifications at once.
		"notificationholdseconds": 0,
	}
}

func testContext(t testing.TB) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	return ctx
}

// resetSettings puts the plugin's settings back to the valid set, directly
// in the stored configuration's API path, after a test that changed them.
func resetSettings(t *testing.T) {
	t.Helper()
	t.Cleanup(func() {
		if err := harness.SetPluginSettings(context.Background(), env.Admin.Client, env.PluginID, validSettings()); err != nil {
			t.Errorf("restore settings: %v", err)
		}
	})
}

func TestSaveRejectsEachBadValueNamingTheField(t *testing.T) {
	ctx := testContext(t)
	resetSettings(t)
	if err := harness.SetPluginSettings(ctx, env.Admin.Client, env.PluginID, validSettings()); err != nil {
		t.Fatalf("valid settings refused: %v", err)
	}
	cases := []struct {
		key, value, want string
	}{
		{"tenantid", "contoso.onmicrosoft.com", `Directory (tenant) ID "contoso.onmicrosoft.com" is not a GUID`},
		{"clientid", "not-a-guid", `Application (client) ID "not-a-guid" is not a GUID`},
		{"appid", "abc", `Application ID "abc" is not a version 4 UUID`},
		{"appid", "0b6f7c9e-3a1d-1c2b-9e8f-1a2b3c4d5e6f", `is not a version 4 UUID`},
		{"appversion", "1.0", `Application Version "1.0" is not of the form MAJOR.MINOR.PATCH`},
		{"appdisplayname", strings.Repeat("n", 31), `Application Display Name "nnnnnnnnnnnnnnnnnnnnnnnnnnnnnnn" has 31 characters; Teams allows at most 30`},
		{"cloud", "moon", `Microsoft cloud "moon" is not one of commercial, gcchigh, dod or custom`},
		{"customauthorityurl", "http://login.example", `Custom cloud: Entra login authority URL "http://login.example" must use https`},
		{"customgraphurl", "graph.example", `Custom cloud: Microsoft Graph URL "graph.example" is not an absolute URL`},
		{"customteamsurl", "https://teams.example/?x=1", `Custom cloud: Teams web URL "https://teams.example/?x=1" must not have a query`},
		{"customteamsurl", "https://t.example/ *", `Custom cloud: Teams web URL "https://t.example/ *" contains " "`},
		{"customteamsurl", "https://t.example/;script-src *", `Custom cloud: Teams web URL "https://t.example/;script-src *" contains ";"`},
		{"customteamsurl", "https://*", `Custom cloud: Teams web URL "https://*" contains "*"`},
		{"customteamsurl", "https://teams.example/app", `must be an origin only`},
		{"customauthorityurl", "https://u:p@login.example", `must not carry a user name or password`},
		{"customgraphurl", "https://graph.example/v1.0", `Custom cloud: Microsoft Graph URL "https://graph.example/v1.0" ends with an API version`},
		{"customauthorityurl", "https://login.example/\r\nX: y", `Custom cloud: Entra login authority URL`},
	}
	for _, tc := range cases {
		t.Run(tc.key+"="+tc.value, func(t *testing.T) {
			ctx := testContext(t)
			err := harness.SetPluginSettings(ctx, env.Admin.Client, env.PluginID, map[string]any{tc.key: tc.value})
			if err == nil {
				t.Fatalf("saved %s=%q", tc.key, tc.value)
			}
			appErr, ok := err.(*model.AppError)
			if !ok || appErr.StatusCode != http.StatusBadRequest {
				t.Fatalf("want a 400 AppError, got %#v", err)
			}
			if !strings.Contains(appErr.Message, tc.want) {
				t.Fatalf("message %q does not contain %q", appErr.Message, tc.want)
			}
			stored := env.Server.StoredConfig().PluginSettings.Plugins[env.PluginID]
			if stored[tc.key] != validSettings()[tc.key] {
				t.Fatalf("refused save changed the stored %s to %v", tc.key, stored[tc.key])
			}
		})
	}
}

// Values with stray white space are accepted and read as if trimmed; they
// are stored as entered, because the plugin hands nothing back to save:
// what it would hand back crosses the plugin RPC, which drops every
// server setting that is off, and each would be saved as its default.
func TestSaveAcceptsGoodValuesAndChangesNoOtherSetting(t *testing.T) {
	ctx := testContext(t)
	// Configured first, so that this save leaves the frame ancestors as
	// they are.
	useSignInSettings(t, nil)
	applyFrameAncestors(t)
	// Settings an air-gapped site turns off, saved as the System Console
	// saves them: this save runs the plugin's hook too.
	off := &model.Config{
		LogSettings:     model.LogSettings{EnableDiagnostics: model.NewPointer(false)},
		EmailSettings:   model.EmailSettings{SendEmailNotifications: model.NewPointer(false)},
		PluginSettings:  model.PluginSettings{EnableMarketplace: model.NewPointer(false)},
		ServiceSettings: model.ServiceSettings{EnableLinkPreviews: model.NewPointer(false)},
	}
	patchServerConfig(t, off, off)
	before := flatConfig(t, env.Server.StoredConfig())
	for _, off := range []string{".LogSettings.EnableDiagnostics", ".EmailSettings.SendEmailNotifications",
		".PluginSettings.EnableMarketplace", ".ServiceSettings.EnableLinkPreviews"} {
		if before[off] != "false" {
			t.Fatalf("the test server should have %s off, not %s", off, before[off])
		}
	}
	good := signInSettings()
	good["tenantid"] = "  72F988BF-86F1-41AF-91AB-2D7CD011DB47\t"
	good["appdisplayname"] = ` Ops "Room" <\> 🚀 `
	if err := harness.SetPluginSettings(ctx, env.Admin.Client, env.PluginID, good); err != nil {
		t.Fatalf("good settings refused: %v", err)
	}
	stored := env.Server.StoredConfig().PluginSettings.Plugins[env.PluginID]
	for _, k := range []string{"tenantid", "appdisplayname"} {
		if stored[k] != good[k] {
			t.Errorf("stored %s = %q, not %q as entered", k, stored[k], good[k])
		}
	}
	var m struct {
		Name struct {
			Short string `json:"short"`
		} `json:"name"`
	}
	if err := json.Unmarshal(downloadPackage(t)["manifest.json"], &m); err != nil {
		t.Fatal(err)
	}
	if m.Name.Short != `Ops "Room" <\> 🚀` {
		t.Errorf("the app is named %q: the plugin did not read the name trimmed", m.Name.Short)
	}
	after := flatConfig(t, env.Server.StoredConfig())
	for k, v := range after {
		if !strings.HasPrefix(k, ".PluginSettings.Plugins.") && k != ".ServiceSettings.FrameAncestors" && before[k] != v {
			t.Errorf("saving the plugin's settings changed %s from %s to %s", k, before[k], v)
		}
	}
}

func TestSecretIsNeverShownAndSurvivesASave(t *testing.T) {
	ctx := testContext(t)
	resetSettings(t)
	settings := validSettings()
	settings["clientsecret"] = "Real~Secret.Value-42"
	if err := harness.SetPluginSettings(ctx, env.Admin.Client, env.PluginID, settings); err != nil {
		t.Fatal(err)
	}
	shown, err := harness.PluginSettings(ctx, env.Admin.Client, env.PluginID)
	if err != nil {
		t.Fatal(err)
	}
	if shown["clientsecret"] != model.FakeSetting {
		t.Fatalf("config API shows the secret as %q", shown["clientsecret"])
	}
	if shown["tenantid"] != settings["tenantid"] {
		t.Fatalf("config API masks a non-secret setting: %q", shown["tenantid"])
	}
	// The System Console sends the masked value back on every save.
	if err := harness.SetPluginSettings(ctx, env.Admin.Client, env.PluginID, map[string]any{"appversion": "1.0.1"}); err != nil {
		t.Fatal(err)
	}
	stored := env.Server.StoredConfig().PluginSettings.Plugins[env.PluginID]
	if stored["clientsecret"] != "Real~Secret.Value-42" || stored["appversion"] != "1.0.1" {
		t.Fatalf("after a save with the masked secret, stored secret=%q version=%q", stored["clientsecret"], stored["appversion"])
	}
}

func TestEmptySettingsSaveAndLogWhatIsMissing(t *testing.T) {
	ctx := testContext(t)
	resetSettings(t)
	empty := map[string]any{}
	for k := range validSettings() {
		empty[k] = ""
	}
	empty["disablenotifications"] = false
	if err := harness.SetPluginSettings(ctx, env.Admin.Client, env.PluginID, empty); err != nil {
		t.Fatalf("empty settings refused: %v", err)
	}
	waitFor(t, "the missing settings to be logged", func() bool {
		return strings.Contains(env.Server.Logs(), `"missing":"Directory (tenant) ID, Application (client) ID, Client Secret, Application Version, Application ID, Application Display Name"`)
	})
}
