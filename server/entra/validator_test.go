package entra

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/missioncollab/mattermost-plugin-m365/internal/msfake"
)

const (
	tenant   = "72f988bf-86f1-41af-91ab-2d7cd011db47"
	clientID = "11111111-2222-3333-4444-555555555555"
	resource = "api://mm.example.com:8443/chat/" + clientID
	objectID = "9a0b1c2d-3e4f-4a5b-8c6d-7e8f9a0b1c2d"
)

func startCloud(t testing.TB) (*msfake.Cloud, *Validator) {
	t.Helper()
	cloud, err := msfake.Start()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(cloud.Close)
	v := NewValidator(Config{
		AuthorityURL: cloud.URL(),
		V1IssuerURL:  "https://sts.windows.net",
		TenantID:     tenant,
		ClientID:     clientID,
		ResourceURI:  resource,
		HTTPClient:   cloud.Client(),
	})
	t.Cleanup(v.Close)
	return cloud, v
}

func spec(version int) msfake.TokenSpec {
	s := msfake.TokenSpec{
		Version: version, Tenant: tenant, ObjectID: objectID, ClientID: clientID,
		Audience: resource, Scopes: "access_as_user", Email: "alice@example.com", Name: "Alice Example",
	}
	if version == 2 {
		s.Audience = clientID
	}
	return s
}

func TestValidTokensAccepted(t *testing.T) {
	cloud, v := startCloud(t)
	for _, version := range []int{1, 2} {
		for _, app := range ClientApps {
			s := spec(version)
			s.AuthorizedParty = app.ID
			id, err := v.Validate(context.Background(), cloud.Sign(cloud.AccessToken(s)))
			if err != nil {
				t.Fatalf("v%d token from %s refused: %v", version, app.Name, err)
			}
			if id.ObjectID != objectID || id.TenantID != tenant || id.ClientApp.ID != app.ID || len(id.Emails) == 0 || id.Emails[0] != "alice@example.com" {
				t.Fatalf("identity %+v", id)
			}
			// A token's one session is remembered until the token expires.
			if until := time.Until(id.ExpiresAt); until <= 0 || until > 2*time.Hour {
				t.Fatalf("the identity expires in %s", until)
			}
		}
	}
	// Both audiences Entra may use are accepted.
	s := spec(1)
	s.Audience = clientID
	if _, err := v.Validate(context.Background(), cloud.Sign(cloud.AccessToken(s))); err != nil {
		t.Fatalf("client ID audience refused: %v", err)
	}
}

func TestForgedOrWrongTokensRefused(t *testing.T) {
	cloud, v := startCloud(t)
	otherKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	sign := func(change func(*msfake.Token)) func() string {
		return func() string {
			tok := cloud.AccessToken(spec(2))
			change(&tok)
			return cloud.Sign(tok)
		}
	}
	sign1 := func(change func(*msfake.Token)) func() string {
		return func() string {
			tok := cloud.AccessToken(spec(1))
			change(&tok)
			return cloud.Sign(tok)
		}
	}
	del := func(claim string) func(*msfake.Token) { return func(t *msfake.Token) { delete(t.Claims, claim) } }
	set := func(claim string, v any) func(*msfake.Token) { return func(t *msfake.Token) { t.Claims[claim] = v } }
	now := time.Now()
	cases := []struct {
		name  string
		token func() string
		want  string
	}{
		{"alg none", func() string { return msfake.SignNone(cloud.AccessToken(spec(2))) }, "bad signature or signing algorithm"},
		{"HS256 keyed with the public key", func() string { return msfake.SignHS256(cloud.AccessToken(spec(2)), cloud.PublicKeyPEM()) }, "bad signature or signing algorithm"},
		{"other tenant's key, known kid", func() string { return msfake.SignWith(cloud.AccessToken(spec(2)), otherKey, cloud.CurrentKID()) }, "bad signature"},
		{"unknown kid", func() string { return msfake.SignWith(cloud.AccessToken(spec(2)), otherKey, "not-a-published-kid") }, "no known signing key"},
		{"no kid", func() string { return msfake.SignWith(cloud.AccessToken(spec(2)), cloud.CurrentKey(), "") }, "no known signing key"},
		{"tampered payload", func() string {
			raw := cloud.Sign(cloud.AccessToken(spec(2)))
			parts := strings.Split(raw, ".")
			other := strings.Split(cloud.Sign(cloud.AccessToken(msfake.TokenSpec{Version: 2, Tenant: tenant, ClientID: clientID, Scopes: "access_as_user"})), ".")
			return parts[0] + "." + other[1] + "." + parts[2]
		}, "bad signature"},
		{"garbage", func() string { return "not.a.jwt" }, "malformed"},
		{"expired", sign(func(t *msfake.Token) { t.Claims["exp"] = now.Add(-10 * time.Minute).Unix() }), "expired"},
		{"not yet valid", sign(func(t *msfake.Token) { t.Claims["nbf"] = now.Add(10 * time.Minute).Unix() }), "not valid yet"},
		{"issued in the future", sign(set("iat", now.Add(10*time.Minute).Unix())), "issued in the future"},
		{"no exp", sign(del("exp")), "required time claim"},
		{"no nbf", sign(del("nbf")), "lacks nbf or iat"},
		{"no iat", sign(del("iat")), "lacks nbf or iat"},
		{"wrong issuer", sign(set("iss", "https://login.example.com/"+tenant+"/v2.0")), "v2 issuer"},
		{"v2 token with v1 issuer", sign(set("iss", "https://sts.windows.net/"+tenant+"/")), "v2 issuer"},
		{"v1 token with v2 issuer", sign1(func(t *msfake.Token) { t.Claims["iss"] = cloud.IssuerV2(tenant) }), "v1 issuer"},
		{"issuer of another tenant", sign(set("iss", cloud.IssuerV2("00000000-0000-0000-0000-000000000001"))), "v2 issuer"},
		{"tid of another tenant", sign(set("tid", "00000000-0000-0000-0000-000000000001")), "another tenant"},
		{"missing tid", sign(del("tid")), "another tenant"},
		{"unknown version", sign(set("ver", "3.0")), "unknown token version"},
		{"wrong audience", sign(set("aud", "api://evil.example.com/"+clientID)), "another application"},
		{"Graph audience", sign(set("aud", "00000003-0000-0000-c000-000000000000")), "another application"},
		{"two audiences", sign(set("aud", []string{clientID, "other"})), "another application"},
		{"missing scope", sign(set("scp", "User.Read")), "access_as_user"},
		{"scope as a substring", sign(set("scp", "access_as_user_extra")), "access_as_user"},
		{"unknown client app (v2 azp)", sign(set("azp", "22222222-3333-4444-5555-666666666666")), "not a Microsoft 365 host"},
		{"unknown client app (v1 appid)", sign1(func(t *msfake.Token) { t.Claims["appid"] = "22222222-3333-4444-5555-666666666666" }), "not a Microsoft 365 host"},
		{"v2 token naming the app in appid only", sign(func(t *msfake.Token) { t.Claims["appid"] = msfake.TeamsWebClientID; delete(t.Claims, "azp") }), "not a Microsoft 365 host"},
		{"missing oid", sign(del("oid")), "no object ID"},
		{"oversized", func() string { return strings.Repeat("a", 17<<10) }, "larger than 16 KiB"},
	}
	if len(cases) < 20 {
		t.Fatalf("only %d cases", len(cases))
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			raw := tc.token()
			id, err := v.Validate(context.Background(), raw)
			if err == nil {
				t.Fatalf("accepted, identity %+v", id)
			}
			var r *Refusal
			if !errors.As(err, &r) {
				t.Fatalf("not a refusal: %v", err)
			}
			if !strings.Contains(r.Reason, tc.want) {
				t.Fatalf("reason %q, want %q (%v)", r.Reason, tc.want, err)
			}
			if parts := strings.Split(raw, "."); len(parts) == 3 && len(parts[1]) > 20 && strings.Contains(err.Error(), parts[1]) {
				t.Fatal("the refusal quotes the token")
			}
		})
	}
}

func TestKeysCachedAndRefreshedOnRotation(t *testing.T) {
	cloud, v := startCloud(t)
	ctx := context.Background()
	for i := 0; i < 20; i++ {
		if _, err := v.Validate(ctx, cloud.Sign(cloud.AccessToken(spec(2)))); err != nil {
			t.Fatal(err)
		}
	}
	if n := cloud.JWKSRequests(); n != 1 {
		t.Fatalf("20 validations fetched the keys %d times, want 1", n)
	}
	cloud.RotateKeys()
	if _, err := v.Validate(ctx, cloud.Sign(cloud.AccessToken(spec(2)))); err != nil {
		t.Fatalf("token signed with the rotated key refused: %v", err)
	}
	if n := cloud.JWKSRequests(); n != 2 {
		t.Fatalf("rotation fetched the keys %d times in all, want 2", n)
	}
	// A flood of unknown key IDs costs at most one more fetch a minute.
	for i := 0; i < 10; i++ {
		_, _ = v.Validate(ctx, msfake.SignWith(cloud.AccessToken(spec(2)), cloud.CurrentKey(), "unknown-kid"))
	}
	if n := cloud.JWKSRequests(); n > 3 {
		t.Fatalf("unknown key IDs fetched the keys %d times in all", n)
	}
}

func TestDiscoveryFailureIsNotARefusal(t *testing.T) {
	cloud, _ := startCloud(t)
	v := NewValidator(Config{AuthorityURL: cloud.URL(), TenantID: "not-a-tenant", ClientID: clientID, HTTPClient: cloud.Client()})
	defer v.Close()
	_, err := v.Validate(context.Background(), cloud.Sign(cloud.AccessToken(spec(2))))
	var r *Refusal
	if err == nil || errors.As(err, &r) {
		t.Fatalf("want a key error, got %v", err)
	}
}

func TestGuestsToldApart(t *testing.T) {
	cloud, v := startCloud(t)
	const home = "3b1a6e2c-5d4f-4e8a-9c7b-1f2e3d4c5b6a"
	acct := func(n int) *int { return &n }
	with := func(version int, change func(*msfake.TokenSpec)) msfake.TokenSpec {
		s := spec(version)
		if change != nil {
			change(&s)
		}
		return s
	}
	guestOf := func(g string) func(*msfake.TokenSpec) { return func(s *msfake.TokenSpec) { s.GuestOf = g } }
	cases := []struct {
		name  string
		spec  msfake.TokenSpec
		claim map[string]any // set after AccessToken; a nil value deletes
		guest bool
		home  string
	}{
		{"v1 member", with(1, func(s *msfake.TokenSpec) { s.UPN = "alice@example.com" }), nil, false, ""},
		{"v2 member", with(2, nil), nil, false, ""},
		{"v1 guest from another tenant", with(1, guestOf(home)), nil, true, home},
		{"v2 guest from another tenant", with(2, guestOf(home)), nil, true, home},
		{"v2 guest, idp in the v2 form", with(2, guestOf(home)), map[string]any{"idp": cloud.URL() + "/" + strings.ToUpper(home) + "/v2.0"}, true, home},
		{"v1 personal account guest", with(1, guestOf(msfake.GuestPersonalAccount)), nil, true, ""},
		{"v2 personal account guest", with(2, guestOf(msfake.GuestPersonalAccount)), nil, true, ""},
		{"acct 1 on a member-shaped token", with(2, func(s *msfake.TokenSpec) { s.Acct = acct(1) }), nil, true, ""},
		{"acct 0, no idp", with(2, func(s *msfake.TokenSpec) { s.Acct = acct(0) }), nil, false, ""},
		{"acct 0, idp the own v1 issuer", with(1, func(s *msfake.TokenSpec) { s.Acct = acct(0) }), map[string]any{"idp": cloud.IssuerV1(tenant)}, false, tenant},
		{"acct 0, idp the own v2 issuer", with(2, func(s *msfake.TokenSpec) { s.Acct = acct(0) }), map[string]any{"idp": cloud.IssuerV2(tenant)}, false, tenant},
		{"acct 0 does not overrule a foreign idp", with(1, func(s *msfake.TokenSpec) { s.GuestOf = home; s.Acct = acct(0) }), nil, true, home},
		{"acct as the string 1", with(2, nil), map[string]any{"acct": "1"}, true, ""},
		{"acct as the string 0", with(2, nil), map[string]any{"acct": "0"}, false, ""},
		{"acct 2", with(2, nil), map[string]any{"acct": 2}, true, ""},
		{"acct 0.5", with(2, nil), map[string]any{"acct": 0.5}, true, ""},
		{"acct a word", with(2, nil), map[string]any{"acct": "member"}, true, ""},
		{"acct true", with(2, nil), map[string]any{"acct": true}, true, ""},
		{"acct null", with(2, nil), map[string]any{"acct": nil}, true, ""},
		{"acct an object", with(2, nil), map[string]any{"acct": map[string]any{"v": 0}}, true, ""},
		{"own v1 issuer in capitals, no trailing slash", with(1, nil), map[string]any{"idp": strings.ToUpper(strings.TrimSuffix(cloud.IssuerV1(tenant), "/"))}, false, tenant},
		{"own v2 issuer in capitals, trailing slash", with(2, nil), map[string]any{"idp": strings.ToUpper(cloud.IssuerV2(tenant)) + "/"}, false, tenant},
		{"own tenant at another authority", with(2, nil), map[string]any{"idp": "https://login.example.com/" + tenant + "/v2.0"}, true, tenant},
		{"upn with #EXT#", with(1, func(s *msfake.TokenSpec) { s.UPN = "megan_fabrikam.com#EXT#@contoso.onmicrosoft.com" }), nil, true, ""},
		{"preferred_username with #ext#", with(2, func(s *msfake.TokenSpec) { s.PreferredUsername = "megan_fabrikam.com#ext#@contoso.onmicrosoft.com" }), nil, true, ""},
		{"email with #EXT#", with(2, func(s *msfake.TokenSpec) { s.Email = "megan_fabrikam.com#EXT#@contoso.onmicrosoft.com" }), nil, true, ""},
		{"unique_name with a provider prefix, no idp", with(1, nil), map[string]any{"unique_name": "live.com#megan@outlook.com"}, true, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			tok := cloud.AccessToken(tc.spec)
			for k, val := range tc.claim {
				tok.Claims[k] = val
			}
			id, err := v.Validate(context.Background(), cloud.Sign(tok))
			if err != nil {
				t.Fatalf("refused: %v", err)
			}
			if id.Guest != tc.guest || id.HomeTenant != tc.home {
				t.Fatalf("Guest %v HomeTenant %q, want %v %q (claims %v)", id.Guest, id.HomeTenant, tc.guest, tc.home, tok.Claims)
			}
		})
	}
}

func TestRefusalNamesIdpAndAcct(t *testing.T) {
	cloud, v := startCloud(t)
	tok := cloud.AccessToken(spec(2))
	tok.Claims["idp"] = "live.com"
	tok.Claims["acct"] = "x" + strings.Repeat("y", 200)
	tok.Claims["scp"] = "User.Read"
	_, err := v.Validate(context.Background(), cloud.Sign(tok))
	var r *Refusal
	if !errors.As(err, &r) {
		t.Fatalf("want a refusal, got %v", err)
	}
	if r.Detail["idp"] != "live.com" || !strings.HasPrefix(r.Detail["acct"], `"xyy`) || len(r.Detail["acct"]) > 125 {
		t.Fatalf("detail %v", r.Detail)
	}
}

func TestHomeTenant(t *testing.T) {
	const g = "3b1a6e2c-5d4f-4e8a-9c7b-1f2e3d4c5b6a"
	cases := map[string]string{
		"https://sts.windows.net/" + g + "/":               g,
		"https://sts.windows.net/" + strings.ToUpper(g):    g,
		"https://login.microsoftonline.com/" + g + "/v2.0": g,
		"https://login.microsoftonline.us/" + g + "/V2.0/": g,
		"live.com":                              "",
		"mail":                                  "",
		"":                                      "",
		"http://sts.windows.net/" + g + "/":     "",
		"https://sts.windows.net/not-a-tenant/": "",
		"https://sts.windows.net/" + g + "/extra/":                     "",
		"https://sts.windows.net/" + g + "/?x=1":                       "",
		"https:///" + g + "/":                                          "",
		"https://sts.windows.net/" + strings.Replace(g, "-", "x", 1):   "",
		"https://sts.windows.net/" + strings.Replace(g, "3b", "zz", 1): "",
	}
	for idp, want := range cases {
		if got := homeTenant(idp); got != want {
			t.Errorf("homeTenant(%q) = %q, want %q", idp, got, want)
		}
	}
}
