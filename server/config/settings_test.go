package config

import (
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestFromMapReadsLowerCaseKeysAndNormalizes(t *testing.T) {
	raw := map[string]any{
		"tenantid":             "  72f988bf-86f1-41af-91ab-2d7cd011db47\n",
		"ClientID":             "11111111-2222-3333-4444-555555555555",
		"clientsecret":         " keep inner spaces  ",
		"cloud":                " Custom ",
		"customgraphurl":       "https://graph.example/",
		"disablenotifications": "true",
		"teamsapppackage":      "untouched",
	}
	s, err := FromMap(raw)
	if err != nil {
		t.Fatal(err)
	}
	s = s.Normalize()
	if s.TenantID != "72f988bf-86f1-41af-91ab-2d7cd011db47" || s.ClientSecret != "keep inner spaces" {
		t.Fatalf("not trimmed: %+v", s)
	}
	if s.Cloud != CloudCustom || s.CustomGraphURL != "https://graph.example" || !s.DisableNotifications {
		t.Fatalf("cloud settings wrong: %+v", s)
	}
	out := s.WriteTo(raw)
	if out["tenantid"] != s.TenantID || out["teamsapppackage"] != "untouched" || out["disablenotifications"] != true {
		t.Fatalf("WriteTo lost or kept stale values: %v", out)
	}
	if raw["tenantid"] == s.TenantID {
		t.Fatal("WriteTo changed its input map")
	}
}

func TestNormalizeKeepsMaskedSecret(t *testing.T) {
	s := Settings{ClientSecret: maskedSecret}.Normalize()
	if s.ClientSecret != maskedSecret {
		t.Fatalf("masked secret changed to %q", s.ClientSecret)
	}
}

func TestFromMapRejectsWrongTypes(t *testing.T) {
	cases := []struct {
		raw  map[string]any
		want string
	}{
		{map[string]any{"tenantid": 42.0}, labelTenantID + " must be text, not 42"},
		{map[string]any{"disablenotifications": "maybe"}, labelDisableNotifications + ` must be true or false, not "maybe"`},
		{map[string]any{"cloud": true}, labelCloud + " must be text, not true"},
	}
	for _, tc := range cases {
		_, err := FromMap(tc.raw)
		if err == nil || err.Error() != tc.want {
			t.Fatalf("%v: error %v, want %q", tc.raw, err, tc.want)
		}
	}
}

func TestEndpointsPerCloud(t *testing.T) {
	for _, c := range []Cloud{CloudCommercial, CloudGCCHigh, CloudDoD} {
		e, err := Settings{Cloud: c}.Endpoints()
		if err != nil {
			t.Fatal(err)
		}
		for _, u := range []string{e.AuthorityURL, e.GraphURL, e.TeamsURL} {
			if checkURL("endpoint", u, URLBase) != nil || u == "" {
				t.Fatalf("%s: bad endpoint %q", c, u)
			}
		}
	}
	custom := Settings{Cloud: CloudCustom, CustomAuthorityURL: "https://a", CustomGraphURL: "https://g", CustomTeamsURL: "https://t"}
	e, err := custom.Endpoints()
	if err != nil || !reflect.DeepEqual(e, Endpoints{"https://a", "https://g", "https://t", defaultV1IssuerURL, []string{"https://t"}}) {
		t.Fatalf("custom endpoints = %+v, %v", e, err)
	}
	if _, err := (Settings{Cloud: "moon"}).Endpoints(); err == nil {
		t.Fatal("unknown cloud has endpoints")
	}
}

func TestEmailMatchingIsOnUnlessTurnedOff(t *testing.T) {
	s, err := FromMap(map[string]any{"tenantid": ""})
	if err != nil || !s.MatchAccountsByEmail {
		t.Fatalf("absent setting: %v %v", s.MatchAccountsByEmail, err)
	}
	s, err = FromMap(map[string]any{"matchaccountsbyemail": false})
	if err != nil || s.MatchAccountsByEmail {
		t.Fatalf("turned off: %v %v", s.MatchAccountsByEmail, err)
	}
}

func TestTheHoldIsAWholeNumberOfSecondsWithinBounds(t *testing.T) {
	if s, _ := FromMap(map[string]any{"tenantid": "x"}); s.NotificationHoldSeconds != DefaultNotificationHoldSeconds || s.NotificationHold() != 30*time.Second {
		t.Fatalf("default hold %d", s.NotificationHoldSeconds)
	}
	for in, want := range map[any]int{float64(0): 0, float64(600): 600, " 45 ": 45, 12: 12} {
		s, err := FromMap(map[string]any{"notificationholdseconds": in})
		if err != nil || s.NotificationHoldSeconds != want {
			t.Errorf("%#v: %d %v", in, s.NotificationHoldSeconds, err)
		}
	}
	for _, bad := range []any{2.5, "soon", true, []any{1}} {
		if _, err := FromMap(map[string]any{"notificationholdseconds": bad}); err == nil || !strings.Contains(err.Error(), "Hold Teams notifications (seconds)") {
			t.Errorf("%#v: %v", bad, err)
		}
	}
	for _, out := range []int{-1, 601} {
		s := Settings{Cloud: CloudCommercial, NotificationHoldSeconds: out}
		if err := s.Validate(); err == nil || !strings.Contains(err.Error(), "Hold Teams notifications (seconds) must be from 0") {
			t.Errorf("%d: %v", out, err)
		}
	}
}
