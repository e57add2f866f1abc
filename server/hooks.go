package main

import (
	"cmp"
	"context"
	"net/http"
	"strings"
	"time"

	"github.com/mattermost/mattermost/server/public/model"
	"github.com/mattermost/mattermost/server/public/plugin"
	"github.com/mattermost/mattermost/server/public/pluginapi/cluster"

	"github.com/missioncollab/mattermost-plugin-m365/server/attention"
	"github.com/missioncollab/mattermost-plugin-m365/server/frameancestors"
	"github.com/missioncollab/mattermost-plugin-m365/server/health"
	"github.com/missioncollab/mattermost-plugin-m365/server/httpapi"
	"github.com/missioncollab/mattermost-plugin-m365/server/kvstore"
	"github.com/missioncollab/mattermost-plugin-m365/server/linkcmd"
	"github.com/missioncollab/mattermost-plugin-m365/server/notify"
	"github.com/missioncollab/mattermost-plugin-m365/server/notifycmd"
	"github.com/missioncollab/mattermost-plugin-m365/server/pages"
	"github.com/missioncollab/mattermost-plugin-m365/server/preview"
	"github.com/missioncollab/mattermost-plugin-m365/server/reach"
	"github.com/missioncollab/mattermost-plugin-m365/server/recipients"
	"github.com/missioncollab/mattermost-plugin-m365/server/reminder"
	"github.com/missioncollab/mattermost-plugin-m365/server/sender"
	"github.com/missioncollab/mattermost-plugin-m365/server/sso"
	"github.com/missioncollab/mattermost-plugin-m365/server/teamsapp"
	"github.com/missioncollab/mattermost-plugin-m365/server/testnotify"
)

func (p *Plugin) routes() http.Handler {
	return httpapi.New(httpapi.Deps{
		PluginID: pluginID,
		Snapshot: p.snapshot,
		IsSystemAdmin: func(userID string) bool {
			return p.API.HasPermissionTo(userID, model.PermissionManageSystem)
		},
		Icons:    kvstore.Icons{KV: p.API},
		Log:      p.API,
		SSO:      func() *sso.Service { return p.signIn.Service(p.snapshot()) },
		Users:    p.API,
		TeamsSDK: func() ([]byte, error) { return p.teamsSDK.Load(p.API.GetBundlePath) },
		Preview:  p.previewPost,
		Health:   p.healthReport,
		Framing: func() (frameancestors.Status, error) {
			return p.framing.Check(p.currentSettings().ServerFrameAncestors())
		},
		TestNotification: func(ctx context.Context, userID string) testnotify.Result {
			return p.tester().Send(ctx, userID)
		},
		Reach:          p.reach,
		NotifyLinks:    p.links,
		Published:      kvstore.TeamsAppPublished{KV: p.API},
		CatalogVersion: p.catalogVersion,
		Refusals:       notify.Refusals{KV: p.API},
	})
}

// catalogVersion is the version of the Teams app in the tenant catalog.
func (p *Plugin) catalogVersion(ctx context.Context) (string, error) {
	s := p.currentSettings()
	if !s.CanCallGraph() || s.AppID == "" {
		return "", httpapi.ErrNoGraph
	}
	client, err := p.graph.ForSettings(s)
	if err != nil {
		return "", err
	}
	app, err := client.CatalogApp(ctx, s.AppID)
	if err != nil {
		return "", err
	}
	return app.Version, nil
}

func (p *Plugin) previewPost(viewerID, postID string) (*pages.PreviewPost, error) {
	snap := p.snapshot()
	return preview.Build(p.API, viewerID, postID, preview.Options{Subpath: snap.Site.Subpath, Names: sender.SettingsFrom(snap.Server)})
}

// ServeHTTP serves /plugins/<id>/... on the Mattermost server.
func (p *Plugin) ServeHTTP(c *plugin.Context, w http.ResponseWriter, r *http.Request) {
	if c != nil && c.SessionId != "" {
		r = r.WithContext(httpapi.WithSessionID(r.Context(), c.SessionId))
	}
	p.router.ServeHTTP(w, r)
}

// ExecuteCommand runs /m365 and /teams.
func (p *Plugin) ExecuteCommand(_ *plugin.Context, args *model.CommandArgs) (*model.CommandResponse, *model.AppError) {
	if trigger, _, _ := strings.Cut(strings.TrimPrefix(args.Command, "/"), " "); trigger == notifycmd.Trigger {
		return notifycmd.Command{
			API:     p.API,
			Choices: p.links,
			Linked:  func(userID string) bool { _, ok := p.links.Lookup(userID); return ok },
			Status:  func() string { return p.currentSettings().NotNotifyingBecause() },
			Test: func(userID string) testnotify.Result {
				return p.tester().Send(context.Background(), userID)
			},
		}.Execute(args), nil
	}
	audit := sso.Audit{Log: p.API}
	return linkcmd.Command{
		API:         p.API,
		Links:       p.signIn.Links(),
		NotifyLinks: p.links,
		MatchEmail:  func() bool { return p.currentSettings().MatchAccountsByEmail },
		Unlinked:    audit.Unlinked,
	}.Execute(args), nil
}

// startNotifications builds the link index and starts the queue worker.
func (p *Plugin) startNotifications() error {
	mutex, err := cluster.NewMutex(p.API, "notify_worker")
	if err != nil {
		return err
	}
	p.worker = &notify.Worker{
		Queue: notify.Queue{KV: p.API},
		Lock:  mutex,
		Delivery: func() (notify.Delivery, error) {
			return notify.DeliveryFor(p.currentSettings(), model.SafeDereference(p.serverConfig().EmailSettings.PushNotificationContents), &p.graph)
		},
		Log:       p.API,
		Stats:     &notify.Stats{KV: p.API},
		Limits:    notify.DefaultLimits,
		Attention: attention.Check{API: p.API, Choice: p.links.Choice},
		Now:       p.API,
		Linked:    p.links,
		Tell:      notify.Teller{API: p.API, Bot: reminder.Bot}.Tell,
	}
	p.worker.Start()
	p.links.StartRefresh()
	p.links.StartReconcile()
	reachLock, err := cluster.NewMutex(p.API, "reach_job")
	if err != nil {
		return err
	}
	p.reach = &reach.Job{API: p.API, Lock: reachLock, Target: p.reachTarget, Links: p.links, Limits: reach.DefaultLimits}
	p.reach.Start()
	// Only with a worker running does the post hook queue anything.
	p.resolver = &recipients.Resolver{API: p.API, Linked: p.links, Keywords: p.links.Keywords(),
		Options: func() recipients.Options { return recipients.OptionsFrom(p.serverConfig()) }}
	return nil
}

// reachTarget is where the job that links people who never opened the
// app works under the settings in force.
func (p *Plugin) reachTarget() (reach.Target, error) {
	s := p.currentSettings()
	if !s.CanReach() {
		return reach.Target{}, reach.ErrOff
	}
	client, err := p.graph.ForSettings(s)
	if err != nil {
		return reach.Target{}, err
	}
	return reach.Target{TenantID: s.TenantID, AppExternalID: s.AppID, Graph: client}, nil
}

// UserHasBeenCreated has the next run of the notification link job read
// the new account.
func (p *Plugin) UserHasBeenCreated(_ *plugin.Context, _ *model.User) {
	if p.reach != nil {
		p.reach.AccountCreated()
	}
}

// tester sends test notifications through the queue the worker drains.
func (p *Plugin) tester() testnotify.Tester {
	return testnotify.Tester{
		Queue:   notify.Queue{KV: p.API},
		Reprobe: p.worker.Reprobe,
		Target:  func() (notify.Target, bool) { return notify.TargetFor(p.snapshot()) },
		Why:     func() string { return p.currentSettings().NotNotifyingBecause() },
		Lookup:  p.links.Lookup,
		AppName: func() string { return cmp.Or(p.currentSettings().AppDisplayName, "Mattermost") },
	}
}

// OnPluginClusterEvent hears of links made and removed on other servers.
func (p *Plugin) OnPluginClusterEvent(_ *plugin.Context, ev model.PluginClusterEvent) {
	p.links.OnClusterEvent(ev)
}

// MessageHasBeenPosted queues a new post for the people linked to Teams
// whom Mattermost would notify of it.
func (p *Plugin) MessageHasBeenPosted(_ *plugin.Context, post *model.Post) {
	notify.Hook{
		Resolver: p.resolver,
		Queue:    notify.Queue{KV: p.API},
		Wake:     p.worker.Wake,
		Users:    p.API,
		Log:      p.API,
		Target:   func() (notify.Target, bool) { return notify.TargetFor(p.snapshot()) },
		Choice:   p.links.Choice,
	}.Posted(post)
}

// PreferencesHaveChanged mirrors a person's Teams notification choice,
// made in the Settings dialog or with the slash command.
func (p *Plugin) PreferencesHaveChanged(_ *plugin.Context, prefs []model.Preference) {
	p.links.PreferencesChanged(prefs)
}

// healthReport runs the connection check with the settings in force.
func (p *Plugin) healthReport(ctx context.Context) health.Report {
	s := p.currentSettings()
	snap := p.snapshot()
	in := health.Input{Settings: s, SiteURL: model.SafeDereference(p.serverConfig().ServiceSettings.SiteURL),
		SetupCommand: teamsapp.SetupCommand(s, snap.Site)}
	if plan, problems := teamsapp.Plan(s, teamsapp.ServerFrom(snap.Server), pluginID); len(problems) == 0 {
		if built, err := teamsapp.Assemble(plan, kvstore.Icons{KV: p.API}); err == nil {
			in.Package = &built.Package
		}
	}
	if p.framing != nil {
		st, err := p.framing.Check(s.ServerFrameAncestors())
		in.Framing = &health.Framing{Status: st, Err: err}
	}
	if last, err := (kvstore.TeamsAppPublished{KV: p.API}).Get(); err == nil && last != nil {
		in.LastUpload = &teamsapp.Upload{Version: last.Version, Digest: last.Digest}
	}
	if s.CanCallGraph() {
		if client, err := p.graph.ForSettings(s); err == nil {
			in.Graph = client
		}
	}
	if p.worker != nil {
		st, err := p.worker.Queue.Status()
		in.Queue = &health.Queue{Status: st, Err: err}
		// An admin who fixed what paused the queue runs this check next:
		// the worker tries at once rather than at its next probe.
		if st.Pause != nil {
			p.worker.Reprobe()
		}
	}
	return health.Run(ctx, in)
}

// GenerateSupportData adds the connection check to support packets.
func (p *Plugin) GenerateSupportData(_ *plugin.Context) ([]*model.FileData, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	file, err := health.SupportFile(p.healthReport(ctx))
	if err != nil {
		return nil, err
	}
	files := []*model.FileData{file}
	if st, err := p.reach.Status(); err == nil {
		if f, err := reach.SupportFile(st); err == nil {
			files = append(files, f)
		}
	}
	return files, nil
}
