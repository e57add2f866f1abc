package linkindex

import (
	"strconv"
	"testing"

	"github.com/missioncollab/mattermost-plugin-m365/server/attention"
	"github.com/missioncollab/mattermost-plugin-m365/server/kvstore"
)

// Two servers on one store, no cluster event between them: each takes in
// the other's changes at its next Reconcile.
func TestServersThatMissEveryClusterEventAgreeAfterOneReconcile(t *testing.T) {
	api := &fakeAPI{kv: map[string][]byte{}, prefs: map[string]string{}}
	a, b := &Live{API: api}, &Live{API: api}
	a.Configure("t", true, false)
	b.Configure("t", true, false)
	links := kvstore.Links{KV: api, OnLink: a.Linked, OnUnlink: func(userID string, link kvstore.Link, _ string) error {
		a.Unlinked(userID, link)
		return nil
	}}

	if _, err := links.Link(kvstore.Identity{TenantID: "t", ObjectID: "oid-u"}, "u", kvstore.RuleConfirmed); err != nil {
		t.Fatal(err)
	}
	api.prefs["v"] = "off"
	if err := a.SetChoice("v", attention.Off); err != nil {
		t.Fatal(err)
	}
	if _, ok := b.Lookup("u"); ok {
		t.Fatal("the test needs b not to have heard")
	}
	b.Reconcile()
	if oid, ok := b.Lookup("u"); !ok || oid != "oid-u" || b.Choice("v") != attention.Off {
		t.Fatalf("b after reconcile: %q %v %v", oid, ok, b.Choice("v"))
	}

	if _, err := links.UnlinkBy("u", "admin"); err != nil {
		t.Fatal(err)
	}
	// A preference deleted through the API: no hook, no change logged.
	delete(api.prefs, "v")
	delete(api.kv, "choice_v")
	b.Reconcile()
	if _, ok := b.Lookup("u"); ok {
		t.Fatal("b still tells an unlinked person")
	}
	if b.Choice("v") != attention.Default {
		t.Fatal("b kept a deleted choice")
	}
}

func TestAServerTooFarBehindOrFacingAGapLoadsEverything(t *testing.T) {
	for name, gap := range map[string]func(api *fakeAPI){
		"more changes than a pass reads": func(api *fakeAPI) {
			api.kv[changeSeqKey] = []byte(strconv.Itoa(maxChangesRead + 10))
		},
		"a change that expired": func(api *fakeAPI) {
			delete(api.kv, changeKey(1))
		},
	} {
		t.Run(name, func(t *testing.T) {
			api := &fakeAPI{kv: map[string][]byte{}}
			a, b := &Live{API: api}, &Live{API: api}
			a.Configure("t", true, false)
			b.Configure("t", true, false)
			links := kvstore.Links{KV: api, OnLink: a.Linked}
			if _, err := links.Link(kvstore.Identity{TenantID: "t", ObjectID: "oid-u"}, "u", kvstore.RuleConfirmed); err != nil {
				t.Fatal(err)
			}
			gap(api)
			b.Reconcile()
			if _, ok := b.Lookup("u"); !ok {
				t.Fatal("b did not load the link")
			}
		})
	}
}
