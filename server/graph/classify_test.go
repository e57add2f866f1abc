package graph

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/missioncollab/mattermost-plugin-m365/internal/msfake"
)

// TestClassifyWhatGraphAnswers sends one activity in each situation an
// admin or Graph can put the plugin in, and checks what the answer is
// taken to mean.
func TestClassifyWhatGraphAnswers(t *testing.T) {
	cases := []struct {
		name string
		// before sets the tenant up after one send has found the app.
		before func(cloud *msfake.Cloud, c *Client) *Client
		ctx    func() (context.Context, context.CancelFunc)
		want   Cause
	}{
		{name: "app never uploaded", want: NoApp, before: func(cloud *msfake.Cloud, c *Client) *Client {
			cloud.RemoveTeamsApp(appID)
			return fresh(cloud, secret)
		}},
		{name: "app removed after it was found", want: NoApp, before: func(cloud *msfake.Cloud, c *Client) *Client {
			cloud.RemoveTeamsApp(appID)
			return c
		}},
		{name: "app uploaded anew", want: Transient, before: func(cloud *msfake.Cloud, c *Client) *Client {
			cloud.RemoveTeamsApp(appID)
			cloud.PublishTeamsApp(tenant, appID, "Mission")
			return c
		}},
		{name: "no consent to send", want: NoConsent, before: func(cloud *msfake.Cloud, c *Client) *Client {
			cloud.SetAppRoles(tenant, clientID, "AppCatalog.Read.All")
			return fresh(cloud, secret)
		}},
		{name: "no consent to read the catalog", want: NoConsent, before: func(cloud *msfake.Cloud, c *Client) *Client {
			cloud.SetAppRoles(tenant, clientID, "TeamsActivity.Send")
			return fresh(cloud, secret)
		}},
		{name: "wrong secret", want: SignInRefused, before: func(cloud *msfake.Cloud, c *Client) *Client {
			return fresh(cloud, "wrong-secret")
		}},
		{name: "recipient without the app", want: Rejected, before: func(cloud *msfake.Cloud, c *Client) *Client {
			cloud.SetTeamsAppInstalled(tenant, false, activity(2).Recipients[1])
			return c
		}},
		{name: "404 while the app is in the catalog", want: Rejected, before: failing(http.StatusNotFound)},
		{name: "400", want: Rejected, before: failing(http.StatusBadRequest)},
		{name: "409", want: Rejected, before: failing(http.StatusConflict)},
		{name: "403 with consent", want: Rejected, before: failing(http.StatusForbidden)},
		{name: "429", want: Throttled, before: failing(http.StatusTooManyRequests)},
		{name: "401", want: Transient, before: failing(http.StatusUnauthorized)},
		{name: "412", want: Transient, before: failing(http.StatusPreconditionFailed)},
		{name: "500", want: Transient, before: failing(http.StatusInternalServerError)},
		{name: "502", want: Transient, before: failing(http.StatusBadGateway)},
		{name: "503", want: Transient, before: failing(http.StatusServiceUnavailable)},
		{name: "504", want: Transient, before: failing(http.StatusGatewayTimeout)},
		{name: "timeout", want: Transient, before: func(cloud *msfake.Cloud, c *Client) *Client {
			cloud.StallNext(1, 2*time.Second)
			return c
		}, ctx: func() (context.Context, context.CancelFunc) {
			return context.WithTimeout(context.Background(), 100*time.Millisecond)
		}},
		{name: "unreachable", want: Transient, before: func(cloud *msfake.Cloud, c *Client) *Client {
			return New(Config{TenantID: tenant, ClientID: clientID, ClientSecret: secret,
				AuthorityURL: "https://127.0.0.1:1", GraphURL: "https://127.0.0.1:1", HTTPClient: cloud.Client()})
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cloud, c := start(t)
			cloud.PublishTeamsApp(tenant, appID, "Mission")
			if err := c.Send(context.Background(), activity(2)); err != nil {
				t.Fatal(err)
			}
			if tc.before != nil {
				c = tc.before(cloud, c)
			}
			ctx, cancel := context.WithCancel(context.Background())
			if tc.ctx != nil {
				ctx, cancel = tc.ctx()
			}
			defer cancel()
			err := c.Send(ctx, activity(2))
			if err == nil {
				t.Fatal("the request passed")
			}
			if got := Classify(err); got != tc.want {
				t.Fatalf("%v: %s, want %s", err, got, tc.want)
			}
		})
	}
}

func fresh(cloud *msfake.Cloud, secret string) *Client {
	return New(Config{TenantID: tenant, ClientID: clientID, ClientSecret: secret,
		AuthorityURL: cloud.URL(), GraphURL: cloud.URL(), HTTPClient: cloud.Client()})
}

func failing(status int) func(*msfake.Cloud, *Client) *Client {
	return func(cloud *msfake.Cloud, c *Client) *Client {
		cloud.FailNext(1, status)
		return c
	}
}

func TestClassifyEntraAnswers(t *testing.T) {
	for _, tc := range []struct {
		err  error
		want Cause
	}{
		{&TokenError{Status: 400, Code: 7000215}, SignInRefused},
		{&TokenError{Status: 401, Code: 7000222}, SignInRefused},
		{&TokenError{Status: 503}, Transient},
		{fmt.Errorf("get app token: %w", &TokenError{Status: 500}), Transient},
		{errors.New("dial tcp: connection refused"), Transient},
		{context.DeadlineExceeded, Transient},
	} {
		if got := Classify(tc.err); got != tc.want {
			t.Errorf("%v: %s, want %s", tc.err, got, tc.want)
		}
	}
}

func TestConsentGrantedShowsInTheNextRequest(t *testing.T) {
	cloud, c := start(t)
	cloud.PublishTeamsApp(tenant, appID, "Mission")
	cloud.SetAppRoles(tenant, clientID, "AppCatalog.Read.All")
	err := c.Send(context.Background(), activity(1))
	var consent *ConsentError
	if !errors.As(err, &consent) || consent.Permission != "TeamsActivity.Send" {
		t.Fatalf("err = %v", err)
	}
	cloud.SetAppRoles(tenant, clientID, msfake.AppRoles...)
	if err := c.Send(context.Background(), activity(1)); err != nil {
		t.Fatalf("after consent: %v", err)
	}
}

func TestCauseNamesRoundTrip(t *testing.T) {
	for c := Transient; c <= SignInRefused; c++ {
		if got, ok := ParseCause(c.String()); !ok || got != c {
			t.Errorf("%d: %q parses as %d", c, c.String(), got)
		}
		if c.EveryRequest() != (c == NoApp || c == NoConsent || c == SignInRefused) {
			t.Errorf("%s: every request %v", c, c.EveryRequest())
		}
	}
}
