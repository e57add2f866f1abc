package msfake

import (
	"slices"
	"strings"
	"time"
)

// Microsoft Graph's permission IDs in every tenant, as Microsoft
// publishes them.
const (
	RoleTeamsActivitySend   = "a267235f-af13-44dc-8385-c1dc93023186"
	RoleAppCatalogReadAll   = "e12dae10-5a57-4817-b79d-dfbec5348930"
	RoleApplicationReadAll  = "9a5d68dd-52b0-4cc2-bd40-abcf44ac3a30"
	ScopeUserRead           = "e1fe6dd8-ba31-4d61-89e7-88639da4683d"
	graphAppRolesDescriptor = "Microsoft Graph"
)

// graphAppRoles are the application permissions the fake's Graph service
// principal offers, by ID.
var graphAppRoles = map[string]string{
	RoleTeamsActivitySend:                  "TeamsActivity.Send",
	RoleAppCatalogReadAll:                  "AppCatalog.Read.All",
	RoleApplicationReadAll:                 "Application.Read.All",
	"1bfefb4e-e0b5-418b-a88f-73c46d2cc8e9": "Application.ReadWrite.All",
	"df021288-bdef-4463-88db-98f22de89214": "User.Read.All",
	"97235f07-e226-4f63-ace3-39588e11d3a1": "User.ReadBasic.All",
	"9ce09611-f4f7-4abd-a629-a05450422a97": "TeamsAppInstallation.ReadForUser.All",
	"908de74d-f8b2-4d6b-a9ed-2a17b3b78179": "TeamsAppInstallation.ReadWriteSelfForUser.All",
	"74ef0291-ca83-4d02-8c7e-d2391e6a444f": "TeamsAppInstallation.ReadWriteForUser.All",
}

// graphScopes are its delegated permissions, by ID.
var graphScopes = map[string]string{
	ScopeUserRead:                          "User.Read",
	"c79f8feb-a9db-4090-85f9-90d820caa0eb": "Application.Read.All",
}

func roleID(value string) string {
	for id, v := range graphAppRoles {
		if v == value {
			return id
		}
	}
	return ""
}

// secretCred is a client secret of an application.
type secretCred struct {
	keyID       string
	displayName string
	value       string
	start, end  time.Time
}

// dirApp is an application object (an app registration).
type dirApp struct {
	id, appID, displayName string
	signInAudience         string
	identifierURIs         []string
	scopes                 []permissionScope
	preAuthorized          []preAuthorizedApplication
	requiredAccess         []requiredResourceAccess
	secrets                []*secretCred
}

// dirSP is a service principal: an app's presence in a tenant.
type dirSP struct {
	id, appID, displayName string
}

type roleAssignment struct {
	id, principalID, resourceID, appRoleID string
	created                                time.Time
}

type permissionGrant struct {
	id, clientID, consentType, resourceID, scope string
}

// tenantDir is one tenant's directory: app registrations, service
// principals, admin consent.
type tenantDir struct {
	apps        map[string]*dirApp // by appId, lower case
	sps         map[string]*dirSP  // by object ID
	graphSP     *dirSP
	assignments []*roleAssignment
	grants      []*permissionGrant
}

func newTenantDir() *tenantDir {
	g := &dirSP{id: newGUID(), appID: GraphAppID, displayName: graphAppRolesDescriptor}
	return &tenantDir{apps: map[string]*dirApp{}, sps: map[string]*dirSP{g.id: g}, graphSP: g}
}

// dir returns a tenant's directory, creating it; the caller holds mu.
func (g *graphState) dir(tenant string) *tenantDir {
	t := strings.ToLower(tenant)
	if g.dirs[t] == nil {
		g.dirs[t] = newTenantDir()
	}
	return g.dirs[t]
}

func (d *tenantDir) spOf(appID string) *dirSP {
	for _, sp := range d.sps {
		if strings.EqualFold(sp.appID, appID) {
			return sp
		}
	}
	return nil
}

func (d *tenantDir) appByObjectID(id string) *dirApp {
	for _, a := range d.apps {
		if a.id == id {
			return a
		}
	}
	return nil
}

// rolesOf are the Graph application permissions granted to a service
// principal, as its tokens carry them.
func (d *tenantDir) rolesOf(spID string) []string {
	var out []string
	for _, a := range d.assignments {
		if a.principalID == spID && a.resourceID == d.graphSP.id {
			if v, ok := graphAppRoles[a.appRoleID]; ok && !slices.Contains(out, v) {
				out = append(out, v)
			}
		}
	}
	slices.Sort(out)
	return out
}

// setRoles replaces a service principal's Graph application permissions.
func (d *tenantDir) setRoles(spID string, values []string, now time.Time) {
	d.assignments = slices.DeleteFunc(d.assignments, func(a *roleAssignment) bool {
		return a.principalID == spID && a.resourceID == d.graphSP.id
	})
	for _, v := range values {
		if id := roleID(v); id != "" {
			d.assignments = append(d.assignments, &roleAssignment{id: newGUID(), principalID: spID, resourceID: d.graphSP.id, appRoleID: id, created: now})
		}
	}
}

// latestSecret is the secret added last, or nil.
func (a *dirApp) latestSecret() *secretCred {
	if len(a.secrets) == 0 {
		return nil
	}
	return a.secrets[len(a.secrets)-1]
}
