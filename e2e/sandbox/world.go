package sandbox

import (
	"context"
	"fmt"
	"strings"

	"github.com/mattermost/mattermost/server/public/model"

	"github.com/missioncollab/mattermost-plugin-m365/e2e/harness"
	"github.com/missioncollab/mattermost-plugin-m365/server/attention"
)

// sandboxWorld is what seed made: the channel, and the accounts the
// host's bar may post as.
type sandboxWorld struct {
	channel *model.Channel
	posters map[string]*harness.User
	// names are the accounts' usernames by user ID, for the log.
	names map[string]string
	// byEmail are the accounts by email, as the host names people.
	byEmail map[string]*harness.User
}

// seed creates what a small Mattermost in use has: a team, a channel, a
// second user and a first post.
func seed(ctx context.Context, h *harness.Harness) (*sandboxWorld, error) {
	fail := func(err error) (*sandboxWorld, error) { return nil, err }
	admin := h.Admin.Client
	team, _, err := admin.CreateTeam(ctx, &model.Team{Name: "mission-ops", DisplayName: "Mission Ops", Type: model.TeamOpen})
	if err != nil {
		return fail(fmt.Errorf("create team: %w", err))
	}
	bob, err := h.Server.CreateUser(ctx, "bob", "bob@example.com", "Bob-Passw0rd!")
	if err != nil {
		return fail(err)
	}
	for _, u := range []*harness.User{h.Admin, h.User, bob} {
		if _, _, err := admin.AddTeamMember(ctx, team.Id, u.Id); err != nil && u != h.Admin {
			return fail(fmt.Errorf("add %s to team: %w", u.Username, err))
		}
	}
	channel, _, err := admin.CreateChannel(ctx, &model.Channel{TeamId: team.Id, Name: "incident-response", DisplayName: "Incident Response", Type: model.ChannelTypeOpen})
	if err != nil {
		return fail(fmt.Errorf("create channel: %w", err))
	}
	for _, u := range []*harness.User{h.User, bob} {
		if _, _, err := admin.AddChannelMember(ctx, channel.Id, u.Id); err != nil {
			return fail(fmt.Errorf("add %s to channel: %w", u.Username, err))
		}
	}
	_, _, err = admin.CreatePost(ctx, &model.Post{ChannelId: channel.Id, Message: "Welcome to the sandbox. @alice, @bob: this channel is for incident response."})
	if err != nil {
		return fail(fmt.Errorf("create post: %w", err))
	}
	// By default nobody is told in Teams while at work in Mattermost, which
	// alice is with the tab open; in the sandbox she and bob chose to be
	// told of everything, so the feed shows what the tab is already showing.
	for _, u := range []*harness.User{h.User, bob} {
		pref := model.Preference{UserId: u.Id, Category: attention.PreferenceCategory, Name: attention.PreferenceName, Value: string(attention.All)}
		if _, err := u.Client.UpdatePreferences(ctx, u.Id, model.Preferences{pref}); err != nil {
			return fail(fmt.Errorf("choose Teams notifications for %s: %w", u.Username, err))
		}
	}
	names, byEmail := map[string]string{}, map[string]*harness.User{}
	for _, u := range []*harness.User{h.Admin, h.User, bob} {
		names[u.Id], byEmail[u.Email] = u.Username, u
	}
	return &sandboxWorld{channel: channel, posters: map[string]*harness.User{"bob": bob, h.Admin.Username: h.Admin}, names: names, byEmail: byEmail}, nil
}

// postAs posts as a sandbox account, into the channel or as a direct
// message to whom the host shows, so that the feed shows it arriving.
func (w *sandboxWorld) postAs(ctx context.Context, as, to, message string) error {
	u, ok := w.posters[as]
	if !ok {
		return fmt.Errorf("no sandbox account %q", as)
	}
	channelID := w.channel.Id
	if strings.HasPrefix(to, "@") {
		other, _, err := u.Client.GetUserByUsername(ctx, strings.TrimPrefix(to, "@"), "")
		if err != nil {
			return fmt.Errorf("find %s: %w", to, err)
		}
		dm, _, err := u.Client.CreateDirectChannel(ctx, u.Id, other.Id)
		if err != nil {
			return fmt.Errorf("open a direct message with %s: %w", to, err)
		}
		channelID = dm.Id
	}
	if _, _, err := u.Client.CreatePost(ctx, &model.Post{ChannelId: channelID, Message: message}); err != nil {
		return fmt.Errorf("post as %s: %w", as, err)
	}
	return nil
}
