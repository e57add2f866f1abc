package kvstore

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"
	"sync"
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
	if v == nil { // the server deletes a key set to nil
		delete(m, k)
		return true, nil
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
	links := Links{KV: kv, OnUnlink: func(userID string, _ Link, _ string) error { unlinked = append(unlinked, userID); return nil }}
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

// lockedKV is memKV safe for concurrent use, each call one step, as the
// server's store is.
type lockedKV struct {
	mu sync.Mutex
	m  memKV
}

func (l *lockedKV) KVGet(k string) ([]byte, *model.AppError) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return bytes.Clone(l.m[k]), nil
}
func (l *lockedKV) KVSet(k string, v []byte) *model.AppError {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.m.KVSet(k, v)
}
func (l *lockedKV) KVDelete(k string) *model.AppError {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.m.KVDelete(k)
}
func (l *lockedKV) KVCompareAndSet(k string, old, v []byte) (bool, *model.AppError) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.m.KVCompareAndSet(k, old, v)
}
func (l *lockedKV) KVSetWithOptions(k string, v []byte, o model.PluginKVSetOptions) (bool, *model.AppError) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.m.KVSetWithOptions(k, v, o)
}

func TestManyRequestsLinkingOnePairAtOnceMakeOneLink(t *testing.T) {
	kv := &lockedKV{m: memKV{}}
	var mu sync.Mutex
	var made []Link
	links := Links{KV: kv, OnLink: func(_ string, l Link) { mu.Lock(); made = append(made, l); mu.Unlock() }}
	id := Identity{TenantID: "t", ObjectID: "a"}
	const n = 50
	var wg sync.WaitGroup
	got := make([]Link, n)
	errs := make([]error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			got[i], _, errs[i] = links.Put("u1", Link{Identity: id, Rule: RuleEmail, Email: "A@example.com", LinkedAt: int64(i + 1)})
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("request %d: %v", i, err)
		}
		if got[i].LinkedAt != made[0].LinkedAt {
			t.Fatalf("request %d holds link %+v, the store %+v", i, got[i], made[0])
		}
	}
	if len(made) != 1 {
		t.Fatalf("%d links made, want 1", len(made))
	}
	if stored, _ := links.LinkOf("u1"); stored == nil || stored.LinkedAt != made[0].LinkedAt || stored.Email != "a@example.com" {
		t.Fatalf("stored %+v", stored)
	}
	if user, _, _ := links.UserFor(id); user != "u1" {
		t.Fatalf("the identity signs in as %q", user)
	}
}

func TestASignInSeesALinkRemovedWhileItMadeItsSession(t *testing.T) {
	kv := memKV{}
	links := Links{KV: kv}
	a := Identity{TenantID: "t", ObjectID: "a"}
	if _, err := links.Link(a, "u1", RuleConfirmed); err != nil {
		t.Fatal(err)
	}
	if ok, _ := links.Holds(a, "u1"); !ok {
		t.Fatal("a fresh link does not hold")
	}
	if ok, _ := links.Holds(a, "u2"); ok {
		t.Fatal("the link holds for another account")
	}
	if _, err := links.Unlink("u1"); err != nil {
		t.Fatal(err)
	}
	if ok, _ := links.Holds(a, "u1"); ok {
		t.Fatal("a removed link holds")
	}
}

func TestAnEmailLinkHoldsOnlyWhileTheAccountKeepsTheAddress(t *testing.T) {
	byEmail := Link{Rule: RuleEmail, Email: "a@example.com"}
	if !byEmail.EmailStillProves("A@Example.com") || byEmail.EmailStillProves("b@example.com") {
		t.Fatal("the address that made the link decides")
	}
	if (Link{Rule: RuleEmail}).EmailStillProves("a@example.com") {
		t.Fatal("an email link that kept no address holds without proof")
	}
	if !(Link{Rule: RuleConfirmed}).EmailStillProves("b@example.com") {
		t.Fatal("a confirmed link depends on the email")
	}
}

func TestARemovalRacingANewLinkLeavesNoLinkHalfAlive(t *testing.T) {
	kv := memKV{}
	links := Links{KV: kv}
	a := Identity{TenantID: "t", ObjectID: "a"}
	// A sign-in has written the account's key; before it writes the
	// identity's, the link is removed.
	data, _ := json.Marshal(Link{Identity: a, Rule: RuleEmail})
	kv[userKey("u1")] = data
	if _, err := links.UnlinkBy("u1", "admin"); err != nil {
		t.Fatal(err)
	}
	if ok, err := links.claimIdentity(a, "u1"); err != nil || !ok {
		t.Fatalf("claim: %v %v", ok, err)
	}
	if ok, _ := links.Holds(a, "u1"); ok {
		t.Fatal("the sign-in finds a removed link holding")
	}
	if user, _, _ := links.UserFor(a); user != "" {
		t.Fatalf("the identity signs in as %q", user)
	}
}

func TestReplacingALinkNeverRemovesTheOneAnotherRequestMadeMeanwhile(t *testing.T) {
	kv := memKV{}
	links := Links{KV: kv}
	x := Identity{TenantID: "t", ObjectID: "x"}
	y := Identity{TenantID: "t", ObjectID: "y"}
	if _, err := links.Link(x, "u1", RuleAuthData); err != nil {
		t.Fatal(err)
	}
	stale := bytes.Clone(kv[userKey("u1")])
	// One request replaces x with y; another, having read x, replaces it
	// too, late.
	if _, err := links.Link(y, "u1", RuleAuthData); err != nil {
		t.Fatal(err)
	}
	if err := links.removeIfUnchanged("u1", stale, ByReplace); err != nil {
		t.Fatal(err)
	}
	if user, _, _ := links.UserFor(y); user != "u1" {
		t.Fatalf("the new link was removed: y signs in as %q", user)
	}
}

func TestAFailedEndOfSessionsKeepsTheLinkToRemoveAgain(t *testing.T) {
	kv := memKV{}
	fail := true
	links := Links{KV: kv, OnUnlink: func(string, Link, string) error {
		if fail {
			return errors.New("sessions unreadable")
		}
		return nil
	}}
	a := Identity{TenantID: "t", ObjectID: "a"}
	if _, err := links.Link(a, "u1", RuleConfirmed); err != nil {
		t.Fatal(err)
	}
	if _, err := links.UnlinkBy("u1", "admin"); err == nil {
		t.Fatal("the removal said it succeeded")
	}
	if user, _, _ := links.UserFor(a); user != "" {
		t.Fatalf("the half-removed link signs in as %q", user)
	}
	if l, _ := links.LinkOf("u1"); l == nil {
		t.Fatal("the half-removed link cannot be removed again")
	}
	fail = false
	if l, err := links.UnlinkBy("u1", "admin"); err != nil || l == nil {
		t.Fatalf("removing again: %+v %v", l, err)
	}
	if l, _ := links.LinkOf("u1"); l != nil || len(kv) != 0 {
		t.Fatalf("left: %v", kv)
	}
}
