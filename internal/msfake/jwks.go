package msfake

import (
	"encoding/base64"
	"math/big"
	"net/http"
)

// jwk is one key as Entra publishes it. The v2 key sets add
// cloud_instance_name and the issuer the key signs for.
type jwk struct {
	Kty               string   `json:"kty"`
	Use               string   `json:"use"`
	Kid               string   `json:"kid"`
	X5t               string   `json:"x5t"`
	N                 string   `json:"n"`
	E                 string   `json:"e"`
	X5c               []string `json:"x5c"`
	CloudInstanceName string   `json:"cloud_instance_name,omitempty"`
	Issuer            string   `json:"issuer,omitempty"`
}

type jwks struct {
	Keys []jwk `json:"keys"`
}

// JWKSRequests is how many times any key set was fetched.
func (c *Cloud) JWKSRequests() int { return int(c.jwksRequests.Load()) }

// keySet is the published keys, newest first; v2 names the issuer.
func (c *Cloud) keySet(v2Issuer string) jwks {
	c.mu.RLock()
	defer c.mu.RUnlock()
	set := jwks{Keys: make([]jwk, 0, len(c.keys))}
	for i := len(c.keys) - 1; i >= 0; i-- {
		k := c.keys[i]
		pub := k.key.PublicKey
		key := jwk{
			Kty: "RSA",
			Use: "sig",
			Kid: k.kid,
			X5t: k.kid,
			N:   base64.RawURLEncoding.EncodeToString(pub.N.Bytes()),
			E:   base64.RawURLEncoding.EncodeToString(big.NewInt(int64(pub.E)).Bytes()),
			// x5c is standard (not URL) base64 with padding.
			X5c: []string{base64.StdEncoding.EncodeToString(k.certDER)},
		}
		if v2Issuer != "" {
			key.CloudInstanceName = cloudInstanceName
			key.Issuer = v2Issuer
		}
		set.Keys = append(set.Keys, key)
	}
	return set
}

// keysV2 serves GET /{tenant}/discovery/v2.0/keys.
func (c *Cloud) keysV2(w http.ResponseWriter, _ *http.Request, tenant string) {
	c.jwksRequests.Add(1)
	writeJSON(w, http.StatusOK, dayCache, c.keySet(c.url+"/"+issuerTenant(tenant)+"/v2.0"))
}

// keysV1 serves GET /{tenant}/discovery/keys, usually as /common.
func (c *Cloud) keysV1(w http.ResponseWriter, _ *http.Request, _ string) {
	c.jwksRequests.Add(1)
	writeJSON(w, http.StatusOK, dayCache, c.keySet(""))
}
