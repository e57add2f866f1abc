package msfake

import (
	"encoding/json"
	"net/http"
	"net/url"
	"testing"
	"time"
)

func TestExpiredSecretIsRefusedWithEntrasCode(t *testing.T) {
	c := start(t)
	c.RegisterApp(testTenant, testClient, testSecret)
	c.SetSecretExpiry(testTenant, testClient, time.Now().Add(-time.Minute))
	status, body := postToken(t, c, testTenant, clientCredentials(c, testClient, testSecret))
	codes, _ := body["error_codes"].([]any)
	if status != http.StatusUnauthorized || body["error"] != "invalid_client" || len(codes) == 0 || codes[0] != float64(7000222) {
		t.Fatalf("%d %v", status, body)
	}
}

func TestTokenRolesFollowConsent(t *testing.T) {
	c := start(t)
	c.RegisterApp(testTenant, testClient, testSecret)
	c.SetAppRoles(testTenant, testClient, "TeamsActivity.Send")
	_, claims, _ := decodeJWT(t, appAccessToken(t, c))
	roles, _ := claims["roles"].([]any)
	if len(roles) != 1 || roles[0] != "TeamsActivity.Send" {
		t.Fatalf("roles %v", roles)
	}
}

func TestApplicationNeedsADirectoryPermission(t *testing.T) {
	c := start(t)
	c.RegisterApp(testTenant, testClient, testSecret)
	path := "/v1.0/applications(appId='" + testClient + "')?$select=passwordCredentials"
	g := graphDo(t, c, "GET", path, appAccessToken(t, c), nil)
	wantStatus(t, "without Application.Read.All", g, http.StatusForbidden)
	if code, _ := g.graphErr(t); code != "Authorization_RequestDenied" {
		t.Errorf("code %s", code)
	}
	c.SetAppRoles(testTenant, testClient, append(AppRoles, "Application.Read.All")...)
	end := time.Now().Add(20 * 24 * time.Hour).UTC().Truncate(time.Second)
	c.SetSecretExpiry(testTenant, testClient, end)
	g = graphDo(t, c, "GET", path, appAccessToken(t, c), nil)
	wantStatus(t, "with Application.Read.All", g, http.StatusOK)
	var app struct {
		PasswordCredentials []struct {
			Hint        string `json:"hint"`
			EndDateTime string `json:"endDateTime"`
		} `json:"passwordCredentials"`
	}
	if err := json.Unmarshal(g.body, &app); err != nil || len(app.PasswordCredentials) != 1 {
		t.Fatalf("%s: %v", g.body, err)
	}
	if pc := app.PasswordCredentials[0]; pc.Hint != testSecret[:3] || pc.EndDateTime != end.Format(time.RFC3339) {
		t.Errorf("credential %+v", pc)
	}
	g = graphDo(t, c, "GET", "/v1.0/applications(appId='0b1c2d3e-0000-4000-8000-000000000000')", appAccessToken(t, c), nil)
	wantStatus(t, "unknown app", g, http.StatusNotFound)
}

func TestCatalogExpandsAppDefinitionsWithVersion(t *testing.T) {
	c, token, _ := setupGraph(t)
	c.SetTeamsAppVersion(testTenant, testExternalID, "2.3.4")
	path := catalogPath("externalId eq '"+testExternalID+"'") + "&$expand=" + url.QueryEscape("appDefinitions($select=version)")
	g := graphDo(t, c, "GET", path, token, nil)
	wantStatus(t, "expand", g, http.StatusOK)
	var list struct {
		Value []struct {
			AppDefinitions []struct {
				Version string `json:"version"`
			} `json:"appDefinitions"`
		} `json:"value"`
	}
	if err := json.Unmarshal(g.body, &list); err != nil || len(list.Value) != 1 || len(list.Value[0].AppDefinitions) != 1 ||
		list.Value[0].AppDefinitions[0].Version != "2.3.4" {
		t.Fatalf("%s: %v", g.body, err)
	}
}
