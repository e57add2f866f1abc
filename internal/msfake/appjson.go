package msfake

import "time"

// Graph's JSON shapes of directory objects.

type permissionScope struct {
	ID                      string `json:"id"`
	Value                   string `json:"value"`
	Type                    string `json:"type"`
	IsEnabled               bool   `json:"isEnabled"`
	AdminConsentDisplayName string `json:"adminConsentDisplayName"`
	AdminConsentDescription string `json:"adminConsentDescription"`
	UserConsentDisplayName  string `json:"userConsentDisplayName"`
	UserConsentDescription  string `json:"userConsentDescription"`
}

type preAuthorizedApplication struct {
	AppID                  string   `json:"appId"`
	DelegatedPermissionIDs []string `json:"delegatedPermissionIds"`
}

type resourceAccess struct {
	ID   string `json:"id"`
	Type string `json:"type"`
}

type requiredResourceAccess struct {
	ResourceAppID  string           `json:"resourceAppId"`
	ResourceAccess []resourceAccess `json:"resourceAccess"`
}

type apiApplication struct {
	OAuth2PermissionScopes    []permissionScope          `json:"oauth2PermissionScopes"`
	PreAuthorizedApplications []preAuthorizedApplication `json:"preAuthorizedApplications"`
}

type application struct {
	Context                string                   `json:"@odata.context,omitempty"`
	ID                     string                   `json:"id"`
	AppID                  string                   `json:"appId"`
	DisplayName            string                   `json:"displayName"`
	SignInAudience         string                   `json:"signInAudience"`
	IdentifierURIs         []string                 `json:"identifierUris"`
	API                    apiApplication           `json:"api"`
	RequiredResourceAccess []requiredResourceAccess `json:"requiredResourceAccess"`
	PasswordCredentials    []passwordCredential     `json:"passwordCredentials"`
}

type appRole struct {
	ID                 string   `json:"id"`
	Value              string   `json:"value"`
	IsEnabled          bool     `json:"isEnabled"`
	AllowedMemberTypes []string `json:"allowedMemberTypes"`
}

type servicePrincipal struct {
	ID                     string            `json:"id"`
	AppID                  string            `json:"appId"`
	DisplayName            string            `json:"displayName"`
	AppRoles               []appRole         `json:"appRoles"`
	OAuth2PermissionScopes []permissionScope `json:"oauth2PermissionScopes"`
}

type appRoleAssignment struct {
	ID              string `json:"id"`
	PrincipalID     string `json:"principalId"`
	ResourceID      string `json:"resourceId"`
	AppRoleID       string `json:"appRoleId"`
	CreatedDateTime string `json:"createdDateTime"`
}

type oauth2PermissionGrant struct {
	ID          string `json:"id"`
	ClientID    string `json:"clientId"`
	ConsentType string `json:"consentType"`
	ResourceID  string `json:"resourceId"`
	Scope       string `json:"scope"`
}

func (c *Cloud) applicationJSON(a *dirApp) application {
	out := application{
		Context: c.url + "/v1.0/$metadata#applications/$entity",
		ID:      a.id, AppID: a.appID, DisplayName: a.displayName, SignInAudience: a.signInAudience,
		IdentifierURIs:         nonNil(a.identifierURIs),
		API:                    apiApplication{OAuth2PermissionScopes: nonNil(a.scopes), PreAuthorizedApplications: nonNil(a.preAuthorized)},
		RequiredResourceAccess: nonNil(a.requiredAccess),
		PasswordCredentials:    []passwordCredential{},
	}
	for _, s := range a.secrets {
		out.PasswordCredentials = append(out.PasswordCredentials, passwordCredential{
			DisplayName: s.displayName, KeyID: s.keyID, Hint: hint(s.value),
			StartDateTime: s.start.UTC().Format(time.RFC3339), EndDateTime: s.end.UTC().Format(time.RFC3339),
		})
	}
	return out
}

func (d *tenantDir) spJSON(sp *dirSP) servicePrincipal {
	out := servicePrincipal{ID: sp.id, AppID: sp.appID, DisplayName: sp.displayName, AppRoles: []appRole{}, OAuth2PermissionScopes: []permissionScope{}}
	if sp == d.graphSP {
		for id, v := range graphAppRoles {
			out.AppRoles = append(out.AppRoles, appRole{ID: id, Value: v, IsEnabled: true, AllowedMemberTypes: []string{"Application"}})
		}
		for id, v := range graphScopes {
			out.OAuth2PermissionScopes = append(out.OAuth2PermissionScopes, permissionScope{ID: id, Value: v, Type: "User", IsEnabled: true})
		}
	}
	return out
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}
