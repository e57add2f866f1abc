package sso

import (
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/mattermost/mattermost/server/public/model"

	"github.com/missioncollab/mattermost-plugin-m365/server/kvstore"
	"github.com/missioncollab/mattermost-plugin-m365/server/mmapi"
)

// TabSessionFinder lists an account's live tab sessions, however many:
// the server's own sessions, found by the marks NewSession gives them,
// so that nothing a link signed in escapes its removal.
type TabSessionFinder interface {
	TabSessionsOf(userID string) ([]*model.Session, error)
}

// dbSessions reads the server's sessions table, for the one question the
// plugin API cannot answer: which sessions an account has.
type dbSessions struct {
	db func() *sql.DB
}

// TabSessionsOf reads the account's unexpired tab sessions. The Props
// column holds the session's properties as JSON (jsonb on current
// servers, text on old ones; the cast reads both).
func (d dbSessions) TabSessionsOf(userID string) ([]*model.Session, error) {
	const query = `SELECT Id, Props FROM Sessions WHERE UserId = $1 AND (ExpiresAt = 0 OR ExpiresAt > $2) AND Props::jsonb ->> '` + SessionPropSource + `' = 'true'`
	rows, err := d.db().Query(query, userID, model.GetMillis())
	if err != nil {
		return nil, fmt.Errorf("query sessions: %w", err)
	}
	defer rows.Close()
	var out []*model.Session
	for rows.Next() {
		var id, props string
		if err := rows.Scan(&id, &props); err != nil {
			return nil, fmt.Errorf("read sessions: %w", err)
		}
		s := &model.Session{Id: id, UserId: userID}
		if err := json.Unmarshal([]byte(props), &s.Props); err != nil {
			// The query found it a tab session; which identity it was
			// made for cannot be read, so it counts as made for any.
			s.Props = model.StringMap{SessionPropSource: "true"}
		}
		out = append(out, s)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read sessions: %w", err)
	}
	return out, nil
}

// Revoker ends sessions.
type Revoker interface {
	RevokeSession(sessionID string) *model.AppError
	mmapi.Logger
}

// EndSessions revokes every tab session a removed link signed in: those
// made for its identity, those made before sessions recorded one, and
// those the link itself remembered from then. Revoking through the
// plugin API clears the session on every server of a cluster.
func EndSessions(find TabSessionFinder, r Revoker, userID string, link kvstore.Link) error {
	ids := append([]string(nil), link.Sessions...)
	var findErr error
	if find != nil {
		sessions, err := find.TabSessionsOf(userID)
		if err != nil {
			findErr = fmt.Errorf("find the tab sessions of %s: %w", userID, err)
		}
		for _, s := range sessions {
			made := kvstore.Identity{TenantID: s.Props[SessionPropTenant], ObjectID: s.Props[SessionPropObject]}
			if made.ObjectID == "" || made.Equal(link.Identity) {
				ids = append(ids, s.Id)
			}
		}
	}
	for _, id := range ids {
		if appErr := r.RevokeSession(id); appErr != nil && appErr.StatusCode != http.StatusNotFound {
			r.LogWarn("Ending a session of a removed Microsoft account link failed", "user_id", userID, "session_id", id, "error", appErr.Error())
		}
	}
	return findErr
}

// tokenSessions remember the one session each accepted token made, until
// the token expires: a token presented again gets that session back
// instead of a new one.
type tokenSessions struct {
	KV mmapi.KV
}

const tokenSessionPrefix = "tabtoken_"

// tokenSessionKey names a token by its digest; the token itself is never
// stored.
func tokenSessionKey(token string) string {
	sum := sha256.Sum256([]byte(token))
	return tokenSessionPrefix + hex.EncodeToString(sum[:20])
}

// Bounds of how long a token's record is kept: Entra's access tokens
// live 60 to 90 minutes.
const (
	minTokenRecord     = time.Minute
	defaultTokenRecord = 90 * time.Minute
	maxTokenRecord     = 2 * time.Hour
)

func tokenRecordTTL(expires, now time.Time) int64 {
	ttl := expires.Sub(now)
	switch {
	case expires.IsZero():
		ttl = defaultTokenRecord
	case ttl < minTokenRecord:
		ttl = minTokenRecord
	case ttl > maxTokenRecord:
		ttl = maxTokenRecord
	}
	return int64(ttl / time.Second)
}

// get is the session ID recorded for a token, or "".
func (t tokenSessions) get(key string) (string, error) {
	data, appErr := t.KV.KVGet(key)
	if appErr != nil {
		return "", fmt.Errorf("read the session of a token: %w", appErr)
	}
	return string(data), nil
}

// claim records sessionID for the token if the record still names was
// ("" for no record): false when another request changed it first.
func (t tokenSessions) claim(key, was, sessionID string, ttlSeconds int64) (bool, error) {
	var old []byte
	if was != "" {
		old = []byte(was)
	}
	ok, appErr := t.KV.KVSetWithOptions(key, []byte(sessionID), model.PluginKVSetOptions{Atomic: true, OldValue: old, ExpireInSeconds: ttlSeconds})
	if appErr != nil {
		return false, fmt.Errorf("record the session of a token: %w", appErr)
	}
	return ok, nil
}

// ErrTokenBusy means the session a token made could not be settled.
var ErrTokenBusy = errors.New("another sign-in with the same token is under way")
