package main

import (
	"context"
	"fmt"
	"strings"

	"github.com/mattermost/mattermost/server/public/model"

	"github.com/missioncollab/mattermost-plugin-m365/internal/appsetup"
	"github.com/missioncollab/mattermost-plugin-m365/server/config"
)

const pluginID = "io.missioncollab.m365"

// writeSettings puts the result into the plugin's settings through the
// Mattermost API, keeping the other settings; the plugin checks them as
// when an admin presses Save.
func writeSettings(ctx context.Context, c *cliConfig, token string, res *appsetup.Result) error {
	client := model.NewAPIv4Client(strings.TrimRight(c.mattermostURL, "/"))
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
	s["tenantid"], s["clientid"], s["cloud"] = res.TenantID, res.ClientID, string(c.cloud)
	if res.ClientSecret != "" {
		s["clientsecret"] = res.ClientSecret
	}
	if c.reach {
		s["reachbeforefirstuse"] = true
	}
	if c.cloud == config.CloudCustom {
		s["customauthorityurl"], s["customgraphurl"] = c.authorityURL, c.graphURL
	}
	cfg.PluginSettings.Plugins[pluginID] = s
	if _, _, err := client.UpdateConfig(ctx, cfg); err != nil {
		return fmt.Errorf("save the plugin settings: %w", err)
	}
	return nil
}
