package recipients

import (
	"fmt"
	"slices"

	"github.com/mattermost/mattermost/server/public/model"

	"github.com/missioncollab/mattermost-plugin-m365/server/account"
)

// filter keeps the candidates Mattermost would notify: active people,
// not bots, in the channel, who have not muted it, whose own settings
// allow the reason; and gives each the one reason that wins.
func (r *run) filter() ([]Recipient, error) {
	ids := make([]string, 0, len(r.cands))
	for id := range r.cands {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	members, err := r.members(ids)
	if err != nil {
		return nil, err
	}
	users, err := r.users(ids, members)
	if err != nil {
		return nil, err
	}
	var here []string
	for _, u := range users {
		set := r.allowed(u, members[u.Id], r.cands[u.Id])
		r.cands[u.Id] = set
		if set.best() == ChannelMention && r.hereOnly() {
			here = append(here, u.Id)
		}
	}
	if err := r.dropOffline(here); err != nil {
		return nil, err
	}
	var out []Recipient
	for _, u := range users {
		if best := r.cands[u.Id].best(); best != None {
			if oid, ok := r.Linked.InForceFor(u); ok {
				out = append(out, Recipient{UserID: u.Id, ObjectID: oid, Reason: best})
			}
		}
	}
	slices.SortFunc(out, func(a, b Recipient) int {
		if a.Reason != b.Reason {
			return int(b.Reason - a.Reason)
		}
		return compare(a.UserID, b.UserID)
	})
	return out, nil
}

func compare(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// hereOnly is whether the only channel-wide mention is @here.
func (r *run) hereOnly() bool {
	return r.mentions.Here && !r.mentions.Channel && !r.mentions.All
}

// allowed removes the reasons a person's settings turn off.
func (r *run) allowed(u *model.User, m *model.ChannelMember, set reasons) reasons {
	if set.has(ChannelMention) && (u.NotifyProps[model.ChannelMentionsNotifyProp] == "false" ||
		m.NotifyProps[model.IgnoreChannelMentionsNotifyProp] == model.IgnoreChannelMentionsOn) {
		set = set.without(ChannelMention)
	}
	if set.has(ThreadReply) && !r.wantsReply(u) {
		set = set.without(ThreadReply)
	}
	return set
}

// members returns the channel memberships of ids, without muted ones.
func (r *run) members(ids []string) (map[string]*model.ChannelMember, error) {
	out := make(map[string]*model.ChannelMember, len(ids))
	err := chunks(ids, func(batch []string) error {
		ms, appErr := r.API.GetChannelMembersByIds(r.ch.Id, batch)
		if appErr != nil {
			return fmt.Errorf("read memberships of %s: %w", r.ch.Id, appErr)
		}
		for i := range ms {
			if !ms[i].IsChannelMuted() {
				out[ms[i].UserId] = &ms[i]
			}
		}
		return nil
	})
	return out, err
}

// users returns the accounts of the members among ids that can be told:
// active, human and of this server.
func (r *run) users(ids []string, members map[string]*model.ChannelMember) ([]*model.User, error) {
	inChannel := slices.DeleteFunc(slices.Clone(ids), func(id string) bool { return members[id] == nil })
	var out []*model.User
	err := chunks(inChannel, func(batch []string) error {
		us, appErr := r.API.GetUsersByIds(batch)
		if appErr != nil {
			return fmt.Errorf("read accounts: %w", appErr)
		}
		for _, u := range us {
			if account.Unreachable(u) == "" {
				out = append(out, u)
			}
		}
		return nil
	})
	slices.SortFunc(out, func(a, b *model.User) int { return compare(a.Id, b.Id) })
	return out, err
}

// dropOffline removes the @here mention from those not online.
func (r *run) dropOffline(ids []string) error {
	return chunks(ids, func(batch []string) error {
		statuses, appErr := r.API.GetUserStatusesByIds(batch)
		if appErr != nil {
			return fmt.Errorf("read statuses: %w", appErr)
		}
		online := map[string]bool{}
		for _, s := range statuses {
			online[s.UserId] = s.Status == model.StatusOnline
		}
		for _, id := range batch {
			if !online[id] {
				r.cands[id] = r.cands[id].without(ChannelMention)
			}
		}
		return nil
	})
}
