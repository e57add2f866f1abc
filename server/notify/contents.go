package notify

import (
	"github.com/mattermost/mattermost/server/public/model"
)

// Contents is how much a notification says, as Mattermost's push
// notification contents setting (EmailSettings.PushNotificationContents)
// has it, from the most to the least.
type Contents int

const (
	// Full says who wrote where, and a preview of the text.
	Full Contents = iota
	// Generic says who wrote where, never the text.
	Generic
	// GenericNoChannel says who wrote, never where nor the text.
	GenericNoChannel
	// IDLoaded says only that someone needs the person; the tab loads
	// the rest after sign-in.
	IDLoaded
)

// ContentsFor is what notifications may say: the stricter of the
// server's push notification contents and the plugin's own setting, which
// can only narrow it. A server value the plugin does not know says least.
func ContentsFor(server, plugin string) Contents {
	return max(parseContents(server, Full), parseContents(plugin, Full))
}

func parseContents(v string, empty Contents) Contents {
	switch v {
	case "", "server":
		return empty
	case model.FullNotification:
		return Full
	case model.GenericNotification:
		return Generic
	case model.GenericNoChannelNotification:
		return GenericNoChannel
	}
	return IDLoaded
}

// What notifications say in place of what Contents holds back.
const (
	withheldAuthor  = "Someone"
	withheldChannel = "Mattermost"
	withheldPreview = "Open Mattermost to read it"
)

// told is what a notification of job says under c: its topic, preview
// text and the author and channel its template names.
func (c Contents) told(job *Job) (topic, preview, author, channel string) {
	topic, preview, author, channel = job.Topic, job.Preview, job.Actor, job.Channel
	if c >= Generic {
		preview = withheldPreview
	}
	if c >= GenericNoChannel {
		channel = withheldChannel
		if topic == job.Channel {
			topic = withheldChannel
		}
	}
	if c >= IDLoaded {
		author, topic = withheldAuthor, withheldChannel
	}
	return topic, preview, author, channel
}
