package main

import (
	"errors"
	"net/http"
	"time"

	"github.com/mattermost/mattermost/server/public/model"
	"github.com/mattermost/mattermost/server/public/plugin"
	"github.com/mattermost/mattermost/server/public/pluginapi/cluster"

	"github.com/missioncollab/mattermost-plugin-m365/server/config"
	"github.com/missioncollab/mattermost-plugin-m365/server/graph"
	"github.com/missioncollab/mattermost-plugin-m365/server/notify"
	"github.com/missioncollab/mattermost-plugin-m365/server/recipients"
	"github.com/missioncollab/mattermost-plugin-m365/server/sender"
	"github.com/missioncollab/mattermost-plugin-m365/server/teamsapp"
)

// errNotificationsOff means notifications are turned off or not set up.
var errNotificationsOff = errors.New("activity notifications are off or not set up")

// startNotifications builds the link index and starts the queue worker.
func (p *Plugin) startNotifications() error {
	mutex, err := cluster.NewMutex(p.API, "notify_worker")
	if err != nil {
		return err
	}
	p.worker = &notify.Worker{
		Queue:    notify.Queue{KV: p.API},
		Lock:     mutex,
		Delivery: p.delivery,
		Log:      p.API,
		Stats:    &notify.Stats{KV: p.API},
		Limits:   notify.DefaultLimits,
	}
	p.worker.Start()
	p.links.StartRefresh()
	// Only with a worker running does the post hook queue anything.
	p.resolver = &recipients.Resolver{API: p.API, Linked: p.links, Keywords: p.links.Keywords(), Options: p.recipientOptions}
	return nil
}

// OnPluginClusterEvent hears of links made and removed on other servers.
func (p *Plugin) OnPluginClusterEvent(_ *plugin.Context, ev model.PluginClusterEvent) {
	p.links.OnClusterEvent(ev)
}

func (p *Plugin) recipientOptions() recipients.Options {
	cfg := p.serverConfig()
	crt := model.SafeDereference(cfg.ServiceSettings.CollapsedThreads)
	return recipients.Options{
		MaxNotificationsPerChannel: model.SafeDereference(cfg.TeamSettings.MaxNotificationsPerChannel),
		CollapsedThreads:           crt == model.CollapsedThreadsAlwaysOn || crt == model.CollapsedThreadsDefaultOn,
	}
}

// notifying returns the settings when notifications are on and set up.
func (p *Plugin) notifying() (config.Settings, bool) {
	p.mu.RLock()
	s := p.settings
	p.mu.RUnlock()
	ok := !s.DisableNotifications && s.TenantID != "" && s.ClientID != "" && s.ClientSecret != "" && s.AppID != ""
	return s, ok
}

// MessageHasBeenPosted decides who to tell about a new post and queues
// it; the worker delivers.
func (p *Plugin) MessageHasBeenPosted(_ *plugin.Context, post *model.Post) {
	s, ok := p.notifying()
	if !ok || p.resolver == nil {
		return
	}
	start := time.Now()
	d, err := p.resolver.Resolve(post)
	if err != nil {
		p.API.LogWarn("Deciding who to notify in Teams failed", "post_id", post.Id, "error", err.Error())
		return
	}
	if d == nil {
		return
	}
	endpoints, err := s.Endpoints()
	if err != nil {
		return
	}
	job := notify.NewJob(notify.Post{
		Post:    post,
		Actor:   p.actorName(post, d.Channel),
		Channel: channelName(d.Channel),
		WebURL:  teamsapp.PreviewDeepLink(endpoints.TeamsURL, s.AppID, post.Id),
	}, d)
	added, err := notify.Queue{KV: p.API}.Add(job)
	if err != nil {
		p.API.LogError("Queueing a Teams notification failed", "post_id", post.Id, "error", err.Error())
		return
	}
	if added {
		p.worker.Wake()
		p.API.LogDebug("Queued a Teams notification", "post_id", post.Id, "recipients", len(d.Recipients),
			"requests", len(job.Batches), "decided_in_ms", float64(time.Since(start).Microseconds())/1000)
	}
}

// actorName is the author as Mattermost names them in its own
// notifications.
func (p *Plugin) actorName(post *model.Post, ch *model.Channel) string {
	u, appErr := p.API.GetUser(post.UserId)
	if appErr != nil {
		u = nil
	}
	cfg := p.serverConfig()
	return sender.Name(post, u, ch.Type, sender.Settings{
		NameFormat:       model.SafeDereference(cfg.TeamSettings.TeammateNameDisplay),
		UsernameOverride: model.SafeDereference(cfg.ServiceSettings.EnablePostUsernameOverride),
	})
}

func channelName(ch *model.Channel) string {
	if ch.DisplayName != "" {
		return ch.DisplayName
	}
	return ch.Name
}

// delivery is where notifications go with the settings in force.
func (p *Plugin) delivery() (notify.Delivery, error) {
	s, ok := p.notifying()
	if !ok {
		return notify.Delivery{}, errNotificationsOff
	}
	endpoints, err := s.Endpoints()
	if err != nil {
		return notify.Delivery{}, err
	}
	return notify.Delivery{Sender: p.graphFor(s, endpoints), AppExternalID: s.AppID}, nil
}

// graphFor is the Graph client for the settings; one client, and so one
// cached token, for as long as they stay the same.
func (p *Plugin) graphFor(s config.Settings, endpoints config.Endpoints) *graph.Client {
	cfg := graph.Config{
		TenantID: s.TenantID, ClientID: s.ClientID, ClientSecret: s.ClientSecret,
		AuthorityURL: endpoints.AuthorityURL, GraphURL: endpoints.GraphURL,
	}
	p.graphMu.Lock()
	defer p.graphMu.Unlock()
	if p.graphClient == nil || p.graphCfg != cfg {
		cfg.HTTPClient = &http.Client{Timeout: 30 * time.Second}
		p.graphClient = graph.New(cfg)
		cfg.HTTPClient = nil
		p.graphCfg = cfg
	}
	return p.graphClient
}
