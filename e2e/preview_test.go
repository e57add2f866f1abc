package e2e

import (
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/mattermost/mattermost/server/public/model"

	"github.com/missioncollab/mattermost-plugin-m365/e2e/teamshost"
)

const hostileMessage = "**Status** <script>alert(1)</script> <img src=x onerror=alert(2)> " +
	"[runbook](javascript:alert(3)) and [wiki](https://wiki.example.test/ops)\n\n```\n<b>kept as text</b>\n```"

// previewAs fetches the notification preview of a post with a person's
// session.
func previewAs(t *testing.T, p *person, postID string) (*http.Response, string) {
	t.Helper()
	req, _ := http.NewRequestWithContext(testContext(t), "GET",
		env.Server.URL+"/plugins/"+env.PluginID+"/notification-preview?post_id="+postID, nil)
	if p != nil {
		req.Header.Set("Authorization", "Bearer "+p.Client.AuthToken)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp, string(body)
}

func TestNotificationPreviewShowsTheSanitisedPostToReadersOnly(t *testing.T) {
	useNotifySettings(t, nil)
	ctx := testContext(t)
	f := newFixture(t)
	author, reader, outsider := f.person("author", true), f.person("reader", true), f.person("outsider", true)
	private, _, err := env.Admin.Client.CreateChannel(ctx, &model.Channel{
		TeamId: f.team.Id, Name: "secret-" + f.suffix, DisplayName: "Ops <Secret> & Co", Type: model.ChannelTypePrivate})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range []*person{author, reader} {
		if _, _, err := env.Admin.Client.AddChannelMember(ctx, private.Id, p.Id); err != nil {
			t.Fatal(err)
		}
	}
	tz := model.StringMap{"useAutomaticTimezone": "false", "manualTimezone": "Asia/Tokyo", "automaticTimezone": ""}
	if _, _, err := reader.Client.PatchUser(ctx, reader.Id, &model.UserPatch{Timezone: tz}); err != nil {
		t.Fatal(err)
	}
	if _, err := reader.Client.UpdatePreferences(ctx, reader.Id, model.Preferences{{UserId: reader.Id,
		Category: model.PreferenceCategoryDisplaySettings, Name: model.PreferenceNameUseMilitaryTime, Value: "true"}}); err != nil {
		t.Fatal(err)
	}
	postID := f.post(author, private.Id, "", hostileMessage)

	resp, body := previewAs(t, reader, postID)
	if resp.StatusCode != 200 {
		t.Fatalf("reader: %d %s", resp.StatusCode, body)
	}
	for _, want := range []string{
		"<strong>Status</strong>", "&lt;script&gt;alert(1)&lt;/script&gt;", "&lt;img src=x onerror=alert(2)&gt;",
		`href="https://wiki.example.test/ops"`, "&lt;b&gt;kept as text&lt;/b&gt;",
		"Ops &lt;Secret&gt; &amp; Co", "JST", `href="/mattermost/_redirect/pl/` + postID + `"`,
		`src="/mattermost/api/v4/users/` + author.Id + `/image`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("the preview lacks %s", want)
		}
	}
	for _, bad := range []string{"<script>alert", "<img src=x", "javascript:", " PM ", " AM "} {
		if strings.Contains(body, bad) {
			t.Errorf("the preview contains %q", bad)
		}
	}
	csp := resp.Header.Get("Content-Security-Policy")
	if !strings.Contains(csp, "script-src 'nonce-") || !strings.Contains(csp, "frame-ancestors 'self'") {
		t.Errorf("policy %q", csp)
	}

	for name, p := range map[string]*person{"someone outside the channel": outsider} {
		resp, body := previewAs(t, p, postID)
		if resp.StatusCode != http.StatusNotFound || strings.Contains(body, "Status") || strings.Contains(body, "Secret") {
			t.Errorf("%s: %d, shows the post: %v", name, resp.StatusCode, strings.Contains(body, "Status"))
		}
	}
	if resp, _ := previewAs(t, reader, "not-a-post-id"); resp.StatusCode != http.StatusNotFound {
		t.Errorf("a bad post ID: %d", resp.StatusCode)
	}
	if _, err := author.Client.DeletePost(ctx, postID); err != nil {
		t.Fatal(err)
	}
	if resp, _ := previewAs(t, reader, postID); resp.StatusCode != http.StatusNotFound {
		t.Errorf("a deleted post: %d", resp.StatusCode)
	}
	// Without a session the page is the tab, which signs the person in.
	if _, body := previewAs(t, nil, postID); !strings.Contains(body, "tab.js") {
		t.Error("without a session the preview is not the signing-in tab")
	}
}

// TestNotificationDeepLinkOpensThePreviewThenThePost follows a click on a
// notification: Teams opens the preview tab with the post as its
// sub-page, the tab signs in and shows the preview, and its button opens
// the post in Mattermost.
func TestNotificationDeepLinkOpensThePreviewThenThePost(t *testing.T) {
	useNotifySettings(t, nil)
	f := newFixture(t)
	author, reader := f.person("author", true), f.person("reader", true)
	ch := f.channel("deeplink", author, reader)
	postID := f.post(author, ch.Id, "", "Bridge open: **now**")
	ctx, _ := tabInHost(t, teamshost.Options{
		TabURL: env.Server.URL + "/plugins/" + env.PluginID + "/notification-preview",
		Tenant: testTenant, SubPageID: "preview:" + postID,
		Token: func() (string, error) { return cloud.Sign(tabToken(reader.oid, reader.Email)), nil },
	})
	text, err := teamshost.InFrame(ctx, env.Server.URL, inMattermost(`d.querySelector(".post .message")&&d.querySelector(".post .message").textContent.trim()`))
	if err != nil {
		t.Fatalf("the preview never showed: %v", err)
	}
	if text != "Bridge open: now" {
		t.Fatalf("the preview shows %q", text)
	}
	if _, err := teamshost.InFrame(ctx, env.Server.URL, inMattermost(`(d.querySelector("a.open").click(), "clicked")`)); err != nil {
		t.Fatal(err)
	}
	path, err := teamshost.InFrame(ctx, env.Server.URL, inMattermost(`loc.pathname.indexOf("/_redirect/")>=0&&loc.pathname`))
	if err != nil {
		t.Fatalf("the button went nowhere: %v", err)
	}
	if path != "/mattermost/_redirect/pl/"+postID {
		t.Fatalf("the button opened %s", path)
	}
	// The client there shows the post itself.
	shown, err := teamshost.InFrame(ctx, env.Server.URL, inMattermost(`d.querySelector("#posts li.highlight")&&d.querySelector("#posts li.highlight").dataset.postId`))
	if err != nil || shown != postID {
		t.Fatalf("the post is not shown: %q %v", shown, err)
	}
}
