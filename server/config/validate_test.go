package config

import (
	"strings"
	"testing"
)

func valid() Settings {
	return Settings{
		TenantID:       "72f988bf-86f1-41af-91ab-2d7cd011db47",
		ClientID:       "11111111-2222-3333-4444-555555555555",
		ClientSecret:   "s3cr3t~value",
		AppVersion:     "1.0.0",
		AppID:          "0b6f7c9e-3a1d-4c2b-9e8f-1a2b3c4d5e6f",
		AppDisplayName: "Mattermost",
		Cloud:          CloudCommercial,
	}
}

func TestValidateAcceptsGoodAndEmptySettings(t *testing.T) {
	if err := valid().Validate(); err != nil {
		t.Fatalf("valid settings refused: %v", err)
	}
	empty := Settings{}.Normalize()
	if err := empty.Validate(); err != nil {
		t.Fatalf("empty settings refused: %v", err)
	}
	if got := len(empty.Missing()); got != 6 {
		t.Fatalf("empty settings: want 6 missing, got %d: %v", got, empty.Missing())
	}
	if m := valid().Missing(); len(m) != 0 {
		t.Fatalf("valid settings reported missing %v", m)
	}
}

func TestValidateNamesFieldAndRule(t *testing.T) {
	cases := []struct {
		name   string
		change func(*Settings)
		want   string
	}{
		{"tenant not a guid", func(s *Settings) { s.TenantID = "contoso.onmicrosoft.com" }, `Directory (tenant) ID "contoso.onmicrosoft.com" is not a GUID`},
		{"tenant short", func(s *Settings) { s.TenantID = "72f988bf-86f1-41af-91ab-2d7cd011db4" }, `Directory (tenant) ID`},
		{"client not a guid", func(s *Settings) { s.ClientID = "{11111111-2222-3333-4444-555555555555}" }, `Application (client) ID "{11111111`},
		{"app id not uuid", func(s *Settings) { s.AppID = "abc" }, `Application ID "abc" is not a version 4 UUID`},
		{"app id v1 uuid", func(s *Settings) { s.AppID = "0b6f7c9e-3a1d-1c2b-9e8f-1a2b3c4d5e6f" }, `is not a version 4 UUID`},
		{"app id bad variant", func(s *Settings) { s.AppID = "0b6f7c9e-3a1d-4c2b-7e8f-1a2b3c4d5e6f" }, `is not a version 4 UUID`},
		{"version two parts", func(s *Settings) { s.AppVersion = "1.0" }, `Application Version "1.0" is not of the form MAJOR.MINOR.PATCH`},
		{"version leading zero", func(s *Settings) { s.AppVersion = "01.0.0" }, `Application Version "01.0.0"`},
		{"version suffix", func(s *Settings) { s.AppVersion = "1.0.0-beta" }, `Application Version`},
		{"name too long", func(s *Settings) { s.AppDisplayName = strings.Repeat("x", 31) }, `has 31 characters; Teams allows at most 30`},
		{"name control char", func(s *Settings) { s.AppDisplayName = "Matter\nmost" }, `control character`},
		{"unknown cloud", func(s *Settings) { s.Cloud = "moon" }, `Microsoft cloud "moon" is not one of`},
		{"custom http", func(s *Settings) { s.CustomGraphURL = "http://graph.example" }, `Custom cloud: Microsoft Graph URL "http://graph.example" must use https`},
		{"custom relative", func(s *Settings) { s.CustomAuthorityURL = "login.example" }, `Custom cloud: Entra login authority URL "login.example" is not an absolute URL`},
		{"custom with query", func(s *Settings) { s.CustomTeamsURL = "https://teams.example/?a=b" }, `must not have a query or a fragment`},
		{"custom with user", func(s *Settings) { s.CustomTeamsURL = "https://u:p@teams.example" }, `must not carry a user name or password`},
		{"huge value", func(s *Settings) { s.ClientSecret = strings.Repeat("a", 5000) }, `Client Secret is longer than 2048 characters`},
		{"unknown contents", func(s *Settings) { s.NotificationContents = "everything" }, `Teams notification contents must be one of server, generic, generic_no_channel or id_loaded, not "everything"`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := valid()
			tc.change(&s)
			err := s.Validate()
			if err == nil {
				t.Fatalf("accepted, want error containing %q", tc.want)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %q does not contain %q", err, tc.want)
			}
		})
	}
}

func TestValidateReportsEveryBrokenField(t *testing.T) {
	s := valid()
	s.TenantID, s.AppID, s.AppVersion = "x", "y", "z"
	err := s.Validate()
	if err == nil {
		t.Fatal("accepted three bad values")
	}
	for _, label := range []string{labelTenantID, labelAppID, labelAppVersion} {
		if !strings.Contains(err.Error(), label) {
			t.Errorf("error %q does not name %s", err, label)
		}
	}
}

func TestDisplayNameCountsCharactersNotBytes(t *testing.T) {
	s := valid()
	s.AppDisplayName = strings.Repeat("é", 30)
	if err := s.Validate(); err != nil {
		t.Fatalf("30 two-byte characters refused: %v", err)
	}
	s.AppDisplayName = `Ops "Room" <\> 🚀`
	if err := s.Validate(); err != nil {
		t.Fatalf("quotes, brackets and emoji refused: %v", err)
	}
}

func TestMissingCustomEndpoints(t *testing.T) {
	s := valid()
	s.Cloud = CloudCustom
	s.CustomGraphURL = "https://graph.example"
	got := strings.Join(s.Missing(), ",")
	if got != labelCustomAuthorityURL+","+labelCustomTeamsURL {
		t.Fatalf("missing = %q", got)
	}
}

func TestMovingTheSecretToOtherEndpointsNeedsItEnteredAgain(t *testing.T) {
	stored := Settings{Cloud: CloudCommercial, ClientSecret: "s3cret"}
	custom := Settings{Cloud: CloudCustom, CustomAuthorityURL: "https://login.evil.example", CustomGraphURL: "https://graph.evil.example",
		CustomTeamsURL: "https://teams.evil.example", ClientSecret: "********************************"}
	if err := CheckSecretMove(stored, custom, true); err != ErrSecretNotReentered {
		t.Fatalf("commercial to custom keeping the secret: %v", err)
	}
	if err := CheckSecretMove(stored, custom, false); err != nil {
		t.Fatalf("commercial to custom with the secret entered: %v", err)
	}
	dod := Settings{Cloud: CloudDoD}
	if err := CheckSecretMove(stored, dod, true); err != ErrSecretNotReentered {
		t.Fatalf("commercial to DoD keeping the secret: %v", err)
	}
	moved := custom
	moved.CustomGraphURL = "https://graph2.evil.example"
	storedCustom := custom
	storedCustom.ClientSecret = "s3cret"
	if err := CheckSecretMove(storedCustom, moved, true); err != ErrSecretNotReentered {
		t.Fatalf("a custom endpoint changed keeping the secret: %v", err)
	}
	// Nothing moves: a name change keeps the secret without asking.
	renamed := stored
	renamed.AppDisplayName = "Ops"
	if err := CheckSecretMove(stored, renamed, true); err != nil {
		t.Fatalf("an unrelated change: %v", err)
	}
	// Unused custom fields may change under a built-in cloud.
	unused := stored
	unused.CustomGraphURL = "https://graph.elsewhere.example"
	if err := CheckSecretMove(stored, unused, true); err != nil {
		t.Fatalf("an unused custom field: %v", err)
	}
	if err := CheckSecretMove(Settings{Cloud: CloudCommercial}, custom, true); err != nil {
		t.Fatalf("no stored secret to move: %v", err)
	}
	if !strings.HasPrefix(ErrSecretNotReentered.Error(), labelClientSecret) {
		t.Fatal("the message does not name the field")
	}
}

func TestReadinessFollowsWhatEachPartNeeds(t *testing.T) {
	full := Settings{Cloud: CloudCommercial, TenantID: "t", ClientID: "c", ClientSecret: "s", AppID: "a"}
	if !full.CanSignIn() || !full.CanCallGraph() || !full.CanNotify() {
		t.Fatal("complete settings are not ready")
	}
	off := full
	off.DisableNotifications = true
	if off.CanNotify() || !off.CanCallGraph() {
		t.Fatal("notifications turned off")
	}
	noSecret := full
	noSecret.ClientSecret = ""
	if noSecret.CanCallGraph() || noSecret.CanNotify() || !noSecret.CanSignIn() {
		t.Fatal("no secret")
	}
	noTenant := full
	noTenant.TenantID = ""
	if noTenant.CanSignIn() {
		t.Fatal("no tenant")
	}
	badCloud := full
	badCloud.Cloud = "moon"
	if badCloud.CanSignIn() {
		t.Fatal("an unknown cloud")
	}
}

func TestTheServerIsFramedOnlyOnceSignInIsSetUp(t *testing.T) {
	full := valid()
	if got := full.ServerFrameAncestors(); len(got) == 0 || strings.Join(got, " ") != strings.Join(full.FrameAncestors(), " ") {
		t.Fatalf("set up: %v", got)
	}
	noClient := full
	noClient.ClientID = ""
	if got := noClient.ServerFrameAncestors(); got != nil {
		t.Fatalf("without a client ID the server is framed by %v", got)
	}
	if len(noClient.FrameAncestors()) == 0 {
		t.Fatal("the tab's own pages lost the hosts that frame them")
	}
}

func TestInvalidSettingsAreNeverHalfApplied(t *testing.T) {
	good, err := Settings{TenantID: " " + valid().TenantID + " ", ClientID: valid().ClientID}.InForce()
	if err != nil || good.TenantID != valid().TenantID || good.Cloud != CloudCommercial {
		t.Fatalf("valid settings: %+v %v", good, err)
	}
	bad := valid()
	bad.AppID = "not-a-guid"
	bad.DisableNotifications = true
	inForce, err := bad.InForce()
	if err == nil || !strings.Contains(err.Error(), "Application ID") {
		t.Fatalf("the error does not name the field: %v", err)
	}
	if inForce != (Settings{Cloud: CloudCommercial, DisableNotifications: true}) {
		t.Fatalf("invalid settings half applied: %+v", inForce)
	}
}

func TestEveryNotificationContentsChoiceIsAccepted(t *testing.T) {
	for _, v := range NotificationContentsValues {
		s := valid()
		s.NotificationContents = v
		if err := s.Validate(); err != nil {
			t.Errorf("%q: %v", v, err)
		}
	}
}
