package reach

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/mattermost/mattermost/server/public/model"

	"github.com/missioncollab/mattermost-plugin-m365/internal/msfake"
	"github.com/missioncollab/mattermost-plugin-m365/server/attention"
	"github.com/missioncollab/mattermost-plugin-m365/server/graph"
	"github.com/missioncollab/mattermost-plugin-m365/server/kvstore"
)

func member(id, username, email string) *model.User {
	return &model.User{Id: id, Username: username, Email: email, EmailVerified: true}
}

// people are one account of each kind, and the directory beside them.
func people(w *world) {
	for _, u := range []msfake.User{
		{ObjectID: "oid-ann", Mail: "ann@example.com", UserPrincipalName: "ann@example.com"},
		{ObjectID: "oid-dan", Mail: "dan@example.com", UserPrincipalName: "dan@example.com"},
		{ObjectID: "oid-olga", Mail: "olga@example.com", UserPrincipalName: "olga@example.com"},
		{ObjectID: "oid-eve", Mail: "eve@example.com", UserPrincipalName: "eve@example.com"},
		{ObjectID: "oid-gina", Mail: "gina@partner.example", UserPrincipalName: "gina_partner.example#EXT#@example.com", Guest: true},
		{ObjectID: "oid-ops1", Mail: "ops@example.com", UserPrincipalName: "ops1@example.com"},
		{ObjectID: "oid-ops2", Mail: "ops2@example.com", UserPrincipalName: "ops@example.com"},
		{ObjectID: "oid-sam", Mail: "sam@example.com", UserPrincipalName: "sam@example.com"},
		{ObjectID: "oid-quiet", Mail: "quiet@example.com", UserPrincipalName: "quiet@example.com"},
		{ObjectID: "oid-gone", Mail: "gone@example.com", UserPrincipalName: "gone@example.com", Disabled: true},
	} {
		w.cloud.AddUser(tenant, u)
	}
	w.api.add(member("ann", "ann", "ANN@example.com"))
	w.api.add(member("dan", "dan", "dan@example.com"))
	olga := member("olga", "olga", "someone-else@example.com")
	olga.AuthService, olga.AuthData = model.ServiceOffice365, model.NewPointer("OID-OLGA")
	w.api.add(olga)
	eve := member("eve", "eve", "eve@example.com")
	eve.EmailVerified = false
	w.api.add(eve)
	w.api.add(member("gina", "gina", "gina@partner.example"))
	w.api.add(member("ops", "ops", "ops@example.com"))
	w.api.add(member("sam", "sam", "sam@example.com"))
	w.api.add(member("quiet", "quiet", "quiet@example.com"))
	w.api.add(member("gone", "gone", "gone@example.com"))
	w.api.add(member("nobody", "nobody", "nobody@example.com"))
	bot := member("bot", "bot", "bot@example.com")
	bot.IsBot = true
	w.api.add(bot)
	left := member("left", "left", "ann@example.com")
	left.DeleteAt = 5
	w.api.add(left)
}

func (w *world) runNow(t *testing.T) *Run {
	t.Helper()
	if !w.job.RunDue(context.Background()) {
		t.Fatal("no run was due")
	}
	st, err := w.job.Status()
	if err != nil || st.Last == nil || st.Current != nil {
		t.Fatalf("status: %+v %v", st, err)
	}
	return st.Last
}

func TestARunLinksAndInstallsForEachKindOfAccountByItsRule(t *testing.T) {
	w := newWorld(t)
	people(w)
	// dan has the app already; sam signs in from the tab; quiet chose no
	// Teams notifications.
	if got, err := w.client.InstallFor(context.Background(), w.catalogID, []string{"oid-dan"}); err != nil || got[0].Err != nil {
		t.Fatal(got, err)
	}
	if _, err := (kvstore.Links{KV: w.api, OnLink: w.links.Linked}).Link(kvstore.Identity{TenantID: tenant, ObjectID: "oid-sam"}, "sam", kvstore.RuleConfirmed); err != nil {
		t.Fatal(err)
	}
	if err := w.links.SetChoice("quiet", attention.Off); err != nil {
		t.Fatal(err)
	}
	if w.job.RunDue(context.Background()) {
		t.Fatal("a run started before anyone asked for one")
	}
	if err := w.job.RequestRun("@admin"); err != nil {
		t.Fatal(err)
	}
	run := w.runNow(t)
	if run.Error != "" || run.Trigger != "@admin" || run.Kind != KindEveryone {
		t.Fatalf("run: %+v", run)
	}
	for user, oid := range map[string]string{"ann": "oid-ann", "dan": "oid-dan", "olga": "oid-olga"} {
		if got, ok := w.links.Lookup(user); !ok || got != oid {
			t.Errorf("%s is told as %q, %v", user, got, ok)
		}
		if apps := w.cloud.InstalledFor(tenant, oid); len(apps) != 1 {
			t.Errorf("%s has %d apps", user, len(apps))
		}
	}
	for _, user := range []string{"eve", "gina", "ops", "quiet", "gone", "nobody", "bot", "left"} {
		if oid, ok := w.links.Lookup(user); ok {
			t.Errorf("%s was linked to %s", user, oid)
		}
	}
	if run.Linked[kvstore.RuleNotifyDirectory] != 2 || run.Linked[kvstore.RuleNotifyAuthData] != 1 ||
		run.Installed != 2 || run.AlreadyInstalled != 1 || run.AlreadyLinked != 1 || run.Accounts != 11 {
		t.Errorf("counts: %+v", run.Counts)
	}
	wantSkips := map[string]string{
		"eve": "not verified", "gina": "guest", "ops": "more than one", "quiet": "turned Teams notifications off",
		"gone": "cannot sign in", "nobody": "no one in the directory", "bot": "bot",
	}
	for user, reason := range wantSkips {
		found := false
		for r, names := range run.Examples {
			if strings.Contains(r, reason) && run.Skipped[r] > 0 && contains(names, user) {
				found = true
			}
		}
		if !found {
			t.Errorf("%s is not skipped for %q: %+v", user, reason, run.Examples)
		}
	}
	// Nothing the run made signs anyone in: no sign-in link exists for
	// the identities it found.
	for _, oid := range []string{"oid-ann", "oid-dan", "oid-olga"} {
		if user, _, err := (kvstore.Links{KV: w.api}).UserFor(kvstore.Identity{TenantID: tenant, ObjectID: oid}); err != nil || user != "" {
			t.Errorf("%s signs in as %q (%v)", oid, user, err)
		}
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// interruptingDirectory ends the server's context after some installs,
// as a restart in the middle of a run would.
type interruptingDirectory struct {
	Directory
	cancel   context.CancelFunc
	installs int
	after    int
	lookedUp map[string]int
}

func (d *interruptingDirectory) UsersByEmail(ctx context.Context, emails []string) ([]graph.UserLookup, error) {
	for _, e := range emails {
		d.lookedUp[e]++
	}
	return d.Directory.UsersByEmail(ctx, emails)
}

func (d *interruptingDirectory) InstallFor(ctx context.Context, catalogID string, oids []string) ([]graph.Installed, error) {
	d.installs++
	got, err := d.Directory.InstallFor(ctx, catalogID, oids)
	if d.installs == d.after {
		// Graph installed the app; the server stopped before it heard.
		d.cancel()
		return nil, context.Canceled
	}
	return got, err
}

func TestARestartMidRunCarriesOnFromTheLastPageWithoutRepeatingIt(t *testing.T) {
	w := newWorld(t)
	const n = 9
	for i := range n {
		id := string(rune('a'+i)) + "user"
		w.cloud.AddUser(tenant, msfake.User{ObjectID: "oid-" + id, Mail: id + "@example.com", UserPrincipalName: id + "@example.com"})
		w.api.add(member(id, id, id+"@example.com"))
	}
	limits := DefaultLimits
	limits.PageSize = 2
	w.restart(limits)
	ctx, cancel := context.WithCancel(context.Background())
	dir := &interruptingDirectory{Directory: w.client, cancel: cancel, after: 2, lookedUp: map[string]int{}}
	w.job.Target = func() (Target, error) { return Target{TenantID: tenant, AppExternalID: appID, Graph: dir}, nil }
	if err := w.job.RequestRun("@admin"); err != nil {
		t.Fatal(err)
	}
	w.job.RunDue(ctx)
	st, _ := w.job.Status()
	if st.Current == nil || st.Current.Page != 1 || st.Last != nil {
		t.Fatalf("after the interruption: %+v", st)
	}
	// Graph installed the app for the second page's people, but the page
	// is not done: it is done again, and Graph's 409 tells the rest.
	w.restart(limits)
	dir.cancel, dir.after = func() {}, -1
	w.job.Target = func() (Target, error) { return Target{TenantID: tenant, AppExternalID: appID, Graph: dir}, nil }
	run := w.runNow(t)
	if run.Error != "" || run.Linked[kvstore.RuleNotifyDirectory] != n || run.Installed+run.AlreadyInstalled != n ||
		run.AlreadyInstalled > limits.PageSize || run.Accounts != n {
		t.Fatalf("after the restart: %+v", run)
	}
	if dir.lookedUp["auser@example.com"] != 1 || dir.lookedUp["buser@example.com"] != 1 || dir.lookedUp["iuser@example.com"] != 1 ||
		dir.lookedUp["cuser@example.com"] != 2 {
		t.Errorf("the first page was read again: %v", dir.lookedUp)
	}
	for i := range n {
		id := string(rune('a'+i)) + "user"
		if _, ok := w.links.Lookup(id); !ok || len(w.cloud.InstalledFor(tenant, "oid-"+id)) != 1 {
			t.Errorf("%s is not reached", id)
		}
	}
}

func TestNewAccountsAreReadSoonAndEveryoneAgainDaily(t *testing.T) {
	w := newWorld(t)
	people(w)
	if err := w.job.RequestRun("@admin"); err != nil {
		t.Fatal(err)
	}
	w.runNow(t)
	w.cloud.AddUser(tenant, msfake.User{ObjectID: "oid-neo", Mail: "neo@example.com", UserPrincipalName: "neo@example.com"})
	neo := member("neo", "neo", "neo@example.com")
	neo.UpdateAt = w.clock.Load()
	w.api.add(neo)
	w.job.AccountCreated()
	if w.job.RunDue(context.Background()) {
		t.Fatal("the run of new accounts did not wait for others created with it")
	}
	w.advance(DefaultLimits.Settle)
	run := w.runNow(t)
	if run.Kind != KindNewAccounts || run.Accounts != 1 || run.Linked[kvstore.RuleNotifyDirectory] != 1 {
		t.Fatalf("new accounts: %+v", run)
	}
	if _, ok := w.links.Lookup("neo"); !ok {
		t.Fatal("neo is not reached")
	}
	// A day later everyone is read again: an account whose email became
	// verified meanwhile is found then.
	eve := member("eve", "eve", "eve@example.com")
	w.api.add(eve)
	if w.job.RunDue(context.Background()) {
		t.Fatal("a run started with nothing due")
	}
	w.advance(DefaultLimits.Every)
	run = w.runNow(t)
	if run.Kind != KindEveryone || run.Trigger != "daily" || run.Linked[kvstore.RuleNotifyDirectory] != 1 || run.AlreadyLinked != 6 {
		t.Fatalf("daily: %+v", run)
	}
}

func TestThrottledRequestsAreWaitedOutAndEveryoneIsReached(t *testing.T) {
	w := newWorld(t)
	people(w)
	if err := w.job.RequestRun("@admin"); err != nil {
		t.Fatal(err)
	}
	w.cloud.ThrottleNext(3, time.Second)
	start := time.Now()
	run := w.runNow(t)
	if run.Error != "" || total(run.Linked) != 5 || run.Installed != 5 || total(run.Failed) != 0 {
		t.Fatalf("run: %+v", run)
	}
	if time.Since(start) < time.Second {
		t.Errorf("Graph's Retry-After was not waited out")
	}
}

func TestMissingConsentStopsTheRunAndSaysWhichPermission(t *testing.T) {
	w := newWorld(t, "AppCatalog.Read.All", "TeamsAppInstallation.ReadWriteSelfForUser.All")
	people(w)
	if err := w.job.RequestRun("@admin"); err != nil {
		t.Fatal(err)
	}
	run := w.runNow(t)
	if !strings.Contains(run.Error, "User.Read.All") {
		t.Fatalf("run: %+v", run)
	}
	if _, ok := w.links.Lookup("ann"); ok {
		t.Error("ann was linked by a run that could not read the directory")
	}
	// Auth data needs no directory read, but the page it is on stopped.
	w.cloud.SetAppRoles(tenant, clientID, "AppCatalog.Read.All", "User.Read.All")
	w.advance(time.Second)
	if err := w.job.RequestRun("@admin"); err != nil {
		t.Fatal(err)
	}
	run = w.runNow(t)
	if !strings.Contains(run.Error, "TeamsAppInstallation") {
		t.Fatalf("without the install permission: %+v", run)
	}
}

func TestARemovedNotificationLinkIsNeverMadeAgain(t *testing.T) {
	w := newWorld(t)
	people(w)
	if err := w.job.RequestRun("@admin"); err != nil {
		t.Fatal(err)
	}
	w.runNow(t)
	removed, err := w.links.RemoveNotifyLink("ann", w.clock.Load())
	if err != nil || removed == nil || removed.ObjectID != "oid-ann" {
		t.Fatalf("remove: %+v %v", removed, err)
	}
	if _, ok := w.links.Lookup("ann"); ok {
		t.Fatal("ann is still told after removing the link")
	}
	w.restart(DefaultLimits)
	if _, ok := w.links.Lookup("ann"); ok {
		t.Fatal("the removal did not last a restart")
	}
	w.advance(time.Second)
	if err := w.job.RequestRun("@admin"); err != nil {
		t.Fatal(err)
	}
	run := w.runNow(t)
	if run.Skipped[skipRemoved] != 1 || total(run.Linked) != 0 {
		t.Fatalf("run: %+v", run)
	}
}

func TestASignInLinkWinsOverANotificationLinkToTheSameIdentity(t *testing.T) {
	w := newWorld(t)
	people(w)
	if err := w.job.RequestRun("@admin"); err != nil {
		t.Fatal(err)
	}
	w.runNow(t)
	// Someone confirms oid-ann as another account from the tab: Teams
	// notifications for oid-ann follow that account only.
	w.api.add(member("ann2", "ann2", "ann2@example.com"))
	links := kvstore.Links{KV: w.api, OnLink: w.links.Linked}
	if _, err := links.Link(kvstore.Identity{TenantID: tenant, ObjectID: "oid-ann"}, "ann2", kvstore.RuleConfirmed); err != nil {
		t.Fatal(err)
	}
	if _, ok := w.links.Lookup("ann"); ok {
		t.Fatal("two accounts are told as oid-ann")
	}
	w.restart(DefaultLimits)
	if _, ok := w.links.Lookup("ann"); ok {
		t.Fatal("after a restart, two accounts are told as oid-ann")
	}
	if oid, _ := w.links.Lookup("ann2"); oid != "oid-ann" {
		t.Fatalf("ann2 is told as %q", oid)
	}
}

func TestTurningItOffTakesTheLinksOutOfForce(t *testing.T) {
	w := newWorld(t)
	people(w)
	if err := w.job.RequestRun("@admin"); err != nil {
		t.Fatal(err)
	}
	w.runNow(t)
	w.links.Configure(tenant, true, false)
	if _, ok := w.links.Lookup("ann"); ok {
		t.Fatal("a notification link counts while the setting is off")
	}
	w.links.Configure(tenant, true, true)
	if _, ok := w.links.Lookup("ann"); !ok {
		t.Fatal("the link does not count again once the setting is back on")
	}
	w.job.Target = func() (Target, error) { return Target{}, ErrOff }
	if err := w.job.RequestRun("@admin"); err != ErrOff {
		t.Fatalf("a run was requested while off: %v", err)
	}
}

func TestTurningItOffDuringARunStopsIt(t *testing.T) {
	w := newWorld(t)
	people(w)
	limits := DefaultLimits
	limits.PageSize = 2
	w.restart(limits)
	pages := 0
	w.job.Target = func() (Target, error) {
		pages++
		if pages > 3 {
			return Target{}, ErrOff
		}
		return Target{TenantID: tenant, AppExternalID: appID, Graph: w.client}, nil
	}
	if err := w.job.RequestRun("@admin"); err != nil {
		t.Fatal(err)
	}
	run := w.runNow(t)
	if !strings.Contains(run.Error, "stopped") || run.Accounts != limits.PageSize {
		t.Fatalf("run: %+v", run)
	}
}

func TestConsentGrantedAfterTheTokenWasIssuedIsSeenInTheSameRun(t *testing.T) {
	w := newWorld(t, "AppCatalog.Read.All")
	people(w)
	// The plugin holds a token from before the admin granted consent.
	if _, err := w.client.TeamsAppID(context.Background(), appID); err != nil {
		t.Fatal(err)
	}
	w.cloud.SetAppRoles(tenant, clientID, "AppCatalog.Read.All", "User.Read.All", "TeamsAppInstallation.ReadWriteSelfForUser.All")
	if err := w.job.RequestRun("@admin"); err != nil {
		t.Fatal(err)
	}
	if run := w.runNow(t); run.Error != "" || total(run.Linked) != 5 {
		t.Fatalf("run: %+v", run)
	}
}

func TestTheSupportPacketNamesNoAccount(t *testing.T) {
	w := newWorld(t)
	people(w)
	if err := w.job.RequestRun("@admin"); err != nil {
		t.Fatal(err)
	}
	w.runNow(t)
	st, _ := w.job.Status()
	f, err := SupportFile(st)
	if err != nil || !strings.Contains(string(f.Body), "the account is a bot") || strings.Contains(string(f.Body), `"bot"`) {
		t.Fatalf("%v: %s", err, f.Body)
	}
	if st2, _ := w.job.Status(); len(st2.Last.Examples) == 0 {
		t.Fatal("the stored status lost its examples")
	}
}

func TestALinkCountsOnlyOnceTheAppIsInstalled(t *testing.T) {
	w := newWorld(t)
	people(w)
	// Graph does not know ann yet: her installation fails.
	w.cloud.AddUser(tenant, msfake.User{ObjectID: "oid-gone-later", UserPrincipalName: "x@example.com"})
	w.cloud.SetTeamsAppClient(tenant, appID, "someone-else")
	if err := w.job.RequestRun("@admin"); err != nil {
		t.Fatal(err)
	}
	run := w.runNow(t)
	failed := 0
	for _, e := range w.links.AllLinks().Notify {
		if e.InstallError != "" {
			failed++
		}
	}
	if total(run.Failed) == 0 || total(run.Failed) != failed {
		t.Fatalf("%d installations failed, counted %d: %+v", failed, total(run.Failed), run)
	}
	if _, ok := w.links.Lookup("ann"); ok {
		t.Fatal("a person without the app is told, which would make Graph refuse everyone in the request")
	}
	// The next run installs it, and then she is told.
	w.cloud.SetTeamsAppClient(tenant, appID, clientID)
	w.advance(time.Second)
	if err := w.job.RequestRun("@admin"); err != nil {
		t.Fatal(err)
	}
	if run := w.runNow(t); run.Installed == 0 {
		t.Fatalf("the retry installed nothing: %+v", run)
	}
	if _, ok := w.links.Lookup("ann"); !ok {
		t.Fatal("ann is not told once the app is installed")
	}
}

func TestTheDirectoryNeverLinksAnAccountSignInWouldNotMatchByEmail(t *testing.T) {
	w := newWorld(t)
	for _, name := range []string{"root", "mfa", "ann"} {
		w.cloud.AddUser(tenant, msfake.User{ObjectID: "oid-" + name, Mail: name + "@example.com", UserPrincipalName: name + "@example.com"})
	}
	root := member("root", "root", "root@example.com")
	root.Roles = "system_user system_admin"
	mfa := member("mfa", "mfa", "mfa@example.com")
	mfa.MfaActive = true
	w.api.add(root)
	w.api.add(mfa)
	w.api.add(member("ann", "ann", "ann@example.com"))
	if err := w.job.RequestRun("@admin"); err != nil {
		t.Fatal(err)
	}
	run := w.runNow(t)
	for _, user := range []string{"root", "mfa"} {
		if oid, ok := w.links.Lookup(user); ok {
			t.Errorf("%s was linked to %s", user, oid)
		}
		if apps := w.cloud.InstalledFor(tenant, "oid-"+user); len(apps) != 0 {
			t.Errorf("the app was installed for %s", user)
		}
	}
	if oid, ok := w.links.Lookup("ann"); !ok || oid != "oid-ann" {
		t.Fatalf("ann is told as %q, %v", oid, ok)
	}
	if run.Linked[kvstore.RuleNotifyDirectory] != 1 {
		t.Fatalf("counts: %+v", run.Counts)
	}
	made := w.api.infoLines("Linked a Microsoft account for notifications")
	if len(made) != 1 || !strings.Contains(made[0], "ann") || !strings.Contains(made[0], "oid-ann") || !strings.Contains(made[0], kvstore.ByReach) {
		t.Fatalf("log lines of links made: %q", made)
	}
}

func TestADirectoryLinkThatLostItsEmailHoldsOnlyOnceTheDirectoryProvesItAgain(t *testing.T) {
	w := newWorld(t)
	w.cloud.AddUser(tenant, msfake.User{ObjectID: "oid-ann", Mail: "ann@example.com", UserPrincipalName: "ann@example.com"})
	w.cloud.AddUser(tenant, msfake.User{ObjectID: "oid-bea", Mail: "bea@example.com", UserPrincipalName: "bea@example.com"})
	ann := member("ann", "ann", "ann@example.com")
	w.api.add(ann)
	run := func() *Run {
		t.Helper()
		w.advance(time.Second)
		if err := w.job.RequestRun("@admin"); err != nil {
			t.Fatal(err)
		}
		return w.runNow(t)
	}
	told := func() bool {
		_, ok := w.links.InForceFor(ann)
		return ok
	}
	run()
	if !told() {
		t.Fatal("ann's new link does not hold")
	}

	// A link stored before links kept their email holds for nobody until
	// the directory proves it again.
	e, _ := w.links.NotifyLinkOf("ann")
	if _, err := (kvstore.NotifyLinks{KV: w.api}).Update(e.Chunk, func(c *kvstore.NotifyChunk) bool {
		c.Find("ann").Email = ""
		return true
	}); err != nil {
		t.Fatal(err)
	}
	w.restart(DefaultLimits)
	if told() {
		t.Fatal("a link that kept no email holds")
	}
	if r := run(); r.AlreadyLinked != 1 || !told() {
		t.Fatalf("after the directory proved it again: %+v, told %v", r.Counts, told())
	}

	// Ann's account takes an address the directory gives someone else.
	ann.Email = "bea@example.com"
	if told() {
		t.Fatal("the link holds after the account's address changed")
	}
	if r := run(); r.Skipped[skipChanged] != 1 || told() {
		t.Fatalf("an address of another person: %+v, told %v", r.Counts, told())
	}
	// The directory moves ann's own mail to her new address.
	ann.Email = "ann.new@example.com"
	w.cloud.AddUser(tenant, msfake.User{ObjectID: "oid-ann", Mail: "ann.new@example.com", UserPrincipalName: "ann@example.com"})
	if r := run(); r.AlreadyLinked != 1 || !told() {
		t.Fatalf("her own new address: %+v, told %v", r.Counts, told())
	}
	if got := w.api.infoLines("Proved a notification link again"); len(got) != 2 {
		t.Fatalf("log lines of links proved again: %q", got)
	}
}

func TestAnIdentityTakenBeforeTheDirectoryAnswersSkipsTheAccountAlone(t *testing.T) {
	w := newWorld(t)
	// The directory gives two addresses of one person; the first account
	// of the page takes the identity, the second finds it taken, on an
	// empty chunk and on one with a link in it.
	w.cloud.AddUser(tenant, msfake.User{ObjectID: "oid-ann", Mail: "ann@example.com", UserPrincipalName: "ann.smith@example.com"})
	w.api.add(member("ann1", "ann1", "ann@example.com"))
	w.api.add(member("ann2", "ann2", "ann.smith@example.com"))
	if _, err := (kvstore.Links{KV: w.api, OnLink: w.links.Linked}).Link(kvstore.Identity{TenantID: tenant, ObjectID: "oid-ann"}, "sam", kvstore.RuleConfirmed); err != nil {
		t.Fatal(err)
	}
	w.api.add(member("sam", "sam", "sam@example.com"))
	if err := w.job.RequestRun("@admin"); err != nil {
		t.Fatal(err)
	}
	run := w.runNow(t)
	if run.Skipped[skipTaken] != 2 || total(run.Linked) != 0 {
		t.Fatalf("run: %+v", run.Counts)
	}
}
