package kvstore

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/mattermost/mattermost/server/public/model"

	"github.com/missioncollab/mattermost-plugin-m365/server/mmapi"
)

// Identity is a person's Microsoft Entra identity: tenant and object ID.
type Identity struct {
	TenantID string `json:"tid"`
	ObjectID string `json:"oid"`
}

func (id Identity) normal() Identity {
	return Identity{TenantID: strings.ToLower(id.TenantID), ObjectID: strings.ToLower(id.ObjectID)}
}

// Equal reports whether two identities name the same person.
func (id Identity) Equal(o Identity) bool { return id.normal() == o.normal() }

// How a link came to be. The rule decides whether the link is trusted
// when the settings change: a link made by email alone is trusted only
// while email matching is on.
const (
	// RuleEmail: an exact email match on an account whose email proves
	// the person.
	RuleEmail = "email"
	// RuleAuthData: the account signs in through Entra already, with this
	// object ID.
	RuleAuthData = "auth data"
	// RuleConfirmed: the person signed in to Mattermost in the host's popup
	// and confirmed the link there.
	RuleConfirmed = "confirmed"
	// RuleNotifyAuthData and RuleNotifyDirectory make notification links,
	// for people who never opened the app: by the Entra object ID their
	// account signs in with, or by their proven email naming exactly one
	// member of the directory. They route notifications and never sign
	// anyone in.
	RuleNotifyAuthData  = "notify: auth data"
	RuleNotifyDirectory = "notify: directory email"
)

// Link is one account's link to an Entra identity.
type Link struct {
	Identity
	// Rule is how the link was made; "" for links stored before rules
	// were kept, which count as RuleEmail.
	Rule string `json:"rule,omitempty"`
	// Email is, for a link made by email, the address that proved it,
	// lower-cased: the link holds only while the account still has it.
	// "" on links made before it was kept, which hold only once an email
	// proves them again.
	Email string `json:"email,omitempty"`
	// By is who made the link: the Mattermost user ID of the person who
	// confirmed it, or ByMatch for the sign-in's own rules.
	By string `json:"by,omitempty"`
	// LinkedAt is when, in Unix milliseconds; 0 if unknown.
	LinkedAt int64 `json:"at,omitempty"`
	// Sessions are sessions links stored before sessions were found by
	// their own marks; removing the link still ends them.
	Sessions []string `json:"sessions,omitempty"`
}

// Who made or removed a link, when no person did.
const (
	ByMatch   = "sign-in"
	ByReplace = "replaced by a new link"
	ByReach   = "reach job"
)

// EmailStillProves reports whether a link made by email still holds for
// an account whose email is now email: the address that made it must
// still be the account's. Links made by other rules do not depend on it.
func (l Link) EmailStillProves(email string) bool {
	if l.MadeBy() != RuleEmail {
		return true
	}
	return l.Email != "" && strings.EqualFold(l.Email, email)
}

// MadeBy is the link's rule, with links of unknown origin read as made
// by email, the weakest rule.
func (l Link) MadeBy() string {
	if l.Rule == "" {
		return RuleEmail
	}
	return l.Rule
}

// SignsIn reports whether the link may sign its person in: a
// notification link never does, whatever the settings.
func (l Link) SignsIn() bool {
	rule := l.MadeBy()
	return rule != RuleNotifyAuthData && rule != RuleNotifyDirectory
}

// Trusted reports whether the link may sign the person in and route
// their notifications under the settings in force.
func (l Link) Trusted(matchEmail bool) bool {
	return matchEmail || l.MadeBy() != RuleEmail
}

// Links remembers which Mattermost account an Entra identity signs in as,
// both ways: sign-in looks up the account, notifications the identity.
// The two keys are written apart, so a reader trusts an identity's key
// only when the account's key names the identity back.
type Links struct {
	KV mmapi.KV
	// OnLink, if set, hears of every link made.
	OnLink func(userID string, link Link)
	// OnUnlink, if set, hears of every link removed, and who removed it,
	// between the identity's key going and the account's: it ends what
	// the link signed in. If it fails, the account's key stays, so that
	// the link, which signs nobody in any more, can be removed again.
	OnUnlink func(userID string, link Link, by string) error
	// Now is the clock; time.Now if nil.
	Now func() time.Time
}

func identityKey(id Identity) string {
	id = id.normal()
	return "link_entra_" + id.TenantID + "_" + id.ObjectID
}

const userKeyPrefix = "link_user_"

func userKey(userID string) string { return userKeyPrefix + userID }

// UserFor returns the account linked to an identity and the link, or ""
// when there is none or its two keys disagree.
func (l Links) UserFor(id Identity) (string, *Link, error) {
	data, appErr := l.KV.KVGet(identityKey(id))
	if appErr != nil {
		return "", nil, fmt.Errorf("read link: %w", appErr)
	}
	if len(data) == 0 {
		return "", nil, nil
	}
	userID := string(data)
	link, err := l.LinkOf(userID)
	if err != nil {
		return "", nil, err
	}
	if link == nil || !link.Equal(id) {
		return "", nil, nil
	}
	return userID, link, nil
}

// HeldLinkOf is the account's link if its identity names the account
// back: a link half written or half removed is none.
func (l Links) HeldLinkOf(userID string) (*Link, error) {
	link, err := l.LinkOf(userID)
	if err != nil || link == nil {
		return nil, err
	}
	owner, appErr := l.KV.KVGet(identityKey(link.Identity))
	if appErr != nil {
		return nil, fmt.Errorf("read link: %w", appErr)
	}
	if string(owner) != userID {
		return nil, nil
	}
	return link, nil
}

// LinkOf returns an account's link, if any.
func (l Links) LinkOf(userID string) (*Link, error) {
	data, appErr := l.KV.KVGet(userKey(userID))
	if appErr != nil {
		return nil, fmt.Errorf("read link of %s: %w", userID, appErr)
	}
	return decodeLink(userID, data)
}

// IdentityFor returns the identity linked to an account, if any.
func (l Links) IdentityFor(userID string) (*Identity, error) {
	link, err := l.LinkOf(userID)
	if err != nil || link == nil {
		return nil, err
	}
	return &link.Identity, nil
}

// Link records that an identity signs in as an account, by rule; see
// Put.
func (l Links) Link(id Identity, userID, rule string) (Link, error) {
	link, _, err := l.Put(userID, Link{Identity: id, Rule: rule, By: ByMatch})
	return link, err
}

// maxLinkAttempts bounds the compare-and-set retries of one Put: each
// retry means another server or request changed the same link meanwhile.
const maxLinkAttempts = 8

// ErrLinkBusy means a link kept changing under Put.
var ErrLinkBusy = errors.New("the link kept changing; try again")

// Put links want's identity to an account. A link either side had to
// someone else is removed first, so one identity and one account are only
// ever linked to each other. It is idempotent under concurrency: the
// account's key is written by compare-and-set, so of many requests
// linking the same pair at once one makes the link (made is true for it
// alone) and the others return the stored link.
func (l Links) Put(userID string, want Link) (link Link, made bool, err error) {
	want.Identity = want.Identity.normal()
	want.Email = strings.ToLower(want.Email)
	want.Sessions = nil
	if want.LinkedAt == 0 {
		want.LinkedAt = l.now().UnixMilli()
	}
	for attempt := 0; attempt < maxLinkAttempts; attempt++ {
		link, made, done, err := l.put(userID, want)
		if err != nil || done {
			return link, made, err
		}
	}
	return Link{}, false, ErrLinkBusy
}

// put is one attempt of Put; done is false when another request changed
// either key meanwhile and Put must read them again.
func (l Links) put(userID string, want Link) (link Link, made, done bool, err error) {
	if prevUser, prevData, err := l.ownerOf(want.Identity); err != nil {
		return Link{}, false, false, err
	} else if prevUser != "" && prevUser != userID {
		return Link{}, false, false, l.removeIfUnchanged(prevUser, prevData, ByReplace)
	}
	oldData, appErr := l.KV.KVGet(userKey(userID))
	if appErr != nil {
		return Link{}, false, false, fmt.Errorf("read link of %s: %w", userID, appErr)
	}
	prev, err := decodeLink(userID, oldData)
	if err != nil {
		return Link{}, false, false, err
	}
	if prev != nil && !prev.Equal(want.Identity) {
		return Link{}, false, false, l.removeIfUnchanged(userID, oldData, ByReplace)
	}
	if prev != nil && prev.MadeBy() == want.MadeBy() && prev.Email == want.Email {
		// Already so: only the identity's key may be missing, if the
		// request that made the link has not written it yet.
		ok, err := l.claimIdentity(want.Identity, userID)
		return *prev, false, ok, err
	}
	data, err := json.Marshal(want)
	if err != nil {
		return Link{}, false, false, fmt.Errorf("encode link: %w", err)
	}
	// The account's key first: until the identity's key names the
	// account, the link signs nobody in.
	swapped, appErr := l.KV.KVCompareAndSet(userKey(userID), oldData, data)
	if appErr != nil {
		return Link{}, false, false, fmt.Errorf("store link: %w", appErr)
	}
	if !swapped {
		return Link{}, false, false, nil
	}
	if ok, err := l.claimIdentity(want.Identity, userID); err != nil || !ok {
		return Link{}, false, false, err
	}
	if l.OnLink != nil {
		l.OnLink(userID, want)
	}
	return want, true, true, nil
}

// ownerOf is the account whose link the identity's key names, with that
// link as stored, when both keys agree.
func (l Links) ownerOf(id Identity) (string, []byte, error) {
	owner, appErr := l.KV.KVGet(identityKey(id))
	if appErr != nil {
		return "", nil, fmt.Errorf("read link: %w", appErr)
	}
	if len(owner) == 0 {
		return "", nil, nil
	}
	data, appErr := l.KV.KVGet(userKey(string(owner)))
	if appErr != nil {
		return "", nil, fmt.Errorf("read link of %s: %w", owner, appErr)
	}
	link, err := decodeLink(string(owner), data)
	if err != nil || link == nil || !link.Equal(id) {
		return "", nil, err
	}
	return string(owner), data, nil
}

// claimIdentity writes the identity's key for the account unless it
// names another account: never over someone else's link.
func (l Links) claimIdentity(id Identity, userID string) (bool, error) {
	ok, appErr := l.KV.KVCompareAndSet(identityKey(id), nil, []byte(userID))
	if appErr != nil {
		return false, fmt.Errorf("store link: %w", appErr)
	}
	if ok {
		return true, nil
	}
	owner, appErr := l.KV.KVGet(identityKey(id))
	if appErr != nil {
		return false, fmt.Errorf("read link: %w", appErr)
	}
	return string(owner) == userID, nil
}

// ErrLinkChanged means a link was removed or replaced while a sign-in
// through it was making a session.
var ErrLinkChanged = errors.New("the link changed during sign-in")

// Holds reports whether the link still signs the identity in as the
// account, both keys agreeing. A sign-in asks after making its session:
// a removal deletes the identity's key before it ends the account's
// sessions, and the account's key after, so either the removal finds the
// new session or the sign-in finds the link gone.
func (l Links) Holds(id Identity, userID string) (bool, error) {
	owner, _, err := l.ownerOf(id)
	return owner == userID, err
}

func decodeLink(userID string, data []byte) (*Link, error) {
	if data == nil {
		return nil, nil
	}
	var link Link
	if err := json.Unmarshal(data, &link); err != nil {
		return nil, fmt.Errorf("decode link of %s: %w", userID, err)
	}
	return &link, nil
}

// Unlink removes an account's link and returns it; nil if it had none.
func (l Links) Unlink(userID string) (*Link, error) { return l.UnlinkBy(userID, "") }

// UnlinkBy is Unlink, naming who removed the link to the listener.
func (l Links) UnlinkBy(userID, by string) (*Link, error) {
	data, appErr := l.KV.KVGet(userKey(userID))
	if appErr != nil {
		return nil, fmt.Errorf("read link of %s: %w", userID, appErr)
	}
	link, err := decodeLink(userID, data)
	if err != nil || link == nil {
		return nil, err
	}
	return link, l.remove(userID, data, link, by)
}

// removeIfUnchanged removes the account's link if it is still the one
// read as data: a request replacing a link never removes the new link
// that another request made meanwhile.
func (l Links) removeIfUnchanged(userID string, data []byte, by string) error {
	link, err := decodeLink(userID, data)
	if err != nil || link == nil {
		return err
	}
	return l.remove(userID, data, link, by)
}

// remove takes a link out in the order that keeps every step safe: the
// identity's key first, so the link signs nobody in; then the listener
// ends what it signed in; then the account's key, only if it is still the
// link read, so a link made meanwhile stays.
func (l Links) remove(userID string, data []byte, link *Link, by string) error {
	owner, appErr := l.KV.KVGet(identityKey(link.Identity))
	if appErr != nil {
		return fmt.Errorf("read link: %w", appErr)
	}
	if string(owner) == userID {
		if _, appErr := l.KV.KVCompareAndSet(identityKey(link.Identity), owner, nil); appErr != nil {
			return fmt.Errorf("remove link: %w", appErr)
		}
	}
	if l.OnUnlink != nil {
		if err := l.OnUnlink(userID, *link, by); err != nil {
			return fmt.Errorf("the link of %s signs nobody in, but ending what it signed in failed; remove it again: %w", userID, err)
		}
	}
	if _, appErr := l.KV.KVCompareAndSet(userKey(userID), data, nil); appErr != nil {
		return fmt.Errorf("remove link: %w", appErr)
	}
	return nil
}

func (l Links) now() time.Time {
	if l.Now != nil {
		return l.Now()
	}
	return time.Now()
}

// Lister pages through every key of the plugin's KV store.
type Lister interface {
	KVList(page, perPage int) ([]string, *model.AppError)
}

// Each calls visit with every stored link, account first; an account key
// whose identity's key names another account is skipped.
func (l Links) Each(list Lister, visit func(userID string, link Link)) error {
	return eachWithPrefix(list, userKeyPrefix, func(userID string) error {
		link, err := l.HeldLinkOf(userID)
		if err != nil || link == nil {
			return err
		}
		visit(userID, *link)
		return nil
	})
}

// eachWithPrefix calls visit with the rest of every stored key that
// starts with prefix, a page of keys at a time, stopping at an error.
func eachWithPrefix(list Lister, prefix string, visit func(rest string) error) error {
	const perPage = 1000
	for page := 0; ; page++ {
		keys, appErr := list.KVList(page, perPage)
		if appErr != nil {
			return fmt.Errorf("list stored keys: %w", appErr)
		}
		for _, key := range keys {
			if rest, ok := strings.CutPrefix(key, prefix); ok {
				if err := visit(rest); err != nil {
					return err
				}
			}
		}
		if len(keys) < perPage {
			return nil
		}
	}
}
