package linkindex

import (
	"database/sql"
	"encoding/json"
	"strings"
	"sync"
	"time"

	"github.com/mattermost/mattermost/server/public/model"

	"github.com/missioncollab/mattermost-plugin-m365/server/account"
	"github.com/missioncollab/mattermost-plugin-m365/server/attention"
	"github.com/missioncollab/mattermost-plugin-m365/server/kvstore"
	"github.com/missioncollab/mattermost-plugin-m365/server/mmapi"
)

// API is the part of the plugin API that keeps the index current.
type API interface {
	mmapi.KV
	kvstore.Lister
	mmapi.Users
	GetUsersByIds(userIDs []string) ([]*model.User, *model.AppError)
	PublishPluginClusterEvent(ev model.PluginClusterEvent, opts model.PluginClusterEventSendOptions) error
	GetPreferenceForUser(userID, category, name string) (model.Preference, *model.AppError)
	RolesGrantPermission(roleNames []string, permissionID string) bool
	mmapi.Logger
}

// Cluster events tell the other servers of a cluster about a link made
// or removed.
const (
	LinkEvent   = "link"
	UnlinkEvent = "unlink"
)

type linkMessage struct {
	UserID string       `json:"user_id"`
	Link   kvstore.Link `json:"identity"`
}

// KeywordRefresh is how often linked people's own mention keywords are
// read again: the plugin API has no hook for a changed profile.
const KeywordRefresh = 5 * time.Minute

// usersPerRead is how many accounts one keyword read asks for.
const usersPerRead = 1000

// Live is the index of the tenant in force, loaded from the KV store,
// kept in step with links made and removed on any server of a cluster,
// with the linked people's keywords.
type Live struct {
	API API
	// DB is the server's database, for the choices in one query; without
	// it they are read from the KV store's mirror.
	DB func() *sql.DB

	keywords Keywords

	mu         sync.RWMutex
	index      *Index
	tenant     string
	matchEmail bool
	reach      bool
	loaded     bool
	stop       chan struct{}
	// seen is the last change of the shared log taken in.
	seen int64
	// signIn is every sign-in link of the tenant, trusted or not, as
	// user ID → object ID; notify is every notification link of the
	// tenant, removed ones included.
	signIn      map[string]string
	signInOwner map[string]string
	notify      map[string]NotifyEntry
	// choices are the Teams notification choices of everyone who made
	// one other than the default.
	choices map[string]attention.Choice

	grantsOnce sync.Once
	grants     *account.GrantCache
}

// Keywords are the linked people's own mention keywords.
func (l *Live) Keywords() *Keywords { return &l.keywords }

func (l *Live) current() *Index {
	l.mu.RLock()
	defer l.mu.RUnlock()
	return l.index
}

// Len is the number of linked people in the tenant.
func (l *Live) Len() int { return l.current().Len() }

// Lookup returns the object ID a user is linked to in the tenant.
func (l *Live) Lookup(userID string) (string, bool) { return l.current().Lookup(userID) }

// InForceFor is the object ID an account is told at, if its link still
// stands for the account as it is now: see Index.InForceFor; and a link
// made from an email holds only while an email may link the account at
// all (account.EmailMayNotLink: not once it may manage the system or has
// MFA on), as sign-in and the reach job decide.
func (l *Live) InForceFor(u *model.User) (string, bool) {
	ix := l.current()
	oid, ok := ix.InForceFor(u)
	if ok && ix.MadeByEmail(u.Id) && account.EmailMayNotLink(u, l.grantCache().Grants) != "" {
		return "", false
	}
	return oid, ok
}

// grantsTTL is how long an answer about what a set of roles may do is
// kept when recipients are read.
const grantsTTL = 30 * time.Second

func (l *Live) grantCache() *account.GrantCache {
	l.grantsOnce.Do(func() { l.grants = &account.GrantCache{Ask: l.API.RolesGrantPermission, TTL: grantsTTL} })
	return l.grants
}

// setLink puts a sign-in link in the index; one made by email holds
// only while the account keeps the address that made it.
func setLink(ix *Index, userID string, link kvstore.Link) {
	if link.MadeBy() == kvstore.RuleEmail {
		ix.SetByEmail(userID, link.TenantID, link.ObjectID, link.Email)
		return
	}
	ix.Set(userID, link.TenantID, link.ObjectID)
}

// UserIDs is every linked person in the tenant.
func (l *Live) UserIDs() []string { return l.current().UserIDs() }

// Configure loads the index again when the tenant, the trust of links
// made by email or the use of notification links changes: links made by
// email count only while email matching is on, notification links only
// while reaching people before first use is on.
func (l *Live) Configure(tenant string, matchEmail, reach bool) {
	tenant = strings.ToLower(tenant)
	l.mu.Lock()
	same := l.loaded && l.tenant == tenant && l.matchEmail == matchEmail && l.reach == reach
	l.mu.Unlock()
	if same {
		return
	}
	l.load(tenant, matchEmail, reach)
}

// load reads every link and choice of the tenant from the store.
func (l *Live) load(tenant string, matchEmail, reach bool) {
	// Changes logged from here on are taken in by the next Reconcile,
	// even those this load already sees.
	seq, err := l.changeSeq()
	if err != nil {
		l.API.LogWarn("Reading Teams link changes failed", "error", err.Error())
	}
	ix := New(tenant)
	// The new index is in force at once, so that links made while it
	// loads are not lost.
	l.mu.Lock()
	l.index, l.tenant, l.matchEmail, l.reach, l.loaded = ix, tenant, matchEmail, reach, true
	l.signIn, l.signInOwner, l.notify = map[string]string{}, map[string]string{}, map[string]NotifyEntry{}
	l.seen = seq
	l.mu.Unlock()
	signIn := map[string]string{}
	err = kvstore.Links{KV: l.API}.Each(l.API, func(userID string, link kvstore.Link) {
		if strings.EqualFold(link.TenantID, tenant) {
			signIn[userID] = strings.ToLower(link.ObjectID)
		}
		if link.Trusted(matchEmail) {
			setLink(ix, userID, link)
		}
	})
	if err != nil {
		l.API.LogError("Loading the accounts linked to Teams failed; notifications reach only people who sign in again", "error", err.Error())
	}
	notify, err := l.loadNotifyLinks(tenant)
	if err != nil {
		l.API.LogError("Loading the notification links failed; people who never opened the app are not notified until the plugin restarts", "error", err.Error())
	}
	l.mu.Lock()
	for userID, oid := range signIn {
		if _, ok := l.signIn[userID]; !ok {
			l.signIn[userID] = oid
			l.signInOwner[oid] = userID
		}
	}
	for userID, e := range notify {
		if _, ok := l.notify[userID]; !ok {
			l.notify[userID] = e
		}
	}
	for userID := range l.notify {
		l.applyNotifyLocked(userID)
	}
	l.mu.Unlock()
	l.loadChoices()
	l.RefreshKeywords()
}

// Linked records a new link here and on the other servers.
func (l *Live) Linked(userID string, link kvstore.Link) {
	l.apply(LinkEvent, userID, link)
	l.publish(LinkEvent, userID, link)
	l.record(change{UserID: userID})
	l.syncChoice(userID)
}

// Unlinked forgets a removed link here and on the other servers.
func (l *Live) Unlinked(userID string, link kvstore.Link) {
	l.apply(UnlinkEvent, userID, link)
	l.publish(UnlinkEvent, userID, link)
	l.record(change{UserID: userID})
}

// OnClusterEvent applies a link made or removed on another server.
func (l *Live) OnClusterEvent(ev model.PluginClusterEvent) {
	if ev.Id == ChoiceEvent {
		var msg choiceMessage
		if json.Unmarshal(ev.Data, &msg) == nil && msg.UserID != "" {
			if c, err := attention.ParseChoice(string(msg.Choice)); err == nil {
				l.applyChoice(msg.UserID, c)
			}
		}
		return
	}
	if ev.Id == NotifyChunkEvent {
		l.onNotifyChunkEvent(ev.Data)
		return
	}
	if ev.Id != LinkEvent && ev.Id != UnlinkEvent {
		return
	}
	var msg linkMessage
	if json.Unmarshal(ev.Data, &msg) != nil || msg.UserID == "" {
		return
	}
	l.apply(ev.Id, msg.UserID, msg.Link)
}

func (l *Live) apply(event, userID string, link kvstore.Link) {
	l.mu.Lock()
	ix, matchEmail := l.index, l.matchEmail
	if l.signIn == nil {
		l.signIn, l.signInOwner = map[string]string{}, map[string]string{}
	}
	if oid, ok := l.signIn[userID]; ok {
		delete(l.signIn, userID)
		if l.signInOwner[oid] == userID {
			delete(l.signInOwner, oid)
		}
		if event == UnlinkEvent {
			ix.Remove(userID)
		}
		// Notification links that gave way to this sign-in link count again.
		for other, e := range l.notify {
			if e.ObjectID == oid || other == userID {
				l.applyNotifyLocked(other)
			}
		}
	}
	if event == UnlinkEvent {
		l.mu.Unlock()
		return
	}
	if strings.EqualFold(link.TenantID, l.tenant) {
		oid := strings.ToLower(link.ObjectID)
		l.signIn[userID] = oid
		l.signInOwner[oid] = userID
		// A person who signs in is told as that account: a notification
		// link of another account to the same identity gives way.
		for other, e := range l.notify {
			if other != userID && e.ObjectID == oid {
				l.unapplyNotifyLocked(other)
			}
		}
	}
	trusted := link.Trusted(matchEmail)
	if trusted {
		setLink(ix, userID, link)
	} else {
		ix.Remove(userID)
	}
	l.mu.Unlock()
	if trusted {
		if u, appErr := l.API.GetUser(userID); appErr == nil {
			l.keywords.Add(u)
		}
	}
}

func (l *Live) publish(event, userID string, link kvstore.Link) {
	data, err := json.Marshal(linkMessage{UserID: userID, Link: link})
	if err != nil {
		return
	}
	if err := l.API.PublishPluginClusterEvent(model.PluginClusterEvent{Id: event, Data: data},
		model.PluginClusterEventSendOptions{SendType: model.PluginClusterEventSendTypeReliable}); err != nil {
		l.API.LogWarn("Telling the cluster about a Teams link failed", "event", event, "error", err.Error())
	}
}

// RefreshKeywords reads every linked person's keywords, in batches.
func (l *Live) RefreshKeywords() {
	ids := l.UserIDs()
	users := make([]*model.User, 0, len(ids))
	for start := 0; start < len(ids); start += usersPerRead {
		batch, appErr := l.API.GetUsersByIds(ids[start:min(start+usersPerRead, len(ids))])
		if appErr != nil {
			l.API.LogWarn("Reading mention keywords failed", "error", appErr.Error())
			return
		}
		users = append(users, batch...)
	}
	l.keywords.Replace(users)
}

// StartRefresh reads the keywords again every KeywordRefresh until Stop.
func (l *Live) StartRefresh() {
	l.every(KeywordRefresh, l.RefreshKeywords)
}

// every runs f every d until Stop.
func (l *Live) every(d time.Duration, f func()) {
	l.mu.Lock()
	if l.stop == nil {
		l.stop = make(chan struct{})
	}
	stop := l.stop
	l.mu.Unlock()
	go func() {
		t := time.NewTicker(d)
		defer t.Stop()
		for {
			select {
			case <-stop:
				return
			case <-t.C:
				f()
			}
		}
	}()
}

// Stop ends the keyword refresh and the reconciling.
func (l *Live) Stop() {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.stop != nil {
		close(l.stop)
		l.stop = nil
	}
}
