package msfake

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"errors"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestGraphRejectsBadTokens(t *testing.T) {
	t.Parallel()
	c, good, catalogID := setupGraph(t)
	foreignKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	app := c.appToken(testTenant, testClient, newGUID(), AppRoles, now, time.Hour)
	expired := c.appToken(testTenant, testClient, newGUID(), AppRoles, now.Add(-2*time.Hour), time.Hour)
	otherIssuer := c.appToken(testTenant, testClient, newGUID(), AppRoles, now, time.Hour)
	otherIssuer.Claims["iss"] = c.IssuerV1(otherTenant)
	// A tab SSO token from the same cloud is for the app, not for Graph.
	sso := c.AccessToken(TokenSpec{Tenant: testTenant})

	tests := []struct{ name, token, message string }{
		{"missing", "", "Access token is empty."},
		{"malformed", "not-a-jwt", "CompactToken parsing failed"},
		{"foreign key", SignWith(app, foreignKey, c.CurrentKID()), "Signature validation failed"},
		{"unknown kid", SignWith(app, c.CurrentKey(), "nope"), "Signature validation failed"},
		{"alg none", SignNone(app), "Signature validation failed"},
		{"HS256 key confusion", SignHS256(app, c.PublicKeyPEM()), "Signature validation failed"},
		{"expired", c.Sign(expired), "the token is expired"},
		{"wrong audience", c.Sign(sso), "Invalid audience"},
		{"wrong issuer", c.Sign(otherIssuer), "Invalid issuer"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, r := range []graphResponse{
				graphDo(t, c, http.MethodGet, catalogPath("externalId eq 'x'"), tt.token, nil),
				graphDo(t, c, http.MethodPost, sendPath, tt.token, activity(1, "x")),
			} {
				wantStatus(t, tt.name, r, http.StatusUnauthorized)
				code, msg := r.graphErr(t)
				if code != "InvalidAuthenticationToken" || !strings.Contains(msg, tt.message) {
					t.Errorf("code %q message %q, want InvalidAuthenticationToken, %q", code, msg, tt.message)
				}
				if !strings.HasPrefix(r.header.Get("WWW-Authenticate"), "Bearer ") {
					t.Errorf("WWW-Authenticate %q", r.header.Get("WWW-Authenticate"))
				}
			}
		})
	}
	if len(c.Notifications()) != 0 {
		t.Errorf("notifications recorded: %v", c.Notifications())
	}

	// A token signed with a key that has since been rotated out of
	// signing (but is still published) stays good.
	c.RotateKeys()
	wantStatus(t, "after rotation", graphDo(t, c, http.MethodGet, catalogPath("externalId eq 'x'"), good, nil), http.StatusOK)

	// A Graph token without TeamsActivity.Send is refused with 403 for a
	// recipient who gave no resource-specific consent.
	noRoles := c.appToken(testTenant, testClient, newGUID(), AppRoles, now, time.Hour)
	delete(noRoles.Claims, "roles")
	r := graphDo(t, c, http.MethodPost, sendPath, c.Sign(noRoles), activity(1, catalogID))
	wantStatus(t, "no roles", r, http.StatusForbidden)
	if code, _ := r.graphErr(t); code != "Forbidden" {
		t.Errorf("no roles: code %q", code)
	}
}

func TestGraphUnknownPath(t *testing.T) {
	t.Parallel()
	c, token, _ := setupGraph(t)
	r := graphDo(t, c, http.MethodGet, "/v1.0/nothingHere", token, nil)
	wantStatus(t, "unknown path", r, http.StatusBadRequest)
	if code, msg := r.graphErr(t); code != "BadRequest" || !strings.Contains(msg, "'nothingHere'") {
		t.Errorf("code %q message %q", code, msg)
	}
}

func TestTeamsAppCatalogLookup(t *testing.T) {
	t.Parallel()
	c, token, catalogID := setupGraph(t)
	quotedID := c.PublishTeamsApp(testTenant, "it's-an-app", "Quoted")
	c.PublishTeamsApp(otherTenant, "elsewhere", "Other tenant")

	lookup := func(filter string) []TeamsApp {
		t.Helper()
		r := graphDo(t, c, http.MethodGet, catalogPath(filter), token, nil)
		wantStatus(t, filter, r, http.StatusOK)
		var body struct {
			Value []TeamsApp `json:"value"`
		}
		if err := json.Unmarshal(r.body, &body); err != nil || body.Value == nil {
			t.Fatalf("%s: body %s: %v", filter, r.body, err)
		}
		return body.Value
	}

	got := lookup("externalId eq '" + testExternalID + "'")
	want := TeamsApp{ID: catalogID, ExternalID: testExternalID, DisplayName: "Mattermost", DistributionMethod: "organization"}
	if len(got) != 1 || got[0] != want {
		t.Errorf("lookup: %+v, want %+v", got, want)
	}
	if got := lookup("externalId eq 'it''s-an-app'"); len(got) != 1 || got[0].ID != quotedID {
		t.Errorf("escaped quote: %+v", got)
	}
	if got := lookup("externalId eq 'elsewhere'"); len(got) != 0 {
		t.Errorf("another tenant's app is visible: %+v", got)
	}
	if got := lookup("externalId eq 'unknown'"); len(got) != 0 {
		t.Errorf("unknown app: %+v", got)
	}
	r := graphDo(t, c, http.MethodGet, "/v1.0/appCatalogs/teamsApps", token, nil)
	wantStatus(t, "no filter", r, http.StatusOK)
	if n := strings.Count(string(r.body), `"externalId"`); n != 2 {
		t.Errorf("no filter: %d apps in %s", n, r.body)
	}

	for _, bad := range []string{
		"externalId eq 'it's-an-app'",
		"externalId eq '" + testExternalID,
		"externalId eq " + testExternalID,
		"externalid eq 'x'",
		"displayName eq 'Mattermost'",
		"externalId ne 'x'",
		"externalIdeq 'x'",
		"externalId eq 'x' or externalId eq 'y'",
		"",
	} {
		r := graphDo(t, c, http.MethodGet, catalogPath(bad), token, nil)
		wantStatus(t, bad, r, http.StatusBadRequest)
		if code, _ := r.graphErr(t); code != "BadRequest" {
			t.Errorf("%q: code %q", bad, code)
		}
	}

	if again := c.PublishTeamsApp(testTenant, testExternalID, "Mattermost 2"); again != catalogID {
		t.Errorf("republished under a new ID %s, want %s", again, catalogID)
	}
	c.RemoveTeamsApp(testExternalID)
	if got := lookup("externalId eq '" + testExternalID + "'"); len(got) != 0 {
		t.Errorf("after RemoveTeamsApp: %+v", got)
	}
}

func TestSendActivityNotification(t *testing.T) {
	t.Parallel()
	c, token, catalogID := setupGraph(t)
	clock := useFakeClock(c)
	r := graphDo(t, c, http.MethodPost, sendPath, token, activity(3, catalogID))
	wantStatus(t, "send", r, http.StatusAccepted)
	if len(r.body) != 0 {
		t.Errorf("202 body %q", r.body)
	}
	got := c.Notifications()
	if len(got) != 1 {
		t.Fatalf("%d notifications", len(got))
	}
	n := got[0]
	if n.Tenant != testTenant || n.ActivityType != "mentioned" || n.Preview != "alice: hi @bob" ||
		n.TeamsAppID != catalogID || !strings.HasSuffix(n.TopicWebURL, "/home") ||
		len(n.Recipients) != 3 || n.Recipients[2] != "00000000-0000-0000-0000-000000000002" ||
		n.TemplateParameters["channel"] != "town-square" || !n.At.Equal(clock.now()) {
		t.Errorf("notification %+v", n)
	}
	// The copy is the caller's.
	got[0].Recipients[0] = "changed"
	if c.Notifications()[0].Recipients[0] == "changed" {
		t.Error("Notifications shares its slices")
	}

	// Bodies Graph refuses are not recorded.
	for name, change := range map[string]func(map[string]any){
		"bad topic source": func(b map[string]any) { b["topic"].(map[string]any)["source"] = "url" },
		"no activity type": func(b map[string]any) { delete(b, "activityType") },
		"bad recipient type": func(b map[string]any) {
			b["recipients"].([]map[string]any)[0]["@odata.type"] = "microsoft.graph.chatMembersNotificationRecipient"
		},
	} {
		clock.advance(time.Second)
		body := activity(1, catalogID)
		change(body)
		wantStatus(t, name, graphDo(t, c, http.MethodPost, sendPath, token, body), http.StatusBadRequest)
	}
	if len(c.Notifications()) != 1 {
		t.Errorf("%d notifications after refused ones", len(c.Notifications()))
	}
}

func TestSendRecipientCap(t *testing.T) {
	t.Parallel()
	c, token, catalogID := setupGraph(t)
	clock := useFakeClock(c)
	wantStatus(t, "100 recipients", graphDo(t, c, http.MethodPost, sendPath, token, activity(100, catalogID)), http.StatusAccepted)
	clock.advance(time.Second)
	r := graphDo(t, c, http.MethodPost, sendPath, token, activity(101, catalogID))
	wantStatus(t, "101 recipients", r, http.StatusBadRequest)
	if code, msg := r.graphErr(t); code != "BadRequest" || !strings.Contains(msg, "at most 100") {
		t.Errorf("code %q message %q", code, msg)
	}
	clock.advance(time.Second)
	wantStatus(t, "0 recipients", graphDo(t, c, http.MethodPost, sendPath, token, activity(0, catalogID)), http.StatusBadRequest)
	if len(c.Notifications()) != 1 {
		t.Errorf("%d notifications", len(c.Notifications()))
	}
}

func TestSendRequires45MinutesOfTokenLife(t *testing.T) {
	t.Parallel()
	c, fresh, catalogID := setupGraph(t)
	clock := useFakeClock(c)

	c.SetTokenLifetime(44 * time.Minute)
	short := appAccessToken(t, c)
	r := graphDo(t, c, http.MethodPost, sendPath, short, activity(1, catalogID))
	wantStatus(t, "44-minute token", r, http.StatusPreconditionFailed)
	if code, msg := r.graphErr(t); code != "PreconditionFailed" || !strings.Contains(msg, "45m") {
		t.Errorf("code %q message %q", code, msg)
	}
	// The catalog does not care.
	wantStatus(t, "catalog", graphDo(t, c, http.MethodGet, catalogPath("externalId eq 'x'"), short, nil), http.StatusOK)

	c.SetTokenLifetime(46 * time.Minute)
	wantStatus(t, "46-minute token", graphDo(t, c, http.MethodPost, sendPath, appAccessToken(t, c), activity(1, catalogID)), http.StatusAccepted)

	// A default (3599 s) token is good for its first 14 minutes only.
	clock.advance(14 * time.Minute)
	wantStatus(t, "after 14 minutes", graphDo(t, c, http.MethodPost, sendPath, fresh, activity(1, catalogID)), http.StatusAccepted)
	clock.advance(time.Minute)
	wantStatus(t, "after 15 minutes", graphDo(t, c, http.MethodPost, sendPath, fresh, activity(1, catalogID)), http.StatusPreconditionFailed)
}

func TestSendUnknownTeamsApp(t *testing.T) {
	t.Parallel()
	c, token, catalogID := setupGraph(t)
	clock := useFakeClock(c)
	otherCatalogID := c.PublishTeamsApp(otherTenant, testExternalID, "Mattermost")
	for _, id := range []string{newGUID(), otherCatalogID} {
		clock.advance(time.Second)
		r := graphDo(t, c, http.MethodPost, sendPath, token, activity(1, id))
		wantStatus(t, "unknown app", r, http.StatusNotFound)
		if code, msg := r.graphErr(t); code != "NotFound" || !strings.Contains(msg, "not found") {
			t.Errorf("code %q message %q", code, msg)
		}
	}
	c.RemoveTeamsApp(testExternalID)
	clock.advance(time.Second)
	wantStatus(t, "removed app", graphDo(t, c, http.MethodPost, sendPath, token, activity(1, catalogID)), http.StatusNotFound)
	if len(c.Notifications()) != 0 {
		t.Errorf("%d notifications", len(c.Notifications()))
	}
}

func TestSendRateLimit(t *testing.T) {
	t.Parallel()
	c, token, catalogID := setupGraph(t)
	clock := useFakeClock(c)
	send := func(token, appID string) graphResponse {
		return graphDo(t, c, http.MethodPost, sendPath, token, activity(1, appID))
	}
	wantStatus(t, "1st", send(token, catalogID), http.StatusAccepted)
	wantStatus(t, "2nd", send(token, catalogID), http.StatusAccepted)
	r := send(token, catalogID)
	wantStatus(t, "3rd in the same second", r, http.StatusTooManyRequests)
	if r.header.Get("Retry-After") != "1" {
		t.Errorf("Retry-After %q", r.header.Get("Retry-After"))
	}
	if code, _ := r.graphErr(t); code != "TooManyRequests" {
		t.Errorf("code %q", code)
	}

	// Another tenant has its own budget.
	c.RegisterApp(otherTenant, testClient, testSecret)
	status, body := postToken(t, c, otherTenant, clientCredentials(c, testClient, testSecret))
	if status != http.StatusOK {
		t.Fatalf("other tenant token: %d", status)
	}
	otherApp := c.PublishTeamsApp(otherTenant, testExternalID, "Mattermost")
	wantStatus(t, "other tenant", send(body["access_token"].(string), otherApp), http.StatusAccepted)

	// Half a second refills one request.
	clock.advance(500 * time.Millisecond)
	wantStatus(t, "after 500ms", send(token, catalogID), http.StatusAccepted)
	wantStatus(t, "again after 500ms", send(token, catalogID), http.StatusTooManyRequests)
	clock.advance(time.Second)
	wantStatus(t, "after 1.5s", send(token, catalogID), http.StatusAccepted)
	wantStatus(t, "after 1.5s, 2nd", send(token, catalogID), http.StatusAccepted)
	if got := len(c.Notifications()); got != 6 {
		t.Errorf("%d notifications, want 6", got)
	}
}

func TestFailNext(t *testing.T) {
	t.Parallel()
	c, token, catalogID := setupGraph(t)
	c.FailNext(2, http.StatusServiceUnavailable)
	for i := range 2 {
		r := graphDo(t, c, http.MethodPost, sendPath, token, activity(1, catalogID))
		wantStatus(t, "injected 503", r, http.StatusServiceUnavailable)
		if code, _ := r.graphErr(t); code != "ServiceUnavailable" {
			t.Errorf("%d: code %q", i, code)
		}
	}
	wantStatus(t, "after the failures", graphDo(t, c, http.MethodPost, sendPath, token, activity(1, catalogID)), http.StatusAccepted)

	// Failures come before authentication, and apply to every Graph path.
	c.FailNext(1, http.StatusTooManyRequests)
	r := graphDo(t, c, http.MethodGet, catalogPath("externalId eq 'x'"), "", nil)
	wantStatus(t, "injected 429", r, http.StatusTooManyRequests)
	if r.header.Get("Retry-After") != "1" {
		t.Errorf("Retry-After %q", r.header.Get("Retry-After"))
	}
	wantStatus(t, "after the 429", graphDo(t, c, http.MethodGet, catalogPath("externalId eq 'x'"), "", nil), http.StatusUnauthorized)
	if got := len(c.Notifications()); got != 1 {
		t.Errorf("%d notifications, want 1", got)
	}
}

func TestStallNext(t *testing.T) {
	t.Parallel()
	c, token, _ := setupGraph(t)
	c.StallNext(1, time.Minute)
	client := c.Client()
	client.Timeout = 200 * time.Millisecond
	req, _ := http.NewRequest(http.MethodGet, c.URL()+catalogPath("externalId eq 'x'"), nil)
	req.Header.Set("Authorization", "Bearer "+token)
	_, err := client.Do(req)
	var timeout interface{ Timeout() bool }
	if err == nil || !errors.As(err, &timeout) || !timeout.Timeout() {
		t.Fatalf("stalled request: err %v, want a timeout", err)
	}
	// The next request is not stalled.
	start := time.Now()
	wantStatus(t, "after the stall", graphDo(t, c, http.MethodGet, catalogPath("externalId eq 'x'"), token, nil), http.StatusOK)
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("unstalled request took %v", d)
	}

	// A short stall delays, then answers normally.
	c.StallNext(1, 100*time.Millisecond)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	req, _ = http.NewRequestWithContext(ctx, http.MethodGet, c.URL()+catalogPath("externalId eq 'x'"), nil)
	req.Header.Set("Authorization", "Bearer "+token)
	start = time.Now()
	resp, err := c.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || time.Since(start) < 100*time.Millisecond {
		t.Errorf("short stall: status %d after %v", resp.StatusCode, time.Since(start))
	}
}

func TestThrottleNextSendsItsRetryAfter(t *testing.T) {
	t.Parallel()
	c, token, catalogID := setupGraph(t)
	c.ThrottleNext(1, 90*time.Second)
	r := graphDo(t, c, http.MethodPost, sendPath, token, activity(1, catalogID))
	wantStatus(t, "throttled", r, http.StatusTooManyRequests)
	if got := r.header.Get("Retry-After"); got != "90" {
		t.Errorf("Retry-After %q, want 90", got)
	}
	wantStatus(t, "after", graphDo(t, c, http.MethodPost, sendPath, token, activity(1, catalogID)), http.StatusAccepted)
}

func TestSendRefusesARecipientWithoutTheApp(t *testing.T) {
	t.Parallel()
	c, token, catalogID := setupGraph(t)
	body := activity(3, catalogID)
	lacking := body["recipients"].([]map[string]any)[1]["userId"].(string)
	c.SetTeamsAppInstalled(testTenant, false, lacking)
	r := graphDo(t, c, http.MethodPost, sendPath, token, body)
	wantStatus(t, "a recipient without the app", r, http.StatusForbidden)
	if code, msg := r.graphErr(t); code != "Forbidden" || !strings.Contains(msg, lacking) || !strings.Contains(msg, "installed") {
		t.Errorf("%s: %s", code, msg)
	}
	if len(c.Notifications()) != 0 {
		t.Fatal("the others were told anyway")
	}
	c.SetTeamsAppInstalled(testTenant, true, lacking)
	wantStatus(t, "once installed", graphDo(t, c, http.MethodPost, sendPath, token, body), http.StatusAccepted)
}

func TestSendChainIDIsAnInt64AndOverridesTheEarlierItem(t *testing.T) {
	t.Parallel()
	c, token, catalogID := setupGraph(t)
	clock := useFakeClock(c)
	for name, chain := range map[string]any{
		"a string":        "42",
		"a fraction":      4.5,
		"beyond Int64":    json.Number("9223372036854775808"),
		"an object":       map[string]any{"id": 1},
		"a boolean":       true,
		"exponent syntax": json.Number("1e3"),
	} {
		clock.advance(time.Second)
		body := activity(1, catalogID)
		body["chainId"] = chain
		r := graphDo(t, c, http.MethodPost, sendPath, token, body)
		wantStatus(t, name, r, http.StatusBadRequest)
		if _, msg := r.graphErr(t); !strings.Contains(msg, "Edm.Int64") {
			t.Errorf("%s: %q", name, msg)
		}
	}
	if n := len(c.Notifications()); n != 0 {
		t.Fatalf("%d refused bodies were recorded", n)
	}
	send := func(chain any, preview string) {
		t.Helper()
		clock.advance(time.Second)
		body := activity(2, catalogID)
		if chain != nil {
			body["chainId"] = chain
		}
		body["previewText"] = map[string]any{"content": preview}
		wantStatus(t, preview, graphDo(t, c, http.MethodPost, sendPath, token, body), http.StatusAccepted)
	}
	send(7, "first in chain 7")
	send(8, "chain 8")
	send(7, "second in chain 7")
	send(nil, "no chain")
	send(nil, "no chain again")
	feed := c.Feed("00000000-0000-0000-0000-000000000001")
	var previews []string
	for _, n := range feed {
		previews = append(previews, n.Preview)
	}
	if want := []string{"chain 8", "second in chain 7", "no chain", "no chain again"}; !slices.Equal(previews, want) {
		t.Fatalf("feed %q, want %q", previews, want)
	}
	if feed[1].ChainID != 7 || len(c.Feed("someone-else")) != 0 {
		t.Fatalf("chain %d", feed[1].ChainID)
	}
}
