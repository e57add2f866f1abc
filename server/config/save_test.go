package config

import (
	"errors"
	"strings"
	"testing"

	"github.com/mattermost/mattermost/server/public/model"
)

func TestCheckSaveRefusesBadValuesAndMovedSecretsByName(t *testing.T) {
	stored := map[string]any{"cloud": "commercial", "clientsecret": "s3cret", "tenantid": "72f988bf-86f1-41af-91ab-2d7cd011db47"}
	bad := map[string]any{"tenantid": "contoso", "customteamsurl": "https://t.example/;x"}
	if appErr := CheckSave(bad, stored); appErr == nil || appErr.StatusCode != 400 ||
		!strings.Contains(appErr.Message, labelTenantID) || !strings.Contains(appErr.Message, labelCustomTeamsURL) {
		t.Fatalf("bad values: %v", appErr)
	}
	moved := map[string]any{"cloud": "dod", "clientsecret": model.FakeSetting}
	if appErr := CheckSave(moved, stored); appErr == nil || !strings.Contains(appErr.Message, "enter the client secret again") {
		t.Fatalf("moved secret: %v", appErr)
	}
	moved["clientsecret"] = "new-secret"
	if appErr := CheckSave(moved, stored); appErr != nil {
		t.Fatalf("with the secret entered: %v", appErr)
	}
	if appErr := CheckSave(map[string]any{"appdisplayname": "  Ops  ", "tenantid": " 72f988bf-86f1-41af-91ab-2d7cd011db47\t", "clientsecret": model.FakeSetting}, stored); appErr != nil {
		t.Fatalf("stray white space: %v", appErr)
	}
}

// The hook only checks: whatever it handed back would be saved after the
// plugin RPC dropped every setting that is off.
func TestWillBeSavedChecksOnlyThePluginsOwnSettingsAndChangesNothing(t *testing.T) {
	stored := func(dest any) error {
		*dest.(*map[string]any) = map[string]any{"cloud": "commercial", "clientsecret": "s3cret"}
		return nil
	}
	other := &model.Config{}
	other.SetDefaults()
	if err := WillBeSaved(other, "p", stored); err != nil {
		t.Fatalf("a save without the plugin's settings: %v", err)
	}
	cfg := other.Clone()
	cfg.PluginSettings.Plugins = map[string]map[string]any{"p": {"appdisplayname": " Ops ", "clientsecret": model.FakeSetting}}
	if err := WillBeSaved(cfg, "p", stored); err != nil {
		t.Fatalf("good settings: %v", err)
	}
	if cfg.PluginSettings.Plugins["p"]["appdisplayname"] != " Ops " {
		t.Fatal("the server's own copy was changed")
	}
	cfg.PluginSettings.Plugins["p"]["cloud"] = "dod"
	var appErr *model.AppError
	if err := WillBeSaved(cfg, "p", stored); !errors.As(err, &appErr) || !strings.Contains(appErr.Message, "enter the client secret again") {
		t.Fatalf("a moved secret: %v", err)
	}
	broken := func(any) error { return errors.New("store gone") }
	if err := WillBeSaved(cfg, "p", broken); err == nil || !strings.Contains(err.Error(), "store gone") {
		t.Fatalf("an unreadable store: %v", err)
	}
	if _, err := Load(broken); err == nil || !strings.Contains(err.Error(), "load settings") {
		t.Fatalf("Load: %v", err)
	}
}
