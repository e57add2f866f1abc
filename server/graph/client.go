// Package graph is the plugin's Microsoft Graph client: an app-only token
// from the client credentials, the Teams app's catalog ID, and activity
// feed notifications.
package graph

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"

	"github.com/missioncollab/mattermost-plugin-m365/internal/graphwire"
)

// Config is what the client signs in with and where it calls.
type Config struct {
	TenantID     string
	ClientID     string
	ClientSecret string
	// AuthorityURL and GraphURL are the cloud's Entra and Graph bases.
	AuthorityURL string
	GraphURL     string
	// HTTPClient makes every request; nil means one with a 30 s timeout.
	HTTPClient *http.Client
	// PerPersonConsent sends notifications with the resource-specific
	// TeamsActivity.Send.User instead of the tenant-wide permission: a
	// refusal is then about the recipients, never missing consent.
	PerPersonConsent bool
}

// minTokenLife is how long a token must still be valid when used: the
// bulk notification endpoint refuses tokens with under 45 minutes left,
// and a minute more covers clock skew and the request itself.
const minTokenLife = 46 * time.Minute

// maxResponse caps what is read of any Graph answer.
const maxResponse = 1 << 20

// Client calls Microsoft Graph as the app. It is safe for concurrent use.
type Client struct {
	cfg  Config
	http *http.Client

	mu      sync.Mutex
	tokens  oauth2.TokenSource
	catalog map[string]string // manifest ID → catalog ID
}

// New returns a client for cfg.
func New(cfg Config) *Client {
	hc := cfg.HTTPClient
	if hc == nil {
		hc = &http.Client{Timeout: 30 * time.Second}
	}
	c := &Client{cfg: cfg, http: hc, catalog: map[string]string{}}
	c.resetToken()
	return c
}

// freshTokens asks Entra for a new token every time; the reuse wrapper
// around it decides when that is needed.
type freshTokens struct {
	conf *clientcredentials.Config
	ctx  context.Context
}

func (f freshTokens) Token() (*oauth2.Token, error) { return f.conf.Token(f.ctx) }

// resetToken drops the cached token, so the next call gets a new one.
func (c *Client) resetToken() {
	conf := &clientcredentials.Config{
		ClientID:     c.cfg.ClientID,
		ClientSecret: c.cfg.ClientSecret,
		TokenURL:     strings.TrimRight(c.cfg.AuthorityURL, "/") + "/" + c.cfg.TenantID + "/oauth2/v2.0/token",
		Scopes:       []string{strings.TrimRight(c.cfg.GraphURL, "/") + "/.default"},
		AuthStyle:    oauth2.AuthStyleInParams,
	}
	ctx := context.WithValue(context.Background(), oauth2.HTTPClient, c.http)
	c.mu.Lock()
	c.tokens = oauth2.ReuseTokenSourceWithExpiry(nil, freshTokens{conf: conf, ctx: ctx}, minTokenLife)
	c.mu.Unlock()
}

// token returns an app token with at least minTokenLife left.
func (c *Client) token() (string, error) {
	c.mu.Lock()
	ts := c.tokens
	c.mu.Unlock()
	tok, err := ts.Token()
	if err != nil {
		return "", fmt.Errorf("get app token: %w", tokenError(err))
	}
	return tok.AccessToken, nil
}

// Error is an answer from Graph other than success; the setup command
// gets the same type.
type Error = graphwire.Error

// forbiddenFor turns a 403 into a ConsentError when the token it answered
// lacks every one of permissions (and drops the token, so that consent
// granted since shows in the next one); other errors pass unchanged.
func (c *Client) forbiddenFor(err error, permissions ...string) error {
	var gerr *Error
	if !errors.As(err, &gerr) || gerr.Status != http.StatusForbidden {
		return err
	}
	for _, p := range permissions {
		if slices.Contains(gerr.Roles, p) {
			return err
		}
	}
	c.resetToken()
	return &ConsentError{Permission: permissions[0], Err: gerr}
}

// do sends a Graph request with the app token and decodes a JSON answer
// into out, if any.
func (c *Client) do(ctx context.Context, method, path string, body, out any) error {
	tok, err := c.token()
	if err != nil {
		return err
	}
	err = graphwire.Do(ctx, c.http, graphwire.Request{
		Method: method, URL: strings.TrimRight(c.cfg.GraphURL, "/") + path, Token: tok, Body: body, MaxAnswer: maxResponse,
	}, out)
	var gerr *Error
	if errors.As(err, &gerr) {
		if gerr.Status == http.StatusUnauthorized || gerr.Status == http.StatusPreconditionFailed {
			c.resetToken()
		}
		if gerr.Status == http.StatusForbidden {
			gerr.Roles, _ = tokenRoles(tok)
		}
	}
	return err
}

// tokenError turns Entra's refusal into a TokenError, which keeps its
// code and the first line of its description, never the secret.
func tokenError(err error) error {
	if te, ok := asTokenError(err); ok {
		return te
	}
	return err
}
