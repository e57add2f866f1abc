package e2e

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/mattermost/mattermost/server/public/model"

	"github.com/missioncollab/mattermost-plugin-m365/internal/msfake"
	"github.com/missioncollab/mattermost-plugin-m365/server/notify"
)

// teamsTest runs /teams test as p and returns the answer.
func teamsTest(t *testing.T, p *person, channelID string) string {
	t.Helper()
	resp, _, err := p.Client.ExecuteCommand(testContext(t), channelID, "/teams test")
	if err != nil || resp.ResponseType != model.CommandResponseTypeEphemeral {
		t.Fatalf("/teams test: %+v %v", resp, err)
	}
	return resp.Text
}

const testPreview = "Teams notifications from Mattermost reach you. You asked for this test."

func testsTo(oid string) int {
	n := 0
	for _, x := range cloud.Notifications() {
		if slices.Contains(x.Recipients, oid) && x.Preview == testPreview {
			n++
		}
	}
	return n
}

func TestTheTestNotificationSaysWhatHappened(t *testing.T) {
	useNotifySettings(t, nil)
	f := newFixture(t)
	linked := f.person("linked", true)
	stranger := f.person("stranger", false)
	ch := f.channel("tests", linked, stranger)
	f.choose(linked, "off") // a test goes all the same: the person asked
	// member is someone else, linked and in the channel, for a test of
	// their own: each person may test once a minute.
	member := func(name string) *person {
		p := f.person(name, true)
		if _, _, err := env.Admin.Client.AddChannelMember(testContext(t), ch.Id, p.Id); err != nil {
			t.Fatal(err)
		}
		return p
	}

	if got := teamsTest(t, stranger, ch.Id); !strings.Contains(got, "not linked") {
		t.Fatalf("not linked: %s", got)
	}
	if got := teamsTest(t, linked, ch.Id); !strings.HasPrefix(got, "Sent:") || testsTo(linked.oid) != 1 {
		t.Fatalf("sent: %s (%d tests arrived)", got, testsTo(linked.oid))
	}
	// One test a minute each: nobody crowds real notifications out.
	if got := teamsTest(t, linked, ch.Id); !strings.Contains(got, "less than a minute ago") || testsTo(linked.oid) != 1 {
		t.Fatalf("a second test at once: %s", got)
	}
	// Being added to the channel may notify the person too, before the
	// choice of "off" is in force; only the test is looked at here.
	for _, n := range cloud.Notifications() {
		if slices.Contains(n.Recipients, linked.oid) && n.Preview == testPreview &&
			(n.ActivityType != "directMessage" || !strings.Contains(n.TopicWebURL, "/mattermost?")) {
			t.Fatalf("the test went as %s to %s", n.ActivityType, n.TopicWebURL)
		}
	}

	t.Run("the Teams app is not installed for the person", func(t *testing.T) {
		p := member("noapp")
		cloud.SetTeamsAppInstalled(testTenant, false, p.oid)
		t.Cleanup(func() { cloud.SetTeamsAppInstalled(testTenant, true, p.oid) })
		if got := teamsTest(t, p, ch.Id); !strings.Contains(got, "Not sent: Microsoft Graph refused it for you") {
			t.Fatalf("%s", got)
		}
	})
	t.Run("the app is not in the catalog, and then it is", func(t *testing.T) {
		publish := withoutTeamsApp(t)
		if got := teamsTest(t, member("catalog1"), ch.Id); !strings.Contains(got, "not in the tenant's app catalog") || !strings.Contains(got, "Teams admin center") {
			t.Fatalf("%s", got)
		}
		publish()
		// The admin fixed it and tries again: the pause does not stand in the way.
		if got := teamsTest(t, member("catalog2"), ch.Id); !strings.HasPrefix(got, "Sent:") {
			t.Fatalf("after the fix: %s", got)
		}
	})
	t.Run("Graph throttles", func(t *testing.T) {
		// Saving settings makes the plugin check the secret's expiry
		// through Graph in the background; let that pass first.
		// Ahead of the subtests that save settings: a save makes the plugin
		// call Graph in the background, which would take the throttled turn.
		p := member("throttled")
		cloud.ThrottleNext(1, 6*time.Second)
		asked := time.Now()
		if got := teamsTest(t, p, ch.Id); !strings.Contains(got, "throttling") || time.Since(asked) > 5*time.Second {
			t.Fatalf("after %s: %s", time.Since(asked), got)
		}
		// The queue keeps Graph's wait; the subtests after it need it over.
		waitFor(t, "Graph's wait to pass", func() bool {
			st, err := (notify.Queue{KV: env.Server.PluginKV(env.PluginID)}).Status()
			return err == nil && time.Now().After(st.NotBefore)
		})
	})
	t.Run("admin consent is missing", func(t *testing.T) {
		roles := slices.DeleteFunc(slices.Clone(msfake.AppRoles), func(r string) bool { return strings.HasPrefix(r, "TeamsActivity.") })
		tenantAsAdminLeftIt(t, roles, 90*24*time.Hour)
		// A new secret gives the plugin a new app token, with the roles
		// consent now grants.
		const secret = "Another~secret.value_123456789"
		useNotifySettings(t, map[string]any{"clientsecret": secret})
		cloud.RegisterApp(testTenant, testClientID, secret)
		if got := teamsTest(t, member("consent"), ch.Id); !strings.Contains(got, "admin consent") {
			t.Fatalf("%s", got)
		}
	})
	t.Run("the System Console's button is for admins", func(t *testing.T) {
		resp, body := pluginRequest(t, linked.User, "POST", "/api/v1/notifications/test", nil)
		if resp.StatusCode != 403 {
			t.Fatalf("%d %s", resp.StatusCode, body)
		}
		resp, body = pluginRequest(t, env.Admin, "POST", "/api/v1/notifications/test", nil)
		var result struct {
			Sent    bool   `json:"sent"`
			Message string `json:"message"`
		}
		if resp.StatusCode != 200 || json.Unmarshal(body, &result) != nil || result.Sent || !strings.Contains(result.Message, "not linked") {
			t.Fatalf("%d %s", resp.StatusCode, body)
		}
	})
}
