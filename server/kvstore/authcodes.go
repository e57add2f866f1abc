package kvstore

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"

	"github.com/mattermost/mattermost/server/public/model"
)

// ExpiringKV is the part of the plugin API one-time codes need.
type ExpiringKV interface {
	KVGet(key string) ([]byte, *model.AppError)
	KVSetWithExpiry(key string, value []byte, expireInSeconds int64) *model.AppError
	KVCompareAndDelete(key string, oldValue []byte) (bool, *model.AppError)
}

// AuthCodes are one-time codes that carry a sign-in from the host's popup
// to the tab's frame, whose cookies the popup cannot reach.
type AuthCodes struct {
	KV ExpiringKV
}

// authCodeTTL is how long a code stays usable.
const authCodeTTL = 60

// Only a hash of the code is a key, so the store never holds a usable code.
func authCodeKey(code string) string {
	sum := sha256.Sum256([]byte(code))
	return "authcode_" + hex.EncodeToString(sum[:16])
}

// Issue makes a code for a user.
func (a AuthCodes) Issue(userID string) (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("make sign-in code: %w", err)
	}
	code := base64.RawURLEncoding.EncodeToString(b)
	if appErr := a.KV.KVSetWithExpiry(authCodeKey(code), []byte(userID), authCodeTTL); appErr != nil {
		return "", fmt.Errorf("store sign-in code: %w", appErr)
	}
	return code, nil
}

// Redeem returns the user a code was issued for, once; "" for a code that
// is unknown, expired or used.
func (a AuthCodes) Redeem(code string) (string, error) {
	if len(code) == 0 || len(code) > 128 {
		return "", nil
	}
	key := authCodeKey(code)
	userID, appErr := a.KV.KVGet(key)
	if appErr != nil {
		return "", fmt.Errorf("read sign-in code: %w", appErr)
	}
	if userID == nil {
		return "", nil
	}
	deleted, appErr := a.KV.KVCompareAndDelete(key, userID)
	if appErr != nil {
		return "", fmt.Errorf("use sign-in code: %w", appErr)
	}
	if !deleted {
		// Another request used it first.
		return "", nil
	}
	return string(userID), nil
}
