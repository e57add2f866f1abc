package msfake

import (
	"encoding/base64"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// GraphAppID is the application ID of Microsoft Graph, which Entra also
// accepts as the resource in a scope ("<GraphAppID>/.default").
const GraphAppID = "00000003-0000-0000-c000-000000000000"

// defaultAppTokenLifetime is what Entra reports as expires_in for app-only
// tokens: an hour less a second.
const defaultAppTokenLifetime = 3599 * time.Second

// AppRoles are the application permissions (roles) an app registered
// with RegisterApp is consented to; SetAppRoles changes an app's.
var AppRoles = []string{"TeamsActivity.Send", "AppCatalog.Read.All"}

// defaultSecretLife is how long a registered app's secret is valid: the
// portal's recommended 180 days.
const defaultSecretLife = 180 * 24 * time.Hour

// RegisterApp registers a confidential client in tenant, as an admin does
// in the portal: an app registration with one client secret, its service
// principal, and admin consent for AppRoles. Registering again replaces
// the secret (when it differs). A tenant is known to the token endpoint
// once it has an app.
func (c *Cloud) RegisterApp(tenant, clientID, secret string) {
	c.graph.mu.Lock()
	defer c.graph.mu.Unlock()
	d := c.graph.dir(tenant)
	id := strings.ToLower(clientID)
	now := c.graph.clock()
	app := d.apps[id]
	if app == nil {
		app = &dirApp{id: newGUID(), appID: id, displayName: "App " + id, signInAudience: "AzureADMyOrg"}
		d.apps[id] = app
		sp := &dirSP{id: newGUID(), appID: id, displayName: app.displayName}
		d.sps[sp.id] = sp
		d.setRoles(sp.id, AppRoles, now)
	}
	if s := app.latestSecret(); s == nil || s.value != secret {
		app.secrets = []*secretCred{{keyID: newGUID(), displayName: "Mattermost", value: secret, start: now, end: now.Add(defaultSecretLife)}}
	}
}

// SetAppRoles sets the application permissions a registered app is
// consented to, as an admin granting or revoking consent does; tokens
// issued from now on carry them.
func (c *Cloud) SetAppRoles(tenant, clientID string, roles ...string) {
	c.graph.mu.Lock()
	defer c.graph.mu.Unlock()
	d := c.graph.dir(tenant)
	if sp := d.spOf(clientID); sp != nil {
		d.setRoles(sp.id, roles, c.graph.clock())
	}
}

// SetSecretExpiry sets when a registered app's latest client secret
// expires; after it, the token endpoint refuses the secret as Entra does.
func (c *Cloud) SetSecretExpiry(tenant, clientID string, end time.Time) {
	c.graph.mu.Lock()
	defer c.graph.mu.Unlock()
	if app := c.graph.dir(tenant).apps[strings.ToLower(clientID)]; app != nil {
		if s := app.latestSecret(); s != nil {
			s.end = end
		}
	}
}

// SetTokenLifetime sets the lifetime (exp - iat, and expires_in) of the
// app-only tokens issued from now on; 0 or less restores the default of
// 3599 seconds. Use it to test Graph's rules on a token's remaining life.
func (c *Cloud) SetTokenLifetime(d time.Duration) {
	c.graph.mu.Lock()
	defer c.graph.mu.Unlock()
	if d <= 0 {
		d = defaultAppTokenLifetime
	}
	c.graph.tokenLifetime = d
}

// tokenResponse is Entra's successful token endpoint answer for the
// client credentials grant (no refresh or ID token).
type tokenResponse struct {
	TokenType    string `json:"token_type"`
	ExpiresIn    int64  `json:"expires_in"`
	ExtExpiresIn int64  `json:"ext_expires_in"`
	AccessToken  string `json:"access_token"`
}

// token is POST /{tenant}/oauth2/v2.0/token for the client credentials
// grant with a client secret, in the form body (client_secret_post) or
// HTTP Basic authentication (client_secret_basic).
func (c *Cloud) token(w http.ResponseWriter, r *http.Request, tenant string) {
	if err := r.ParseForm(); err != nil {
		c.writeError(w, http.StatusBadRequest, "invalid_request", 900144,
			"The request body must contain the following parameter: 'grant_type'.")
		return
	}
	form := r.PostForm
	if form.Get("grant_type") == deviceGrantType {
		c.deviceToken(w, r, tenant)
		return
	}
	clientID, secret := form.Get("client_id"), form.Get("client_secret")
	if u, p, ok := r.BasicAuth(); ok {
		// RFC 6749 2.3.1: both are form-urlencoded before Basic encoding.
		if v, err := url.QueryUnescape(u); err == nil {
			u = v
		}
		if v, err := url.QueryUnescape(p); err == nil {
			p = v
		}
		clientID, secret = u, p
	}

	c.graph.mu.Lock()
	d, knownTenant := c.graph.dirs[strings.ToLower(tenant)]
	var sp *dirSP
	var matched *secretCred
	var roles []string
	knownApp := false
	if knownTenant {
		app := d.apps[strings.ToLower(clientID)]
		sp = d.spOf(clientID)
		knownApp = app != nil && sp != nil
		if knownApp {
			for _, s := range app.secrets {
				if s.value == secret && secret != "" {
					matched = s
				}
			}
			roles = d.rolesOf(sp.id)
		}
	}
	lifetime := c.graph.tokenLifetime
	now := c.graph.clock()
	c.graph.mu.Unlock()

	switch {
	case !knownTenant:
		c.writeInvalidTenant(w, tenant)
	case form.Get("grant_type") == "":
		c.writeError(w, http.StatusBadRequest, "invalid_request", 900144,
			"The request body must contain the following parameter: 'grant_type'.")
	case form.Get("grant_type") != "client_credentials":
		c.writeError(w, http.StatusBadRequest, "unsupported_grant_type", 70003,
			fmt.Sprintf("The app requested an unsupported grant type '%s'.", form.Get("grant_type")))
	case clientID == "":
		c.writeError(w, http.StatusBadRequest, "invalid_request", 900144,
			"The request body must contain the following parameter: 'client_id'.")
	case !knownApp:
		c.writeError(w, http.StatusBadRequest, "unauthorized_client", 700016, fmt.Sprintf(
			"Application with identifier '%s' was not found in the directory '%s'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You may have sent your authentication request to the wrong tenant.",
			clientID, tenant))
	case secret == "":
		c.writeError(w, http.StatusUnauthorized, "invalid_client", 7000218,
			"The request body must contain the following parameter: 'client_assertion' or 'client_secret'.")
	case matched != nil && !now.Before(matched.end):
		c.writeError(w, http.StatusUnauthorized, "invalid_client", 7000222, fmt.Sprintf(
			"The provided client secret keys for app '%s' are expired. Visit the Azure portal to create new keys for your app: https://aka.ms/NewClientSecret, or consider using certificate credentials for added security: https://aka.ms/certCreds.",
			clientID))
	case matched == nil:
		c.writeError(w, http.StatusUnauthorized, "invalid_client", 7000215, fmt.Sprintf(
			"Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '%s'.",
			clientID))
	case form.Get("scope") == "":
		c.writeError(w, http.StatusBadRequest, "invalid_request", 900144,
			"The request body must contain the following parameter: 'scope'.")
	case !strings.HasSuffix(form.Get("scope"), "/.default") || strings.Contains(form.Get("scope"), " "):
		c.writeError(w, http.StatusBadRequest, "invalid_scope", 1002012, fmt.Sprintf(
			"The provided value for scope %s is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI).",
			form.Get("scope")))
	case !c.isGraphResource(strings.TrimSuffix(form.Get("scope"), "/.default")):
		c.writeError(w, http.StatusBadRequest, "invalid_resource", 500011, fmt.Sprintf(
			"The resource principal named %s was not found in the tenant named %s. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You might have sent your authentication request to the wrong tenant.",
			strings.TrimSuffix(form.Get("scope"), "/.default"), tenant))
	default:
		raw := c.Sign(c.appToken(tenant, clientID, sp.id, roles, now, lifetime))
		secs := int64(lifetime / time.Second)
		writeJSON(w, http.StatusOK, noCache, tokenResponse{
			TokenType:    "Bearer",
			ExpiresIn:    secs,
			ExtExpiresIn: secs,
			AccessToken:  raw,
		})
	}
}

// isGraphResource reports whether resource names the fake Graph: its URL
// (with or without a trailing slash) or Graph's application ID.
func (c *Cloud) isGraphResource(resource string) bool {
	return strings.TrimSuffix(resource, "/") == c.url || strings.EqualFold(resource, GraphAppID)
}

// appToken is the v1 app-only access token Entra issues to clientID for
// Graph, not yet signed.
func (c *Cloud) appToken(tenant, clientID, objectID string, roles []string, now time.Time, lifetime time.Duration) Token {
	kid := c.CurrentKID()
	iat := now.Unix()
	tid := strings.ToLower(tenant)
	return Token{
		Header: map[string]any{"typ": "JWT", "alg": "RS256", "kid": kid, "x5t": kid},
		Claims: map[string]any{
			"aud":      c.url,
			"iss":      c.IssuerV1(tid),
			"iat":      iat,
			"nbf":      iat,
			"exp":      now.Add(lifetime).Unix(),
			"aio":      opaque(48, base64.StdEncoding),
			"appid":    clientID,
			"appidacr": "1",
			"idp":      c.IssuerV1(tid),
			"idtyp":    "app",
			"oid":      objectID,
			"rh":       "0.A" + opaque(48, base64.RawURLEncoding) + ".",
			"roles":    append([]string(nil), roles...),
			"sub":      objectID,
			"tid":      tid,
			"uti":      opaque(16, base64.RawURLEncoding),
			"ver":      "1.0",
		},
	}
}
