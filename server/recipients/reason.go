// Package recipients decides who among the people linked to Teams is told
// about a new post, following the rules Mattermost itself notifies by.
package recipients

// Reason is why a person is told. When several apply, the highest wins,
// in Mattermost's own order: a direct message, then a personal mention
// (by name, user group or being added to the channel), then a
// channel-wide mention, then a reply in a followed thread, then a
// message in a group conversation.
type Reason int

// Reasons, lowest first.
const (
	None Reason = iota
	GroupMessage
	ThreadReply
	ChannelMention
	Mention
	DirectMessage
)

// RankOf is how strong the reason behind an activity type is; higher is
// stronger, 0 for an unknown type.
func RankOf(activityType string) int {
	for r := DirectMessage; r > None; r-- {
		if r.ActivityType() == activityType {
			return int(r)
		}
	}
	return 0
}

// ActivityType is the Teams app manifest's activity type for the reason.
func (r Reason) ActivityType() string {
	switch r {
	case GroupMessage:
		return "groupMessage"
	case ThreadReply:
		return "threadReply"
	case ChannelMention:
		return "channelMention"
	case Mention:
		return "mention"
	case DirectMessage:
		return "directMessage"
	}
	return ""
}

// reasons is a set of reasons, one bit each.
type reasons uint8

func (s reasons) with(r Reason) reasons    { return s | 1<<r }
func (s reasons) has(r Reason) bool        { return s&(1<<r) != 0 }
func (s reasons) without(r Reason) reasons { return s &^ (1 << r) }

// best is the highest reason in the set, or None.
func (s reasons) best() Reason {
	for r := DirectMessage; r > None; r-- {
		if s.has(r) {
			return r
		}
	}
	return None
}
