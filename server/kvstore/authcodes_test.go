package kvstore

import (
	"bytes"
	"strings"
	"testing"

	"github.com/mattermost/mattermost/server/public/model"
)

// memKV is the plugin KV store's contract, in memory.
type memKV map[string][]byte

func (m memKV) KVGet(k string) ([]byte, *model.AppError) { return m[k], nil }
func (m memKV) KVSetWithExpiry(k string, v []byte, _ int64) *model.AppError {
	m[k] = v
	return nil
}
func (m memKV) KVCompareAndDelete(k string, old []byte) (bool, *model.AppError) {
	if v, ok := m[k]; !ok || !bytes.Equal(v, old) {
		return false, nil
	}
	delete(m, k)
	return true, nil
}

func TestAuthCodesAreSingleUseAndStoredHashed(t *testing.T) {
	kv := memKV{}
	codes := AuthCodes{KV: kv}
	code, err := codes.Issue("user1")
	if err != nil {
		t.Fatal(err)
	}
	for k := range kv {
		if strings.Contains(k, code) {
			t.Fatal("the store holds the code itself")
		}
	}
	if got, _ := codes.Redeem(code); got != "user1" {
		t.Fatalf("first redeem = %q", got)
	}
	if got, _ := codes.Redeem(code); got != "" {
		t.Fatalf("second redeem = %q", got)
	}
	if got, _ := codes.Redeem("made-up"); got != "" {
		t.Fatalf("unknown code = %q", got)
	}
	other, _ := codes.Issue("user2")
	if other == code {
		t.Fatal("two codes are equal")
	}
}
