package msfake

import (
	"crypto/rsa"
	"crypto/sha1"
	"crypto/x509"
	"encoding/base64"
	"slices"
	"testing"
)

func TestJWKSShape(t *testing.T) {
	c := start(t)
	v2 := fetchKeys(t, c, c.URL()+"/"+testTenant+"/discovery/v2.0/keys")
	v1 := fetchKeys(t, c, c.URL()+"/common/discovery/keys")
	common2 := fetchKeys(t, c, c.URL()+"/common/discovery/v2.0/keys")
	if len(v2) != 1 || len(v1) != 1 || len(common2) != 1 {
		t.Fatalf("key counts v2 %d, v1 %d, common v2 %d, want 1 each", len(v2), len(v1), len(common2))
	}
	if v2[0].Issuer != c.IssuerV2(testTenant) {
		t.Errorf("v2 key issuer %q", v2[0].Issuer)
	}
	if common2[0].Issuer != c.URL()+"/{tenantid}/v2.0" {
		t.Errorf("common v2 key issuer %q", common2[0].Issuer)
	}
	if v1[0].Issuer != "" {
		t.Errorf("v1 key has issuer %q", v1[0].Issuer)
	}
	k := v2[0]
	if k.Kty != "RSA" || k.Use != "sig" || k.Kid != c.CurrentKID() || k.X5t != k.Kid || k.E != "AQAB" {
		t.Fatalf("key %+v, current kid %s", k, c.CurrentKID())
	}
	if len(k.X5c) != 1 {
		t.Fatalf("x5c has %d certificates", len(k.X5c))
	}
	der, err := base64.StdEncoding.DecodeString(k.X5c[0])
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	if err := cert.CheckSignature(cert.SignatureAlgorithm, cert.RawTBSCertificate, cert.Signature); err != nil {
		t.Errorf("x5c certificate is not self-signed: %v", err)
	}
	if !cert.PublicKey.(*rsa.PublicKey).Equal(k.publicKey(t)) {
		t.Error("x5c certificate's key differs from n, e")
	}
	if k.publicKey(t).N.BitLen() != 2048 {
		t.Errorf("key is %d bits", k.publicKey(t).N.BitLen())
	}
	thumb := sha1.Sum(der)
	if base64.RawURLEncoding.EncodeToString(thumb[:]) != k.X5t {
		t.Error("x5t is not the certificate's SHA-1 thumbprint")
	}
}

func TestRotateAndDropKeys(t *testing.T) {
	c := start(t)
	url := c.URL() + "/common/discovery/v2.0/keys"
	first := c.CurrentKID()
	if got := kids(fetchKeys(t, c, url)); !slices.Equal(got, []string{first}) {
		t.Fatalf("kids %v, want [%s]", got, first)
	}

	c.RotateKeys()
	second := c.CurrentKID()
	if second == first {
		t.Fatal("RotateKeys kept the kid")
	}
	got := kids(fetchKeys(t, c, url))
	if len(got) != 2 || !slices.Contains(got, first) || !slices.Contains(got, second) {
		t.Fatalf("after rotation kids %v, want %s and %s", got, first, second)
	}

	c.DropOldKeys()
	if got := kids(fetchKeys(t, c, url)); !slices.Equal(got, []string{second}) {
		t.Fatalf("after DropOldKeys kids %v, want [%s]", got, second)
	}
	if c.CurrentKID() != second {
		t.Fatal("DropOldKeys changed the current key")
	}
}

func TestJWKSRequestsCounts(t *testing.T) {
	c := start(t)
	if n := c.JWKSRequests(); n != 0 {
		t.Fatalf("JWKSRequests = %d at start", n)
	}
	var doc map[string]any
	getJSON(t, c, c.URL()+"/"+testTenant+"/v2.0/.well-known/openid-configuration", &doc)
	if n := c.JWKSRequests(); n != 0 {
		t.Fatalf("discovery counted as a JWKS request: %d", n)
	}
	fetchKeys(t, c, doc["jwks_uri"].(string))
	fetchKeys(t, c, c.URL()+"/common/discovery/keys")
	fetchKeys(t, c, c.URL()+"/common/discovery/v2.0/keys")
	if n := c.JWKSRequests(); n != 3 {
		t.Fatalf("JWKSRequests = %d, want 3", n)
	}
}

func TestRotationDuringFetches(t *testing.T) {
	c := start(t)
	done := make(chan struct{})
	go func() {
		defer close(done)
		for range 3 {
			c.RotateKeys()
		}
		c.DropOldKeys()
	}()
	for range 10 {
		if len(fetchKeys(t, c, c.URL()+"/common/discovery/keys")) == 0 {
			t.Fatal("empty key set")
		}
	}
	<-done
	if got := kids(fetchKeys(t, c, c.URL()+"/common/discovery/keys")); !slices.Equal(got, []string{c.CurrentKID()}) {
		t.Fatalf("kids %v, want only %s", got, c.CurrentKID())
	}
}
