package entra

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/MicahParks/keyfunc/v3"
	"github.com/golang-jwt/jwt/v5"
	"golang.org/x/time/rate"
)

// Config is what a Validator checks tokens against.
type Config struct {
	// AuthorityURL is the cloud's Entra login authority, no tenant.
	AuthorityURL string
	// V1IssuerURL is the cloud's issuer prefix for v1 tokens.
	V1IssuerURL string
	TenantID    string
	ClientID    string
	// ResourceURI is the Application ID URI, api://<host[:port]><subpath>/<client ID>.
	ResourceURI string
	HTTPClient  *http.Client
	// OnKeyError hears of failed background key refreshes; a sign-in that
	// needs keys still fails on its own.
	OnKeyError func(err error)
}

// Timing rules.
const (
	clockSkew          = 2 * time.Minute
	keyRefreshInterval = 12 * time.Hour
	unknownKIDInterval = time.Minute
	discoveryRetry     = 30 * time.Second
	maxTokenBytes      = 16 << 10
	requiredScope      = "access_as_user"
)

// Validator checks Entra access tokens for this app. Signing keys come from
// the cloud's OpenID discovery document, are cached, refreshed periodically
// and on an unknown key ID at most once a minute, so a warm validator makes
// no network call per token.
type Validator struct {
	cfg    Config
	parser *jwt.Parser

	mu            sync.Mutex
	keys          keyfunc.Keyfunc
	lastDiscovery time.Time
	ctx           context.Context
	cancel        context.CancelFunc
}

// NewValidator makes a validator; it fetches keys on first use.
func NewValidator(cfg Config) *Validator {
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = &http.Client{Timeout: 10 * time.Second}
	}
	ctx, cancel := context.WithCancel(context.Background())
	return &Validator{
		cfg: cfg,
		parser: jwt.NewParser(
			jwt.WithValidMethods([]string{"RS256"}),
			jwt.WithLeeway(clockSkew),
			jwt.WithIssuedAt(),
			jwt.WithExpirationRequired(),
		),
		ctx:    ctx,
		cancel: cancel,
	}
}

// Close stops background key refreshes.
func (v *Validator) Close() { v.cancel() }

// Validate checks every claim the plugin relies on and returns who the
// token names. A refused token gives a *Refusal; any other error means the
// keys could not be had.
func (v *Validator) Validate(ctx context.Context, raw string) (*Identity, error) {
	if len(raw) > maxTokenBytes {
		return nil, refuse("token larger than 16 KiB", "bytes", fmt.Sprint(len(raw)))
	}
	keys, err := v.signingKeys(ctx)
	if err != nil {
		return nil, err
	}
	var c claims
	_, err = v.parser.ParseWithClaims(raw, &c, withKID(keys.KeyfuncCtx(ctx)))
	if err != nil {
		var unverified claims
		_, _, _ = jwt.NewParser().ParseUnverified(raw, &unverified)
		r := refuse(parseFailure(err), unverified.logDetail()...)
		r.Err = err
		return nil, r
	}
	if r := v.checkClaims(&c); r != nil {
		return nil, r
	}
	app, _ := clientApp(c.clientAppID())
	return &Identity{
		TenantID:   strings.ToLower(c.TenantID),
		ObjectID:   strings.ToLower(c.ObjectID),
		Emails:     emails(&c),
		Name:       c.Name,
		ClientApp:  app,
		Guest:      v.isGuest(&c),
		HomeTenant: homeTenant(c.IdentityProvider),
		ExpiresAt:  expiry(&c),
	}, nil
}

func expiry(c *claims) time.Time {
	if c.ExpiresAt == nil {
		return time.Time{}
	}
	return c.ExpiresAt.Time
}

// withKID refuses tokens without a key ID: Entra always sets one, and
// without it every cached key would be tried.
func withKID(next jwt.Keyfunc) jwt.Keyfunc {
	return func(t *jwt.Token) (any, error) {
		if kid, _ := t.Header["kid"].(string); kid == "" {
			return nil, errors.New("token has no key ID (kid)")
		}
		return next(t)
	}
}

func parseFailure(err error) string {
	switch {
	case errors.Is(err, jwt.ErrTokenMalformed):
		return "malformed token"
	case errors.Is(err, jwt.ErrTokenUnverifiable):
		return "no known signing key for the token"
	case errors.Is(err, jwt.ErrTokenSignatureInvalid):
		return "bad signature or signing algorithm"
	case errors.Is(err, jwt.ErrTokenExpired):
		return "token expired"
	case errors.Is(err, jwt.ErrTokenNotValidYet):
		return "token not valid yet"
	case errors.Is(err, jwt.ErrTokenUsedBeforeIssued):
		return "token issued in the future"
	case errors.Is(err, jwt.ErrTokenRequiredClaimMissing):
		return "token lacks a required time claim"
	}
	return "invalid token"
}

func (v *Validator) checkClaims(c *claims) *Refusal {
	detail := c.logDetail()
	fail := func(reason string) *Refusal { return refuse(reason, detail...) }
	if c.NotBefore == nil || c.IssuedAt == nil {
		return fail("token lacks nbf or iat")
	}
	switch c.Version {
	case "1.0":
		if c.Issuer != v.issuerV1() {
			return fail("issuer is not the configured tenant's v1 issuer")
		}
	case "2.0":
		if c.Issuer != v.issuerV2() {
			return fail("issuer is not the configured tenant's v2 issuer")
		}
	default:
		return fail("unknown token version")
	}
	if !strings.EqualFold(c.TenantID, v.cfg.TenantID) {
		return fail("token is from another tenant")
	}
	if !v.audienceOK(c.Audience) {
		return fail("token is for another application")
	}
	if !c.hasScope(requiredScope) {
		return fail("token lacks the access_as_user scope")
	}
	if _, ok := clientApp(c.clientAppID()); !ok {
		return fail("token was obtained by an application that is not a Microsoft 365 host")
	}
	if c.ObjectID == "" {
		return fail("token has no object ID")
	}
	return nil
}

func (v *Validator) issuerV1() string {
	return strings.TrimRight(v.cfg.V1IssuerURL, "/") + "/" + strings.ToLower(v.cfg.TenantID) + "/"
}

func (v *Validator) issuerV2() string {
	return strings.TrimRight(v.cfg.AuthorityURL, "/") + "/" + strings.ToLower(v.cfg.TenantID) + "/v2.0"
}

// audienceOK accepts exactly one audience: the Application ID URI or the
// client ID itself (v2 tokens name the client ID).
func (v *Validator) audienceOK(aud jwt.ClaimStrings) bool {
	if len(aud) != 1 {
		return false
	}
	return aud[0] == v.cfg.ResourceURI || strings.EqualFold(aud[0], v.cfg.ClientID)
}

func emails(c *claims) []string {
	var out []string
	seen := map[string]bool{}
	for _, e := range []string{c.Email, c.UPN, c.PreferredUsername, c.UniqueName} {
		e = strings.TrimSpace(e)
		if e == "" || !strings.Contains(e, "@") || seen[strings.ToLower(e)] {
			continue
		}
		seen[strings.ToLower(e)] = true
		out = append(out, e)
	}
	return out
}

// signingKeys returns the cached key set, discovering it on first use and
// retrying a failed discovery at most every 30 seconds.
func (v *Validator) signingKeys(ctx context.Context) (keyfunc.Keyfunc, error) {
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.keys != nil {
		return v.keys, nil
	}
	if time.Since(v.lastDiscovery) < discoveryRetry {
		return nil, errors.New("signing keys unavailable; discovery failed less than 30 seconds ago")
	}
	v.lastDiscovery = time.Now()
	jwksURI, err := discoverJWKS(ctx, v.cfg.HTTPClient, v.cfg.AuthorityURL, v.cfg.TenantID)
	if err != nil {
		return nil, err
	}
	noFirstErr := false
	keys, err := keyfunc.NewDefaultOverrideCtx(v.ctx, []string{jwksURI}, keyfunc.Override{
		Client:                    v.cfg.HTTPClient,
		HTTPTimeout:               10 * time.Second,
		NoErrorReturnFirstHTTPReq: &noFirstErr,
		RefreshInterval:           keyRefreshInterval,
		RefreshUnknownKID:         rate.NewLimiter(rate.Every(unknownKIDInterval), 1),
		// When the limiter is empty it answers at once, whatever this is;
		// when it has a token, a busy server must still get to take it,
		// which a deadline of a millisecond does not always allow.
		RateLimitWaitMax: 250 * time.Millisecond,
		RefreshErrorHandlerFunc: func(string) func(context.Context, error) {
			return func(_ context.Context, err error) {
				if v.cfg.OnKeyError != nil {
					v.cfg.OnKeyError(fmt.Errorf("refresh signing keys: %w", err))
				}
			}
		},
	})
	if err != nil {
		return nil, fmt.Errorf("fetch signing keys: %w", err)
	}
	v.keys = keys
	return keys, nil
}

// SameTarget reports whether two configurations check tokens the same way,
// so a validator, and its key cache, can be kept across a settings save.
func (c Config) SameTarget(o Config) bool {
	return c.AuthorityURL == o.AuthorityURL && c.V1IssuerURL == o.V1IssuerURL &&
		c.TenantID == o.TenantID && c.ClientID == o.ClientID && c.ResourceURI == o.ResourceURI
}
