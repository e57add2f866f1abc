// Package attention decides, when a held notification is due, whom Teams
// should still interrupt: nobody who has read the post in Mattermost by
// then, and nobody whose own choice says they are busy there. The rules
// follow those Mattermost applies to its own push notifications
// (doesStatusAllowPushNotification in the server's notification_push.go)
// so the two never disagree about whether a person is at their desk.
package attention

import (
	"fmt"
	"slices"
	"time"

	"github.com/mattermost/mattermost/server/public/model"
)

// Choice is what a person chose for their Teams notifications.
type Choice string

const (
	// All: everything Mattermost would notify them of, unless they read
	// it in time or are looking at that very channel.
	All Choice = "all"
	// Away: only while they are away or offline in Mattermost.
	Away Choice = "away"
	// Off: never.
	Off Choice = "off"
)

// Default is the choice of everyone who made none: people working in
// Mattermost are not interrupted twice for the same message.
const Default = Away

// ParseChoice reads a stored or typed choice; "" is the default.
func ParseChoice(s string) (Choice, error) {
	switch c := Choice(s); c {
	case All, Away, Off:
		return c, nil
	case "":
		return Default, nil
	}
	if r := []rune(s); len(r) > 16 {
		s = string(r[:16]) + "…"
	}
	return "", fmt.Errorf("%q is not a Teams notification choice; use all, away or off", s)
}

// The preference the choice is stored in. The category is the one the
// web app's plugin user settings save under ("pp_" and the plugin ID),
// so the Settings dialog and the slash command share one value.
const (
	PreferenceCategory = "pp_io.missioncollab.m365"
	PreferenceName     = "teams_notifications"
)

// ActiveChannelWindow is how recently a person must have acted in a
// channel to count as looking at it: Mattermost's model.StatusChannelTimeout,
// which holds back its own push for the channel on screen.
const ActiveChannelWindow = model.StatusChannelTimeout * time.Millisecond

// batchSize is how many people one plugin API call asks about.
const batchSize = 1000

// API is the part of the plugin API the check reads, two calls a batch.
type API interface {
	GetChannelMembersByIds(channelID string, userIDs []string) (model.ChannelMembers, *model.AppError)
	GetUserStatusesByIds(userIDs []string) ([]*model.Status, *model.AppError)
}

// Post is what the check needs of the post a notification is about.
type Post struct {
	ChannelID string
	// CreateAt is the post's time, in Unix milliseconds.
	CreateAt int64
	// CollapsedReply is a reply in a collapsed thread: reading or viewing
	// the channel says nothing of whether the thread was read (its own
	// read state is not open to plugins), so, as Mattermost's push does,
	// only the status and the choice decide.
	CollapsedReply bool
}

// Check decides who is still to be told.
type Check struct {
	API API
	// Choice is a person's choice; people without one have Default.
	Choice func(userID string) Choice
	Now    func() time.Time
}

// Reason is why a person is not told.
type Reason string

const (
	Told         Reason = ""
	Read         Reason = "read"       // viewed the channel since the post
	Active       Reason = "active"     // online, and chose Away
	Looking      Reason = "looking"    // looking at the channel right now
	DoNotDisturb Reason = "busy"       // do not disturb or out of office
	ChoseOff     Reason = "off"        // chose Off
	Left         Reason = "not member" // no longer in the channel
	Muted        Reason = "muted"      // muted the channel since
)

// Who returns, for each of userIDs, why they are not to be told (Told
// for those who are), with two plugin API calls per 1,000 people.
func (c Check) Who(post Post, userIDs []string) (map[string]Reason, error) {
	out := make(map[string]Reason, len(userIDs))
	for batch := range slices.Chunk(userIDs, batchSize) {
		members, appErr := c.API.GetChannelMembersByIds(post.ChannelID, batch)
		if appErr != nil {
			return nil, fmt.Errorf("read channel memberships: %w", appErr)
		}
		statuses, appErr := c.API.GetUserStatusesByIds(batch)
		if appErr != nil {
			return nil, fmt.Errorf("read statuses: %w", appErr)
		}
		viewed := make(map[string]int64, len(members))
		muted := map[string]bool{}
		for _, m := range members {
			viewed[m.UserId] = m.LastViewedAt
			muted[m.UserId] = m.IsChannelMuted()
		}
		status := make(map[string]*model.Status, len(statuses))
		for _, s := range statuses {
			status[s.UserId] = s
		}
		for _, id := range batch {
			lastViewed, member := viewed[id]
			if muted[id] {
				// Mattermost sends no push for a muted channel.
				out[id] = Muted
				continue
			}
			out[id] = c.reason(post, c.choice(id), member, lastViewed, status[id])
		}
	}
	return out, nil
}

func (c Check) choice(userID string) Choice {
	if c.Choice == nil {
		return Default
	}
	return c.Choice(userID)
}

func (c Check) now() time.Time {
	if c.Now == nil {
		return time.Now()
	}
	return c.Now()
}

// reason applies the rules to one person. A status the server does not
// give (statuses turned off) counts as offline, as Mattermost's own
// notification code reads a status it cannot find.
func (c Check) reason(post Post, choice Choice, member bool, lastViewed int64, st *model.Status) Reason {
	switch {
	case choice == Off:
		return ChoseOff
	case !member:
		return Left
	case lastViewed >= post.CreateAt && !post.CollapsedReply:
		return Read
	}
	if st == nil || st.Status == "" {
		return Told
	}
	switch {
	case st.Status == model.StatusDnd || st.Status == model.StatusOutOfOffice:
		return DoNotDisturb
	case choice == Away && st.Status == model.StatusOnline:
		return Active
	case choice == All && !post.CollapsedReply && st.ActiveChannel == post.ChannelID &&
		c.now().Sub(time.UnixMilli(st.LastActivityAt)) <= ActiveChannelWindow:
		// Only "all" asks about the channel on screen; "away" goes by
		// the status alone, as Mattermost's own push does.
		return Looking
	}
	return Told
}
