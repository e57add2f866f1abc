package health

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/missioncollab/mattermost-plugin-m365/internal/msfake"
	"github.com/missioncollab/mattermost-plugin-m365/server/config"
	"github.com/missioncollab/mattermost-plugin-m365/server/frameancestors"
	"github.com/missioncollab/mattermost-plugin-m365/server/graph"
	"github.com/missioncollab/mattermost-plugin-m365/server/notify"
	"github.com/missioncollab/mattermost-plugin-m365/server/teamsapp"
)

const (
	tenant   = "6f0c2b5e-1a2b-4c3d-8e9f-0a1b2c3d4e5f"
	clientID = "9a8b7c6d-5e4f-4a3b-9c2d-1e0f9a8b7c6d"
	secret   = "Abc~client.secret"
	appID    = "3c2b1a09-8f7e-4d6c-9b5a-4f3e2d1c0b9a"
)

var cloud *msfake.Cloud

func TestMain(m *testing.M) {
	var err error
	if cloud, err = msfake.Start(); err != nil {
		panic(err)
	}
	defer cloud.Close()
	m.Run()
}

func settings() config.Settings {
	return config.Settings{
		TenantID: tenant, ClientID: clientID, ClientSecret: secret, AppID: appID, AppVersion: "1.0.0",
		AppDisplayName: "Mattermost", Cloud: config.CloudCustom,
		CustomAuthorityURL: cloud.URL(), CustomGraphURL: cloud.URL(), CustomTeamsURL: cloud.URL(),
	}
}

// world is the tenant as an admin left it: consent, catalog, secret.
type world struct {
	roles   []string
	publish bool
	version string
	expires time.Duration
	queue   *Queue
	// last is the upload last reported of the package the plugin builds
	// now, 1.0.0 with digest "d".
	last *teamsapp.Upload
}

func good() world {
	return world{roles: []string{"TeamsActivity.Send", "AppCatalog.Read.All", ExpiryRole}, publish: true, version: "1.0.0", expires: 90 * 24 * time.Hour,
		queue: &Queue{Status: notify.Status{MaxJobs: 10_000, MaxBytes: 64 << 20, MaxAge: 6 * time.Hour}}}
}

// waiting is a queue of 3 posts, the oldest queued age ago.
func waiting(age time.Duration) func(*world) {
	return func(w *world) {
		w.queue.Jobs, w.queue.Bytes, w.queue.Oldest = 3, 2500, time.Now().Add(-age)
	}
}

func pausedFor(cause graph.Cause) func(*world) {
	return func(w *world) {
		waiting(time.Hour)(w)
		w.queue.Pause = &notify.Pause{Cause: cause, Since: time.Now().Add(-time.Hour)}
	}
}

func check(t *testing.T, w world, s config.Settings, siteURL string) map[string]Check {
	t.Helper()
	// Each case gets its own tenant state: a fresh client ID.
	cloud.RemoveTeamsApp(appID)
	cloud.RegisterApp(tenant, clientID, secret)
	cloud.SetAppRoles(tenant, clientID, w.roles...)
	cloud.SetSecretExpiry(tenant, clientID, time.Now().Add(w.expires))
	if w.publish {
		cloud.PublishTeamsApp(tenant, appID, "Mattermost")
		cloud.SetTeamsAppVersion(tenant, appID, w.version)
	}
	in := Input{Settings: s, SiteURL: siteURL, Queue: w.queue, Package: &teamsapp.Package{Version: s.AppVersion, Digest: "d"},
		LastUpload: w.last, SetupCommand: "m365-setup -site-url " + siteURL}
	if s.TenantID != "" && s.ClientID != "" && s.ClientSecret != "" {
		in.Graph = graph.New(graph.Config{TenantID: s.TenantID, ClientID: s.ClientID, ClientSecret: s.ClientSecret,
			AuthorityURL: cloud.URL(), GraphURL: cloud.URL(), HTTPClient: cloud.Client()})
	}
	out := map[string]Check{}
	for _, c := range Run(context.Background(), in).Checks {
		out[c.ID] = c
	}
	return out
}

func TestChecks(t *testing.T) {
	const site = "https://chat.example.com"
	cases := []struct {
		name    string
		world   func(*world)
		set     func(*config.Settings)
		site    string
		id      string
		status  Status
		mention string
	}{
		{name: "all good: site", id: IDSiteURL, status: Pass},
		{name: "all good: settings", id: IDSettings, status: Pass},
		{name: "all good: token", id: IDToken, status: Pass},
		{name: "all good: permissions", id: IDPermissions, status: Pass},
		{name: "all good: catalog", id: IDTeamsApp, status: Pass, mention: "1.0.0"},
		{name: "all good: secret", id: IDSecret, status: Pass},
		{name: "http site", site: "http://chat.example.com", id: IDSiteURL, status: Fail, mention: "https"},
		{name: "no site", site: "-", id: IDSiteURL, status: Fail, mention: "Site URL"},
		{name: "missing settings", set: func(s *config.Settings) { s.AppID = "" }, id: IDSettings, status: Fail, mention: "Application ID"},
		{name: "wrong tenant", set: func(s *config.Settings) { s.TenantID = "0b1c2d3e-4f50-4a6b-8c7d-8e9fa0b1c2d3" }, id: IDToken, status: Fail, mention: "Directory (tenant) ID"},
		{name: "wrong client", set: func(s *config.Settings) { s.ClientID = "0b1c2d3e-4f50-4a6b-8c7d-8e9fa0b1c2d3" }, id: IDToken, status: Fail, mention: "Application (client) ID"},
		{name: "wrong secret", set: func(s *config.Settings) { s.ClientSecret = "not-it" }, id: IDToken, status: Fail, mention: "Client Secret"},
		{name: "expired secret", world: func(w *world) { w.expires = -time.Hour }, id: IDToken, status: Fail, mention: "expired"},
		{name: "no consent", world: func(w *world) { w.roles = []string{"AppCatalog.Read.All"} }, id: IDPermissions, status: Fail, mention: "TeamsActivity.Send"},
		{name: "per-person consent", set: func(s *config.Settings) { s.LeastPrivilegeNotifications = true },
			world: func(w *world) { w.roles = []string{"AppCatalog.Read.All", ExpiryRole} }, id: IDPermissions, status: Pass, mention: "TeamsActivity.Send.User"},
		{name: "per-person consent, tenant-wide granted too", set: func(s *config.Settings) { s.LeastPrivilegeNotifications = true },
			id: IDPermissions, status: Warn, mention: "Remove TeamsActivity.Send"},
		{name: "per-person consent without the catalog", set: func(s *config.Settings) { s.LeastPrivilegeNotifications = true },
			world: func(w *world) { w.roles = []string{"TeamsActivity.Send"} }, id: IDPermissions, status: Fail, mention: "AppCatalog.Read.All"},
		{name: "reach off", id: IDReach, status: Skip, mention: "Off"},
		{name: "reach granted", set: func(s *config.Settings) { s.ReachBeforeFirstUse = true },
			world: func(w *world) {
				w.roles = append(w.roles, "User.Read.All", "TeamsAppInstallation.ReadWriteForUser.All")
			}, id: IDReach, status: Pass},
		{name: "reach without consent", set: func(s *config.Settings) { s.ReachBeforeFirstUse = true },
			world: func(w *world) { w.roles = append(w.roles, "User.Read.All") }, id: IDReach, status: Fail, mention: "TeamsAppInstallation.ReadWriteSelfForUser.All"},
		{name: "not in catalog", world: func(w *world) { w.publish = false }, id: IDTeamsApp, status: Fail, mention: "Teams admin center"},
		{name: "old version", world: func(w *world) { w.version = "0.9.0" }, id: IDTeamsApp, status: Warn, mention: "0.9.0"},
		{name: "this very package", world: func(w *world) { w.last = &teamsapp.Upload{Version: "1.0.0", Digest: "d"} }, id: IDTeamsApp, status: Pass, mention: "in force"},
		{name: "uploaded by hand", id: IDTeamsApp, status: Pass, mention: "uploaded by hand"},
		{name: "changed since the upload", world: func(w *world) { w.last = &teamsapp.Upload{Version: "1.0.0", Digest: "other"} }, id: IDTeamsApp, status: Warn, mention: "other settings or icons"},
		{name: "catalog ahead of the settings", world: func(w *world) { w.version = "1.2.0" }, id: IDTeamsApp, status: Warn, mention: "higher than the settings"},
		{name: "secret expiring", world: func(w *world) { w.expires = 10 * 24 * time.Hour }, id: IDSecret, status: Warn, mention: "days"},
		{name: "cannot read expiry", world: func(w *world) { w.roles = RequiredRoles }, id: IDSecret, status: Warn, mention: ExpiryRole},
		{name: "later checks wait", set: func(s *config.Settings) { s.ClientSecret = "not-it" }, id: IDTeamsApp, status: Skip},
		{name: "empty queue", id: IDQueue, status: Pass, mention: "10,000 posts or 64 MiB, each for at most 6 hours"},
		{name: "queue sending", world: waiting(5 * time.Second), id: IDQueue, status: Pass, mention: "3 posts wait (2.4 KiB) to be sent, the oldest for 5 seconds"},
		{name: "queue held up", world: waiting(25 * time.Minute), id: IDQueue, status: Warn, mention: "the oldest for 25 minutes"},
		{name: "queue without the app", world: pausedFor(graph.NoApp), id: IDQueue, status: Warn, mention: "not in the tenant's app catalog"},
		{name: "queue without consent", world: pausedFor(graph.NoConsent), id: IDQueue, status: Warn, mention: "TeamsActivity.Send"},
		{name: "queue refused sign-in", world: pausedFor(graph.SignInRefused), id: IDQueue, status: Warn, mention: "sign-in"},
		{name: "queue throttled", world: func(w *world) {
			waiting(time.Minute)(w)
			w.queue.NotBefore = time.Now().Add(2 * time.Minute)
		}, id: IDQueue, status: Pass, mention: "throttled"},
		{name: "queue unreadable", world: func(w *world) { w.queue = &Queue{Err: errors.New("database gone")} }, id: IDQueue, status: Warn, mention: "database gone"},
		{name: "queue not running", world: func(w *world) { w.queue = nil }, id: IDQueue, status: Skip},
		{name: "notifications off", world: waiting(time.Hour), set: func(s *config.Settings) { s.DisableNotifications = true }, id: IDQueue, status: Pass, mention: "off"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			w, s, siteURL := good(), settings(), site
			if c.world != nil {
				c.world(&w)
			}
			if c.set != nil {
				c.set(&s)
			}
			if c.site == "-" {
				siteURL = ""
			} else if c.site != "" {
				siteURL = c.site
			}
			got := check(t, w, s, siteURL)[c.id]
			if got.Status != c.status {
				t.Fatalf("%s: %s, want %s: %s", c.id, got.Status, c.status, got.Detail)
			}
			if !strings.Contains(got.Detail+" "+got.Fix, c.mention) {
				t.Errorf("%q / %q does not mention %q", got.Detail, got.Fix, c.mention)
			}
			if (got.Status == Fail || got.Status == Warn) && (got.Fix == "" || strings.Count(got.Fix, ". ") > 0) {
				t.Errorf("the fix is not one sentence: %q", got.Fix)
			}
			if strings.Contains(got.Detail+got.Fix, secret) {
				t.Error("the report shows the secret")
			}
		})
	}
}

func TestTheSupportFileIsTheReportAsJSON(t *testing.T) {
	report := Report{Checks: []Check{{ID: IDSiteURL, Name: "Site URL", Status: Fail, Detail: "not set"}}}
	file, err := SupportFile(report)
	if err != nil || file.Filename != "m365-connection-check.json" {
		t.Fatalf("%v %v", file, err)
	}
	var back Report
	if err := json.Unmarshal(file.Body, &back); err != nil || len(back.Checks) != 1 || back.Checks[0].Detail != "not set" {
		t.Fatalf("decoded: %+v %v", back, err)
	}
}

func TestTheFramingCheckGivesTheValueToSet(t *testing.T) {
	framing := func(f *Framing) Check {
		for _, c := range Run(context.Background(), Input{Framing: f}).Checks {
			if c.ID == IDFraming {
				return c
			}
		}
		t.Fatal("no framing check")
		return Check{}
	}
	wanted := []string{"https://teams.microsoft.com", "https://*.cloud.microsoft"}
	if c := framing(nil); c.Status != Skip {
		t.Errorf("no status: %+v", c)
	}
	if c := framing(&Framing{}); c.Status != Skip {
		t.Errorf("nothing wanted: %+v", c)
	}
	inPlace := framing(&Framing{Status: frameancestors.Status{Current: "'self' https://teams.microsoft.com https://*.cloud.microsoft", Wanted: wanted, InPlace: true}})
	if inPlace.Status != Pass || !strings.Contains(inPlace.Detail, "https://*.cloud.microsoft") {
		t.Errorf("in place: %+v", inPlace)
	}
	missing := framing(&Framing{Status: frameancestors.Status{Current: "'self'", Wanted: wanted, Value: "'self' https://teams.microsoft.com https://*.cloud.microsoft"}})
	if missing.Status != Fail || !strings.Contains(missing.Fix, "to 'self' https://teams.microsoft.com https://*.cloud.microsoft (") ||
		!strings.Contains(missing.Detail, `"'self'"`) {
		t.Errorf("missing: %+v", missing)
	}
	if c := framing(&Framing{Err: errors.New("store gone")}); c.Status != Fail || !strings.Contains(c.Detail, "store gone") {
		t.Errorf("unknown: %+v", c)
	}
}
