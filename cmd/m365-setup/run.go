package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"golang.org/x/oauth2"

	"github.com/missioncollab/mattermost-plugin-m365/internal/appsetup"
)

// The Graph permissions the administrator's sign-in asks for.
var adminScopes = []string{"Application.ReadWrite.All", "AppRoleAssignment.ReadWrite.All", "DelegatedPermissionGrant.ReadWrite.All"}

// output is what the command prints.
type output struct {
	*appsetup.Result
	MattermostUpdated bool     `json:"mattermost_updated"`
	Warnings          []string `json:"warnings"`
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
	res, err := appsetup.Run(ctx, &appsetup.Graph{BaseURL: endpoints.GraphURL, Token: token, HTTP: hc}, appsetup.Options{
		SiteURL: c.siteURL, ClientID: c.clientID, DisplayName: c.name,
		SecretLifetime: time.Duration(c.secretDays) * 24 * time.Hour,
		Rotate:         c.rotate, DryRun: c.dryRun, ReadSecretExpiry: !c.noExpiryPerm, Reach: c.reach, Warn: warn,
	})
	if err != nil {
		return err
	}
	out.Result = res
	if mmToken := getenv("MM_ADMIN_TOKEN"); mmToken != "" && !c.dryRun {
		if err := writeSettings(ctx, c, mmToken, res); err != nil {
			// The app registration is done; say what to paste instead.
			warn(fmt.Sprintf("Writing the plugin settings failed (%v); paste the values below into the System Console.", err))
		} else {
			out.MattermostUpdated = true
		}
	}
	if c.output == "json" {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(out)
	}
	printText(stdout, out)
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
	for _, s := range adminScopes {
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
	case out.SecretKept:
		fmt.Fprintf(w, "Client secret:            unchanged (valid until %s); run with -rotate for a new one.\n", out.SecretExpires.Format("2 January 2006"))
	}
	if out.MattermostUpdated {
		fmt.Fprintln(w, "\nThe plugin's settings on Mattermost were updated.")
	} else if !out.DryRun {
		fmt.Fprintln(w, "\nPaste these into System Console > Plugins > Mission Collaboration for Microsoft 365.")
	}
}
