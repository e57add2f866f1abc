package sandbox

import (
	"encoding/json"
	"net/url"
	"slices"
	"strings"
	"sync"

	"github.com/mattermost/mattermost/server/public/model"

	"github.com/missioncollab/mattermost-plugin-m365/e2e/teamshost"
	"github.com/missioncollab/mattermost-plugin-m365/internal/msfake"
	"github.com/missioncollab/mattermost-plugin-m365/server/teamsapp"
)

// objectIDs gives each sandbox person a stable Entra object ID.
type objectIDs struct {
	mu     sync.Mutex
	byUser map[string]string
}

func (o *objectIDs) of(user string) string {
	o.mu.Lock()
	defer o.mu.Unlock()
	oid, ok := o.byUser[user]
	if !ok {
		oid = strings.ToLower(model.NewId()[:8] + "-0000-4000-8000-" + model.NewId()[:12])
		o.byUser[user] = oid
	}
	return oid
}

// feed is a person's Teams activity feed, newest first: what the fake
// Graph accepted for them, worded by the app manifest's templates, each
// opening the tab its deep link names.
func feed(cloud *msfake.Cloud, oid, pluginURL string) []teamshost.Activity {
	var out []teamshost.Activity
	for _, n := range cloud.Notifications() {
		if !slices.Contains(n.Recipients, oid) {
			continue
		}
		entity, subPage := parseDeepLink(n.TopicWebURL)
		tab := pluginURL + teamsapp.TabPath
		if entity == teamsapp.PreviewEntityID {
			tab = pluginURL + teamsapp.PreviewPath
		}
		out = append(out, teamshost.Activity{
			Text: activityText(n), Preview: n.Preview, TabURL: tab, SubPageID: subPage,
		})
	}
	slices.Reverse(out)
	return out
}

func activityText(n msfake.Notification) string {
	for _, t := range teamsapp.ActivityTypes {
		if t.Type == n.ActivityType {
			text := t.TemplateText
			for name, value := range n.TemplateParameters {
				text = strings.ReplaceAll(text, "{"+name+"}", value)
			}
			return text
		}
	}
	return n.ActivityType
}

// parseDeepLink reads a Teams entity deep link's entity and sub-entity.
func parseDeepLink(link string) (entity, subEntity string) {
	u, err := url.Parse(link)
	if err != nil {
		return "", ""
	}
	parts := strings.Split(strings.Trim(u.Path, "/"), "/")
	if len(parts) == 4 && parts[0] == "l" && parts[1] == "entity" {
		entity = parts[3]
	}
	var ctx struct {
		SubEntityID string `json:"subEntityId"`
	}
	_ = json.Unmarshal([]byte(u.Query().Get("context")), &ctx)
	return entity, ctx.SubEntityID
}
