package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/mattermost/mattermost/server/public/model"

	"github.com/missioncollab/mattermost-plugin-m365/internal/appsetup"
	"github.com/missioncollab/mattermost-plugin-m365/server/teamsapp"
)

// maxPackage caps the Teams app package read from the plugin.
const maxPackage = 8 << 20

// pluginClient is the plugin on Mattermost, through its admin API: the
// package it builds, the upload it knows of, and its version setting.
type pluginClient struct {
	base  string // the Mattermost URL, without a trailing slash
	token string
	hc    *http.Client
}

type packageStatus struct {
	Ready    bool `json:"ready"`
	Problems []struct {
		Setting string `json:"setting"`
		Message string `json:"message"`
	} `json:"problems"`
	AppID     string           `json:"appId"`
	Version   string           `json:"version"`
	Digest    string           `json:"digest"`
	Published *teamsapp.Upload `json:"published"`
}

func (p *pluginClient) call(ctx context.Context, method, path string, body []byte) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, method, p.base+"/plugins/"+pluginID+path, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Authorization", "Bearer "+p.token)
	req.Header.Set("X-Requested-With", "XMLHttpRequest")
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := p.hc.Do(req)
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w", method, path, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxPackage+1))
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w", method, path, err)
	}
	if len(data) > maxPackage {
		return nil, fmt.Errorf("%s %s: the answer is over %d bytes", method, path, maxPackage)
	}
	if resp.StatusCode/100 != 2 {
		var e struct {
			Error   string `json:"error"`
			Message string `json:"message"`
		}
		_ = json.Unmarshal(data, &e)
		return nil, fmt.Errorf("%s %s: %d %s", method, path, resp.StatusCode, strings.TrimSpace(e.Error+" "+e.Message))
	}
	return data, nil
}

func (p *pluginClient) status(ctx context.Context) (*packageStatus, error) {
	data, err := p.call(ctx, http.MethodGet, "/api/v1/teams-app/status", nil)
	if err != nil {
		return nil, err
	}
	var st packageStatus
	if err := json.Unmarshal(data, &st); err != nil {
		return nil, fmt.Errorf("read the package status: %w", err)
	}
	return &st, nil
}

func (p *pluginClient) Package(ctx context.Context) (appsetup.TeamsPackage, error) {
	st, err := p.status(ctx)
	if err != nil {
		return appsetup.TeamsPackage{}, err
	}
	if !st.Ready {
		var missing []string
		for _, pr := range st.Problems {
			missing = append(missing, pr.Setting+": "+pr.Message)
		}
		return appsetup.TeamsPackage{}, fmt.Errorf("the plugin cannot build the Teams app package yet: %s", strings.Join(missing, "; "))
	}
	zip, err := p.call(ctx, http.MethodGet, "/api/v1/teams-app/package", nil)
	if err != nil {
		return appsetup.TeamsPackage{}, err
	}
	return appsetup.TeamsPackage{ZIP: zip, AppID: st.AppID, Package: teamsapp.Package{Version: st.Version, Digest: st.Digest}}, nil
}

func (p *pluginClient) LastUpload(ctx context.Context) (*teamsapp.Upload, error) {
	st, err := p.status(ctx)
	if err != nil {
		return nil, err
	}
	return st.Published, nil
}

func (p *pluginClient) RecordUpload(ctx context.Context, u teamsapp.Upload) error {
	body, err := json.Marshal(u)
	if err != nil {
		return err
	}
	_, err = p.call(ctx, http.MethodPut, "/api/v1/teams-app/published", body)
	return err
}

func (p *pluginClient) SetVersion(ctx context.Context, version string) error {
	return patchSettings(ctx, p.base, p.token, map[string]any{"appversion": version})
}

// patchSettings changes some of the plugin's settings through the
// Mattermost API (nil removes one), keeping the rest; the plugin checks them as when an
// admin presses Save.
func patchSettings(ctx context.Context, base, token string, change map[string]any) error {
	client := model.NewAPIv4Client(base)
	client.SetToken(token)
	cfg, _, err := client.GetConfig(ctx)
	if err != nil {
		return fmt.Errorf("read the server configuration: %w", err)
	}
	if cfg.PluginSettings.Plugins == nil {
		cfg.PluginSettings.Plugins = map[string]map[string]any{}
	}
	s := cfg.PluginSettings.Plugins[pluginID]
	if s == nil {
		s = map[string]any{}
	}
	for k, v := range change {
		if v == nil {
			delete(s, k)
		} else {
			s[k] = v
		}
	}
	cfg.PluginSettings.Plugins[pluginID] = s
	if _, _, err := client.UpdateConfig(ctx, cfg); err != nil {
		return fmt.Errorf("save the plugin settings: %w", err)
	}
	return nil
}
