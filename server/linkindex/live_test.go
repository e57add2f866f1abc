package linkindex

import (
	"bytes"
	"net/http"
	"sort"
	"testing"

	"github.com/mattermost/mattermost/server/public/model"

	"github.com/missioncollab/mattermost-plugin-m365/server/attention"
	"github.com/missioncollab/mattermost-plugin-m365/server/kvstore"
	"github.com/missioncollab/mattermost-plugin-m365/server/mmapi/mmapitest"
)

type fakeAPI struct {
	mmapitest.Discard
	prefs     map[string]string // user → stored Teams notification preference
	kv        map[string][]byte
	published []model.PluginClusterEvent
	reads     int
	refused   bool
}

func (f *fakeAPI) KVGet(k string) ([]byte, *model.AppError) { return f.kv[k], nil }
func (f *fakeAPI) KVSet(k string, v []byte) *model.AppError { f.kv[k] = v; return nil }
func (f *fakeAPI) KVDelete(k string) *model.AppError        { delete(f.kv, k); return nil }
func (f *fakeAPI) KVCompareAndSet(k string, old, v []byte) (bool, *model.AppError) {
	if cur, ok := f.kv[k]; ok != (old != nil) || !bytes.Equal(cur, old) {
		return false, nil
	}
	if v == nil { // the server deletes a key set to nil
		delete(f.kv, k)
		return true, nil
	}
	f.kv[k] = v
	return true, nil
}
func (f *fakeAPI) KVSetWithOptions(k string, v []byte, o model.PluginKVSetOptions) (bool, *model.AppError) {
	if o.Atomic {
		return f.KVCompareAndSet(k, o.OldValue, v)
	}
	f.kv[k] = v
	return true, nil
}
func (f *fakeAPI) KVList(page, perPage int) ([]string, *model.AppError) {
	var keys []string
	for k := range f.kv {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	start := min(page*perPage, len(keys))
	return keys[start:min(start+perPage, len(keys))], nil
}
func (f *fakeAPI) GetUser(id string) (*model.User, *model.AppError) {
	return &model.User{Id: id}, nil
}
func (f *fakeAPI) GetUsersByIds(ids []string) ([]*model.User, *model.AppError) {
	f.reads++
	if len(ids) > usersPerRead {
		f.refused = true
		return nil, model.NewAppError("fake", "too many", nil, "", http.StatusBadRequest)
	}
	var out []*model.User
	for _, id := range ids {
		out = append(out, &model.User{Id: id})
	}
	return out, nil
}
func (f *fakeAPI) GetPreferenceForUser(userID, category, name string) (model.Preference, *model.AppError) {
	v, ok := f.prefs[userID]
	if !ok || category != attention.PreferenceCategory || name != attention.PreferenceName {
		return model.Preference{}, model.NewAppError("fake", "no preference", nil, "", http.StatusNotFound)
	}
	return model.Preference{UserId: userID, Category: category, Name: name, Value: v}, nil
}

// RolesGrantPermission grants what the admin roles' names say only.
func (f *fakeAPI) RolesGrantPermission([]string, string) bool { return false }
func (f *fakeAPI) PublishPluginClusterEvent(ev model.PluginClusterEvent, _ model.PluginClusterEventSendOptions) error {
	f.published = append(f.published, ev)
	return nil
}

func TestTheIndexHoldsOnlyLinksInForce(t *testing.T) {
	api := &fakeAPI{kv: map[string][]byte{}}
	links := kvstore.Links{KV: api}
	for user, rule := range map[string]string{"mailed": kvstore.RuleEmail, "confirmed": kvstore.RuleConfirmed} {
		if _, err := links.Link(kvstore.Identity{TenantID: "T1", ObjectID: "oid-" + user}, user, rule); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := links.Link(kvstore.Identity{TenantID: "t2", ObjectID: "oid-other"}, "other", kvstore.RuleConfirmed); err != nil {
		t.Fatal(err)
	}
	l := &Live{API: api}
	l.Configure("t1", true, false)
	if l.Len() != 2 {
		t.Fatalf("with email matching: %v", l.UserIDs())
	}
	l.Configure("T1", false, false)
	if _, ok := l.Lookup("mailed"); ok || l.Len() != 1 {
		t.Fatalf("with email matching off: %v", l.UserIDs())
	}
	if oid, ok := l.Lookup("confirmed"); !ok || oid != "oid-confirmed" {
		t.Fatalf("confirmed: %q %v", oid, ok)
	}
}

func TestLinksMadeAndRemovedReachTheOtherServers(t *testing.T) {
	api := &fakeAPI{kv: map[string][]byte{}}
	here, there := &Live{API: api}, &Live{API: &fakeAPI{kv: map[string][]byte{}}}
	here.Configure("t", true, false)
	there.Configure("t", true, false)
	link := kvstore.Link{Identity: kvstore.Identity{TenantID: "t", ObjectID: "oid"}, Rule: kvstore.RuleConfirmed}
	here.Linked("u", link)
	for _, ev := range api.published {
		there.OnClusterEvent(ev)
	}
	if _, ok := there.Lookup("u"); !ok {
		t.Fatal("the other server did not hear of the link")
	}
	api.published = nil
	here.Unlinked("u", link)
	for _, ev := range api.published {
		there.OnClusterEvent(ev)
	}
	if _, ok := there.Lookup("u"); ok || here.Len() != 0 {
		t.Fatal("the removal did not reach both servers")
	}
}

func TestKeywordsAreReadInBatches(t *testing.T) {
	api := &fakeAPI{kv: map[string][]byte{}}
	l := &Live{API: api}
	l.Configure("t", true, false)
	for range 2500 {
		l.current().Set(model.NewId(), "t", "oid")
	}
	api.reads = 0
	l.RefreshKeywords()
	if api.refused || api.reads != 3 {
		t.Fatalf("%d reads, refused %v", api.reads, api.refused)
	}
}

func TestChoicesAreMirroredLoadedAndShared(t *testing.T) {
	api := &fakeAPI{kv: map[string][]byte{}, prefs: map[string]string{"early": "all"}}
	here := &Live{API: api}
	here.Configure("t", true, false)
	if here.Choice("anyone") != attention.Default {
		t.Fatal("no choice is not the default")
	}
	if err := here.SetChoice("u", attention.Off); err != nil {
		t.Fatal(err)
	}
	there := &Live{API: &fakeAPI{kv: map[string][]byte{}}}
	there.Configure("t", true, false)
	for _, ev := range api.published {
		there.OnClusterEvent(ev)
	}
	if here.Choice("u") != attention.Off || there.Choice("u") != attention.Off {
		t.Fatal("the choice did not reach both servers")
	}
	// A restart reads the mirror.
	restarted := &Live{API: api}
	restarted.Configure("t", true, false)
	if restarted.Choice("u") != attention.Off {
		t.Fatal("the choice was lost on restart")
	}
	// Back to the default removes the key.
	if err := restarted.SetChoice("u", attention.Default); err != nil || api.kv["choice_u"] != nil {
		t.Fatalf("default kept a key: %v", err)
	}
	// A choice made before linking is read when the link is made.
	here.Linked("early", kvstore.Link{Identity: kvstore.Identity{TenantID: "t", ObjectID: "oid-early"}, Rule: kvstore.RuleConfirmed})
	if here.Choice("early") != attention.All {
		t.Fatal("the preference made before linking was not read")
	}
	// A forged cluster message with a bad value changes nothing.
	there.OnClusterEvent(model.PluginClusterEvent{Id: ChoiceEvent, Data: []byte(`{"user_id":"u","choice":"loud"}`)})
	if there.Choice("u") != attention.Off {
		t.Fatal("an invalid choice was applied")
	}
}

func TestOnlyTheChoicePreferenceIsMirrored(t *testing.T) {
	api := &fakeAPI{kv: map[string][]byte{}}
	l := &Live{API: api}
	l.Configure("t", true, false)
	l.PreferencesChanged([]model.Preference{
		{UserId: "a", Category: attention.PreferenceCategory, Name: attention.PreferenceName, Value: "off"},
		{UserId: "b", Category: "display_settings", Name: attention.PreferenceName, Value: "off"},
		{UserId: "c", Category: attention.PreferenceCategory, Name: "other", Value: "off"},
		{UserId: "d", Category: attention.PreferenceCategory, Name: attention.PreferenceName, Value: "loud"},
	})
	if l.Choice("a") != attention.Off {
		t.Fatal("the choice was not mirrored")
	}
	for _, id := range []string{"b", "c", "d"} {
		if l.Choice(id) != attention.Default || api.kv["choice_"+id] != nil {
			t.Errorf("%s: %q", id, l.Choice(id))
		}
	}
}

func TestTheStoredPreferenceWinsOverALateHook(t *testing.T) {
	api := &fakeAPI{kv: map[string][]byte{}, prefs: map[string]string{"u": "off"}}
	l := &Live{API: api}
	l.Configure("t", true, false)
	// The hook for an older save ("all") arrives after the newer one.
	l.PreferencesChanged([]model.Preference{{UserId: "u", Category: attention.PreferenceCategory, Name: attention.PreferenceName, Value: "all"}})
	if l.Choice("u") != attention.Off || string(api.kv["choice_u"]) != "off" {
		t.Fatalf("choice %q, stored %q", l.Choice("u"), api.kv["choice_u"])
	}
	// Memory that missed a change still writes the next one through.
	l.applyChoice("u", attention.Default)
	if err := l.SetChoice("u", attention.Default); err != nil || api.kv["choice_u"] != nil {
		t.Fatalf("the stale key stayed: %q %v", api.kv["choice_u"], err)
	}
}

func TestAnEmailLinkRoutesNothingOnceAnEmailMayNoLongerLinkTheAccount(t *testing.T) {
	api := &fakeAPI{kv: map[string][]byte{}}
	links := kvstore.Links{KV: api}
	if _, _, err := links.Put("mailed", kvstore.Link{Identity: kvstore.Identity{TenantID: "t1", ObjectID: "oid-m"}, Rule: kvstore.RuleEmail, Email: "m@example.com"}); err != nil {
		t.Fatal(err)
	}
	if _, err := links.Link(kvstore.Identity{TenantID: "t1", ObjectID: "oid-c"}, "confirmed", kvstore.RuleConfirmed); err != nil {
		t.Fatal(err)
	}
	l := &Live{API: api}
	l.Configure("t1", true, false)
	person := func(id string, change func(*model.User)) *model.User {
		u := &model.User{Id: id, Email: "m@example.com", EmailVerified: true, Roles: model.SystemUserRoleId}
		change(u)
		return u
	}
	if _, ok := l.InForceFor(person("mailed", func(*model.User) {})); !ok {
		t.Fatal("the email link does not hold for the account it was made for")
	}
	for name, change := range map[string]func(*model.User){
		"became an admin": func(u *model.User) { u.Roles += " " + model.SystemAdminRoleId },
		"turned MFA on":   func(u *model.User) { u.MfaActive = true },
		"email changed":   func(u *model.User) { u.Email = "other@example.com" },
	} {
		if _, ok := l.InForceFor(person("mailed", change)); ok {
			t.Errorf("%s: the email link still routes", name)
		}
		if _, ok := l.InForceFor(person("confirmed", change)); !ok {
			t.Errorf("%s: a confirmed link stopped routing", name)
		}
	}
}
