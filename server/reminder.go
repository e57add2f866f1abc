package main

import (
	"context"
	"fmt"
	"time"

	"github.com/mattermost/mattermost/server/public/model"
	"github.com/mattermost/mattermost/server/public/pluginapi/cluster"

	"github.com/missioncollab/mattermost-plugin-m365/server/health"
)

// remindedKey exists for a day after admins were reminded of the secret's
// expiry; creating it is atomic, so one server of a cluster reminds.
const remindedKey = "secret_expiry_reminded"

var bot = &model.Bot{
	Username:    "microsoft365",
	DisplayName: "Microsoft 365",
	Description: "Tells system admins when the Microsoft 365 integration needs attention.",
}

// startReminder checks the secret's expiry every hour, across the cluster.
func (p *Plugin) startReminder() error {
	botID, err := p.API.EnsureBotUser(bot)
	if err != nil {
		return fmt.Errorf("ensure bot: %w", err)
	}
	p.mu.Lock()
	p.botID = botID
	p.mu.Unlock()
	job, err := cluster.Schedule(p.API, "secret_expiry", cluster.MakeWaitForInterval(time.Hour), p.remindSecretExpiry)
	if err != nil {
		return fmt.Errorf("schedule secret expiry reminder: %w", err)
	}
	p.reminderJob = job
	return nil
}

// remindSecretExpiry messages every system admin, at most once a day,
// from 30 days before the client secret expires.
func (p *Plugin) remindSecretExpiry() {
	p.mu.RLock()
	ready := p.botID != ""
	p.mu.RUnlock()
	if !ready {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	report := p.healthReport(ctx)
	if report.SecretExpires == nil || time.Until(*report.SecretExpires) > health.ExpiryWarning {
		return
	}
	first, appErr := p.API.KVSetWithOptions(remindedKey, []byte(time.Now().UTC().Format(time.RFC3339)),
		model.PluginKVSetOptions{Atomic: true, ExpireInSeconds: int64((24 * time.Hour).Seconds())})
	if appErr != nil || !first {
		return
	}
	p.messageAdmins(expiryMessage(*report.SecretExpires, model.SafeDereference(p.serverConfig().ServiceSettings.SiteURL)))
}

func expiryMessage(end time.Time, siteURL string) string {
	date := end.UTC().Format("2 January 2006")
	console := siteURL + "/admin_console/plugins/plugin_" + pluginID
	if !end.After(time.Now()) {
		return fmt.Sprintf("The client secret of the Microsoft 365 app registration expired on %s: Teams notifications have stopped. "+
			"Create a new client secret under **Certificates & secrets** in the app registration and paste its Value into "+
			"[Client Secret](%s).", date, console)
	}
	days := int(time.Until(end).Hours() / 24)
	return fmt.Sprintf("The client secret of the Microsoft 365 app registration expires on %s, in %d days. "+
		"Before then, create a new client secret under **Certificates & secrets** in the app registration and paste its Value into "+
		"[Client Secret](%s), or Teams notifications will stop.", date, days, console)
}

// messageAdmins sends a direct message from the bot to every active
// system admin.
func (p *Plugin) messageAdmins(msg string) {
	p.mu.RLock()
	botID := p.botID
	p.mu.RUnlock()
	for page := 0; ; page++ {
		admins, appErr := p.API.GetUsers(&model.UserGetOptions{Role: model.SystemAdminRoleId, Active: true, Page: page, PerPage: 100})
		if appErr != nil {
			p.API.LogError("Listing system admins failed", "error", appErr.Error())
			return
		}
		for _, admin := range admins {
			ch, appErr := p.API.GetDirectChannel(botID, admin.Id)
			if appErr != nil {
				continue
			}
			if _, appErr := p.API.CreatePost(&model.Post{UserId: botID, ChannelId: ch.Id, Message: msg}); appErr != nil {
				p.API.LogWarn("Messaging a system admin failed", "user_id", admin.Id, "error", appErr.Error())
			}
		}
		if len(admins) < 100 {
			return
		}
	}
}
