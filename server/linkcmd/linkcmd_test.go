package linkcmd

import (
	"net/http"
	"strings"
	"testing"

	"github.com/mattermost/mattermost/server/public/model"

	"github.com/missioncollab/mattermost-plugin-m365/server/kvstore"
	"github.com/missioncollab/mattermost-plugin-m365/server/linkindex"
)

type fake struct {
	users  map[string]*model.User
	admins map[string]bool
	links  map[string]*kvstore.Link
	notify map[string]linkindex.NotifyEntry
	// audited is every removal with who made it.
	audited *[]string
}

func (f *fake) NotifyLinkOf(id string) (linkindex.NotifyEntry, bool) {
	e, ok := f.notify[id]
	return e, ok
}

func (f *fake) RemoveNotifyLink(id string, at int64) (*kvstore.NotifyLink, error) {
	e, ok := f.notify[id]
	if !ok || e.Removed != 0 {
		return nil, nil
	}
	e.Removed = at
	f.notify[id] = e
	return &e.NotifyLink, nil
}

func (f *fake) GetUserByUsername(name string) (*model.User, *model.AppError) {
	for _, u := range f.users {
		if u.Username == name {
			return u, nil
		}
	}
	return nil, model.NewAppError("fake", "no user", nil, "", http.StatusNotFound)
}
func (f *fake) HasPermissionTo(id string, _ *model.Permission) bool { return f.admins[id] }
func (f *fake) LinkOf(id string) (*kvstore.Link, error)             { return f.links[id], nil }

// UnlinkBy records who removed a link, as the link store's audit does.
func (f *fake) UnlinkBy(id, by string) (*kvstore.Link, error) {
	l := f.links[id]
	delete(f.links, id)
	if l != nil {
		*f.audited = append(*f.audited, id+" by "+by)
	}
	return l, nil
}

func newCommand() (*fake, Command, *[]string) {
	f := &fake{
		users:  map[string]*model.User{"a": {Id: "a", Username: "alice"}, "b": {Id: "b", Username: "bob"}, "root": {Id: "root", Username: "root"}},
		admins: map[string]bool{"root": true},
		links: map[string]*kvstore.Link{
			"a": {Identity: kvstore.Identity{TenantID: "t", ObjectID: "oid-a"}, Rule: kvstore.RuleEmail},
			"b": {Identity: kvstore.Identity{TenantID: "t", ObjectID: "oid-b"}, Rule: kvstore.RuleConfirmed},
		},
		notify: map[string]linkindex.NotifyEntry{
			"c": {NotifyLink: kvstore.NotifyLink{UserID: "c", ObjectID: "oid-c", Rule: kvstore.RuleNotifyDirectory, At: 1, Installed: 2}},
		},
	}
	f.users["c"] = &model.User{Id: "c", Username: "carol"}
	var audited []string
	f.audited = &audited
	c := Command{API: f, Links: f, NotifyLinks: f, MatchEmail: func() bool { return false },
		Unlinked: func(userID string, _ kvstore.Link, actor string) { audited = append(audited, userID+" by "+actor) }}
	return f, c, &audited
}

func run(c Command, user, cmd string) string {
	return c.Execute(&model.CommandArgs{UserId: user, Command: cmd}).Text
}

func TestAPersonSeesAndRemovesTheirOwnLink(t *testing.T) {
	f, c, audited := newCommand()
	if got := run(c, "a", "/m365 link"); !strings.Contains(got, "oid-a") || !strings.Contains(got, "signs nobody in while email matching is off") {
		t.Fatalf("own link: %s", got)
	}
	if got := run(c, "b", "/m365 link"); !strings.Contains(got, "confirmed") || strings.Contains(got, "signs nobody in") {
		t.Fatalf("confirmed link: %s", got)
	}
	if got := run(c, "a", "/m365 unlink"); !strings.Contains(got, "no longer linked") || f.links["a"] != nil {
		t.Fatalf("unlink: %s", got)
	}
	if len(*audited) != 1 || (*audited)[0] != "a by a" {
		t.Fatalf("audit: %v", *audited)
	}
	if got := run(c, "a", "/m365 unlink"); !strings.Contains(got, "not linked") {
		t.Fatalf("unlink again: %s", got)
	}
}

func TestOnlyAdminsReachOthersLinks(t *testing.T) {
	f, c, audited := newCommand()
	if got := run(c, "a", "/m365 unlink @bob"); !strings.Contains(got, "Only system admins") || f.links["b"] == nil {
		t.Fatalf("a person removed someone else's link: %s", got)
	}
	if got := run(c, "a", "/m365 link @bob"); !strings.Contains(got, "Only system admins") {
		t.Fatalf("a person saw someone else's link: %s", got)
	}
	if got := run(c, "root", "/m365 link @bob"); !strings.Contains(got, "@bob is linked") {
		t.Fatalf("admin view: %s", got)
	}
	if got := run(c, "root", "/m365 unlink bob"); !strings.Contains(got, "no longer linked") || f.links["b"] != nil {
		t.Fatalf("admin unlink: %s", got)
	}
	if len(*audited) != 1 || (*audited)[0] != "b by root" {
		t.Fatalf("audit: %v", *audited)
	}
	if got := run(c, "root", "/m365 link @nobody"); !strings.Contains(got, "no account @nobody") {
		t.Fatalf("unknown user: %s", got)
	}
}

func TestUnknownUsageIsExplained(t *testing.T) {
	_, c, _ := newCommand()
	for _, cmd := range []string{"/m365", "/m365 frobnicate", "/m365 link @a @b"} {
		if got := run(c, "a", cmd); !strings.Contains(got, "/m365 link") {
			t.Errorf("%q: %s", cmd, got)
		}
	}
}

func TestAPersonSeesAndRemovesTheirNotificationLinkForGood(t *testing.T) {
	f, c, audited := newCommand()
	got := run(c, "c", "/m365 link")
	if !strings.Contains(got, "notification link") || !strings.Contains(got, "oid-c") || !strings.Contains(got, "signs nobody in") || !strings.Contains(got, "installed") {
		t.Fatalf("notification link: %s", got)
	}
	if got := run(c, "c", "/m365 unlink"); !strings.Contains(got, "no longer has a notification link") {
		t.Fatalf("unlink: %s", got)
	}
	if f.notify["c"].Removed == 0 || len(*audited) != 1 {
		t.Fatalf("not removed or not audited: %+v %v", f.notify["c"], *audited)
	}
	if got := run(c, "c", "/m365 link"); !strings.Contains(got, "not linked") {
		t.Fatalf("after removal: %s", got)
	}
	if got := run(c, "a", "/m365 unlink @carol"); !strings.Contains(got, "Only system admins") {
		t.Fatalf("someone else's: %s", got)
	}
}
