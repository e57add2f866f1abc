package msfake

import (
	"crypto/x509"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestURLIsLoopbackHTTPS(t *testing.T) {
	c := start(t)
	if !strings.HasPrefix(c.URL(), "https://127.0.0.1:") || strings.HasSuffix(c.URL(), "/") {
		t.Fatalf("URL = %q", c.URL())
	}
}

func TestDefaultClientRejectsTheFakesCertificate(t *testing.T) {
	c := start(t)
	resp, err := http.DefaultClient.Get(c.URL() + "/common/discovery/keys")
	if err == nil {
		resp.Body.Close()
		t.Fatal("http.DefaultClient trusted the fake's certificate")
	}
	var unknown x509.UnknownAuthorityError
	if !errors.As(err, &unknown) {
		t.Fatalf("want an unknown authority error, got %v", err)
	}
	if c.JWKSRequests() != 0 {
		t.Fatalf("JWKSRequests = %d after a failed handshake", c.JWKSRequests())
	}
}

func TestCAFileVerifiesTheServer(t *testing.T) {
	c := start(t)
	path := filepath.Join(t.TempDir(), "ca.pem")
	if err := c.WriteCAFile(path); err != nil {
		t.Fatal(err)
	}
	pemBytes, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if string(pemBytes) != string(c.CAPEM()) {
		t.Fatal("CA file differs from CAPEM")
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pemBytes) {
		t.Fatal("CA file holds no certificate")
	}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.TLSClientConfig.RootCAs = pool
	t.Cleanup(tr.CloseIdleConnections)
	for _, host := range []string{"127.0.0.1", "localhost"} {
		u := strings.Replace(c.URL(), "127.0.0.1", host, 1) + "/common/v2.0/.well-known/openid-configuration"
		resp, err := (&http.Client{Transport: tr}).Get(u)
		if err != nil {
			t.Fatalf("GET %s: %v", u, err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("GET %s: status %d", u, resp.StatusCode)
		}
	}
}

func TestErrorsAreEntraShaped(t *testing.T) {
	c := start(t)
	cases := []struct {
		path   string
		status int
		error  string
		code   string
	}{
		{"/nope", http.StatusNotFound, "invalid_request", ""},
		{"/" + testTenant + "/v2.0/.well-known/nope", http.StatusNotFound, "invalid_request", ""},
		{"/contoso/v2.0/.well-known/openid-configuration", http.StatusBadRequest, "invalid_tenant", "AADSTS90002"},
		{"/not-a-guid/discovery/v2.0/keys", http.StatusBadRequest, "invalid_tenant", "AADSTS90002"},
	}
	for _, tc := range cases {
		var body map[string]any
		resp := getJSON(t, c, c.URL()+tc.path, &body)
		if resp.StatusCode != tc.status {
			t.Errorf("%s: status %d, want %d", tc.path, resp.StatusCode, tc.status)
		}
		if body["error"] != tc.error {
			t.Errorf("%s: error %v, want %s", tc.path, body["error"], tc.error)
		}
		desc, _ := body["error_description"].(string)
		if !strings.HasPrefix(desc, tc.code) || !strings.Contains(desc, "Trace ID: ") {
			t.Errorf("%s: error_description %q", tc.path, desc)
		}
		for _, k := range []string{"timestamp", "trace_id", "correlation_id"} {
			if s, _ := body[k].(string); s == "" {
				t.Errorf("%s: no %s", tc.path, k)
			}
		}
	}
	if c.JWKSRequests() != 0 {
		t.Fatalf("JWKSRequests = %d after a refused tenant", c.JWKSRequests())
	}
}

func TestCloseIsIdempotent(t *testing.T) {
	c, err := Start()
	if err != nil {
		t.Fatal(err)
	}
	c.Close()
	c.Close()
	if resp, err := c.Client().Get(c.URL() + "/common/discovery/keys"); err == nil {
		resp.Body.Close()
		t.Fatal("server still answers after Close")
	}
}
