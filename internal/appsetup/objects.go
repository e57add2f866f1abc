package appsetup

// Graph's JSON shapes of the directory objects the setup reads and writes.

type scope struct {
	ID                      string `json:"id"`
	Value                   string `json:"value"`
	Type                    string `json:"type"`
	IsEnabled               bool   `json:"isEnabled"`
	AdminConsentDisplayName string `json:"adminConsentDisplayName"`
	AdminConsentDescription string `json:"adminConsentDescription"`
	UserConsentDisplayName  string `json:"userConsentDisplayName"`
	UserConsentDescription  string `json:"userConsentDescription"`
}

type preAuthorized struct {
	AppID                  string   `json:"appId"`
	DelegatedPermissionIDs []string `json:"delegatedPermissionIds"`
}

type access struct {
	ID   string `json:"id"`
	Type string `json:"type"`
}

type resourceAccess struct {
	ResourceAppID  string   `json:"resourceAppId"`
	ResourceAccess []access `json:"resourceAccess"`
}

type apiSettings struct {
	OAuth2PermissionScopes    []scope         `json:"oauth2PermissionScopes"`
	PreAuthorizedApplications []preAuthorized `json:"preAuthorizedApplications"`
}

type password struct {
	KeyID       string  `json:"keyId"`
	DisplayName string  `json:"displayName"`
	EndDateTime string  `json:"endDateTime"`
	SecretText  *string `json:"secretText"`
}

type application struct {
	ID                     string           `json:"id"`
	AppID                  string           `json:"appId"`
	DisplayName            string           `json:"displayName"`
	SignInAudience         string           `json:"signInAudience"`
	IdentifierURIs         []string         `json:"identifierUris"`
	API                    apiSettings      `json:"api"`
	RequiredResourceAccess []resourceAccess `json:"requiredResourceAccess"`
	PasswordCredentials    []password       `json:"passwordCredentials"`
}

type appRole struct {
	ID    string `json:"id"`
	Value string `json:"value"`
}

type servicePrincipal struct {
	ID                     string    `json:"id"`
	AppID                  string    `json:"appId"`
	AppRoles               []appRole `json:"appRoles"`
	OAuth2PermissionScopes []scope   `json:"oauth2PermissionScopes"`
}

type roleAssignment struct {
	ID          string `json:"id"`
	PrincipalID string `json:"principalId"`
	ResourceID  string `json:"resourceId"`
	AppRoleID   string `json:"appRoleId"`
}

type grant struct {
	ID          string `json:"id"`
	ClientID    string `json:"clientId"`
	ConsentType string `json:"consentType"`
	ResourceID  string `json:"resourceId"`
	Scope       string `json:"scope"`
}

type list[T any] struct {
	Value []T `json:"value"`
}
