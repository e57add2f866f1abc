package msfake

import (
	"crypto"
	"crypto/hmac"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/pem"
	"strings"
	"testing"
	"time"
)

const (
	testClient = "0d6a4a0b-9f4e-4d0e-8c61-0c0e1f1d6a11"
	testOID    = "00000000-0000-0000-66f3-3332eca7ea81"
)

// verify checks raw's RS256 signature with the key the tenant's JWKS
// publishes under its kid, found through discovery as a validator would.
func verify(t *testing.T, c *Cloud, raw string) map[string]any {
	t.Helper()
	header, claims, sig := decodeJWT(t, raw)
	if header["alg"] != "RS256" || header["typ"] != "JWT" {
		t.Fatalf("header %v", header)
	}
	var doc map[string]any
	getJSON(t, c, c.URL()+"/"+testTenant+"/v2.0/.well-known/openid-configuration", &doc)
	for _, k := range fetchKeys(t, c, doc["jwks_uri"].(string)) {
		if k.Kid != header["kid"] {
			continue
		}
		i := strings.LastIndex(raw, ".")
		digest := sha256.Sum256([]byte(raw[:i]))
		if err := rsa.VerifyPKCS1v15(k.publicKey(t), crypto.SHA256, digest[:], sig); err != nil {
			t.Fatalf("signature does not verify: %v", err)
		}
		return claims
	}
	t.Fatalf("kid %v not in the JWKS", header["kid"])
	return nil
}

func TestSignedTokenVerifiesWithJWKS(t *testing.T) {
	c := start(t)
	for _, version := range []int{1, 2} {
		tok := c.AccessToken(TokenSpec{Version: version, Tenant: testTenant, ObjectID: testOID, ClientID: testClient})
		claims := verify(t, c, c.Sign(tok))
		if claims["oid"] != testOID {
			t.Errorf("v%d: oid %v", version, claims["oid"])
		}
	}

	// A token signed before a rotation still verifies while its key is
	// published; one signed after names the new key.
	old := c.Sign(c.AccessToken(TokenSpec{Tenant: testTenant}))
	c.RotateKeys()
	verify(t, c, old)
	h, _, _ := decodeJWT(t, c.Sign(c.AccessToken(TokenSpec{Tenant: testTenant})))
	if h["kid"] != c.CurrentKID() {
		t.Fatalf("kid %v after rotation, want %s", h["kid"], c.CurrentKID())
	}
}

func TestAccessTokenV1(t *testing.T) {
	c := start(t)
	iat := time.Unix(1_700_000_000, 0)
	aud := "api://mattermost.example.com/" + testClient
	tok := c.AccessToken(TokenSpec{
		Version: 1, Tenant: testTenant, ObjectID: testOID, ClientID: testClient, Audience: aud,
		UPN: "adele@contoso.com", Name: "Adele Vance", IssuedAt: iat,
	})
	want := map[string]any{
		"aud": aud, "iss": "https://sts.windows.net/" + testTenant + "/", "ver": "1.0",
		"tid": testTenant, "oid": testOID, "appid": TeamsWebClientID, "appidacr": "0",
		"scp": "access_as_user", "upn": "adele@contoso.com", "unique_name": "adele@contoso.com",
		"name": "Adele Vance", "given_name": "Adele", "family_name": "Vance",
		"iat": iat.Unix(), "nbf": iat.Unix(), "exp": iat.Add(time.Hour).Unix(),
	}
	for k, v := range want {
		if tok.Claims[k] != v {
			t.Errorf("%s = %v, want %v", k, tok.Claims[k], v)
		}
	}
	for _, k := range []string{"sub", "amr", "ipaddr", "aio", "uti", "rh", "acr"} {
		if _, ok := tok.Claims[k]; !ok {
			t.Errorf("no %s", k)
		}
	}
	for _, k := range []string{"azp", "azpacr", "preferred_username", "email"} {
		if _, ok := tok.Claims[k]; ok {
			t.Errorf("v1 token has %s", k)
		}
	}
	if sub, _ := tok.Claims["sub"].(string); len(sub) != 43 {
		t.Errorf("sub %q is not 43 characters", sub)
	}
	if tok.Header["x5t"] != c.CurrentKID() || tok.Header["kid"] != c.CurrentKID() {
		t.Errorf("header %v", tok.Header)
	}
}

func TestAccessTokenV2(t *testing.T) {
	c := start(t)
	tok := c.AccessToken(TokenSpec{
		Version: 2, Tenant: testTenant, ObjectID: testOID, ClientID: testClient,
		AuthorizedParty: "1fec8e78-bce4-4aaf-ab1b-5451cc387264", Scopes: "access_as_user User.Read",
		PreferredUsername: "adele@contoso.com", Name: "Adele Vance", Lifetime: 75 * time.Minute,
	})
	want := map[string]any{
		"aud": testClient, "iss": c.IssuerV2(testTenant), "ver": "2.0",
		"azp": "1fec8e78-bce4-4aaf-ab1b-5451cc387264", "azpacr": "0",
		"scp": "access_as_user User.Read", "preferred_username": "adele@contoso.com",
	}
	for k, v := range want {
		if tok.Claims[k] != v {
			t.Errorf("%s = %v, want %v", k, tok.Claims[k], v)
		}
	}
	if d := tok.Claims["exp"].(int64) - tok.Claims["iat"].(int64); d != 75*60 {
		t.Errorf("lifetime %ds", d)
	}
	for _, k := range []string{"appid", "appidacr", "upn", "unique_name", "email", "x5t"} {
		if _, ok := tok.Claims[k]; ok {
			t.Errorf("v2 token has %s", k)
		}
	}
	if _, ok := tok.Header["x5t"]; ok {
		t.Error("v2 header has x5t")
	}
	withEmail := c.AccessToken(TokenSpec{Version: 2, Email: "adele@contoso.com"})
	if withEmail.Claims["email"] != "adele@contoso.com" || withEmail.Claims["preferred_username"] != "adele@contoso.com" {
		t.Errorf("email token claims %v", withEmail.Claims)
	}
}

func TestForgedTokens(t *testing.T) {
	c := start(t)
	tok := c.AccessToken(TokenSpec{Tenant: testTenant})
	delete(tok.Claims, "oid")
	tok.Claims["iss"] = "https://sts.windows.net/evil/"

	none := SignNone(tok)
	h, claims, sig := decodeJWT(t, none)
	if h["alg"] != "none" || len(sig) != 0 || !strings.HasSuffix(none, ".") {
		t.Errorf("SignNone: header %v, signature %d bytes", h, len(sig))
	}
	if _, ok := claims["oid"]; ok || claims["iss"] != "https://sts.windows.net/evil/" {
		t.Errorf("SignNone lost the caller's changes: %v", claims)
	}

	secret := c.PublicKeyPEM()
	if b, _ := pem.Decode(secret); b == nil || b.Type != "PUBLIC KEY" {
		t.Fatalf("PublicKeyPEM: %q", secret)
	}
	hs := SignHS256(tok, secret)
	h, _, sig = decodeJWT(t, hs)
	if h["alg"] != "HS256" || h["kid"] != c.CurrentKID() {
		t.Errorf("SignHS256 header %v", h)
	}
	mac := hmac.New(sha256.New, secret)
	mac.Write([]byte(hs[:strings.LastIndex(hs, ".")]))
	if !hmac.Equal(mac.Sum(nil), sig) {
		t.Error("SignHS256 signature is not HMAC-SHA256 with the secret")
	}

	other, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	h, _, _ = decodeJWT(t, SignWith(tok, other, "foreign-kid"))
	if h["alg"] != "RS256" || h["kid"] != "foreign-kid" || h["x5t"] != "foreign-kid" {
		t.Errorf("SignWith header %v", h)
	}
	h, _, _ = decodeJWT(t, SignWith(tok, c.CurrentKey(), ""))
	if _, ok := h["kid"]; ok {
		t.Errorf("SignWith without kid: header %v", h)
	}
	if tok.Header["alg"] != "RS256" || tok.Header["kid"] != c.CurrentKID() {
		t.Errorf("signing changed the caller's header: %v", tok.Header)
	}
}

func TestSegmentsAreUnpaddedBase64URL(t *testing.T) {
	c := start(t)
	raw := c.Sign(c.AccessToken(TokenSpec{Name: "Ünïcødé ~~~ ???", Tenant: testTenant}))
	if strings.ContainsAny(raw, "=+/") {
		t.Fatalf("token is not unpadded base64url: %s", raw)
	}
	for _, p := range strings.Split(raw, ".") {
		if _, err := base64.RawURLEncoding.DecodeString(p); err != nil {
			t.Fatal(err)
		}
	}
}

func TestAccessTokenGuests(t *testing.T) {
	c := start(t)
	const home = "3b1a6e2c-5d4f-4e8a-9c7b-1f2e3d4c5b6a"
	one := 1
	cases := []struct {
		name    string
		spec    TokenSpec
		want    map[string]any
		missing []string
	}{
		{"v1 guest from another tenant", TokenSpec{Version: 1, GuestOf: home, UPN: "megan@fabrikam.com"},
			map[string]any{"idp": "https://sts.windows.net/" + home + "/", "unique_name": "megan@fabrikam.com", "email": "megan@fabrikam.com"},
			[]string{"upn", "acct"}},
		{"v1 personal account guest", TokenSpec{Version: 1, GuestOf: GuestPersonalAccount, Email: "megan@outlook.com"},
			map[string]any{"idp": "live.com", "unique_name": "live.com#megan@outlook.com", "email": "megan@outlook.com"},
			[]string{"upn"}},
		{"v2 guest from another tenant", TokenSpec{Version: 2, GuestOf: strings.ToUpper(home), Email: "megan@fabrikam.com"},
			map[string]any{"idp": "https://sts.windows.net/" + home + "/", "preferred_username": "megan@fabrikam.com", "email": "megan@fabrikam.com"},
			[]string{"upn", "unique_name"}},
		{"v2 personal account guest", TokenSpec{Version: 2, GuestOf: GuestPersonalAccount, PreferredUsername: "megan@outlook.com"},
			map[string]any{"idp": "live.com", "preferred_username": "megan@outlook.com", "email": "megan@outlook.com"},
			nil},
		{"acct asked for", TokenSpec{Version: 1, GuestOf: home, UPN: "megan@fabrikam.com", Acct: &one},
			map[string]any{"acct": 1}, nil},
		{"member", TokenSpec{Version: 1, UPN: "adele@contoso.com"},
			map[string]any{"upn": "adele@contoso.com", "unique_name": "adele@contoso.com"},
			[]string{"idp", "acct", "email"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			tok := c.AccessToken(tc.spec)
			for k, v := range tc.want {
				if tok.Claims[k] != v {
					t.Errorf("%s = %v, want %v", k, tok.Claims[k], v)
				}
			}
			for _, k := range tc.missing {
				if v, ok := tok.Claims[k]; ok {
					t.Errorf("has %s = %v", k, v)
				}
			}
		})
	}
}
