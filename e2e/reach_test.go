package e2e

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/mattermost/mattermost/server/public/model"

	"github.com/missioncollab/mattermost-plugin-m365/e2e/harness"
	"github.com/missioncollab/mattermost-plugin-m365/internal/msfake"
)

// reachRoles are the app permissions notifying people who never opened
// the app needs, with those of notifications.
var reachRoles = []string{"TeamsActivity.Send", "AppCatalog.Read.All", "User.Read.All", "TeamsAppInstallation.ReadWriteSelfForUser.All"}

type reachRun struct {
	ID               string              `json:"id"`
	Kind             string              `json:"kind"`
	Trigger          string              `json:"trigger"`
	StartedAt        int64               `json:"started_at"`
	Page             int                 `json:"page"`
	Error            string              `json:"error"`
	Accounts         int                 `json:"accounts"`
	Linked           map[string]int      `json:"linked"`
	Installed        int                 `json:"installed"`
	AlreadyInstalled int                 `json:"already_installed"`
	Skipped          map[string]int      `json:"skipped"`
	Failed           map[string]int      `json:"failed"`
	Examples         map[string][]string `json:"examples"`
}

type reachView struct {
	On        bool            `json:"on"`
	Off       string          `json:"off"`
	Requested json.RawMessage `json:"requested"`
	Status    struct {
		Current *reachRun `json:"current"`
		Last    *reachRun `json:"last"`
	} `json:"status"`
}

// useReach turns on notifying people who never opened the app, with the
// permissions it needs granted.
func useReach(t *testing.T) {
	t.Helper()
	useNotifySettings(t, map[string]any{"reachbeforefirstuse": true})
	useAppRoles(t, reachRoles...)
	cloud.SetTeamsAppClient(testTenant, validSettings()["appid"].(string), testClientID)
}

func reachStatus(t *testing.T) reachView {
	t.Helper()
	resp, body := pluginRequest(t, env.Admin, "GET", "/api/v1/reach", nil)
	if resp.StatusCode != 200 {
		t.Fatalf("reach status: %d %s", resp.StatusCode, body)
	}
	var v reachView
	if err := json.Unmarshal(body, &v); err != nil {
		t.Fatal(err)
	}
	return v
}

// startReach presses the System Console's button and waits for the run
// it started to end.
func startReach(t *testing.T) *reachRun {
	t.Helper()
	before := reachStatus(t).Status.Last
	resp, body := pluginRequest(t, env.Admin, "POST", "/api/v1/reach/run", nil)
	if resp.StatusCode != 200 {
		t.Fatalf("start: %d %s", resp.StatusCode, body)
	}
	return waitReach(t, before, "everyone", 2*time.Minute)
}

// waitReach waits for a run of kind, other than before, to end, with no
// admin's request left waiting (accounts other tests create start runs
// of new accounts too).
func waitReach(t *testing.T, before *reachRun, kind string, timeout time.Duration) *reachRun {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		v := reachStatus(t)
		last := v.Status.Last
		if last != nil && (before == nil || last.ID != before.ID) && last.Kind == kind && v.Status.Current == nil &&
			(kind != "everyone" || len(v.Requested) == 0 || string(v.Requested) == "null") {
			return last
		}
		time.Sleep(200 * time.Millisecond)
	}
	t.Fatalf("no run of %s ended within %s; the plugin logged:\n%s", kind, timeout, pluginLog())
	return nil
}

type linkAnswer struct {
	Linked       bool `json:"linked"`
	Notification *struct {
		ObjectID  string `json:"object_id"`
		Rule      string `json:"rule"`
		Installed bool   `json:"app_installed"`
		InForce   bool   `json:"in_force"`
	} `json:"notification_link"`
}

func notifyLinkOf(t *testing.T, userID string) linkAnswer {
	t.Helper()
	resp, body := pluginRequest(t, env.Admin, "GET", "/api/v1/links/users/"+userID, nil)
	if resp.StatusCode != 200 {
		t.Fatalf("link of %s: %d %s", userID, resp.StatusCode, body)
	}
	var l linkAnswer
	if err := json.Unmarshal(body, &l); err != nil {
		t.Fatal(err)
	}
	return l
}

// inDirectory adds a person to the tenant's directory under their
// account's email and returns their object ID.
func inDirectory(p *person, guest bool) string {
	oid := newOID()
	upn := p.Email
	if guest {
		upn = strings.ReplaceAll(p.Email, "@", "_") + "#EXT#@contoso.onmicrosoft.com"
	}
	cloud.AddUser(testTenant, msfake.User{ObjectID: oid, Mail: p.Email, UserPrincipalName: upn, Guest: guest})
	return oid
}

func reasonFor(run *reachRun, username string) string {
	for reason, names := range run.Examples {
		for _, n := range names {
			if n == username {
				return reason
			}
		}
	}
	return ""
}

func TestReachLinksAndInstallsForEveryKindOfAccountAndTheyAreNotified(t *testing.T) {
	useReach(t)
	f := newFixture(t)
	ctx := testContext(t)
	author := f.person("author", false)
	ann := f.person("ann", false) // verified email, one member of the directory
	annOID := inDirectory(ann, false)
	dan := f.person("dan", false) // has the app already
	danOID := inDirectory(dan, false)
	cloud.InstallTeamsApp(testTenant, danOID, validSettings()["appid"].(string))
	olga := f.person("olga", false) // signs in with Office 365
	olgaOID := newOID()
	cloud.AddUser(testTenant, msfake.User{ObjectID: olgaOID, Mail: "olga.other@contoso.example", UserPrincipalName: "olga.other@contoso.example"})
	if _, _, err := env.Admin.Client.UpdateUserAuth(ctx, olga.Id, &model.UserAuth{AuthService: model.ServiceOffice365, AuthData: model.NewPointer(strings.ToUpper(olgaOID))}); err != nil {
		t.Fatal(err)
	}
	eveUser, err := env.Server.CreateUnverifiedUser(ctx, "eve-"+f.suffix, "eve-"+f.suffix+"@example.com", "Passw0rd-"+f.suffix+"!")
	if err != nil {
		t.Fatal(err)
	}
	eve := &person{User: &harness.User{User: eveUser}}
	inDirectory(eve, false)
	gina := f.person("gina", false)
	inDirectory(gina, true)
	ops := f.person("ops", false)
	inDirectory(ops, false)
	cloud.AddUser(testTenant, msfake.User{ObjectID: newOID(), Mail: "ops-twin@example.com", UserPrincipalName: ops.Email})
	// Sign-in never matches these by email, and neither does the job:
	// whoever can set mail in Entra must not receive their previews.
	root := f.person("root", false)
	rootOID := inDirectory(root, false)
	if _, err := env.Admin.Client.UpdateUserRoles(ctx, root.Id, "system_user system_admin"); err != nil {
		t.Fatal(err)
	}
	mfa := f.person("mfa", false)
	mfaOID := inDirectory(mfa, false)
	if err := env.Server.SetMFAActive(mfa.Id); err != nil {
		t.Fatal(err)
	}

	run := startReach(t)
	if run.Error != "" || run.Trigger != "@"+env.Admin.Username || run.Kind != "everyone" {
		t.Fatalf("run: %+v", run)
	}
	for _, c := range []struct {
		p    *person
		oid  string
		rule string
	}{{ann, annOID, "notify: directory email"}, {dan, danOID, "notify: directory email"}, {olga, olgaOID, "notify: auth data"}} {
		l := notifyLinkOf(t, c.p.Id)
		if l.Linked || l.Notification == nil || l.Notification.ObjectID != c.oid || l.Notification.Rule != c.rule || !l.Notification.Installed || !l.Notification.InForce {
			t.Errorf("%s: %+v", c.p.Username, l.Notification)
		}
		if apps := cloud.InstalledFor(testTenant, c.oid); len(apps) != 1 {
			t.Errorf("%s has %d apps", c.p.Username, len(apps))
		}
	}
	for p, oid := range map[*person]string{root: rootOID, mfa: mfaOID} {
		if apps := cloud.InstalledFor(testTenant, oid); len(apps) != 0 {
			t.Errorf("the app was installed for %s", p.Username)
		}
	}
	for p, reason := range map[*person]string{eve: "not verified", gina: "guest", ops: "more than one", author: "no one in the directory",
		root: "may manage the system", mfa: "multi-factor"} {
		if l := notifyLinkOf(t, p.Id); l.Notification != nil {
			t.Errorf("%s was linked: %+v", p.Username, l.Notification)
		}
		if got := reasonFor(run, p.Username); !strings.Contains(got, reason) {
			// Only a few accounts are named per reason: the count still says.
			if run.Skipped[reasonKey(run, reason)] == 0 {
				t.Errorf("%s skipped for %q, want %q", p.Username, got, reason)
			}
		}
	}
	if run.AlreadyInstalled < 1 || run.Installed < 2 {
		t.Errorf("counts: %+v", run)
	}

	// A link made from dan's email stops routing once his address changes.
	newEmail := "dan-moved-" + f.suffix + "@example.com"
	if _, _, err := env.Admin.Client.PatchUser(ctx, dan.Id, &model.UserPatch{Email: &newEmail}); err != nil {
		t.Fatal(err)
	}
	if l := notifyLinkOf(t, dan.Id); l.Notification == nil || l.Notification.InForce {
		t.Errorf("dan's link after his email changed: %+v", l.Notification)
	}

	// ann never opened the tab, and is told of a direct message.
	f.choose(ann, "all")
	dm, _, err := author.Client.CreateDirectChannel(ctx, author.Id, ann.Id)
	if err != nil {
		t.Fatal(err)
	}
	post := f.post(author, dm.Id, "", "are you there?")
	got := waitTold(t, time.Minute, post)
	if len(got[post][annOID]) != 1 {
		t.Fatalf("ann was not told: %v", got[post])
	}

	// The notification link signs nobody in: a token for ann's identity
	// whose email is not her account's is refused, as without the link.
	if r := exchange(t, cloud.Sign(tabToken(annOID, "someone.else@example.com")), "", nil); r.status == 200 {
		t.Fatalf("a notification link signed someone in: %d %s", r.status, r.redirect)
	}

	// ann removes her link, and no later run makes it again.
	if resp, body := pluginRequest(t, ann.User, "DELETE", "/api/v1/links/me", nil); resp.StatusCode != 200 {
		t.Fatalf("remove own link: %d %s", resp.StatusCode, body)
	}
	if l := notifyLinkOf(t, ann.Id); l.Notification != nil {
		t.Fatalf("after removal: %+v", l.Notification)
	}
	again := startReach(t)
	if reason := reasonFor(again, ann.Username); !strings.Contains(reason, "removed") && again.Skipped[reasonKey(again, "removed")] == 0 {
		t.Errorf("ann after removal: %q", reason)
	}
	if l := notifyLinkOf(t, ann.Id); l.Notification != nil {
		t.Errorf("the removed link was made again: %+v", l.Notification)
	}
}

func reasonKey(run *reachRun, part string) string {
	for reason := range run.Skipped {
		if strings.Contains(reason, part) {
			return reason
		}
	}
	return ""
}

func TestReachIsOffUntilTurnedOnAndSaysHow(t *testing.T) {
	useNotifySettings(t, nil)
	if v := reachStatus(t); v.On || !strings.Contains(v.Off, "Notify people who never opened the app") {
		t.Fatalf("status while off: %+v", v)
	}
	resp, body := pluginRequest(t, env.Admin, "POST", "/api/v1/reach/run", nil)
	if resp.StatusCode != http.StatusConflict || !strings.Contains(string(body), "Notify people who never opened the app") {
		t.Fatalf("start while off: %d %s", resp.StatusCode, body)
	}
	f := newFixture(t)
	someone := f.person("someone", false)
	if resp, _ := pluginRequest(t, someone.User, "POST", "/api/v1/reach/run", nil); resp.StatusCode != http.StatusForbidden {
		t.Fatalf("a member started a run: %d", resp.StatusCode)
	}
	if resp, _ := pluginRequest(t, someone.User, "GET", "/api/v1/reach", nil); resp.StatusCode != http.StatusForbidden {
		t.Fatalf("a member read the job: %d", resp.StatusCode)
	}
}

func TestReachReadsNewAccountsSoonAfterTheyAreCreated(t *testing.T) {
	useReach(t)
	first := startReach(t)
	f := newFixture(t)
	neo := f.person("neo", false)
	neoOID := inDirectory(neo, false)
	run := waitReach(t, first, "new accounts", time.Minute)
	if run.Error != "" {
		t.Fatalf("run: %+v", run)
	}
	if l := notifyLinkOf(t, neo.Id); l.Notification == nil || l.Notification.ObjectID != neoOID || !l.Notification.Installed {
		t.Fatalf("neo: %+v", l.Notification)
	}
}

func TestReachRunsDailyOverEveryone(t *testing.T) {
	useReach(t)
	first := startReach(t)
	f := newFixture(t)
	// An account whose email is verified later is not new, but the daily
	// run over everyone finds it.
	late, err := env.Server.CreateUnverifiedUser(testContext(t), "late-"+f.suffix, "late-"+f.suffix+"@example.com", "Passw0rd-"+f.suffix+"!")
	if err != nil {
		t.Fatal(err)
	}
	lateOID := inDirectory(&person{User: &harness.User{User: late}}, false)
	newAccounts := waitReach(t, first, "new accounts", time.Minute)
	if l := notifyLinkOf(t, late.Id); l.Notification != nil {
		t.Fatalf("an unverified account was linked: %+v", l.Notification)
	}
	if err := env.Server.VerifyEmail(late.Id, late.Email); err != nil {
		t.Fatal(err)
	}
	// A day passes: the last run over everyone is moved a day back.
	kv := env.Server.PluginKV(env.PluginID)
	data, appErr := kv.KVGet("reach_status")
	if appErr != nil {
		t.Fatal(appErr)
	}
	var st map[string]any
	if err := json.Unmarshal(data, &st); err != nil {
		t.Fatal(err)
	}
	st["last_everyone"] = time.Now().Add(-25 * time.Hour).UnixMilli()
	data, _ = json.Marshal(st)
	if appErr := kv.KVSet("reach_status", data); appErr != nil {
		t.Fatal(appErr)
	}
	// Saving the settings wakes the job rather than waiting for its minute.
	s := signInSettings()
	s["reachbeforefirstuse"], s["notificationholdseconds"] = true, 1
	if err := harness.SetPluginSettings(testContext(t), env.Admin.Client, env.PluginID, s); err != nil {
		t.Fatal(err)
	}
	daily := waitReach(t, newAccounts, "everyone", 2*time.Minute)
	if daily.Trigger != "daily" {
		t.Fatalf("run: %+v", daily)
	}
	if l := notifyLinkOf(t, late.Id); l.Notification == nil || l.Notification.ObjectID != lateOID {
		t.Fatalf("the daily run missed the verified account: %+v", l.Notification)
	}
}

func TestReachCarriesOnAfterARestartWithoutRepeatingAPage(t *testing.T) {
	useReach(t)
	f := newFixture(t)
	ch := f.channel("many")
	// More than a page of accounts: the server without a license refuses
	// new accounts past 250 active ones, so these are deactivated after.
	const n = 220
	users, err := env.Server.BulkMembers(f.team.Id, ch.Id, "reach"+f.suffix, n)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		for _, u := range users {
			if _, err := env.Admin.Client.DeleteUser(context.Background(), u.Id); err != nil {
				t.Errorf("deactivate %s: %v", u.Username, err)
			}
		}
	})
	for _, u := range users {
		cloud.AddUser(testTenant, msfake.User{ObjectID: "0000" + u.Id[:4] + "-1111-4222-8333-" + u.Id[4:16], Mail: u.Email, UserPrincipalName: u.Email})
	}
	before := reachStatus(t).Status.Last
	if resp, body := pluginRequest(t, env.Admin, "POST", "/api/v1/reach/run", nil); resp.StatusCode != 200 {
		t.Fatalf("start: %d %s", resp.StatusCode, body)
	}
	// Once a page of installs is done, the plugin stops and starts again.
	var runID string
	waitFor(t, "a page done", func() bool {
		cur := reachStatus(t).Status.Current
		if cur != nil && cur.Kind == "everyone" && cur.Page >= 1 {
			runID = cur.ID
			return true
		}
		return false
	})
	// Graph slows down, so the stop comes in the middle of the next page.
	cloud.StallNext(4, 2*time.Second)
	ctx := testContext(t)
	if err := harness.DisablePlugin(ctx, env.Admin.Client, env.PluginID); err != nil {
		t.Fatal(err)
	}
	if err := harness.EnablePlugin(ctx, env.Admin.Client, env.PluginID); err != nil {
		t.Fatal(err)
	}
	run := waitReach(t, before, "everyone", 2*time.Minute)
	if run.ID != runID || run.Error != "" {
		t.Fatalf("the run was not carried on: %s → %+v", runID, run)
	}
	// Only the page in hand at the stop is done again: Graph says its
	// installs were done already.
	if run.AlreadyInstalled > 200 {
		t.Errorf("%d installs repeated", run.AlreadyInstalled)
	}
	for _, u := range users {
		oid := "0000" + u.Id[:4] + "-1111-4222-8333-" + u.Id[4:16]
		if apps := cloud.InstalledFor(testTenant, oid); len(apps) != 1 {
			t.Fatalf("%s has %d apps", u.Username, len(apps))
		}
		if l := notifyLinkOf(t, u.Id); l.Notification == nil || l.Notification.ObjectID != oid {
			t.Fatalf("%s: %+v", u.Username, l.Notification)
		}
	}
}
