// Package reach decides, for a Mattermost account that never opened the
// Teams app, which Microsoft Entra identity its notifications may go to.
// What it finds is a notification link: it routes notifications and never
// signs anyone in, which keeps its own rules.
package reach

import (
	"strings"

	"github.com/mattermost/mattermost/server/public/model"

	"github.com/missioncollab/mattermost-plugin-m365/server/account"
	"github.com/missioncollab/mattermost-plugin-m365/server/graph"
	"github.com/missioncollab/mattermost-plugin-m365/server/kvstore"
)

// Plan is how an account's identity is found: ObjectID when the account
// carries it, Email when the directory must be asked, or Skip with why
// neither may be used.
type Plan struct {
	ObjectID string
	Email    string
	Skip     string
}

// PlanFor is how to find u's identity without u. An email is asked about
// only for an account that sign-in would match by email too
// (account.EmailMayNotLink): never one that may manage the system, has
// MFA on, or whose email does not prove its owner; those people link
// themselves once.
func PlanFor(u *model.User, grants account.Grants) Plan {
	if why := account.Unreachable(u); why != "" {
		return Plan{Skip: "the account " + why}
	}
	if oid := account.EntraObjectID(u); oid != "" {
		return Plan{ObjectID: strings.ToLower(oid)}
	}
	if why := account.EmailMayNotLink(u, grants); why != "" {
		return Plan{Skip: "the account " + why}
	}
	if u.Email == "" {
		return Plan{Skip: "the account has no email address"}
	}
	return Plan{Email: strings.ToLower(u.Email)}
}

// Choose is the person an email names in the directory: exactly one
// enabled member whose mail or user principal name it is, or why not.
func Choose(email string, l graph.UserLookup) (objectID, skip string) {
	if l.Err != nil {
		return "", "the directory could not be read: " + l.Err.Error()
	}
	var found []graph.DirectoryUser
	for _, u := range l.Users {
		if strings.EqualFold(u.Mail, email) || strings.EqualFold(u.UserPrincipalName, email) {
			found = append(found, u)
		}
	}
	switch {
	case len(found) == 0:
		return "", "no one in the directory has this email"
	case len(found) > 1:
		return "", "more than one person in the directory has this email"
	case found[0].Guest():
		return "", "the directory's person with this email is a guest"
	case !found[0].Enabled():
		return "", "the directory's person with this email cannot sign in"
	}
	return strings.ToLower(found[0].ID), ""
}

// NotifyLinkHolds reports whether a notification link still stands for
// the account as it is now: a link made from the directory's answer
// about an email holds only while the account keeps that address and
// may still be reached by email.
func NotifyLinkHolds(l kvstore.NotifyLink, u *model.User, grants account.Grants) bool {
	if account.Unreachable(u) != "" {
		return false
	}
	if l.Rule != kvstore.RuleNotifyDirectory {
		return true
	}
	return l.EmailStillProves(u.Email) && account.EmailMayNotLink(u, grants) == ""
}
