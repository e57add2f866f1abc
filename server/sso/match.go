// Package sso signs a person in to Mattermost from the tab: it finds the
// Mattermost account for a validated Entra identity, makes the session and
// its cookies, and decides where the frame goes next.
package sso

import (
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/mattermost/mattermost/server/public/model"

	"github.com/missioncollab/mattermost-plugin-m365/server/entra"
	"github.com/missioncollab/mattermost-plugin-m365/server/kvstore"
)

// Users is the part of the plugin API that finds accounts.
type Users interface {
	GetUser(userID string) (*model.User, *model.AppError)
	GetUserByEmail(email string) (*model.User, *model.AppError)
}

// Matcher finds the Mattermost account for an Entra identity.
type Matcher struct {
	Users Users
	Links kvstore.Links
	// ByAuthData finds an account that signs in through Entra already
	// (Office 365 or OpenID) by the object ID in its auth data; "" if none.
	ByAuthData func(objectID string) (string, error)
	// MatchEmail allows the last rule, an exact email match.
	MatchEmail bool
}

// ErrNoAccount means no usable account matches; the person must log in the
// normal way.
var ErrNoAccount = errors.New("no matching Mattermost account")

// Match is an account found for an identity and the rule that found it.
type Match struct {
	User *model.User
	Rule string
}

// Find applies the rules in order: an account linked before, an account
// that signs in through Entra, then the email, if allowed. Deactivated
// accounts and bots never match. A match is linked for next time.
func (m Matcher) Find(id *entra.Identity) (*Match, error) {
	ident := kvstore.Identity{TenantID: id.TenantID, ObjectID: id.ObjectID}
	match, err := m.find(id, ident)
	if err != nil {
		return nil, err
	}
	if match.Rule != "link" {
		if err := m.Links.Link(ident, match.User.Id); err != nil {
			return nil, err
		}
	}
	return match, nil
}

func (m Matcher) find(id *entra.Identity, ident kvstore.Identity) (*Match, error) {
	linked, err := m.Links.UserFor(ident)
	if err != nil {
		return nil, err
	}
	if linked != "" {
		// A linked account is the answer even if now unusable: never fall
		// through to another account for the same person.
		return m.usable(linked, "link")
	}
	if m.ByAuthData != nil {
		userID, err := m.ByAuthData(id.ObjectID)
		if err != nil {
			return nil, fmt.Errorf("find account by Entra object ID: %w", err)
		}
		if userID != "" {
			return m.usable(userID, "auth data")
		}
	}
	if !m.MatchEmail {
		return nil, ErrNoAccount
	}
	for _, email := range id.Emails {
		u, appErr := m.Users.GetUserByEmail(strings.ToLower(email))
		if appErr != nil {
			if appErr.StatusCode == http.StatusNotFound {
				continue
			}
			return nil, fmt.Errorf("find account by email: %w", appErr)
		}
		if !strings.EqualFold(u.Email, email) {
			continue
		}
		return checkUsable(u, "email")
	}
	return nil, ErrNoAccount
}

func (m Matcher) usable(userID, rule string) (*Match, error) {
	u, appErr := m.Users.GetUser(userID)
	if appErr != nil {
		if appErr.StatusCode == http.StatusNotFound {
			return nil, ErrNoAccount
		}
		return nil, fmt.Errorf("read account %s: %w", userID, appErr)
	}
	return checkUsable(u, rule)
}

func checkUsable(u *model.User, rule string) (*Match, error) {
	switch {
	case u.DeleteAt != 0:
		return nil, fmt.Errorf("%w: account %s (found by %s) is deactivated", ErrNoAccount, u.Id, rule)
	case u.IsBot:
		return nil, fmt.Errorf("%w: account %s (found by %s) is a bot", ErrNoAccount, u.Id, rule)
	case u.IsRemote():
		return nil, fmt.Errorf("%w: account %s (found by %s) belongs to a remote server", ErrNoAccount, u.Id, rule)
	}
	return &Match{User: u, Rule: rule}, nil
}
