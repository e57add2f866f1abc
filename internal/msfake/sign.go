package msfake

import (
	"crypto"
	"crypto/hmac"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"maps"
)

// Sign signs t with RS256 and the current key. The signed header gets
// typ "JWT", alg "RS256" and the current kid (and x5t, if the header has
// one, as v1 tokens do); t itself is not changed.
func (c *Cloud) Sign(t Token) string {
	c.mu.RLock()
	k := c.current()
	c.mu.RUnlock()
	return SignWith(t, k.key, k.kid)
}

// SignWith signs t with RS256 and key, naming kid, as Sign does: for
// tokens signed by another tenant's or an unknown key. An empty kid leaves
// kid and x5t out of the header.
func SignWith(t Token, key *rsa.PrivateKey, kid string) string {
	h := maps.Clone(t.Header)
	if h == nil {
		h = map[string]any{}
	}
	h["typ"] = "JWT"
	h["alg"] = "RS256"
	if kid == "" {
		delete(h, "kid")
		delete(h, "x5t")
	} else {
		h["kid"] = kid
		if _, ok := h["x5t"]; ok {
			h["x5t"] = kid
		}
	}
	input := signingInput(h, t.Claims)
	digest := sha256.Sum256([]byte(input))
	sig, err := rsa.SignPKCS1v15(rand.Reader, key, crypto.SHA256, digest[:])
	if err != nil {
		panic("msfake: RS256 signature: " + err.Error())
	}
	return input + "." + base64.RawURLEncoding.EncodeToString(sig)
}

// SignNone encodes t with alg "none" and an empty signature
// ("header.claims."), keeping the rest of its header.
func SignNone(t Token) string {
	h := maps.Clone(t.Header)
	if h == nil {
		h = map[string]any{}
	}
	h["alg"] = "none"
	return signingInput(h, t.Claims) + "."
}

// SignHS256 signs t with HMAC-SHA256 and secret, alg "HS256", keeping the
// rest of its header. With PublicKeyPEM as the secret it is the
// key-confusion attack on validators that let the token pick the
// algorithm.
func SignHS256(t Token, secret []byte) string {
	h := maps.Clone(t.Header)
	if h == nil {
		h = map[string]any{}
	}
	h["alg"] = "HS256"
	input := signingInput(h, t.Claims)
	mac := hmac.New(sha256.New, secret)
	mac.Write([]byte(input))
	return input + "." + base64.RawURLEncoding.EncodeToString(mac.Sum(nil))
}

// signingInput is base64url(header) "." base64url(claims), JSON without
// padding as JWS compact serialization wants.
func signingInput(header, claims map[string]any) string {
	return segment(header) + "." + segment(claims)
}

func segment(v map[string]any) string {
	if v == nil {
		v = map[string]any{}
	}
	b, err := json.Marshal(v)
	if err != nil {
		panic("msfake: token JSON: " + err.Error())
	}
	return base64.RawURLEncoding.EncodeToString(b)
}
