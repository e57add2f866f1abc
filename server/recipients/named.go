package recipients

import (
	"fmt"

	"github.com/mattermost/mattermost/server/public/model"

	"github.com/missioncollab/mattermost-plugin-m365/server/message"
)

// maxGroupLookups bounds the user-group lookups one post can cause.
const maxGroupLookups = 16

// threadMentions are the @-words of the thread's other posts, whose
// people follow the thread when threads are collapsed.
func (r *run) threadMentions() []message.Word {
	if r.thread == nil || !r.opts.CollapsedThreads {
		return nil
	}
	var words []message.Word
	for id, p := range r.thread.Posts {
		if id != r.post.Id {
			words = append(words, message.FindMentions(postTexts(p)...).Words...)
		}
	}
	return words
}

// lookUpNames finds, in one batch, the accounts every @-word may name.
func (r *run) lookUpNames() error {
	r.byName = map[string]*model.User{}
	seen := map[string]bool{}
	var names []string
	for _, w := range append(r.mentions.Words, r.threadMentions()...) {
		for _, n := range append(w.Names, w.Pieces...) {
			if !seen[n] {
				seen[n] = true
				names = append(names, n)
			}
		}
	}
	return chunks(names, func(batch []string) error {
		users, appErr := r.API.GetUsersByUsernames(batch)
		if appErr != nil {
			return fmt.Errorf("look up mentioned names: %w", appErr)
		}
		for _, u := range users {
			r.byName[u.Username] = u
		}
		return nil
	})
}

// match is the account a word names: its most literal name that is an
// account, else its pieces'.
func (r *run) match(w message.Word) []*model.User {
	for _, n := range w.Names {
		if u := r.byName[n]; u != nil {
			return []*model.User{u}
		}
	}
	var out []*model.User
	for _, n := range w.Pieces {
		if u := r.byName[n]; u != nil {
			out = append(out, u)
		}
	}
	return out
}

// named adds the people the post mentions by name or by user group.
func (r *run) named() error {
	var unmatched []message.Word
	for _, w := range r.mentions.Words {
		users := r.match(w)
		for _, u := range users {
			r.addLinked(u.Id, Mention)
		}
		if len(users) == 0 {
			unmatched = append(unmatched, w)
		}
	}
	if len(unmatched) == 0 || !r.groupMentionsAllowed() {
		return nil
	}
	lookups := 0
	for _, w := range unmatched {
		for _, name := range w.Names {
			if lookups >= maxGroupLookups {
				return nil
			}
			lookups++
			group, appErr := r.API.GetGroupByName(name)
			if appErr != nil || group == nil || !group.AllowReference || group.DeleteAt != 0 {
				continue
			}
			if err := r.groupMembers(group.Id); err != nil {
				return err
			}
			break
		}
	}
	return nil
}

// groupMentionsAllowed is Mattermost's rule: user groups need a
// Professional or Enterprise license (or LDAP groups), system messages
// never mention groups, and the author needs the permission to.
func (r *run) groupMentionsAllowed() bool {
	if r.post.IsSystemMessage() || !groupsLicensed(r.API.GetLicense()) {
		return false
	}
	return r.API.HasPermissionToChannel(r.post.UserId, r.ch.Id, model.PermissionUseGroupMentions)
}

func groupsLicensed(l *model.License) bool {
	if l == nil {
		return false
	}
	switch l.SkuShortName {
	case model.LicenseShortSkuProfessional, model.LicenseShortSkuEnterprise, model.LicenseShortSkuEnterpriseAdvanced:
		return true
	}
	return l.Features != nil && model.SafeDereference(l.Features.LDAPGroups)
}

func (r *run) groupMembers(groupID string) error {
	for page := 0; ; page++ {
		users, appErr := r.API.GetGroupMemberUsers(groupID, page, batchSize)
		if appErr != nil {
			return fmt.Errorf("list members of group %s: %w", groupID, appErr)
		}
		for _, u := range users {
			r.addLinked(u.Id, Mention)
		}
		if len(users) < batchSize {
			return nil
		}
	}
}
