package teamsapp

import (
	"encoding/json"
	"net/url"
	"strings"
)

// PreviewSubPage is the tab sub-page that shows a post's notification
// preview; the tab's sign-in turns it into the preview page.
func PreviewSubPage(postID string) string { return "preview:" + postID }

// PreviewDeepLink is the Teams link that opens the app's notification
// preview tab on a post, on the cloud's Teams web client teamsURL.
// appID is the app's manifest ID.
func PreviewDeepLink(teamsURL, appID, postID string) string {
	ctx, _ := json.Marshal(struct {
		SubEntityID string `json:"subEntityId"`
	}{PreviewSubPage(postID)})
	q := url.Values{"context": {string(ctx)}, "label": {"Notification"}}
	return strings.TrimRight(teamsURL, "/") + "/l/entity/" + url.PathEscape(strings.ToLower(appID)) +
		"/" + PreviewEntityID + "?" + q.Encode()
}

// HomeDeepLink is the Teams link that opens the app's Mattermost tab.
func HomeDeepLink(teamsURL, appID string) string {
	q := url.Values{"label": {"Mattermost"}}
	return strings.TrimRight(teamsURL, "/") + "/l/entity/" + url.PathEscape(strings.ToLower(appID)) +
		"/" + HomeEntityID + "?" + q.Encode()
}
