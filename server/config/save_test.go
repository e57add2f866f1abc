package config

import (
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
