// Package notifycmd is the /teams slash command, where a person sees and
// sets their own Teams notification choice.
package notifycmd

import (
	"fmt"
	"strings"

	"github.com/mattermost/mattermost/server/public/model"

	"github.com/missioncollab/mattermost-plugin-m365/server/attention"
	"github.com/missioncollab/mattermost-plugin-m365/server/slash"
	"github.com/missioncollab/mattermost-plugin-m365/server/testnotify"
)

// Trigger is the command's name.
const Trigger = "teams"

// API is the part of the plugin API the command uses.
type API interface {
	UpdatePreferencesForUser(userID string, preferences []model.Preference) *model.AppError
}

// Choices read and set the mirrored choices.
type Choices interface {
	Choice(userID string) attention.Choice
	SetChoice(userID string, c attention.Choice) error
}

// Command runs /teams.
type Command struct {
	API     API
	Choices Choices
	// Linked reports whether notifications can reach a person: linked
	// to a Microsoft account of the tenant, by a link in force.
	Linked func(userID string) bool
	// Status says, when notifications cannot be sent to anyone, why
	// ("" when they can).
	Status func() string
	// Test sends the person a test notification and says what happened.
	Test func(userID string) testnotify.Result
}

// Definition registers the command.
func Definition() *model.Command {
	return slash.Define(Trigger, "Teams notifications",
		"See or choose when Microsoft Teams tells you about Mattermost messages.",
		"See or choose your Teams notifications, or send yourself a test: notifications [all|away|off], test",
		"notifications [all|away|off] | test")
}

const usage = "Use `/teams notifications` to see when Teams tells you about Mattermost messages, " +
	"`/teams notifications all`, `away` or `off` to choose, and `/teams test` to send yourself a test notification."

// Execute runs one invocation.
func (c Command) Execute(args *model.CommandArgs) *model.CommandResponse {
	fields := strings.Fields(args.Command)
	if len(fields) == 2 && fields[1] == "test" {
		return slash.Reply(c.Test(args.UserId).Message)
	}
	if len(fields) < 2 || len(fields) > 3 || fields[1] != "notifications" {
		return slash.Reply(usage)
	}
	if len(fields) == 2 {
		return slash.Reply(c.show(args.UserId))
	}
	choice, err := attention.ParseChoice(strings.ToLower(fields[2]))
	if err != nil || fields[2] == "" {
		return slash.Reply(fmt.Sprintf("`%s` is not a choice. %s", slash.Quote(fields[2]), usage))
	}
	pref := model.Preference{UserId: args.UserId, Category: attention.PreferenceCategory, Name: attention.PreferenceName, Value: string(choice)}
	if appErr := c.API.UpdatePreferencesForUser(args.UserId, []model.Preference{pref}); appErr != nil {
		return slash.Reply("Saving your choice failed; try again.")
	}
	// The preference hook mirrors it too, but in the background; the
	// answer must already be true.
	if err := c.Choices.SetChoice(args.UserId, choice); err != nil {
		return slash.Reply("Saving your choice failed; try again.")
	}
	return slash.Reply("Saved. " + c.show(args.UserId))
}

func (c Command) show(userID string) string {
	msg := "Teams tells you about Mattermost messages " + describe(c.Choices.Choice(userID)) + "."
	if c.Linked(userID) {
		msg += " This account is linked to your Microsoft account."
	} else {
		msg += " This account is not linked to a Microsoft account of your organization yet, so Teams cannot tell you anything: open Mattermost in Teams once to link it."
	}
	if why := c.Status(); why != "" {
		msg += " For now no one is told: " + why
	}
	return msg
}

func describe(c attention.Choice) string {
	switch c {
	case attention.All:
		return "whenever Mattermost would notify you and you have not read the message by then"
	case attention.Off:
		return "never (you chose off)"
	}
	return "only while you are away or offline in Mattermost and have not read the message (the default)"
}
