package recipients

import (
	"fmt"

	"github.com/mattermost/mattermost/server/public/model"

	"github.com/missioncollab/mattermost-plugin-m365/server/message"
)

// run is the work of deciding recipients for one post.
type run struct {
	*Resolver
	post     *model.Post
	ch       *model.Channel
	mentions message.Mentions
	// keywordHits are the people whose own keywords the post uses.
	keywordHits []string
	thread      *model.PostList
	opts        Options
	// byName are the accounts the looked-up names belong to.
	byName map[string]*model.User
	cands  candidates
}

// collect gathers every reason each linked person may be told for.
func (r *run) collect() error {
	r.opts = r.Options()
	switch r.ch.Type {
	case model.ChannelTypeDirect:
		if other := r.ch.GetOtherUserIdForDM(r.post.UserId); other != "" {
			r.addLinked(other, DirectMessage)
		}
		return nil
	case model.ChannelTypeGroup:
		if err := r.groupMessage(); err != nil {
			return err
		}
	}
	if r.post.RootId != "" {
		thread, appErr := r.API.GetPostThread(r.post.RootId)
		if appErr != nil {
			return fmt.Errorf("get thread %s: %w", r.post.RootId, appErr)
		}
		r.thread = thread
	}
	if err := r.lookUpNames(); err != nil {
		return err
	}
	if err := r.named(); err != nil {
		return err
	}
	if added, ok := r.post.GetProp(model.PostPropsAddedUserId).(string); ok {
		r.addLinked(added, Mention)
	}
	for _, id := range r.keywordHits {
		r.addLinked(id, Mention)
	}
	if r.mentions.ChannelWide() && r.channelMentionsAllowed() {
		for _, id := range r.Linked.UserIDs() {
			r.cands.add(id, ChannelMention)
		}
	}
	if r.thread != nil {
		r.followers()
	}
	return nil
}

func (r *run) addLinked(userID string, reason Reason) {
	if _, ok := r.Linked.Lookup(userID); ok {
		r.cands.add(userID, reason)
	}
}

// groupMessage adds every linked member of a group conversation.
func (r *run) groupMessage() error {
	for page := 0; ; page++ {
		members, appErr := r.API.GetChannelMembers(r.ch.Id, page, batchSize)
		if appErr != nil {
			return fmt.Errorf("list members of %s: %w", r.ch.Id, appErr)
		}
		for _, m := range members {
			r.addLinked(m.UserId, GroupMessage)
		}
		if len(members) < batchSize {
			return nil
		}
	}
}

// channelMentionsAllowed is Mattermost's rule for @channel, @all and
// @here: the author may use them, the post is not a header or purpose
// change, and the channel is below the server's size limit.
func (r *run) channelMentionsAllowed() bool {
	if r.post.Type == model.PostTypeHeaderChange || r.post.Type == model.PostTypePurposeChange {
		return false
	}
	if !r.API.HasPermissionToChannel(r.post.UserId, r.ch.Id, model.PermissionUseChannelMentions) {
		return false
	}
	stats, appErr := r.API.GetChannelStats(r.ch.Id)
	if appErr != nil {
		return false
	}
	return stats.MemberCount < r.opts.MaxNotificationsPerChannel
}
