package e2e

import (
	"testing"
	"time"

	"github.com/missioncollab/mattermost-plugin-m365/internal/msfake"
)

// useAppRoles grants the app registration these application permissions
// for one test.
func useAppRoles(t *testing.T, roles ...string) {
	t.Helper()
	cloud.SetAppRoles(testTenant, testClientID, roles...)
	t.Cleanup(func() { cloud.SetAppRoles(testTenant, testClientID, msfake.AppRoles...) })
}

// With per-person consent only, the plugin notifies without the
// tenant-wide TeamsActivity.Send: whoever has the app installed is told;
// whoever has not is refused by Graph, which costs only that request and
// never pauses the queue as missing consent would.
func TestPerPersonConsentNotifiesWhoeverHasTheApp(t *testing.T) {
	s := validSettings()
	cloud.RegisterApp(testTenant, testClientID, s["clientsecret"].(string))
	useAppRoles(t, "AppCatalog.Read.All")
	cloud.PublishTeamsApp(testTenant, s["appid"].(string), "Mattermost")
	useSignInSettings(t, map[string]any{"leastprivilegenotifications": true})
	f := newFixture(t)
	author := f.person("author", false)
	ann := f.person("ann", true)
	bob := f.person("bob", true)
	cloud.AddUser(testTenant, msfake.User{ObjectID: ann.oid, UserPrincipalName: ann.Email, Mail: ann.Email})
	cloud.AddUser(testTenant, msfake.User{ObjectID: bob.oid, UserPrincipalName: bob.Email, Mail: bob.Email})
	cloud.InstallTeamsApp(testTenant, ann.oid, s["appid"].(string))

	dm := func(to *person, msg string) string {
		ch, _, err := author.Client.CreateDirectChannel(testContext(t), author.Id, to.Id)
		if err != nil {
			t.Fatal(err)
		}
		return f.post(author, ch.Id, "", msg)
	}
	refused := dm(bob, "bob has no app")
	told := dm(ann, "ann has the app")
	got := waitTold(t, time.Minute, told)
	if len(got[told][ann.oid]) != 1 || len(got[refused]) != 0 {
		t.Fatalf("told: %v", got)
	}
	_, checks := runHealth(t, &person{User: env.Admin})
	if q := checks["notification_queue"]; q.Status != "pass" {
		t.Errorf("the queue: %+v", q)
	}
	if p := checks["permissions"]; p.Status != "pass" {
		t.Errorf("permissions: %+v", p)
	}
}
