package kvstore

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/mattermost/mattermost/server/public/model"
)

// Identity is a person's Microsoft Entra identity: tenant and object ID.
type Identity struct {
	TenantID string `json:"tid"`
	ObjectID string `json:"oid"`
}

// Links remembers which Mattermost account an Entra identity signed in as,
// both ways: sign-in looks up the account, notifications the identity.
type Links struct {
	KV KV
	// OnLink, if set, hears of every link made.
	OnLink func(userID string, id Identity)
}

func identityKey(id Identity) string {
	return "link_entra_" + strings.ToLower(id.TenantID) + "_" + strings.ToLower(id.ObjectID)
}

func userKey(userID string) string { return "link_user_" + userID }

// UserFor returns the account linked to an identity, or "".
func (l Links) UserFor(id Identity) (string, error) {
	data, appErr := l.KV.KVGet(identityKey(id))
	if appErr != nil {
		return "", fmt.Errorf("read link: %w", appErr)
	}
	return string(data), nil
}

// IdentityFor returns the identity linked to an account, if any.
func (l Links) IdentityFor(userID string) (*Identity, error) {
	data, appErr := l.KV.KVGet(userKey(userID))
	if appErr != nil {
		return nil, fmt.Errorf("read link: %w", appErr)
	}
	if data == nil {
		return nil, nil
	}
	var id Identity
	if err := json.Unmarshal(data, &id); err != nil {
		return nil, fmt.Errorf("decode link of %s: %w", userID, err)
	}
	return &id, nil
}

// Link records that an identity signs in as an account.
func (l Links) Link(id Identity, userID string) error {
	id.TenantID, id.ObjectID = strings.ToLower(id.TenantID), strings.ToLower(id.ObjectID)
	data, err := json.Marshal(id)
	if err != nil {
		return fmt.Errorf("encode link: %w", err)
	}
	if appErr := l.KV.KVSet(identityKey(id), []byte(userID)); appErr != nil {
		return fmt.Errorf("store link: %w", appErr)
	}
	if appErr := l.KV.KVSet(userKey(userID), data); appErr != nil {
		return fmt.Errorf("store link: %w", appErr)
	}
	if l.OnLink != nil {
		l.OnLink(userID, id)
	}
	return nil
}

// Lister pages through every key of the plugin's KV store.
type Lister interface {
	KVList(page, perPage int) ([]string, *model.AppError)
}

// Each calls visit with every stored link, account first.
func (l Links) Each(list Lister, visit func(userID string, id Identity)) error {
	const perPage = 1000
	for page := 0; ; page++ {
		keys, appErr := list.KVList(page, perPage)
		if appErr != nil {
			return fmt.Errorf("list stored keys: %w", appErr)
		}
		for _, key := range keys {
			userID, ok := strings.CutPrefix(key, "link_user_")
			if !ok {
				continue
			}
			id, err := l.IdentityFor(userID)
			if err != nil {
				return err
			}
			if id != nil {
				visit(userID, *id)
			}
		}
		if len(keys) < perPage {
			return nil
		}
	}
}
