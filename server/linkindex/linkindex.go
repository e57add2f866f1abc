// Package linkindex keeps in memory which Mattermost accounts are linked to
// a Microsoft Entra identity, so deciding who to notify costs no lookups
// when nobody could be told.
package linkindex

import (
	"strings"
	"sync"

	"github.com/mattermost/mattermost/server/public/model"
)

// Index maps user IDs to the Entra object IDs they signed in with, for
// one tenant. It is safe for concurrent use.
type Index struct {
	mu     sync.RWMutex
	tenant string
	users  map[string]string // user ID → object ID
	others map[string]string // user ID → tenant, for links of other tenants
	// proof is, for links made from an email, the address that made
	// them: they hold only while the account keeps it ("" when the link
	// kept none, which holds for nobody).
	proof map[string]string
}

// New returns an empty index that answers for tenant.
func New(tenant string) *Index {
	return &Index{tenant: strings.ToLower(tenant), users: map[string]string{}, others: map[string]string{}, proof: map[string]string{}}
}

// Set records a link (a nil index ignores it); a link of another tenant is kept but not answered.
func (ix *Index) Set(userID, tenantID, objectID string) {
	ix.set(userID, tenantID, objectID, "", false)
}

// SetByEmail records a link made from the account's email, which holds
// only while the account keeps that address (see InForceFor).
func (ix *Index) SetByEmail(userID, tenantID, objectID, email string) {
	ix.set(userID, tenantID, objectID, email, true)
}

func (ix *Index) set(userID, tenantID, objectID, email string, byEmail bool) {
	if ix == nil {
		return
	}
	ix.mu.Lock()
	defer ix.mu.Unlock()
	if byEmail {
		ix.proof[userID] = strings.ToLower(email)
	} else {
		delete(ix.proof, userID)
	}
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

// InForceFor is the object ID an account is told at, if its link still
// stands for the account as it is now: one made from an email holds
// only while the account has that address (there is no hook for a
// changed email, so it is checked here, at use).
func (ix *Index) InForceFor(u *model.User) (string, bool) {
	if ix == nil {
		return "", false
	}
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	oid, ok := ix.users[u.Id]
	if !ok {
		return "", false
	}
	if email, byEmail := ix.proof[u.Id]; byEmail && (email == "" || !strings.EqualFold(email, u.Email)) {
		return "", false
	}
	return oid, true
}

// MadeByEmail reports whether the account's link in force was made from
// its email, and so holds only while an email may link the account.
func (ix *Index) MadeByEmail(userID string) bool {
	if ix == nil {
		return false
	}
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	_, byEmail := ix.proof[userID]
	return byEmail
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
	delete(ix.proof, userID)
}
