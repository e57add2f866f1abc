package main

import (
	"context"
	"fmt"
	"net"
	"net/url"
	"strings"

	"github.com/google/uuid"
	"github.com/mattermost/mattermost/server/public/model"

	"github.com/missioncollab/mattermost-plugin-m365/internal/appsetup"
	"github.com/missioncollab/mattermost-plugin-m365/server/config"
)

const pluginID = "io.missioncollab.m365"

// writeSettings puts the result into the plugin's settings through the
// Mattermost API, keeping the other settings; the plugin checks them as
// when an admin presses Save. A fresh plugin also gets what its Teams app
// package needs: an Application ID, a first version and a display name.
// It returns the values it replaced (nil for a setting that was not set),
// for putting them back.
func writeSettings(ctx context.Context, c *cliConfig, token string, res *appsetup.Result) (map[string]any, error) {
	client := model.NewAPIv4Client(strings.TrimRight(c.mattermostURL, "/"))
	client.SetToken(token)
	cfg, _, err := client.GetConfig(ctx)
	if err != nil {
		return nil, fmt.Errorf("read the server configuration: %w", err)
	}
	current := cfg.PluginSettings.Plugins[pluginID]
	change := map[string]any{"tenantid": res.TenantID, "clientid": res.ClientID, "cloud": string(c.cloud)}
	if res.ClientSecret != "" {
		change["clientsecret"] = res.ClientSecret
	}
	if c.reach {
		change["reachbeforefirstuse"] = true
	}
	// Written either way, so that a run without the flag goes back to the
	// tenant-wide permission it grants.
	change["leastprivilegenotifications"] = c.leastPriv
	if c.cloud == config.CloudCustom {
		change["customauthorityurl"], change["customgraphurl"] = c.authorityURL, c.graphURL
	}
	if text(current["appid"]) == "" {
		change["appid"] = uuid.NewString()
	}
	if text(current["appversion"]) == "" {
		change["appversion"] = "1.0.0"
	}
	if text(current["appdisplayname"]) == "" {
		change["appdisplayname"] = firstRunes(c.name, config.MaxDisplayNameLength)
	}
	before := map[string]any{}
	for k := range change {
		before[k] = current[k]
	}
	return before, patchSettings(ctx, strings.TrimRight(c.mattermostURL, "/"), token, change)
}

func text(v any) string {
	s, _ := v.(string)
	return strings.TrimSpace(s)
}

func firstRunes(s string, n int) string {
	r := []rune(strings.TrimSpace(s))
	if len(r) > n {
		r = r[:n]
	}
	return string(r)
}

// tokenMayGoTo refuses to send a Mattermost admin token in the clear to
// anything but this machine.
func tokenMayGoTo(mattermostURL string) error {
	u, err := url.Parse(mattermostURL)
	if err != nil || u.Host == "" {
		return fmt.Errorf("-mattermost-url %q: give the https address of Mattermost", mattermostURL)
	}
	if u.Scheme == "https" {
		return nil
	}
	host := u.Hostname()
	if ip := net.ParseIP(host); u.Scheme == "http" && (host == "localhost" || (ip != nil && ip.IsLoopback())) {
		return nil
	}
	return fmt.Errorf("-mattermost-url %q: MM_ADMIN_TOKEN goes only over https, or plain http to localhost", mattermostURL)
}
