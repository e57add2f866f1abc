// Package linkcmd is the /m365 slash command, where a person sees and
// removes the link between their Mattermost account and their Microsoft
// account, and a system admin anyone's.
package linkcmd

import (
	"fmt"
	"strings"
	"time"

	"github.com/mattermost/mattermost/server/public/model"

	"github.com/missioncollab/mattermost-plugin-m365/server/kvstore"
	"github.com/missioncollab/mattermost-plugin-m365/server/linkindex"
	"github.com/missioncollab/mattermost-plugin-m365/server/slash"
)

// Trigger is the command's name.
const Trigger = "m365"

// API is the part of the plugin API the command uses.
type API interface {
	GetUserByUsername(name string) (*model.User, *model.AppError)
	HasPermissionTo(userID string, permission *model.Permission) bool
}

// Links reads and removes links.
type Links interface {
	LinkOf(userID string) (*kvstore.Link, error)
	UnlinkBy(userID, by string) (*kvstore.Link, error)
}

// NotifyLinks reads and removes notification links, made for people
// who had not opened the app.
type NotifyLinks interface {
	NotifyLinkOf(userID string) (linkindex.NotifyEntry, bool)
	RemoveNotifyLink(userID string, at int64) (*kvstore.NotifyLink, error)
}

// Command runs /m365.
type Command struct {
	API         API
	Links       Links
	NotifyLinks NotifyLinks
	// MatchEmail reports whether email matching is on, which decides
	// whether a link made by email is in force.
	MatchEmail func() bool
	// Unlinked records the removal of a notification link for the audit;
	// the link store records that of a sign-in link.
	Unlinked func(userID string, link kvstore.Link, actorID string)
}

// Definition registers the command.
func Definition() *model.Command {
	return slash.Define(Trigger, "Microsoft 365",
		"See or remove the link between your Mattermost account and your Microsoft account.",
		"See or remove your Microsoft account link: link, unlink (admins: link @user, unlink @user)",
		"[link|unlink] [@user]")
}

const usage = "Use `/m365 link` to see which Microsoft account signs you in, `/m365 unlink` to remove it. " +
	"System admins may add `@username` to see or remove someone else's."

// Execute runs one invocation.
func (c Command) Execute(args *model.CommandArgs) *model.CommandResponse {
	fields := strings.Fields(args.Command)
	if len(fields) < 2 || len(fields) > 3 || (fields[1] != "link" && fields[1] != "unlink") {
		return slash.Reply(usage)
	}
	target, name := args.UserId, "Your account"
	if len(fields) == 3 {
		if !c.API.HasPermissionTo(args.UserId, model.PermissionManageSystem) {
			return slash.Reply("Only system admins can see or remove someone else's Microsoft account link.")
		}
		username := strings.TrimPrefix(fields[2], "@")
		u, appErr := c.API.GetUserByUsername(username)
		if appErr != nil {
			return slash.Reply(fmt.Sprintf("There is no account @%s.", slash.Quote(username)))
		}
		target, name = u.Id, "@"+u.Username
	}
	if fields[1] == "unlink" {
		return c.unlink(target, name, args.UserId)
	}
	return c.show(target, name)
}

func (c Command) show(userID, name string) *model.CommandResponse {
	link, err := c.Links.LinkOf(userID)
	if err != nil {
		return slash.Reply("Reading the link failed; try again.")
	}
	notifyLink, hasNotifyLink := c.NotifyLinks.NotifyLinkOf(userID)
	hasNotifyLink = hasNotifyLink && notifyLink.Removed == 0
	if link == nil && !hasNotifyLink {
		return slash.Reply(name + " is not linked to a Microsoft account.")
	}
	if link == nil {
		msg := fmt.Sprintf("%s has a notification link to the Microsoft account with object ID `%s`, %s, on %s.",
			name, notifyLink.ObjectID, madeBy(notifyLink.Rule), time.UnixMilli(notifyLink.At).UTC().Format("2 January 2006 at 15:04 UTC"))
		if notifyLink.Installed != 0 {
			msg += " The Teams app was installed for it."
		}
		return slash.Reply(msg + " `/m365 unlink` removes it, and it is not made again.")
	}
	msg := fmt.Sprintf("%s is linked to the Microsoft account with object ID `%s` in tenant `%s`, %s",
		name, link.ObjectID, link.TenantID, madeBy(link.MadeBy()))
	if link.LinkedAt > 0 {
		msg += ", on " + time.UnixMilli(link.LinkedAt).UTC().Format("2 January 2006 at 15:04 UTC")
	}
	msg += "."
	if !link.Trusted(c.MatchEmail()) {
		msg += " It signs nobody in while email matching is off; linking again through the tab makes it last."
	}
	return slash.Reply(msg)
}

func (c Command) unlink(userID, name, actorID string) *model.CommandResponse {
	// The link store records the removal of a sign-in link itself.
	link, err := c.Links.UnlinkBy(userID, actorID)
	if err != nil {
		return slash.Reply("Removing the link failed; try again.")
	}
	notifyLink, err := c.NotifyLinks.RemoveNotifyLink(userID, time.Now().UnixMilli())
	if err != nil {
		return slash.Reply("Removing the notification link failed; try again.")
	}
	if notifyLink != nil && c.Unlinked != nil {
		c.Unlinked(userID, kvstore.Link{Identity: kvstore.Identity{ObjectID: notifyLink.ObjectID}, Rule: notifyLink.Rule, LinkedAt: notifyLink.At}, actorID)
	}
	if link == nil && notifyLink == nil {
		return slash.Reply(name + " is not linked to a Microsoft account.")
	}
	if link == nil {
		return slash.Reply(name + " no longer has a notification link: Teams notifications stop until the Microsoft 365 app is opened and signs in.")
	}
	return slash.Reply(name + " is no longer linked to a Microsoft account. Opening Mattermost in Microsoft 365 asks to sign in or link again.")
}

func madeBy(rule string) string {
	switch rule {
	case kvstore.RuleConfirmed:
		return "confirmed with a Mattermost login"
	case kvstore.RuleAuthData:
		return "found by the account's Microsoft sign-in"
	case kvstore.RuleNotifyAuthData:
		return "made for notifications only, from the account's Microsoft sign-in; it signs nobody in"
	case kvstore.RuleNotifyDirectory:
		return "made for notifications only, from the organization's directory; it signs nobody in"
	default:
		return "found by email"
	}
}
