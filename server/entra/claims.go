package entra

import (
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// claims are the access token claims the plugin reads. Entra issues v1
// ("ver": "1.0") or v2 tokens depending on the app registration, and they
// name some things differently: appid/azp, upn/preferred_username.
type claims struct {
	jwt.RegisteredClaims
	Version           string    `json:"ver"`
	TenantID          string    `json:"tid"`
	ObjectID          string    `json:"oid"`
	Scopes            string    `json:"scp"`
	AuthorizedParty   string    `json:"azp"`
	AppID             string    `json:"appid"`
	Email             string    `json:"email"`
	UPN               string    `json:"upn"`
	PreferredUsername string    `json:"preferred_username"`
	UniqueName        string    `json:"unique_name"`
	Name              string    `json:"name"`
	IdentityProvider  string    `json:"idp"`
	AccountType       acctClaim `json:"acct"`
}

func (c *claims) isV1() bool { return c.Version == "1.0" }

// clientAppID is the Microsoft application that obtained the token.
func (c *claims) clientAppID() string {
	if c.isV1() {
		return c.AppID
	}
	return c.AuthorizedParty
}

func (c *claims) hasScope(scope string) bool {
	for _, s := range strings.Fields(c.Scopes) {
		if s == scope {
			return true
		}
	}
	return false
}

// logDetail is what the log may say about a token: claim values that
// explain a refusal, each cut short, never the token or its signature.
func (c *claims) logDetail() []string {
	cut := func(s string) string {
		if len(s) > 120 {
			return s[:120] + "…"
		}
		return s
	}
	return []string{
		"ver", cut(c.Version),
		"iss", cut(c.Issuer),
		"tid", cut(c.TenantID),
		"aud", cut(strings.Join(c.Audience, " ")),
		"client_app", cut(c.clientAppID()),
		"oid", cut(c.ObjectID),
		"idp", cut(c.IdentityProvider),
		"acct", cut(c.AccountType.String()),
	}
}

// Identity is who a valid token says the person is.
type Identity struct {
	TenantID string
	ObjectID string
	// Emails are the addresses the token names, best first: email, then
	// upn or preferred_username. Entra does not verify all of them; the
	// caller decides whether to match on them.
	Emails    []string
	Name      string
	ClientApp ClientApp
	// Guest is true when the person is not a member of the configured
	// tenant: an Entra B2B guest from another organisation or a personal
	// Microsoft account invited in. A guest's addresses belong to another
	// directory, which this tenant cannot vouch for, so they must not be
	// enough to find a Mattermost account. See isGuest for the rule; it
	// errs towards true.
	Guest bool
	// HomeTenant is the tenant ID in the idp claim when idp is an Entra
	// tenant's issuer, lower-cased: for a guest, the directory the person
	// really belongs to. Empty when the token has no idp (Entra leaves it
	// out for members) or idp names no tenant ("live.com").
	HomeTenant string
	// ExpiresAt is when the token expires.
	ExpiresAt time.Time
}
