package main

import (
	"context"
	"time"

	"github.com/mattermost/mattermost/server/public/model"

	"github.com/missioncollab/mattermost-plugin-m365/server/reminder"
)

func (p *Plugin) newReminder() *reminder.Reminder {
	return &reminder.Reminder{
		API: p.API,
		Expiry: func(ctx context.Context) *time.Time {
			return p.healthReport(ctx).SecretExpires
		},
		ConsoleURL: func() string {
			return model.SafeDereference(p.serverConfig().ServiceSettings.SiteURL) + "/admin_console/plugins/plugin_" + pluginID
		},
	}
}
