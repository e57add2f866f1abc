package msfake

import (
	"archive/zip"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strconv"
	"strings"
)

// Directory role template IDs, as the wids claim of a delegated token
// carries them.
const (
	GlobalAdministratorRole = "62e90394-69f5-4237-9190-012177145e10"
	TeamsAdministratorRole  = "69091246-20e8-4a56-aa4d-066075b2a7a8"
)

// The delegated permissions that publish to and update the tenant app
// catalog, least privileged first.
var catalogWriteScopes = []string{"AppCatalog.Submit", "AppCatalog.ReadWrite.All", "Directory.ReadWrite.All"}

// maxPackage caps an uploaded Teams app package.
const maxPackage = 8 << 20

// SetAdminRoles sets the directory roles of the administrator whom
// AdminToken (and so the device code sign-in) signs in for tenant; a
// Global Administrator unless set.
func (c *Cloud) SetAdminRoles(tenant string, roleTemplateIDs ...string) {
	c.graph.mu.Lock()
	defer c.graph.mu.Unlock()
	if c.graph.adminRoles == nil {
		c.graph.adminRoles = map[string][]string{}
	}
	c.graph.adminRoles[strings.ToLower(tenant)] = append([]string{}, roleTemplateIDs...)
}

// adminRolesOf is the roles of tenant's administrator; the caller holds mu.
func (g *graphState) adminRolesOf(tenant string) []string {
	if roles, ok := g.adminRoles[strings.ToLower(tenant)]; ok {
		return roles
	}
	return []string{GlobalAdministratorRole}
}

// FailNextCatalogWrite makes the next n publishes or updates of a
// catalog app answer 500, after their checks pass.
func (c *Cloud) FailNextCatalogWrite(n int) {
	c.graph.mu.Lock()
	defer c.graph.mu.Unlock()
	c.graph.failCatalogWrites = n
}

// failCatalogWrite reports whether this write is to fail, answering it;
// the caller holds mu.
func (c *Cloud) failCatalogWrite(w http.ResponseWriter, r *http.Request) bool {
	if c.graph.failCatalogWrites <= 0 {
		return false
	}
	c.graph.failCatalogWrites--
	writeGraphError(w, r, http.StatusInternalServerError, "InternalServerError", "Injected failure (msfake FailNextCatalogWrite).")
	return true
}

// CatalogManifest is the manifest.json of the package last uploaded for
// the catalog app with externalID, or nil.
func (c *Cloud) CatalogManifest(tenant, externalID string) []byte {
	c.graph.mu.Lock()
	defer c.graph.mu.Unlock()
	app, ok := c.graph.catalog[strings.ToLower(tenant)][externalID]
	if !ok || app.manifest == "" {
		return nil
	}
	return []byte(app.manifest)
}

// CatalogVersion is the version of the catalog app with externalID, or "".
func (c *Cloud) CatalogVersion(tenant, externalID string) string {
	c.graph.mu.Lock()
	defer c.graph.mu.Unlock()
	return c.graph.catalog[strings.ToLower(tenant)][externalID].Version
}

// canWriteCatalog checks what publishing and updating need: a delegated
// token (Graph supports no app-only call here) with a catalog scope,
// and, to publish without review or to update, a Teams or Global
// Administrator.
func canWriteCatalog(w http.ResponseWriter, r *http.Request, caller graphCaller, needAdmin bool) bool {
	if !caller.delegated {
		writeGraphError(w, r, http.StatusForbidden, "Forbidden", "This API does not support application permissions; sign in as a user.")
		return false
	}
	if !requireRole(w, r, caller, catalogWriteScopes...) {
		return false
	}
	if needAdmin && !caller.hasDirectoryRole(TeamsAdministratorRole, GlobalAdministratorRole) {
		writeGraphError(w, r, http.StatusForbidden, "Forbidden",
			"Only a Teams Administrator or Global Administrator may publish an app to the catalog without review or update it.")
		return false
	}
	return true
}

func (gc graphCaller) hasDirectoryRole(roles ...string) bool {
	for _, want := range roles {
		for _, have := range gc.wids {
			if strings.EqualFold(have, want) {
				return true
			}
		}
	}
	return false
}

type uploadedManifest struct {
	ManifestVersion string `json:"manifestVersion"`
	ID              string `json:"id"`
	Version         string `json:"version"`
	Name            struct {
		Short string `json:"short"`
	} `json:"name"`
	Icons struct {
		Color   string `json:"color"`
		Outline string `json:"outline"`
	} `json:"icons"`
	WebApplicationInfo struct {
		ID string `json:"id"`
	} `json:"webApplicationInfo"`
}

var (
	manifestGUID    = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)
	manifestVersion = regexp.MustCompile(`^(0|[1-9][0-9]{0,8})\.(0|[1-9][0-9]{0,8})\.(0|[1-9][0-9]{0,8})$`)
)

type schemaError struct {
	Code    string `json:"code"`
	Message string `json:"message"`
	Target  string `json:"target"`
}

// readPackage reads an uploaded Teams app package as Graph checks it,
// or answers the request with Graph's manifest error.
func readPackage(w http.ResponseWriter, r *http.Request) (*uploadedManifest, []byte, bool) {
	if ct := r.Header.Get("Content-Type"); !strings.EqualFold(strings.TrimSpace(strings.Split(ct, ";")[0]), "application/zip") {
		writeGraphError(w, r, http.StatusUnsupportedMediaType, "UnsupportedMediaType", "The request body must be a Teams app package, Content-Type application/zip.")
		return nil, nil, false
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxPackage))
	if err != nil {
		writeGraphError(w, r, http.StatusRequestEntityTooLarge, "RequestEntityTooLarge", "The app package is too large.")
		return nil, nil, false
	}
	fail := func(details ...schemaError) {
		var msgs []string
		for _, d := range details {
			msgs = append(msgs, d.Target+" | "+d.Message)
		}
		msg := strings.Join(msgs, "; ")
		graphHeaders(w, r)
		writeJSON(w, http.StatusBadRequest, noCache, map[string]any{"error": map[string]any{
			"code": "BadRequest", "message": msg,
			"innerError": map[string]any{"code": "UnableToParseTeamsAppManifest", "message": msg, "details": details},
		}})
	}
	zr, err := zip.NewReader(bytes.NewReader(body), int64(len(body)))
	if err != nil {
		fail(schemaError{"Serialization_FileMissing", "The app package is not a ZIP file.", "package"})
		return nil, nil, false
	}
	files := map[string][]byte{}
	for _, f := range zr.File {
		rc, err := f.Open()
		if err != nil {
			continue
		}
		data, err := io.ReadAll(io.LimitReader(rc, maxPackage))
		rc.Close()
		if err == nil {
			files[f.Name] = data
		}
	}
	raw, ok := files["manifest.json"]
	if !ok {
		fail(schemaError{"Serialization_FileMissing", "The file manifest.json could not be found in the app package.", "manifest.json"})
		return nil, nil, false
	}
	var m uploadedManifest
	if err := json.Unmarshal(raw, &m); err != nil {
		fail(schemaError{"Serialization_FileNotValidJson", "The file could not be parsed as a JSON object.", "manifest.json"})
		return nil, nil, false
	}
	var details []schemaError
	if m.ManifestVersion == "" {
		details = append(details, schemaError{"Serialization_ManifestVersionPropertyMissing", `The file does not contain the "manifestVersion" property.`, "manifestVersion"})
	}
	if !manifestGUID.MatchString(m.ID) {
		details = append(details, schemaError{"CommonAppIdIsNotGuid", "Field 'ID' is not a Guid in the manifest.", "id"})
	}
	if !manifestVersion.MatchString(m.Version) {
		details = append(details, schemaError{"SchemaError_Pattern", fmt.Sprintf("String %q does not match the version pattern.", m.Version), "version"})
	}
	if m.Name.Short == "" {
		details = append(details, schemaError{"SchemaError_Required", "Required properties are missing from object: short.", "name"})
	}
	for target, name := range map[string]string{"icons.color": m.Icons.Color, "icons.outline": m.Icons.Outline} {
		if _, ok := files[name]; name == "" || !ok {
			details = append(details, schemaError{"Serialization_FileMissing", fmt.Sprintf("The file %s could not be found in the app package.", name), target})
		}
	}
	if len(details) > 0 {
		fail(details...)
		return nil, nil, false
	}
	return &m, raw, true
}

// versionLess reports whether version a comes before b; both are
// MAJOR.MINOR.PATCH.
func versionLess(a, b string) bool {
	pa, pb := strings.Split(a, "."), strings.Split(b, ".")
	for i := range 3 {
		var x, y int
		if i < len(pa) {
			x, _ = strconv.Atoi(pa[i])
		}
		if i < len(pb) {
			y, _ = strconv.Atoi(pb[i])
		}
		if x != y {
			return x < y
		}
	}
	return false
}

// publishApp is POST /v1.0/appCatalogs/teamsApps: a new app in the
// tenant's catalog from a package whose manifest ID no app has.
func (c *Cloud) publishApp(w http.ResponseWriter, r *http.Request, caller graphCaller) {
	review := strings.EqualFold(r.URL.Query().Get("requiresReview"), "true")
	if !canWriteCatalog(w, r, caller, !review) {
		return
	}
	m, raw, ok := readPackage(w, r)
	if !ok {
		return
	}
	c.graph.mu.Lock()
	defer c.graph.mu.Unlock()
	if c.failCatalogWrite(w, r) {
		return
	}
	t := caller.tenant
	if c.graph.catalog[t] == nil {
		c.graph.catalog[t] = map[string]TeamsApp{}
	}
	for externalID := range c.graph.catalog[t] {
		if strings.EqualFold(externalID, m.ID) {
			writeGraphError(w, r, http.StatusConflict, "Conflict", fmt.Sprintf("An app with the manifest ID %s is in the catalog already.", m.ID))
			return
		}
	}
	app := TeamsApp{ID: newGUID(), ExternalID: m.ID, DisplayName: m.Name.Short, DistributionMethod: "organization",
		Version: m.Version, clientID: strings.ToLower(m.WebApplicationInfo.ID), manifest: string(raw)}
	c.graph.catalog[t][m.ID] = app
	graphHeaders(w, r)
	w.Header().Set("Location", c.url+"/v1.0/appCatalogs/teamsApps/"+app.ID)
	writeJSON(w, http.StatusCreated, noCache, app)
}

// addAppDefinition is POST /v1.0/appCatalogs/teamsApps/{id}/appDefinitions:
// a newer version of a catalog app, from a package with its manifest ID.
func (c *Cloud) addAppDefinition(w http.ResponseWriter, r *http.Request, caller graphCaller) {
	if !canWriteCatalog(w, r, caller, true) {
		return
	}
	m, raw, ok := readPackage(w, r)
	if !ok {
		return
	}
	c.graph.mu.Lock()
	defer c.graph.mu.Unlock()
	if c.failCatalogWrite(w, r) {
		return
	}
	id := r.PathValue("id")
	for externalID, app := range c.graph.catalog[caller.tenant] {
		if app.ID != id {
			continue
		}
		if !strings.EqualFold(externalID, m.ID) {
			writeGraphError(w, r, http.StatusBadRequest, "BadRequest", fmt.Sprintf("The package's manifest ID %s is not the app's, %s.", m.ID, externalID))
			return
		}
		if !versionLess(app.Version, m.Version) {
			writeGraphError(w, r, http.StatusBadRequest, "BadRequest",
				fmt.Sprintf("The package's version %s must be higher than the catalog's, %s.", m.Version, app.Version))
			return
		}
		app.Version, app.DisplayName, app.manifest = m.Version, m.Name.Short, string(raw)
		app.clientID = strings.ToLower(m.WebApplicationInfo.ID)
		c.graph.catalog[caller.tenant][externalID] = app
		graphHeaders(w, r)
		w.WriteHeader(http.StatusNoContent)
		return
	}
	writeGraphError(w, r, http.StatusNotFound, "NotFound", fmt.Sprintf("No app with the ID %s is in the catalog.", id))
}
