package notify

import (
	"cmp"
	"errors"

	"github.com/missioncollab/mattermost-plugin-m365/server/config"
	"github.com/missioncollab/mattermost-plugin-m365/server/graph"
	"github.com/missioncollab/mattermost-plugin-m365/server/recipients"
	"github.com/missioncollab/mattermost-plugin-m365/server/sender"
	"github.com/missioncollab/mattermost-plugin-m365/server/teamsapp"
)

// ErrOff means notifications are turned off or not set up.
var ErrOff = errors.New("activity notifications are off or not set up")

// TargetFor is where the post hook sends notifications under snap; false
// while they are off or not set up.
func TargetFor(snap *config.Snapshot) (Target, bool) {
	s := snap.Settings
	if !s.CanNotify() {
		return Target{}, false
	}
	return Target{
		// Only a post that concerns someone needs the link; most posts
		// concern nobody, and the endpoints are read only then.
		Link: func(postID string) string {
			endpoints, _ := s.Endpoints()
			return teamsapp.PreviewDeepLink(endpoints.TeamsURL, s.AppID, postID)
		},
		Home:             func() string { return homeLink(s) },
		Names:            sender.SettingsFrom(snap.Server),
		Hold:             s.NotificationHold(),
		CollapsedThreads: recipients.OptionsFrom(snap.Server).CollapsedThreads,
	}, true
}

func homeLink(s config.Settings) string {
	endpoints, _ := s.Endpoints()
	return teamsapp.HomeDeepLink(endpoints.TeamsURL, s.AppID)
}

// DeliveryFor is where the worker delivers under the settings s: their
// Graph client, from graphs, and their Teams app.
//
// pushContents is the server's EmailSettings.PushNotificationContents:
// what notifications say follows it, or the plugin's stricter setting.
func DeliveryFor(s config.Settings, pushContents string, graphs *graph.Cache) (Delivery, error) {
	if !s.CanNotify() {
		return Delivery{}, ErrOff
	}
	client, err := graphs.ForSettings(s)
	if err != nil {
		return Delivery{}, err
	}
	return Delivery{Sender: client, AppExternalID: s.AppID, Hold: s.NotificationHold(),
		Contents: ContentsFor(pushContents, s.NotificationContents),
		AppName:  cmp.Or(s.AppDisplayName, "Mattermost"), Home: homeLink(s)}, nil
}
