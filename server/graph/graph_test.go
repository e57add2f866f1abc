package graph

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/missioncollab/mattermost-plugin-m365/internal/msfake"
)

const (
	tenant   = "6f0c2b5e-1a2b-4c3d-8e9f-0a1b2c3d4e5f"
	clientID = "9a8b7c6d-5e4f-4a3b-9c2d-1e0f9a8b7c6d"
	secret   = "client~secret.value"
	appID    = "3c2b1a09-8f7e-4d6c-9b5a-4f3e2d1c0b9a"
)

func start(t *testing.T) (*msfake.Cloud, *Client) {
	t.Helper()
	cloud, err := msfake.Start()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(cloud.Close)
	cloud.RegisterApp(tenant, clientID, secret)
	c := New(Config{TenantID: tenant, ClientID: clientID, ClientSecret: secret,
		AuthorityURL: cloud.URL(), GraphURL: cloud.URL(), HTTPClient: cloud.Client()})
	return cloud, c
}

func activity(n int) Activity {
	a := Activity{AppExternalID: appID, Type: "mention", Topic: "Town Square", WebURL: "https://teams.example/l/entity/x/y",
		Preview: "hello", Parameters: map[string]string{"actor": "Alice", "channel": "Town Square"}}
	for i := range n {
		a.Recipients = append(a.Recipients, fmt.Sprintf("00000000-0000-4000-8000-%012d", i))
	}
	return a
}

func TestSendDeliversWithCatalogID(t *testing.T) {
	cloud, c := start(t)
	catalogID := cloud.PublishTeamsApp(tenant, appID, "Mission")
	if err := c.Send(context.Background(), activity(100)); err != nil {
		t.Fatal(err)
	}
	got := cloud.Notifications()
	if len(got) != 1 || got[0].TeamsAppID != catalogID || len(got[0].Recipients) != 100 ||
		got[0].TemplateParameters["actor"] != "Alice" || got[0].ActivityType != "mention" {
		t.Fatalf("received %+v", got)
	}
	if got[0].ChainID != 0 {
		t.Fatalf("an activity without a chain sent chainId %d", got[0].ChainID)
	}
	chained := activity(1)
	chained.ChainID = 1<<53 - 1
	if err := c.Send(context.Background(), chained); err != nil {
		t.Fatal(err)
	}
	if got := cloud.Notifications(); got[1].ChainID != 1<<53-1 {
		t.Fatalf("chainId %d", got[1].ChainID)
	}
}

func TestSendRefusesTooManyRecipientsBeforeCalling(t *testing.T) {
	cloud, c := start(t)
	cloud.PublishTeamsApp(tenant, appID, "Mission")
	if err := c.Send(context.Background(), activity(101)); err == nil || !strings.Contains(err.Error(), "101 recipients") {
		t.Fatalf("err = %v", err)
	}
	if len(cloud.Notifications()) != 0 {
		t.Fatal("sent anyway")
	}
}

func TestCatalogIDLookedUpAgainAfterReupload(t *testing.T) {
	cloud, c := start(t)
	cloud.PublishTeamsApp(tenant, appID, "Mission")
	ctx := context.Background()
	if err := c.Send(ctx, activity(1)); err != nil {
		t.Fatal(err)
	}
	cloud.RemoveTeamsApp(appID)
	newID := cloud.PublishTeamsApp(tenant, appID, "Mission")
	var gerr *Error
	if err := c.Send(ctx, activity(1)); !errors.As(err, &gerr) || gerr.Status != http.StatusNotFound || Classify(err) != Transient {
		t.Fatalf("stale catalog ID: err = %v", err)
	}
	if err := sendHonouringRetryAfter(ctx, c, activity(1)); err != nil {
		t.Fatalf("after looking up again: %v", err)
	}
	if got := cloud.Notifications(); got[len(got)-1].TeamsAppID != newID {
		t.Fatalf("sent with %s, want %s", got[len(got)-1].TeamsAppID, newID)
	}
}

// sendHonouringRetryAfter sends, waiting out one 429 as the worker would.
func sendHonouringRetryAfter(ctx context.Context, c *Client, a Activity) error {
	err := c.Send(ctx, a)
	var gerr *Error
	if errors.As(err, &gerr) && gerr.Status == http.StatusTooManyRequests {
		time.Sleep(gerr.RetryAfter)
		err = c.Send(ctx, a)
	}
	return err
}

func TestNotInCatalog(t *testing.T) {
	_, c := start(t)
	if err := c.Send(context.Background(), activity(1)); !errors.Is(err, ErrNotInCatalog) {
		t.Fatalf("err = %v", err)
	}
}

func TestCatalogFilterEscapesQuotes(t *testing.T) {
	cloud, c := start(t)
	want := cloud.PublishTeamsApp(tenant, "it's-an-app", "Quoted")
	got, err := c.TeamsAppID(context.Background(), "it's-an-app")
	if err != nil || got != want {
		t.Fatalf("got %q, %v; want %q", got, err, want)
	}
}

func TestThrottledAnswerCarriesRetryAfter(t *testing.T) {
	cloud, c := start(t)
	cloud.PublishTeamsApp(tenant, appID, "Mission")
	ctx := context.Background()
	var gerr *Error
	var err error
	for range 10 {
		err = c.Send(ctx, activity(1))
		if errors.As(err, &gerr) {
			break
		}
	}
	if gerr == nil || gerr.Status != http.StatusTooManyRequests || gerr.RetryAfter < time.Second || Classify(err) != Throttled {
		t.Fatalf("never throttled or no Retry-After: %+v", gerr)
	}
}

func TestShortLivedTokensAreRefused(t *testing.T) {
	cloud, c := start(t)
	cloud.PublishTeamsApp(tenant, appID, "Mission")
	cloud.SetTokenLifetime(60 * time.Minute)
	if err := c.Send(context.Background(), activity(1)); err != nil {
		t.Fatal(err)
	}
	// Tokens that cannot last 45 minutes are refused by Graph with 412;
	// the client asks for a new token rather than reusing one.
	cloud.SetTokenLifetime(40 * time.Minute)
	c.resetToken()
	var gerr *Error
	if err := c.Send(context.Background(), activity(1)); !errors.As(err, &gerr) || gerr.Status != http.StatusPreconditionFailed {
		t.Fatalf("err = %v", err)
	}
}

func TestWrongSecretNamesEntraCode(t *testing.T) {
	cloud, _ := start(t)
	cloud.PublishTeamsApp(tenant, appID, "Mission")
	c := New(Config{TenantID: tenant, ClientID: clientID, ClientSecret: "wrong-secret",
		AuthorityURL: cloud.URL(), GraphURL: cloud.URL(), HTTPClient: cloud.Client()})
	err := c.Send(context.Background(), activity(1))
	if err == nil || !strings.Contains(err.Error(), "AADSTS7000215") || strings.Contains(err.Error(), "wrong-secret") {
		t.Fatalf("err = %v", err)
	}
}

func TestTokenErrorCarriesEntrasCode(t *testing.T) {
	cloud, _ := start(t)
	c := New(Config{TenantID: tenant, ClientID: "0b1c2d3e-0000-4000-8000-000000000000", ClientSecret: secret,
		AuthorityURL: cloud.URL(), GraphURL: cloud.URL(), HTTPClient: cloud.Client()})
	_, err := c.Roles()
	var te *TokenError
	if !errors.As(err, &te) || te.Code != 700016 {
		t.Fatalf("err = %v", err)
	}
}

func TestRolesCatalogVersionAndSecretExpiry(t *testing.T) {
	cloud, c := start(t)
	cloud.PublishTeamsApp(tenant, appID, "Mission")
	cloud.SetTeamsAppVersion(tenant, appID, "1.4.0")
	ctx := context.Background()
	app, err := c.CatalogApp(ctx, appID)
	if err != nil || app.Version != "1.4.0" {
		t.Fatalf("catalog app %+v, %v", app, err)
	}
	roles, err := c.Roles()
	if err != nil || len(roles) != 2 {
		t.Fatalf("roles %v, %v", roles, err)
	}
	var gerr *Error
	if _, _, err := c.SecretExpiry(ctx); !errors.As(err, &gerr) || gerr.Status != http.StatusForbidden {
		t.Fatalf("without Application.Read.All: %v", err)
	}
	cloud.SetAppRoles(tenant, clientID, "TeamsActivity.Send", "AppCatalog.Read.All", "Application.Read.All")
	end := time.Now().Add(10 * 24 * time.Hour).UTC().Truncate(time.Second)
	cloud.SetSecretExpiry(tenant, clientID, end)
	c.resetToken()
	got, found, err := c.SecretExpiry(ctx)
	if err != nil || !found || !got.Equal(end) {
		t.Fatalf("expiry %v %v %v, want %v", got, found, err, end)
	}
}

func TestTheCacheKeepsOneClientPerConfiguration(t *testing.T) {
	var c Cache
	a := Config{TenantID: "t", ClientID: "c", ClientSecret: "s", AuthorityURL: "https://login.example", GraphURL: "https://graph.example"}
	first := c.For(a)
	if c.For(a) != first {
		t.Fatal("the same configuration made a new client")
	}
	b := a
	b.ClientSecret = "rotated"
	if c.For(b) == first {
		t.Fatal("a new secret kept the old client")
	}
}
