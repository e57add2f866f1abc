package kvstore

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"

	"github.com/mattermost/mattermost/server/public/model"
)

// ExpiringKV is the part of the plugin API one-time secrets need.
type ExpiringKV interface {
	KVGet(key string) ([]byte, *model.AppError)
	KVSetWithExpiry(key string, value []byte, expireInSeconds int64) *model.AppError
	KVCompareAndDelete(key string, oldValue []byte) (bool, *model.AppError)
}

// Secrets are random bearer values that stand for a stored value for a
// while: sign-in codes and linking flows. Only a hash of a secret is a
// key, so the store never holds a usable one.
type Secrets struct {
	KV     ExpiringKV
	Prefix string
	// TTL is how long a secret stays usable, in seconds.
	TTL int64
}

// maxSecretLen is longer than any secret Issue makes; longer input is
// refused before it is hashed.
const maxSecretLen = 128

// AuthCodes carry a confirmed link from the host's popup to the tab's
// frame, whose cookies the popup cannot reach: a minute is plenty.
func AuthCodes(kv ExpiringKV) Secrets { return Secrets{KV: kv, Prefix: "authcode_", TTL: 60} }

// LinkFlows are linking flows the tab started: long enough for a person
// to sign in to Mattermost in the popup, with MFA.
func LinkFlows(kv ExpiringKV) Secrets { return Secrets{KV: kv, Prefix: "linkflow_", TTL: 10 * 60} }

func (s Secrets) key(secret string) string {
	sum := sha256.Sum256([]byte(secret))
	return s.Prefix + hex.EncodeToString(sum[:16])
}

// Issue stores value under a new secret.
func (s Secrets) Issue(value []byte) (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("make %ssecret: %w", s.Prefix, err)
	}
	secret := base64.RawURLEncoding.EncodeToString(b)
	if appErr := s.KV.KVSetWithExpiry(s.key(secret), value, s.TTL); appErr != nil {
		return "", fmt.Errorf("store %ssecret: %w", s.Prefix, appErr)
	}
	return secret, nil
}

// Peek returns the value of a secret without using it up; nil for a
// secret that is unknown, expired or used.
func (s Secrets) Peek(secret string) ([]byte, error) {
	if len(secret) == 0 || len(secret) > maxSecretLen {
		return nil, nil
	}
	value, appErr := s.KV.KVGet(s.key(secret))
	if appErr != nil {
		return nil, fmt.Errorf("read %ssecret: %w", s.Prefix, appErr)
	}
	return value, nil
}

// Take returns the value of a secret once; nil for a secret that is
// unknown, expired or used.
func (s Secrets) Take(secret string) ([]byte, error) {
	value, err := s.Peek(secret)
	if err != nil || value == nil {
		return nil, err
	}
	deleted, appErr := s.KV.KVCompareAndDelete(s.key(secret), value)
	if appErr != nil {
		return nil, fmt.Errorf("use %ssecret: %w", s.Prefix, appErr)
	}
	if !deleted {
		// Another request used it first.
		return nil, nil
	}
	return value, nil
}
