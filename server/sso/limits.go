package sso

import (
	"strings"
	"sync"
	"time"

	"github.com/missioncollab/mattermost-plugin-m365/server/kvstore"
	"github.com/missioncollab/mattermost-plugin-m365/server/mmapi"
)

// Bounds, per server and per minute, on what a caller can make sign-in
// write or log without being signed in to Mattermost. An honest person
// stays far below each: a host asks for a token once, replays of one
// token get its one session back, and a person opens a few hosts.
const (
	// MaxRefusalWarnings is how many refused sign-ins are logged one by
	// one; the rest are counted in one line when the minute ends.
	MaxRefusalWarnings = 60
	// MaxLinkFlows is how many linking flows one Microsoft identity may
	// start (each is a KV entry that lives 10 minutes).
	MaxLinkFlows = 5
	// MaxNewSessions is how many new sessions one Microsoft identity may
	// get.
	MaxNewSessions = 60
	// maxTracked caps the identities counted in one minute; past it,
	// new identities are refused until the minute ends, which costs
	// honest people a retry rather than the server its memory.
	maxTracked = 20000
)

// Limits counts, in fixed one-minute windows, refusals logged and what
// each identity made.
type Limits struct {
	log mmapi.Logger
	now func() time.Time

	mu         sync.Mutex
	window     time.Time
	warnings   int
	suppressed int
	flows      map[kvstore.Identity]int
	sessions   map[kvstore.Identity]int
}

// NewLimits starts counting; log hears how many warnings were held back.
func NewLimits(log mmapi.Logger) *Limits {
	return &Limits{log: log, now: time.Now}
}

// roll starts a new window when the minute is over, saying how many
// warnings the last one held back. The caller holds mu.
func (l *Limits) roll() {
	now := l.now()
	if !l.window.IsZero() && now.Sub(l.window) < time.Minute {
		return
	}
	if l.suppressed > 0 && l.log != nil {
		l.log.LogWarn("Tab sign-in refusals not logged one by one in the last minute", "count", l.suppressed, "limit", MaxRefusalWarnings)
	}
	l.window, l.warnings, l.suppressed = now, 0, 0
	l.flows, l.sessions = map[kvstore.Identity]int{}, map[kvstore.Identity]int{}
}

// Warn reports whether one more refusal may be logged this minute.
func (l *Limits) Warn() bool {
	if l == nil {
		return true
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	l.roll()
	if l.warnings >= MaxRefusalWarnings {
		l.suppressed++
		return false
	}
	l.warnings++
	return true
}

// Flow reports whether the identity may start one more linking flow.
func (l *Limits) Flow(id kvstore.Identity) bool {
	return l.take(func() map[kvstore.Identity]int { return l.flows }, id, MaxLinkFlows)
}

// Session reports whether the identity may get one more new session.
func (l *Limits) Session(id kvstore.Identity) bool {
	return l.take(func() map[kvstore.Identity]int { return l.sessions }, id, MaxNewSessions)
}

func (l *Limits) take(counts func() map[kvstore.Identity]int, id kvstore.Identity, limit int) bool {
	if l == nil {
		return true
	}
	id = kvstore.Identity{TenantID: strings.ToLower(id.TenantID), ObjectID: strings.ToLower(id.ObjectID)}
	l.mu.Lock()
	defer l.mu.Unlock()
	l.roll()
	m := counts()
	n, seen := m[id]
	if (!seen && len(m) >= maxTracked) || n >= limit {
		return false
	}
	m[id] = n + 1
	return true
}
