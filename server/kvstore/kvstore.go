// Package kvstore keeps the plugin's data in the Mattermost plugin KV store,
// shared by every server of a cluster, under typed keys.
package kvstore

import (
	"encoding/json"
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

// Published is what the tenant's Teams app catalog was last given, as
// the setup command reports it: the version and the content digest of
// the package.
type Published struct {
	Version string `json:"version"`
	Digest  string `json:"digest"`
	At      int64  `json:"at"`
}

// TeamsAppPublished remembers the package last published to the catalog.
type TeamsAppPublished struct {
	KV mmapi.KV
}

const publishedKey = "teamsapp_published"

// Get returns the record, or nil when nothing was reported.
func (s TeamsAppPublished) Get() (*Published, error) {
	data, appErr := s.KV.KVGet(publishedKey)
	if appErr != nil {
		return nil, fmt.Errorf("read the published Teams app: %w", appErr)
	}
	if data == nil {
		return nil, nil
	}
	var p Published
	if err := json.Unmarshal(data, &p); err != nil {
		return nil, fmt.Errorf("decode the published Teams app: %w", err)
	}
	return &p, nil
}

// Set stores the record.
func (s TeamsAppPublished) Set(p Published) error {
	data, err := json.Marshal(p)
	if err != nil {
		return fmt.Errorf("encode the published Teams app: %w", err)
	}
	if appErr := s.KV.KVSet(publishedKey, data); appErr != nil {
		return fmt.Errorf("store the published Teams app: %w", appErr)
	}
	return nil
}
