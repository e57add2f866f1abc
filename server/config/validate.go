package config

import (
	"errors"
	"fmt"
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"
)

// The settings' names as the System Console shows them; every message an
// admin sees names the field this way.
const (
	labelTenantID                    = "Directory (tenant) ID"
	labelClientID                    = "Application (client) ID"
	labelClientSecret                = "Client Secret"
	labelAppVersion                  = "Application Version"
	labelAppID                       = "Application ID"
	labelAppDisplayName              = "Application Display Name"
	labelCloud                       = "Microsoft cloud"
	labelCustomAuthorityURL          = "Custom cloud: Entra login authority URL"
	labelCustomGraphURL              = "Custom cloud: Microsoft Graph URL"
	labelCustomTeamsURL              = "Custom cloud: Teams web URL"
	labelDisableNotifications        = "Disable activity notifications"
	labelMatchAccountsByEmail        = "Sign in by matching email addresses"
	labelNotificationHoldSeconds     = "Hold Teams notifications (seconds)"
	labelReachBeforeFirstUse         = "Notify people who never opened the app"
	labelLeastPrivilegeNotifications = "Notify with per-person consent only"
	labelNotificationContents        = "Teams notification contents"
	labelDeveloperName               = "Publisher name"
	labelDeveloperWebsiteURL         = "Publisher website URL"
	labelPrivacyURL                  = "Privacy statement URL"
	labelTermsOfUseURL               = "Terms of use URL"
)

// MaxDeveloperNameLength is the Teams manifest's limit for developer.name.
const MaxDeveloperNameLength = 32

// MaxDisplayNameLength is the Teams manifest's limit for name.short.
const MaxDisplayNameLength = 30

// maxValueLength caps every text setting; no legitimate value comes close.
const maxValueLength = 2048

var (
	guidPattern    = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)
	uuidV4Pattern  = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-4[0-9a-fA-F]{3}-[89abAB][0-9a-fA-F]{3}-[0-9a-fA-F]{12}$`)
	versionPattern = regexp.MustCompile(`^(0|[1-9][0-9]{0,8})\.(0|[1-9][0-9]{0,8})\.(0|[1-9][0-9]{0,8})$`)
)

// Validate checks every value that is set, and returns one error naming
// each field that breaks a rule. Empty values are not errors: a fresh
// install saves fine and Missing reports what is still to fill in.
func (s Settings) Validate() error {
	var errs []error
	add := func(err error) {
		if err != nil {
			errs = append(errs, err)
		}
	}
	for _, f := range textFields {
		if utf8.RuneCountInString(*f.ptr(&s)) > maxValueLength {
			add(fmt.Errorf("%s is longer than %d characters", f.label, maxValueLength))
		}
	}
	if len(errs) > 0 {
		return errors.Join(errs...)
	}
	if s.NotificationHoldSeconds < 0 || s.NotificationHoldSeconds > MaxNotificationHoldSeconds {
		add(fmt.Errorf("%s must be from 0 (send at once) to %d, not %d", labelNotificationHoldSeconds,
			MaxNotificationHoldSeconds, s.NotificationHoldSeconds))
	}
	add(checkGUID(labelTenantID, s.TenantID))
	add(checkGUID(labelClientID, s.ClientID))
	add(checkSecret(s.ClientSecret))
	add(checkVersion(s.AppVersion))
	add(checkUUIDv4(s.AppID))
	add(checkDisplayName(s.AppDisplayName))
	add(checkCloud(s.Cloud))
	add(checkContents(s.NotificationContents))
	add(checkURL(labelCustomAuthorityURL, s.CustomAuthorityURL, URLBase))
	add(checkURL(labelCustomGraphURL, s.CustomGraphURL, URLGraphBase))
	add(checkURL(labelCustomTeamsURL, s.CustomTeamsURL, URLOrigin))
	add(checkDeveloperName(s.DeveloperName))
	add(checkURL(labelDeveloperWebsiteURL, s.DeveloperWebsiteURL, URLPage))
	add(checkURL(labelPrivacyURL, s.PrivacyURL, URLPage))
	add(checkURL(labelTermsOfUseURL, s.TermsOfUseURL, URLPage))
	return errors.Join(errs...)
}

// Missing lists, by System Console name, the settings the plugin still
// needs before it can talk to Microsoft.
func (s Settings) Missing() []string {
	var missing []string
	required := []struct {
		label string
		value string
	}{
		{labelTenantID, s.TenantID},
		{labelClientID, s.ClientID},
		{labelClientSecret, s.ClientSecret},
		{labelAppVersion, s.AppVersion},
		{labelAppID, s.AppID},
		{labelAppDisplayName, s.AppDisplayName},
	}
	if s.Cloud == CloudCustom {
		required = append(required,
			struct{ label, value string }{labelCustomAuthorityURL, s.CustomAuthorityURL},
			struct{ label, value string }{labelCustomGraphURL, s.CustomGraphURL},
			struct{ label, value string }{labelCustomTeamsURL, s.CustomTeamsURL},
		)
	}
	for _, r := range required {
		if r.value == "" {
			missing = append(missing, r.label)
		}
	}
	return missing
}

// TeamsAppMissing lists the settings the Teams app package is made from
// that are still empty.
func (s Settings) TeamsAppMissing() []string {
	var missing []string
	for _, r := range []struct{ label, value string }{
		{labelAppID, s.AppID},
		{labelAppVersion, s.AppVersion},
		{labelAppDisplayName, s.AppDisplayName},
		{labelClientID, s.ClientID},
	} {
		if r.value == "" {
			missing = append(missing, r.label)
		}
	}
	return missing
}

func checkDeveloperName(v string) error {
	if n := utf8.RuneCountInString(v); n > MaxDeveloperNameLength {
		return fmt.Errorf("%s %q has %d characters; Teams allows at most %d", labelDeveloperName, v, n, MaxDeveloperNameLength)
	}
	if strings.IndexFunc(v, unicode.IsControl) >= 0 {
		return fmt.Errorf("%s %q contains a control character", labelDeveloperName, v)
	}
	return nil
}

func checkGUID(label, v string) error {
	if v == "" || guidPattern.MatchString(v) {
		return nil
	}
	return fmt.Errorf("%s %q is not a GUID (expected 8-4-4-4-12 hexadecimal digits, as shown in the Azure portal)", label, v)
}

func checkUUIDv4(v string) error {
	if v == "" || uuidV4Pattern.MatchString(v) {
		return nil
	}
	return fmt.Errorf("%s %q is not a version 4 UUID", labelAppID, v)
}

func checkVersion(v string) error {
	if v == "" || versionPattern.MatchString(v) {
		return nil
	}
	return fmt.Errorf("%s %q is not of the form MAJOR.MINOR.PATCH, such as 1.0.0", labelAppVersion, v)
}

func checkSecret(v string) error {
	if strings.IndexFunc(v, unicode.IsControl) >= 0 {
		return fmt.Errorf("%s contains a control character; paste the secret value again", labelClientSecret)
	}
	return nil
}

func checkDisplayName(v string) error {
	if n := utf8.RuneCountInString(v); n > MaxDisplayNameLength {
		return fmt.Errorf("%s %q has %d characters; Teams allows at most %d", labelAppDisplayName, v, n, MaxDisplayNameLength)
	}
	if !utf8.ValidString(v) || strings.IndexFunc(v, unicode.IsControl) >= 0 {
		return fmt.Errorf("%s %q contains a control character or invalid text", labelAppDisplayName, v)
	}
	return nil
}

func checkCloud(c Cloud) error {
	if c == CloudCustom {
		return nil
	}
	if _, ok := knownClouds[c]; ok {
		return nil
	}
	return fmt.Errorf("%s %q is not one of commercial, gcchigh, dod or custom", labelCloud, string(c))
}

func checkURL(label, v string, kind URLKind) error {
	if v == "" {
		return nil
	}
	_, err := ParseURL(label, v, kind)
	return err
}

// ErrSecretNotReentered refuses a save that would move the stored client
// secret to other endpoints.
var ErrSecretNotReentered = errors.New(labelClientSecret + ": enter the client secret again to change the Microsoft cloud or its endpoints; " +
	"the stored secret is only ever sent to the endpoints it was entered for")

// CheckSecretMove refuses a change of the cloud or of an endpoint in
// force unless the save enters the client secret again: otherwise anyone
// who may edit the settings could point the plugin at a server of their
// own and receive the stored secret, and have their own signing keys
// trusted. kept reports whether the save kept the stored secret (the
// System Console sends a placeholder for it).
func CheckSecretMove(stored, next Settings, kept bool) error {
	if stored.ClientSecret == "" || !kept {
		return nil
	}
	a, errA := stored.Endpoints()
	b, errB := next.Endpoints()
	if errA == nil && errB == nil && a.AuthorityURL == b.AuthorityURL && a.GraphURL == b.GraphURL &&
		a.TeamsURL == b.TeamsURL && a.V1IssuerURL == b.V1IssuerURL {
		return nil
	}
	return ErrSecretNotReentered
}

// NotificationContentsValues are what the Teams notification contents
// setting may hold: follow the server, or say less.
var NotificationContentsValues = []string{"", "server", "generic", "generic_no_channel", "id_loaded"}

func checkContents(v string) error {
	for _, ok := range NotificationContentsValues {
		if v == ok {
			return nil
		}
	}
	return fmt.Errorf("%s must be one of server, generic, generic_no_channel or id_loaded, not %s", labelNotificationContents, jsonKind(v))
}
