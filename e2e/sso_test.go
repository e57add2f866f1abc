package e2e

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/mattermost/mattermost/server/public/model"

	"github.com/missioncollab/mattermost-plugin-m365/e2e/harness"
	"github.com/missioncollab/mattermost-plugin-m365/internal/msfake"
)

const (
	testTenant   = "72f988bf-86f1-41af-91ab-2d7cd011db47"
	testClientID = "11111111-2222-3333-4444-555555555555"
)

// signInSettings points the plugin at the fake cloud.
func signInSettings() map[string]any {
	s := validSettings()
	s["tenantid"], s["clientid"] = testTenant, testClientID
	s["cloud"] = "custom"
	s["customauthorityurl"], s["customgraphurl"], s["customteamsurl"] = cloud.URL(), cloud.URL(), cloud.URL()
	s["matchaccountsbyemail"] = true
	return s
}

func useSignInSettings(t *testing.T, changes map[string]any) {
	t.Helper()
	resetSettings(t)
	s := signInSettings()
	for k, v := range changes {
		s[k] = v
	}
	if err := harness.SetPluginSettings(testContext(t), env.Admin.Client, env.PluginID, s); err != nil {
		t.Fatal(err)
	}
}

// tabToken is what Teams gives the tab for a person: a v2 token for this
// app's Application ID URI on the suite's server.
func tabToken(oid, email string) msfake.Token {
	return cloud.AccessToken(msfake.TokenSpec{
		Version: 2, Tenant: testTenant, ObjectID: oid, ClientID: testClientID,
		Audience: "api://" + strings.TrimPrefix(env.Server.URL, "https://") + "/" + testClientID,
		Scopes:   "access_as_user", Email: email, Name: "Test Person",
	})
}

type exchangeResult struct {
	status   int
	redirect string
	cookies  map[string]*http.Cookie
	body     string
	// linkFlow is the linking flow a refused sign-in offers.
	linkFlow string
	// ended are the cookies the answer deletes.
	ended []*http.Cookie
}

func exchange(t testing.TB, token, subPage string, header http.Header) exchangeResult {
	t.Helper()
	body, _ := json.Marshal(map[string]string{"token": token, "subPageId": subPage})
	req, _ := http.NewRequestWithContext(testContext(t), "POST", env.Server.URL+"/plugins/"+env.PluginID+"/api/v1/sso/exchange", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	for k, v := range header {
		req.Header[k] = v
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out struct {
		Redirect string `json:"redirect"`
		Error    string `json:"error"`
		LinkFlow string `json:"linkFlow"`
	}
	_ = json.NewDecoder(resp.Body).Decode(&out)
	res := exchangeResult{status: resp.StatusCode, redirect: out.Redirect, cookies: map[string]*http.Cookie{}, body: out.Error, linkFlow: out.LinkFlow}
	for _, c := range resp.Cookies() {
		if c.Value == "" {
			res.ended = append(res.ended, c)
			continue
		}
		res.cookies[c.Name] = c
	}
	return res
}

// me asks the server who the session cookie belongs to.
func me(t *testing.T, r exchangeResult) *model.User {
	t.Helper()
	u, status := usersMe(t, r.cookies["MMAUTHTOKEN"].Value)
	if status != 200 {
		t.Fatalf("/users/me with the new session: %d", status)
	}
	return u
}

// usersMe answers /users/me for a session token, and its status.
func usersMe(t testing.TB, token string) (*model.User, int) {
	t.Helper()
	req, _ := http.NewRequestWithContext(testContext(t), "GET", env.Server.URL+"/api/v4/users/me", nil)
	req.AddCookie(&http.Cookie{Name: "MMAUTHTOKEN", Value: token})
	req.Header.Set("X-Requested-With", "XMLHttpRequest")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var u model.User
	if resp.StatusCode == 200 {
		if err := json.NewDecoder(resp.Body).Decode(&u); err != nil {
			t.Fatal(err)
		}
	}
	return &u, resp.StatusCode
}

// userOID is the suite user's Entra object ID: an account linked to one
// Microsoft identity is never matched by email for another.
var userOID = newOID()

func newOID() string {
	return strings.ToLower(model.NewId()[:8] + "-1111-4222-8333-" + model.NewId()[:12])
}

func TestSignInByEmailGivesAWorkingSession(t *testing.T) {
	useSignInSettings(t, nil)
	oid := userOID
	r := exchange(t, cloud.Sign(tabToken(oid, "ALICE@Example.com")), "", nil)
	if r.status != 200 || r.redirect != "/mattermost/" {
		t.Fatalf("exchange: %d %q %s", r.status, r.redirect, r.body)
	}
	for _, name := range []string{"MMAUTHTOKEN", "MMUSERID", "MMCSRF"} {
		c := r.cookies[name]
		if c == nil {
			t.Fatalf("no %s cookie", name)
		}
		if !c.Secure || c.SameSite != http.SameSiteNoneMode || !c.Partitioned || c.Path != "/mattermost" || c.MaxAge <= 0 {
			t.Errorf("%s cookie: %+v", name, c)
		}
		if c.HttpOnly != (name == "MMAUTHTOKEN") {
			t.Errorf("%s HttpOnly = %v", name, c.HttpOnly)
		}
	}
	if u := me(t, r); u.Id != env.User.Id {
		t.Fatalf("session is for %s, want alice", u.Username)
	}
	sessions, _, err := env.Admin.Client.GetSessions(testContext(t), env.User.Id, "")
	if err != nil {
		t.Fatal(err)
	}
	marked := false
	for _, s := range sessions {
		if s.Props["m365_tab"] == "true" && s.Props["platform"] == "Microsoft 365 tab" {
			marked = true
		}
	}
	if !marked {
		t.Fatal("no session is marked as coming from the tab")
	}

	// The identity is now linked: a token naming another address still
	// signs in as alice.
	r = exchange(t, cloud.Sign(tabToken(oid, "alice.renamed@example.com")), "", nil)
	if r.status != 200 || me(t, r).Id != env.User.Id {
		t.Fatalf("linked sign-in: %d %s", r.status, r.body)
	}
}

func TestSignInKeepsAnExistingSessionOfTheSameAccount(t *testing.T) {
	useSignInSettings(t, nil)
	first := exchange(t, cloud.Sign(tabToken(userOID, env.User.Email)), "", nil)
	if first.status != 200 {
		t.Fatalf("first sign-in: %d", first.status)
	}
	before, _, _ := env.Admin.Client.GetSessions(testContext(t), env.User.Id, "")
	h := http.Header{}
	h.Set("Cookie", "MMAUTHTOKEN="+first.cookies["MMAUTHTOKEN"].Value+"; MMCSRF="+first.cookies["MMCSRF"].Value)
	h.Set("X-CSRF-Token", first.cookies["MMCSRF"].Value)
	h.Set("X-Requested-With", "XMLHttpRequest")
	again := exchange(t, cloud.Sign(tabToken(userOID, env.User.Email)), "", h)
	after, _, _ := env.Admin.Client.GetSessions(testContext(t), env.User.Id, "")
	if again.status != 200 || len(again.cookies) != 0 || len(after) != len(before) {
		t.Fatalf("second sign-in: %d, %d cookies, sessions %d -> %d", again.status, len(again.cookies), len(before), len(after))
	}
}

func TestSignInMatchingRules(t *testing.T) {
	ctx := testContext(t)
	// An account that signs in to Mattermost through Office 365 already.
	o365OID := newOID()
	o365, err := env.Server.CreateUser(ctx, "o365user"+model.NewId()[:6], "o365-"+model.NewId()[:6]+"@example.com", "O365-Passw0rd!")
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := env.Admin.Client.UpdateUserAuth(ctx, o365.Id, &model.UserAuth{AuthService: model.ServiceOffice365, AuthData: model.NewPointer(o365OID)}); err != nil {
		t.Fatalf("give the account Office 365 sign-in: %v", err)
	}
	gone, err := env.Server.CreateUser(ctx, "gone"+model.NewId()[:6], "gone-"+model.NewId()[:6]+"@example.com", "Gone-Passw0rd!")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := env.Admin.Client.DeleteUser(ctx, gone.Id); err != nil {
		t.Fatal(err)
	}
	bot, _, err := env.Admin.Client.CreateBot(ctx, &model.Bot{Username: "bot" + model.NewId()[:6]})
	if err != nil {
		t.Fatal(err)
	}
	botUser, _, err := env.Admin.Client.GetUser(ctx, bot.UserId, "")
	if err != nil {
		t.Fatal(err)
	}

	cases := []struct {
		name      string
		matchMail bool
		oid       string
		email     string
		wantUser  string
		wantLog   string
	}{
		{"auth data, even with email matching off", false, o365OID, "nobody@example.com", o365.Id, ""},
		{"email", true, userOID, env.User.Email, env.User.Id, ""},
		{"email matching off", false, newOID(), env.User.Email, "", "no matching Mattermost account"},
		{"no such email", true, newOID(), "stranger@example.com", "", "no matching Mattermost account"},
		{"deactivated account", true, newOID(), gone.Email, "", gone.Id + " (found by email) is deactivated"},
		{"bot", true, newOID(), botUser.Email, "", bot.UserId + " (found by email) is a bot"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			useSignInSettings(t, map[string]any{"matchaccountsbyemail": tc.matchMail})
			r := exchange(t, cloud.Sign(tabToken(tc.oid, tc.email)), "", nil)
			if tc.wantUser == "" {
				if r.status != 401 || len(r.cookies) != 0 {
					t.Fatalf("signed in: %d", r.status)
				}
				waitFor(t, "the reason in the log", func() bool { return strings.Contains(env.Server.Logs(), tc.wantLog) })
				return
			}
			if r.status != 200 || me(t, r).Id != tc.wantUser {
				t.Fatalf("exchange %d %s", r.status, r.body)
			}
		})
	}
}

func TestSignInRefusalsAreLoggedNotExplained(t *testing.T) {
	useSignInSettings(t, nil)
	tok := tabToken(userOID, env.User.Email)
	tok.Claims["aud"] = "api://evil.example.com/" + testClientID
	raw := cloud.Sign(tok)
	r := exchange(t, raw, "", nil)
	if r.status != 401 || strings.Contains(r.body, "another application") {
		t.Fatalf("refusal: %d %q", r.status, r.body)
	}
	waitFor(t, "the refusal in the log", func() bool {
		return strings.Contains(env.Server.Logs(), "token is for another application")
	})
	if strings.Contains(env.Server.Logs(), strings.Split(raw, ".")[2]) {
		t.Fatal("the log contains the token")
	}
	if r := exchange(t, msfake.SignNone(tabToken(userOID, env.User.Email)), "", nil); r.status != 401 {
		t.Fatalf("alg none: %d", r.status)
	}
}

func TestSignInSurvivesKeyRotation(t *testing.T) {
	useSignInSettings(t, nil)
	if r := exchange(t, cloud.Sign(tabToken(userOID, env.User.Email)), "", nil); r.status != 200 {
		t.Fatalf("before rotation: %d", r.status)
	}
	cloud.RotateKeys()
	cloud.DropOldKeys()
	if r := exchange(t, cloud.Sign(tabToken(userOID, env.User.Email)), "", nil); r.status != 200 {
		t.Fatalf("after rotation: %d %s", r.status, r.body)
	}
}

func TestSignInRedirectsOnlyOnThisServer(t *testing.T) {
	useSignInSettings(t, nil)
	postID := model.NewId()
	good := map[string]string{
		"post:" + postID:     "/mattermost/_redirect/pl/" + postID,
		"/team/channels/ops": "/mattermost/team/channels/ops",
	}
	for sub, want := range good {
		if r := exchange(t, cloud.Sign(tabToken(userOID, env.User.Email)), sub, nil); r.status != 200 || r.redirect != want {
			t.Errorf("subPageId %q: %d %q, want %q", sub, r.status, r.redirect, want)
		}
	}
	for _, sub := range []string{"//evil.example.com", "https://evil.example.com", `\\evil.example.com`, "/%2f%2fevil.example.com", "/%5c%5cevil.example.com"} {
		if r := exchange(t, cloud.Sign(tabToken(userOID, env.User.Email)), sub, nil); r.status != 401 || r.redirect != "" {
			t.Errorf("subPageId %q: %d %q", sub, r.status, r.redirect)
		}
	}
}

func TestSignInRefusesCrossSiteRequests(t *testing.T) {
	useSignInSettings(t, nil)
	token := cloud.Sign(tabToken(userOID, env.User.Email))
	h := http.Header{}
	h.Set("Origin", "https://evil.example.com")
	if r := exchange(t, token, "", h); r.status != 403 {
		t.Errorf("foreign Origin: %d", r.status)
	}
	h = http.Header{}
	h.Set("Sec-Fetch-Site", "cross-site")
	if r := exchange(t, token, "", h); r.status != 403 {
		t.Errorf("cross-site fetch: %d", r.status)
	}
	h = http.Header{}
	h.Set("Content-Type", "application/x-www-form-urlencoded")
	if r := exchange(t, token, "", h); r.status != 415 {
		t.Errorf("form post: %d", r.status)
	}
}

func TestRedeemRefusesUnknownCodes(t *testing.T) {
	useSignInSettings(t, nil)
	body, _ := json.Marshal(map[string]string{"code": "not-a-code-this-server-issued", "flow": "not-a-flow",
		"token": cloud.Sign(tabToken(newOID(), "stranger@example.com"))})
	r := pluginPost(t, "/api/v1/sso/redeem", body, browserHeaders())
	if r.status != 401 || len(r.cookies) != 0 {
		t.Fatalf("unknown code: %d, %d cookies", r.status, len(r.cookies))
	}
}
