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
