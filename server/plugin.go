package main

import (
	"database/sql"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/mattermost/mattermost/server/public/model"
	"github.com/mattermost/mattermost/server/public/plugin"

	"github.com/missioncollab/mattermost-plugin-m365/server/config"
	"github.com/missioncollab/mattermost-plugin-m365/server/graph"
	"github.com/missioncollab/mattermost-plugin-m365/server/linkcmd"
	"github.com/missioncollab/mattermost-plugin-m365/server/linkindex"
	"github.com/missioncollab/mattermost-plugin-m365/server/notify"
	"github.com/missioncollab/mattermost-plugin-m365/server/recipients"
	"github.com/missioncollab/mattermost-plugin-m365/server/reminder"
	"github.com/missioncollab/mattermost-plugin-m365/server/sso"
)

// Plugin is the server half of the plugin, one per Mattermost server process.
type Plugin struct {
	plugin.MattermostPlugin

	// snap is the settings and server configuration as of the last
	// change, replaced whole: this hook runs on every change, so requests
	// read it instead of fetching the configuration again.
	snap atomic.Pointer[config.Snapshot]

	mu          sync.Mutex
	lastMissing []string
	signIn      *sso.SignIn

	dbOnce sync.Once
	db     *sql.DB

	sdkOnce sync.Once
	sdk     []byte
	sdkErr  error

	router http.Handler

	framingMu sync.Mutex

	// links are the accounts linked to Teams, for the tenant in force.
	links    *linkindex.Live
	resolver *recipients.Resolver
	worker   *notify.Worker

	reminder *reminder.Reminder

	graph graph.Cache
}

// OnActivate runs when the plugin starts. It needs no license and no
// settings: with settings missing it stays idle and says so in the log.
func (p *Plugin) OnActivate() error {
	p.makeParts()
	p.router = p.routes()
	if err := p.API.RegisterCommand(linkcmd.Definition()); err != nil {
		return fmt.Errorf("register /%s: %w", linkcmd.Trigger, err)
	}
	if err := p.startNotifications(); err != nil {
		return fmt.Errorf("start notifications: %w", err)
	}
	// Reminders are a convenience: a name clash with the bot must not keep
	// the plugin from running.
	p.reminder = p.newReminder()
	if err := p.reminder.Start(); err != nil {
		p.API.LogError("Secret expiry reminders are off", "error", err.Error())
	}
	return nil
}

// snapshot is the settings and server configuration in force.
func (p *Plugin) snapshot() *config.Snapshot {
	if snap := p.snap.Load(); snap != nil {
		return snap
	}
	return config.NewSnapshot(config.Settings{Cloud: config.CloudCommercial}, p.API.GetConfig())
}

// serverConfig returns the server configuration in force.
func (p *Plugin) serverConfig() *model.Config { return p.snapshot().Server }

// currentSettings returns the plugin's settings in force.
func (p *Plugin) currentSettings() config.Settings { return p.snapshot().Settings }

// OnDeactivate stops background work.
func (p *Plugin) OnDeactivate() error {
	if p.worker != nil {
		p.worker.Stop()
	}
	if p.links != nil {
		p.links.Stop()
	}
	if p.reminder != nil {
		p.reminder.Close()
	}
	if p.signIn != nil {
		p.signIn.Close()
	}
	return nil
}

// OnConfigurationChange loads the settings whenever they change.
func (p *Plugin) OnConfigurationChange() error {
	serverCfg := p.API.GetConfig()
	// GetConfig and GetPluginConfig mask the client secret; only
	// LoadPluginConfiguration gives the settings as stored.
	raw := map[string]any{}
	if err := p.API.LoadPluginConfiguration(&raw); err != nil {
		return fmt.Errorf("load settings: %w", err)
	}
	s, err := config.FromMap(raw)
	if err != nil {
		return fmt.Errorf("load settings: %w", err)
	}
	s = s.Normalize()
	if err := s.Validate(); err != nil {
		// Settings that bypassed the save check (a config file edited by
		// hand, say) are logged and left unused rather than half applied.
		p.API.LogError("Plugin settings are invalid; fix them in the System Console", "error", err.Error())
		s = config.Settings{Cloud: config.CloudCommercial, DisableNotifications: s.DisableNotifications}
	}
	p.makeParts()
	p.signIn.Configure(s, serverCfg)
	previous := p.snap.Swap(config.NewSnapshot(s, serverCfg))
	settingsChanged := previous == nil || s != previous.Settings
	p.mu.Lock()
	missing := s.Missing()
	changed := !slices.Equal(missing, p.lastMissing)
	p.lastMissing = missing
	p.mu.Unlock()
	p.links.Configure(s.TenantID, s.MatchAccountsByEmail)
	// Saving the server config from inside its change hook would nest
	// hooks; do it once this one has returned.
	go p.ensureFrameAncestors()
	// New credentials may be close to expiry. This hook runs on any change
	// to the server's configuration; only the plugin's own settings matter.
	if settingsChanged {
		if p.reminder != nil {
			go p.reminder.Check()
		}
		if p.worker != nil {
			p.worker.Reprobe()
		}
	}
	if changed && len(missing) > 0 {
		p.API.LogInfo("Plugin settings are incomplete; Microsoft 365 features stay off until they are set in the System Console",
			"missing", strings.Join(missing, ", "))
	}
	return nil
}

// ConfigurationWillBeSaved validates the admin's settings when they press
// Save, trims stray white space, and refuses bad values with a message that
// names the field and the rule.
func (p *Plugin) ConfigurationWillBeSaved(newCfg *model.Config) (*model.Config, error) {
	raw, ok := newCfg.PluginSettings.Plugins[pluginID]
	if !ok {
		return nil, nil
	}
	stored := map[string]any{}
	if err := p.API.LoadPluginConfiguration(&stored); err != nil {
		return nil, fmt.Errorf("load the stored settings: %w", err)
	}
	prepared, appErr := config.PrepareSave(raw, stored)
	if appErr != nil {
		return nil, appErr
	}
	out := newCfg.Clone()
	out.PluginSettings.Plugins[pluginID] = prepared
	return out, nil
}

// makeParts creates the parts both OnConfigurationChange, which the
// server calls first, and OnActivate use.
func (p *Plugin) makeParts() {
	if p.links == nil {
		p.links = &linkindex.Live{API: p.API}
	}
	if p.signIn == nil {
		p.signIn = p.newSignIn()
	}
}
