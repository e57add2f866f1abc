package msfake

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

func TestClientCredentialsErrors(t *testing.T) {
	t.Parallel()
	c := start(t)
	c.RegisterApp(testTenant, testClient, testSecret)
	good := func() url.Values { return clientCredentials(c, testClient, testSecret) }
	with := func(key, value string) url.Values {
		f := good()
		f.Set(key, value)
		return f
	}
	tests := []struct {
		name   string
		tenant string
		form   url.Values
		status int
		err    string
		code   float64
	}{
		{"unknown tenant", otherTenant, good(), 400, "invalid_tenant", 90002},
		{"tenant not a GUID", "contoso", good(), 400, "invalid_tenant", 90002},
		{"unknown client", testTenant, with("client_id", "11111111-2222-4333-8444-555555555555"), 400, "unauthorized_client", 700016},
		{"wrong secret", testTenant, with("client_secret", "nope"), 401, "invalid_client", 7000215},
		{"no secret", testTenant, with("client_secret", ""), 401, "invalid_client", 7000218},
		{"no grant type", testTenant, with("grant_type", ""), 400, "invalid_request", 900144},
		{"other grant type", testTenant, with("grant_type", "password"), 400, "unsupported_grant_type", 70003},
		{"scope not .default", testTenant, with("scope", c.URL()+"/User.Read"), 400, "invalid_scope", 1002012},
		{"other resource", testTenant, with("scope", "https://example.com/.default"), 400, "invalid_resource", 500011},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, body := postToken(t, c, tt.tenant, tt.form)
			if status != tt.status || body["error"] != tt.err {
				t.Fatalf("status %d error %v, want %d %s; %v", status, body["error"], tt.status, tt.err, body)
			}
			codes, _ := body["error_codes"].([]any)
			if len(codes) != 1 || codes[0] != tt.code {
				t.Errorf("error_codes %v, want [%v]", body["error_codes"], tt.code)
			}
			desc, _ := body["error_description"].(string)
			if !strings.HasPrefix(desc, "AADSTS") || body["access_token"] != nil {
				t.Errorf("body %v", body)
			}
		})
	}
}

func TestClientCredentialsToken(t *testing.T) {
	t.Parallel()
	c := start(t)
	c.RegisterApp(testTenant, testClient, testSecret)
	status, body := postToken(t, c, testTenant, clientCredentials(c, testClient, testSecret))
	if status != http.StatusOK {
		t.Fatalf("status %d: %v", status, body)
	}
	if body["token_type"] != "Bearer" || body["expires_in"] != 3599.0 || body["ext_expires_in"] != 3599.0 {
		t.Errorf("body %v", body)
	}
	claims := verify(t, c, body["access_token"].(string))
	for k, want := range map[string]any{
		"aud":   c.URL(),
		"iss":   c.IssuerV1(testTenant),
		"tid":   testTenant,
		"appid": testClient,
		"idtyp": "app",
		"ver":   "1.0",
	} {
		if claims[k] != want {
			t.Errorf("%s = %v, want %v", k, claims[k], want)
		}
	}
	roles, _ := claims["roles"].([]any)
	if len(roles) != 2 || roles[0] != "AppCatalog.Read.All" || roles[1] != "TeamsActivity.Send" {
		t.Errorf("roles %v", claims["roles"])
	}
	if claims["exp"].(float64)-claims["iat"].(float64) != 3599 || claims["nbf"] != claims["iat"] {
		t.Errorf("iat %v nbf %v exp %v", claims["iat"], claims["nbf"], claims["exp"])
	}

	// HTTP Basic client authentication, Graph's app ID as the resource,
	// and a shorter lifetime.
	c.SetTokenLifetime(10 * time.Minute)
	form := clientCredentials(c, "", "")
	form.Del("client_id")
	form.Del("client_secret")
	form.Set("scope", GraphAppID+"/.default")
	req, _ := http.NewRequest(http.MethodPost, c.URL()+"/"+testTenant+"/oauth2/v2.0/token", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(url.QueryEscape(testClient), url.QueryEscape(testSecret))
	resp, err := c.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("basic auth: status %d", resp.StatusCode)
	}
	_, body = postToken(t, c, testTenant, clientCredentials(c, testClient, testSecret))
	if body["expires_in"] != 600.0 {
		t.Errorf("expires_in %v after SetTokenLifetime(10m)", body["expires_in"])
	}
	c.SetTokenLifetime(0)
	if _, body = postToken(t, c, testTenant, clientCredentials(c, testClient, testSecret)); body["expires_in"] != 3599.0 {
		t.Errorf("expires_in %v after SetTokenLifetime(0)", body["expires_in"])
	}
}
