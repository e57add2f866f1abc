package msfake

import (
	"encoding/base64"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"
)

// deviceGrantType is the token request grant of the device code flow.
const deviceGrantType = "urn:ietf:params:oauth:grant-type:device_code"

// deviceLogin is a device code sign-in waiting for, or given, approval.
type deviceLogin struct {
	tenant, clientID string
	userCode         string
	scopes           []string
	approved         bool
	expires          time.Time
}

type deviceLogins struct {
	mu     sync.Mutex
	byCode map[string]*deviceLogin // by device code
}

// deviceCode is POST /{tenant}/oauth2/v2.0/devicecode.
func (c *Cloud) deviceCode(w http.ResponseWriter, r *http.Request, tenant string) {
	if err := r.ParseForm(); err != nil || r.PostForm.Get("client_id") == "" {
		c.writeError(w, http.StatusBadRequest, "invalid_request", 900144,
			"The request body must contain the following parameter: 'client_id'.")
		return
	}
	dl := &deviceLogin{
		tenant: strings.ToLower(tenant), clientID: r.PostForm.Get("client_id"),
		userCode: strings.ToUpper(opaque(6, base64.RawStdEncoding)[:8]),
		scopes:   graphScopesOf(r.PostForm.Get("scope")),
		expires:  time.Now().Add(15 * time.Minute),
	}
	device := opaque(32, base64.RawURLEncoding)
	c.devices.mu.Lock()
	if c.devices.byCode == nil {
		c.devices.byCode = map[string]*deviceLogin{}
	}
	c.devices.byCode[device] = dl
	c.devices.mu.Unlock()
	verify := c.url + "/devicelogin"
	writeJSON(w, http.StatusOK, noCache, map[string]any{
		"user_code": dl.userCode, "device_code": device, "verification_uri": verify,
		"expires_in": 900, "interval": 1,
		"message": fmt.Sprintf("To sign in, use a web browser to open the page %s and enter the code %s to authenticate.", verify, dl.userCode),
	})
}

// graphScopesOf keeps the Graph permissions of a requested scope list.
func graphScopesOf(scope string) []string {
	var out []string
	for _, s := range strings.Fields(scope) {
		if i := strings.LastIndex(s, "/"); i >= 0 {
			s = s[i+1:]
		}
		switch s {
		case "", "openid", "profile", "offline_access", ".default":
			continue
		}
		out = append(out, s)
	}
	return out
}

// ApproveDeviceCode signs in an administrator for the device code login
// showing userCode, as they would in a browser; false if there is none.
func (c *Cloud) ApproveDeviceCode(userCode string) bool {
	c.devices.mu.Lock()
	defer c.devices.mu.Unlock()
	for _, dl := range c.devices.byCode {
		if dl.userCode == userCode {
			dl.approved = true
			return true
		}
	}
	return false
}

// deviceToken answers the token request of the device code flow.
func (c *Cloud) deviceToken(w http.ResponseWriter, r *http.Request, tenant string) {
	c.devices.mu.Lock()
	dl := c.devices.byCode[r.PostForm.Get("device_code")]
	c.devices.mu.Unlock()
	switch {
	case dl == nil || dl.tenant != strings.ToLower(tenant) || dl.clientID != r.PostForm.Get("client_id"):
		c.writeError(w, http.StatusBadRequest, "invalid_grant", 70000, "The provided value for the input parameter 'device_code' is not valid.")
	case time.Now().After(dl.expires):
		c.writeError(w, http.StatusBadRequest, "expired_token", 70020, "The provided value for the input parameter 'device_code' is not valid. This device code has expired.")
	case !dl.approved:
		c.writeError(w, http.StatusBadRequest, "authorization_pending", 70016, "OAuth 2.0 device flow error. Authorization is pending. Continue polling.")
	default:
		c.devices.mu.Lock()
		delete(c.devices.byCode, r.PostForm.Get("device_code"))
		c.devices.mu.Unlock()
		writeJSON(w, http.StatusOK, noCache, map[string]any{
			"token_type": "Bearer", "scope": strings.Join(dl.scopes, " "), "expires_in": 3599,
			"access_token": c.AdminToken(tenant, dl.scopes...),
		})
	}
}

// AdminToken is a delegated Graph token of an administrator of tenant
// with the given scopes, as the device code flow gives one.
func (c *Cloud) AdminToken(tenant string, scopes ...string) string {
	c.graph.mu.Lock()
	c.graph.dir(tenant)
	now := c.graph.clock()
	wids := c.graph.adminRolesOf(tenant)
	c.graph.mu.Unlock()
	kid := c.CurrentKID()
	tid := strings.ToLower(tenant)
	return c.Sign(Token{
		Header: map[string]any{"typ": "JWT", "alg": "RS256", "kid": kid},
		Claims: map[string]any{
			"aud": c.url, "iss": c.IssuerV1(tid), "tid": tid,
			"iat": now.Unix(), "nbf": now.Unix(), "exp": now.Add(time.Hour).Unix(),
			"oid": newGUID(), "upn": "admin@" + tid, "name": "Tenant Admin",
			"scp": strings.Join(scopes, " "), "ver": "1.0", "wids": wids,
		},
	})
}
