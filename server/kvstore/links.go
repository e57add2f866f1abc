package kvstore

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
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
	// LinkedAt is when, in Unix milliseconds; 0 if unknown.
	LinkedAt int64 `json:"at,omitempty"`
	// Sessions are the latest sessions the link signed in, so that
	// removing the link can end them.
	Sessions []string `json:"sessions,omitempty"`
}

// maxLinkSessions caps the sessions a link remembers; older ones end
// with their own expiry.
const maxLinkSessions = 20

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
	// OnUnlink, if set, hears of every link removed.
	OnUnlink func(userID string, link Link)
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

// LinkOf returns an account's link, if any.
func (l Links) LinkOf(userID string) (*Link, error) {
	data, appErr := l.KV.KVGet(userKey(userID))
	if appErr != nil {
		return nil, fmt.Errorf("read link of %s: %w", userID, appErr)
	}
	if data == nil {
		return nil, nil
	}
	var link Link
	if err := json.Unmarshal(data, &link); err != nil {
		return nil, fmt.Errorf("decode link of %s: %w", userID, err)
	}
	return &link, nil
}

// IdentityFor returns the identity linked to an account, if any.
func (l Links) IdentityFor(userID string) (*Identity, error) {
	link, err := l.LinkOf(userID)
	if err != nil || link == nil {
		return nil, err
	}
	return &link.Identity, nil
}

// Link records that an identity signs in as an account, by rule. A link
// either side had before is removed, so one identity and one account are
// only ever linked to each other.
func (l Links) Link(id Identity, userID, rule string) (Link, error) {
	id = id.normal()
	link := Link{Identity: id, Rule: rule, LinkedAt: l.now().UnixMilli()}
	if prevUser, _, err := l.UserFor(id); err != nil {
		return Link{}, err
	} else if prevUser != "" && prevUser != userID {
		if _, err := l.Unlink(prevUser); err != nil {
			return Link{}, err
		}
	}
	if prev, err := l.LinkOf(userID); err != nil {
		return Link{}, err
	} else if prev != nil && !prev.Equal(id) {
		if _, err := l.Unlink(userID); err != nil {
			return Link{}, err
		}
	}
	data, err := json.Marshal(link)
	if err != nil {
		return Link{}, fmt.Errorf("encode link: %w", err)
	}
	// The account's key first: until the identity's key names the
	// account, the link signs nobody in.
	if appErr := l.KV.KVSet(userKey(userID), data); appErr != nil {
		return Link{}, fmt.Errorf("store link: %w", appErr)
	}
	if appErr := l.KV.KVSet(identityKey(id), []byte(userID)); appErr != nil {
		return Link{}, fmt.Errorf("store link: %w", appErr)
	}
	if l.OnLink != nil {
		l.OnLink(userID, link)
	}
	return link, nil
}

// ErrLinkChanged means a link changed between reading it and adding a
// session to it: the session must not outlive a link removed meanwhile.
var ErrLinkChanged = errors.New("the link changed during sign-in")

// AddSession remembers a session the link, as just read, signed in,
// keeping the latest few. It fails with ErrLinkChanged when the stored
// link is no longer the one read, removed or replaced meanwhile.
func (l Links) AddSession(userID string, link Link, sessionID string) error {
	old, err := json.Marshal(link)
	if err != nil {
		return fmt.Errorf("encode link: %w", err)
	}
	link.Sessions = append(slices.Clone(link.Sessions), sessionID)
	if n := len(link.Sessions); n > maxLinkSessions {
		link.Sessions = link.Sessions[n-maxLinkSessions:]
	}
	data, err := json.Marshal(link)
	if err != nil {
		return fmt.Errorf("encode link: %w", err)
	}
	swapped, appErr := l.KV.KVCompareAndSet(userKey(userID), old, data)
	if appErr != nil {
		return fmt.Errorf("store link: %w", appErr)
	}
	if !swapped {
		return ErrLinkChanged
	}
	return nil
}

// Unlink removes an account's link and returns it; nil if it had none.
func (l Links) Unlink(userID string) (*Link, error) {
	link, err := l.LinkOf(userID)
	if err != nil || link == nil {
		return nil, err
	}
	// The identity's key first, so a half-done removal signs nobody in.
	data, appErr := l.KV.KVGet(identityKey(link.Identity))
	if appErr != nil {
		return nil, fmt.Errorf("read link: %w", appErr)
	}
	if string(data) == userID {
		if appErr := l.KV.KVDelete(identityKey(link.Identity)); appErr != nil {
			return nil, fmt.Errorf("remove link: %w", appErr)
		}
	}
	if appErr := l.KV.KVDelete(userKey(userID)); appErr != nil {
		return nil, fmt.Errorf("remove link: %w", appErr)
	}
	if l.OnUnlink != nil {
		l.OnUnlink(userID, *link)
	}
	return link, nil
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
		link, err := l.LinkOf(userID)
		if err != nil || link == nil {
			return err
		}
		owner, appErr := l.KV.KVGet(identityKey(link.Identity))
		if appErr != nil {
			return fmt.Errorf("read link: %w", appErr)
		}
		if string(owner) == userID {
			visit(userID, *link)
		}
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
