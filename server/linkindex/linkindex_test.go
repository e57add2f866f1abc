package linkindex

import "testing"

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
