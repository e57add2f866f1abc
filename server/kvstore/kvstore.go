// Package kvstore keeps the plugin's data in the Mattermost plugin KV store,
// shared by every server of a cluster, under typed keys.
package kvstore

import (
	"fmt"

	"github.com/missioncollab/mattermost-plugin-m365/server/mmapi"
	"github.com/missioncollab/mattermost-plugin-m365/server/teamsapp/icon"
)

// Icons stores the admin's uploaded Teams app icons.
type Icons struct {
	KV mmapi.KV
}

func iconKey(kind icon.Kind) string { return "teamsapp_icon_" + string(kind) }

// Get returns the uploaded icon of a kind, or nil when there is none.
func (s Icons) Get(kind icon.Kind) ([]byte, error) {
	data, appErr := s.KV.KVGet(iconKey(kind))
	if appErr != nil {
		return nil, fmt.Errorf("read %s icon: %w", kind, appErr)
	}
	return data, nil
}

// Set stores an uploaded icon, already prepared.
func (s Icons) Set(kind icon.Kind, png []byte) error {
	if appErr := s.KV.KVSet(iconKey(kind), png); appErr != nil {
		return fmt.Errorf("store %s icon: %w", kind, appErr)
	}
	return nil
}

// Delete removes an uploaded icon, so the default is used again.
func (s Icons) Delete(kind icon.Kind) error {
	if appErr := s.KV.KVDelete(iconKey(kind)); appErr != nil {
		return fmt.Errorf("remove %s icon: %w", kind, appErr)
	}
	return nil
}
