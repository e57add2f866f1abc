package e2e

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/mattermost/mattermost/server/public/model"

	"github.com/missioncollab/mattermost-plugin-m365/internal/msfake"
)

// botMarker is how the plugin marks bots and integrations' posts.
const botMarker = " (BOT)"

// setUsernameOverrides turns EnablePostUsernameOverride and
// EnableIncomingWebhooks on or off for one test, putting back what was
// there.
func setUsernameOverrides(t *testing.T, on bool) {
	t.Helper()
	cfg, _, err := env.Admin.Client.GetConfig(testContext(t))
	if err != nil {
		t.Fatal(err)
	}
	ss := cfg.ServiceSettings
	patchServerConfig(t,
		&model.Config{ServiceSettings: model.ServiceSettings{
			EnablePostUsernameOverride: model.NewPointer(on), EnableIncomingWebhooks: model.NewPointer(on || *ss.EnableIncomingWebhooks)}},
		&model.Config{ServiceSettings: model.ServiceSettings{
			EnablePostUsernameOverride: ss.EnablePostUsernameOverride, EnableIncomingWebhooks: ss.EnableIncomingWebhooks}})
}

// notificationOf waits for the notification about a post.
func notificationOf(t *testing.T, postID string) msfake.Notification {
	t.Helper()
	waitTold(t, time.Minute, postID)
	for _, n := range cloud.Notifications() {
		if subEntity(n) == postID {
			return n
		}
	}
	t.Fatalf("no notification about %s", postID)
	return msfake.Notification{}
}

// A person may send the props an integration uses through the REST API;
// with overrides off, as by default, Teams still names the person.
func TestForgedWebhookPropsDoNotRenameTheAuthor(t *testing.T) {
	useNotifySettings(t, nil)
	setUsernameOverrides(t, false)
	f := newFixture(t)
	author, bob := f.person("author", true), f.person("bob", true)
	ch := f.channel("forged", author, bob)
	post := &model.Post{ChannelId: ch.Id, Message: "@" + bob.Username + " approve the change"}
	post.SetProps(model.StringInterface{model.PostPropsFromWebhook: "true", model.PostPropsOverrideUsername: "Someone Else"})
	created, _, err := author.Client.CreatePost(testContext(t), post)
	if err != nil {
		t.Fatal(err)
	}
	if created.GetProp(model.PostPropsOverrideUsername) != "Someone Else" {
		t.Fatalf("the server did not keep the props: %v", created.GetProps())
	}
	// Mattermost tags a post marked from_webhook as an integration's even
	// under its author's own name; so does the plugin.
	if got := notificationOf(t, created.Id).TemplateParameters["author"]; got != author.Username+botMarker {
		t.Errorf("actor %q, want %q", got, author.Username+botMarker)
	}
	resp, body := previewAs(t, bob, created.Id)
	if resp.StatusCode != 200 || strings.Contains(body, "Someone Else") || !strings.Contains(body, author.Username+botMarker) {
		t.Errorf("preview %d names the author wrongly:\n%s", resp.StatusCode, body)
	}
}

// With overrides on, a real incoming webhook's post is named as the
// webhook asked, and marked as an integration's.
func TestIncomingWebhookNamedAsItAsksAndMarked(t *testing.T) {
	useNotifySettings(t, nil)
	setUsernameOverrides(t, true)
	ctx := testContext(t)
	f := newFixture(t)
	bob := f.person("bob", true)
	ch := f.channel("hooks", bob)
	hook, _, err := env.Admin.Client.CreateIncomingWebhook(ctx, &model.IncomingWebhook{ChannelId: ch.Id, DisplayName: "deploys"})
	if err != nil {
		t.Fatal(err)
	}
	payload, _ := json.Marshal(map[string]string{"text": "@" + bob.Username + " release 4.2 is live", "username": "Deploy Bot"})
	req, _ := http.NewRequestWithContext(ctx, "POST", env.Server.URL+"/hooks/"+hook.Id, bytes.NewReader(payload))
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("webhook: %d %s", resp.StatusCode, body)
	}
	postID := webhookPost(t, ch.Id)
	if got := notificationOf(t, postID).TemplateParameters["author"]; got != "Deploy Bot"+botMarker {
		t.Errorf("actor %q, want %q", got, "Deploy Bot"+botMarker)
	}
	if resp, body := previewAs(t, bob, postID); resp.StatusCode != 200 || !strings.Contains(body, "Deploy Bot"+botMarker) {
		t.Errorf("preview %d does not name the webhook:\n%s", resp.StatusCode, body)
	}
}

// webhookPost returns the newest post a webhook made in a channel.
func webhookPost(t *testing.T, channelID string) string {
	t.Helper()
	list, _, err := env.Admin.Client.GetPostsForChannel(testContext(t), channelID, 0, 20, "", false, false)
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range list.Order {
		if list.Posts[id].GetProp(model.PostPropsFromWebhook) == "true" {
			return id
		}
	}
	t.Fatalf("no webhook post in %s", channelID)
	return ""
}
