package recipients

import "github.com/mattermost/mattermost/server/public/model"

// API is the part of the plugin API deciding recipients uses; every call
// is a round trip to the server, so each is made at most once per batch.
type API interface {
	GetChannel(channelID string) (*model.Channel, *model.AppError)
	GetChannelStats(channelID string) (*model.ChannelStats, *model.AppError)
	GetChannelMembers(channelID string, page, perPage int) (model.ChannelMembers, *model.AppError)
	GetChannelMembersByIds(channelID string, userIDs []string) (model.ChannelMembers, *model.AppError)
	GetUsersByIds(userIDs []string) ([]*model.User, *model.AppError)
	GetUsersByUsernames(usernames []string) ([]*model.User, *model.AppError)
	GetUserStatusesByIds(userIDs []string) ([]*model.Status, *model.AppError)
	HasPermissionToChannel(userID, channelID string, permission *model.Permission) bool
	GetPostThread(postID string) (*model.PostList, *model.AppError)
	GetGroupByName(name string) (*model.Group, *model.AppError)
	GetGroupMemberUsers(groupID string, page, perPage int) ([]*model.User, *model.AppError)
	GetLicense() *model.License
}

// Linked is who is linked to Teams.
type Linked interface {
	Len() int
	Lookup(userID string) (objectID string, ok bool)
	// InForceFor is Lookup for the account as it is now: a link made
	// from an email no longer stands once the account's address changed.
	InForceFor(u *model.User) (objectID string, ok bool)
	UserIDs() []string
}

// Keywords are linked people's own mention keywords.
type Keywords interface {
	Len() int
	// Lookup returns the people who chose a lower-case word.
	Lookup(word string) []string
}

// Options are the server settings that shape Mattermost's notifications.
type Options struct {
	// MaxNotificationsPerChannel is TeamSettings.MaxNotificationsPerChannel:
	// channels with at least this many members ignore channel-wide mentions.
	MaxNotificationsPerChannel int64
	// CollapsedThreads is whether threads are collapsed, which makes
	// everyone mentioned in a thread a follower of it.
	CollapsedThreads bool
}

// OptionsFrom reads the options from the server's configuration.
func OptionsFrom(cfg *model.Config) Options {
	crt := model.SafeDereference(cfg.ServiceSettings.CollapsedThreads)
	return Options{
		MaxNotificationsPerChannel: model.SafeDereference(cfg.TeamSettings.MaxNotificationsPerChannel),
		CollapsedThreads:           crt == model.CollapsedThreadsAlwaysOn || crt == model.CollapsedThreadsDefaultOn,
	}
}

// batchSize is how many IDs go in one plugin API call.
const batchSize = 1000

func chunks(ids []string, f func([]string) error) error {
	for start := 0; start < len(ids); start += batchSize {
		if err := f(ids[start:min(start+batchSize, len(ids))]); err != nil {
			return err
		}
	}
	return nil
}
