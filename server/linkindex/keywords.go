package linkindex

import (
	"strings"
	"sync"

	"github.com/mattermost/mattermost/server/public/model"
)

// Keywords maps the words linked people chose to be notified for (their
// mention keywords, and their first name when they asked) to those people.
type Keywords struct {
	mu     sync.RWMutex
	byWord map[string][]string
}

// UserKeywords are a person's own mention keywords, lower case: the
// comma-separated "mention_keys", and the first name when "first_name" is
// on. @-words are usernames' business and left out.
func UserKeywords(u *model.User) []string {
	var out []string
	for _, k := range strings.Split(u.NotifyProps[model.MentionKeysNotifyProp], ",") {
		if k = strings.ToLower(strings.TrimSpace(k)); k != "" && !strings.HasPrefix(k, "@") {
			out = append(out, k)
		}
	}
	if u.NotifyProps[model.FirstNameNotifyProp] == "true" && strings.TrimSpace(u.FirstName) != "" {
		out = append(out, strings.ToLower(strings.TrimSpace(u.FirstName)))
	}
	return out
}

// Replace sets everyone's keywords at once.
func (k *Keywords) Replace(users []*model.User) {
	byWord := map[string][]string{}
	for _, u := range users {
		for _, w := range UserKeywords(u) {
			byWord[w] = append(byWord[w], u.Id)
		}
	}
	k.mu.Lock()
	k.byWord = byWord
	k.mu.Unlock()
}

// Add sets one person's keywords, keeping everyone else's.
func (k *Keywords) Add(u *model.User) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.byWord == nil {
		k.byWord = map[string][]string{}
	}
	for w, ids := range k.byWord {
		for i, id := range ids {
			if id == u.Id {
				k.byWord[w] = append(ids[:i:i], ids[i+1:]...)
				break
			}
		}
	}
	for _, w := range UserKeywords(u) {
		k.byWord[w] = append(k.byWord[w], u.Id)
	}
}

// Len is the number of distinct keywords.
func (k *Keywords) Len() int {
	k.mu.RLock()
	defer k.mu.RUnlock()
	return len(k.byWord)
}

// Lookup returns the people who chose word.
func (k *Keywords) Lookup(word string) []string {
	k.mu.RLock()
	defer k.mu.RUnlock()
	return k.byWord[word]
}
