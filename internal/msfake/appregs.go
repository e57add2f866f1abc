package msfake

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"
)

// Permissions (roles, or scopes of a delegated token) the directory
// endpoints require, as Graph documents them.
var (
	readApps    = []string{"Application.Read.All", "Application.ReadWrite.All", "Directory.Read.All"}
	writeApps   = []string{"Application.ReadWrite.All"}
	writeRoles  = []string{"AppRoleAssignment.ReadWrite.All"}
	writeGrants = []string{"DelegatedPermissionGrant.ReadWrite.All"}
)

const maxDirectoryBody = 256 << 10

// parseEqFilter parses `<prop> eq '<literal>'` for one of props.
func parseEqFilter(f string, props ...string) (prop, value string, ok bool) {
	for _, p := range props {
		if rest, found := strings.CutPrefix(strings.TrimSpace(f), p+" eq "); found {
			rest = strings.TrimSpace(rest)
			if len(rest) >= 2 && rest[0] == '\'' && rest[len(rest)-1] == '\'' {
				return p, strings.ReplaceAll(rest[1:len(rest)-1], "''", "'"), true
			}
		}
	}
	return "", "", false
}

func (c *Cloud) badFilter(w http.ResponseWriter, r *http.Request) {
	writeGraphError(w, r, http.StatusBadRequest, "Request_UnsupportedQuery", "Unsupported or invalid query filter clause specified for property.")
}

func decodeBody(w http.ResponseWriter, r *http.Request, v any) bool {
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxDirectoryBody))
	if err := dec.Decode(v); err != nil {
		writeGraphError(w, r, http.StatusBadRequest, "BadRequest", "Invalid request body: "+err.Error())
		return false
	}
	return true
}

func (c *Cloud) listValue(w http.ResponseWriter, r *http.Request, set string, value any) {
	graphHeaders(w, r)
	writeJSON(w, http.StatusOK, noCache, struct {
		Context string `json:"@odata.context"`
		Value   any    `json:"value"`
	}{c.url + "/v1.0/$metadata#" + set, value})
}

func (c *Cloud) created(w http.ResponseWriter, r *http.Request, v any) {
	graphHeaders(w, r)
	writeJSON(w, http.StatusCreated, noCache, v)
}

func noContent(w http.ResponseWriter, r *http.Request) {
	graphHeaders(w, r)
	w.WriteHeader(http.StatusNoContent)
}

func notFoundObject(w http.ResponseWriter, r *http.Request, id string) {
	writeGraphError(w, r, http.StatusNotFound, "Request_ResourceNotFound", fmt.Sprintf(
		"Resource '%s' does not exist or one of its queried reference-property objects are not present.", id))
}

// listApplications is GET /v1.0/applications, filtered by appId or
// displayName.
func (c *Cloud) listApplications(w http.ResponseWriter, r *http.Request, caller graphCaller) {
	if !requireRole(w, r, caller, readApps...) {
		return
	}
	prop, value, ok := "", "", true
	if f := r.URL.Query().Get("$filter"); f != "" {
		prop, value, ok = parseEqFilter(f, "appId", "displayName")
	}
	if !ok {
		c.badFilter(w, r)
		return
	}
	c.graph.mu.Lock()
	d := c.graph.dir(caller.tenant)
	out := []application{}
	for _, a := range d.apps {
		if prop == "" || (prop == "appId" && strings.EqualFold(a.appID, value)) || (prop == "displayName" && a.displayName == value) {
			j := c.applicationJSON(a)
			j.Context = ""
			out = append(out, j)
		}
	}
	c.graph.mu.Unlock()
	slices.SortFunc(out, func(a, b application) int { return strings.Compare(a.ID, b.ID) })
	c.listValue(w, r, "applications", out)
}

// createApplication is POST /v1.0/applications.
func (c *Cloud) createApplication(w http.ResponseWriter, r *http.Request, caller graphCaller) {
	if !requireRole(w, r, caller, writeApps...) {
		return
	}
	var body struct {
		DisplayName    string `json:"displayName"`
		SignInAudience string `json:"signInAudience"`
	}
	if !decodeBody(w, r, &body) {
		return
	}
	if strings.TrimSpace(body.DisplayName) == "" {
		writeGraphError(w, r, http.StatusBadRequest, "Request_BadRequest", "Property 'displayName' is required.")
		return
	}
	if body.SignInAudience == "" {
		body.SignInAudience = "AzureADandPersonalMicrosoftAccount"
	}
	c.graph.mu.Lock()
	d := c.graph.dir(caller.tenant)
	a := &dirApp{id: newGUID(), appID: newGUID(), displayName: body.DisplayName, signInAudience: body.SignInAudience}
	d.apps[a.appID] = a
	out := c.applicationJSON(a)
	c.graph.mu.Unlock()
	c.created(w, r, out)
}

// appFromPath finds the application named by the {id} path segment.
func (c *Cloud) appFromPath(w http.ResponseWriter, r *http.Request, caller graphCaller) (*tenantDir, *dirApp) {
	d := c.graph.dir(caller.tenant)
	a := d.appByObjectID(r.PathValue("id"))
	if a == nil {
		notFoundObject(w, r, r.PathValue("id"))
	}
	return d, a
}

func (c *Cloud) getApplicationByID(w http.ResponseWriter, r *http.Request, caller graphCaller) {
	if !requireRole(w, r, caller, readApps...) {
		return
	}
	c.graph.mu.Lock()
	_, a := c.appFromPath(w, r, caller)
	var out application
	if a != nil {
		out = c.applicationJSON(a)
	}
	c.graph.mu.Unlock()
	if a != nil {
		graphHeaders(w, r)
		writeJSON(w, http.StatusOK, noCache, out)
	}
}

func (c *Cloud) deleteApplication(w http.ResponseWriter, r *http.Request, caller graphCaller) {
	if !requireRole(w, r, caller, writeApps...) {
		return
	}
	c.graph.mu.Lock()
	d, a := c.appFromPath(w, r, caller)
	if a != nil {
		delete(d.apps, a.appID)
	}
	c.graph.mu.Unlock()
	if a != nil {
		noContent(w, r)
	}
}

// applicationPatch is the part of an application PATCH the fake applies;
// absent properties are left alone.
type applicationPatch struct {
	DisplayName            *string                   `json:"displayName"`
	IdentifierURIs         *[]string                 `json:"identifierUris"`
	API                    *apiPatch                 `json:"api"`
	RequiredResourceAccess *[]requiredResourceAccess `json:"requiredResourceAccess"`
}

type apiPatch struct {
	OAuth2PermissionScopes    *[]permissionScope          `json:"oauth2PermissionScopes"`
	PreAuthorizedApplications *[]preAuthorizedApplication `json:"preAuthorizedApplications"`
}

// patchApplication is PATCH /v1.0/applications/{id}, with Graph's rules:
// an enabled scope cannot be removed (disable it first), pre-authorized
// apps may only name scopes already saved, and required permissions must
// exist on their resource.
func (c *Cloud) patchApplication(w http.ResponseWriter, r *http.Request, caller graphCaller) {
	if !requireRole(w, r, caller, writeApps...) {
		return
	}
	var p applicationPatch
	if !decodeBody(w, r, &p) {
		return
	}
	c.graph.mu.Lock()
	defer c.graph.mu.Unlock()
	_, a := c.appFromPath(w, r, caller)
	if a == nil {
		return
	}
	if msg := a.patchProblem(p); msg != "" {
		writeGraphError(w, r, http.StatusBadRequest, "Request_BadRequest", msg)
		return
	}
	if p.DisplayName != nil {
		a.displayName = *p.DisplayName
	}
	if p.IdentifierURIs != nil {
		a.identifierURIs = slices.Clone(*p.IdentifierURIs)
	}
	if p.API != nil && p.API.OAuth2PermissionScopes != nil {
		a.scopes = slices.Clone(*p.API.OAuth2PermissionScopes)
	}
	if p.API != nil && p.API.PreAuthorizedApplications != nil {
		a.preAuthorized = slices.Clone(*p.API.PreAuthorizedApplications)
	}
	if p.RequiredResourceAccess != nil {
		a.requiredAccess = slices.Clone(*p.RequiredResourceAccess)
	}
	noContent(w, r)
}

func (a *dirApp) patchProblem(p applicationPatch) string {
	if p.IdentifierURIs != nil {
		for _, u := range *p.IdentifierURIs {
			if !strings.HasPrefix(u, "api://") && !strings.HasPrefix(u, "https://") {
				return fmt.Sprintf("Values of identifierUris property must use a verified domain of the organization or its subdomain: '%s'", u)
			}
		}
	}
	if p.API != nil && p.API.OAuth2PermissionScopes != nil {
		for _, old := range a.scopes {
			kept := slices.ContainsFunc(*p.API.OAuth2PermissionScopes, func(s permissionScope) bool { return s.ID == old.ID })
			if !kept && old.IsEnabled {
				return "Permission (scope or role) cannot be deleted or updated unless disabled first."
			}
		}
		for _, s := range *p.API.OAuth2PermissionScopes {
			if s.ID == "" || s.Value == "" || (s.Type != "User" && s.Type != "Admin") {
				return "Property 'oauth2PermissionScopes' has an entry without id, value or a type of User or Admin."
			}
		}
	}
	if p.API != nil && p.API.PreAuthorizedApplications != nil {
		for _, pa := range *p.API.PreAuthorizedApplications {
			for _, id := range pa.DelegatedPermissionIDs {
				if !slices.ContainsFunc(a.scopes, func(s permissionScope) bool { return s.ID == id }) {
					return "Property PreAuthorizedApplication references applications / permission ids that do not exist or have not been saved yet."
				}
			}
		}
	}
	if p.RequiredResourceAccess != nil {
		for _, rra := range *p.RequiredResourceAccess {
			if !strings.EqualFold(rra.ResourceAppID, GraphAppID) {
				continue
			}
			for _, ra := range rra.ResourceAccess {
				_, isRole := graphAppRoles[ra.ID]
				_, isScope := graphScopes[ra.ID]
				if (ra.Type == "Role" && !isRole) || (ra.Type == "Scope" && !isScope) {
					return fmt.Sprintf("Invalid value specified for property 'resourceAccess' of resource 'Application': permission '%s' of type '%s' does not exist on Microsoft Graph.", ra.ID, ra.Type)
				}
			}
		}
	}
	return ""
}

// addPassword is POST /v1.0/applications/{id}/addPassword: the only
// answer that carries the secret itself.
func (c *Cloud) addPassword(w http.ResponseWriter, r *http.Request, caller graphCaller) {
	if !requireRole(w, r, caller, writeApps...) {
		return
	}
	var body struct {
		PasswordCredential struct {
			DisplayName string `json:"displayName"`
			EndDateTime string `json:"endDateTime"`
		} `json:"passwordCredential"`
	}
	if !decodeBody(w, r, &body) {
		return
	}
	c.graph.mu.Lock()
	defer c.graph.mu.Unlock()
	_, a := c.appFromPath(w, r, caller)
	if a == nil {
		return
	}
	now := c.graph.clock()
	end := now.Add(2 * 365 * 24 * time.Hour)
	if body.PasswordCredential.EndDateTime != "" {
		t, err := time.Parse(time.RFC3339, body.PasswordCredential.EndDateTime)
		if err != nil || !t.After(now) {
			writeGraphError(w, r, http.StatusBadRequest, "Request_BadRequest", "Invalid value specified for property 'endDateTime' of resource 'PasswordCredential'.")
			return
		}
		end = t
	}
	s := &secretCred{keyID: newGUID(), displayName: body.PasswordCredential.DisplayName, value: opaque(30, base64.RawURLEncoding), start: now, end: end}
	a.secrets = append(a.secrets, s)
	graphHeaders(w, r)
	writeJSON(w, http.StatusOK, noCache, passwordCredential{
		DisplayName: s.displayName, KeyID: s.keyID, Hint: hint(s.value), SecretText: &s.value,
		StartDateTime: s.start.UTC().Format(time.RFC3339), EndDateTime: s.end.UTC().Format(time.RFC3339),
	})
}

// removePassword is POST /v1.0/applications/{id}/removePassword.
func (c *Cloud) removePassword(w http.ResponseWriter, r *http.Request, caller graphCaller) {
	if !requireRole(w, r, caller, writeApps...) {
		return
	}
	var body struct {
		KeyID string `json:"keyId"`
	}
	if !decodeBody(w, r, &body) {
		return
	}
	c.graph.mu.Lock()
	defer c.graph.mu.Unlock()
	_, a := c.appFromPath(w, r, caller)
	if a == nil {
		return
	}
	n := len(a.secrets)
	a.secrets = slices.DeleteFunc(a.secrets, func(s *secretCred) bool { return s.keyID == body.KeyID })
	if len(a.secrets) == n {
		writeGraphError(w, r, http.StatusBadRequest, "Request_BadRequest", "No password credential found with keyId '"+body.KeyID+"'.")
		return
	}
	noContent(w, r)
}
