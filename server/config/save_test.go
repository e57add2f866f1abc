package config

import (
	"errors"
	"strings"
	"testing"

	"github.com/mattermost/mattermost/server/public/model"
)

func TestPrepareSaveRefusesBadValuesAndMovedSecretsByName(t *testing.T) {
	stored := map[string]any{"cloud": "commercial", "clientsecret": "s3cret", "tenantid": "72f988bf-86f1-41af-91ab-2d7cd011db47"}
	bad := map[string]any{"tenantid": "contoso", "customteamsurl": "https://t.example/;x"}
	if _, appErr := PrepareSave(bad, stored); appErr == nil || appErr.StatusCode != 400 ||
		!strings.Contains(appErr.Message, labelTenantID) || !strings.Contains(appErr.Message, labelCustomTeamsURL) {
		t.Fatalf("bad values: %v", appErr)
	}
	moved := map[string]any{"cloud": "dod", "clientsecret": model.FakeSetting}
	if _, appErr := PrepareSave(moved, stored); appErr == nil || !strings.Contains(appErr.Message, "enter the client secret again") {
		t.Fatalf("moved secret: %v", appErr)
	}
	moved["clientsecret"] = "new-secret"
	out, appErr := PrepareSave(moved, stored)
	if appErr != nil || out["cloud"] != "dod" {
		t.Fatalf("with the secret entered: %v %v", out, appErr)
	}
	trimmed, appErr := PrepareSave(map[string]any{"appdisplayname": "  Ops  ", "clientsecret": model.FakeSetting}, stored)
	if appErr != nil || trimmed["appdisplayname"] != "Ops" {
		t.Fatalf("trim: %v %v", trimmed, appErr)
	}
}

func TestWillBeSavedPreparesOnlyThePluginsOwnSettings(t *testing.T) {
	stored := func(dest any) error {
		*dest.(*map[string]any) = map[string]any{"cloud": "commercial", "clientsecret": "s3cret"}
		return nil
	}
	other := &model.Config{}
	other.SetDefaults()
	if out, err := WillBeSaved(other, "p", stored); out != nil || err != nil {
		t.Fatalf("a save without the plugin's settings: %v %v", out, err)
	}
	cfg := other.Clone()
	cfg.PluginSettings.Plugins = map[string]map[string]any{"p": {"appdisplayname": " Ops ", "clientsecret": model.FakeSetting}}
	out, err := WillBeSaved(cfg, "p", stored)
	if err != nil || out.PluginSettings.Plugins["p"]["appdisplayname"] != "Ops" {
		t.Fatalf("trimmed: %v", err)
	}
	if cfg.PluginSettings.Plugins["p"]["appdisplayname"] != " Ops " {
		t.Fatal("the server's own copy was changed")
	}
	cfg.PluginSettings.Plugins["p"]["cloud"] = "dod"
	if _, err := WillBeSaved(cfg, "p", stored); err == nil || !strings.Contains(err.Error(), "enter the client secret again") {
		t.Fatalf("a moved secret: %v", err)
	}
	broken := func(any) error { return errors.New("store gone") }
	if _, err := WillBeSaved(cfg, "p", broken); err == nil || !strings.Contains(err.Error(), "store gone") {
		t.Fatalf("an unreadable store: %v", err)
	}
	if _, err := Load(broken); err == nil || !strings.Contains(err.Error(), "load settings") {
		t.Fatalf("Load: %v", err)
	}
}
