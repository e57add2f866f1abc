package sso

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/mattermost/mattermost/server/public/model"

	"github.com/missioncollab/mattermost-plugin-m365/server/entra"
	"github.com/missioncollab/mattermost-plugin-m365/server/kvstore"
)

// fakeAPI is the plugin API as sign-in uses it, in memory: accounts,
// permissions, sessions, the KV store and the logs.
type fakeAPI struct {
	mu       sync.Mutex
	users    map[string]*model.User
	perms    map[string][]string // role → permission IDs it grants
	sessions map[string]*model.Session
	kv       map[string][]byte
	info     []string
	audits   []*model.AuditRecord
	// calls counts plugin API calls, each a round trip to the server.
	calls int
	// onCreateSession and afterCreateSession, if set, run before and
	// after a session is made.
	onCreateSession, afterCreateSession func()
}

func newFakeAPI() *fakeAPI {
	return &fakeAPI{users: map[string]*model.User{}, perms: map[string][]string{},
		sessions: map[string]*model.Session{}, kv: map[string][]byte{}}
}

func notFound(what string) *model.AppError {
	return model.NewAppError("fake", what+" not found", nil, "", http.StatusNotFound)
}

// addUser stores a verified email account, changed by opts.
func (f *fakeAPI) addUser(name string, opts ...func(*model.User)) *model.User {
	u := &model.User{Id: model.NewId(), Username: name, Email: name + "@example.com", EmailVerified: true, Roles: model.SystemUserRoleId}
	for _, o := range opts {
		o(u)
	}
	f.mu.Lock()
	f.users[u.Id] = u
	f.mu.Unlock()
	return u
}

func (f *fakeAPI) GetUser(id string) (*model.User, *model.AppError) {
	f.mu.Lock()
	f.calls++
	defer f.mu.Unlock()
	if u, ok := f.users[id]; ok {
		c := *u
		return &c, nil
	}
	return nil, notFound("user")
}

func (f *fakeAPI) GetUserByEmail(email string) (*model.User, *model.AppError) {
	f.mu.Lock()
	f.calls++
	defer f.mu.Unlock()
	for _, u := range f.users {
		if strings.EqualFold(u.Email, email) {
			c := *u
			return &c, nil
		}
	}
	return nil, notFound("user")
}

func (f *fakeAPI) RolesGrantPermission(roles []string, perm string) bool {
	f.mu.Lock()
	f.calls++
	defer f.mu.Unlock()
	for _, role := range roles {
		if slices.Contains(f.perms[role], perm) {
			return true
		}
	}
	return false
}

// TabSessionsOf reads the tab sessions the way the server's table
// answers the plugin's query.
func (f *fakeAPI) TabSessionsOf(userID string) ([]*model.Session, error) {
	f.mu.Lock()
	f.calls++
	defer f.mu.Unlock()
	var out []*model.Session
	for _, s := range f.sessions {
		if s.UserId == userID && IsTabSession(s) && !s.IsExpired() {
			c := *s
			out = append(out, &c)
		}
	}
	return out, nil
}

func (f *fakeAPI) sessionCount(userID string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	n := 0
	for _, s := range f.sessions {
		if s.UserId == userID {
			n++
		}
	}
	return n
}

func (f *fakeAPI) CreateSession(s *model.Session) (*model.Session, *model.AppError) {
	if hook := f.onCreateSession; hook != nil {
		hook()
	}
	f.mu.Lock()
	f.calls++
	defer f.mu.Unlock()
	c := *s
	c.Id, c.Token = model.NewId(), model.NewId()
	c.CreateAt = model.GetMillis()
	f.sessions[c.Id] = &c
	if hook := f.afterCreateSession; hook != nil {
		f.mu.Unlock()
		hook()
		f.mu.Lock()
	}
	return &c, nil
}

func (f *fakeAPI) GetSession(id string) (*model.Session, *model.AppError) {
	f.mu.Lock()
	f.calls++
	defer f.mu.Unlock()
	if s, ok := f.sessions[id]; ok {
		c := *s
		return &c, nil
	}
	return nil, notFound("session")
}

func (f *fakeAPI) KVGet(k string) ([]byte, *model.AppError) {
	f.mu.Lock()
	f.calls++
	defer f.mu.Unlock()
	return f.kv[k], nil
}

func (f *fakeAPI) KVSet(k string, v []byte) *model.AppError {
	f.mu.Lock()
	f.calls++
	defer f.mu.Unlock()
	f.kv[k] = v
	return nil
}

func (f *fakeAPI) KVDelete(k string) *model.AppError {
	f.mu.Lock()
	f.calls++
	defer f.mu.Unlock()
	delete(f.kv, k)
	return nil
}

func (f *fakeAPI) KVCompareAndSet(k string, old, v []byte) (bool, *model.AppError) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls++
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
	return true, f.KVSet(k, v)
}

func (f *fakeAPI) KVSetWithExpiry(k string, v []byte, _ int64) *model.AppError { return f.KVSet(k, v) }

func (f *fakeAPI) KVCompareAndDelete(k string, old []byte) (bool, *model.AppError) {
	f.mu.Lock()
	f.calls++
	defer f.mu.Unlock()
	if v, ok := f.kv[k]; !ok || !bytes.Equal(v, old) {
		return false, nil
	}
	delete(f.kv, k)
	return true, nil
}

func (f *fakeAPI) LogInfo(msg string, kv ...any) {
	f.mu.Lock()
	f.calls++
	defer f.mu.Unlock()
	f.info = append(f.info, msg+" "+fmt.Sprint(kv...))
}

func (f *fakeAPI) LogDebug(string, ...any) {}
func (f *fakeAPI) LogWarn(string, ...any)  {}
func (f *fakeAPI) LogError(string, ...any) {}

func (f *fakeAPI) LogAuditRec(rec *model.AuditRecord) {
	f.mu.Lock()
	f.calls++
	defer f.mu.Unlock()
	f.audits = append(f.audits, rec)
}

func (f *fakeAPI) linkCount() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	n := 0
	for k := range f.kv {
		if strings.HasPrefix(k, "link_user_") {
			n++
		}
	}
	return n
}

// tokens is a validator over a table: a token is the key of the identity
// it stands for. The real validator has its own tests.
type tokens map[string]*entra.Identity

func (t tokens) Validate(_ context.Context, raw string) (*entra.Identity, error) {
	if id, ok := t[raw]; ok {
		c := *id
		return &c, nil
	}
	return nil, &entra.Refusal{Reason: "unknown test token"}
}

const tenant = "72f988bf-86f1-41af-91ab-2d7cd011db47"

// member is a token for a member of the tenant with the email.
func (t tokens) member(oid, email string) string {
	raw := "tok-" + oid + "-" + email
	t[raw] = &entra.Identity{TenantID: tenant, ObjectID: oid, Emails: []string{email}, Name: "Person " + oid,
		ClientApp: entra.ClientApp{ID: "5e3ce6c0-2b1f-4285-8d4b-75ee78787346", Name: "Teams web"}}
	return raw
}

// another is a new token for the identity a token names, as a host asks
// for one later.
func (t tokens) another(raw string) string {
	again := raw + "-" + model.NewId()
	c := *t[raw]
	t[again] = &c
	return again
}

// guest is a token for a B2B guest with the email.
func (t tokens) guest(oid, email string) string {
	raw := t.member(oid, email) + "-guest"
	id := *t["tok-"+oid+"-"+email]
	id.Guest = true
	t[raw] = &id
	return raw
}

type harness struct {
	api    *fakeAPI
	tokens tokens
	svc    *Service
}

func newHarness(t *testing.T, matchEmail bool) *harness {
	if t != nil {
		t.Helper()
	}
	api := newFakeAPI()
	h := &harness{api: api, tokens: tokens{}}
	h.svc = &Service{
		Validator: h.tokens,
		Matcher: Matcher{
			Users: api, Links: (&SignIn{API: api, Finder: api}).Links(), MatchEmail: matchEmail,
		},
		Sessions:    api,
		Tokens:      tokenSessions{KV: api},
		Limits:      NewLimits(api),
		Cookie:      CookieOptions{Path: "/", LengthHours: 720},
		PreviewPath: "/plugins/p/notification-preview",
		Codes:       kvstore.AuthCodes(api),
		Flows:       kvstore.LinkFlows(api),
		Audit:       Audit{Log: api},
	}
	return h
}

func (h *harness) exchange(token string) (*Result, error) {
	return h.svc.Exchange(context.Background(), Request{Token: token})
}

// login is a browser session the person signs in to now, as a login in
// the popup makes one.
func (h *harness) login(userID string) *model.Session {
	s, _ := h.api.CreateSession(&model.Session{UserId: userID, ExpiresAt: model.GetMillis() + 3_600_000})
	return s
}

// confirm confirms a flow with a login made for it.
func (h *harness) confirm(flow, userID string) (string, error) {
	return h.svc.ConfirmLink(flow, h.login(userID))
}

func (h *harness) redeem(code, flow, token string) (*Result, error) {
	return h.svc.RedeemLink(context.Background(), Redeem{Code: code, Flow: flow, Token: token})
}

func identityOf(h *harness, token string) kvstore.Identity {
	id := h.tokens[token]
	return kvstore.Identity{TenantID: id.TenantID, ObjectID: id.ObjectID}
}

func (f *fakeAPI) RevokeSession(id string) *model.AppError {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls++
	if _, ok := f.sessions[id]; !ok {
		return notFound("session")
	}
	delete(f.sessions, id)
	return nil
}

// setCookies counts the cookies a result sets to a value, leaving out the
// deletions.
func setCookies(res *Result) int {
	n := 0
	for _, c := range res.Cookies {
		if c.Value != "" && c.MaxAge > 0 {
			n++
		}
	}
	return n
}
