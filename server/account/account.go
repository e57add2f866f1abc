// Package account holds the rules about Mattermost accounts that several
// parts of the plugin apply: which accounts can be reached at all, and
// whose email address proves who owns it.
package account

import (
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/mattermost/mattermost/server/public/model"
)

// Unreachable says why an account can be neither signed in to nor
// notified ("" when it can): deactivated, a bot, or another server's.
func Unreachable(u *model.User) string {
	switch {
	case u.DeleteAt != 0:
		return "is deactivated"
	case u.IsBot:
		return "is a bot"
	case u.IsRemote():
		return "belongs to a remote server"
	}
	return ""
}

// Accounts whose email comes from the organisation's own directory: their
// owners cannot change it. Office 365 and OpenID accounts are not among
// them: Mattermost may let any Entra tenant sign up, whose admin can give
// anyone's address to an account there. They are reached by their Entra
// object ID only.
var providerEmail = []string{model.UserAuthServiceLdap, model.UserAuthServiceSaml}

// EmailUnproven says why an account's email does not prove who owns it
// ("" when it does): only an address the directory set, or one the owner
// verified on an account with a password, does.
func EmailUnproven(u *model.User) string {
	if u.IsSSOUser() && !slices.Contains(providerEmail, u.AuthService) {
		return "signs in through " + u.AuthService + ", whose email Mattermost does not vouch for"
	}
	if !u.EmailVerified && !slices.Contains(providerEmail, u.AuthService) {
		return "has an email address that is not verified"
	}
	return ""
}

// EntraObjectID is the Entra object ID an account that signs in through
// Entra (Office 365, or OpenID with Entra) carries as its auth data; ""
// for any other account.
func EntraObjectID(u *model.User) string {
	if (u.AuthService == model.ServiceOffice365 || u.AuthService == model.ServiceOpenid) && u.AuthData != nil {
		return *u.AuthData
	}
	return ""
}

// Grants answers whether any of the roles grants a permission: the plugin
// API's RolesGrantPermission, the check Mattermost's own HasPermissionTo
// makes with an account's system roles.
type Grants func(roles []string, permissionID string) bool

// Roles that may manage the system or other people's accounts by name,
// whatever their permissions say today.
var managingRoles = []string{model.SystemAdminRoleId, model.SystemManagerRoleId, model.SystemUserManagerRoleId, model.SystemReadOnlyAdminRoleId}

// MayManage reports whether an account may manage the system or other
// people's accounts: by one of the roles made for it, or by any role an
// admin gave those permissions.
func MayManage(u *model.User, grants Grants) bool {
	roles := strings.Fields(u.Roles)
	for _, role := range roles {
		if slices.Contains(managingRoles, role) {
			return true
		}
	}
	return grants(roles, model.PermissionManageSystem.Id) || grants(roles, model.PermissionEditOtherUsers.Id)
}

// EmailMayNotLink says why an email address alone must never link an
// account to a Microsoft identity ("" when it may): sign-in by email and
// the reach job's directory lookup both apply it, so that neither can
// reach an account the other refuses. Whoever owns such an account links
// it through their own Mattermost login.
func EmailMayNotLink(u *model.User, grants Grants) string {
	if why := Unreachable(u); why != "" {
		return why
	}
	if u.MfaActive {
		return "has multi-factor authentication on"
	}
	if MayManage(u, grants) {
		return "may manage the system or other accounts"
	}
	return EmailUnproven(u)
}

// GrantCache answers Grants through Ask, remembering each answer for TTL
// (for as long as the cache lives, when TTL is 0): accounts share a
// handful of role sets, and each question is a round trip to the server.
type GrantCache struct {
	Ask Grants
	TTL time.Duration
	// Now is the clock; time.Now if nil.
	Now func() time.Time

	mu    sync.Mutex
	known map[string]grant
}

type grant struct {
	granted bool
	at      time.Time
}

// maxCachedGrants bounds the answers kept; past it the cache starts over.
const maxCachedGrants = 1000

// Grants is Ask's answer, asked at most once per TTL.
func (c *GrantCache) Grants(roles []string, permissionID string) bool {
	key := strings.Join(roles, " ") + "\x00" + permissionID
	now := time.Now
	if c.Now != nil {
		now = c.Now
	}
	at := now()
	c.mu.Lock()
	g, ok := c.known[key]
	c.mu.Unlock()
	if ok && (c.TTL == 0 || at.Sub(g.at) < c.TTL) {
		return g.granted
	}
	granted := c.Ask(roles, permissionID)
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.known == nil || len(c.known) >= maxCachedGrants {
		c.known = map[string]grant{}
	}
	c.known[key] = grant{granted: granted, at: at}
	return granted
}
