package main

import (
	"errors"

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
	s := p.currentSettings()
	return s, s.CanNotify()
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
		Target:   p.notifyTarget,
	}.Posted(post)
}

// notifyTarget is where notifications go under the settings in force.
func (p *Plugin) notifyTarget() (notify.Target, bool) {
	s, ok := p.notifying()
	if !ok {
		return notify.Target{}, false
	}
	cfg := p.serverConfig()
	return notify.Target{
		// Only a post that concerns someone needs the link; most posts
		// concern nobody, and the endpoints are read only then.
		Link: func(postID string) string {
			endpoints, _ := s.Endpoints()
			return teamsapp.PreviewDeepLink(endpoints.TeamsURL, s.AppID, postID)
		},
		Names: sender.Settings{
			NameFormat:       model.SafeDereference(cfg.TeamSettings.TeammateNameDisplay),
			UsernameOverride: model.SafeDereference(cfg.ServiceSettings.EnablePostUsernameOverride),
		},
	}, true
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
	return p.graph.For(graph.Config{
		TenantID: s.TenantID, ClientID: s.ClientID, ClientSecret: s.ClientSecret,
		AuthorityURL: endpoints.AuthorityURL, GraphURL: endpoints.GraphURL,
	})
}
