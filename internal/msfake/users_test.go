package msfake

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"
)

// withRoles is a token for the test app with exactly these roles.
func withRoles(t *testing.T, c *Cloud, roles ...string) string {
	t.Helper()
	c.SetAppRoles(testTenant, testClient, roles...)
	return appAccessToken(t, c)
}

func usersPath(filter, sel string) string {
	q := url.Values{}
	if filter != "" {
		q.Set("$filter", filter)
	}
	if sel != "" {
		q.Set("$select", sel)
	}
	return "/v1.0/users?" + q.Encode()
}

func userIDs(t *testing.T, g graphResponse) []string {
	t.Helper()
	var body struct {
		Value []map[string]any `json:"value"`
	}
	if err := json.Unmarshal(g.body, &body); err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, u := range body.Value {
		ids = append(ids, fmt.Sprint(u["id"]))
	}
	return ids
}

func directory(c *Cloud) {
	c.AddUser(testTenant, User{ObjectID: "u-ann", Mail: "Ann@Example.com", UserPrincipalName: "ann@example.com", OtherMails: []string{"ann@old.example"}})
	c.AddUser(testTenant, User{ObjectID: "u-bob", Mail: "bob@example.com", UserPrincipalName: "bob@example.com"})
	c.AddUser(testTenant, User{ObjectID: "u-guest", Mail: "gina@partner.example", UserPrincipalName: "gina_partner.example#EXT#@example.com", Guest: true})
	c.AddUser("other-tenant", User{ObjectID: "u-elsewhere", Mail: "ann@example.com"})
}

func TestUsersAreFoundByEmailAsGraphFilters(t *testing.T) {
	t.Parallel()
	c, _, _ := setupGraph(t)
	directory(c)
	token := withRoles(t, c, "User.Read.All")
	cases := map[string][]string{
		"mail eq 'ann@example.com'": {"u-ann"},
		"mail eq 'ann@example.com' or userPrincipalName eq 'ann@example.com'": {"u-ann"},
		"userPrincipalName in ('bob@example.com','nobody@example.com')":       {"u-bob"},
		"otherMails/any(x:x eq 'ANN@old.example')":                            {"u-ann"},
		"mail eq 'o''brien@example.com'":                                      nil,
		"mail eq 'gina@partner.example'":                                      {"u-guest"},
	}
	for filter, want := range cases {
		g := graphDo(t, c, http.MethodGet, usersPath(filter, "id,mail,userType,accountEnabled"), token, nil)
		wantStatus(t, filter, g, http.StatusOK)
		if got := userIDs(t, g); !slices.Equal(got, want) {
			t.Errorf("%s: %v, want %v", filter, got, want)
		}
	}
	g := graphDo(t, c, http.MethodGet, usersPath("mail eq 'gina@partner.example'", "id,userType,accountEnabled"), token, nil)
	if !strings.Contains(string(g.body), `"userType":"Guest"`) || !strings.Contains(string(g.body), `"accountEnabled":true`) {
		t.Errorf("guest: %s", g.body)
	}
	for filter, code := range map[string]string{
		"displayName eq 'Ann'":          "Request_UnsupportedQuery",
		"endsWith(mail,'@example.com')": "BadRequest",
		"mail eq ann@example.com":       "BadRequest",
		"mail ne 'ann@example.com'":     "Request_UnsupportedQuery",
	} {
		g := graphDo(t, c, http.MethodGet, usersPath(filter, ""), token, nil)
		wantStatus(t, filter, g, http.StatusBadRequest)
		if got, _ := g.graphErr(t); got != code {
			t.Errorf("%s: %s, want %s", filter, got, code)
		}
	}
	// The basic profile leaves out what guest detection needs.
	basic := withRoles(t, c, "User.ReadBasic.All")
	g = graphDo(t, c, http.MethodGet, usersPath("mail eq 'gina@partner.example'", "id,userType"), basic, nil)
	wantStatus(t, "basic", g, http.StatusOK)
	if strings.Contains(string(g.body), "userType") {
		t.Errorf("User.ReadBasic.All saw userType: %s", g.body)
	}
	wantStatus(t, "no permission", graphDo(t, c, http.MethodGet, usersPath("", ""), withRoles(t, c, "TeamsActivity.Send"), nil), http.StatusForbidden)
}

func installPath(user string) string {
	return "/v1.0/users/" + url.PathEscape(user) + "/teamwork/installedApps"
}

func bind(c *Cloud, catalogID string) map[string]any {
	return map[string]any{"teamsApp@odata.bind": c.URL() + "/v1.0/appCatalogs/teamsApps/" + catalogID}
}

func TestInstallingTheAppForAUserFollowsGraphsAnswers(t *testing.T) {
	t.Parallel()
	c, _, catalogID := setupGraph(t)
	clock := useFakeClock(c)
	directory(c)
	other := c.PublishTeamsApp(testTenant, "another-app", "Another")
	self := withRoles(t, c, "TeamsAppInstallation.ReadWriteSelfForUser.All", "TeamsActivity.Send")
	// The Self permission installs only the app whose manifest names the caller.
	wantStatus(t, "self, manifest names nobody", graphDo(t, c, http.MethodPost, installPath("u-ann"), self, bind(c, catalogID)), http.StatusForbidden)
	c.SetTeamsAppClient(testTenant, testExternalID, testClient)
	wantStatus(t, "install", graphDo(t, c, http.MethodPost, installPath("u-ann"), self, bind(c, catalogID)), http.StatusCreated)
	wantStatus(t, "again", graphDo(t, c, http.MethodPost, installPath("u-ann"), self, bind(c, catalogID)), http.StatusConflict)
	wantStatus(t, "by UPN", graphDo(t, c, http.MethodPost, installPath("bob@example.com"), self, bind(c, catalogID)), http.StatusCreated)
	wantStatus(t, "unknown user", graphDo(t, c, http.MethodPost, installPath("u-nobody"), self, bind(c, catalogID)), http.StatusNotFound)
	wantStatus(t, "unknown app", graphDo(t, c, http.MethodPost, installPath("u-guest"), self, bind(c, "no-such-app")), http.StatusNotFound)
	wantStatus(t, "someone else's app", graphDo(t, c, http.MethodPost, installPath("u-guest"), self, bind(c, other)), http.StatusForbidden)
	wantStatus(t, "a bad bind", graphDo(t, c, http.MethodPost, installPath("u-guest"), self, map[string]any{"teamsApp@odata.bind": "x"}), http.StatusBadRequest)
	wantStatus(t, "no permission", graphDo(t, c, http.MethodPost, installPath("u-guest"), withRoles(t, c, "User.Read.All"), bind(c, catalogID)), http.StatusForbidden)
	anyApp := withRoles(t, c, "TeamsAppInstallation.ReadWriteForUser.All", "TeamsAppInstallation.ReadForUser.All")
	wantStatus(t, "any app", graphDo(t, c, http.MethodPost, installPath("u-guest"), anyApp, bind(c, other)), http.StatusCreated)
	if got := c.InstalledFor(testTenant, "u-ann"); !slices.Equal(got, []string{catalogID}) {
		t.Fatalf("installed for ann: %v", got)
	}
	g := graphDo(t, c, http.MethodGet, installPath("u-ann")+"?"+url.Values{"$filter": {"teamsApp/externalId eq '" + testExternalID + "'"}}.Encode(), anyApp, nil)
	wantStatus(t, "list", g, http.StatusOK)
	if !strings.Contains(string(g.body), catalogID) {
		t.Fatalf("list: %s", g.body)
	}
	g = graphDo(t, c, http.MethodGet, installPath("u-ann")+"?"+url.Values{"$filter": {"teamsApp/id eq '" + other + "'"}}.Encode(), anyApp, nil)
	if !strings.Contains(string(g.body), `"value":[]`) {
		t.Fatalf("an app not installed is listed: %s", g.body)
	}

	// A directory user is notified only once the app is installed for them.
	send := func(oid string) int {
		body := activity(1, catalogID)
		body["recipients"].([]map[string]any)[0]["userId"] = oid
		return graphDo(t, c, http.MethodPost, sendPath, self, body).status
	}
	if st := send("u-ann"); st != http.StatusAccepted {
		t.Fatalf("to ann, installed: %d", st)
	}
	c.AddUser(testTenant, User{ObjectID: "u-new", UserPrincipalName: "new@example.com"})
	clock.advance(time.Second) // the bulk endpoint's 2 a second
	if st := send("u-new"); st != http.StatusForbidden {
		t.Fatalf("to someone without the app: %d", st)
	}
}

func TestBatchesRunEachRequestAsGraphDoes(t *testing.T) {
	t.Parallel()
	c, _, catalogID := setupGraph(t)
	directory(c)
	c.SetTeamsAppClient(testTenant, testExternalID, testClient)
	token := withRoles(t, c, "User.Read.All", "TeamsAppInstallation.ReadWriteSelfForUser.All")
	batch := func(reqs ...map[string]any) graphResponse {
		return graphDo(t, c, http.MethodPost, "/v1.0/$batch", token, map[string]any{"requests": reqs})
	}
	get := func(id, u string) map[string]any { return map[string]any{"id": id, "method": "GET", "url": u} }
	install := func(id, user string, deps ...string) map[string]any {
		r := map[string]any{"id": id, "method": "POST", "url": "/users/" + user + "/teamwork/installedApps",
			"headers": map[string]string{"Content-Type": "application/json"}, "body": bind(c, catalogID)}
		if len(deps) > 0 {
			r["dependsOn"] = deps
		}
		return r
	}
	g := batch(
		get("1", "users?$filter="+url.QueryEscape("mail eq 'ann@example.com'")+"&$select=id"),
		install("2", "u-ann"),
		install("3", "u-ann"),
		install("4", "u-nobody"),
		install("5", "u-bob", "4"),
	)
	wantStatus(t, "batch", g, http.StatusOK)
	var out struct {
		Responses []struct {
			ID     string          `json:"id"`
			Status int             `json:"status"`
			Body   json.RawMessage `json:"body"`
		} `json:"responses"`
	}
	if err := json.Unmarshal(g.body, &out); err != nil {
		t.Fatal(err)
	}
	status := map[string]int{}
	for _, r := range out.Responses {
		status[r.ID] = r.Status
		if r.ID == "1" && !strings.Contains(string(r.Body), "u-ann") {
			t.Errorf("lookup in a batch: %s", r.Body)
		}
	}
	want := map[string]int{"1": 200, "2": 201, "3": 409, "4": 404, "5": 424}
	for id, st := range want {
		if status[id] != st {
			t.Errorf("request %s: %d, want %d", id, status[id], st)
		}
	}
	if c.InstalledFor(testTenant, "u-bob") != nil {
		t.Error("a request whose dependency failed ran")
	}

	many := make([]map[string]any, 21)
	for i := range many {
		many[i] = get(fmt.Sprint(i), "users")
	}
	wantStatus(t, "21 requests", batch(many...), http.StatusBadRequest)
	wantStatus(t, "a repeated id", batch(get("a", "users"), get("A", "users")), http.StatusBadRequest)
	wantStatus(t, "a body without Content-Type", batch(map[string]any{"id": "1", "method": "POST", "url": "/users/u-ann/teamwork/installedApps", "body": bind(c, catalogID)}), http.StatusBadRequest)
	wantStatus(t, "a batch in a batch", batch(map[string]any{"id": "1", "method": "POST", "url": "$batch"}), http.StatusBadRequest)
}

func TestInstallsAreThrottledAt30ASecondEvenInBatches(t *testing.T) {
	t.Parallel()
	c, _, catalogID := setupGraph(t)
	clock := useFakeClock(c)
	c.SetTeamsAppClient(testTenant, testExternalID, testClient)
	token := withRoles(t, c, "TeamsAppInstallation.ReadWriteSelfForUser.All")
	var reqs []map[string]any
	for i := range 40 {
		oid := fmt.Sprintf("u-%02d", i)
		c.AddUser(testTenant, User{ObjectID: oid, UserPrincipalName: oid + "@example.com"})
		reqs = append(reqs, map[string]any{"id": fmt.Sprint(i), "method": "POST", "url": "/users/" + oid + "/teamwork/installedApps",
			"headers": map[string]string{"Content-Type": "application/json"}, "body": bind(c, catalogID)})
	}
	throttledN, retryAfter := 0, ""
	for start := 0; start < 40; start += 20 {
		g := graphDo(t, c, http.MethodPost, "/v1.0/$batch", token, map[string]any{"requests": reqs[start : start+20]})
		var out struct {
			Responses []struct {
				Status  int               `json:"status"`
				Headers map[string]string `json:"headers"`
			} `json:"responses"`
		}
		_ = json.Unmarshal(g.body, &out)
		for _, r := range out.Responses {
			if r.Status == http.StatusTooManyRequests {
				throttledN++
				retryAfter = r.Headers["Retry-After"]
			}
		}
	}
	if throttledN != 10 || retryAfter != "1" {
		t.Fatalf("%d of 40 installs in one instant throttled, Retry-After %q", throttledN, retryAfter)
	}
	clock.advance(time.Second)
	wantStatus(t, "after a second", graphDo(t, c, http.MethodPost, installPath("u-39"), token, bind(c, catalogID)), http.StatusCreated)
}

func TestPerPersonConsentComesWithTheInstallationUnlessThePolicyBlocksIt(t *testing.T) {
	c, _, catalogID := setupGraph(t)
	c.AddUser(testTenant, User{ObjectID: "00000000-0000-4000-8000-000000000001", UserPrincipalName: "ann@example.com"})
	c.AddUser(testTenant, User{ObjectID: "00000000-0000-4000-8000-000000000002", UserPrincipalName: "bob@example.com"})
	c.InstallTeamsApp(testTenant, "00000000-0000-4000-8000-000000000001", testExternalID)
	clock := useFakeClock(c)
	tok := c.appToken(testTenant, testClient, newGUID(), []string{"AppCatalog.Read.All"}, clock.now(), time.Hour)
	rsc := c.Sign(tok)
	send := func(oid string) int {
		clock.advance(time.Second) // the bulk endpoint's 2 a second
		body := activity(1, catalogID)
		body["recipients"] = []map[string]string{{"@odata.type": "microsoft.graph.aadUserNotificationRecipient", "userId": oid}}
		return graphDo(t, c, http.MethodPost, sendPath, rsc, body).status
	}
	if got := send("00000000-0000-4000-8000-000000000001"); got != http.StatusAccepted {
		t.Errorf("a person who installed the app: %d", got)
	}
	if got := send("00000000-0000-4000-8000-000000000002"); got != http.StatusForbidden {
		t.Errorf("a person without the app: %d", got)
	}
	c.SetResourceSpecificConsent(testTenant, false)
	if got := send("00000000-0000-4000-8000-000000000001"); got != http.StatusForbidden {
		t.Errorf("with the policy blocking consent: %d", got)
	}
}
