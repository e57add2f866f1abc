package main

import (
	"encoding/json"
	"errors"
	"net/http"
	"time"

	"github.com/mattermost/mattermost/server/public/model"
	"github.com/mattermost/mattermost/server/public/plugin"
	"github.com/mattermost/mattermost/server/public/pluginapi/cluster"

	"github.com/missioncollab/mattermost-plugin-m365/server/config"
	"github.com/missioncollab/mattermost-plugin-m365/server/graph"
	"github.com/missioncollab/mattermost-plugin-m365/server/kvstore"
	"github.com/missioncollab/mattermost-plugin-m365/server/linkindex"
	"github.com/missioncollab/mattermost-plugin-m365/server/notify"
	"github.com/missioncollab/mattermost-plugin-m365/server/recipients"
	"github.com/missioncollab/mattermost-plugin-m365/server/sender"
	"github.com/missioncollab/mattermost-plugin-m365/server/teamsapp"
)

// Cluster events tell the other servers of a cluster about a link made
// or removed.
const (
	linkEvent   = "link"
	unlinkEvent = "unlink"
)

type linkMessage struct {
	UserID string       `json:"user_id"`
	Link   kvstore.Link `json:"identity"`
}

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
	p.startKeywordRefresh()
	// Only with a worker running does the post hook queue anything.
	p.resolver = &recipients.Resolver{API: p.API, Linked: linkedView{p}, Keywords: &p.keywords, Options: p.recipientOptions}
	return nil
}

// keywordRefresh is how often linked people's own mention keywords are
// read again: the plugin API has no hook for a changed profile.
const keywordRefresh = 5 * time.Minute

func (p *Plugin) startKeywordRefresh() {
	stop := make(chan struct{})
	p.stopKeywords = func() { close(stop) }
	go func() {
		t := time.NewTicker(keywordRefresh)
		defer t.Stop()
		for {
			select {
			case <-stop:
				return
			case <-t.C:
				p.refreshKeywords()
			}
		}
	}()
}

// refreshKeywords reads every linked person's keywords, 1,000 at a time.
func (p *Plugin) refreshKeywords() {
	ids := linkedView{p}.UserIDs()
	users := make([]*model.User, 0, len(ids))
	for start := 0; start < len(ids); start += 1000 {
		batch, appErr := p.API.GetUsersByIds(ids[start:min(start+1000, len(ids))])
		if appErr != nil {
			p.API.LogWarn("Reading mention keywords failed", "error", appErr.Error())
			return
		}
		users = append(users, batch...)
	}
	p.keywords.Replace(users)
}

// linkedView is the link index in force; the index is replaced when the
// tenant changes.
type linkedView struct{ p *Plugin }

func (v linkedView) index() *linkindex.Index {
	v.p.mu.RLock()
	defer v.p.mu.RUnlock()
	return v.p.links
}

func (v linkedView) Len() int                            { return v.index().Len() }
func (v linkedView) Lookup(userID string) (string, bool) { return v.index().Lookup(userID) }
func (v linkedView) UserIDs() []string                   { return v.index().UserIDs() }

// reloadLinks rebuilds the link index for tenant from the KV store, with
// the links trusted under the email matching setting.
func (p *Plugin) reloadLinks(tenant string, matchEmail bool) {
	ix := linkindex.New(tenant)
	p.mu.Lock()
	p.links, p.linksTenant = ix, tenant
	p.mu.Unlock()
	err := kvstore.Links{KV: p.API}.Each(p.API, func(userID string, link kvstore.Link) {
		if link.Trusted(matchEmail) {
			ix.Set(userID, link.TenantID, link.ObjectID)
		}
	})
	if err != nil {
		p.API.LogError("Loading the accounts linked to Teams failed; notifications reach only people who sign in again", "error", err.Error())
	}
	p.refreshKeywords()
}

// linked records a new link here and on the other servers.
func (p *Plugin) linked(userID string, link kvstore.Link) {
	p.applyLink(linkEvent, userID, link)
	p.publishLink(linkEvent, userID, link)
}

// unlinked forgets a removed link here and on the other servers.
func (p *Plugin) unlinked(userID string, link kvstore.Link) {
	p.applyLink(unlinkEvent, userID, link)
	p.publishLink(unlinkEvent, userID, link)
}

func (p *Plugin) applyLink(event, userID string, link kvstore.Link) {
	p.mu.RLock()
	ix, matchEmail := p.links, p.settings.MatchAccountsByEmail
	p.mu.RUnlock()
	if event == unlinkEvent {
		ix.Remove(userID)
		return
	}
	if link.Trusted(matchEmail) {
		ix.Set(userID, link.TenantID, link.ObjectID)
		p.addKeywords(userID)
	}
}

func (p *Plugin) publishLink(event, userID string, link kvstore.Link) {
	data, err := json.Marshal(linkMessage{UserID: userID, Link: link})
	if err != nil {
		return
	}
	if err := p.API.PublishPluginClusterEvent(model.PluginClusterEvent{Id: event, Data: data},
		model.PluginClusterEventSendOptions{SendType: model.PluginClusterEventSendTypeReliable}); err != nil {
		p.API.LogWarn("Telling the cluster about a Teams link failed", "event", event, "error", err.Error())
	}
}

// OnPluginClusterEvent hears of links made and removed on other servers.
func (p *Plugin) OnPluginClusterEvent(_ *plugin.Context, ev model.PluginClusterEvent) {
	if ev.Id != linkEvent && ev.Id != unlinkEvent {
		return
	}
	var msg linkMessage
	if json.Unmarshal(ev.Data, &msg) != nil || msg.UserID == "" {
		return
	}
	p.applyLink(ev.Id, msg.UserID, msg.Link)
}

// addKeywords reads one newly linked person's keywords.
func (p *Plugin) addKeywords(userID string) {
	if u, appErr := p.API.GetUser(userID); appErr == nil {
		p.keywords.Add(u)
	}
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
