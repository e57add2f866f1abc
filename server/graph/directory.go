package graph

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"

	"golang.org/x/oauth2"
)

// TokenError is Entra refusing the client credentials.
type TokenError struct {
	// Status is the HTTP status of Entra's answer.
	Status int
	// Code is Entra's AADSTS number, 0 when it gave none.
	Code        int
	Description string
}

func (e *TokenError) Error() string {
	return fmt.Sprintf("entra refused the client credentials: AADSTS%d: %s", e.Code, e.Description)
}

var aadsts = regexp.MustCompile(`AADSTS(\d+)`)

// asTokenError finds Entra's refusal in an error from the token source.
func asTokenError(err error) (*TokenError, bool) {
	var re *oauth2.RetrieveError
	if !errors.As(err, &re) {
		return nil, false
	}
	desc, _, _ := strings.Cut(re.ErrorDescription, "\r\n")
	te := &TokenError{Description: desc}
	if re.Response != nil {
		te.Status = re.Response.StatusCode
	}
	if m := aadsts.FindStringSubmatch(re.ErrorDescription); m != nil {
		te.Code, _ = strconv.Atoi(m[1])
	}
	return te, true
}

// Roles returns the application permissions an admin has consented to,
// from a new app token, so consent granted a moment ago shows.
func (c *Client) Roles() ([]string, error) {
	c.resetToken()
	tok, err := c.token()
	if err != nil {
		return nil, err
	}
	return tokenRoles(tok)
}

// tokenRoles reads the application permissions in an app token.
func tokenRoles(tok string) ([]string, error) {
	parts := strings.Split(tok, ".")
	if len(parts) != 3 {
		return nil, errors.New("read app token: not a JWT")
	}
	payload, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		return nil, fmt.Errorf("read app token: %w", err)
	}
	var claims struct {
		Roles []string `json:"roles"`
	}
	if err := json.Unmarshal(payload, &claims); err != nil {
		return nil, fmt.Errorf("read app token: %w", err)
	}
	return claims.Roles, nil
}

// SecretExpiry returns when the client secret in use expires, read from
// the app registration (which needs a directory read permission). found
// is false when no secret of the registration looks like it.
func (c *Client) SecretExpiry(ctx context.Context) (end time.Time, found bool, err error) {
	var app struct {
		PasswordCredentials []struct {
			Hint        string `json:"hint"`
			EndDateTime string `json:"endDateTime"`
		} `json:"passwordCredentials"`
	}
	path := "/v1.0/applications(appId='" + url.PathEscape(c.cfg.ClientID) + "')?$select=passwordCredentials"
	if err := c.do(ctx, http.MethodGet, path, nil, &app); err != nil {
		return time.Time{}, false, fmt.Errorf("read the app registration: %w", err)
	}
	for _, pc := range app.PasswordCredentials {
		// Graph shows a secret's first three characters, never more.
		if pc.Hint == "" || !strings.HasPrefix(c.cfg.ClientSecret, pc.Hint) {
			continue
		}
		t, perr := time.Parse(time.RFC3339, pc.EndDateTime)
		if perr == nil && t.After(end) {
			end, found = t, true
		}
	}
	return end, found, nil
}
