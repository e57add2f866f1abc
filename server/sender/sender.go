// Package sender names who a post is from, by the rule Mattermost uses in
// its own notifications, so that a post cannot make the plugin show a name
// the server itself would not.
package sender

import (
	"strings"
	"unicode"

	"github.com/mattermost/mattermost/server/public/model"
)

// BotMarker follows the name of a bot or an integration. Mattermost tags
// such authors "BOT"; the Teams activity template is plain text
// ("{author} mentioned you in {channel}"), so the tag becomes a short
// suffix that readers of Mattermost already know.
const BotMarker = " (BOT)"

// maxOverrideRunes caps a name an integration chose. Mattermost allows 64
// characters for a webhook's configured username but does not cap the one
// a payload sends, and a long one would push the channel out of the
// template.
const maxOverrideRunes = 64

// Settings are the server settings the name follows.
type Settings struct {
	// NameFormat is TeamSettings.TeammateNameDisplay.
	NameFormat string
	// UsernameOverride is ServiceSettings.EnablePostUsernameOverride.
	UsernameOverride bool
}

// Name is the name to show for post's author, which is nil when the
// author could not be read, in a channel of channelType.
func Name(post *model.Post, author *model.User, channelType model.ChannelType, s Settings) string {
	if post.IsSystemMessage() {
		return "System"
	}
	name := ""
	if override, ok := post.GetProp(model.PostPropsOverrideUsername).(string); ok && overrides(post, channelType, s) {
		name = clean(override, maxOverrideRunes)
	}
	if name == "" && author != nil {
		name = clean(author.GetDisplayName(s.NameFormat), -1)
	}
	if name == "" {
		name = "Someone"
	}
	if isBot(post, author) {
		name += BotMarker
	}
	return name
}

// overrides tells whether the name a post carries counts. Any user may set
// both props through the REST API, so they count only where Mattermost
// shows them: with overrides on, on a webhook's post, outside direct
// messages.
func overrides(post *model.Post, channelType model.ChannelType, s Settings) bool {
	return s.UsernameOverride && post.GetProp(model.PostPropsFromWebhook) == "true" &&
		channelType != model.ChannelTypeDirect
}

// isBot is when Mattermost tags the author "BOT": a bot account, or a post
// that says it came from an integration.
func isBot(post *model.Post, author *model.User) bool {
	return (author != nil && author.IsBot) ||
		post.GetProp(model.PostPropsFromWebhook) == "true" ||
		post.GetProp(model.PostPropsFromBot) == "true"
}

// clean makes name safe to show on one line: control characters become
// spaces, runs of space collapse, and bidirectional controls go, since they
// can make a name read as another. A limit of -1 keeps every rune.
func clean(name string, limit int) string {
	name = strings.Map(func(r rune) rune {
		switch {
		case unicode.Is(unicode.Bidi_Control, r):
			return -1
		case unicode.IsControl(r):
			return ' '
		}
		return r
	}, name)
	name = strings.Join(strings.Fields(name), " ")
	if r := []rune(name); limit >= 0 && len(r) > limit {
		name = strings.TrimSpace(string(r[:limit]))
	}
	return name
}

// SettingsFrom reads the settings from the server's configuration.
func SettingsFrom(cfg *model.Config) Settings {
	return Settings{
		NameFormat:       model.SafeDereference(cfg.TeamSettings.TeammateNameDisplay),
		UsernameOverride: model.SafeDereference(cfg.ServiceSettings.EnablePostUsernameOverride),
	}
}
