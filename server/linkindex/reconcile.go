package linkindex

import (
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/mattermost/mattermost/server/public/model"

	"github.com/missioncollab/mattermost-plugin-m365/server/attention"
	"github.com/missioncollab/mattermost-plugin-m365/server/kvstore"
)

// Every server keeps its own copy of the links and choices, kept in step
// by cluster events. An event can be lost (a restart, a server that
// rejoins, no cluster at all between servers sharing one database), so
// each change is also written to a short log in the shared KV store,
// which every server reads every ReconcileEvery: a server acts on a copy
// at most ConvergeWithin out of date, and never for good.
const (
	// ReconcileEvery is how often a server reads the change log and the
	// choices.
	ReconcileEvery = 5 * time.Second
	// ConvergeWithin is the documented bound: two reads, in case a change
	// lands just after one.
	ConvergeWithin = 2 * ReconcileEvery
	// changeLogKeep is how long a change stays in the log; a server
	// further behind loads everything again.
	changeLogKeep = time.Hour
	// maxChangesRead caps the changes read in one pass; more loads
	// everything again, which is cheaper then.
	maxChangesRead = 500

	changeSeqKey    = "lx_seq"
	changeKeyPrefix = "lx_"
)

// change is one entry of the log: whose link or choice changed, or which
// chunk of notification links.
type change struct {
	UserID string `json:"u,omitempty"`
	Choice bool   `json:"c,omitempty"`
	Chunk  string `json:"k,omitempty"`
}

func changeKey(n int64) string { return changeKeyPrefix + strconv.FormatInt(n, 10) }

// record writes a change to the log, so that servers that miss its
// cluster event still take it in.
func (l *Live) record(c change) {
	if err := l.appendChange(c); err != nil {
		l.API.LogWarn("Recording a Teams link change for the other servers failed; they take it in when they next load everything", "error", err.Error())
	}
}

func (l *Live) appendChange(c change) error {
	data, err := json.Marshal(c)
	if err != nil {
		return err
	}
	for range 100 {
		old, appErr := l.API.KVGet(changeSeqKey)
		if appErr != nil {
			return fmt.Errorf("read the change log: %w", appErr)
		}
		n, _ := strconv.ParseInt(string(old), 10, 64)
		next := []byte(strconv.FormatInt(n+1, 10))
		ok, appErr := l.API.KVSetWithOptions(changeSeqKey, next, model.PluginKVSetOptions{Atomic: true, OldValue: old})
		if appErr != nil {
			return fmt.Errorf("advance the change log: %w", appErr)
		}
		if !ok {
			continue
		}
		if _, appErr := l.API.KVSetWithOptions(changeKey(n+1), data,
			model.PluginKVSetOptions{ExpireInSeconds: int64(changeLogKeep / time.Second)}); appErr != nil {
			return fmt.Errorf("write change %d: %w", n+1, appErr)
		}
		return nil
	}
	return errors.New("the change log kept moving")
}

// changeSeq is the log's last change number.
func (l *Live) changeSeq() (int64, error) {
	data, appErr := l.API.KVGet(changeSeqKey)
	if appErr != nil {
		return 0, fmt.Errorf("read the change log: %w", appErr)
	}
	n, _ := strconv.ParseInt(string(data), 10, 64)
	return n, nil
}

// Reconcile takes in every change logged since the last pass, by reading
// each person's link or choice as stored now, and reads the choices from
// Mattermost's preferences, where one deleted through the API leaves no
// hook. A gap in the log (a change that expired, or a writer that
// stopped between its two writes) loads everything again.
func (l *Live) Reconcile() {
	seq, err := l.changeSeq()
	if err != nil {
		l.API.LogWarn("Reading Teams link changes failed", "error", err.Error())
		return
	}
	l.mu.RLock()
	seen, loaded := l.seen, l.loaded
	tenant, matchEmail, reach := l.tenant, l.matchEmail, l.reach
	l.mu.RUnlock()
	if !loaded {
		return
	}
	if seq < seen || seq-seen > maxChangesRead {
		l.load(tenant, matchEmail, reach)
		return
	}
	for n := seen + 1; n <= seq; n++ {
		if err := l.takeIn(n); err != nil {
			l.API.LogWarn("Taking in a Teams link change failed; loading every link again", "change", n, "error", err.Error())
			l.load(tenant, matchEmail, reach)
			return
		}
	}
	l.mu.Lock()
	if l.seen < seq {
		l.seen = seq
	}
	l.mu.Unlock()
	l.loadChoices()
}

// takeIn applies change n from what is stored now.
func (l *Live) takeIn(n int64) error {
	data, appErr := l.API.KVGet(changeKey(n))
	if appErr != nil {
		return fmt.Errorf("read change %d: %w", n, appErr)
	}
	var c change
	if data == nil || json.Unmarshal(data, &c) != nil {
		return fmt.Errorf("change %d is missing", n)
	}
	switch {
	case c.Chunk != "":
		chunk, err := kvstore.NotifyLinks{KV: l.API}.Get(c.Chunk)
		if err != nil {
			return err
		}
		if chunk != nil {
			l.applyChunk(*chunk)
		}
	case c.Choice:
		return l.readChoice(c.UserID)
	case c.UserID != "":
		link, err := kvstore.Links{KV: l.API}.HeldLinkOf(c.UserID)
		if err != nil {
			return err
		}
		if link == nil {
			l.apply(UnlinkEvent, c.UserID, kvstore.Link{})
		} else {
			l.apply(LinkEvent, c.UserID, *link)
		}
	}
	return nil
}

// readChoice takes in a person's choice as their preference says now.
func (l *Live) readChoice(userID string) error {
	pref, appErr := l.API.GetPreferenceForUser(userID, attention.PreferenceCategory, attention.PreferenceName)
	switch {
	case appErr != nil && appErr.StatusCode == http.StatusNotFound:
		l.applyChoice(userID, attention.Default)
	case appErr != nil:
		return fmt.Errorf("read the choice of %s: %w", userID, appErr)
	default:
		c, err := attention.ParseChoice(pref.Value)
		if err != nil {
			c = attention.Default
		}
		l.applyChoice(userID, c)
	}
	return nil
}

// StartReconcile runs Reconcile every ReconcileEvery until Stop.
func (l *Live) StartReconcile() {
	l.every(ReconcileEvery, l.Reconcile)
}

// choicesFromPreferences reads every Teams notification choice from
// Mattermost's preferences in one query.
func choicesFromPreferences(db *sql.DB) (map[string]attention.Choice, error) {
	const query = `SELECT UserId, Value FROM Preferences WHERE Category = $1 AND Name = $2`
	rows, err := db.Query(query, attention.PreferenceCategory, attention.PreferenceName)
	if err != nil {
		return nil, fmt.Errorf("query preferences: %w", err)
	}
	defer rows.Close()
	out := map[string]attention.Choice{}
	for rows.Next() {
		var userID, value string
		if err := rows.Scan(&userID, &value); err != nil {
			return nil, fmt.Errorf("read preferences: %w", err)
		}
		if c, err := attention.ParseChoice(value); err == nil && c != attention.Default {
			out[userID] = c
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read preferences: %w", err)
	}
	return out, nil
}
