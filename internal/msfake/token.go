package msfake

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"strings"
	"time"
)

// TeamsWebClientID is the client ID of Teams on the web, which obtains
// tab single sign-on tokens; the default AuthorizedParty.
const TeamsWebClientID = "5e3ce6c0-2b1f-4285-8d4b-75ee78787346"

// GuestPersonalAccount is the TokenSpec.GuestOf value for a personal
// Microsoft account invited as a guest, and the idp Entra gives it.
const GuestPersonalAccount = "live.com"

// Token is an access token before signing. Header and Claims are plain
// maps the caller may change freely (delete a claim, change iss…) to
// forge bad tokens; numbers are int64 Unix seconds where Entra uses them.
type Token struct {
	Header map[string]any
	Claims map[string]any
}

// TokenSpec describes the access token a Microsoft 365 host gets for a
// tab's single sign-on. Zero fields take the defaults given.
type TokenSpec struct {
	// Version is 1 (ver "1.0") or 2 (ver "2.0"); 0 means 1, which Entra
	// issues unless the app registration asks for v2 tokens.
	Version int
	// Tenant is the tenant ID (tid); default a random GUID.
	Tenant string
	// ObjectID is the user's object ID (oid); default a random GUID.
	ObjectID string
	// ClientID is the app's (the API's) client ID; default a random GUID.
	ClientID string
	// Audience is aud; default ClientID. A tab SSO v1 token's aud is the
	// Application ID URI, "api://<host>/<client ID>": pass it here.
	Audience string
	// AuthorizedParty is the Microsoft client application that got the
	// token: azp in v2, appid in v1. Default TeamsWebClientID.
	AuthorizedParty string
	// Scopes is scp, space separated; default "access_as_user".
	Scopes string
	// Email is the email claim, present only if set.
	Email string
	// UPN is upn and unique_name (v1); default PreferredUsername.
	UPN string
	// PreferredUsername is preferred_username (v2); default UPN, then
	// Email.
	PreferredUsername string
	// Name is name (and, split at the last space, given_name and
	// family_name in v1), present only if set.
	Name string
	// IssuedAt is iat and nbf; default now.
	IssuedAt time.Time
	// Lifetime is exp - iat; default one hour (Entra gives 60–90 minutes).
	Lifetime time.Duration
	// GuestOf is empty for a member of Tenant. A tenant ID makes the
	// person an Entra B2B guest whose home directory is that tenant;
	// GuestPersonalAccount makes them an invited personal Microsoft
	// account. A guest's token has idp (the home tenant's v1 issuer, or
	// "live.com") and email (default PreferredUsername). A v1 guest token
	// has no upn; its unique_name is the home user name, prefixed
	// "live.com#" for a personal account.
	GuestOf string
	// Acct is the optional acct claim (0 member, 1 guest), which Entra
	// sends only to apps that ask for it; nil leaves it out, whatever
	// GuestOf says.
	Acct *int
}

// AccessToken makes a realistic tab single sign-on access token from spec,
// not yet signed; its header names the current key. It panics on a
// Version other than 0, 1 or 2.
func (c *Cloud) AccessToken(spec TokenSpec) Token {
	s := spec.withDefaults()
	iat := s.IssuedAt.Unix()
	exp := s.IssuedAt.Add(s.Lifetime).Unix()
	kid := c.CurrentKID()
	header := map[string]any{"typ": "JWT", "alg": "RS256", "kid": kid}
	claims := map[string]any{
		"aud": s.Audience,
		"iat": iat,
		"nbf": iat,
		"exp": exp,
		"aio": opaque(48, base64.StdEncoding),
		"oid": s.ObjectID,
		"rh":  "0.A" + opaque(48, base64.RawURLEncoding) + ".",
		"scp": s.Scopes,
		"sub": pairwiseSubject(s.Tenant, s.ObjectID, s.ClientID),
		"tid": s.Tenant,
		"uti": opaque(16, base64.RawURLEncoding),
	}
	if s.Email != "" {
		claims["email"] = s.Email
	}
	if s.Name != "" {
		claims["name"] = s.Name
	}
	// Entra names the identity provider only when it is not the issuing
	// tenant, so members' tokens have no idp.
	switch s.GuestOf {
	case "":
	case GuestPersonalAccount:
		claims["idp"] = GuestPersonalAccount
	default:
		claims["idp"] = c.IssuerV1(s.GuestOf)
	}
	if s.Acct != nil {
		claims["acct"] = *s.Acct
	}
	switch s.Version {
	case 1:
		// v1 tokens also carry x5t, the same value as kid.
		header["x5t"] = kid
		claims["iss"] = c.IssuerV1(s.Tenant)
		claims["ver"] = "1.0"
		claims["acr"] = "1"
		claims["amr"] = []any{"pwd"}
		claims["appid"] = s.AuthorizedParty
		claims["appidacr"] = "0"
		claims["ipaddr"] = "203.0.113.42"
		switch {
		case s.GuestOf == GuestPersonalAccount:
			if s.Email != "" {
				claims["unique_name"] = GuestPersonalAccount + "#" + s.Email
			}
		case s.GuestOf != "":
			// A guest's upn would be the one the inviting tenant made up
			// (…#EXT#@…); Entra leaves it out and names the home user.
			if s.PreferredUsername != "" {
				claims["unique_name"] = s.PreferredUsername
			}
		case s.UPN != "":
			claims["upn"] = s.UPN
			claims["unique_name"] = s.UPN
		case s.Email != "":
			claims["unique_name"] = s.Email
		}
		if i := strings.LastIndex(s.Name, " "); i > 0 {
			claims["given_name"] = s.Name[:i]
			claims["family_name"] = s.Name[i+1:]
		}
	case 2:
		claims["iss"] = c.IssuerV2(s.Tenant)
		claims["ver"] = "2.0"
		claims["azp"] = s.AuthorizedParty
		claims["azpacr"] = "0"
		if s.PreferredUsername != "" {
			claims["preferred_username"] = s.PreferredUsername
		}
	}
	return Token{Header: header, Claims: claims}
}

func (s TokenSpec) withDefaults() TokenSpec {
	switch s.Version {
	case 0:
		s.Version = 1
	case 1, 2:
	default:
		panic(fmt.Sprintf("msfake: token version %d, want 1 or 2", s.Version))
	}
	if s.Tenant == "" {
		s.Tenant = newGUID()
	}
	if s.ObjectID == "" {
		s.ObjectID = newGUID()
	}
	if s.ClientID == "" {
		s.ClientID = newGUID()
	}
	if s.Audience == "" {
		s.Audience = s.ClientID
	}
	if s.AuthorizedParty == "" {
		s.AuthorizedParty = TeamsWebClientID
	}
	if s.Scopes == "" {
		s.Scopes = "access_as_user"
	}
	if s.UPN == "" {
		s.UPN = s.PreferredUsername
	}
	if s.PreferredUsername == "" {
		s.PreferredUsername = s.UPN
	}
	if s.PreferredUsername == "" {
		s.PreferredUsername = s.Email
	}
	// Entra includes email by default for guests.
	if s.GuestOf != "" && s.Email == "" {
		s.Email = s.PreferredUsername
	}
	if s.IssuedAt.IsZero() {
		s.IssuedAt = time.Now()
	}
	if s.Lifetime == 0 {
		s.Lifetime = time.Hour
	}
	return s
}

// pairwiseSubject is sub as Entra makes it: opaque, 43 base64url
// characters, stable for one user and one application.
func pairwiseSubject(tenant, oid, clientID string) string {
	sum := sha256.Sum256([]byte(strings.ToLower(tenant + "|" + oid + "|" + clientID)))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

// opaque is n random bytes in enc, for Entra's internal claims (aio, rh,
// uti) that resource servers must ignore.
func opaque(n int, enc *base64.Encoding) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return enc.EncodeToString(b)
}
