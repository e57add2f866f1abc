package e2e

import (
	"archive/zip"
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

type healthCheck struct {
	ID     string `json:"id"`
	Status string `json:"status"`
	Detail string `json:"detail"`
	Fix    string `json:"fix"`
}

// tenantAsAdminLeftIt sets the fake tenant's consent and secret expiry
// for one test and puts them back after.
func tenantAsAdminLeftIt(t *testing.T, roles []string, expiresIn time.Duration) {
	t.Helper()
	cloud.SetAppRoles(testTenant, testClientID, roles...)
	cloud.SetSecretExpiry(testTenant, testClientID, time.Now().Add(expiresIn))
	t.Cleanup(func() {
		cloud.SetAppRoles(testTenant, testClientID, msfake.AppRoles...)
		cloud.SetSecretExpiry(testTenant, testClientID, time.Now().Add(180*24*time.Hour))
	})
}

func runHealth(t *testing.T, user *person) (int, map[string]healthCheck) {
	t.Helper()
	var resp *http.Response
	var body []byte
	if user == nil {
		resp, body = pluginRequest(t, nil, "GET", "/api/v1/health", nil)
	} else {
		resp, body = pluginRequest(t, user.User, "GET", "/api/v1/health", nil)
	}
	checks := map[string]healthCheck{}
	var report struct {
		Checks []healthCheck `json:"checks"`
	}
	if resp.StatusCode == 200 {
		if err := json.Unmarshal(body, &report); err != nil {
			t.Fatal(err)
		}
		for _, c := range report.Checks {
			checks[c.ID] = c
		}
	}
	return resp.StatusCode, checks
}

func TestConnectionCheckPassesAndNamesWhatIsWrong(t *testing.T) {
	useNotifySettings(t, nil)
	tenantAsAdminLeftIt(t, append(append([]string{}, msfake.AppRoles...), "Application.Read.All"), 90*24*time.Hour)
	admin := &person{User: env.Admin}
	applyFrameAncestors(t)
	status, checks := runHealth(t, admin)
	if status != 200 || len(checks) != 9 {
		t.Fatalf("%d: %v", status, checks)
	}
	for id, c := range checks {
		if c.Status != "pass" && id != "reach_permissions" {
			t.Errorf("%s: %s: %s %s", id, c.Status, c.Detail, c.Fix)
		}
	}
	// Reaching people before they open the app is off, so its
	// permissions are not asked for; turned on, they are.
	if c := checks["reach_permissions"]; c.Status != "skip" {
		t.Errorf("reach while off: %+v", c)
	}
	useNotifySettings(t, map[string]any{"reachbeforefirstuse": true})
	tenantAsAdminLeftIt(t, append(append([]string{}, msfake.AppRoles...), "Application.Read.All"), 90*24*time.Hour)
	if _, checks := runHealth(t, admin); checks["reach_permissions"].Status != "fail" || !strings.Contains(checks["reach_permissions"].Fix, "User.Read.All") {
		t.Errorf("reach without its permissions: %+v", checks["reach_permissions"])
	}
	tenantAsAdminLeftIt(t, append(append([]string{}, msfake.AppRoles...), "Application.Read.All", "User.Read.All", "TeamsAppInstallation.ReadWriteSelfForUser.All"), 90*24*time.Hour)
	if _, checks := runHealth(t, admin); checks["reach_permissions"].Status != "pass" {
		t.Errorf("reach with its permissions: %+v", checks["reach_permissions"])
	}

	useNotifySettings(t, map[string]any{"clientsecret": "Wrong~secret.value_0000000000"})
	_, checks = runHealth(t, admin)
	if c := checks["graph_token"]; c.Status != "fail" || !strings.Contains(c.Fix, "Client Secret") {
		t.Errorf("a wrong secret: %+v", c)
	}
	if strings.Contains(checks["graph_token"].Detail+checks["graph_token"].Fix, "Wrong~secret") {
		t.Error("the check shows the secret")
	}

	if status, _ := runHealth(t, &person{User: env.User}); status != http.StatusForbidden {
		t.Errorf("a user who is not an admin: %d", status)
	}
	if status, _ := runHealth(t, nil); status != http.StatusUnauthorized {
		t.Errorf("nobody signed in: %d", status)
	}
}

func TestSecretExpiryRemindsAdminsOnceADay(t *testing.T) {
	useNotifySettings(t, nil)
	tenantAsAdminLeftIt(t, append(append([]string{}, msfake.AppRoles...), "Application.Read.All"), 10*24*time.Hour)
	// Any settings change makes the plugin look at the expiry.
	useNotifySettings(t, map[string]any{"appdisplayname": "Mattermost Ops"})
	var reminders []string
	waitFor(t, "a reminder", func() bool {
		reminders = botMessages(t, "expires on")
		return len(reminders) > 0
	})
	if !strings.Contains(reminders[0], "in 9 days") && !strings.Contains(reminders[0], "in 10 days") {
		t.Errorf("reminder %q", reminders[0])
	}
	useNotifySettings(t, map[string]any{"appdisplayname": "Mattermost Ops 2"})
	// Nothing can signal a message not sent: give the second check the
	// time the first one took several times over.
	time.Sleep(2 * time.Second)
	if n := len(botMessages(t, "expires on")); n != 1 {
		t.Errorf("%d reminders in a day", n)
	}
}

// botMessages are the plugin bot's direct messages to the admin that
// contain text.
func botMessages(t *testing.T, text string) []string {
	t.Helper()
	ctx := testContext(t)
	bot, _, err := env.Admin.Client.GetUserByUsername(ctx, "microsoft365", "")
	if err != nil {
		return nil
	}
	dm, _, err := env.Admin.Client.CreateDirectChannel(ctx, env.Admin.Id, bot.Id)
	if err != nil {
		t.Fatal(err)
	}
	list, _, err := env.Admin.Client.GetPostsForChannel(ctx, dm.Id, 0, 50, "", false, false)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, p := range list.Posts {
		if strings.Contains(p.Message, text) {
			out = append(out, p.Message)
		}
	}
	return out
}

func TestSupportPacketCarriesTheConnectionCheck(t *testing.T) {
	useNotifySettings(t, nil)
	env.Server.SetLicense(model.NewTestLicenseSKU(model.LicenseShortSkuEnterprise))
	t.Cleanup(func() { env.Server.SetLicense(nil) })
	rc, _, _, err := env.Admin.Client.GenerateSupportPacket(testContext(t))
	if err != nil {
		t.Fatal(err)
	}
	data, err := io.ReadAll(rc)
	rc.Close()
	if err != nil {
		t.Fatal(err)
	}
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	found := map[string]bool{}
	for _, f := range zr.File {
		switch {
		case strings.HasSuffix(f.Name, "m365-connection-check.json"):
			fr, _ := f.Open()
			var report struct {
				Checks []healthCheck `json:"checks"`
			}
			err := json.NewDecoder(fr).Decode(&report)
			fr.Close()
			if err != nil || len(report.Checks) != 9 {
				t.Fatalf("%s: %v %v", f.Name, report, err)
			}
			found["check"] = true
		case strings.HasSuffix(f.Name, "m365-reach.json"):
			fr, _ := f.Open()
			var st map[string]any
			err := json.NewDecoder(fr).Decode(&st)
			fr.Close()
			if err != nil {
				t.Fatalf("%s: %v", f.Name, err)
			}
			found["reach"] = true
		}
	}
	if found["check"] && found["reach"] {
		return
	}
	var names []string
	for _, f := range zr.File {
		names = append(names, f.Name)
	}
	t.Fatalf("no connection check or reach job in the support packet: %v", names)
}
