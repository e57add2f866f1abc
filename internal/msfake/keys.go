package msfake

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/pem"
	"fmt"
	"time"

	"github.com/missioncollab/mattermost-plugin-m365/internal/testcert"
)

// signingKey is one token signing key with the self-signed certificate
// Entra publishes for it in x5c.
type signingKey struct {
	key     *rsa.PrivateKey
	certDER []byte
	// kid is what Entra uses: the base64url SHA-1 thumbprint of the
	// certificate, the same value as x5t.
	kid string
}

func newSigningKey() (*signingKey, error) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return nil, fmt.Errorf("msfake: signing key: %w", err)
	}
	now := time.Now()
	tmpl := &x509.Certificate{
		SerialNumber: testcert.RandomSerial(),
		// The subject of Entra's token signing certificates.
		Subject:   pkix.Name{CommonName: "accounts.accesscontrol.windows.net"},
		NotBefore: now.Add(-24 * time.Hour),
		NotAfter:  now.Add(5 * 365 * 24 * time.Hour),
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, fmt.Errorf("msfake: signing certificate: %w", err)
	}
	thumb := sha1.Sum(der)
	return &signingKey{
		key:     key,
		certDER: der,
		kid:     base64.RawURLEncoding.EncodeToString(thumb[:]),
	}, nil
}

// current is the signing key; the caller holds c.mu.
func (c *Cloud) current() *signingKey { return c.keys[len(c.keys)-1] }

// RotateKeys makes a new RSA-2048 key the signing key. The previous keys
// stay published in the JWKS, as Entra publishes several keys at once.
// It panics if no key can be generated.
func (c *Cloud) RotateKeys() {
	k, err := newSigningKey()
	if err != nil {
		panic(err)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.keys = append(c.keys, k)
}

// DropOldKeys stops publishing every key but the current one.
func (c *Cloud) DropOldKeys() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.keys = []*signingKey{c.current()}
}

// CurrentKID is the key ID (kid, also x5t) of the current signing key.
func (c *Cloud) CurrentKID() string {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.current().kid
}

// CurrentKey is the current signing key, for SignWith with another kid
// (or none).
func (c *Cloud) CurrentKey() *rsa.PrivateKey {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.current().key
}

// PublicKeyPEM is the current signing key's public key as a PKIX "PUBLIC
// KEY" PEM block: what an attacker would feed to SignHS256 as the HMAC
// secret in a key-confusion attack.
func (c *Cloud) PublicKeyPEM() []byte {
	der, err := x509.MarshalPKIXPublicKey(&c.CurrentKey().PublicKey)
	if err != nil {
		panic(err) // an RSA public key always marshals
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})
}
