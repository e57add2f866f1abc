package msfake

import (
	"fmt"
	"net/http"
	"strings"
)

// passwordCredential is a client secret as Graph lists it: never the
// secret itself, only its first three characters.
type passwordCredential struct {
	CustomKeyIdentifier *string `json:"customKeyIdentifier"`
	DisplayName         string  `json:"displayName"`
	EndDateTime         string  `json:"endDateTime"`
	Hint                string  `json:"hint"`
	KeyID               string  `json:"keyId"`
	SecretText          *string `json:"secretText"`
	StartDateTime       string  `json:"startDateTime"`
}

// graphObject is GET /v1.0/{segment} for the addressing forms the fake
// knows: applications(appId='<client ID>').
func (c *Cloud) graphObject(w http.ResponseWriter, r *http.Request, caller graphCaller) {
	seg := r.PathValue("object")
	if appID, ok := keyedSegment(seg, "applications", "appId"); ok {
		c.getApplication(w, r, caller, appID)
		return
	}
	c.graphNotFound(w, r, caller)
}

// keyedSegment parses `<set>(<key>='<value>')`.
func keyedSegment(seg, set, key string) (string, bool) {
	rest, ok := strings.CutPrefix(seg, set+"("+key+"='")
	if !ok {
		return "", false
	}
	value, ok := strings.CutSuffix(rest, "')")
	return value, ok && value != "" && !strings.Contains(value, "'")
}

// getApplication answers an application object, which needs one of the
// directory read permissions the notification permissions do not give.
func (c *Cloud) getApplication(w http.ResponseWriter, r *http.Request, caller graphCaller, appID string) {
	if !hasAnyRole(caller, "Application.Read.All", "Application.ReadWrite.All", "Directory.Read.All") {
		writeGraphError(w, r, http.StatusForbidden, "Authorization_RequestDenied", "Insufficient privileges to complete the operation.")
		return
	}
	c.graph.mu.Lock()
	app := c.graph.dir(caller.tenant).apps[strings.ToLower(appID)]
	var out application
	if app != nil {
		out = c.applicationJSON(app)
	}
	c.graph.mu.Unlock()
	if app == nil {
		writeGraphError(w, r, http.StatusNotFound, "Request_ResourceNotFound", fmt.Sprintf(
			"Resource '%s' does not exist or one of its queried reference-property objects are not present.", appID))
		return
	}
	graphHeaders(w, r)
	writeJSON(w, http.StatusOK, noCache, out)
}

func hint(secret string) string {
	if len(secret) > 3 {
		return secret[:3]
	}
	return secret
}

func hasAnyRole(caller graphCaller, roles ...string) bool {
	for _, want := range roles {
		for _, have := range caller.roles {
			if have == want {
				return true
			}
		}
	}
	return false
}
