package msfake

import (
	"net/http"
	"testing"
)

func TestDiscoveryV2(t *testing.T) {
	c := start(t)
	var doc map[string]any
	resp := getJSON(t, c, c.URL()+"/"+testTenant+"/v2.0/.well-known/openid-configuration", &doc)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status %d", resp.StatusCode)
	}
	want := map[string]string{
		"issuer":                 c.IssuerV2(testTenant),
		"jwks_uri":               c.URL() + "/" + testTenant + "/discovery/v2.0/keys",
		"token_endpoint":         c.URL() + "/" + testTenant + "/oauth2/v2.0/token",
		"authorization_endpoint": c.URL() + "/" + testTenant + "/oauth2/v2.0/authorize",
	}
	for k, v := range want {
		if doc[k] != v {
			t.Errorf("%s = %v, want %s", k, doc[k], v)
		}
	}
	if doc["issuer"] != c.URL()+"/"+testTenant+"/v2.0" {
		t.Errorf("IssuerV2 = %s", c.IssuerV2(testTenant))
	}
	if algs, _ := doc["id_token_signing_alg_values_supported"].([]any); len(algs) != 1 || algs[0] != "RS256" {
		t.Errorf("id_token_signing_alg_values_supported = %v", doc["id_token_signing_alg_values_supported"])
	}
}

func TestDiscoveryV2Common(t *testing.T) {
	c := start(t)
	for _, tenant := range []string{"common", "organizations"} {
		var doc map[string]any
		getJSON(t, c, c.URL()+"/"+tenant+"/v2.0/.well-known/openid-configuration", &doc)
		if want := c.URL() + "/{tenantid}/v2.0"; doc["issuer"] != want {
			t.Errorf("%s: issuer = %v, want %s", tenant, doc["issuer"], want)
		}
		if want := c.URL() + "/" + tenant + "/discovery/v2.0/keys"; doc["jwks_uri"] != want {
			t.Errorf("%s: jwks_uri = %v, want %s", tenant, doc["jwks_uri"], want)
		}
		if doc["tenant_region_scope"] != nil {
			t.Errorf("%s: tenant_region_scope = %v, want null", tenant, doc["tenant_region_scope"])
		}
	}
}

func TestDiscoveryV1(t *testing.T) {
	c := start(t)
	var doc map[string]any
	resp := getJSON(t, c, c.URL()+"/"+testTenant+"/.well-known/openid-configuration", &doc)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status %d", resp.StatusCode)
	}
	want := map[string]string{
		"issuer":         "https://sts.windows.net/" + testTenant + "/",
		"jwks_uri":       c.URL() + "/common/discovery/keys",
		"token_endpoint": c.URL() + "/" + testTenant + "/oauth2/token",
	}
	for k, v := range want {
		if doc[k] != v {
			t.Errorf("%s = %v, want %s", k, doc[k], v)
		}
	}
	if c.IssuerV1(testTenant) != want["issuer"] {
		t.Errorf("IssuerV1 = %s", c.IssuerV1(testTenant))
	}
	if doc["microsoft_multi_refresh_token"] != true {
		t.Errorf("microsoft_multi_refresh_token = %v", doc["microsoft_multi_refresh_token"])
	}
}
