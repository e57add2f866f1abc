package health

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"

	"github.com/missioncollab/mattermost-plugin-m365/server/graph"
	"github.com/missioncollab/mattermost-plugin-m365/server/teamsapp"
)

// Check IDs.
const (
	IDSiteURL     = "site_url"
	IDSettings    = "settings"
	IDToken       = "graph_token"
	IDPermissions = "permissions"
	IDTeamsApp    = "teams_app"
	IDSecret      = "client_secret"
	IDQueue       = "notification_queue"
	IDReach       = "reach_permissions"
	IDFraming     = "frame_ancestors"
)

// RequiredRoles are the application permissions notifications need.
var RequiredRoles = []string{"TeamsActivity.Send", "AppCatalog.Read.All"}

// ExpiryRole is the extra application permission that lets the plugin
// read when its client secret expires.
const ExpiryRole = "Application.Read.All"

type run struct {
	in     Input
	ctx    context.Context
	report Report
	// tokenOK and roles are what later checks build on.
	tokenOK bool
	roles   []string
}

func (r *run) add(c Check) { r.report.Checks = append(r.report.Checks, c) }

func (r *run) skip(id, name, why string) {
	r.add(Check{ID: id, Name: name, Status: Skip, Detail: why})
}

// signedIn starts a check that needs the Graph sign-in, or records it
// as skipped and reports false.
func (r *run) signedIn(id, name string) (Check, bool) {
	if !r.tokenOK {
		r.skip(id, name, "Needs a Microsoft Graph sign-in.")
		return Check{}, false
	}
	return Check{ID: id, Name: name}, true
}

func (r *run) siteURL() {
	c := Check{ID: IDSiteURL, Name: "Site URL"}
	u, err := url.Parse(r.in.SiteURL)
	switch {
	case r.in.SiteURL == "":
		c.Status, c.Detail = Fail, "The Site URL is not set."
		c.Fix = "Set System Console > Environment > Web Server > Site URL to the https address people use for Mattermost."
	case err != nil || u.Host == "":
		c.Status, c.Detail = Fail, fmt.Sprintf("The Site URL %q is not a valid URL.", r.in.SiteURL)
		c.Fix = "Set the Site URL to the https address people use for Mattermost, such as https://mattermost.example.com."
	case u.Scheme != "https":
		c.Status, c.Detail = Fail, fmt.Sprintf("The Site URL %s is not https; Microsoft 365 loads tabs only over https.", r.in.SiteURL)
		c.Fix = "Serve Mattermost over https and set the Site URL to its https address."
	default:
		c.Status = Pass
		c.Detail = fmt.Sprintf("%s is https; the Teams app package names %s as its domain, so upload a new package after changing it.", r.in.SiteURL, u.Hostname())
	}
	r.add(c)
}

// framing checks that the Microsoft hosts may frame Mattermost: the
// plugin cannot set the list itself (see package frameancestors).
func (r *run) framing() {
	c := Check{ID: IDFraming, Name: "Microsoft hosts may frame Mattermost"}
	f := r.in.Framing
	switch {
	case f == nil:
		r.skip(c.ID, c.Name, "Needs the plugin's settings for sign-in.")
		return
	case f.Err != nil:
		c.Status, c.Detail = Fail, "The frame ancestors could not be worked out: "+f.Err.Error()
		c.Fix = "Check the plugin's log, then run the connection check again."
	case len(f.Status.Wanted) == 0:
		r.skip(c.ID, c.Name, "Needs the plugin's settings for sign-in.")
		return
	case f.Status.InPlace:
		c.Status = Pass
		c.Detail = "ServiceSettings.FrameAncestors holds the hosts of the selected cloud: " + strings.Join(f.Status.Wanted, " ") + "."
	default:
		c.Status = Fail
		c.Detail = fmt.Sprintf("Teams, Outlook and the Microsoft 365 app cannot show the tab: ServiceSettings.FrameAncestors is %q.", f.Status.Current)
		c.Fix = fmt.Sprintf("Set System Console > Environment > Web Server > Frame Ancestors to %s (the setup command sets it).", f.Status.Value)
	}
	r.add(c)
}

func (r *run) settings() {
	c := Check{ID: IDSettings, Name: "Plugin settings"}
	missing := append(r.in.Settings.Missing(), r.in.Settings.TeamsAppMissing()...)
	slices.Sort(missing)
	missing = slices.Compact(missing)
	if len(missing) == 0 {
		c.Status, c.Detail = Pass, "Every setting the plugin needs is filled in."
	} else {
		c.Status, c.Detail = Fail, "Missing: "+strings.Join(missing, ", ")+"."
		c.Fix = "Fill in the missing settings on this page and press Save."
	}
	r.add(c)
}

const tokenName = "Microsoft Graph sign-in"

func (r *run) token() {
	if r.in.Graph == nil {
		r.skip(IDToken, tokenName, "Needs the tenant ID, client ID and client secret.")
		return
	}
	roles, err := r.in.Graph.Roles()
	c := Check{ID: IDToken, Name: tokenName}
	if err == nil {
		r.tokenOK, r.roles = true, roles
		c.Status, c.Detail = Pass, "The plugin signed in to Microsoft Graph with the tenant ID, client ID and client secret."
		r.add(c)
		return
	}
	c.Status = Fail
	c.Detail, c.Fix = explainTokenError(err)
	r.add(c)
}

// explainTokenError says which of the three settings Entra refused.
func explainTokenError(err error) (detail, fix string) {
	var te *graph.TokenError
	if !errors.As(err, &te) {
		return "Microsoft Entra ID could not be reached: " + err.Error(),
			"Check that this server can reach the selected cloud's login endpoint (through any proxy) and try again."
	}
	switch te.Code {
	case 90002, 900023, 90013:
		return fmt.Sprintf("Entra does not know the Directory (tenant) ID (AADSTS%d).", te.Code),
			"Copy the Directory (tenant) ID from the app registration's Overview page into Directory (tenant) ID, and check the Microsoft cloud setting."
	case 700016:
		return fmt.Sprintf("Entra has no app with this Application (client) ID in the tenant (AADSTS%d).", te.Code),
			"Copy the Application (client) ID from the app registration's Overview page into Application (client) ID."
	case 7000215, 7000218:
		return fmt.Sprintf("Entra refused the client secret (AADSTS%d).", te.Code),
			"Paste the client secret's Value, not its Secret ID, from Certificates & secrets into Client Secret."
	case 7000222:
		return fmt.Sprintf("The client secret has expired (AADSTS%d).", te.Code),
			"Create a new client secret under Certificates & secrets and paste its Value into Client Secret."
	}
	return fmt.Sprintf("Entra refused the sign-in: AADSTS%d: %s", te.Code, te.Description),
		"Look up the AADSTS code in Microsoft's documentation and correct the app registration or the settings."
}

const permissionsName = "API permissions"

// PerPersonRoles are the application permissions notifications need
// when each person's installation consents to TeamsActivity.Send.User.
var PerPersonRoles = []string{"AppCatalog.Read.All"}

func (r *run) permissions() {
	c, ok := r.signedIn(IDPermissions, permissionsName)
	if !ok {
		return
	}
	required := RequiredRoles
	if r.in.Settings.LeastPrivilegeNotifications {
		required = PerPersonRoles
	}
	var missing []string
	for _, role := range required {
		if !slices.Contains(r.roles, role) {
			missing = append(missing, role)
		}
	}
	switch {
	case len(missing) > 0:
		c.Status = Fail
		c.Detail = "Admin consent is missing for " + strings.Join(missing, " and ") + "."
		c.Fix = "In the app registration's API permissions, add the Microsoft Graph application permission " +
			strings.Join(missing, " and ") + " and press Grant admin consent."
	case r.in.Settings.LeastPrivilegeNotifications && slices.Contains(r.roles, "TeamsActivity.Send"):
		c.Status = Warn
		c.Detail = "Notifications use each person's TeamsActivity.Send.User consent, but the tenant-wide TeamsActivity.Send is granted too."
		c.Fix = "Remove TeamsActivity.Send from the app registration's API permissions to keep to least privilege."
	case r.in.Settings.LeastPrivilegeNotifications:
		c.Status = Pass
		c.Detail = "Admin consent is granted for AppCatalog.Read.All; notifications use the TeamsActivity.Send.User consent each person gives with the app's installation, so only people who have the app are notified."
	default:
		c.Status = Pass
		// Reading delegated consent (User.Read) would need yet another
		// directory permission, DelegatedPermissionGrant.Read.All; the
		// plugin never calls Graph as a user, so it is not asked for.
		c.Detail = "Admin consent is granted for the application permissions " + strings.Join(RequiredRoles, " and ") + "."
	}
	r.add(c)
}

// ReachRoles are the application permissions that notifying people who
// never opened the app needs besides RequiredRoles: reading the
// directory, and installing the app for them, where the Self permission
// is the least privileged (it installs only the app whose manifest
// names this Entra app) and the broader one also does.
var ReachRoles = [][]string{
	{"User.Read.All"},
	{"TeamsAppInstallation.ReadWriteSelfForUser.All", "TeamsAppInstallation.ReadWriteForUser.All"},
}

const reachName = "Permissions for people who never opened the app"

func (r *run) reach() {
	if !r.in.Settings.ReachBeforeFirstUse {
		r.skip(IDReach, reachName, `Off: "Notify people who never opened the app" is false.`)
		return
	}
	c, ok := r.signedIn(IDReach, reachName)
	if !ok {
		return
	}
	var missing []string
	for _, anyOf := range ReachRoles {
		if !slices.ContainsFunc(anyOf, func(role string) bool { return slices.Contains(r.roles, role) }) {
			missing = append(missing, anyOf[0])
		}
	}
	if len(missing) == 0 {
		c.Status, c.Detail = Pass, "Admin consent is granted for reading the directory and installing the Teams app for people."
	} else {
		c.Status = Fail
		c.Detail = "Admin consent is missing for " + strings.Join(missing, " and ") + ": nobody new can be linked or have the app installed."
		c.Fix = "In the app registration's API permissions, add the Microsoft Graph application permission " +
			strings.Join(missing, " and ") + " and press Grant admin consent, or turn the setting off."
	}
	r.add(c)
}

const teamsAppName = "Teams app in the catalog"

func (r *run) teamsApp() {
	s := r.in.Settings
	if !r.tokenOK || !slices.Contains(r.roles, "AppCatalog.Read.All") || s.AppID == "" {
		r.skip(IDTeamsApp, teamsAppName, "Needs a Graph sign-in with AppCatalog.Read.All and the Application ID.")
		return
	}
	c := Check{ID: IDTeamsApp, Name: teamsAppName}
	app, err := r.in.Graph.CatalogApp(r.ctx, s.AppID)
	switch {
	case errors.Is(err, graph.ErrNotInCatalog):
		c.Status, c.Detail = Fail, fmt.Sprintf("No app with the Application ID %s is in the tenant's Teams app catalog.", s.AppID)
		c.Fix = "Download the app package from this page and upload it in the Teams admin center under Teams apps > Manage apps."
	case err != nil:
		c.Status, c.Detail = Fail, "The Teams app catalog could not be read: "+err.Error()
		c.Fix = "Try again; if it keeps failing, check that AppCatalog.Read.All has admin consent."
	default:
		r.compareCatalog(&c, app.Version)
	}
	r.add(c)
}

// compareCatalog says how the catalog's version compares with the
// package the plugin builds now.
func (r *run) compareCatalog(c *Check, version string) {
	s := r.in.Settings
	upload := " Run " + r.in.SetupCommand + ", or download the app package from this page and upload it in the Teams admin center"
	if r.in.Package == nil {
		c.Status, c.Detail = Pass, fmt.Sprintf("The app is in the tenant's catalog, version %s.", version)
		return
	}
	switch teamsapp.CompareCatalog(version, *r.in.Package, r.in.LastUpload) {
	case teamsapp.CatalogCurrent:
		c.Status, c.Detail = Pass, fmt.Sprintf("The app is in the tenant's catalog, version %s, built from the settings and icons in force.", version)
	case teamsapp.CatalogUnrecorded:
		c.Status = Pass
		c.Detail = fmt.Sprintf("The app is in the tenant's catalog, version %s; it was uploaded by hand, so whether it holds the settings and icons in force is not known.", version)
	case teamsapp.CatalogChanged:
		c.Status = Warn
		c.Detail = fmt.Sprintf("The catalog's version %s was built from other settings or icons than the package the plugin builds now.", version)
		c.Fix = strings.TrimSpace(upload) + " with a higher Application Version."
	case teamsapp.CatalogNewer:
		c.Status = Warn
		c.Detail = fmt.Sprintf("The catalog has version %s of the app, higher than the settings' %s.", version, s.AppVersion)
		c.Fix = strings.TrimSpace(upload) + " after raising Application Version above " + version + "."
	default:
		c.Status = Warn
		c.Detail = fmt.Sprintf("The catalog has version %s of the app; the settings say %s.", version, s.AppVersion)
		c.Fix = strings.TrimSpace(upload) + " to replace the older version."
	}
}

const secretName = "Client secret expiry"

func (r *run) secret() {
	c, ok := r.signedIn(IDSecret, secretName)
	if !ok {
		return
	}
	if !slices.Contains(r.roles, ExpiryRole) {
		c.Status = Warn
		c.Detail = "The plugin cannot read when its client secret expires without the application permission " + ExpiryRole + "."
		c.Fix = "Add the Microsoft Graph application permission " + ExpiryRole + " and grant admin consent (the setup command asks for it), or track the expiry date yourself."
		r.add(c)
		return
	}
	end, found, err := r.in.Graph.SecretExpiry(r.ctx)
	switch {
	case err != nil:
		c.Status, c.Detail = Warn, "The app registration could not be read: "+err.Error()
		c.Fix = "Try again; if it keeps failing, check that " + ExpiryRole + " has admin consent."
	case !found:
		c.Status, c.Detail = Warn, "No client secret of the app registration matches the one in the settings."
		c.Fix = "Check that Client Secret holds a secret of this app registration."
	default:
		r.report.SecretExpires = &end
		left := end.Sub(r.in.Now)
		date := end.UTC().Format("2 January 2006")
		switch {
		case left <= 0:
			c.Status, c.Detail = Fail, "The client secret expired on "+date+"."
			c.Fix = "Create a new client secret under Certificates & secrets and paste its Value into Client Secret."
		case left <= ExpiryWarning:
			c.Status, c.Detail = Warn, fmt.Sprintf("The client secret expires on %s, in %d days.", date, int(left.Hours()/24))
			c.Fix = "Create a new client secret under Certificates & secrets before then and paste its Value into Client Secret."
		default:
			c.Status, c.Detail = Pass, "The client secret expires on "+date+"."
		}
	}
	r.add(c)
}
