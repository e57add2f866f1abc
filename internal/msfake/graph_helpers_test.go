package msfake

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"
)

const (
	testSecret     = "s3cr3t~value"
	testExternalID = "2b4c7a1e-7d3e-4c52-9a8f-5e0c1d2f3a4b"
	otherTenant    = "0b1c2d3e-4f50-4a6b-8c7d-8e9fa0b1c2d3"
)

// fakeClock stands in for the Graph clock so tests move time, not sleep.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (f *fakeClock) now() time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.t
}

func (f *fakeClock) advance(d time.Duration) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.t = f.t.Add(d)
}

func useFakeClock(c *Cloud) *fakeClock {
	f := &fakeClock{t: time.Now()}
	c.graph.mu.Lock()
	defer c.graph.mu.Unlock()
	c.graph.now = f.now
	return f
}

func clientCredentials(c *Cloud, clientID, secret string) url.Values {
	return url.Values{
		"grant_type":    {"client_credentials"},
		"client_id":     {clientID},
		"client_secret": {secret},
		"scope":         {c.URL() + "/.default"},
	}
}

// postToken posts form to the tenant's v2 token endpoint and decodes the
// JSON answer.
func postToken(t *testing.T, c *Cloud, tenant string, form url.Values) (int, map[string]any) {
	t.Helper()
	resp, err := c.Client().PostForm(c.URL()+"/"+tenant+"/oauth2/v2.0/token", form)
	if err != nil {
		t.Fatalf("token: %v", err)
	}
	defer resp.Body.Close()
	var body map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		t.Fatalf("token: decode: %v", err)
	}
	return resp.StatusCode, body
}

// appAccessToken gets a Graph token for the test app in testTenant.
func appAccessToken(t *testing.T, c *Cloud) string {
	t.Helper()
	status, body := postToken(t, c, testTenant, clientCredentials(c, testClient, testSecret))
	if status != http.StatusOK {
		t.Fatalf("token: %d %v", status, body)
	}
	return body["access_token"].(string)
}

// setupGraph starts a cloud with the test app registered and published
// in testTenant and returns a Graph token for it and the catalog ID.
func setupGraph(t *testing.T) (c *Cloud, token, catalogID string) {
	t.Helper()
	c = start(t)
	c.RegisterApp(testTenant, testClient, testSecret)
	catalogID = c.PublishTeamsApp(testTenant, testExternalID, "Mattermost")
	return c, appAccessToken(t, c), catalogID
}

type graphResponse struct {
	status int
	header http.Header
	body   []byte
}

// graphErr decodes a Graph error body.
func (g graphResponse) graphErr(t *testing.T) (code, message string) {
	t.Helper()
	var e struct {
		Error struct {
			Code       string            `json:"code"`
			Message    string            `json:"message"`
			InnerError map[string]string `json:"innerError"`
		} `json:"error"`
	}
	if err := json.Unmarshal(g.body, &e); err != nil {
		t.Fatalf("error body %q: %v", g.body, err)
	}
	if e.Error.InnerError["request-id"] == "" || e.Error.InnerError["date"] == "" {
		t.Errorf("error body %s: no innerError request-id/date", g.body)
	}
	return e.Error.Code, e.Error.Message
}

func graphDo(t *testing.T, c *Cloud, method, path, token string, body any) graphResponse {
	t.Helper()
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			t.Fatal(err)
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, c.URL()+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.Client().Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return graphResponse{resp.StatusCode, resp.Header, b}
}

const sendPath = "/v1.0/teamwork/sendActivityNotificationToRecipients"

// activity is a valid request body for n recipients.
func activity(n int, teamsAppID string) map[string]any {
	recipients := make([]map[string]any, n)
	for i := range recipients {
		recipients[i] = map[string]any{
			"@odata.type": "microsoft.graph.aadUserNotificationRecipient",
			"userId":      fmt.Sprintf("00000000-0000-0000-0000-%012d", i),
		}
	}
	return map[string]any{
		"topic": map[string]any{
			"source": "text",
			"value":  "Town square",
			"webUrl": "https://teams.microsoft.com/l/entity/" + testExternalID + "/home",
		},
		"activityType": "mentioned",
		"previewText":  map[string]any{"content": "alice: hi @bob"},
		"templateParameters": []map[string]any{
			{"name": "channel", "value": "town-square"},
		},
		"recipients": recipients,
		"teamsAppId": teamsAppID,
	}
}

func catalogPath(filter string) string {
	return "/v1.0/appCatalogs/teamsApps?" + url.Values{"$filter": {filter}}.Encode()
}

func wantStatus(t *testing.T, what string, g graphResponse, status int) {
	t.Helper()
	if g.status != status {
		t.Fatalf("%s: status %d, want %d; body %s", what, g.status, status, strings.TrimSpace(string(g.body)))
	}
}
