package msfake

import (
	"encoding/json"
	"net/http"
)

// routes is every endpoint of the fake cloud. Add new ones (Microsoft
// Graph under /v1.0/ and /beta/, token endpoints…) here with method and
// path patterns; the catch-all answers anything else with Entra's 404.
func (c *Cloud) routes() *http.ServeMux {
	mux := http.NewServeMux()

	// Entra ID: OpenID discovery and signing keys.
	mux.HandleFunc("GET /{tenant}/v2.0/.well-known/openid-configuration", c.withTenant(c.discoveryV2))
	mux.HandleFunc("GET /{tenant}/.well-known/openid-configuration", c.withTenant(c.discoveryV1))
	mux.HandleFunc("GET /{tenant}/discovery/v2.0/keys", c.withTenant(c.keysV2))
	mux.HandleFunc("GET /{tenant}/discovery/keys", c.withTenant(c.keysV1))

	// Entra ID: the client credentials grant, for app-only Graph tokens.
	mux.HandleFunc("POST /{tenant}/oauth2/v2.0/token", c.withTenant(c.token))
	// Entra ID: the device code flow, for an administrator's sign-in.
	mux.HandleFunc("POST /{tenant}/oauth2/v2.0/devicecode", c.withTenant(c.deviceCode))

	// Microsoft Graph v1.0; other /v1.0/ and /beta/ paths are answered
	// by notFound as Graph answers an unknown segment.
	mux.HandleFunc("GET /v1.0/appCatalogs/teamsApps", c.graphRoute(c.listTeamsApps))
	mux.HandleFunc("POST /v1.0/appCatalogs/teamsApps", c.graphRoute(c.publishApp))
	mux.HandleFunc("POST /v1.0/appCatalogs/teamsApps/{id}/appDefinitions", c.graphRoute(c.addAppDefinition))
	mux.HandleFunc("POST /v1.0/teamwork/sendActivityNotificationToRecipients", c.graphRoute(c.sendToRecipients))
	mux.HandleFunc("GET /v1.0/users", c.graphRoute(c.listUsers))
	mux.HandleFunc("GET /v1.0/users/{user}/teamwork/installedApps", c.graphRoute(c.listInstalledApps))
	mux.HandleFunc("POST /v1.0/users/{user}/teamwork/installedApps", c.graphRoute(c.installApp))
	mux.HandleFunc("POST /v1.0/$batch", c.graphRoute(c.batch))
	mux.HandleFunc("GET /v1.0/{object}", c.graphRoute(c.graphObject))

	// Microsoft Graph v1.0: the directory, for setting up an app
	// registration (applications, service principals, admin consent).
	mux.HandleFunc("GET /v1.0/applications", c.graphRoute(c.listApplications))
	mux.HandleFunc("POST /v1.0/applications", c.graphRoute(c.createApplication))
	mux.HandleFunc("GET /v1.0/applications/{id}", c.graphRoute(c.getApplicationByID))
	mux.HandleFunc("PATCH /v1.0/applications/{id}", c.graphRoute(c.patchApplication))
	mux.HandleFunc("DELETE /v1.0/applications/{id}", c.graphRoute(c.deleteApplication))
	mux.HandleFunc("POST /v1.0/applications/{id}/addPassword", c.graphRoute(c.addPassword))
	mux.HandleFunc("POST /v1.0/applications/{id}/removePassword", c.graphRoute(c.removePassword))
	mux.HandleFunc("GET /v1.0/servicePrincipals", c.graphRoute(c.listServicePrincipals))
	mux.HandleFunc("POST /v1.0/servicePrincipals", c.graphRoute(c.createServicePrincipal))
	mux.HandleFunc("DELETE /v1.0/servicePrincipals/{id}", c.graphRoute(c.deleteServicePrincipal))
	mux.HandleFunc("GET /v1.0/servicePrincipals/{id}/appRoleAssignments", c.graphRoute(c.listAssignments))
	mux.HandleFunc("POST /v1.0/servicePrincipals/{id}/appRoleAssignments", c.graphRoute(c.assignRole))
	mux.HandleFunc("DELETE /v1.0/servicePrincipals/{id}/appRoleAssignments/{aid}", c.graphRoute(c.unassignRole))
	mux.HandleFunc("GET /v1.0/oauth2PermissionGrants", c.graphRoute(c.listGrants))
	mux.HandleFunc("POST /v1.0/oauth2PermissionGrants", c.graphRoute(c.createGrant))
	mux.HandleFunc("PATCH /v1.0/oauth2PermissionGrants/{id}", c.graphRoute(c.patchGrant))
	mux.HandleFunc("DELETE /v1.0/oauth2PermissionGrants/{id}", c.graphRoute(c.deleteGrant))

	mux.HandleFunc("/", c.notFound)
	return mux
}

// withTenant refuses a tenant path segment Entra would not accept and
// passes a valid one on.
func (c *Cloud) withTenant(next func(w http.ResponseWriter, r *http.Request, tenant string)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		tenant := r.PathValue("tenant")
		if !validTenant(tenant) {
			c.writeInvalidTenant(w, tenant)
			return
		}
		next(w, r, tenant)
	}
}

// Cache-Control values Entra sends: errors must not be cached, discovery
// documents and key sets may be for a day.
const (
	noCache  = "no-store, no-cache"
	dayCache = "max-age=86400, private"
)

// writeJSON sends v as JSON the way Entra does.
func writeJSON(w http.ResponseWriter, status int, cacheControl string, v any) {
	body, err := json.Marshal(v)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "application/json; charset=utf-8")
	h.Set("Cache-Control", cacheControl)
	if cacheControl == dayCache {
		// Browsers (single-page apps) read these cross-origin.
		h.Set("Access-Control-Allow-Origin", "*")
		h.Set("Access-Control-Allow-Methods", "GET, OPTIONS")
	}
	w.WriteHeader(status)
	_, _ = w.Write(body)
}
