package appsetup

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/mattermost/mattermost/server/public/model"
)

// maxFramingAnswer caps the plugin's answer on its frame ancestors.
const maxFramingAnswer = 64 << 10

// ApplyFrameAncestors sets ServiceSettings.FrameAncestors to the value the
// plugin pluginID asks for, and returns it; "" when it was in place
// already. A dry run only returns it. The plugin cannot set it itself (a
// save through the plugin API turns every setting that is off back to its
// default); the REST API's config patch changes this one setting and keeps
// every other.
func ApplyFrameAncestors(ctx context.Context, mm *model.Client4, pluginID string, dryRun bool) (string, error) {
	url := strings.TrimRight(mm.URL, "/") + "/plugins/" + pluginID + "/api/v1/frame-ancestors"
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return "", err
	}
	req.Header.Set("Authorization", "Bearer "+mm.AuthToken)
	req.Header.Set("X-Requested-With", "XMLHttpRequest")
	resp, err := mm.HTTPClient.Do(req)
	if err != nil {
		return "", fmt.Errorf("ask the plugin for its frame ancestors: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("ask the plugin for its frame ancestors: %s", resp.Status)
	}
	var st struct {
		Value   string `json:"value"`
		InPlace bool   `json:"inPlace"`
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, maxFramingAnswer)).Decode(&st); err != nil {
		return "", fmt.Errorf("read the frame ancestors the plugin needs: %w", err)
	}
	if st.InPlace {
		return "", nil
	}
	if dryRun {
		return st.Value, nil
	}
	patch := &model.Config{ServiceSettings: model.ServiceSettings{FrameAncestors: model.NewPointer(st.Value)}}
	if _, _, err := mm.PatchConfig(ctx, patch); err != nil {
		return "", fmt.Errorf("set the frame ancestors: %w", err)
	}
	return st.Value, nil
}
