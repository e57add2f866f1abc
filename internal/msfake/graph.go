package msfake

import (
	"crypto"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// graphState is the fake Graph's (and the token endpoint's) mutable state.
type graphState struct {
	mu sync.Mutex
	// now is the clock of the Graph and token endpoints (token times,
	// lifetime checks, rate limits, Notification.At); nil means time.Now.
	// Tests in this package replace it to move time without sleeping.
	now func() time.Time

	dirs          map[string]*tenantDir // by tenant ID, lower case
	tokenLifetime time.Duration
	catalog       map[string]map[string]TeamsApp // tenant → external ID → app
	notifications []Notification
	buckets       map[string]*rateBucket // per tenant

	failN, failStatus int
	failRetryAfter    time.Duration
	stallN            int
	stallFor          time.Duration

	// withoutApp are the people (tenant → object IDs) outside the
	// directory for whom the Teams app is not installed.
	withoutApp map[string]map[string]bool
	// users are the directory's people (tenant → object ID).
	users map[string]map[string]*dirUser
	// directory and installs are the per-tenant throttling of user reads
	// and app installations.
	directory, installs map[string]*rateBucket
	// adminRoles are the directory roles of each tenant's administrator.
	adminRoles map[string][]string
	// rscBlocked are the tenants whose policy keeps people from giving
	// resource-specific consent when the app is installed for them.
	rscBlocked map[string]bool
	// failCatalogWrites is how many catalog publishes or updates fail next.
	failCatalogWrites int
}

func (g *graphState) init() {
	g.dirs = map[string]*tenantDir{}
	g.tokenLifetime = defaultAppTokenLifetime
	g.catalog = map[string]map[string]TeamsApp{}
	g.buckets = map[string]*rateBucket{}
	g.withoutApp = map[string]map[string]bool{}
	g.users = map[string]map[string]*dirUser{}
	g.directory = map[string]*rateBucket{}
	g.installs = map[string]*rateBucket{}
}

// clock is the current time; the caller holds mu.
func (g *graphState) clock() time.Time {
	if g.now != nil {
		return g.now()
	}
	return time.Now()
}

// TeamsApp is an app in a tenant's Teams app catalog, as Graph lists it.
type TeamsApp struct {
	ID                 string `json:"id"`
	ExternalID         string `json:"externalId"`
	DisplayName        string `json:"displayName"`
	DistributionMethod string `json:"distributionMethod"`
	// Version is the uploaded package's version; Graph gives it only in
	// the expanded appDefinitions.
	Version string `json:"-"`
	// clientID is the Entra client the manifest's webApplicationInfo
	// names, lower case.
	clientID string
	// manifest is the manifest.json of the package last uploaded, if
	// one was uploaded through Graph.
	manifest string
}

// appDefinition is one version of a catalog app, as $expand gives it.
type appDefinition struct {
	ID          string `json:"id"`
	TeamsAppID  string `json:"teamsAppId"`
	DisplayName string `json:"displayName"`
	Version     string `json:"version"`
}

// expandedTeamsApp is a catalog app with $expand=appDefinitions.
type expandedTeamsApp struct {
	TeamsApp
	AppDefinitions []appDefinition `json:"appDefinitions"`
}

// SetTeamsAppVersion sets the version of the package an admin uploaded
// for a catalog app (PublishTeamsApp uploads 1.0.0).
func (c *Cloud) SetTeamsAppVersion(tenant, externalID, version string) {
	c.graph.mu.Lock()
	defer c.graph.mu.Unlock()
	if app, ok := c.graph.catalog[strings.ToLower(tenant)][externalID]; ok {
		app.Version = version
		c.graph.catalog[strings.ToLower(tenant)][externalID] = app
	}
}

// PublishTeamsApp adds an app with the manifest ID externalID to tenant's
// Teams app catalog, as an administrator uploading a custom app does
// (distribution method "organization"), and returns its catalog ID, the
// teamsAppId Graph wants. Publishing the same external ID again updates
// the display name and keeps the catalog ID.
func (c *Cloud) PublishTeamsApp(tenant, externalID, displayName string) (catalogID string) {
	c.graph.mu.Lock()
	defer c.graph.mu.Unlock()
	t := strings.ToLower(tenant)
	if c.graph.catalog[t] == nil {
		c.graph.catalog[t] = map[string]TeamsApp{}
	}
	app, ok := c.graph.catalog[t][externalID]
	if !ok {
		app = TeamsApp{ID: newGUID(), ExternalID: externalID, DistributionMethod: "organization", Version: "1.0.0"}
	}
	app.DisplayName = displayName
	c.graph.catalog[t][externalID] = app
	return app.ID
}

// RemoveTeamsApp removes the app with the manifest ID externalID from
// every tenant's catalog.
func (c *Cloud) RemoveTeamsApp(externalID string) {
	c.graph.mu.Lock()
	defer c.graph.mu.Unlock()
	for _, apps := range c.graph.catalog {
		delete(apps, externalID)
	}
}

// Notification is an activity feed notification Graph accepted.
type Notification struct {
	Tenant             string
	ActivityType       string
	Preview            string
	TopicWebURL        string
	TeamsAppID         string
	Recipients         []string // user (object) IDs
	TemplateParameters map[string]string
	// ChainID is the request's chainId; 0 when it had none.
	ChainID int64
	At      time.Time
}

// Feed is what a person's activity feed shows of the notifications
// accepted so far, oldest first: as Graph documents, a notification with
// the chainId of an earlier one from the same app overrides it.
func (c *Cloud) Feed(objectID string) []Notification {
	var feed []Notification
	for _, n := range c.Notifications() {
		if !slices.ContainsFunc(n.Recipients, func(r string) bool { return strings.EqualFold(r, objectID) }) {
			continue
		}
		if n.ChainID != 0 {
			feed = slices.DeleteFunc(feed, func(old Notification) bool {
				return old.ChainID == n.ChainID && old.TeamsAppID == n.TeamsAppID
			})
		}
		feed = append(feed, n)
	}
	return feed
}

// Notifications is every notification accepted so far, oldest first.
func (c *Cloud) Notifications() []Notification {
	c.graph.mu.Lock()
	defer c.graph.mu.Unlock()
	out := make([]Notification, len(c.graph.notifications))
	for i, n := range c.graph.notifications {
		n.Recipients = slices.Clone(n.Recipients)
		params := make(map[string]string, len(n.TemplateParameters))
		for k, v := range n.TemplateParameters {
			params[k] = v
		}
		n.TemplateParameters = params
		out[i] = n
	}
	return out
}

// FailNext makes the next n Graph requests (any /v1.0/ path, before
// authentication) answer status with a Graph error; a 429 or 503 also
// carries "Retry-After: 1". It replaces an earlier FailNext or
// ThrottleNext.
func (c *Cloud) FailNext(n int, status int) {
	c.graph.mu.Lock()
	defer c.graph.mu.Unlock()
	c.graph.failN, c.graph.failStatus, c.graph.failRetryAfter = n, status, time.Second
}

// ThrottleNext makes the next n Graph requests answer 429 with a
// Retry-After of retryAfter (whole seconds, as Graph sends it). It
// replaces an earlier FailNext or ThrottleNext.
func (c *Cloud) ThrottleNext(n int, retryAfter time.Duration) {
	c.graph.mu.Lock()
	defer c.graph.mu.Unlock()
	c.graph.failN, c.graph.failStatus, c.graph.failRetryAfter = n, http.StatusTooManyRequests, retryAfter
}

// SetTeamsAppInstalled says whether the Teams app is installed for the
// people with these object IDs in tenant (it is, unless said otherwise).
// Graph only notifies people who have the app: a request naming someone
// without it is refused.
func (c *Cloud) SetTeamsAppInstalled(tenant string, installed bool, objectIDs ...string) {
	c.graph.mu.Lock()
	defer c.graph.mu.Unlock()
	t := strings.ToLower(tenant)
	if c.graph.withoutApp[t] == nil {
		c.graph.withoutApp[t] = map[string]bool{}
	}
	for _, oid := range objectIDs {
		if installed {
			delete(c.graph.withoutApp[t], strings.ToLower(oid))
		} else {
			c.graph.withoutApp[t][strings.ToLower(oid)] = true
		}
	}
}

// StallNext delays the next n Graph requests by d before they are
// handled (and, with FailNext, before they fail); a request whose client
// gives up meanwhile gets no answer. It replaces an earlier StallNext.
func (c *Cloud) StallNext(n int, d time.Duration) {
	c.graph.mu.Lock()
	defer c.graph.mu.Unlock()
	c.graph.stallN, c.graph.stallFor = n, d
}

// Graph's limit on sendActivityNotificationToRecipients in the fake: a
// token bucket per tenant of this many requests a second (and burst).
const sendRatePerSecond = 2

// graphCaller is the authenticated caller of a Graph request.
type graphCaller struct {
	tenant string
	// appID is the calling client's ID, lower case.
	appID string
	roles []string
	exp   time.Time
	// delegated is a user's token (with scopes), wids the user's
	// directory roles.
	delegated bool
	wids      []string
}

// graphError is Microsoft Graph's JSON error body.
type graphError struct {
	Error graphErrorBody `json:"error"`
}

type graphErrorBody struct {
	Code       string          `json:"code"`
	Message    string          `json:"message"`
	InnerError graphInnerError `json:"innerError"`
}

type graphInnerError struct {
	Date            string `json:"date"`
	RequestID       string `json:"request-id"`
	ClientRequestID string `json:"client-request-id"`
}

// graphHeaders sets the request-id headers Graph sends with every answer.
func graphHeaders(w http.ResponseWriter, r *http.Request) (requestID, clientRequestID string) {
	requestID = newGUID()
	clientRequestID = r.Header.Get("client-request-id")
	if clientRequestID == "" {
		clientRequestID = requestID
	}
	w.Header().Set("request-id", requestID)
	w.Header().Set("client-request-id", clientRequestID)
	return requestID, clientRequestID
}

func writeGraphError(w http.ResponseWriter, r *http.Request, status int, code, message string) {
	rid, crid := graphHeaders(w, r)
	writeJSON(w, status, noCache, graphError{Error: graphErrorBody{
		Code:    code,
		Message: message,
		InnerError: graphInnerError{
			Date:            time.Now().UTC().Format("2006-01-02T15:04:05"),
			RequestID:       rid,
			ClientRequestID: crid,
		},
	}})
}

// graphCodes are the error codes Graph gives with common statuses.
var graphCodes = map[int]string{
	http.StatusBadRequest:          "BadRequest",
	http.StatusUnauthorized:        "InvalidAuthenticationToken",
	http.StatusForbidden:           "Forbidden",
	http.StatusNotFound:            "NotFound",
	http.StatusPreconditionFailed:  "PreconditionFailed",
	http.StatusTooManyRequests:     "TooManyRequests",
	http.StatusInternalServerError: "InternalServerError",
	http.StatusBadGateway:          "BadGateway",
	http.StatusServiceUnavailable:  "ServiceUnavailable",
	http.StatusGatewayTimeout:      "GatewayTimeout",
}

func graphCode(status int) string {
	if code, ok := graphCodes[status]; ok {
		return code
	}
	return strings.ReplaceAll(http.StatusText(status), " ", "")
}

// graphRoute wraps a Graph handler with fault injection and bearer
// token authentication.
func (c *Cloud) graphRoute(next func(w http.ResponseWriter, r *http.Request, caller graphCaller)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		c.graph.mu.Lock()
		var stall time.Duration
		if c.graph.stallN > 0 {
			c.graph.stallN--
			stall = c.graph.stallFor
		}
		c.graph.mu.Unlock()
		if stall > 0 {
			t := time.NewTimer(stall)
			select {
			case <-t.C:
			case <-r.Context().Done():
				t.Stop()
				return
			}
		}

		c.graph.mu.Lock()
		fail, retryAfter := 0, c.graph.failRetryAfter
		if c.graph.failN > 0 {
			c.graph.failN--
			fail = c.graph.failStatus
		}
		c.graph.mu.Unlock()
		if fail != 0 {
			if fail == http.StatusTooManyRequests || fail == http.StatusServiceUnavailable {
				w.Header().Set("Retry-After", strconv.Itoa(max(int(retryAfter/time.Second), 1)))
			}
			writeGraphError(w, r, fail, graphCode(fail), "Injected failure (msfake FailNext).")
			return
		}

		caller, msg := c.authenticate(r)
		if msg != "" {
			w.Header().Set("WWW-Authenticate", fmt.Sprintf(
				`Bearer realm="", authorization_uri="%s/common/oauth2/authorize", client_id="%s"`, c.url, GraphAppID))
			writeGraphError(w, r, http.StatusUnauthorized, "InvalidAuthenticationToken", msg)
			return
		}
		next(w, r, caller)
	}
}

// authenticate checks the request's bearer token as Graph does: signed
// (RS256) by one of the fake's published keys, for Graph (aud URL()),
// issued by the token's tenant, and within its lifetime. It returns
// Graph's error message on failure.
func (c *Cloud) authenticate(r *http.Request) (graphCaller, string) {
	auth := r.Header.Get("Authorization")
	scheme, raw, _ := strings.Cut(auth, " ")
	raw = strings.TrimSpace(raw)
	if !strings.EqualFold(scheme, "Bearer") || raw == "" {
		return graphCaller{}, "Access token is empty."
	}
	const malformed = "CompactToken parsing failed with error code: 80049217"
	parts := strings.Split(raw, ".")
	if len(parts) != 3 {
		return graphCaller{}, malformed
	}
	var header struct {
		Alg string `json:"alg"`
		Kid string `json:"kid"`
	}
	var claims map[string]any
	if decodeSegment(parts[0], &header) != nil || decodeSegment(parts[1], &claims) != nil {
		return graphCaller{}, malformed
	}
	sig, err := base64.RawURLEncoding.DecodeString(parts[2])
	if err != nil || header.Alg != "RS256" {
		return graphCaller{}, "Access token validation failure. Signature validation failed."
	}
	c.mu.RLock()
	var key *rsa.PublicKey
	for _, k := range c.keys {
		if k.kid == header.Kid {
			key = &k.key.PublicKey
		}
	}
	c.mu.RUnlock()
	digest := sha256.Sum256([]byte(parts[0] + "." + parts[1]))
	if key == nil || rsa.VerifyPKCS1v15(key, crypto.SHA256, digest[:], sig) != nil {
		return graphCaller{}, "Access token validation failure. Signature validation failed."
	}

	tid, _ := claims["tid"].(string)
	aud, _ := claims["aud"].(string)
	iss, _ := claims["iss"].(string)
	exp, expOK := claims["exp"].(float64)
	nbf, nbfOK := claims["nbf"].(float64)
	if aud != c.url && aud != c.url+"/" {
		return graphCaller{}, "Access token validation failure. Invalid audience."
	}
	if tid == "" || (iss != c.IssuerV1(tid) && iss != c.IssuerV2(tid)) {
		return graphCaller{}, "Access token validation failure. Invalid issuer."
	}
	c.graph.mu.Lock()
	now := c.graph.clock()
	c.graph.mu.Unlock()
	const skew = 5 * time.Minute
	if !expOK || !now.Before(time.Unix(int64(exp), 0)) {
		return graphCaller{}, "Lifetime validation failed, the token is expired."
	}
	if nbfOK && now.Add(skew).Before(time.Unix(int64(nbf), 0)) {
		return graphCaller{}, "Lifetime validation failed, the token is not yet valid."
	}
	caller := graphCaller{tenant: strings.ToLower(tid), exp: time.Unix(int64(exp), 0)}
	for _, claim := range []string{"appid", "azp"} {
		if id, ok := claims[claim].(string); ok && id != "" {
			caller.appID = strings.ToLower(id)
		}
	}
	if roles, ok := claims["roles"].([]any); ok {
		for _, role := range roles {
			if s, ok := role.(string); ok {
				caller.roles = append(caller.roles, s)
			}
		}
	}
	if scp, ok := claims["scp"].(string); ok {
		caller.roles = append(caller.roles, strings.Fields(scp)...)
		caller.delegated = true
	}
	if wids, ok := claims["wids"].([]any); ok {
		for _, id := range wids {
			if s, ok := id.(string); ok {
				caller.wids = append(caller.wids, s)
			}
		}
	}
	return caller, ""
}

func decodeSegment(s string, v any) error {
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return err
	}
	return json.Unmarshal(b, v)
}

// requireRole answers 403 unless the caller has one of roles.
func requireRole(w http.ResponseWriter, r *http.Request, caller graphCaller, roles ...string) bool {
	for _, role := range roles {
		if slices.Contains(caller.roles, role) {
			return true
		}
	}
	writeGraphError(w, r, http.StatusForbidden, "Forbidden", fmt.Sprintf(
		"Missing role permissions on the request. API requires one of '%s'. Roles on the request '%s'.",
		strings.Join(roles, ", "), strings.Join(caller.roles, ", ")))
	return false
}

// graphNotFound answers a /v1.0/ or /beta/ path the fake does not serve
// as Graph does for an unknown segment.
func (c *Cloud) graphNotFound(w http.ResponseWriter, r *http.Request, _ graphCaller) {
	segs := strings.Split(strings.Trim(r.URL.Path, "/"), "/")
	seg := ""
	if len(segs) > 1 {
		seg = segs[1]
	}
	writeGraphError(w, r, http.StatusBadRequest, "BadRequest",
		fmt.Sprintf("Resource not found for the segment '%s'.", seg))
}

// listTeamsApps is GET /v1.0/appCatalogs/teamsApps with an optional
// $filter of the one form the fake understands: externalId eq '<id>'.
func (c *Cloud) listTeamsApps(w http.ResponseWriter, r *http.Request, caller graphCaller) {
	if !requireRole(w, r, caller, "AppCatalog.Read.All", "AppCatalog.ReadWrite.All", "AppCatalog.Submit") {
		return
	}
	q := r.URL.Query()
	filters, hasFilter := q["$filter"]
	var externalID string
	if hasFilter {
		var ok bool
		if len(filters) == 1 {
			externalID, ok = parseExternalIDFilter(filters[0])
		}
		if !ok {
			writeGraphError(w, r, http.StatusBadRequest, "BadRequest",
				fmt.Sprintf("Invalid filter clause: %s", strings.Join(filters, " ")))
			return
		}
	}
	c.graph.mu.Lock()
	value := []TeamsApp{}
	for _, app := range c.graph.catalog[caller.tenant] {
		if !hasFilter || app.ExternalID == externalID {
			value = append(value, app)
		}
	}
	c.graph.mu.Unlock()
	slices.SortFunc(value, func(a, b TeamsApp) int { return strings.Compare(a.DisplayName+a.ID, b.DisplayName+b.ID) })
	graphHeaders(w, r)
	context := c.url + "/v1.0/$metadata#appCatalogs/teamsApps"
	switch expand := q.Get("$expand"); expand {
	case "":
		writeJSON(w, http.StatusOK, noCache, struct {
			Context string     `json:"@odata.context"`
			Value   []TeamsApp `json:"value"`
		}{context, value})
	case "appDefinitions", "appDefinitions($select=version)":
		expanded := make([]expandedTeamsApp, len(value))
		for i, app := range value {
			expanded[i] = expandedTeamsApp{TeamsApp: app, AppDefinitions: []appDefinition{{
				ID: newGUID(), TeamsAppID: app.ID, DisplayName: app.DisplayName, Version: app.Version}}}
		}
		writeJSON(w, http.StatusOK, noCache, struct {
			Context string             `json:"@odata.context"`
			Value   []expandedTeamsApp `json:"value"`
		}{context + "(appDefinitions())", expanded})
	default:
		writeGraphError(w, r, http.StatusBadRequest, "BadRequest", fmt.Sprintf("Could not find a property named '%s' on type 'microsoft.graph.teamsApp'.", expand))
	}
}

// parseExternalIDFilter parses exactly `externalId eq '<literal>'`, with
// a quote inside the literal written twice, as OData escapes it, and
// returns the literal.
func parseExternalIDFilter(f string) (string, bool) {
	rest, ok := strings.CutPrefix(strings.TrimSpace(f), "externalId")
	if !ok {
		return "", false
	}
	trimmed := strings.TrimLeft(rest, " ")
	if len(trimmed) == len(rest) {
		return "", false
	}
	rest, ok = strings.CutPrefix(trimmed, "eq")
	if !ok {
		return "", false
	}
	trimmed = strings.TrimLeft(rest, " ")
	if len(trimmed) == len(rest) || len(trimmed) < 2 || trimmed[0] != '\'' || trimmed[len(trimmed)-1] != '\'' {
		return "", false
	}
	inner := trimmed[1 : len(trimmed)-1]
	var b strings.Builder
	for i := 0; i < len(inner); i++ {
		if inner[i] == '\'' {
			if i+1 >= len(inner) || inner[i+1] != '\'' {
				return "", false
			}
			i++
		}
		b.WriteByte(inner[i])
	}
	return b.String(), true
}

// Rules of POST /teamwork/sendActivityNotificationToRecipients.
const (
	maxRecipients     = 100
	minTokenRemaining = 45 * time.Minute
	aadUserRecipient  = "microsoft.graph.aadUserNotificationRecipient"
)

type activityRequest struct {
	Topic *struct {
		Source string `json:"source"`
		Value  string `json:"value"`
		WebURL string `json:"webUrl"`
	} `json:"topic"`
	ActivityType string `json:"activityType"`
	PreviewText  *struct {
		Content string `json:"content"`
	} `json:"previewText"`
	TemplateParameters []struct {
		Name  string `json:"name"`
		Value string `json:"value"`
	} `json:"templateParameters"`
	Recipients []struct {
		ODataType string `json:"@odata.type"`
		UserID    string `json:"userId"`
	} `json:"recipients"`
	TeamsAppID string `json:"teamsAppId"`
	// ChainID is kept raw: Graph's Int64 must be a JSON integer, which a
	// Go int64 field would not tell from a float.
	ChainID json.RawMessage `json:"chainId"`
}

// chainID is the request's chainId, 0 when absent, or why Graph would
// refuse it.
func (req *activityRequest) chainID() (int64, string) {
	raw := strings.TrimSpace(string(req.ChainID))
	if raw == "" || raw == "null" {
		return 0, ""
	}
	n, err := strconv.ParseInt(raw, 10, 64)
	if err != nil {
		return 0, fmt.Sprintf("Cannot convert the literal '%s' to the expected type 'Edm.Int64'.", raw)
	}
	return n, ""
}

// sendToRecipients is POST /v1.0/teamwork/sendActivityNotificationToRecipients.
// Without the tenant-wide TeamsActivity.Send in the token, each recipient
// must have given the app's resource-specific TeamsActivity.Send.User,
// which a person gives with the app's installation (unless the tenant's
// policy blocks it); it never shows in the token.
func (c *Cloud) sendToRecipients(w http.ResponseWriter, r *http.Request, caller graphCaller) {
	tenantWide := slices.Contains(caller.roles, "TeamsActivity.Send")
	c.graph.mu.Lock()
	now := c.graph.clock()
	c.graph.mu.Unlock()
	// Documented: "The token provided must be at least 45 minutes from
	// expiry. The API call will return a 412 Precondition Failed response
	// if the token expires within 45 minutes."
	if left := caller.exp.Sub(now); left < minTokenRemaining {
		writeGraphError(w, r, http.StatusPreconditionFailed, "PreconditionFailed", fmt.Sprintf(
			"The access token expires in %s; sendActivityNotificationToRecipients requires a token valid for at least %s more.",
			left.Truncate(time.Second), minTokenRemaining))
		return
	}

	c.graph.mu.Lock()
	b := c.graph.buckets[caller.tenant]
	if b == nil {
		b = newBucket(sendRatePerSecond, sendRatePerSecond)
		c.graph.buckets[caller.tenant] = b
	}
	wait, ok := b.spend(now, 1)
	c.graph.mu.Unlock()
	if !ok {
		throttled(w, r, wait)
		return
	}

	var req activityRequest
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<20)).Decode(&req); err != nil {
		writeGraphError(w, r, http.StatusBadRequest, "BadRequest", "Invalid request body: "+err.Error())
		return
	}
	if msg := req.problem(); msg != "" {
		writeGraphError(w, r, http.StatusBadRequest, "BadRequest", msg)
		return
	}
	chain, msg := req.chainID()
	if msg != "" {
		writeGraphError(w, r, http.StatusBadRequest, "BadRequest", msg)
		return
	}

	n := Notification{
		Tenant:             caller.tenant,
		ActivityType:       req.ActivityType,
		Preview:            req.PreviewText.Content,
		TopicWebURL:        req.Topic.WebURL,
		TeamsAppID:         req.TeamsAppID,
		TemplateParameters: map[string]string{},
		ChainID:            chain,
	}
	for _, p := range req.TemplateParameters {
		n.TemplateParameters[p.Name] = p.Value
	}
	for _, rc := range req.Recipients {
		n.Recipients = append(n.Recipients, rc.UserID)
	}
	c.graph.mu.Lock()
	published := false
	var appName string
	for _, app := range c.graph.catalog[caller.tenant] {
		if app.ID == req.TeamsAppID {
			published, appName = true, app.DisplayName
		}
	}
	var without string
	for _, oid := range n.Recipients {
		if !c.graph.hasApp(caller.tenant, oid, req.TeamsAppID) || (!tenantWide && !c.graph.hasConsented(caller.tenant, oid, req.TeamsAppID)) {
			without = oid
			break
		}
	}
	if published && without != "" {
		c.graph.mu.Unlock()
		// Graph's answer when a recipient lacks the app, as it gives it for
		// the one-person endpoint: the whole request is refused.
		writeGraphError(w, r, http.StatusForbidden, "Forbidden", fmt.Sprintf(
			"Application '%s' is not authorized to send activity notifications to the recipient '%s'. Ensure that the expected Teams app is installed in the target scope (user, team, or chat).",
			appName, without))
		return
	}
	if published {
		n.At = c.graph.clock()
		c.graph.notifications = append(c.graph.notifications, n)
	}
	c.graph.mu.Unlock()
	if !published {
		writeGraphError(w, r, http.StatusNotFound, "NotFound", fmt.Sprintf(
			"Teams app not found: no app with id '%s' in the tenant's app catalog.", req.TeamsAppID))
		return
	}
	graphHeaders(w, r)
	w.WriteHeader(http.StatusAccepted)
}

// problem is why Graph would refuse the request body with 400, or "".
func (req *activityRequest) problem() string {
	switch {
	case req.Topic == nil:
		return "Topic is required."
	case req.Topic.Source != "text" && req.Topic.Source != "entityUrl":
		return fmt.Sprintf("Topic source '%s' is not valid; expected 'text' or 'entityUrl'.", req.Topic.Source)
	case req.Topic.Value == "":
		return "Topic value is required."
	case req.Topic.Source == "text" && req.Topic.WebURL == "":
		return "Topic webUrl is required when the topic source is 'text'."
	case req.ActivityType == "":
		return "ActivityType is required."
	case req.PreviewText == nil:
		return "PreviewText is required."
	case len(req.Recipients) == 0:
		return "Recipients are required."
	case len(req.Recipients) > maxRecipients:
		return fmt.Sprintf("Too many recipients: %d; at most %d are allowed in one request.", len(req.Recipients), maxRecipients)
	case req.TeamsAppID == "":
		// Graph treats it as optional and finds the app from the token's
		// client; the fake cannot, so it requires it.
		return "teamsAppId is required (by msfake, which cannot resolve the app from the caller)."
	}
	for i, rc := range req.Recipients {
		if rc.ODataType != aadUserRecipient {
			return fmt.Sprintf("Recipient %d: @odata.type '%s' is not supported; expected '%s'.", i, rc.ODataType, aadUserRecipient)
		}
		if rc.UserID == "" {
			return fmt.Sprintf("Recipient %d: userId is required.", i)
		}
	}
	for i, p := range req.TemplateParameters {
		if p.Name == "" {
			return fmt.Sprintf("Template parameter %d: name is required.", i)
		}
	}
	return ""
}
