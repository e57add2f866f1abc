package linkindex

import (
	"testing"

	"github.com/mattermost/mattermost/server/public/model"
)

func TestIndexAnswersForItsTenantOnly(t *testing.T) {
	ix := New("TENANT-A")
	ix.Set("u1", "tenant-a", "OID-1")
	ix.Set("u2", "tenant-b", "oid-2")
	if oid, ok := ix.Lookup("u1"); !ok || oid != "oid-1" {
		t.Errorf("u1: %q %v", oid, ok)
	}
	if _, ok := ix.Lookup("u2"); ok {
		t.Error("a link of another tenant is answered")
	}
	if ix.Len() != 1 || len(ix.UserIDs()) != 1 {
		t.Errorf("len %d", ix.Len())
	}
	ix.Set("u1", "tenant-b", "oid-1")
	if _, ok := ix.Lookup("u1"); ok || ix.Len() != 0 {
		t.Error("a relinked account keeps its old tenant's link")
	}
	var none *Index
	if none.Len() != 0 {
		t.Error("nil index is not empty")
	}
}

func TestKeywords(t *testing.T) {
	ann := &model.User{Id: "ann", FirstName: "Ann", NotifyProps: model.StringMap{
		model.MentionKeysNotifyProp: " Bridge, outage ,@oncall,", model.FirstNameNotifyProp: "true"}}
	bob := &model.User{Id: "bob", FirstName: "Bob", NotifyProps: model.StringMap{model.MentionKeysNotifyProp: "bridge"}}
	var k Keywords
	k.Replace([]*model.User{ann, bob})
	if got := k.Lookup("bridge"); len(got) != 2 {
		t.Errorf("bridge: %v", got)
	}
	if got := k.Lookup("ann"); len(got) != 1 || k.Lookup("bob") != nil || k.Lookup("@oncall") != nil {
		t.Errorf("first names or @-keys wrong: %v", got)
	}
	ann.NotifyProps[model.MentionKeysNotifyProp] = "fire"
	k.Add(ann)
	if got := k.Lookup("bridge"); len(got) != 1 || got[0] != "bob" || len(k.Lookup("fire")) != 1 {
		t.Errorf("after a change: bridge %v fire %v", got, k.Lookup("fire"))
	}
}

func TestALinkMadeFromAnEmailHoldsOnlyWhileTheAccountKeepsIt(t *testing.T) {
	ix := New("t")
	ix.SetByEmail("u1", "t", "oid-1", "Ann@example.com")
	ix.SetByEmail("u2", "t", "oid-2", "")
	ix.Set("u3", "t", "oid-3")
	if oid, ok := ix.InForceFor(&model.User{Id: "u1", Email: "ann@Example.com"}); !ok || oid != "oid-1" {
		t.Fatalf("the account with the address: %q, %v", oid, ok)
	}
	if _, ok := ix.InForceFor(&model.User{Id: "u1", Email: "ann.new@example.com"}); ok {
		t.Fatal("the link holds after the address changed")
	}
	if _, ok := ix.InForceFor(&model.User{Id: "u2", Email: "bob@example.com"}); ok {
		t.Fatal("an email link that kept no address holds")
	}
	if _, ok := ix.InForceFor(&model.User{Id: "u3", Email: "anything@example.com"}); !ok {
		t.Fatal("a link made otherwise depends on the address")
	}
	// Linked again otherwise, the address no longer matters.
	ix.Set("u1", "t", "oid-1")
	if _, ok := ix.InForceFor(&model.User{Id: "u1", Email: "ann.new@example.com"}); !ok {
		t.Fatal("a confirmed link still depends on the old address")
	}
}
