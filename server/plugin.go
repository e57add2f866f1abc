package main

import (
	"context"
	"database/sql"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/mattermost/mattermost/server/public/model"
	"github.com/mattermost/mattermost/server/public/plugin"
	"github.com/mattermost/mattermost/server/public/shared/driver"

	"github.com/missioncollab/mattermost-plugin-m365/server/config"
	"github.com/missioncollab/mattermost-plugin-m365/server/frameancestors"
	"github.com/missioncollab/mattermost-plugin-m365/server/graph"
	"github.com/missioncollab/mattermost-plugin-m365/server/linkcmd"
	"github.com/missioncollab/mattermost-plugin-m365/server/linkindex"
	"github.com/missioncollab/mattermost-plugin-m365/server/notify"
	"github.com/missioncollab/mattermost-plugin-m365/server/notifycmd"
	"github.com/missioncollab/mattermost-plugin-m365/server/reach"
	"github.com/missioncollab/mattermost-plugin-m365/server/recipients"
	"github.com/missioncollab/mattermost-plugin-m365/server/reminder"
	"github.com/missioncollab/mattermost-plugin-m365/server/sso"
	"github.com/missioncollab/mattermost-plugin-m365/server/teamsapp"
)

// Plugin is the server half of the plugin, one per Mattermost server process.
type Plugin struct {
	plugin.MattermostPlugin

	// snap is the settings and server configuration as of the last
	// change, replaced whole: this hook runs on every change, so requests
	// read it instead of fetching the configuration again.
	snap atomic.Pointer[config.Snapshot]

	signIn *sso.SignIn

	dbOnce sync.Once
	db     *sql.DB

	teamsSDK teamsapp.BundledSDK

	router http.Handler

	framing *frameancestors.Keeper

	// links are the accounts linked to Teams, for the tenant in force.
	links    *linkindex.Live
	resolver *recipients.Resolver
	worker   *notify.Worker
	reach    *reach.Job

	reminder *reminder.Reminder

	graph graph.Cache
}

// OnActivate runs when the plugin starts. It needs no license and no
// settings: with settings missing it stays idle and says so in the log.
func (p *Plugin) OnActivate() error {
	p.makeParts()
	for _, cmd := range []*model.Command{linkcmd.Definition(), notifycmd.Definition()} {
		if err := p.API.RegisterCommand(cmd); err != nil {
			return fmt.Errorf("register /%s: %w", cmd.Trigger, err)
		}
	}
	if err := p.startNotifications(); err != nil {
		return fmt.Errorf("start notifications: %w", err)
	}
	p.router = p.routes()
	// Reminders are a convenience: a name clash with the bot must not keep
	// the plugin from running.
	p.reminder = &reminder.Reminder{
		API:        p.API,
		Expiry:     func(ctx context.Context) *time.Time { return p.healthReport(ctx).SecretExpires },
		ConsoleURL: func() string { return p.snapshot().Site.ConsoleURL(pluginID) },
	}
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
	if p.reach != nil {
		p.reach.Stop()
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
	stored, err := config.Load(p.API.LoadPluginConfiguration)
	if err != nil {
		return err
	}
	s, invalid := stored.InForce()
	if invalid != nil {
		p.API.LogError("Plugin settings are invalid; fix them in the System Console", "error", invalid.Error())
	}
	p.makeParts()
	p.signIn.Configure(s, serverCfg)
	previous := p.snap.Swap(config.NewSnapshot(s, serverCfg))
	settingsChanged := previous == nil || s != previous.Settings
	missing := s.Missing()
	missingChanged := previous == nil || !slices.Equal(missing, previous.Settings.Missing())
	p.links.Configure(s.TenantID, s.MatchAccountsByEmail, s.ReachBeforeFirstUse)
	// Saving the server config from inside its change hook would nest
	// hooks; do it once this one has returned.
	go p.framing.Apply(func() []string { return p.currentSettings().ServerFrameAncestors() })
	// New credentials may be close to expiry. This hook runs on any change
	// to the server's configuration; only the plugin's own settings matter.
	if previous != nil && previous.Settings.DisableNotifications && !s.DisableNotifications && p.worker != nil {
		// What waited while notifications were off never leaves.
		if err := p.worker.Queue.TurnedOn(time.Now()); err != nil {
			p.API.LogWarn("Recording that notifications were turned on failed", "error", err.Error())
		}
	}
	if settingsChanged {
		if p.reminder != nil {
			go p.reminder.Check()
		}
		if p.worker != nil {
			p.worker.Reprobe()
		}
		if p.reach != nil {
			p.reach.Wake()
		}
	}
	if missingChanged && len(missing) > 0 {
		p.API.LogInfo("Plugin settings are incomplete; Microsoft 365 features stay off until they are set in the System Console",
			"missing", strings.Join(missing, ", "))
	}
	return nil
}

// ConfigurationWillBeSaved validates the admin's settings when they press
// Save, and refuses bad values with a message that names the field and the
// rule. It never hands back a configuration to save (see WillBeSaved).
func (p *Plugin) ConfigurationWillBeSaved(newCfg *model.Config) (*model.Config, error) {
	return nil, config.WillBeSaved(newCfg, pluginID, p.API.LoadPluginConfiguration)
}

// makeParts creates the parts both OnConfigurationChange, which the
// server calls first, and OnActivate use.
func (p *Plugin) makeParts() {
	if p.links != nil {
		return
	}
	p.links = &linkindex.Live{API: p.API, DB: p.database}
	p.signIn = &sso.SignIn{
		API:         p.API,
		DB:          p.database,
		PreviewPath: "/plugins/" + pluginID + teamsapp.PreviewPath,
		OnLink:      p.links.Linked,
		OnUnlink:    p.links.Unlinked,
	}
	p.framing = &frameancestors.Keeper{API: p.API, Legacy: config.AllFrameAncestors()}
}

// database is the server's database, through the plugin RPC driver.
func (p *Plugin) database() *sql.DB {
	p.dbOnce.Do(func() { p.db = sql.OpenDB(driver.NewConnector(p.Driver, true)) })
	return p.db
}
