package kvstore

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/missioncollab/mattermost-plugin-m365/server/mmapi"
)

// NotifyLink is a notification link: the Entra identity the
// notifications of a person who never opened the app go to. It lives
// apart from sign-in links, in chunks sign-in never reads, so it can
// never sign anyone in.
type NotifyLink struct {
	UserID   string `json:"u"`
	ObjectID string `json:"oid"`
	// Rule is RuleNotifyAuthData or RuleNotifyDirectory.
	Rule string `json:"rule"`
	// Email is, for RuleNotifyDirectory, the account's address the
	// directory was asked about: the link holds only while the account
	// still has it.
	Email string `json:"email,omitempty"`
	// At is when the link was made, in Unix milliseconds.
	At int64 `json:"at"`
	// Installed is when Graph said the Teams app is installed for the
	// person (including that it already was); 0 until then.
	Installed int64 `json:"inst,omitempty"`
	// InstallError is why the last installation failed.
	InstallError string `json:"err,omitempty"`
	// Removed is when the person or an admin removed the link. It stays
	// as a mark, so that no later run makes the link again.
	Removed int64 `json:"rm,omitempty"`
}

// EmailStillProves reports whether a link made from the directory's
// answer about an email still holds for an account whose email is now
// email; links made by the account's Entra object ID do not depend on it.
func (l NotifyLink) EmailStillProves(email string) bool {
	if l.Rule != RuleNotifyDirectory {
		return true
	}
	return l.Email != "" && strings.EqualFold(l.Email, email)
}

// NotifyChunk is the notification links one page of one run made, for
// one tenant: one KV value, so a page of accounts costs one write.
type NotifyChunk struct {
	Key      string       `json:"-"`
	TenantID string       `json:"tid"`
	Links    []NotifyLink `json:"links"`
}

// Find is the chunk's link for an account, or nil.
func (c *NotifyChunk) Find(userID string) *NotifyLink {
	for i := range c.Links {
		if c.Links[i].UserID == userID {
			return &c.Links[i]
		}
	}
	return nil
}

// NotifyLinks stores notification links in chunks.
type NotifyLinks struct{ KV mmapi.KV }

const notifyChunkPrefix = "reachlinks_"

// NotifyChunkKey names the chunk of one page of one run; the same page
// of the same run, done again after a restart, writes the same chunk.
func NotifyChunkKey(runID string, page int) string {
	return fmt.Sprintf("%s%s_%d", notifyChunkPrefix, runID, page)
}

// IsNotifyChunkKey reports whether key names a chunk.
func IsNotifyChunkKey(key string) bool { return strings.HasPrefix(key, notifyChunkPrefix) }

// Get reads a chunk; nil when there is none.
func (s NotifyLinks) Get(key string) (*NotifyChunk, error) {
	data, appErr := s.KV.KVGet(key)
	if appErr != nil {
		return nil, fmt.Errorf("read notification links %s: %w", key, appErr)
	}
	if data == nil {
		return nil, nil
	}
	var c NotifyChunk
	if err := json.Unmarshal(data, &c); err != nil {
		return nil, fmt.Errorf("decode notification links %s: %w", key, err)
	}
	c.Key = key
	return &c, nil
}

// Put writes a chunk whole.
func (s NotifyLinks) Put(c NotifyChunk) error {
	if !IsNotifyChunkKey(c.Key) {
		return fmt.Errorf("store notification links: %q is not a chunk key", c.Key)
	}
	data, err := json.Marshal(c)
	if err != nil {
		return fmt.Errorf("encode notification links: %w", err)
	}
	if appErr := s.KV.KVSet(c.Key, data); appErr != nil {
		return fmt.Errorf("store notification links %s: %w", c.Key, appErr)
	}
	return nil
}

// Each calls visit with every chunk.
func (s NotifyLinks) Each(list Lister, visit func(NotifyChunk) error) error {
	return eachWithPrefix(list, notifyChunkPrefix, func(rest string) error {
		c, err := s.Get(notifyChunkPrefix + rest)
		if err != nil || c == nil {
			return err
		}
		return visit(*c)
	})
}

// ErrChunkBusy means a chunk kept changing while a link in it was being
// removed.
var ErrChunkBusy = errors.New("the notification links kept changing; try again")

// Update changes the chunk at key with change, which reports whether it
// changed anything, and stores it only if nobody wrote it meanwhile.
// It returns the chunk as stored, or nil when there is none.
func (s NotifyLinks) Update(key string, change func(*NotifyChunk) bool) (*NotifyChunk, error) {
	for range 5 {
		old, appErr := s.KV.KVGet(key)
		if appErr != nil {
			return nil, fmt.Errorf("read notification links %s: %w", key, appErr)
		}
		if old == nil {
			return nil, nil
		}
		var c NotifyChunk
		if err := json.Unmarshal(old, &c); err != nil {
			return nil, fmt.Errorf("decode notification links %s: %w", key, err)
		}
		c.Key = key
		if !change(&c) {
			return &c, nil
		}
		data, err := json.Marshal(c)
		if err != nil {
			return nil, fmt.Errorf("encode notification links: %w", err)
		}
		swapped, appErr := s.KV.KVCompareAndSet(key, old, data)
		if appErr != nil {
			return nil, fmt.Errorf("store notification links %s: %w", key, appErr)
		}
		if swapped {
			return &c, nil
		}
	}
	return nil, ErrChunkBusy
}
