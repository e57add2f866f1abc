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
func (m memKV) KVSet(k string, v []byte) *model.AppError {
	m[k] = v
	return nil
}
func (m memKV) KVDelete(k string) *model.AppError {
	delete(m, k)
	return nil
}
func (m memKV) KVCompareAndSet(k string, old, v []byte) (bool, *model.AppError) {
	if cur, ok := m[k]; ok != (old != nil) || !bytes.Equal(cur, old) {
		return false, nil
	}
	m[k] = v
	return true, nil
}
func (m memKV) KVSetWithOptions(k string, v []byte, o model.PluginKVSetOptions) (bool, *model.AppError) {
	if o.Atomic {
		return m.KVCompareAndSet(k, o.OldValue, v)
	}
	return true, m.KVSet(k, v)
}
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

func TestSecretsAreSingleUseAndStoredHashed(t *testing.T) {
	kv := memKV{}
	codes := AuthCodes(kv)
	code, err := codes.Issue([]byte("user1"))
	if err != nil {
		t.Fatal(err)
	}
	for k := range kv {
		if strings.Contains(k, code) {
			t.Fatal("the store holds the code itself")
		}
	}
	if got, _ := codes.Peek(code); string(got) != "user1" {
		t.Fatalf("peek = %q", got)
	}
	if got, _ := codes.Take(code); string(got) != "user1" {
		t.Fatalf("first take = %q", got)
	}
	if got, _ := codes.Take(code); got != nil {
		t.Fatalf("second take = %q", got)
	}
	if got, _ := codes.Take("made-up"); got != nil {
		t.Fatalf("unknown code = %q", got)
	}
	if got, _ := codes.Take(strings.Repeat("a", 10000)); got != nil {
		t.Fatalf("oversized code = %q", got)
	}
	other, _ := codes.Issue([]byte("user2"))
	if other == code {
		t.Fatal("two codes are equal")
	}
}

func TestSecretsOfOneKindAreNotAnother(t *testing.T) {
	kv := memKV{}
	flow, _ := LinkFlows(kv).Issue([]byte("flow"))
	if got, _ := AuthCodes(kv).Take(flow); got != nil {
		t.Fatalf("a flow redeemed as a code: %q", got)
	}
}

func TestLinksStayOneToOne(t *testing.T) {
	kv := memKV{}
	var unlinked []string
	links := Links{KV: kv, OnUnlink: func(userID string, _ Link) { unlinked = append(unlinked, userID) }}
	a := Identity{TenantID: "T", ObjectID: "A"}
	b := Identity{TenantID: "t", ObjectID: "b"}
	if _, err := links.Link(a, "u1", RuleEmail); err != nil {
		t.Fatal(err)
	}
	// The same identity linked to another account leaves the first.
	if _, err := links.Link(a, "u2", RuleConfirmed); err != nil {
		t.Fatal(err)
	}
	if got, _ := links.LinkOf("u1"); got != nil {
		t.Fatalf("u1 still linked: %+v", got)
	}
	if user, link, _ := links.UserFor(a); user != "u2" || link.Rule != RuleConfirmed {
		t.Fatalf("a signs in as %q %+v", user, link)
	}
	// The account linked to another identity leaves the first.
	if _, err := links.Link(b, "u2", RuleConfirmed); err != nil {
		t.Fatal(err)
	}
	if user, _, _ := links.UserFor(a); user != "" {
		t.Fatalf("a still signs in as %q", user)
	}
	if user, _, _ := links.UserFor(Identity{TenantID: "T", ObjectID: "B"}); user != "u2" {
		t.Fatalf("b (any case) signs in as %q", user)
	}
	if got, _ := links.Unlink("u2"); got == nil || !got.Equal(b) {
		t.Fatalf("unlink = %+v", got)
	}
	if user, _, _ := links.UserFor(b); user != "" {
		t.Fatalf("b signs in as %q after unlink", user)
	}
	if len(unlinked) != 3 || len(kv) != 0 {
		t.Fatalf("unlinked %v, left %v", unlinked, kv)
	}
}

func TestAnIdentityKeyWithoutItsAccountKeySignsNobodyIn(t *testing.T) {
	kv := memKV{}
	links := Links{KV: kv}
	a := Identity{TenantID: "t", ObjectID: "a"}
	if _, err := links.Link(a, "u1", RuleEmail); err != nil {
		t.Fatal(err)
	}
	delete(kv, userKey("u1"))
	if user, _, _ := links.UserFor(a); user != "" {
		t.Fatalf("half a link signs in as %q", user)
	}
}

func TestLinksOfUnknownOriginCountAsEmail(t *testing.T) {
	old := Link{Identity: Identity{TenantID: "t", ObjectID: "a"}}
	if old.MadeBy() != RuleEmail || old.Trusted(false) || !old.Trusted(true) {
		t.Fatalf("an old link: %q trusted=%v/%v", old.MadeBy(), old.Trusted(false), old.Trusted(true))
	}
	confirmed := Link{Rule: RuleConfirmed}
	if !confirmed.Trusted(false) {
		t.Fatal("a confirmed link is not trusted without email matching")
	}
}

func TestASessionIsNotAddedToALinkRemovedMeanwhile(t *testing.T) {
	kv := memKV{}
	links := Links{KV: kv}
	a := Identity{TenantID: "t", ObjectID: "a"}
	link, err := links.Link(a, "u1", RuleConfirmed)
	if err != nil {
		t.Fatal(err)
	}
	if err := links.AddSession("u1", link, "s1"); err != nil {
		t.Fatal(err)
	}
	read, _ := links.LinkOf("u1")
	if _, err := links.Unlink("u1"); err != nil {
		t.Fatal(err)
	}
	if err := links.AddSession("u1", *read, "s2"); err != ErrLinkChanged {
		t.Fatalf("adding to a removed link: %v", err)
	}
	if got, _ := links.LinkOf("u1"); got != nil {
		t.Fatalf("the removed link came back: %+v", got)
	}
}
