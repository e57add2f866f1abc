package notify

import (
	"fmt"

	"github.com/mattermost/mattermost/server/public/model"
)

// TellAPI is the part of the plugin API a direct message needs.
type TellAPI interface {
	EnsureBotUser(bot *model.Bot) (string, error)
	GetDirectChannel(userID1, userID2 string) (*model.Channel, *model.AppError)
	CreatePost(post *model.Post) (*model.Post, *model.AppError)
}

// Teller tells a person in Mattermost, from the plugin's bot, that Teams
// refused their notifications and how to get them back.
type Teller struct {
	API TellAPI
	Bot *model.Bot
}

// Tell sends the message for r to the person.
func (t Teller) Tell(userID string, r Refusal, d Delivery) error {
	botID, err := t.API.EnsureBotUser(t.Bot)
	if err != nil {
		return fmt.Errorf("ensure the bot: %w", err)
	}
	ch, appErr := t.API.GetDirectChannel(botID, userID)
	if appErr != nil {
		return fmt.Errorf("open a direct message with %s: %w", userID, appErr)
	}
	if _, appErr := t.API.CreatePost(&model.Post{UserId: botID, ChannelId: ch.Id, Message: refusalMessage(d)}); appErr != nil {
		return fmt.Errorf("message %s: %w", userID, appErr)
	}
	return nil
}

// refusalMessage says what happened and the one step that fixes it.
func refusalMessage(d Delivery) string {
	open := "Open the **" + d.AppName + "** app in Microsoft Teams (Apps, then search for it)"
	if d.Home != "" {
		open = "[Open the **" + d.AppName + "** app in Microsoft Teams](" + d.Home + ")"
	}
	return "Microsoft Teams no longer accepts Mattermost notifications for you: the **" + d.AppName +
		"** app is not installed for you in Teams (it may have been removed).\n\n" +
		open + " and add it. Notifications resume as soon as you open it there, or within a day of it being added for you."
}
