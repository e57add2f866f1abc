// Package reminder tells system admins, through the plugin's bot, when the
// app registration's client secret is about to expire: from 30 days
// before, at most once a day across a cluster.
package reminder

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/mattermost/mattermost/server/public/model"
	"github.com/mattermost/mattermost/server/public/pluginapi/cluster"

	"github.com/missioncollab/mattermost-plugin-m365/server/health"
	"github.com/missioncollab/mattermost-plugin-m365/server/mmapi"
)

// API is the part of the plugin API the reminder uses.
type API interface {
	cluster.JobPluginAPI
	EnsureBotUser(bot *model.Bot) (string, error)
	KVSetWithOptions(key string, value []byte, options model.PluginKVSetOptions) (bool, *model.AppError)
	GetUsers(options *model.UserGetOptions) ([]*model.User, *model.AppError)
	GetDirectChannel(userID1, userID2 string) (*model.Channel, *model.AppError)
	CreatePost(post *model.Post) (*model.Post, *model.AppError)
	mmapi.Logger
}

// remindedKey exists for a day after admins were reminded; creating it is
// atomic, so one server of a cluster reminds.
const remindedKey = "secret_expiry_reminded"

const adminsPerPage = 100

// Bot is the account the reminders come from.
var Bot = &model.Bot{
	Username:    "microsoft365",
	DisplayName: "Microsoft 365",
	Description: "Tells admins, and people whose Teams notifications stopped, when the Microsoft 365 integration needs their attention.",
}

// Reminder checks the secret's expiry and messages the admins.
type Reminder struct {
	API API
	// Expiry is when the client secret expires, nil when unknown.
	Expiry func(ctx context.Context) *time.Time
	// ConsoleURL is the plugin's settings page, where the secret goes.
	ConsoleURL func() string
	// Now is the clock; time.Now if nil.
	Now func() time.Time

	mu    sync.Mutex
	botID string
	job   *cluster.Job
}

// Start makes sure the bot exists and checks every hour, cluster-wide.
func (r *Reminder) Start() error {
	botID, err := r.API.EnsureBotUser(Bot)
	if err != nil {
		return fmt.Errorf("ensure bot: %w", err)
	}
	r.mu.Lock()
	r.botID = botID
	r.mu.Unlock()
	job, err := cluster.Schedule(r.API, "secret_expiry", cluster.MakeWaitForInterval(time.Hour), r.Check)
	if err != nil {
		return fmt.Errorf("schedule secret expiry reminder: %w", err)
	}
	r.mu.Lock()
	r.job = job
	r.mu.Unlock()
	return nil
}

// Close stops the hourly check.
func (r *Reminder) Close() {
	r.mu.Lock()
	job := r.job
	r.mu.Unlock()
	if job != nil {
		_ = job.Close()
	}
}

// Check messages every active system admin, at most once a day, from
// the connection check's warning window before the client secret expires.
func (r *Reminder) Check() {
	r.mu.Lock()
	botID := r.botID
	r.mu.Unlock()
	if botID == "" {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	end := r.Expiry(ctx)
	now := r.now()
	if end == nil || end.Sub(now) > health.ExpiryWarning {
		return
	}
	first, appErr := r.API.KVSetWithOptions(remindedKey, []byte(now.UTC().Format(time.RFC3339)),
		model.PluginKVSetOptions{Atomic: true, ExpireInSeconds: int64((24 * time.Hour).Seconds())})
	if appErr != nil || !first {
		return
	}
	r.messageAdmins(botID, Message(*end, now, r.ConsoleURL()))
}

func (r *Reminder) now() time.Time {
	if r.Now != nil {
		return r.Now()
	}
	return time.Now()
}

// Message is the reminder's text for a secret that ends at end.
func Message(end, now time.Time, consoleURL string) string {
	date := end.UTC().Format("2 January 2006")
	if !end.After(now) {
		return fmt.Sprintf("The client secret of the Microsoft 365 app registration expired on %s: Teams notifications have stopped. "+
			"Create a new client secret under **Certificates & secrets** in the app registration and paste its Value into "+
			"[Client Secret](%s).", date, consoleURL)
	}
	days := int(end.Sub(now).Hours() / 24)
	return fmt.Sprintf("The client secret of the Microsoft 365 app registration expires on %s, in %d days. "+
		"Before then, create a new client secret under **Certificates & secrets** in the app registration and paste its Value into "+
		"[Client Secret](%s), or Teams notifications will stop.", date, days, consoleURL)
}

func (r *Reminder) messageAdmins(botID, msg string) {
	for page := 0; ; page++ {
		admins, appErr := r.API.GetUsers(&model.UserGetOptions{Role: model.SystemAdminRoleId, Active: true, Page: page, PerPage: adminsPerPage})
		if appErr != nil {
			r.API.LogError("Listing system admins failed", "error", appErr.Error())
			return
		}
		for _, admin := range admins {
			ch, appErr := r.API.GetDirectChannel(botID, admin.Id)
			if appErr != nil {
				continue
			}
			if _, appErr := r.API.CreatePost(&model.Post{UserId: botID, ChannelId: ch.Id, Message: msg}); appErr != nil {
				r.API.LogWarn("Messaging a system admin failed", "user_id", admin.Id, "error", appErr.Error())
			}
		}
		if len(admins) < adminsPerPage {
			return
		}
	}
}
