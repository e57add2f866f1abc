package entra

import (
	"encoding/json"
	"net/url"
	"strings"
)

// isGuest reports whether the token's subject is a guest of the configured
// tenant rather than one of its members. Entra marks guests in several
// ways, none of them always present, so any one sign is enough:
//
//   - acct, an optional claim, is 1, or is a value that is neither 0 nor 1;
//   - idp is present and is not one of the tenant's own issuers (Entra
//     sets idp only when someone else authenticated the person: their home
//     tenant's issuer, or "live.com" for a personal Microsoft account);
//   - a user name carries "#EXT#", the mark of a guest's user principal
//     name in the inviting tenant;
//   - unique_name (v1) has an identity provider prefix, as in
//     "live.com#someone@outlook.com".
//
// A false positive costs a guest an automatic match by email; a false
// negative would let an outsider's address pick a member's account, so
// the rule leans towards guest. In particular acct=0 does not overrule
// a foreign idp.
func (v *Validator) isGuest(c *claims) bool {
	if c.AccountType.guest() {
		return true
	}
	if c.IdentityProvider != "" && !v.ownIssuer(c.IdentityProvider) {
		return true
	}
	for _, name := range []string{c.UPN, c.UniqueName, c.PreferredUsername, c.Email} {
		if strings.Contains(strings.ToUpper(name), "#EXT#") {
			return true
		}
	}
	return hasProviderPrefix(c.UniqueName)
}

// ownIssuer reports whether iss names the configured tenant, in either
// token version. Neither case nor a trailing slash changes which tenant
// an issuer names, so neither may turn a member into a guest.
func (v *Validator) ownIssuer(iss string) bool {
	norm := func(s string) string { return strings.TrimRight(s, "/") }
	iss = norm(iss)
	return strings.EqualFold(iss, norm(v.issuerV1())) || strings.EqualFold(iss, norm(v.issuerV2()))
}

// hasProviderPrefix reports whether a v1 unique_name is "<provider>#<address>".
// An address whose local part holds a '#' reads the same way; that rare
// case is taken for a guest too, the safer error.
func hasProviderPrefix(uniqueName string) bool {
	i := strings.IndexByte(uniqueName, '#')
	return i > 0 && !strings.Contains(uniqueName[:i], "@") && strings.Contains(uniqueName[i+1:], "@")
}

// homeTenant is the tenant ID in an issuer URL of either version,
// https://<host>/<tenant>/ or https://<host>/<tenant>/v2.0, in any cloud,
// lower-cased; "" for anything else. The host is not checked: the value
// only describes where a guest comes from, it grants nothing.
func homeTenant(idp string) string {
	u, err := url.Parse(idp)
	if err != nil || u.Scheme != "https" || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
		return ""
	}
	p := strings.TrimSuffix(u.Path, "/")
	if n := len(p) - len("/v2.0"); n >= 0 && strings.EqualFold(p[n:], "/v2.0") {
		p = p[:n]
	}
	p = strings.TrimPrefix(p, "/")
	if !isGUID(p) {
		return ""
	}
	return strings.ToLower(p)
}

// isGUID reports whether s is 8-4-4-4-12 hexadecimal digits.
func isGUID(s string) bool {
	if len(s) != 36 {
		return false
	}
	for i, r := range s {
		switch i {
		case 8, 13, 18, 23:
			if r != '-' {
				return false
			}
		default:
			if !strings.ContainsRune("0123456789abcdefABCDEF", r) {
				return false
			}
		}
	}
	return true
}

// acctClaim is the optional acct claim: 0 for a member of the tenant, 1
// for a guest. Entra sends a JSON number; the strings "0" and "1" are read
// as the same values. Anything else (another number, another string, null,
// an object) is kept as unrecognised and makes the subject a guest: a
// claim that exists but cannot be read must not vouch for membership.
// Decoding never fails, so an odd acct does not turn into a "malformed
// token" refusal that would hide what was wrong.
type acctClaim struct {
	present bool
	// value is 0 or 1 when recognised, otherwise -1.
	value int
	// raw is the claim as sent, for the log.
	raw string
}

func (a *acctClaim) UnmarshalJSON(b []byte) error {
	*a = acctClaim{present: true, value: -1, raw: string(b)}
	var s string
	if err := json.Unmarshal(b, &s); err == nil {
		switch s {
		case "0":
			a.value = 0
		case "1":
			a.value = 1
		}
		return nil
	}
	var f float64
	if len(b) > 0 && b[0] != '"' && json.Unmarshal(b, &f) == nil && (f == 0 || f == 1) {
		a.value = int(f)
	}
	return nil
}

// guest reports whether the claim, if present, says guest or cannot be
// read.
func (a acctClaim) guest() bool { return a.present && a.value != 0 }

func (a acctClaim) String() string { return a.raw }
