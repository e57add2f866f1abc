package linkindex

import (
	"encoding/json"
	"strings"

	"github.com/mattermost/mattermost/server/public/model"

	"github.com/missioncollab/mattermost-plugin-m365/server/kvstore"
)

// NotifyChunkEvent tells the other servers of a cluster that a chunk of
// notification links was stored.
const NotifyChunkEvent = "notify_links"

type chunkMessage struct {
	Key string `json:"key"`
}

// NotifyEntry is a notification link and the chunk that holds it.
type NotifyEntry struct {
	kvstore.NotifyLink
	Chunk string
}

// Links is every link of the tenant as of one moment: the sign-in links
// (user ID → object ID, trusted or not) and the notification links,
// removed ones included.
type Links struct {
	SignIn map[string]string
	Notify map[string]NotifyEntry
}

// Owners is who each identity is linked to: a sign-in link first, then a
// notification link that is not removed.
func (v Links) Owners() map[string]string {
	out := make(map[string]string, len(v.SignIn)+len(v.Notify))
	for userID, e := range v.Notify {
		if e.Removed == 0 {
			out[e.ObjectID] = userID
		}
	}
	for userID, oid := range v.SignIn {
		out[oid] = userID
	}
	return out
}

// AllLinks is a copy of every link of the tenant.
func (l *Live) AllLinks() Links {
	l.mu.RLock()
	defer l.mu.RUnlock()
	v := Links{SignIn: make(map[string]string, len(l.signIn)), Notify: make(map[string]NotifyEntry, len(l.notify))}
	for k, e := range l.signIn {
		v.SignIn[k] = e
	}
	for k, e := range l.notify {
		v.Notify[k] = e
	}
	return v
}

// NotifyLinkOf is a person's notification link, removed or not.
func (l *Live) NotifyLinkOf(userID string) (NotifyEntry, bool) {
	l.mu.RLock()
	defer l.mu.RUnlock()
	e, ok := l.notify[userID]
	return e, ok
}

func (l *Live) loadNotifyLinks(tenant string) (map[string]NotifyEntry, error) {
	out := map[string]NotifyEntry{}
	err := kvstore.NotifyLinks{KV: l.API}.Each(l.API, func(c kvstore.NotifyChunk) error {
		if strings.EqualFold(c.TenantID, tenant) {
			for _, link := range c.Links {
				out[link.UserID] = preferred(out[link.UserID], NotifyEntry{NotifyLink: link, Chunk: c.Key})
			}
		}
		return nil
	})
	return out, err
}

// preferred is which of two entries for one person counts: a removal
// always, else the later link, and of one link the later write (b).
func preferred(a, b NotifyEntry) NotifyEntry {
	switch {
	case a.UserID == "":
		return b
	case (a.Removed != 0) != (b.Removed != 0):
		if a.Removed != 0 {
			return a
		}
		return b
	case b.At >= a.At:
		return b
	}
	return a
}

// NotifyChunkStored takes in a chunk just stored, here and on the other
// servers of the cluster.
func (l *Live) NotifyChunkStored(c kvstore.NotifyChunk) {
	l.applyChunk(c)
	l.record(change{Chunk: c.Key})
	data, err := json.Marshal(chunkMessage{Key: c.Key})
	if err != nil {
		return
	}
	if err := l.API.PublishPluginClusterEvent(model.PluginClusterEvent{Id: NotifyChunkEvent, Data: data},
		model.PluginClusterEventSendOptions{SendType: model.PluginClusterEventSendTypeReliable}); err != nil {
		l.API.LogWarn("Telling the cluster about new notification links failed", "error", err.Error())
	}
}

func (l *Live) onNotifyChunkEvent(data []byte) {
	var msg chunkMessage
	if json.Unmarshal(data, &msg) != nil || !kvstore.IsNotifyChunkKey(msg.Key) {
		return
	}
	c, err := kvstore.NotifyLinks{KV: l.API}.Get(msg.Key)
	if err != nil {
		l.API.LogWarn("Reading new notification links failed", "error", err.Error())
		return
	}
	if c != nil {
		l.applyChunk(*c)
	}
}

func (l *Live) applyChunk(c kvstore.NotifyChunk) {
	var added []string
	l.mu.Lock()
	if !strings.EqualFold(c.TenantID, l.tenant) {
		l.mu.Unlock()
		return
	}
	if l.notify == nil {
		l.notify = map[string]NotifyEntry{}
	}
	for _, link := range c.Links {
		l.notify[link.UserID] = preferred(l.notify[link.UserID], NotifyEntry{NotifyLink: link, Chunk: c.Key})
		if l.applyNotifyLocked(link.UserID) {
			added = append(added, link.UserID)
		}
	}
	l.mu.Unlock()
	// The people now told are told of their own mention keywords too.
	for start := 0; start < len(added); start += usersPerRead {
		users, appErr := l.API.GetUsersByIds(added[start:min(start+usersPerRead, len(added))])
		if appErr != nil {
			l.API.LogWarn("Reading mention keywords failed", "error", appErr.Error())
			return
		}
		for _, u := range users {
			l.keywords.Add(u)
		}
	}
}

// applyNotifyLocked puts a person's notification link in force, or takes
// it out, and reports whether it is in force: only while notification
// links are on, once the app is installed for the person (Graph refuses
// a whole request that names someone without it), never over a sign-in
// link of the person, and never for an identity that signs in as another
// account.
func (l *Live) applyNotifyLocked(userID string) bool {
	if _, signsIn := l.signIn[userID]; signsIn {
		return false
	}
	e, ok := l.notify[userID]
	if !ok || !l.reach || e.Removed != 0 || e.Installed == 0 || e.ObjectID == "" || l.signsInElsewhereLocked(e.ObjectID, userID) {
		l.index.Remove(userID)
		return false
	}
	if e.Rule == kvstore.RuleNotifyDirectory {
		l.index.SetByEmail(userID, l.tenant, e.ObjectID, e.Email)
	} else {
		l.index.Set(userID, l.tenant, e.ObjectID)
	}
	return true
}

func (l *Live) unapplyNotifyLocked(userID string) {
	if _, signsIn := l.signIn[userID]; !signsIn {
		l.index.Remove(userID)
	}
}

func (l *Live) signsInElsewhereLocked(objectID, userID string) bool {
	owner, ok := l.signInOwner[objectID]
	return ok && owner != userID
}

// RemoveNotifyLink marks a person's notification link removed, so that
// it no longer routes anything and is never made again, and returns it;
// nil when the person has none in force.
func (l *Live) RemoveNotifyLink(userID string, at int64) (*kvstore.NotifyLink, error) {
	e, ok := l.NotifyLinkOf(userID)
	if !ok || e.Removed != 0 {
		return nil, nil
	}
	var removed *kvstore.NotifyLink
	c, err := kvstore.NotifyLinks{KV: l.API}.Update(e.Chunk, func(c *kvstore.NotifyChunk) bool {
		link := c.Find(userID)
		if link == nil || link.Removed != 0 {
			return false
		}
		link.Removed = at
		copied := *link
		removed = &copied
		return true
	})
	if err != nil {
		return nil, err
	}
	if c != nil {
		l.NotifyChunkStored(*c)
	}
	return removed, nil
}
