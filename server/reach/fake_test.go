package reach

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/mattermost/mattermost/server/public/model"

	"github.com/missioncollab/mattermost-plugin-m365/internal/msfake"
	"github.com/missioncollab/mattermost-plugin-m365/server/graph"
	"github.com/missioncollab/mattermost-plugin-m365/server/linkindex"
	"github.com/missioncollab/mattermost-plugin-m365/server/mmapi/mmapitest"
)

// fakeAPI is the plugin API over memory: accounts as the server pages
// them, a KV store with its atomic operations, and a count of calls.
type fakeAPI struct {
	mmapitest.Discard
	mu    sync.Mutex
	kv    map[string][]byte
	users map[string]*model.User
	calls atomic.Int64
	info  []string
}

// RolesGrantPermission grants nothing beyond the roles' names: custom
// roles have their own tests.
func (f *fakeAPI) RolesGrantPermission([]string, string) bool {
	f.calls.Add(1)
	return false
}

func (f *fakeAPI) LogInfo(msg string, kv ...any) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.info = append(f.info, msg+" "+fmt.Sprint(kv...))
}

func (f *fakeAPI) infoLines(prefix string) []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []string
	for _, l := range f.info {
		if strings.HasPrefix(l, prefix) {
			out = append(out, l)
		}
	}
	return out
}

func newFakeAPI() *fakeAPI {
	return &fakeAPI{kv: map[string][]byte{}, users: map[string]*model.User{}}
}

func (f *fakeAPI) add(u *model.User) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if u.UpdateAt == 0 {
		u.UpdateAt = 1
	}
	f.users[u.Id] = u
}

func (f *fakeAPI) KVGet(k string) ([]byte, *model.AppError) {
	f.calls.Add(1)
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.kv[k], nil
}

func (f *fakeAPI) KVSet(k string, v []byte) *model.AppError {
	f.calls.Add(1)
	f.mu.Lock()
	defer f.mu.Unlock()
	if v == nil {
		delete(f.kv, k)
	} else {
		f.kv[k] = v
	}
	return nil
}

func (f *fakeAPI) KVDelete(k string) *model.AppError { return f.KVSet(k, nil) }

func (f *fakeAPI) KVCompareAndSet(k string, old, v []byte) (bool, *model.AppError) {
	f.calls.Add(1)
	f.mu.Lock()
	defer f.mu.Unlock()
	if cur, ok := f.kv[k]; (old == nil && ok) || (old != nil && !bytes.Equal(cur, old)) {
		return false, nil
	}
	if v == nil { // the server deletes a key set to nil
		delete(f.kv, k)
		return true, nil
	}
	f.kv[k] = v
	return true, nil
}

func (f *fakeAPI) KVCompareAndDelete(k string, old []byte) (bool, *model.AppError) {
	f.calls.Add(1)
	f.mu.Lock()
	defer f.mu.Unlock()
	if !bytes.Equal(f.kv[k], old) {
		return false, nil
	}
	delete(f.kv, k)
	return true, nil
}

func (f *fakeAPI) KVSetWithOptions(k string, v []byte, o model.PluginKVSetOptions) (bool, *model.AppError) {
	if o.Atomic {
		return f.KVCompareAndSet(k, o.OldValue, v)
	}
	return true, f.KVSet(k, v)
}

func (f *fakeAPI) KVList(page, perPage int) ([]string, *model.AppError) {
	f.calls.Add(1)
	f.mu.Lock()
	defer f.mu.Unlock()
	keys := make([]string, 0, len(f.kv))
	for k := range f.kv {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	start := min(page*perPage, len(keys))
	return keys[start:min(start+perPage, len(keys))], nil
}

// GetUsers pages as the server does: by username, or by update time
// for accounts updated after a moment.
func (f *fakeAPI) GetUsers(o *model.UserGetOptions) ([]*model.User, *model.AppError) {
	f.calls.Add(1)
	f.mu.Lock()
	defer f.mu.Unlock()
	var all []*model.User
	for _, u := range f.users {
		if (o.Active && u.DeleteAt != 0) || (o.UpdatedAfter > 0 && u.UpdateAt <= o.UpdatedAfter) {
			continue
		}
		all = append(all, u)
	}
	sort.Slice(all, func(i, j int) bool {
		if o.Sort == "update_at_asc" && all[i].UpdateAt != all[j].UpdateAt {
			return all[i].UpdateAt < all[j].UpdateAt
		}
		return all[i].Username < all[j].Username
	})
	start := min(o.Page*o.PerPage, len(all))
	page := all[start:min(start+o.PerPage, len(all))]
	out := make([]*model.User, len(page))
	for i, u := range page {
		c := *u
		out[i] = &c
	}
	return out, nil
}

func (f *fakeAPI) GetUser(id string) (*model.User, *model.AppError) {
	f.calls.Add(1)
	f.mu.Lock()
	defer f.mu.Unlock()
	if u, ok := f.users[id]; ok {
		return u, nil
	}
	return nil, model.NewAppError("fake", "no user", nil, "", http.StatusNotFound)
}

func (f *fakeAPI) GetUsersByIds(ids []string) ([]*model.User, *model.AppError) {
	f.calls.Add(1)
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []*model.User
	for _, id := range ids {
		if u, ok := f.users[id]; ok {
			out = append(out, u)
		}
	}
	return out, nil
}

func (f *fakeAPI) GetPreferenceForUser(string, string, string) (model.Preference, *model.AppError) {
	f.calls.Add(1)
	return model.Preference{}, model.NewAppError("fake", "no preference", nil, "", http.StatusNotFound)
}

func (f *fakeAPI) PublishPluginClusterEvent(model.PluginClusterEvent, model.PluginClusterEventSendOptions) error {
	f.calls.Add(1)
	return nil
}

type fakeLock struct{ mu sync.Mutex }

func (l *fakeLock) LockWithContext(context.Context) error { l.mu.Lock(); return nil }
func (l *fakeLock) Unlock()                               { l.mu.Unlock() }

const (
	tenant   = "11111111-2222-4333-8444-555555555555"
	clientID = "99999999-8888-4777-8666-555555555555"
	secret   = "s3cret"
	appID    = "aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee"
)

// countingTransport counts the HTTP requests that reach Graph.
type countingTransport struct {
	next  http.RoundTripper
	graph atomic.Int64
}

func (c *countingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.URL.Path != "/"+tenant+"/oauth2/v2.0/token" {
		c.graph.Add(1)
	}
	return c.next.RoundTrip(r)
}

// world is one plugin server and the fake Microsoft cloud it talks to.
type world struct {
	cloud     *msfake.Cloud
	api       *fakeAPI
	links     *linkindex.Live
	job       *Job
	client    *graph.Client
	catalogID string
	requests  *countingTransport
	clock     atomic.Int64
}

func newWorld(tb testing.TB, roles ...string) *world {
	tb.Helper()
	cloud, err := msfake.Start()
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(cloud.Close)
	cloud.RegisterApp(tenant, clientID, secret)
	if roles == nil {
		roles = []string{"AppCatalog.Read.All", "User.Read.All", "TeamsAppInstallation.ReadWriteSelfForUser.All"}
	}
	cloud.SetAppRoles(tenant, clientID, roles...)
	w := &world{cloud: cloud, api: newFakeAPI()}
	w.catalogID = cloud.PublishTeamsApp(tenant, appID, "Mission")
	cloud.SetTeamsAppClient(tenant, appID, clientID)
	hc := cloud.Client()
	w.requests = &countingTransport{next: hc.Transport}
	hc.Transport = w.requests
	w.client = graph.New(graph.Config{TenantID: tenant, ClientID: clientID, ClientSecret: secret,
		AuthorityURL: cloud.URL(), GraphURL: cloud.URL(), HTTPClient: hc})
	w.clock.Store(time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC).UnixMilli())
	w.restart(DefaultLimits)
	return w
}

// restart is a new plugin process over the same KV store.
func (w *world) restart(limits Limits) {
	w.links = &linkindex.Live{API: w.api}
	w.links.Configure(tenant, true, true)
	w.job = &Job{API: w.api, Lock: &fakeLock{}, Links: w.links, Limits: limits,
		Now: func() time.Time { return time.UnixMilli(w.clock.Load()) },
		Target: func() (Target, error) {
			return Target{TenantID: tenant, AppExternalID: appID, Graph: w.client}, nil
		}}
}

func (w *world) advance(d time.Duration) { w.clock.Add(d.Milliseconds()) }
