package preview

import (
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/mattermost/mattermost/server/public/model"
)

// fakeAPI is the plugin API the preview reads, in memory: channel
// membership grants the channel permission; team membership grants
// reading the team's public channels.
type fakeAPI struct {
	posts    map[string]*model.Post
	channels map[string]*model.Channel
	users    map[string]*model.User
	members  map[string]bool // channelID/userID
	teams    map[string]bool // teamID/userID
}

func notFound() *model.AppError {
	return model.NewAppError("fake", "not found", nil, "", http.StatusNotFound)
}

func (f *fakeAPI) GetPost(id string) (*model.Post, *model.AppError) {
	if p, ok := f.posts[id]; ok {
		return p, nil
	}
	return nil, notFound()
}
func (f *fakeAPI) GetChannel(id string) (*model.Channel, *model.AppError) {
	if c, ok := f.channels[id]; ok {
		return c, nil
	}
	return nil, notFound()
}
func (f *fakeAPI) GetUser(id string) (*model.User, *model.AppError) {
	if u, ok := f.users[id]; ok {
		return u, nil
	}
	return nil, notFound()
}
func (f *fakeAPI) GetPreferenceForUser(string, string, string) (model.Preference, *model.AppError) {
	return model.Preference{}, notFound()
}
func (f *fakeAPI) HasPermissionToChannel(userID, channelID string, p *model.Permission) bool {
	return p.Id == model.PermissionReadChannelContent.Id && f.members[channelID+"/"+userID]
}
func (f *fakeAPI) HasPermissionToTeam(userID, teamID string, p *model.Permission) bool {
	return p.Id == model.PermissionReadPublicChannel.Id && f.teams[teamID+"/"+userID]
}

func newFake() *fakeAPI {
	f := &fakeAPI{
		posts:    map[string]*model.Post{},
		channels: map[string]*model.Channel{},
		users:    map[string]*model.User{},
		members:  map[string]bool{},
		teams:    map[string]bool{},
	}
	for _, id := range []string{"author", "member", "teammate", "outsider"} {
		f.users[id] = &model.User{Id: id, Username: id}
	}
	f.channels["public"] = &model.Channel{Id: "public", TeamId: "team", Type: model.ChannelTypeOpen, DisplayName: "Town"}
	f.channels["private"] = &model.Channel{Id: "private", TeamId: "team", Type: model.ChannelTypePrivate, DisplayName: "Ops"}
	for _, ch := range []string{"public", "private"} {
		f.members[ch+"/member"] = true
		f.posts["in-"+ch] = &model.Post{Id: "in-" + ch, ChannelId: ch, UserId: "author", Message: "hello"}
	}
	f.teams["team/member"] = true
	f.teams["team/teammate"] = true
	f.posts["deleted"] = &model.Post{Id: "deleted", ChannelId: "public", UserId: "author", Message: "gone", DeleteAt: 1}
	return f
}

func TestOnlyReadersSeeAPost(t *testing.T) {
	f := newFake()
	cases := []struct {
		viewer, post string
		visible      bool
	}{
		{"member", "in-private", true},
		{"member", "in-public", true},
		{"teammate", "in-public", true},   // public channel, same team
		{"teammate", "in-private", false}, // private, not a member
		{"outsider", "in-public", false},  // another team
		{"outsider", "in-private", false},
		{"member", "deleted", false},
		{"member", "missing", false},
	}
	for _, c := range cases {
		got, err := Build(f, c.viewer, c.post, Options{})
		switch {
		case c.visible && (err != nil || !strings.Contains(string(got.HTML), "hello")):
			t.Errorf("%s reading %s: %v", c.viewer, c.post, err)
		case !c.visible && !errors.Is(err, ErrUnavailable):
			t.Errorf("%s reading %s: %+v, %v; want unavailable", c.viewer, c.post, got, err)
		}
	}
}

func TestAPublicChannelWithoutATeamIsReadByMembersOnly(t *testing.T) {
	f := newFake()
	f.channels["teamless"] = &model.Channel{Id: "teamless", Type: model.ChannelTypeOpen}
	f.posts["p"] = &model.Post{Id: "p", ChannelId: "teamless", UserId: "author", Message: "hello"}
	if _, err := Build(f, "teammate", "p", Options{}); !errors.Is(err, ErrUnavailable) {
		t.Fatalf("a teamless public channel read by a non-member: %v", err)
	}
}
