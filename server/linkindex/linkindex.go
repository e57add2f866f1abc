// Package linkindex keeps in memory which Mattermost accounts are linked to
// a Microsoft Entra identity, so deciding who to notify costs no lookups
// when nobody could be told.
package linkindex

import (
	"strings"
	"sync"
)

// Index maps user IDs to the Entra object IDs they signed in with, for
// one tenant. It is safe for concurrent use.
type Index struct {
	mu     sync.RWMutex
	tenant string
	users  map[string]string // user ID → object ID
	others map[string]string // user ID → tenant, for links of other tenants
}

// New returns an empty index that answers for tenant.
func New(tenant string) *Index {
	return &Index{tenant: strings.ToLower(tenant), users: map[string]string{}, others: map[string]string{}}
}

// Set records a link (a nil index ignores it); a link of another tenant is kept but not answered.
func (ix *Index) Set(userID, tenantID, objectID string) {
	if ix == nil {
		return
	}
	ix.mu.Lock()
	defer ix.mu.Unlock()
	if strings.EqualFold(tenantID, ix.tenant) {
		ix.users[userID] = strings.ToLower(objectID)
		delete(ix.others, userID)
		return
	}
	delete(ix.users, userID)
	ix.others[userID] = tenantID
}

// Lookup returns the object ID a user is linked to in the index's tenant.
func (ix *Index) Lookup(userID string) (string, bool) {
	if ix == nil {
		return "", false
	}
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	oid, ok := ix.users[userID]
	return oid, ok
}

// Len is the number of linked users in the index's tenant.
func (ix *Index) Len() int {
	if ix == nil {
		return 0
	}
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	return len(ix.users)
}

// UserIDs is every linked user in the index's tenant, in no order.
func (ix *Index) UserIDs() []string {
	if ix == nil {
		return nil
	}
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	out := make([]string, 0, len(ix.users))
	for id := range ix.users {
		out = append(out, id)
	}
	return out
}

// Remove forgets a user's link, whatever its tenant (a nil index ignores it).
func (ix *Index) Remove(userID string) {
	if ix == nil {
		return
	}
	ix.mu.Lock()
	defer ix.mu.Unlock()
	delete(ix.users, userID)
	delete(ix.others, userID)
}
