package msfake

import (
	"encoding/json"
	"net/http"
	"net/url"
	"testing"
)

var setupScopes = []string{"Application.ReadWrite.All", "AppRoleAssignment.ReadWrite.All", "DelegatedPermissionGrant.ReadWrite.All"}

func decode[T any](t *testing.T, g graphResponse) T {
	t.Helper()
	var v T
	if err := json.Unmarshal(g.body, &v); err != nil {
		t.Fatalf("%s: %v", g.body, err)
	}
	return v
}

func TestAppRegistrationLifecycleWithGraphsRules(t *testing.T) {
	c := start(t)
	admin := c.AdminToken(testTenant, setupScopes...)
	g := graphDo(t, c, "POST", "/v1.0/applications", admin, map[string]any{"displayName": "Mattermost", "signInAudience": "AzureADMyOrg"})
	wantStatus(t, "create app", g, http.StatusCreated)
	app := decode[application](t, g)

	scope := permissionScope{ID: newGUID(), Value: "access_as_user", Type: "User", IsEnabled: true,
		AdminConsentDisplayName: "a", AdminConsentDescription: "b", UserConsentDisplayName: "c", UserConsentDescription: "d"}
	preAuth := []preAuthorizedApplication{{AppID: "5e3ce6c0-2b1f-4285-8d4b-75ee78787346", DelegatedPermissionIDs: []string{scope.ID}}}
	g = graphDo(t, c, "PATCH", "/v1.0/applications/"+app.ID, admin, map[string]any{
		"api": map[string]any{"oauth2PermissionScopes": []permissionScope{scope}, "preAuthorizedApplications": preAuth}})
	wantStatus(t, "scope and pre-authorization in one request", g, http.StatusBadRequest)
	g = graphDo(t, c, "PATCH", "/v1.0/applications/"+app.ID, admin, map[string]any{"api": map[string]any{"oauth2PermissionScopes": []permissionScope{scope}}})
	wantStatus(t, "scope", g, http.StatusNoContent)
	g = graphDo(t, c, "PATCH", "/v1.0/applications/"+app.ID, admin, map[string]any{"api": map[string]any{"preAuthorizedApplications": preAuth}})
	wantStatus(t, "pre-authorization after the scope", g, http.StatusNoContent)
	g = graphDo(t, c, "PATCH", "/v1.0/applications/"+app.ID, admin, map[string]any{"api": map[string]any{"oauth2PermissionScopes": []permissionScope{}}})
	wantStatus(t, "removing an enabled scope", g, http.StatusBadRequest)

	g = graphDo(t, c, "POST", "/v1.0/servicePrincipals", admin, map[string]any{"appId": app.AppID})
	wantStatus(t, "service principal", g, http.StatusCreated)
	sp := decode[servicePrincipal](t, g)
	g = graphDo(t, c, "GET", "/v1.0/servicePrincipals?$filter="+url.QueryEscape("appId eq '"+GraphAppID+"'"), admin, nil)
	graphSP := decode[struct{ Value []servicePrincipal }](t, g).Value[0]
	g = graphDo(t, c, "POST", "/v1.0/servicePrincipals/"+sp.ID+"/appRoleAssignments", admin,
		map[string]any{"principalId": sp.ID, "resourceId": graphSP.ID, "appRoleId": RoleTeamsActivitySend})
	wantStatus(t, "consent", g, http.StatusCreated)
	g = graphDo(t, c, "POST", "/v1.0/applications/"+app.ID+"/addPassword", admin, map[string]any{"passwordCredential": map[string]any{"displayName": "setup"}})
	wantStatus(t, "secret", g, http.StatusOK)
	secret := *decode[passwordCredential](t, g).SecretText

	status, body := postToken(t, c, testTenant, clientCredentials(c, app.AppID, secret))
	if status != http.StatusOK {
		t.Fatalf("the new app's secret: %d %v", status, body)
	}
	_, claims, _ := decodeJWT(t, body["access_token"].(string))
	if roles, _ := claims["roles"].([]any); len(roles) != 1 || roles[0] != "TeamsActivity.Send" {
		t.Errorf("roles %v", claims["roles"])
	}
	readOnly := c.AdminToken(testTenant, "Application.Read.All")
	g = graphDo(t, c, "POST", "/v1.0/applications", readOnly, map[string]any{"displayName": "x"})
	wantStatus(t, "without Application.ReadWrite.All", g, http.StatusForbidden)
}

func TestDeviceCodeFlow(t *testing.T) {
	c := start(t)
	form := url.Values{"client_id": {"14d82eec-204b-4c2f-b7e8-296a70dab67e"}, "scope": {c.URL() + "/Application.ReadWrite.All offline_access"}}
	resp, err := c.Client().PostForm(c.URL()+"/"+testTenant+"/oauth2/v2.0/devicecode", form)
	if err != nil {
		t.Fatal(err)
	}
	var dc map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&dc)
	resp.Body.Close()
	poll := url.Values{"grant_type": {deviceGrantType}, "client_id": form["client_id"], "device_code": {dc["device_code"].(string)}}
	if status, body := postToken(t, c, testTenant, poll); status != http.StatusBadRequest || body["error"] != "authorization_pending" {
		t.Fatalf("before approval: %d %v", status, body)
	}
	if !c.ApproveDeviceCode(dc["user_code"].(string)) {
		t.Fatal("no such code")
	}
	status, body := postToken(t, c, testTenant, poll)
	if status != http.StatusOK {
		t.Fatalf("after approval: %d %v", status, body)
	}
	_, claims, _ := decodeJWT(t, body["access_token"].(string))
	if claims["scp"] != "Application.ReadWrite.All" {
		t.Errorf("scp %v", claims["scp"])
	}
}
