// Package preview builds what the notification preview page shows: one
// post, as the person who opened it may see it.
package preview

import (
	"errors"
	"fmt"
	"html/template"
	"strconv"
	"strings"
	"time"

	"github.com/mattermost/mattermost/server/public/model"

	// Servers in closed networks often lack a time zone database; the
	// plugin carries its own so times are right in every zone.
	_ "time/tzdata"

	"github.com/missioncollab/mattermost-plugin-m365/server/message"
	"github.com/missioncollab/mattermost-plugin-m365/server/mmapi"
	"github.com/missioncollab/mattermost-plugin-m365/server/pages"
	"github.com/missioncollab/mattermost-plugin-m365/server/sender"
)

// API is the part of the plugin API the preview reads.
type API interface {
	GetPost(postID string) (*model.Post, *model.AppError)
	GetChannel(channelID string) (*model.Channel, *model.AppError)
	mmapi.Users
	GetPreferenceForUser(userID, category, name string) (model.Preference, *model.AppError)
	HasPermissionToChannel(userID, channelID string, permission *model.Permission) bool
	HasPermissionToTeam(userID, teamID string, permission *model.Permission) bool
}

// ErrUnavailable means the post does not exist, was deleted, or the
// viewer may not read it; the page says the same in each case so it does
// not tell which.
var ErrUnavailable = errors.New("this message is not available to you")

// Options are the server settings the preview follows.
type Options struct {
	// Subpath is the site URL's path, "" at the root.
	Subpath string
	// Names are how the notification named the author, which the
	// preview follows.
	Names sender.Settings
}

// Build returns the preview of postID for viewerID.
func Build(api API, viewerID, postID string, opts Options) (*pages.PreviewPost, error) {
	post, appErr := api.GetPost(postID)
	if appErr != nil || post == nil || post.DeleteAt != 0 {
		return nil, ErrUnavailable
	}
	ch, appErr := api.GetChannel(post.ChannelId)
	if appErr != nil || !mayRead(api, viewerID, ch) {
		return nil, ErrUnavailable
	}
	viewer, appErr := api.GetUser(viewerID)
	if appErr != nil {
		return nil, fmt.Errorf("get viewer: %w", appErr)
	}
	author, appErr := api.GetUser(post.UserId)
	if appErr != nil {
		return nil, fmt.Errorf("get author: %w", appErr)
	}
	html, err := message.HTML(text(post))
	if err != nil {
		return nil, err
	}
	at := time.UnixMilli(post.CreateAt).In(location(viewer))
	name := sender.Name(post, author, ch.Type, opts.Names)
	return &pages.PreviewPost{
		AuthorName: name,
		AvatarURL:  opts.Subpath + "/api/v4/users/" + author.Id + "/image?_=" + strconv.FormatInt(author.LastPictureUpdate, 10),
		Channel:    channelName(api, ch, viewerID, opts.Names.NameFormat),
		Time:       at.Format(timeLayout(api, viewerID)),
		ISOTime:    at.Format(time.RFC3339),
		// message.HTML has sanitised it.
		HTML:    template.HTML(html),
		OpenURL: opts.Subpath + "/_redirect/pl/" + post.Id,
	}, nil
}

// mayRead is Mattermost's read rule: a member with the permission, or,
// for a public channel, anyone who may read the team's public channels.
func mayRead(api API, userID string, ch *model.Channel) bool {
	if api.HasPermissionToChannel(userID, ch.Id, model.PermissionReadChannelContent) {
		return true
	}
	return ch.Type == model.ChannelTypeOpen && ch.TeamId != "" &&
		api.HasPermissionToTeam(userID, ch.TeamId, model.PermissionReadPublicChannel)
}

// text is the post's message, and its attachments' text when it has none.
func text(post *model.Post) string {
	if strings.TrimSpace(post.Message) != "" {
		return post.Message
	}
	var parts []string
	for _, a := range post.Attachments() {
		for _, s := range []string{a.Pretext, a.Title, a.Text} {
			if strings.TrimSpace(s) != "" {
				parts = append(parts, s)
			}
		}
	}
	return strings.Join(parts, "\n\n")
}

func channelName(api API, ch *model.Channel, viewerID, format string) string {
	if ch.Type == model.ChannelTypeDirect {
		if other, appErr := api.GetUser(ch.GetOtherUserIdForDM(viewerID)); appErr == nil && other != nil {
			return "Direct message with " + other.GetDisplayName(format)
		}
		return "Direct message"
	}
	if ch.DisplayName != "" {
		return ch.DisplayName
	}
	return ch.Name
}

// location is the viewer's time zone, UTC when unknown.
func location(u *model.User) *time.Location {
	if loc, err := time.LoadLocation(model.GetPreferredTimezone(u.Timezone)); err == nil {
		return loc
	}
	return time.UTC
}

// timeLayout follows the viewer's clock display setting.
func timeLayout(api API, userID string) string {
	pref, appErr := api.GetPreferenceForUser(userID, model.PreferenceCategoryDisplaySettings, model.PreferenceNameUseMilitaryTime)
	if appErr == nil && pref.Value == "true" {
		return "Mon 2 Jan 2006, 15:04 MST"
	}
	return "Mon 2 Jan 2006, 3:04 PM MST"
}
