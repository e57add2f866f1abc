package reminder

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/mattermost/mattermost/server/public/model"

	"github.com/missioncollab/mattermost-plugin-m365/server/mmapi/mmapitest"
)

// fakeAPI keeps the KV store and the posts in memory; it has pages of
// admins to page through.
type fakeAPI struct {
	mmapitest.Discard
	kv     map[string][]byte
	admins int
	posts  []*model.Post
}

func (f *fakeAPI) KVSetWithOptions(k string, v []byte, o model.PluginKVSetOptions) (bool, *model.AppError) {
	if _, ok := f.kv[k]; ok && o.Atomic {
		return false, nil
	}
	f.kv[k] = v
	return true, nil
}
func (f *fakeAPI) KVGet(k string) ([]byte, *model.AppError)    { return f.kv[k], nil }
func (f *fakeAPI) KVDelete(k string) *model.AppError           { delete(f.kv, k); return nil }
func (f *fakeAPI) KVList(int, int) ([]string, *model.AppError) { return nil, nil }
func (f *fakeAPI) EnsureBotUser(*model.Bot) (string, error)    { return "bot", nil }
func (f *fakeAPI) CreatePost(p *model.Post) (*model.Post, *model.AppError) {
	f.posts = append(f.posts, p)
	return p, nil
}
func (f *fakeAPI) GetDirectChannel(a, b string) (*model.Channel, *model.AppError) {
	return &model.Channel{Id: a + "__" + b}, nil
}
func (f *fakeAPI) GetUsers(o *model.UserGetOptions) ([]*model.User, *model.AppError) {
	var out []*model.User
	for i := o.Page * o.PerPage; i < f.admins && len(out) < o.PerPage; i++ {
		out = append(out, &model.User{Id: model.NewId()})
	}
	return out, nil
}

func newReminder(api *fakeAPI, end time.Time, now time.Time) *Reminder {
	r := &Reminder{API: api, Now: func() time.Time { return now },
		Expiry:     func(context.Context) *time.Time { return &end },
		ConsoleURL: func() string { return "https://mm.example.com/admin_console/plugins/plugin_x" }}
	r.botID = "bot"
	return r
}

func TestEveryAdminIsToldOnceADayWithinTheWarning(t *testing.T) {
	now := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	api := &fakeAPI{kv: map[string][]byte{}, admins: 150}
	r := newReminder(api, now.Add(10*24*time.Hour), now)
	r.Check()
	if len(api.posts) != 150 {
		t.Fatalf("%d admins told, want 150", len(api.posts))
	}
	if !strings.Contains(api.posts[0].Message, "expires on 11 December 2026, in 10 days") || api.posts[0].UserId != "bot" {
		t.Fatalf("message: %+v", api.posts[0])
	}
	r.Check()
	if len(api.posts) != 150 {
		t.Fatalf("told again the same day: %d", len(api.posts))
	}
}

func TestNobodyIsToldBeforeTheWarningOrWithoutAnExpiry(t *testing.T) {
	now := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	api := &fakeAPI{kv: map[string][]byte{}, admins: 3}
	newReminder(api, now.Add(31*24*time.Hour), now).Check()
	r := newReminder(api, now, now)
	r.Expiry = func(context.Context) *time.Time { return nil }
	r.Check()
	if len(api.posts) != 0 {
		t.Fatalf("%d told", len(api.posts))
	}
}

func TestAnExpiredSecretIsSaidToHaveStoppedNotifications(t *testing.T) {
	now := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	msg := Message(now.Add(-time.Hour), now, "https://console")
	if !strings.Contains(msg, "expired on 1 December 2026") || !strings.Contains(msg, "(https://console)") {
		t.Fatalf("message: %s", msg)
	}
}
