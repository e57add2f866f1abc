package appsetup

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/missioncollab/mattermost-plugin-m365/internal/graphwire"
	"github.com/missioncollab/mattermost-plugin-m365/internal/msfake"
	"github.com/missioncollab/mattermost-plugin-m365/server/entra"
)

const tenant = "6f0c2b5e-1a2b-4c3d-8e9f-0a1b2c3d4e5f"

var adminScopes = []string{"Application.ReadWrite.All", "AppRoleAssignment.ReadWrite.All", "DelegatedPermissionGrant.ReadWrite.All"}

func setup(t *testing.T) (*msfake.Cloud, *Graph) {
	t.Helper()
	cloud, err := msfake.Start()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(cloud.Close)
	return cloud, &Graph{BaseURL: cloud.URL(), Token: cloud.AdminToken(tenant, adminScopes...), HTTP: cloud.Client()}
}

func options() Options {
	return Options{SiteURL: "https://chat.example.com:8443/mm", DisplayName: "Mattermost", SecretLifetime: 180 * 24 * time.Hour, ReadSecretExpiry: true}
}

func getApp(t *testing.T, g *Graph, clientID string) application {
	t.Helper()
	var found list[application]
	if err := g.do(context.Background(), "GET", "/applications"+filter("appId", clientID), nil, &found); err != nil || len(found.Value) != 1 {
		t.Fatalf("app %s: %v %v", clientID, found, err)
	}
	return found.Value[0]
}

// appRoles signs in as the app with its secret and returns the
// application permissions its token carries.
func appRoles(t *testing.T, cloud *msfake.Cloud, clientID, secret string) []string {
	t.Helper()
	resp, err := cloud.Client().PostForm(cloud.URL()+"/"+tenant+"/oauth2/v2.0/token", url.Values{
		"grant_type": {"client_credentials"}, "client_id": {clientID}, "client_secret": {secret}, "scope": {cloud.URL() + "/.default"}})
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body struct {
		AccessToken string `json:"access_token"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil || resp.StatusCode != 200 {
		t.Fatalf("sign in with the new secret: %d %v", resp.StatusCode, err)
	}
	payload, _ := base64.RawURLEncoding.DecodeString(strings.Split(body.AccessToken, ".")[1])
	var claims struct {
		Roles []string `json:"roles"`
	}
	_ = json.Unmarshal(payload, &claims)
	return claims.Roles
}

func TestFreshTenantGetsAWorkingAppRegistration(t *testing.T) {
	cloud, g := setup(t)
	res, err := Run(context.Background(), g, options())
	if err != nil {
		t.Fatal(err)
	}
	if res.TenantID != tenant || res.ClientID == "" || res.ClientSecret == "" || res.SecretKept {
		t.Fatalf("result %+v", res)
	}
	app := getApp(t, g, res.ClientID)
	if want := "api://chat.example.com:8443/mm/" + res.ClientID; !slices.Contains(app.IdentifierURIs, want) {
		t.Errorf("identifier URIs %v, want %s", app.IdentifierURIs, want)
	}
	if app.SignInAudience != "AzureADMyOrg" || len(app.API.OAuth2PermissionScopes) != 1 || app.API.OAuth2PermissionScopes[0].Value != "access_as_user" {
		t.Errorf("app %+v", app)
	}
	if len(app.API.PreAuthorizedApplications) != len(entra.ClientApps) {
		t.Errorf("%d pre-authorized apps, want %d", len(app.API.PreAuthorizedApplications), len(entra.ClientApps))
	}
	// The secret works, and its token carries the consented permissions.
	if roles := appRoles(t, cloud, res.ClientID, res.ClientSecret); !slices.Equal(roles, []string{"AppCatalog.Read.All", "Application.Read.All", "TeamsActivity.Send"}) {
		t.Errorf("roles %v", roles)
	}
	var grants list[grant]
	_ = g.do(context.Background(), "GET", "/oauth2PermissionGrants", nil, &grants)
	if len(grants.Value) != 1 || grants.Value[0].Scope != "User.Read" {
		t.Errorf("delegated consent %+v", grants.Value)
	}
}

func TestRerunChangesNothingAndKeepsTheSecret(t *testing.T) {
	_, g := setup(t)
	first, err := Run(context.Background(), g, options())
	if err != nil {
		t.Fatal(err)
	}
	again, err := Run(context.Background(), g, options())
	if err != nil {
		t.Fatal(err)
	}
	if len(again.Changes) != 0 || !again.SecretKept || again.ClientSecret != "" || again.ClientID != first.ClientID {
		t.Fatalf("second run %+v", again)
	}
	if n := len(getApp(t, g, first.ClientID).PasswordCredentials); n != 1 {
		t.Errorf("%d secrets after two runs", n)
	}
}

func TestAdminAdditionsAreKept(t *testing.T) {
	_, g := setup(t)
	ctx := context.Background()
	first, err := Run(ctx, g, options())
	if err != nil {
		t.Fatal(err)
	}
	app := getApp(t, g, first.ClientID)
	extraScope := scope{ID: newUUID(), Value: "read_reports", Type: "Admin", IsEnabled: true, AdminConsentDisplayName: "x", AdminConsentDescription: "y"}
	patch := map[string]any{
		"identifierUris":         append(app.IdentifierURIs, "api://other.example.com/"+first.ClientID),
		"api":                    map[string]any{"oauth2PermissionScopes": append(app.API.OAuth2PermissionScopes, extraScope)},
		"requiredResourceAccess": append(app.RequiredResourceAccess, resourceAccess{ResourceAppID: graphAppID, ResourceAccess: []access{}}),
	}
	if err := g.do(ctx, "PATCH", "/applications/"+app.ID, patch, nil); err != nil {
		t.Fatal(err)
	}
	preAuth := append(app.API.PreAuthorizedApplications, preAuthorized{AppID: "11111111-0000-4000-8000-000000000000", DelegatedPermissionIDs: []string{extraScope.ID}})
	if err := g.do(ctx, "PATCH", "/applications/"+app.ID, map[string]any{"api": map[string]any{"preAuthorizedApplications": preAuth}}, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := Run(ctx, g, Options{SiteURL: "https://new.example.com", ClientID: first.ClientID, SecretLifetime: time.Hour * 24 * 90, ReadSecretExpiry: true}); err != nil {
		t.Fatal(err)
	}
	after := getApp(t, g, first.ClientID)
	if len(after.IdentifierURIs) != 3 || len(after.API.OAuth2PermissionScopes) != 2 || len(after.API.PreAuthorizedApplications) != len(entra.ClientApps)+1 {
		t.Errorf("an admin's additions were lost: %+v", after)
	}
}

func TestDryRunListsChangesAndMakesNone(t *testing.T) {
	_, g := setup(t)
	opts := options()
	opts.DryRun = true
	res, err := Run(context.Background(), g, opts)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Changes) < 8 || !res.DryRun || res.ClientSecret != "" {
		t.Fatalf("dry run %+v", res)
	}
	var apps list[application]
	_ = g.do(context.Background(), "GET", "/applications", nil, &apps)
	if len(apps.Value) != 0 {
		t.Fatalf("a dry run created %d apps", len(apps.Value))
	}
}

func TestAmbiguousNameIsRefused(t *testing.T) {
	_, g := setup(t)
	for range 2 {
		if err := g.do(context.Background(), "POST", "/applications", map[string]string{"displayName": "Mattermost"}, nil); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := Run(context.Background(), g, options()); err == nil || !strings.Contains(err.Error(), "2 app registrations") {
		t.Fatalf("err = %v", err)
	}
}

func TestRotationRemovesOnlyThisToolsSecrets(t *testing.T) {
	_, g := setup(t)
	ctx := context.Background()
	first, err := Run(ctx, g, options())
	if err != nil {
		t.Fatal(err)
	}
	app := getApp(t, g, first.ClientID)
	if err := g.do(ctx, "POST", "/applications/"+app.ID+"/addPassword", map[string]any{"passwordCredential": map[string]string{"displayName": "admin's own"}}, nil); err != nil {
		t.Fatal(err)
	}
	opts := options()
	opts.Rotate = true
	rotated, err := Run(ctx, g, opts)
	if err != nil {
		t.Fatal(err)
	}
	if rotated.ClientSecret == "" || rotated.ClientSecret == first.ClientSecret {
		t.Fatal("rotation made no new secret")
	}
	var names []string
	for _, p := range getApp(t, g, first.ClientID).PasswordCredentials {
		names = append(names, p.DisplayName)
	}
	slices.Sort(names)
	if !slices.Equal(names, []string{SecretName, "admin's own"}) {
		t.Errorf("secrets after rotation: %v", names)
	}
}

func TestFailureRollsBackWhatTheRunCreated(t *testing.T) {
	cloud, _ := setup(t)
	// Without the grant permission, the run fails at delegated consent.
	g := &Graph{BaseURL: cloud.URL(), Token: cloud.AdminToken(tenant, "Application.ReadWrite.All", "AppRoleAssignment.ReadWrite.All"), HTTP: cloud.Client()}
	_, err := Run(context.Background(), g, options())
	var gerr *graphwire.Error
	if !errors.As(err, &gerr) || gerr.Status != http.StatusForbidden {
		t.Fatalf("err = %v", err)
	}
	var apps list[application]
	_ = g.do(context.Background(), "GET", "/applications", nil, &apps)
	if len(apps.Value) != 0 {
		t.Fatalf("%d apps left after the rollback", len(apps.Value))
	}
}

// cancelOn cancels a run's context as a given request leaves, as Ctrl-C
// pressed at that moment would.
type cancelOn struct {
	next   http.RoundTripper
	method string
	path   string
	cancel context.CancelFunc
}

func (c cancelOn) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.Method == c.method && r.URL.Path == c.path {
		c.cancel()
	}
	return c.next.RoundTrip(r)
}

func TestCancelledRunStillRollsBack(t *testing.T) {
	cloud, g := setup(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	run := *g
	run.HTTP = &http.Client{Transport: cancelOn{next: cloud.Client().Transport, method: "POST", path: "/v1.0/servicePrincipals", cancel: cancel}}
	if _, err := Run(ctx, &run, options()); !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v", err)
	}
	var apps list[application]
	_ = g.do(context.Background(), "GET", "/applications", nil, &apps)
	if len(apps.Value) != 0 {
		t.Fatalf("%d apps left after a cancelled run", len(apps.Value))
	}
}

func TestUnknownClientIDIsNamed(t *testing.T) {
	_, g := setup(t)
	opts := options()
	opts.ClientID = "0b1c2d3e-4f50-4a6b-8c7d-8e9fa0b1c2d3"
	if _, err := Run(context.Background(), g, opts); err == nil || !strings.Contains(err.Error(), opts.ClientID) {
		t.Fatalf("err = %v", err)
	}
}

func TestReachAddsTheDirectoryAndInstallPermissionsOnlyWhenAsked(t *testing.T) {
	cloud, g := setup(t)
	first, err := Run(context.Background(), g, options())
	if err != nil {
		t.Fatal(err)
	}
	opts := options()
	opts.ClientID, opts.Reach, opts.Rotate = first.ClientID, true, true
	res, err := Run(context.Background(), g, opts)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"AppCatalog.Read.All", "Application.Read.All", "TeamsActivity.Send", "TeamsAppInstallation.ReadWriteSelfForUser.All", "User.Read.All"}
	if roles := appRoles(t, cloud, res.ClientID, res.ClientSecret); !slices.Equal(roles, want) {
		t.Errorf("roles %v, want %v", roles, want)
	}
}

func TestLeastPrivilegeGrantsNoTenantWideActivityPermission(t *testing.T) {
	cloud, g := setup(t)
	opts := options()
	opts.LeastPrivilege = true
	res, err := Run(context.Background(), g, opts)
	if err != nil {
		t.Fatal(err)
	}
	if roles := appRoles(t, cloud, res.ClientID, res.ClientSecret); !slices.Equal(roles, []string{"AppCatalog.Read.All", "Application.Read.All"}) {
		t.Errorf("roles %v", roles)
	}
}
