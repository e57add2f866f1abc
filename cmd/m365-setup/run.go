package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"golang.org/x/oauth2"

	"github.com/mattermost/mattermost/server/public/model"

	"github.com/missioncollab/mattermost-plugin-m365/internal/appsetup"
)

// The Graph permissions the administrator's sign-in asks for.
var adminScopes = []string{"Application.ReadWrite.All", "AppRoleAssignment.ReadWrite.All", "DelegatedPermissionGrant.ReadWrite.All"}

// output is what the command prints.
type output struct {
	*appsetup.Result
	MattermostUpdated bool `json:"mattermost_updated"`
	// TeamsApp is what publishing the Teams app found and did.
	TeamsApp *appsetup.PublishResult `json:"teams_app,omitempty"`
	// FrameAncestors is what ServiceSettings.FrameAncestors was set to (or
	// would be, in a dry run); empty when it needed no change.
	FrameAncestors string   `json:"frame_ancestors,omitempty"`
	Warnings       []string `json:"warnings"`
}

// scopes are the Graph permissions the administrator's sign-in asks for.
func (c *cliConfig) scopes() []string {
	if c.noPublish {
		return adminScopes
	}
	return append(append([]string{}, adminScopes...), appsetup.CatalogScope)
}

func setup(ctx context.Context, c *cliConfig, getenv func(string) string, stdout, stderr io.Writer) error {
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	endpoints, _ := c.endpoints()
	hc := &http.Client{Timeout: time.Minute}
	token := strings.TrimSpace(getenv("M365_SETUP_TOKEN"))
	if token == "" {
		var err error
		if token, err = deviceSignIn(ctx, c, endpoints.AuthorityURL, endpoints.GraphURL, hc, stderr); err != nil {
			return err
		}
	}
	out := &output{Warnings: []string{}}
	warn := func(msg string) {
		out.Warnings = append(out.Warnings, msg)
		fmt.Fprintln(stderr, "warning:", msg)
	}
	// Publishing comes last; an admin who may not publish is told before
	// the first change rather than after the app registration is made.
	if !c.noPublish && c.mmToken != "" {
		if err := (&appsetup.Graph{Token: token}).MayPublish(); err != nil {
			return err
		}
	}
	res, err := appsetup.Run(ctx, &appsetup.Graph{BaseURL: endpoints.GraphURL, Token: token, HTTP: hc}, appsetup.Options{
		SiteURL: c.siteURL, ClientID: c.clientID, DisplayName: c.name,
		SecretLifetime: time.Duration(c.secretDays) * 24 * time.Hour,
		Rotate:         c.rotate, DryRun: c.dryRun, ReadSecretExpiry: !c.noExpiryPerm, Reach: c.reach, LeastPrivilege: c.leastPriv, Warn: warn,
	})
	if err != nil {
		return err
	}
	out.Result = res
	var settingsBefore map[string]any
	if c.mmToken != "" && !c.dryRun {
		var err error
		if settingsBefore, err = writeSettings(ctx, c, c.mmToken, res); err != nil {
			// The app registration is done; say what to paste instead.
			warn(fmt.Sprintf("Writing the plugin settings failed (%v); paste the values below into the System Console.", err))
		} else {
			out.MattermostUpdated = true
		}
	}
	var publishErr error
	switch {
	case c.noPublish:
	case c.mmToken == "":
		warn("Without MM_ADMIN_TOKEN the Teams app is not published; download its package in the System Console and upload it in the Teams admin center, or run again with the token.")
	case c.dryRun || out.MattermostUpdated:
		plugin := &pluginClient{base: strings.TrimRight(c.mattermostURL, "/"), token: c.mmToken, hc: hc}
		out.TeamsApp, publishErr = appsetup.Publish(ctx, &appsetup.Graph{BaseURL: endpoints.GraphURL, Token: token, HTTP: hc}, plugin,
			appsetup.PublishOptions{DryRun: c.dryRun, Warn: warn})
		if publishErr != nil && c.dryRun {
			// A fresh plugin cannot build its package until this run saves the settings.
			warn(fmt.Sprintf("Publishing the Teams app cannot be planned yet: %v", publishErr))
			publishErr = nil
		}
	}
	if publishErr != nil {
		return undoSetup(c, res, settingsBefore, publishErr)
	}
	if c.dryRun || out.MattermostUpdated {
		mm := model.NewAPIv4Client(strings.TrimRight(c.mattermostURL, "/"))
		mm.SetToken(c.mmToken)
		mm.HTTPClient = hc
		value, err := appsetup.ApplyFrameAncestors(ctx, mm, pluginID, c.dryRun)
		switch {
		case err != nil && c.dryRun:
			warn(fmt.Sprintf("The frame ancestors cannot be planned yet: %v", err))
		case err != nil:
			warn(fmt.Sprintf("Setting the Microsoft hosts that may frame Mattermost failed (%v); the connection check gives the value for System Console > Web Server > Frame Ancestors.", err))
		default:
			out.FrameAncestors = value
		}
	}
	if !c.printSecret && (out.MattermostUpdated || c.output == "json") {
		out.Result.ClientSecret = ""
	}
	if c.output == "json" {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(out); err != nil {
			return err
		}
	} else {
		printText(stdout, out)
	}
	return nil
}

// deviceSignIn signs an administrator in with the device code flow: the
// code is shown here and entered in any browser, so it works from a
// headless jump host.
func deviceSignIn(ctx context.Context, c *cliConfig, authority, graphURL string, hc *http.Client, stderr io.Writer) (string, error) {
	base := strings.TrimRight(authority, "/") + "/" + c.tenant + "/oauth2/v2.0"
	conf := &oauth2.Config{
		ClientID: c.loginClientID,
		Endpoint: oauth2.Endpoint{DeviceAuthURL: base + "/devicecode", TokenURL: base + "/token", AuthStyle: oauth2.AuthStyleInParams},
	}
	for _, s := range c.scopes() {
		conf.Scopes = append(conf.Scopes, strings.TrimRight(graphURL, "/")+"/"+s)
	}
	ctx = context.WithValue(ctx, oauth2.HTTPClient, hc)
	da, err := conf.DeviceAuth(ctx)
	if err != nil {
		return "", fmt.Errorf("start the sign-in: %w", err)
	}
	fmt.Fprintf(stderr, "To sign in as an administrator, open %s in a browser and enter the code %s\n", da.VerificationURI, da.UserCode)
	tok, err := conf.DeviceAccessToken(ctx, da)
	if err != nil {
		return "", fmt.Errorf("sign in: %w", err)
	}
	return tok.AccessToken, nil
}

func printText(w io.Writer, out *output) {
	if out.DryRun {
		fmt.Fprintln(w, "Dry run: nothing was changed. These changes would be made:")
	} else {
		fmt.Fprintln(w, "Changes made:")
	}
	if len(out.Changes) == 0 {
		fmt.Fprintln(w, "  none; the app registration was already set up")
	}
	for _, c := range out.Changes {
		fmt.Fprintln(w, "  -", c)
	}
	fmt.Fprintln(w)
	fmt.Fprintf(w, "Directory (tenant) ID:    %s\n", out.TenantID)
	fmt.Fprintf(w, "Application (client) ID: %s\n", out.ClientID)
	switch {
	case out.ClientSecret != "":
		fmt.Fprintf(w, "Client secret:            %s\n", out.ClientSecret)
		fmt.Fprintf(w, "  valid until %s; it is shown only this once.\n", out.SecretExpires.Format("2 January 2006"))
	case !out.SecretKept && out.MattermostUpdated && !out.DryRun:
		fmt.Fprintf(w, "Client secret:            new, valid until %s, written into Mattermost (-print-secret shows it).\n", out.SecretExpires.Format("2 January 2006"))
	case out.SecretKept:
		fmt.Fprintf(w, "Client secret:            unchanged (valid until %s); run with -rotate for a new one.\n", out.SecretExpires.Format("2 January 2006"))
	}
	if t := out.TeamsApp; t != nil {
		fmt.Fprintln(w, "\nTeams app:")
		for _, ch := range t.Changes {
			fmt.Fprintln(w, "  -", ch)
		}
		if len(t.Changes) == 0 {
			fmt.Fprintf(w, "  the tenant's catalog has version %s, the package the plugin builds now\n", t.Version)
		}
	}
	if out.FrameAncestors != "" {
		fmt.Fprintf(w, "\nFrame ancestors (the hosts that may frame Mattermost): %s\n", out.FrameAncestors)
	}
	if out.MattermostUpdated {
		fmt.Fprintln(w, "\nThe plugin's settings on Mattermost were updated.")
	} else if !out.DryRun {
		fmt.Fprintln(w, "\nPaste these into System Console > Plugins > Mission Collaboration for Microsoft 365.")
	}
}

// undoSetup answers a failed publish. A first setup (a new app
// registration for a plugin set up for none) is undone whole: the
// settings it wrote, then the registration, so that the next run starts
// clean. Otherwise the registration and settings, which work, are kept:
// Mattermost never gives back a stored secret, so one a save replaced
// could not be restored.
func undoSetup(c *cliConfig, res *appsetup.Result, before map[string]any, cause error) error {
	first := res.Created && before != nil && text(before["tenantid"]) == "" && text(before["clientid"]) == ""
	if !first {
		return fmt.Errorf("the app registration and the plugin's settings are done, but publishing the Teams app failed: %w", cause)
	}
	errs := []error{cause}
	// Whatever secret it had belonged to no app registration; the one
	// written goes with the registration undone.
	if _, had := before["clientsecret"]; had {
		before["clientsecret"] = ""
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := patchSettings(ctx, strings.TrimRight(c.mattermostURL, "/"), c.mmToken, before); err != nil {
		errs = append(errs, fmt.Errorf("putting the plugin's settings back: %w", err))
	}
	if err := res.Undo(); err != nil {
		errs = append(errs, err)
	}
	return fmt.Errorf("publishing the Teams app failed, so this first setup was undone: %w", errors.Join(errs...))
}
