package reach

import (
	"encoding/json"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/mattermost/mattermost/server/public/model"

	"github.com/missioncollab/mattermost-plugin-m365/server/mmapi"
)

// The job's KV keys. Only the server holding the job's lock writes
// statusKey; requestKey and newAccountsKey are written by whoever asks.
const (
	statusKey      = "reach_status"
	requestKey     = "reach_request"
	newAccountsKey = "reach_new_accounts"
)

// Kinds of run.
const (
	// KindEveryone reads every active account.
	KindEveryone = "everyone"
	// KindNewAccounts reads the accounts changed since the first account
	// created after the last run.
	KindNewAccounts = "new accounts"
)

// Run is one pass of the job, as far as it got.
type Run struct {
	ID   string `json:"id"`
	Kind string `json:"kind"`
	// Trigger is who or what started it: "@admin", "daily", "new accounts".
	Trigger    string `json:"trigger"`
	Since      int64  `json:"since,omitempty"`
	StartedAt  int64  `json:"started_at"`
	FinishedAt int64  `json:"finished_at,omitempty"`
	// Page is the next page of accounts to read.
	Page int `json:"page"`
	// Error is why the run stopped before it read every account.
	Error string `json:"error,omitempty"`
	Counts
}

// Counts are what a run did.
type Counts struct {
	// Accounts is how many accounts it read.
	Accounts int `json:"accounts"`
	// Linked is how many notification links it made, by rule.
	Linked map[string]int `json:"linked,omitempty"`
	// AlreadyLinked is how many accounts had a link before.
	AlreadyLinked int `json:"already_linked"`
	// Installed is how many people it installed the app for, and
	// AlreadyInstalled how many had it already.
	Installed        int `json:"installed"`
	AlreadyInstalled int `json:"already_installed"`
	// Skipped and Failed count accounts by reason.
	Skipped map[string]int `json:"skipped,omitempty"`
	Failed  map[string]int `json:"failed,omitempty"`
	// Examples are a few accounts (usernames) for each reason.
	Examples map[string][]string `json:"examples,omitempty"`
}

// Limits on what a run records, so that its status stays one small KV
// value whatever the directory answers.
const (
	maxReasons       = 20
	maxReasonLength  = 200
	examplesPerCause = 5
	otherReasons     = "other reasons"
)

func (c *Counts) linked(rule string) {
	if c.Linked == nil {
		c.Linked = map[string]int{}
	}
	c.Linked[rule]++
}

func (c *Counts) skip(reason, username string) { c.Skipped = c.note(c.Skipped, reason, username) }
func (c *Counts) fail(reason, username string) { c.Failed = c.note(c.Failed, reason, username) }

func (c *Counts) note(m map[string]int, reason, username string) map[string]int {
	if m == nil {
		m = map[string]int{}
	}
	reason = capText(reason, maxReasonLength)
	if _, known := m[reason]; !known && len(m) >= maxReasons {
		reason = otherReasons
	}
	m[reason]++
	if c.Examples == nil {
		c.Examples = map[string][]string{}
	}
	if ex := c.Examples[reason]; len(ex) < examplesPerCause && username != "" {
		c.Examples[reason] = append(ex, username)
	}
	return m
}

func capText(s string, n int) string {
	s = strings.ToValidUTF8(strings.TrimSpace(s), "")
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n-1]) + "…"
}

// Status is the job's state as the System Console shows it.
type Status struct {
	// Current is the run under way, or stopped by a restart; nil when
	// none is.
	Current *Run `json:"current,omitempty"`
	// Last is the last run that ended.
	Last *Run `json:"last,omitempty"`
	// LastEveryone is when the last run over everyone started, which
	// is when the next daily one is due from.
	LastEveryone int64 `json:"last_everyone,omitempty"`
	// Served is the request the last run over everyone answered.
	Served int64 `json:"served,omitempty"`
}

// Request is an admin's request for a run over everyone.
type Request struct {
	At int64  `json:"at"`
	By string `json:"by"`
}

// KV is the plugin's KV store as the job uses it.
type KV interface {
	mmapi.KV
	KVCompareAndDelete(key string, oldValue []byte) (bool, *model.AppError)
}

type store struct{ KV KV }

func (s store) status() (Status, error) {
	var st Status
	err := s.get(statusKey, &st)
	return st, err
}

func (s store) request() (Request, error) {
	var r Request
	err := s.get(requestKey, &r)
	return r, err
}

func (s store) newAccounts() (int64, error) {
	var at int64
	err := s.get(newAccountsKey, &at)
	return at, err
}

func (s store) get(key string, v any) error {
	data, appErr := s.KV.KVGet(key)
	if appErr != nil {
		return fmt.Errorf("read %s: %w", key, appErr)
	}
	if data == nil {
		return nil
	}
	if err := json.Unmarshal(data, v); err != nil {
		return fmt.Errorf("decode %s: %w", key, err)
	}
	return nil
}

func (s store) set(key string, v any) error {
	data, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("encode %s: %w", key, err)
	}
	if appErr := s.KV.KVSet(key, data); appErr != nil {
		return fmt.Errorf("store %s: %w", key, appErr)
	}
	return nil
}

// markNewAccount records that an account was created, unless an earlier
// one is still waiting: the run then reads from the earliest.
func (s store) markNewAccount(at int64) error {
	data, err := json.Marshal(at)
	if err != nil {
		return err
	}
	if _, appErr := s.KV.KVSetWithOptions(newAccountsKey, data, model.PluginKVSetOptions{Atomic: true, OldValue: nil}); appErr != nil {
		return fmt.Errorf("store %s: %w", newAccountsKey, appErr)
	}
	return nil
}

// clearNewAccounts forgets the waiting mark if it is still at.
func (s store) clearNewAccounts(at int64) error {
	old, err := json.Marshal(at)
	if err != nil {
		return err
	}
	if _, appErr := s.KV.KVCompareAndDelete(newAccountsKey, old); appErr != nil {
		return fmt.Errorf("clear %s: %w", newAccountsKey, appErr)
	}
	return nil
}

// SupportFile is the job's state as a file for a support packet, without
// the accounts named as examples: a packet leaves the organisation.
func SupportFile(st Status) (*model.FileData, error) {
	for _, r := range []*Run{st.Current, st.Last} {
		if r != nil {
			c := *r
			c.Examples = nil
			*r = c
		}
	}
	body, err := json.MarshalIndent(st, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("encode the notification link job: %w", err)
	}
	return &model.FileData{Filename: "m365-reach.json", Body: body}, nil
}
