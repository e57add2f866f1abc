package msfake

import (
	"net/http"
	"net/url"
)

// Values Entra's discovery documents carry for the public cloud.
const (
	cloudInstanceName  = "microsoftonline.com"
	cloudGraphHostName = "graph.windows.net"
	rbacURL            = "https://pas.windows.net"
	tenantRegionScope  = "NA"
)

// discoveryDocV2 is the v2.0 OpenID configuration, fields in Entra's order.
type discoveryDocV2 struct {
	TokenEndpoint                     string   `json:"token_endpoint"`
	TokenEndpointAuthMethodsSupported []string `json:"token_endpoint_auth_methods_supported"`
	JWKSURI                           string   `json:"jwks_uri"`
	ResponseModesSupported            []string `json:"response_modes_supported"`
	SubjectTypesSupported             []string `json:"subject_types_supported"`
	IDTokenSigningAlgValuesSupported  []string `json:"id_token_signing_alg_values_supported"`
	ResponseTypesSupported            []string `json:"response_types_supported"`
	ScopesSupported                   []string `json:"scopes_supported"`
	Issuer                            string   `json:"issuer"`
	RequestURIParameterSupported      bool     `json:"request_uri_parameter_supported"`
	UserinfoEndpoint                  string   `json:"userinfo_endpoint"`
	AuthorizationEndpoint             string   `json:"authorization_endpoint"`
	DeviceAuthorizationEndpoint       string   `json:"device_authorization_endpoint"`
	HTTPLogoutSupported               bool     `json:"http_logout_supported"`
	FrontchannelLogoutSupported       bool     `json:"frontchannel_logout_supported"`
	EndSessionEndpoint                string   `json:"end_session_endpoint"`
	ClaimsSupported                   []string `json:"claims_supported"`
	KerberosEndpoint                  string   `json:"kerberos_endpoint"`
	TenantRegionScope                 *string  `json:"tenant_region_scope"`
	CloudInstanceName                 string   `json:"cloud_instance_name"`
	CloudGraphHostName                string   `json:"cloud_graph_host_name"`
	MSGraphHost                       string   `json:"msgraph_host"`
	RBACURL                           string   `json:"rbac_url"`
}

// discoveryDocV1 is the v1 OpenID configuration, fields in Entra's order.
type discoveryDocV1 struct {
	TokenEndpoint                     string   `json:"token_endpoint"`
	TokenEndpointAuthMethodsSupported []string `json:"token_endpoint_auth_methods_supported"`
	JWKSURI                           string   `json:"jwks_uri"`
	ResponseModesSupported            []string `json:"response_modes_supported"`
	SubjectTypesSupported             []string `json:"subject_types_supported"`
	IDTokenSigningAlgValuesSupported  []string `json:"id_token_signing_alg_values_supported"`
	ResponseTypesSupported            []string `json:"response_types_supported"`
	ScopesSupported                   []string `json:"scopes_supported"`
	Issuer                            string   `json:"issuer"`
	MicrosoftMultiRefreshToken        bool     `json:"microsoft_multi_refresh_token"`
	AuthorizationEndpoint             string   `json:"authorization_endpoint"`
	DeviceAuthorizationEndpoint       string   `json:"device_authorization_endpoint"`
	HTTPLogoutSupported               bool     `json:"http_logout_supported"`
	FrontchannelLogoutSupported       bool     `json:"frontchannel_logout_supported"`
	EndSessionEndpoint                string   `json:"end_session_endpoint"`
	ClaimsSupported                   []string `json:"claims_supported"`
	CheckSessionIframe                string   `json:"check_session_iframe"`
	UserinfoEndpoint                  string   `json:"userinfo_endpoint"`
	KerberosEndpoint                  string   `json:"kerberos_endpoint"`
	TenantRegionScope                 *string  `json:"tenant_region_scope"`
	CloudInstanceName                 string   `json:"cloud_instance_name"`
	CloudGraphHostName                string   `json:"cloud_graph_host_name"`
	MSGraphHost                       string   `json:"msgraph_host"`
	RBACURL                           string   `json:"rbac_url"`
}

var tokenEndpointAuthMethods = []string{"client_secret_post", "private_key_jwt", "client_secret_basic"}

// regionScope is null for the multi-tenant documents, as in Entra.
func regionScope(tenant string) *string {
	if isMultiTenant(tenant) {
		return nil
	}
	s := tenantRegionScope
	return &s
}

// graphHost stands in for graph.microsoft.com: Graph will be served by
// this same fake.
func (c *Cloud) graphHost() string {
	u, _ := url.Parse(c.url)
	return u.Host
}

// discoveryV2 serves GET /{tenant}/v2.0/.well-known/openid-configuration.
func (c *Cloud) discoveryV2(w http.ResponseWriter, _ *http.Request, tenant string) {
	base := c.url + "/" + tenant
	writeJSON(w, http.StatusOK, dayCache, discoveryDocV2{
		TokenEndpoint:                     base + "/oauth2/v2.0/token",
		TokenEndpointAuthMethodsSupported: tokenEndpointAuthMethods,
		JWKSURI:                           base + "/discovery/v2.0/keys",
		ResponseModesSupported:            []string{"query", "fragment", "form_post"},
		SubjectTypesSupported:             []string{"pairwise"},
		IDTokenSigningAlgValuesSupported:  []string{"RS256"},
		ResponseTypesSupported:            []string{"code", "id_token", "code id_token", "id_token token"},
		ScopesSupported:                   []string{"openid", "profile", "email", "offline_access"},
		Issuer:                            c.url + "/" + issuerTenant(tenant) + "/v2.0",
		RequestURIParameterSupported:      false,
		UserinfoEndpoint:                  c.url + "/oidc/userinfo",
		AuthorizationEndpoint:             base + "/oauth2/v2.0/authorize",
		DeviceAuthorizationEndpoint:       base + "/oauth2/v2.0/devicecode",
		HTTPLogoutSupported:               true,
		FrontchannelLogoutSupported:       true,
		EndSessionEndpoint:                base + "/oauth2/v2.0/logout",
		ClaimsSupported: []string{"sub", "iss", "cloud_instance_name", "cloud_instance_host_name",
			"cloud_graph_host_name", "msgraph_host", "aud", "exp", "iat", "auth_time", "acr", "nonce",
			"preferred_username", "name", "tid", "ver", "at_hash", "c_hash", "email"},
		KerberosEndpoint:   base + "/kerberos",
		TenantRegionScope:  regionScope(tenant),
		CloudInstanceName:  cloudInstanceName,
		CloudGraphHostName: cloudGraphHostName,
		MSGraphHost:        c.graphHost(),
		RBACURL:            rbacURL,
	})
}

// discoveryV1 serves GET /{tenant}/.well-known/openid-configuration. Its
// issuer is sts.windows.net, not the authority, and its keys are the
// common ones.
func (c *Cloud) discoveryV1(w http.ResponseWriter, _ *http.Request, tenant string) {
	base := c.url + "/" + tenant
	writeJSON(w, http.StatusOK, dayCache, discoveryDocV1{
		TokenEndpoint:                     base + "/oauth2/token",
		TokenEndpointAuthMethodsSupported: tokenEndpointAuthMethods,
		JWKSURI:                           c.url + "/common/discovery/keys",
		ResponseModesSupported:            []string{"query", "fragment", "form_post"},
		SubjectTypesSupported:             []string{"pairwise"},
		IDTokenSigningAlgValuesSupported:  []string{"RS256"},
		ResponseTypesSupported:            []string{"code", "id_token", "code id_token", "token id_token", "token"},
		ScopesSupported:                   []string{"openid"},
		Issuer:                            "https://sts.windows.net/" + issuerTenant(tenant) + "/",
		MicrosoftMultiRefreshToken:        true,
		AuthorizationEndpoint:             base + "/oauth2/authorize",
		DeviceAuthorizationEndpoint:       base + "/oauth2/devicecode",
		HTTPLogoutSupported:               true,
		FrontchannelLogoutSupported:       true,
		EndSessionEndpoint:                base + "/oauth2/logout",
		ClaimsSupported: []string{"sub", "iss", "cloud_instance_name", "cloud_instance_host_name",
			"cloud_graph_host_name", "msgraph_host", "aud", "exp", "iat", "auth_time", "acr", "amr",
			"nonce", "email", "given_name", "family_name", "nickname"},
		CheckSessionIframe: base + "/oauth2/checksession",
		UserinfoEndpoint:   base + "/openid/userinfo",
		KerberosEndpoint:   base + "/kerberos",
		TenantRegionScope:  regionScope(tenant),
		CloudInstanceName:  cloudInstanceName,
		CloudGraphHostName: cloudGraphHostName,
		MSGraphHost:        c.graphHost(),
		RBACURL:            rbacURL,
	})
}
