// Package config holds the plugin's System Console settings: how they are
// read from the server configuration, normalised, validated and turned into
// the Microsoft endpoints the rest of the plugin uses.
package config

import (
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
)

// Settings are the plugin's System Console settings, keyed as in plugin.json.
type Settings struct {
	TenantID             string
	ClientID             string
	ClientSecret         string
	AppVersion           string
	AppID                string
	AppDisplayName       string
	Cloud                Cloud
	CustomAuthorityURL   string
	CustomGraphURL       string
	CustomTeamsURL       string
	DisableNotifications bool
	// NotificationHoldSeconds is how long a Teams notification waits, so
	// that nobody who reads the post in Mattermost meanwhile is told.
	NotificationHoldSeconds int
	// MatchAccountsByEmail lets the tab sign people in by email address.
	MatchAccountsByEmail bool
	// ReachBeforeFirstUse links people who never opened the app for
	// notifications and installs the app for them.
	ReachBeforeFirstUse bool
	// LeastPrivilegeNotifications sends notifications with the
	// resource-specific TeamsActivity.Send.User, consented with each
	// person's installation of the app, instead of the tenant-wide
	// TeamsActivity.Send.
	LeastPrivilegeNotifications bool
	// NotificationContents narrows what a Teams notification says beyond
	// the server's push notification contents: "" (or "server") follows
	// the server; "generic", "generic_no_channel" or "id_loaded" say less.
	NotificationContents string

	// How the Teams store presents the app's publisher; empty means the
	// defaults described in plugin.json.
	DeveloperName       string
	DeveloperWebsiteURL string
	PrivacyURL          string
	TermsOfUseURL       string
}

// maskedSecret is what the server sends back in place of a secret setting;
// a save that carries it keeps the stored secret.
const maskedSecret = "********************************"

// FromMap reads the settings from the plugin's entry in
// PluginSettings.Plugins, where the server stores keys in lower case.
func FromMap(raw map[string]any) (Settings, error) {
	// Email matching is on unless the admin turned it off.
	s := Settings{MatchAccountsByEmail: true, NotificationHoldSeconds: DefaultNotificationHoldSeconds}
	if len(raw) == 0 {
		return s, nil
	}
	for key, value := range raw {
		field, known := fieldByKey[strings.ToLower(key)]
		if !known || value == nil {
			continue
		}
		if err := field.set(&s, value); err != nil {
			return Settings{}, err
		}
	}
	return s, nil
}

// Normalize trims white space around every text value and fills in
// defaults, so that a pasted value with a stray space still works.
func (s Settings) Normalize() Settings {
	for _, f := range textFields {
		p := f.ptr(&s)
		if f.key == "clientsecret" && *p == maskedSecret {
			continue
		}
		*p = strings.TrimSpace(*p)
	}
	s.Cloud = Cloud(strings.ToLower(strings.TrimSpace(string(s.Cloud))))
	if s.Cloud == "" {
		s.Cloud = CloudCommercial
	}
	for _, p := range []*string{&s.CustomAuthorityURL, &s.CustomGraphURL, &s.CustomTeamsURL} {
		*p = strings.TrimRight(*p, "/")
	}
	return s
}

// WriteTo stores the settings back into a copy of the plugin's raw entry,
// keeping any key the plugin does not own.
func (s Settings) WriteTo(raw map[string]any) map[string]any {
	out := make(map[string]any, len(raw)+len(fieldByKey))
	for k, v := range raw {
		out[k] = v
	}
	for _, f := range textFields {
		out[f.key] = *f.ptr(&s)
	}
	out["cloud"] = string(s.Cloud)
	out["disablenotifications"] = s.DisableNotifications
	out["matchaccountsbyemail"] = s.MatchAccountsByEmail
	out["reachbeforefirstuse"] = s.ReachBeforeFirstUse
	out["leastprivilegenotifications"] = s.LeastPrivilegeNotifications
	out["notificationholdseconds"] = s.NotificationHoldSeconds
	return out
}

// Endpoints returns the Microsoft endpoints of the configured cloud.
func (s Settings) Endpoints() (Endpoints, error) {
	if s.Cloud == CloudCustom {
		return Endpoints{
			AuthorityURL: s.CustomAuthorityURL,
			GraphURL:     s.CustomGraphURL,
			TeamsURL:     s.CustomTeamsURL,
			V1IssuerURL:  defaultV1IssuerURL,
			// A custom cloud's hosts frame the tab from its Teams origin.
			FrameAncestors: []string{Origin(s.CustomTeamsURL)},
		}, nil
	}
	return CloudEndpoints(s.Cloud)
}

type textField struct {
	key   string // lower case, as the server stores it
	label string // as the System Console shows it
	ptr   func(*Settings) *string
}

func (f textField) set(s *Settings, value any) error {
	str, ok := value.(string)
	if !ok {
		return fmt.Errorf("%s must be text, not %s", f.label, jsonKind(value))
	}
	*f.ptr(s) = str
	return nil
}

var textFields = []textField{
	{"tenantid", labelTenantID, func(s *Settings) *string { return &s.TenantID }},
	{"clientid", labelClientID, func(s *Settings) *string { return &s.ClientID }},
	{"clientsecret", labelClientSecret, func(s *Settings) *string { return &s.ClientSecret }},
	{"appversion", labelAppVersion, func(s *Settings) *string { return &s.AppVersion }},
	{"appid", labelAppID, func(s *Settings) *string { return &s.AppID }},
	{"appdisplayname", labelAppDisplayName, func(s *Settings) *string { return &s.AppDisplayName }},
	{"customauthorityurl", labelCustomAuthorityURL, func(s *Settings) *string { return &s.CustomAuthorityURL }},
	{"customgraphurl", labelCustomGraphURL, func(s *Settings) *string { return &s.CustomGraphURL }},
	{"customteamsurl", labelCustomTeamsURL, func(s *Settings) *string { return &s.CustomTeamsURL }},
	{"developername", labelDeveloperName, func(s *Settings) *string { return &s.DeveloperName }},
	{"developerwebsiteurl", labelDeveloperWebsiteURL, func(s *Settings) *string { return &s.DeveloperWebsiteURL }},
	{"privacyurl", labelPrivacyURL, func(s *Settings) *string { return &s.PrivacyURL }},
	{"termsofuseurl", labelTermsOfUseURL, func(s *Settings) *string { return &s.TermsOfUseURL }},
	{"notificationcontents", labelNotificationContents, func(s *Settings) *string { return &s.NotificationContents }},
}

type fieldSetter interface {
	set(*Settings, any) error
}

type cloudField struct{}

func (cloudField) set(s *Settings, value any) error {
	str, ok := value.(string)
	if !ok {
		return fmt.Errorf("%s must be text, not %s", labelCloud, jsonKind(value))
	}
	s.Cloud = Cloud(str)
	return nil
}

type boolField struct {
	label string
	ptr   func(*Settings) *bool
}

func (f boolField) set(s *Settings, value any) error {
	p := f.ptr(s)
	switch v := value.(type) {
	case bool:
		*p = v
	case string:
		// Settings written by hand or through environment variables arrive as text.
		switch strings.ToLower(strings.TrimSpace(v)) {
		case "true":
			*p = true
		case "false":
			*p = false
		case "":
		default:
			return fmt.Errorf("%s must be true or false, not %q", f.label, v)
		}
	default:
		return fmt.Errorf("%s must be true or false, not %s", f.label, jsonKind(value))
	}
	return nil
}

// intField is a whole number; the System Console sends a number, a
// configuration file or environment variable may send text.
type intField struct {
	label string
	ptr   func(*Settings) *int
}

func (f intField) set(s *Settings, value any) error {
	switch v := value.(type) {
	case float64:
		if v != math.Trunc(v) || math.Abs(v) > 1e9 {
			return fmt.Errorf("%s must be a whole number of seconds, not %v", f.label, v)
		}
		*f.ptr(s) = int(v)
	case int:
		*f.ptr(s) = v
	case string:
		text := strings.TrimSpace(v)
		if text == "" {
			return nil
		}
		n, err := strconv.Atoi(text)
		if err != nil {
			return fmt.Errorf("%s must be a whole number of seconds, not %s", f.label, jsonKind(v))
		}
		*f.ptr(s) = n
	default:
		return fmt.Errorf("%s must be a whole number of seconds, not %s", f.label, jsonKind(value))
	}
	return nil
}

var fieldByKey = func() map[string]fieldSetter {
	m := map[string]fieldSetter{
		"cloud":                cloudField{},
		"disablenotifications": boolField{labelDisableNotifications, func(s *Settings) *bool { return &s.DisableNotifications }},
		"matchaccountsbyemail": boolField{labelMatchAccountsByEmail, func(s *Settings) *bool { return &s.MatchAccountsByEmail }},
		"reachbeforefirstuse":  boolField{labelReachBeforeFirstUse, func(s *Settings) *bool { return &s.ReachBeforeFirstUse }},
		"leastprivilegenotifications": boolField{labelLeastPrivilegeNotifications, func(s *Settings) *bool {
			return &s.LeastPrivilegeNotifications
		}},
		"notificationholdseconds": intField{labelNotificationHoldSeconds, func(s *Settings) *int { return &s.NotificationHoldSeconds }},
	}
	for _, f := range textFields {
		m[f.key] = f
	}
	return m
}()

func jsonKind(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprintf("%T", v)
	}
	if len(b) > 40 {
		b = append(b[:37], "..."...)
	}
	return string(b)
}

// Prepare reads, normalises and validates the plugin's raw settings as the
// admin is about to save them, and returns the raw entry to store instead.
func Prepare(raw map[string]any) (map[string]any, Settings, error) {
	s, err := FromMap(raw)
	if err != nil {
		return nil, Settings{}, err
	}
	s = s.Normalize()
	if err := s.Validate(); err != nil {
		return nil, Settings{}, err
	}
	return s.WriteTo(raw), s, nil
}

// label is the System Console name of the setting stored under key, as
// every message names it; "" for a key the plugin does not read.
func label(key string) string {
	switch f := fieldByKey[strings.ToLower(key)].(type) {
	case textField:
		return f.label
	case boolField:
		return f.label
	case intField:
		return f.label
	case cloudField:
		return labelCloud
	}
	return ""
}
