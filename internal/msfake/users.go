package msfake

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
)

// User is a person in a tenant's directory.
type User struct {
	ObjectID          string
	Mail              string
	UserPrincipalName string
	DisplayName       string
	OtherMails        []string
	// Guest marks a B2B guest (userType "Guest", a #EXT# UPN).
	Guest    bool
	Disabled bool
}

// dirUser is a directory user and the Teams apps installed for them
// (catalog app ID → installation ID).
type dirUser struct {
	User
	installed map[string]string
}

// AddUser puts a person in tenant's directory (replacing one with the
// same object ID). Directory users have no Teams app installed until one
// is installed for them; people the directory does not know (object IDs
// only signed into tokens) have every app, unless SetTeamsAppInstalled
// says otherwise.
func (c *Cloud) AddUser(tenant string, u User) {
	c.graph.mu.Lock()
	defer c.graph.mu.Unlock()
	t := strings.ToLower(tenant)
	if c.graph.users[t] == nil {
		c.graph.users[t] = map[string]*dirUser{}
	}
	c.graph.users[t][strings.ToLower(u.ObjectID)] = &dirUser{User: u, installed: map[string]string{}}
}

// InstalledFor is the catalog IDs of the apps installed for a directory
// user, sorted.
func (c *Cloud) InstalledFor(tenant, objectID string) []string {
	c.graph.mu.Lock()
	defer c.graph.mu.Unlock()
	u := c.graph.users[strings.ToLower(tenant)][strings.ToLower(objectID)]
	if u == nil {
		return nil
	}
	var out []string
	for id := range u.installed {
		out = append(out, id)
	}
	slices.Sort(out)
	return out
}

// InstallTeamsApp installs the catalog app with externalID for a
// directory user, as they or an admin would in Teams; false if either is
// unknown.
func (c *Cloud) InstallTeamsApp(tenant, objectID, externalID string) bool {
	c.graph.mu.Lock()
	defer c.graph.mu.Unlock()
	t := strings.ToLower(tenant)
	app, ok := c.graph.catalog[t][externalID]
	u := c.graph.users[t][strings.ToLower(objectID)]
	if !ok || u == nil {
		return false
	}
	if _, done := u.installed[app.ID]; !done {
		u.installed[app.ID] = newGUID()
	}
	return true
}

// SetTeamsAppClient records the Entra client ID a catalog app's manifest
// names in webApplicationInfo: the app TeamsAppInstallation.*Self*
// permissions let that client install.
func (c *Cloud) SetTeamsAppClient(tenant, externalID, clientID string) {
	c.graph.mu.Lock()
	defer c.graph.mu.Unlock()
	if app, ok := c.graph.catalog[strings.ToLower(tenant)][externalID]; ok {
		app.clientID = strings.ToLower(clientID)
		c.graph.catalog[strings.ToLower(tenant)][externalID] = app
	}
}

// findUser is a directory user by object ID or user principal name; the
// caller holds mu.
func (g *graphState) findUser(tenant, idOrUPN string) *dirUser {
	users := g.users[tenant]
	if u := users[strings.ToLower(idOrUPN)]; u != nil {
		return u
	}
	for _, u := range users {
		if strings.EqualFold(u.UserPrincipalName, idOrUPN) {
			return u
		}
	}
	return nil
}

// SetResourceSpecificConsent says whether tenant's policy lets the app's
// installation for a person give its resource-specific permissions
// (TeamsActivity.Send.User); it does unless set otherwise.
func (c *Cloud) SetResourceSpecificConsent(tenant string, allowed bool) {
	c.graph.mu.Lock()
	defer c.graph.mu.Unlock()
	if c.graph.rscBlocked == nil {
		c.graph.rscBlocked = map[string]bool{}
	}
	c.graph.rscBlocked[strings.ToLower(tenant)] = !allowed
}

// hasConsented reports whether a directory user gave the catalog app
// its resource-specific consent, with its installation; people outside
// the directory have no installation the fake knows of. The caller
// holds mu.
func (g *graphState) hasConsented(tenant, objectID, catalogID string) bool {
	u := g.users[tenant][strings.ToLower(objectID)]
	if u == nil || g.rscBlocked[tenant] {
		return false
	}
	_, ok := u.installed[catalogID]
	return ok
}

// hasApp reports whether a person has the catalog app catalogID; the
// caller holds mu.
func (g *graphState) hasApp(tenant, objectID, catalogID string) bool {
	if u := g.users[tenant][strings.ToLower(objectID)]; u != nil {
		_, ok := u.installed[catalogID]
		return ok
	}
	return !g.withoutApp[tenant][strings.ToLower(objectID)]
}

// The read permissions of users; the basic one sees only the basic
// profile.
var (
	userReadRoles  = []string{"User.Read.All", "User.ReadWrite.All", "Directory.Read.All", "Directory.ReadWrite.All"}
	userBasicRoles = []string{"User.ReadBasic.All"}
	basicProfile   = []string{"id", "displayName", "givenName", "surname", "mail", "userPrincipalName"}
	defaultUserSet = []string{"id", "displayName", "mail", "userPrincipalName"}
	knownUserProps = []string{"id", "displayName", "givenName", "surname", "mail", "userPrincipalName", "userType", "accountEnabled", "otherMails", "creationType"}
)

// listUsers is GET /v1.0/users, with the $filter clauses Graph takes on
// users without advanced query parameters: eq and in on mail and
// userPrincipalName, any() on otherMails, joined by or.
func (c *Cloud) listUsers(w http.ResponseWriter, r *http.Request, caller graphCaller) {
	basic := !hasAnyRole(caller, userReadRoles...)
	if basic && !requireRole(w, r, caller, append(slices.Clone(userReadRoles), userBasicRoles...)...) {
		return
	}
	q := r.URL.Query()
	selected := defaultUserSet
	if sel := q.Get("$select"); sel != "" {
		selected = nil
		for _, p := range strings.Split(sel, ",") {
			p = strings.TrimSpace(p)
			if !slices.Contains(knownUserProps, p) {
				writeGraphError(w, r, http.StatusBadRequest, "Request_BadRequest",
					fmt.Sprintf("Could not find a property named '%s' on type 'Microsoft.DirectoryServices.User'.", p))
				return
			}
			selected = append(selected, p)
		}
	}
	var match func(u *dirUser) bool
	if f := q.Get("$filter"); f != "" {
		var problem string
		match, problem = parseUserFilter(f)
		if problem != "" {
			code := "Request_UnsupportedQuery"
			if strings.HasPrefix(problem, "Invalid") {
				code = "BadRequest"
			}
			writeGraphError(w, r, http.StatusBadRequest, code, problem)
			return
		}
	}
	cost := 2.0
	if q.Get("$select") != "" {
		cost = 1
	}
	c.graph.mu.Lock()
	if wait, ok := c.graph.directoryBucket(caller.tenant).spend(c.graph.clock(), cost); !ok {
		c.graph.mu.Unlock()
		throttled(w, r, wait)
		return
	}
	var out []map[string]any
	for _, u := range c.graph.users[caller.tenant] {
		if match == nil || match(u) {
			out = append(out, userJSON(u, selected, basic))
		}
	}
	c.graph.mu.Unlock()
	slices.SortFunc(out, func(a, b map[string]any) int { return strings.Compare(fmt.Sprint(a["id"]), fmt.Sprint(b["id"])) })
	if out == nil {
		out = []map[string]any{}
	}
	graphHeaders(w, r)
	writeJSON(w, http.StatusOK, noCache, map[string]any{"@odata.context": c.url + "/v1.0/$metadata#users", "value": out})
}

func userJSON(u *dirUser, selected []string, basic bool) map[string]any {
	out := map[string]any{}
	for _, p := range selected {
		if basic && !slices.Contains(basicProfile, p) {
			continue // Graph leaves out what the permission does not cover
		}
		switch p {
		case "id":
			out[p] = u.ObjectID
		case "displayName":
			out[p] = u.DisplayName
		case "mail":
			out[p] = nullable(u.Mail)
		case "userPrincipalName":
			out[p] = u.UserPrincipalName
		case "userType":
			out[p] = map[bool]string{true: "Guest", false: "Member"}[u.Guest]
		case "creationType":
			if u.Guest {
				out[p] = "Invitation"
			} else {
				out[p] = nil
			}
		case "accountEnabled":
			out[p] = !u.Disabled
		case "otherMails":
			out[p] = append([]string{}, u.OtherMails...)
		default:
			out[p] = nil
		}
	}
	return out
}

func nullable(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// parseUserFilter reads a $filter of clauses joined by " or ": prop eq
// 'v', prop in ('a','b') for mail and userPrincipalName, and
// otherMails/any(x:x eq 'v'). Strings compare without regard to case,
// as the directory compares them.
func parseUserFilter(f string) (func(*dirUser) bool, string) {
	var clauses []func(*dirUser) bool
	for _, clause := range splitOr(f) {
		clause = strings.TrimSpace(clause)
		if inner, ok := strings.CutPrefix(clause, "otherMails/any("); ok {
			v, rest, ok := strings.Cut(inner, ":")
			lit, ok2 := strings.CutSuffix(strings.TrimSpace(rest), ")")
			if !ok || !ok2 || !strings.HasPrefix(strings.TrimSpace(lit), strings.TrimSpace(v)+" eq ") {
				return nil, "Invalid filter clause: " + clause
			}
			want, ok := parseLiteral(strings.TrimPrefix(strings.TrimSpace(lit), strings.TrimSpace(v)+" eq "))
			if !ok {
				return nil, "Invalid filter clause: " + clause
			}
			clauses = append(clauses, func(u *dirUser) bool {
				return slices.ContainsFunc(u.OtherMails, func(m string) bool { return strings.EqualFold(m, want) })
			})
			continue
		}
		prop, rest, ok := strings.Cut(clause, " ")
		if !ok {
			return nil, "Invalid filter clause: " + clause
		}
		op, value, _ := strings.Cut(strings.TrimSpace(rest), " ")
		if prop != "mail" && prop != "userPrincipalName" {
			return nil, fmt.Sprintf("Unsupported or invalid query filter clause specified for property '%s' of resource 'User'.", prop)
		}
		var wants []string
		switch op {
		case "eq":
			v, ok := parseLiteral(value)
			if !ok {
				return nil, "Invalid filter clause: " + clause
			}
			wants = []string{v}
		case "in":
			list, ok := strings.CutPrefix(strings.TrimSpace(value), "(")
			list, ok2 := strings.CutSuffix(list, ")")
			if !ok || !ok2 {
				return nil, "Invalid filter clause: " + clause
			}
			for _, item := range splitList(list) {
				v, ok := parseLiteral(item)
				if !ok {
					return nil, "Invalid filter clause: " + clause
				}
				wants = append(wants, v)
			}
		default:
			return nil, fmt.Sprintf("Unsupported or invalid query filter clause specified for property '%s' of resource 'User'.", prop)
		}
		isMail := prop == "mail"
		clauses = append(clauses, func(u *dirUser) bool {
			have := u.UserPrincipalName
			if isMail {
				have = u.Mail
			}
			return have != "" && slices.ContainsFunc(wants, func(w string) bool { return strings.EqualFold(w, have) })
		})
	}
	return func(u *dirUser) bool {
		return slices.ContainsFunc(clauses, func(m func(*dirUser) bool) bool { return m(u) })
	}, ""
}

// parseLiteral reads an OData string literal, ” standing for '.
func parseLiteral(s string) (string, bool) {
	s = strings.TrimSpace(s)
	if len(s) < 2 || s[0] != '\'' || s[len(s)-1] != '\'' {
		return "", false
	}
	body := s[1 : len(s)-1]
	if strings.Count(strings.ReplaceAll(body, "''", ""), "'") != 0 {
		return "", false
	}
	return strings.ReplaceAll(body, "''", "'"), true
}

// splitOr splits on " or " outside string literals.
func splitOr(f string) []string { return splitOutsideQuotes(f, " or ") }

func splitList(s string) []string { return splitOutsideQuotes(s, ",") }

func splitOutsideQuotes(s, sep string) []string {
	var parts []string
	quoted, start := false, 0
	for i := 0; i < len(s); i++ {
		if s[i] == '\'' {
			quoted = !quoted
			continue
		}
		if !quoted && strings.HasPrefix(s[i:], sep) {
			parts = append(parts, s[start:i])
			start = i + len(sep)
			i += len(sep) - 1
		}
	}
	return append(parts, s[start:])
}

// The installation permissions: the Self ones install only the app whose
// manifest names the caller's client.
var (
	installAnyRoles  = []string{"TeamsAppInstallation.ReadWriteForUser.All", "TeamsAppInstallation.ReadWriteAndConsentForUser.All"}
	installSelfRoles = []string{"TeamsAppInstallation.ReadWriteSelfForUser.All", "TeamsAppInstallation.ReadWriteAndConsentSelfForUser.All"}
)

// installApp is POST /v1.0/users/{user}/teamwork/installedApps.
func (c *Cloud) installApp(w http.ResponseWriter, r *http.Request, caller graphCaller) {
	anyApp := hasAnyRole(caller, installAnyRoles...)
	if !anyApp && !requireRole(w, r, caller, append(slices.Clone(installAnyRoles), installSelfRoles...)...) {
		return
	}
	var body struct {
		Bind string `json:"teamsApp@odata.bind"`
	}
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<16)).Decode(&body); err != nil {
		writeGraphError(w, r, http.StatusBadRequest, "BadRequest", "Invalid request body: "+err.Error())
		return
	}
	_, catalogID, ok := strings.Cut(body.Bind, "/appCatalogs/teamsApps/")
	if !ok || catalogID == "" || strings.Contains(catalogID, "/") {
		writeGraphError(w, r, http.StatusBadRequest, "BadRequest", "teamsApp@odata.bind must be the URL of a Teams app in the app catalog.")
		return
	}
	c.graph.mu.Lock()
	defer c.graph.mu.Unlock()
	if wait, ok := c.graph.installBucket(caller.tenant).spend(c.graph.clock(), 1); !ok {
		throttled(w, r, wait)
		return
	}
	var app *TeamsApp
	for _, a := range c.graph.catalog[caller.tenant] {
		if a.ID == catalogID {
			app = &a
		}
	}
	if app == nil {
		writeGraphError(w, r, http.StatusNotFound, "NotFound", fmt.Sprintf("Teams app not found: no app with id '%s' in the tenant's app catalog.", catalogID))
		return
	}
	if !anyApp && (app.clientID == "" || app.clientID != caller.appID) {
		writeGraphError(w, r, http.StatusForbidden, "Forbidden",
			"The TeamsAppInstallation.*SelfForUser.All permissions install only the app whose manifest names the caller's client in webApplicationInfo.")
		return
	}
	u := c.graph.findUser(caller.tenant, r.PathValue("user"))
	if u == nil {
		writeGraphError(w, r, http.StatusNotFound, "NotFound", fmt.Sprintf("User '%s' was not found in the tenant.", r.PathValue("user")))
		return
	}
	if _, done := u.installed[catalogID]; done {
		writeGraphError(w, r, http.StatusConflict, "Conflict", "The app is already installed for this user.")
		return
	}
	u.installed[catalogID] = newGUID()
	graphHeaders(w, r)
	w.WriteHeader(http.StatusCreated)
}

// listInstalledApps is GET /v1.0/users/{user}/teamwork/installedApps,
// with $filter=teamsApp/id eq '…' or teamsApp/externalId eq '…'.
func (c *Cloud) listInstalledApps(w http.ResponseWriter, r *http.Request, caller graphCaller) {
	if !requireRole(w, r, caller, append(append([]string{"TeamsAppInstallation.ReadForUser.All"}, installAnyRoles...), installSelfRoles...)...) {
		return
	}
	var byID, byExternal string
	if f := r.URL.Query().Get("$filter"); f != "" {
		prop, lit, ok := strings.Cut(f, " eq ")
		v, okLit := parseLiteral(lit)
		switch {
		case ok && okLit && prop == "teamsApp/id":
			byID = v
		case ok && okLit && prop == "teamsApp/externalId":
			byExternal = v
		default:
			writeGraphError(w, r, http.StatusBadRequest, "BadRequest", "Invalid filter clause: "+f)
			return
		}
	}
	c.graph.mu.Lock()
	defer c.graph.mu.Unlock()
	u := c.graph.findUser(caller.tenant, r.PathValue("user"))
	if u == nil {
		writeGraphError(w, r, http.StatusNotFound, "NotFound", fmt.Sprintf("User '%s' was not found in the tenant.", r.PathValue("user")))
		return
	}
	out := []map[string]any{}
	for _, a := range c.graph.catalog[caller.tenant] {
		inst, ok := u.installed[a.ID]
		if !ok || (byID != "" && a.ID != byID) || (byExternal != "" && a.ExternalID != byExternal) {
			continue
		}
		out = append(out, map[string]any{"id": inst, "teamsApp": a})
	}
	graphHeaders(w, r)
	writeJSON(w, http.StatusOK, noCache, map[string]any{"value": out})
}
