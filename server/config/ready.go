package config

import (
	"time"

	"github.com/mattermost/mattermost/server/public/model"

	"github.com/missioncollab/mattermost-plugin-m365/server/site"
)

// Readiness: what each part of the plugin needs set before it acts. Each
// rule lives here alone.

// CanSignIn reports whether tabs can be signed in: the tenant and client
// identify the app registration whose tokens are accepted, and the
// Microsoft hosts may frame the tab.
func (s Settings) CanSignIn() bool {
	_, err := s.Endpoints()
	return s.TenantID != "" && s.ClientID != "" && err == nil
}

// CanCallGraph reports whether the plugin can sign in to Graph as the app.
func (s Settings) CanCallGraph() bool {
	return s.CanSignIn() && s.ClientSecret != ""
}

// FrameAncestors are the origins of the Microsoft hosts the selected
// cloud frames the tab from; none for a cloud without them.
func (s Settings) FrameAncestors() []string {
	endpoints, err := s.Endpoints()
	if err != nil {
		return nil
	}
	var out []string
	for _, origin := range endpoints.FrameAncestors {
		if origin != "" {
			out = append(out, origin)
		}
	}
	return out
}

// ServerFrameAncestors are the origins the plugin adds to the server's
// own frame ancestors: none until sign-in is set up, since until then no
// tab can be used and Mattermost need not be framed at all.
func (s Settings) ServerFrameAncestors() []string {
	if !s.CanSignIn() {
		return nil
	}
	return s.FrameAncestors()
}

// InForce is s normalised, if it is valid. Settings that bypassed the
// save check (a config file edited by hand, say) are never half applied:
// in force are then none but the notification switch, and the error says
// what is wrong.
func (s Settings) InForce() (Settings, error) {
	s = s.Normalize()
	if err := s.Validate(); err != nil {
		return Settings{Cloud: CloudCommercial, DisableNotifications: s.DisableNotifications}, err
	}
	return s, nil
}

// CanNotify reports whether activity notifications are on and can be sent.
func (s Settings) CanNotify() bool {
	return !s.DisableNotifications && s.CanCallGraph() && s.AppID != ""
}

// CanReach reports whether people who never opened the app are to be
// linked for notifications and have the app installed for them.
func (s Settings) CanReach() bool { return s.ReachBeforeFirstUse && s.CanNotify() }

// Snapshot is the plugin's settings and the server configuration as of
// one change, read together: it is replaced whole, never changed.
type Snapshot struct {
	Settings Settings
	// Server is the server configuration; nil before the first change.
	Server *model.Config
	// Site is the parsed Site URL; its zero value when unset or unreadable.
	Site site.Site
}

// NewSnapshot reads the parts of a snapshot.
func NewSnapshot(s Settings, server *model.Config) *Snapshot {
	snap := &Snapshot{Settings: s, Server: server}
	if server != nil {
		snap.Site, _ = site.Parse(model.SafeDereference(server.ServiceSettings.SiteURL))
	}
	return snap
}

// The hold's default and bounds: half a minute lets a person who is in
// Mattermost see the post first, as Mattermost's own email notifications
// wait 30 seconds; ten minutes is as late as an alert stays useful.
const (
	DefaultNotificationHoldSeconds = 30
	MaxNotificationHoldSeconds     = 600
)

// NotificationHold is how long Teams notifications wait.
func (s Settings) NotificationHold() time.Duration {
	return time.Duration(min(max(s.NotificationHoldSeconds, 0), MaxNotificationHoldSeconds)) * time.Second
}

// NotNotifyingBecause says, in a sentence for the people who would be
// told, why no Teams notification can be sent; "" when they can.
func (s Settings) NotNotifyingBecause() string {
	switch {
	case s.DisableNotifications:
		return "a system admin turned Teams notifications off."
	case !s.CanNotify():
		return "a system admin has not finished setting up Microsoft 365."
	}
	return ""
}
