package msfake

import (
	"net/http"
	"slices"
	"strings"
	"time"
)

// listServicePrincipals is GET /v1.0/servicePrincipals, filtered by appId.
func (c *Cloud) listServicePrincipals(w http.ResponseWriter, r *http.Request, caller graphCaller) {
	if !requireRole(w, r, caller, readApps...) {
		return
	}
	appID, filtered := "", false
	if f := r.URL.Query().Get("$filter"); f != "" {
		var ok bool
		if _, appID, ok = parseEqFilter(f, "appId"); !ok {
			c.badFilter(w, r)
			return
		}
		filtered = true
	}
	c.graph.mu.Lock()
	d := c.graph.dir(caller.tenant)
	out := []servicePrincipal{}
	for _, sp := range d.sps {
		if !filtered || strings.EqualFold(sp.appID, appID) {
			out = append(out, d.spJSON(sp))
		}
	}
	c.graph.mu.Unlock()
	slices.SortFunc(out, func(a, b servicePrincipal) int { return strings.Compare(a.ID, b.ID) })
	c.listValue(w, r, "servicePrincipals", out)
}

// createServicePrincipal is POST /v1.0/servicePrincipals for an app of
// this tenant.
func (c *Cloud) createServicePrincipal(w http.ResponseWriter, r *http.Request, caller graphCaller) {
	if !requireRole(w, r, caller, writeApps...) {
		return
	}
	var body struct {
		AppID string `json:"appId"`
	}
	if !decodeBody(w, r, &body) {
		return
	}
	c.graph.mu.Lock()
	defer c.graph.mu.Unlock()
	d := c.graph.dir(caller.tenant)
	app := d.apps[strings.ToLower(body.AppID)]
	switch {
	case app == nil:
		writeGraphError(w, r, http.StatusBadRequest, "Request_BadRequest", "The appId '"+body.AppID+"' of the service principal does not reference a valid application object.")
	case d.spOf(body.AppID) != nil:
		writeGraphError(w, r, http.StatusConflict, "Request_MultipleObjectsWithSameKeyValue", "The service principal cannot be created, updated, or restored because the service principal name is already in use.")
	default:
		sp := &dirSP{id: newGUID(), appID: app.appID, displayName: app.displayName}
		d.sps[sp.id] = sp
		c.created(w, r, d.spJSON(sp))
	}
}

func (c *Cloud) spFromPath(w http.ResponseWriter, r *http.Request, caller graphCaller) (*tenantDir, *dirSP) {
	d := c.graph.dir(caller.tenant)
	sp := d.sps[r.PathValue("id")]
	if sp == nil {
		notFoundObject(w, r, r.PathValue("id"))
	}
	return d, sp
}

func (c *Cloud) deleteServicePrincipal(w http.ResponseWriter, r *http.Request, caller graphCaller) {
	if !requireRole(w, r, caller, writeApps...) {
		return
	}
	c.graph.mu.Lock()
	d, sp := c.spFromPath(w, r, caller)
	if sp != nil {
		delete(d.sps, sp.id)
		d.assignments = slices.DeleteFunc(d.assignments, func(a *roleAssignment) bool { return a.principalID == sp.id })
		d.grants = slices.DeleteFunc(d.grants, func(g *permissionGrant) bool { return g.clientID == sp.id })
	}
	c.graph.mu.Unlock()
	if sp != nil {
		noContent(w, r)
	}
}

func assignmentJSON(a *roleAssignment) appRoleAssignment {
	return appRoleAssignment{ID: a.id, PrincipalID: a.principalID, ResourceID: a.resourceID, AppRoleID: a.appRoleID,
		CreatedDateTime: a.created.UTC().Format(time.RFC3339)}
}

// listAssignments is GET /v1.0/servicePrincipals/{id}/appRoleAssignments:
// the application permissions granted to it.
func (c *Cloud) listAssignments(w http.ResponseWriter, r *http.Request, caller graphCaller) {
	if !requireRole(w, r, caller, readApps...) {
		return
	}
	c.graph.mu.Lock()
	d, sp := c.spFromPath(w, r, caller)
	out := []appRoleAssignment{}
	if sp != nil {
		for _, a := range d.assignments {
			if a.principalID == sp.id {
				out = append(out, assignmentJSON(a))
			}
		}
	}
	c.graph.mu.Unlock()
	if sp != nil {
		c.listValue(w, r, "servicePrincipals('"+sp.id+"')/appRoleAssignments", out)
	}
}

// assignRole is POST /v1.0/servicePrincipals/{id}/appRoleAssignments:
// admin consent for one application permission.
func (c *Cloud) assignRole(w http.ResponseWriter, r *http.Request, caller graphCaller) {
	if !requireRole(w, r, caller, writeRoles...) {
		return
	}
	var body struct {
		PrincipalID string `json:"principalId"`
		ResourceID  string `json:"resourceId"`
		AppRoleID   string `json:"appRoleId"`
	}
	if !decodeBody(w, r, &body) {
		return
	}
	c.graph.mu.Lock()
	defer c.graph.mu.Unlock()
	d, sp := c.spFromPath(w, r, caller)
	if sp == nil {
		return
	}
	_, knownRole := graphAppRoles[body.AppRoleID]
	switch {
	case body.PrincipalID != sp.id || d.sps[body.ResourceID] != d.graphSP || !knownRole:
		writeGraphError(w, r, http.StatusBadRequest, "Request_BadRequest", "Permission being assigned was not found on application '"+body.ResourceID+"'.")
	case slices.ContainsFunc(d.assignments, func(a *roleAssignment) bool {
		return a.principalID == sp.id && a.resourceID == body.ResourceID && a.appRoleID == body.AppRoleID
	}):
		writeGraphError(w, r, http.StatusBadRequest, "Request_BadRequest", "Permission being assigned already exists on the object")
	default:
		a := &roleAssignment{id: newGUID(), principalID: sp.id, resourceID: body.ResourceID, appRoleID: body.AppRoleID, created: c.graph.clock()}
		d.assignments = append(d.assignments, a)
		c.created(w, r, assignmentJSON(a))
	}
}

// unassignRole is DELETE /v1.0/servicePrincipals/{id}/appRoleAssignments/{aid}.
func (c *Cloud) unassignRole(w http.ResponseWriter, r *http.Request, caller graphCaller) {
	if !requireRole(w, r, caller, writeRoles...) {
		return
	}
	c.graph.mu.Lock()
	d, sp := c.spFromPath(w, r, caller)
	found := false
	if sp != nil {
		n := len(d.assignments)
		d.assignments = slices.DeleteFunc(d.assignments, func(a *roleAssignment) bool { return a.id == r.PathValue("aid") && a.principalID == sp.id })
		found = len(d.assignments) < n
	}
	c.graph.mu.Unlock()
	switch {
	case sp == nil:
	case !found:
		notFoundObject(w, r, r.PathValue("aid"))
	default:
		noContent(w, r)
	}
}

func grantJSON(g *permissionGrant) oauth2PermissionGrant {
	return oauth2PermissionGrant{ID: g.id, ClientID: g.clientID, ConsentType: g.consentType, ResourceID: g.resourceID, Scope: g.scope}
}

// listGrants is GET /v1.0/oauth2PermissionGrants, filtered by clientId.
func (c *Cloud) listGrants(w http.ResponseWriter, r *http.Request, caller graphCaller) {
	if !requireRole(w, r, caller, "DelegatedPermissionGrant.Read.All", "DelegatedPermissionGrant.ReadWrite.All", "Directory.Read.All") {
		return
	}
	clientID, filtered := "", false
	if f := r.URL.Query().Get("$filter"); f != "" {
		var ok bool
		if _, clientID, ok = parseEqFilter(f, "clientId"); !ok {
			c.badFilter(w, r)
			return
		}
		filtered = true
	}
	c.graph.mu.Lock()
	out := []oauth2PermissionGrant{}
	for _, g := range c.graph.dir(caller.tenant).grants {
		if !filtered || g.clientID == clientID {
			out = append(out, grantJSON(g))
		}
	}
	c.graph.mu.Unlock()
	c.listValue(w, r, "oauth2PermissionGrants", out)
}

// createGrant is POST /v1.0/oauth2PermissionGrants: admin consent for
// delegated permissions, for everyone.
func (c *Cloud) createGrant(w http.ResponseWriter, r *http.Request, caller graphCaller) {
	if !requireRole(w, r, caller, writeGrants...) {
		return
	}
	var body oauth2PermissionGrant
	if !decodeBody(w, r, &body) {
		return
	}
	c.graph.mu.Lock()
	defer c.graph.mu.Unlock()
	d := c.graph.dir(caller.tenant)
	switch {
	case d.sps[body.ClientID] == nil || d.sps[body.ResourceID] == nil:
		writeGraphError(w, r, http.StatusBadRequest, "Request_BadRequest", "Invalid value specified for property 'clientId' or 'resourceId' of resource 'OAuth2PermissionGrant'.")
	case body.ConsentType != "AllPrincipals":
		writeGraphError(w, r, http.StatusBadRequest, "Request_BadRequest", "The fake supports only consentType AllPrincipals.")
	case slices.ContainsFunc(d.grants, func(g *permissionGrant) bool {
		return g.clientID == body.ClientID && g.resourceID == body.ResourceID && g.consentType == body.ConsentType
	}):
		writeGraphError(w, r, http.StatusConflict, "Request_MultipleObjectsWithSameKeyValue", "Permission entry already exists.")
	default:
		g := &permissionGrant{id: newGUID(), clientID: body.ClientID, consentType: body.ConsentType, resourceID: body.ResourceID, scope: body.Scope}
		d.grants = append(d.grants, g)
		c.created(w, r, grantJSON(g))
	}
}

func (c *Cloud) grantFromPath(w http.ResponseWriter, r *http.Request, caller graphCaller) (*tenantDir, *permissionGrant) {
	d := c.graph.dir(caller.tenant)
	for _, g := range d.grants {
		if g.id == r.PathValue("id") {
			return d, g
		}
	}
	notFoundObject(w, r, r.PathValue("id"))
	return d, nil
}

// patchGrant is PATCH /v1.0/oauth2PermissionGrants/{id}: its scope.
func (c *Cloud) patchGrant(w http.ResponseWriter, r *http.Request, caller graphCaller) {
	if !requireRole(w, r, caller, writeGrants...) {
		return
	}
	var body struct {
		Scope string `json:"scope"`
	}
	if !decodeBody(w, r, &body) {
		return
	}
	c.graph.mu.Lock()
	_, g := c.grantFromPath(w, r, caller)
	if g != nil {
		g.scope = body.Scope
	}
	c.graph.mu.Unlock()
	if g != nil {
		noContent(w, r)
	}
}

func (c *Cloud) deleteGrant(w http.ResponseWriter, r *http.Request, caller graphCaller) {
	if !requireRole(w, r, caller, writeGrants...) {
		return
	}
	c.graph.mu.Lock()
	d, g := c.grantFromPath(w, r, caller)
	if g != nil {
		d.grants = slices.DeleteFunc(d.grants, func(x *permissionGrant) bool { return x == g })
	}
	c.graph.mu.Unlock()
	if g != nil {
		noContent(w, r)
	}
}
