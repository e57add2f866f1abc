package recipients

import (
	"fmt"
	"sync/atomic"

	"github.com/mattermost/mattermost/server/public/model"
)

// memServer is a Mattermost server's data in memory for measuring the
// resolver: it answers the plugin API calls the resolver makes and counts
// them, as each is a round trip to the real server.
type memServer struct {
	calls    atomic.Int64
	channels map[string]*model.Channel
	members  map[string]map[string]*model.ChannelMember // channel → user → member
	users    map[string]*model.User
	byName   map[string]*model.User
	statuses map[string]string
	posts    map[string]*model.Post
}

func newMemServer() *memServer {
	return &memServer{
		channels: map[string]*model.Channel{}, members: map[string]map[string]*model.ChannelMember{},
		users: map[string]*model.User{}, byName: map[string]*model.User{}, statuses: map[string]string{},
		posts: map[string]*model.Post{},
	}
}

func (m *memServer) addUser(name string) *model.User {
	u := &model.User{Id: model.NewId(), Username: name}
	u.SetDefaultNotifications()
	m.users[u.Id], m.byName[name] = u, u
	return u
}

func (m *memServer) addChannel(t model.ChannelType, members ...*model.User) *model.Channel {
	ch := &model.Channel{Id: model.NewId(), Type: t, DisplayName: "Ops", TeamId: "team"}
	m.channels[ch.Id] = ch
	m.members[ch.Id] = map[string]*model.ChannelMember{}
	for _, u := range members {
		m.members[ch.Id][u.Id] = &model.ChannelMember{ChannelId: ch.Id, UserId: u.Id, NotifyProps: model.GetDefaultChannelNotifyProps()}
	}
	return ch
}

func notFound(what string) *model.AppError {
	return model.NewAppError("memServer", "not_found", nil, what, 404)
}

func (m *memServer) GetChannel(id string) (*model.Channel, *model.AppError) {
	m.calls.Add(1)
	if ch := m.channels[id]; ch != nil {
		return ch, nil
	}
	return nil, notFound(id)
}

func (m *memServer) GetChannelStats(id string) (*model.ChannelStats, *model.AppError) {
	m.calls.Add(1)
	return &model.ChannelStats{ChannelId: id, MemberCount: int64(len(m.members[id]))}, nil
}

func (m *memServer) GetChannelMembers(id string, page, perPage int) (model.ChannelMembers, *model.AppError) {
	m.calls.Add(1)
	var out model.ChannelMembers
	i := 0
	for _, cm := range m.members[id] {
		if i >= page*perPage && i < (page+1)*perPage {
			out = append(out, *cm)
		}
		i++
	}
	return out, nil
}

func (m *memServer) GetChannelMembersByIds(id string, userIDs []string) (model.ChannelMembers, *model.AppError) {
	m.calls.Add(1)
	if len(userIDs) > batchSize {
		return nil, notFound(fmt.Sprintf("%d ids in one call", len(userIDs)))
	}
	var out model.ChannelMembers
	for _, uid := range userIDs {
		if cm := m.members[id][uid]; cm != nil {
			out = append(out, *cm)
		}
	}
	return out, nil
}

func (m *memServer) GetUsersByIds(ids []string) ([]*model.User, *model.AppError) {
	m.calls.Add(1)
	var out []*model.User
	for _, id := range ids {
		if u := m.users[id]; u != nil {
			out = append(out, u)
		}
	}
	return out, nil
}

func (m *memServer) GetUsersByUsernames(names []string) ([]*model.User, *model.AppError) {
	m.calls.Add(1)
	var out []*model.User
	for _, n := range names {
		if u := m.byName[n]; u != nil {
			out = append(out, u)
		}
	}
	return out, nil
}

func (m *memServer) GetUserStatusesByIds(ids []string) ([]*model.Status, *model.AppError) {
	m.calls.Add(1)
	var out []*model.Status
	for _, id := range ids {
		out = append(out, &model.Status{UserId: id, Status: m.statuses[id]})
	}
	return out, nil
}

func (m *memServer) HasPermissionToChannel(string, string, *model.Permission) bool {
	m.calls.Add(1)
	return true
}

func (m *memServer) GetPostThread(id string) (*model.PostList, *model.AppError) {
	m.calls.Add(1)
	list := model.NewPostList()
	for _, p := range m.posts {
		if p.Id == id || p.RootId == id {
			list.AddPost(p)
		}
	}
	return list, nil
}

func (m *memServer) GetGroupByName(name string) (*model.Group, *model.AppError) {
	m.calls.Add(1)
	return nil, notFound(name)
}

func (m *memServer) GetGroupMemberUsers(string, int, int) ([]*model.User, *model.AppError) {
	m.calls.Add(1)
	return nil, nil
}

func (m *memServer) GetLicense() *model.License {
	m.calls.Add(1)
	return nil
}

// linkedSet is a fixed set of linked users.
type linkedSet map[string]string

func (l linkedSet) Len() int { return len(l) }
func (l linkedSet) Lookup(id string) (string, bool) {
	oid, ok := l[id]
	return oid, ok
}
func (l linkedSet) InForceFor(u *model.User) (string, bool) { return l.Lookup(u.Id) }
func (l linkedSet) UserIDs() []string {
	out := make([]string, 0, len(l))
	for id := range l {
		out = append(out, id)
	}
	return out
}
