// Package sso signs a person in to Mattermost from the tab: it finds the
// Mattermost account for a validated Entra identity, links the two when a
// person confirms it with their own Mattermost login, makes the session
// and its cookies, and decides where the frame goes next.
package sso

import (
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/mattermost/mattermost/server/public/model"

	"github.com/missioncollab/mattermost-plugin-m365/server/account"
	"github.com/missioncollab/mattermost-plugin-m365/server/entra"
	"github.com/missioncollab/mattermost-plugin-m365/server/kvstore"
	"github.com/missioncollab/mattermost-plugin-m365/server/mmapi"
)

// Users is the part of the plugin API that finds accounts and their
// permissions.
type Users interface {
	mmapi.Users
	GetUserByEmail(email string) (*model.User, *model.AppError)
	RolesGrantPermission(roleNames []string, permissionID string) bool
}

// Matcher finds the Mattermost account for an Entra identity.
type Matcher struct {
	Users Users
	Links kvstore.Links
	// ByAuthData finds an account that signs in through Entra already
	// (Office 365 or OpenID) by the object ID in its auth data; "" if none.
	ByAuthData func(objectID string) (string, error)
	// MatchEmail allows an exact email match, on accounts whose email
	// proves the person.
	MatchEmail bool
	// Grants answers whether roles grant a permission; the plugin API's
	// own answer when nil.
	Grants account.Grants
}

// ErrNoAccount means no account may be signed in to for this identity;
// the person logs in the normal way, or links through their own login.
var ErrNoAccount = errors.New("no matching Mattermost account")

// Rules as a Match names them.
const (
	RuleLink     = "link"
	RuleAuthData = kvstore.RuleAuthData
	RuleEmail    = kvstore.RuleEmail
)

// Match is an account found for an identity and the rule that found it.
type Match struct {
	User *model.User
	Rule string
	// Link is the link that found it, or the link made for it.
	Link kvstore.Link
	// NewLink is true when this match made the link.
	NewLink bool
}

// Find applies the rules in order: a trusted link, an account that signs
// in through Entra, then the email, if allowed. A match by the last two
// is linked for next time.
func (m Matcher) Find(id *entra.Identity) (*Match, error) {
	ident := kvstore.Identity{TenantID: id.TenantID, ObjectID: id.ObjectID}
	match, err := m.find(id, ident)
	if err != nil {
		return nil, err
	}
	if match.Rule != RuleLink {
		want := kvstore.Link{Identity: ident, Rule: match.Rule, By: kvstore.ByMatch}
		if match.Rule == RuleEmail {
			want.Email = match.User.Email
		}
		link, made, err := m.Links.Put(match.User.Id, want)
		if err != nil {
			return nil, err
		}
		match.Link, match.NewLink = link, made
	}
	return match, nil
}

func (m Matcher) find(id *entra.Identity, ident kvstore.Identity) (*Match, error) {
	linked, link, err := m.Links.UserFor(ident)
	if err != nil {
		return nil, err
	}
	// A notification link is no answer here: sign-in finds the account by
	// its own rules, and links it anew if they allow.
	if linked != "" && link.Trusted(m.MatchEmail) && link.SignsIn() {
		// A linked account is the answer even if now unusable: never fall
		// through to another account for the same person.
		u, err := m.user(linked, RuleLink)
		if err != nil {
			return nil, err
		}
		if link.MadeBy() != kvstore.RuleEmail {
			return &Match{User: u, Rule: RuleLink, Link: *link}, nil
		}
		// Only the email vouched for this link, so it holds only while
		// the account is one an email may reach and still has the
		// address that made it. Otherwise the link waits, and the email
		// is asked again below. The link itself is the object ID's, which
		// outlives an address renamed in Entra.
		if err := m.emailProves(u, id, ident, RuleLink, link); err != nil {
			return nil, err
		}
		if link.EmailStillProves(u.Email) {
			return &Match{User: u, Rule: RuleLink, Link: *link}, nil
		}
	}
	if m.ByAuthData != nil {
		userID, err := m.ByAuthData(id.ObjectID)
		if err != nil {
			return nil, fmt.Errorf("find account by Entra object ID: %w", err)
		}
		if userID != "" {
			u, err := m.user(userID, RuleAuthData)
			if err != nil {
				return nil, err
			}
			return &Match{User: u, Rule: RuleAuthData}, nil
		}
	}
	return m.byEmail(id, ident)
}

func (m Matcher) byEmail(id *entra.Identity, ident kvstore.Identity) (*Match, error) {
	if !m.MatchEmail {
		return nil, fmt.Errorf("%w: no link, and email matching is off", ErrNoAccount)
	}
	if id.Guest {
		// A guest's email is set in another directory, or by the guest.
		return nil, fmt.Errorf("%w: the token is a guest's, and guests are never matched by email", ErrNoAccount)
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
		linked, err := m.Links.LinkOf(u.Id)
		if err != nil {
			return nil, err
		}
		if err := m.emailProves(u, id, ident, RuleEmail, linked); err != nil {
			return nil, err
		}
		return &Match{User: u, Rule: RuleEmail}, nil
	}
	return nil, fmt.Errorf("%w: no account has the token's email", ErrNoAccount)
}

// emailProves refuses an account an email match alone must never reach;
// linked is the account's link, if any.
func (m Matcher) emailProves(u *model.User, id *entra.Identity, ident kvstore.Identity, rule string, linked *kvstore.Link) error {
	refuse := func(why string) error {
		return fmt.Errorf("%w: account %s (found by %s) %s; its owner links it through their own Mattermost login", ErrNoAccount, u.Id, rule, why)
	}
	if err := usable(u, rule); err != nil {
		return err
	}
	if id.Guest {
		return refuse("was matched by email for a guest")
	}
	grants := m.Grants
	if grants == nil {
		grants = m.Users.RolesGrantPermission
	}
	if why := account.EmailMayNotLink(u, grants); why != "" {
		return refuse(why)
	}
	if linked != nil && !linked.Equal(ident) {
		return refuse("is linked to another Microsoft account")
	}
	return nil
}

// user reads an account that may be signed in to at all.
func (m Matcher) user(userID, rule string) (*model.User, error) {
	u, appErr := m.Users.GetUser(userID)
	if appErr != nil {
		if appErr.StatusCode == http.StatusNotFound {
			return nil, fmt.Errorf("%w: account %s (found by %s) does not exist", ErrNoAccount, userID, rule)
		}
		return nil, fmt.Errorf("read account %s: %w", userID, appErr)
	}
	if err := usable(u, rule); err != nil {
		return nil, err
	}
	return u, nil
}

func usable(u *model.User, rule string) error {
	if why := account.Unreachable(u); why != "" {
		return fmt.Errorf("%w: account %s (found by %s) %s", ErrNoAccount, u.Id, rule, why)
	}
	return nil
}
