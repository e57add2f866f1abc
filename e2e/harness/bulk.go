package harness

import (
	"fmt"

	"github.com/mattermost/mattermost/server/public/model"
	"github.com/mattermost/mattermost/server/public/shared/request"
)

// BulkMembers creates n accounts straight in the server's store and makes
// them members of a team and a channel: measuring the plugin at scale
// needs thousands of people, which the REST API creates too slowly. The
// accounts have no password and cannot log in.
func (s *Server) BulkMembers(teamID, channelID, prefix string, n int) ([]*model.User, error) {
	st := s.srv.Store()
	rctx := request.EmptyContext(s.srv.Log())
	users := make([]*model.User, 0, n)
	for i := range n {
		name := fmt.Sprintf("%s%05d", prefix, i)
		u := &model.User{Username: name, Email: name + "@example.com", EmailVerified: true}
		u.SetDefaultNotifications()
		saved, err := st.User().Save(rctx, u)
		if err != nil {
			return nil, fmt.Errorf("save user %s: %w", name, err)
		}
		users = append(users, saved)
	}
	const batch = 500
	for start := 0; start < len(users); start += batch {
		var teamMembers []*model.TeamMember
		var channelMembers []*model.ChannelMember
		for _, u := range users[start:min(start+batch, len(users))] {
			teamMembers = append(teamMembers, &model.TeamMember{TeamId: teamID, UserId: u.Id, SchemeUser: true})
			channelMembers = append(channelMembers, &model.ChannelMember{ChannelId: channelID, UserId: u.Id,
				SchemeUser: true, NotifyProps: model.GetDefaultChannelNotifyProps()})
		}
		if _, err := st.Team().SaveMultipleMembers(teamMembers, -1); err != nil {
			return nil, fmt.Errorf("add team members: %w", err)
		}
		if _, err := st.Channel().SaveMultipleMembers(channelMembers); err != nil {
			return nil, fmt.Errorf("add channel members: %w", err)
		}
	}
	s.srv.Platform().InvalidateAllCaches()
	return users, nil
}

// PluginKV reads and writes a plugin's KV store straight in the server's
// store, for setting up data at scale.
type PluginKV struct {
	s        *Server
	pluginID string
}

// PluginKV returns the KV store of a plugin.
func (s *Server) PluginKV(pluginID string) PluginKV { return PluginKV{s: s, pluginID: pluginID} }

// KVGet returns a value, or nil.
func (kv PluginKV) KVGet(key string) ([]byte, *model.AppError) {
	v, err := kv.s.srv.Store().Plugin().Get(kv.pluginID, key)
	if err != nil {
		return nil, nil
	}
	return v.Value, nil
}

// KVSet stores a value.
func (kv PluginKV) KVSet(key string, value []byte) *model.AppError {
	if _, err := kv.s.srv.Store().Plugin().SaveOrUpdate(&model.PluginKeyValue{PluginId: kv.pluginID, Key: key, Value: value}); err != nil {
		return model.NewAppError("PluginKV.KVSet", "harness.kv", nil, err.Error(), 500)
	}
	return nil
}

// KVCompareAndSet stores a value if the stored one is oldValue (nil: none).
func (kv PluginKV) KVCompareAndSet(key string, oldValue, newValue []byte) (bool, *model.AppError) {
	ok, err := kv.s.srv.Store().Plugin().CompareAndSet(&model.PluginKeyValue{PluginId: kv.pluginID, Key: key, Value: newValue}, oldValue)
	if err != nil {
		return false, model.NewAppError("PluginKV.KVCompareAndSet", "harness.kv", nil, err.Error(), 500)
	}
	return ok, nil
}

// KVSetWithOptions stores a value as the plugin API's call of that name
// does: atomically, with an expiry, or both.
func (kv PluginKV) KVSetWithOptions(key string, value []byte, options model.PluginKVSetOptions) (bool, *model.AppError) {
	ok, err := kv.s.srv.Store().Plugin().SetWithOptions(kv.pluginID, key, value, options)
	if err != nil {
		return false, model.NewAppError("PluginKV.KVSetWithOptions", "harness.kv", nil, err.Error(), 500)
	}
	return ok, nil
}

// KVList returns every key, in pages of 1,000.
func (kv PluginKV) KVList() ([]string, error) {
	var keys []string
	for offset := 0; ; offset += 1000 {
		page, err := kv.s.srv.Store().Plugin().List(kv.pluginID, offset, 1000)
		if err != nil {
			return nil, fmt.Errorf("list the plugin's keys: %w", err)
		}
		keys = append(keys, page...)
		if len(page) < 1000 {
			return keys, nil
		}
	}
}

// KVDelete removes a value.
func (kv PluginKV) KVDelete(key string) *model.AppError {
	if err := kv.s.srv.Store().Plugin().Delete(kv.pluginID, key); err != nil {
		return model.NewAppError("PluginKV.KVDelete", "harness.kv", nil, err.Error(), 500)
	}
	return nil
}

// SetLicense gives the server a license, or takes it away with nil, for
// features only licensed servers have.
func (s *Server) SetLicense(l *model.License) {
	s.srv.SetLicense(l)
}
