package e2e

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/mattermost/mattermost/server/public/model"

	"github.com/missioncollab/mattermost-plugin-m365/internal/msfake"
)

// siteOrigin is the scheme and host of the suite's server.
func siteOrigin() string {
	u, _ := url.Parse(env.Server.URL)
	return u.Scheme + "://" + u.Host
}

// browserHeaders are what a browser sends with a fetch from this site's
// own pages.
func browserHeaders() http.Header {
	h := http.Header{}
	h.Set("Origin", siteOrigin())
	h.Set("Sec-Fetch-Site", "same-origin")
	return h
}

type pluginResult struct {
	status  int
	body    map[string]any
	raw     string
	cookies map[string]*http.Cookie
	// ended are the cookies the answer deletes.
	ended  []*http.Cookie
	header http.Header
}

func pluginCall(t testing.TB, method, path string, body []byte, header http.Header) pluginResult {
	t.Helper()
	req, _ := http.NewRequestWithContext(testContext(t), method, env.Server.URL+"/plugins/"+env.PluginID+path, bytes.NewReader(body))
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	for k, v := range header {
		req.Header[k] = v
	}
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	res := pluginResult{status: resp.StatusCode, raw: string(raw), cookies: map[string]*http.Cookie{}, header: resp.Header}
	_ = json.Unmarshal(raw, &res.body)
	for _, c := range resp.Cookies() {
		if c.Value == "" {
			res.ended = append(res.ended, c)
			continue
		}
		res.cookies[c.Name] = c
	}
	return res
}

func pluginPost(t testing.TB, path string, body []byte, header http.Header) pluginResult {
	return pluginCall(t, "POST", path, body, header)
}

// webSession logs in the way the web app does and returns its cookies.
func webSession(t *testing.T, username, password string) map[string]string {
	t.Helper()
	body, _ := json.Marshal(map[string]string{"login_id": username, "password": password})
	req, _ := http.NewRequestWithContext(testContext(t), "POST", env.Server.URL+"/api/v4/users/login", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Requested-With", "XMLHttpRequest")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("web login of %s: %d", username, resp.StatusCode)
	}
	out := map[string]string{}
	for _, c := range resp.Cookies() {
		out[c.Name] = c.Value
	}
	if out["MMAUTHTOKEN"] == "" || out["MMCSRF"] == "" {
		t.Fatalf("web login cookies: %v", out)
	}
	return out
}

// confirmAs posts the popup's confirmation from a browser signed in with
// the session's cookies.
func confirmAs(t *testing.T, session map[string]string, flow string) pluginResult {
	t.Helper()
	h := browserHeaders()
	h.Set("Cookie", "MMAUTHTOKEN="+session["MMAUTHTOKEN"]+"; MMCSRF="+session["MMCSRF"])
	h.Set("X-CSRF-Token", session["MMCSRF"])
	body, _ := json.Marshal(map[string]string{"flow": flow})
	return pluginPost(t, "/api/v1/link/confirm", body, h)
}

func redeem(t *testing.T, code, flow, token string) pluginResult {
	t.Helper()
	body, _ := json.Marshal(map[string]string{"code": code, "flow": flow, "token": token})
	return pluginPost(t, "/api/v1/sso/redeem", body, browserHeaders())
}

// refusedWithFlow signs in with the token, expects a refusal that offers
// linking, and that the log says why.
func refusedWithFlow(t *testing.T, token, why string) string {
	t.Helper()
	r := exchange(t, token, "", nil)
	if r.status != 401 || len(r.cookies) != 0 || r.linkFlow == "" {
		t.Fatalf("sign-in: %d, %d cookies, flow %q, %s", r.status, len(r.cookies), r.linkFlow, r.body)
	}
	waitFor(t, "the reason in the log: "+why, func() bool { return strings.Contains(env.Server.Logs(), why) })
	return r.linkFlow
}

func TestEmailAloneNeverSignsInToAnAccountItDoesNotProve(t *testing.T) {
	ctx := testContext(t)
	useSignInSettings(t, nil)

	t.Run("pre-hijack: a user changes her own email to a colleague's", func(t *testing.T) {
		mallory, err := env.Server.CreateUser(ctx, "mallory"+model.NewId()[:6], "mallory-"+model.NewId()[:6]+"@example.com", "Mallory-Passw0rd!")
		if err != nil {
			t.Fatal(err)
		}
		colleague := "colleague-" + model.NewId()[:6] + "@example.com"
		if _, _, err := mallory.Client.PatchUser(ctx, mallory.Id, &model.UserPatch{Email: &colleague, Password: &mallory.Password}); err != nil {
			t.Fatalf("change own email: %v", err)
		}
		refusedWithFlow(t, cloud.Sign(tabToken(newOID(), colleague)), mallory.Id+" (found by email) has an email address that is not verified")
		if link := linkOf(t, mallory.Id); link["linked"] == true {
			t.Fatalf("the colleague's identity was linked to mallory: %v", link)
		}
	})
	t.Run("a system admin's email", func(t *testing.T) {
		refusedWithFlow(t, cloud.Sign(tabToken(newOID(), env.Admin.Email)), env.Admin.Id+" (found by email) may manage the system")
	})
	t.Run("an account with MFA on", func(t *testing.T) {
		u, err := env.Server.CreateUser(ctx, "mfa"+model.NewId()[:6], "mfa-"+model.NewId()[:6]+"@example.com", "Mfa-Passw0rd!")
		if err != nil {
			t.Fatal(err)
		}
		if err := env.Server.SetMFAActive(u.Id); err != nil {
			t.Fatal(err)
		}
		refusedWithFlow(t, cloud.Sign(tabToken(newOID(), u.Email)), u.Id+" (found by email) has multi-factor authentication on")
	})
	t.Run("an account linked to another Microsoft identity", func(t *testing.T) {
		u, err := env.Server.CreateUser(ctx, "linked"+model.NewId()[:6], "linked-"+model.NewId()[:6]+"@example.com", "Linked-Passw0rd!")
		if err != nil {
			t.Fatal(err)
		}
		first := newOID()
		if r := exchange(t, cloud.Sign(tabToken(first, u.Email)), "", nil); r.status != 200 {
			t.Fatalf("first identity: %d %s", r.status, r.body)
		}
		refusedWithFlow(t, cloud.Sign(tabToken(newOID(), u.Email)), u.Id+" (found by email) is linked to another Microsoft account")
		// The first link is kept.
		if r := exchange(t, cloud.Sign(tabToken(first, u.Email)), "", nil); r.status != 200 || me(t, r).Id != u.Id {
			t.Fatalf("first identity after the refusal: %d", r.status)
		}
	})
	t.Run("a guest token with a member's email", func(t *testing.T) {
		tok := tabToken(userOID, env.User.Email)
		guest := cloud.AccessToken(msfake.TokenSpec{
			Version: 2, Tenant: testTenant, ObjectID: newOID(), ClientID: testClientID,
			Audience: tok.Claims["aud"].(string), Scopes: "access_as_user", Email: env.User.Email,
			GuestOf: "0d2c4fa1-5b6e-4f7a-8c9d-0e1f2a3b4c5d",
		})
		refusedWithFlow(t, cloud.Sign(guest), "guests are never matched by email")
	})
}

func linkOf(t *testing.T, userID string) map[string]any {
	t.Helper()
	r := pluginCall(t, "GET", "/api/v1/links/users/"+userID, nil, http.Header{"Authorization": {"Bearer " + env.Admin.Client.AuthToken}})
	if r.status != 200 {
		t.Fatalf("read the link of %s: %d %s", userID, r.status, r.raw)
	}
	return r.body
}

func TestLinkingThroughTheOwnLoginSignsInAnAdminAndIsAudited(t *testing.T) {
	useSignInSettings(t, nil)
	oid := newOID()
	token := func() string { return cloud.Sign(tabToken(oid, env.Admin.Email)) }
	flow := refusedWithFlow(t, token(), "may manage the system")

	// The popup's page names both accounts.
	session := webSession(t, env.Admin.Username, env.Admin.Password)
	page := pluginCall(t, "GET", "/auth/link?flow="+url.QueryEscape(flow), nil,
		http.Header{"Cookie": {"MMAUTHTOKEN=" + session["MMAUTHTOKEN"] + "; MMCSRF=" + session["MMCSRF"]}})
	if page.status != 200 || !strings.Contains(page.raw, "@"+env.Admin.Username) || !strings.Contains(page.raw, env.Admin.Email) ||
		!strings.Contains(page.raw, `id="link-confirm"`) {
		t.Fatalf("link page: %d %s", page.status, page.raw)
	}
	conf := confirmAs(t, session, flow)
	code, _ := conf.body["code"].(string)
	if conf.status != 200 || code == "" {
		t.Fatalf("confirm: %d %s", conf.status, conf.raw)
	}
	// Another identity's token cannot redeem it, and spends nothing.
	if r := redeem(t, code, flow, cloud.Sign(tabToken(newOID(), "attacker@example.com"))); r.status != 401 || len(r.cookies) != 0 {
		t.Fatalf("redeem with another identity: %d", r.status)
	}
	waitFor(t, "the identity mismatch in the log", func() bool {
		return strings.Contains(env.Server.Logs(), "is not the one the linking flow started with")
	})
	// The tab that started the flow redeems it, once.
	r := redeem(t, code, flow, token())
	if r.status != 200 || r.cookies["MMAUTHTOKEN"] == nil {
		t.Fatalf("redeem: %d %s", r.status, r.raw)
	}
	if again := redeem(t, code, flow, token()); again.status != 401 {
		t.Fatalf("the used code again: %d", again.status)
	}
	if who := me(t, exchangeResult{cookies: r.cookies}); who.Id != env.Admin.Id {
		t.Fatalf("signed in as %s", who.Username)
	}
	// From now on the link signs the admin in silently.
	again := exchange(t, token(), "", nil)
	if again.status != 200 || me(t, again).Id != env.Admin.Id {
		t.Fatalf("linked sign-in: %d %s", again.status, again.body)
	}
	if link := linkOf(t, env.Admin.Id); link["rule"] != "confirmed" || link["object_id"] != oid || link["in_force"] != true {
		t.Fatalf("link = %v", link)
	}
	waitFor(t, "the link and sign-in in the log", func() bool {
		logs := env.Server.Logs()
		return strings.Contains(logs, "Linked a Microsoft account") && strings.Contains(logs, "Tab sign-in with Microsoft") &&
			strings.Contains(logs, `"entra_object_id":"`+oid+`"`)
	})

	// An admin removes the link; the next sign-in offers linking again.
	del := pluginCall(t, "DELETE", "/api/v1/links/users/"+env.Admin.Id, nil, http.Header{"Authorization": {"Bearer " + env.Admin.Client.AuthToken}})
	if del.status != 200 {
		t.Fatalf("remove link: %d %s", del.status, del.raw)
	}
	refusedWithFlow(t, token(), "may manage the system")
	// The sessions the link signed in end with it.
	for name, cookies := range map[string]map[string]*http.Cookie{"redeemed": r.cookies, "linked": again.cookies} {
		req, _ := http.NewRequestWithContext(testContext(t), "GET", env.Server.URL+"/api/v4/users/me", nil)
		req.AddCookie(&http.Cookie{Name: "MMAUTHTOKEN", Value: cookies["MMAUTHTOKEN"].Value})
		req.Header.Set("X-Requested-With", "XMLHttpRequest")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 401 {
			t.Errorf("the %s session after the link was removed: %d", name, resp.StatusCode)
		}
	}
	waitFor(t, "the removal in the log", func() bool {
		return strings.Contains(env.Server.Logs(), "Removed a Microsoft account link")
	})
}

func TestOnlyAnInteractiveBrowserSessionMayConfirmALink(t *testing.T) {
	ctx := testContext(t)
	useSignInSettings(t, nil)
	flow := refusedWithFlow(t, cloud.Sign(tabToken(newOID(), "stranger-"+model.NewId()[:6]+"@example.com")), "no account has the token's email")

	cfg, _, err := env.Admin.Client.GetConfig(ctx)
	if err != nil {
		t.Fatal(err)
	}
	cfg.ServiceSettings.EnableUserAccessTokens = model.NewPointer(true)
	if _, _, err := env.Admin.Client.UpdateConfig(ctx, cfg); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cfg.ServiceSettings.EnableUserAccessTokens = model.NewPointer(false)
		_, _, _ = env.Admin.Client.UpdateConfig(ctx, cfg)
	})
	pat, _, err := env.Admin.Client.CreateUserAccessToken(ctx, env.Admin.Id, "link test")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := json.Marshal(map[string]string{"flow": flow})

	bearer := browserHeaders()
	bearer.Set("Authorization", "Bearer "+pat.Token)
	if r := pluginPost(t, "/api/v1/link/confirm", body, bearer); r.status != 403 || r.body["code"] != nil {
		t.Fatalf("a personal access token as bearer: %d %s", r.status, r.raw)
	}
	waitFor(t, "the refusal in the log", func() bool { return strings.Contains(env.Server.Logs(), "a personal access token") })
	inURL := pluginPost(t, "/api/v1/link/confirm?access_token="+pat.Token, body, browserHeaders())
	if inURL.status != 403 || inURL.body["code"] != nil {
		t.Fatalf("a personal access token in the URL: %d %s", inURL.status, inURL.raw)
	}
	// A browser session's token sent as a bearer header has no CSRF cookie.
	session := webSession(t, env.User.Username, env.User.Password)
	h := browserHeaders()
	h.Set("Authorization", "Bearer "+session["MMAUTHTOKEN"])
	if r := pluginPost(t, "/api/v1/link/confirm", body, h); r.status != 403 {
		t.Fatalf("a session token as bearer: %d %s", r.status, r.raw)
	}
	// A cookie session from outside a browser is refused too.
	cookieOnly := http.Header{"Cookie": {"MMAUTHTOKEN=" + session["MMAUTHTOKEN"] + "; MMCSRF=" + session["MMCSRF"]},
		"X-Csrf-Token": {session["MMCSRF"]}}
	if r := pluginPost(t, "/api/v1/link/confirm", body, cookieOnly); r.status != 403 {
		t.Fatalf("no browser headers: %d %s", r.status, r.raw)
	}
	// The page itself confirms nothing for a token session.
	page := pluginCall(t, "GET", "/auth/link?flow="+url.QueryEscape(flow), nil, http.Header{"Authorization": {"Bearer " + pat.Token}})
	if page.status != 200 || strings.Contains(page.raw, `id="link-confirm"`) || !strings.Contains(page.raw, "Only a Mattermost login made in this window") {
		t.Fatalf("link page for a token: %d %s", page.status, page.raw)
	}
	// Signed out, the page sends the person to the login and back.
	out := pluginCall(t, "GET", "/auth/link?flow="+url.QueryEscape(flow), nil, nil)
	loc := out.header.Get("Location")
	if out.status != 302 || !strings.HasPrefix(loc, "/mattermost/login?redirect_to=") || !strings.Contains(loc, url.QueryEscape(url.QueryEscape(flow))) {
		t.Fatalf("signed out: %d %q", out.status, loc)
	}
	// The code the old popup page issued to any session is gone.
	if r := pluginCall(t, "GET", "/auth/complete", nil, http.Header{"Authorization": {"Bearer " + pat.Token}}); r.status != 404 {
		t.Fatalf("/auth/complete: %d", r.status)
	}
	// The browser session itself may confirm.
	if r := confirmAs(t, session, flow); r.status != 200 {
		t.Fatalf("the person's own browser session: %d %s", r.status, r.raw)
	}
}

func TestTurningEmailMatchingOffStopsTrustingEmailLinks(t *testing.T) {
	useSignInSettings(t, nil)
	oid := userOID
	token := func() string { return cloud.Sign(tabToken(oid, env.User.Email)) }
	if r := exchange(t, token(), "", nil); r.status != 200 {
		t.Fatalf("email sign-in: %d %s", r.status, r.body)
	}
	useSignInSettings(t, map[string]any{"matchaccountsbyemail": false})
	refusedWithFlow(t, token(), "no link, and email matching is off")
	own := pluginCall(t, "GET", "/api/v1/links/me", nil, http.Header{"Authorization": {"Bearer " + env.User.Client.AuthToken}})
	if own.body["linked"] != true || own.body["rule"] != "email" || own.body["in_force"] != false {
		t.Fatalf("own link with email matching off: %s", own.raw)
	}
	useSignInSettings(t, nil)
	if r := exchange(t, token(), "", nil); r.status != 200 || me(t, r).Id != env.User.Id {
		t.Fatalf("email matching back on: %d", r.status)
	}
	// A person removes their own link.
	del := pluginCall(t, "DELETE", "/api/v1/links/me", nil, http.Header{"Authorization": {"Bearer " + env.User.Client.AuthToken}})
	if del.status != 200 {
		t.Fatalf("remove own link: %d %s", del.status, del.raw)
	}
	if own := linkOf(t, env.User.Id); own["linked"] != false {
		t.Fatalf("after removal: %v", own)
	}
}

func TestTabSessionsLastTheSSOSessionLength(t *testing.T) {
	ctx := testContext(t)
	cfg, _, err := env.Admin.Client.GetConfig(ctx)
	if err != nil {
		t.Fatal(err)
	}
	before := *cfg.ServiceSettings.SessionLengthSSOInHours
	cfg.ServiceSettings.SessionLengthSSOInHours = model.NewPointer(48)
	if _, _, err := env.Admin.Client.UpdateConfig(ctx, cfg); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cfg.ServiceSettings.SessionLengthSSOInHours = model.NewPointer(before)
		_, _, _ = env.Admin.Client.UpdateConfig(ctx, cfg)
	})
	useSignInSettings(t, nil)
	// Each try is a new person: one person's new sessions are bounded.
	waitFor(t, "a 48-hour tab session", func() bool {
		u, oid := newPerson(t, "long")
		r := exchange(t, cloud.Sign(tabToken(oid, u.Email)), "", nil)
		return r.status == 200 && r.cookies["MMAUTHTOKEN"].MaxAge == 48*3600
	})
}

// A link that email alone made routes no notification while email
// matching is off; a link the person confirmed still does.
func TestEmailLinksRouteNoNotificationsWhileEmailMatchingIsOff(t *testing.T) {
	useNotifySettings(t, nil)
	f := newFixture(t)
	author := f.person("author", false)
	mailed := f.person("mailed", true)
	confirmed := f.person("confirmed", false)
	confirmed.oid = newOID()
	flow := refusedWithFlow(t, cloud.Sign(tabToken(confirmed.oid, "elsewhere-"+f.suffix+"@example.com")), "no account has the token's email")
	conf := confirmAs(t, webSession(t, confirmed.Username, confirmed.Password), flow)
	code, _ := conf.body["code"].(string)
	if r := redeem(t, code, flow, cloud.Sign(tabToken(confirmed.oid, "elsewhere-"+f.suffix+"@example.com"))); r.status != 200 {
		t.Fatalf("link %s: %d %s", confirmed.Username, r.status, r.raw)
	}

	useNotifySettings(t, map[string]any{"matchaccountsbyemail": false})
	ch := f.channel("trust", author, mailed, confirmed)
	id := f.post(author, ch.Id, "", "@"+mailed.Username+" @"+confirmed.Username+" status?")
	got := f.settle(author, confirmed)
	if len(got[id][confirmed.oid]) != 1 {
		t.Errorf("the confirmed link was not told: %v", got[id])
	}
	if _, told := got[id][mailed.oid]; told {
		t.Errorf("the email link was told with email matching off: %v", got[id])
	}
}

func TestSlashCommandShowsAndRemovesLinks(t *testing.T) {
	ctx := testContext(t)
	useSignInSettings(t, nil)
	f := newFixture(t)
	me := f.person("slash", true)
	other := f.person("other", true)
	ch := f.channel("slash", me, other)
	run := func(u *person, cmd string) string {
		t.Helper()
		resp, _, err := u.Client.ExecuteCommand(ctx, ch.Id, cmd)
		if err != nil {
			t.Fatalf("%s: %v", cmd, err)
		}
		return resp.Text
	}
	if got := run(me, "/m365 link"); !strings.Contains(got, me.oid) {
		t.Fatalf("/m365 link: %s", got)
	}
	if got := run(me, "/m365 unlink @"+other.Username); !strings.Contains(got, "Only system admins") {
		t.Fatalf("a person removed someone else's link: %s", got)
	}
	if link := linkOf(t, other.Id); link["linked"] != true {
		t.Fatalf("the other link is gone: %v", link)
	}
	if got := run(me, "/m365 unlink"); !strings.Contains(got, "no longer linked") {
		t.Fatalf("/m365 unlink: %s", got)
	}
	if link := linkOf(t, me.Id); link["linked"] != false {
		t.Fatalf("after /m365 unlink: %v", link)
	}
	admin := &person{User: env.Admin}
	if _, _, err := env.Admin.Client.AddTeamMember(ctx, f.team.Id, env.Admin.Id); err != nil {
		t.Fatal(err)
	}
	if _, _, err := env.Admin.Client.AddChannelMember(ctx, ch.Id, env.Admin.Id); err != nil {
		t.Fatal(err)
	}
	if got := run(admin, "/m365 unlink @"+other.Username); !strings.Contains(got, "no longer linked") {
		t.Fatalf("admin /m365 unlink: %s", got)
	}
	waitFor(t, "the removals in the log", func() bool {
		return strings.Count(env.Server.Logs(), "Removed a Microsoft account link") >= 2
	})
}
