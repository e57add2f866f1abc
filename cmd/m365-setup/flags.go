package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"net/url"
	"strings"
	"time"

	"github.com/missioncollab/mattermost-plugin-m365/server/config"
)

var errHelp = errors.New("help")

// cliConfig is what the command was asked to do.
type cliConfig struct {
	siteURL       string
	tenant        string
	cloud         config.Cloud
	authorityURL  string
	graphURL      string
	clientID      string
	name          string
	secretDays    int
	rotate        bool
	dryRun        bool
	noExpiryPerm  bool
	reach         bool
	noPublish     bool
	leastPriv     bool
	printSecret   bool
	mmToken       string
	output        string
	loginClientID string
	mattermostURL string
	timeout       time.Duration
}

// graphCommandLineTools is Microsoft's public client for signing in to
// Graph from a command line, which allows the device code flow.
const graphCommandLineTools = "14d82eec-204b-4c2f-b7e8-296a70dab67e"

func parseFlags(args []string, getenv func(string) string, stderr io.Writer) (*cliConfig, error) {
	c := &cliConfig{}
	fs := flag.NewFlagSet("m365-setup", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&c.siteURL, "site-url", getenv("MM_SERVICESETTINGS_SITEURL"), "Mattermost's site URL, https (default $MM_SERVICESETTINGS_SITEURL)")
	fs.StringVar(&c.tenant, "tenant", "organizations", "tenant ID or domain to sign in to")
	cloud := fs.String("cloud", "commercial", "Microsoft cloud: commercial (also GCC), gcchigh, dod or custom")
	fs.StringVar(&c.authorityURL, "authority-url", "", "custom cloud only: the Entra login authority, https")
	fs.StringVar(&c.graphURL, "graph-url", "", "custom cloud only: Microsoft Graph, https")
	fs.StringVar(&c.clientID, "client-id", "", "client ID of an existing app registration to update")
	fs.StringVar(&c.name, "name", "Mattermost", "display name of the app registration to find or create")
	fs.IntVar(&c.secretDays, "secret-days", 180, "days a new client secret is valid, at most 730")
	fs.BoolVar(&c.rotate, "rotate", false, "create a new client secret and remove the older ones this tool created")
	fs.BoolVar(&c.dryRun, "dry-run", false, "print every change and make none")
	fs.BoolVar(&c.reach, "reach", false, "also add User.Read.All and TeamsAppInstallation.ReadWriteSelfForUser.All and turn on notifying people who never opened the app")
	fs.BoolVar(&c.leastPriv, "least-privilege", false, "grant no tenant-wide TeamsActivity.Send: notify with the TeamsActivity.Send.User consent each person gives when the app is installed for them")
	fs.BoolVar(&c.noPublish, "no-publish", false, "do not publish the Teams app to the tenant's app catalog (and do not ask for AppCatalog.Submit)")
	fs.BoolVar(&c.printSecret, "print-secret", false, "print a new client secret even when it was written into Mattermost, and put it in -output json")
	fs.BoolVar(&c.noExpiryPerm, "no-expiry-permission", false, "do not add Application.Read.All, which lets the plugin read when the secret expires")
	fs.StringVar(&c.output, "output", "text", "output format: text or json (warnings go to stderr)")
	fs.StringVar(&c.loginClientID, "login-client-id", graphCommandLineTools, "public client used for the device code sign-in")
	fs.StringVar(&c.mattermostURL, "mattermost-url", "", "where to reach Mattermost's API to write the settings (default the site URL); needs $MM_ADMIN_TOKEN")
	fs.DurationVar(&c.timeout, "timeout", 15*time.Minute, "give up after this long, sign-in included")
	showVersion := fs.Bool("version", false, "print the version and exit")
	fs.Usage = func() {
		fmt.Fprintf(stderr, "Usage: m365-setup -site-url https://mattermost.example.com [flags]\n\n"+
			"Signs in as a Microsoft Entra administrator (device code, or a Graph token in $M365_SETUP_TOKEN)\n"+
			"and sets up the app registration Mission Collaboration for Microsoft 365 needs.\n\nFlags:\n")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil, errHelp
		}
		return nil, err
	}
	if *showVersion {
		fmt.Fprintln(stderr, "m365-setup", version)
		return nil, errHelp
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	c.cloud = config.Cloud(strings.ToLower(*cloud))
	c.mmToken = strings.TrimSpace(getenv("MM_ADMIN_TOKEN"))
	return c, c.validate()
}

func (c *cliConfig) validate() error {
	u, err := url.Parse(c.siteURL)
	if c.siteURL == "" || err != nil || u.Scheme != "https" || u.Host == "" {
		return fmt.Errorf("-site-url %q: give Mattermost's https site URL", c.siteURL)
	}
	if c.secretDays < 1 || c.secretDays > 730 {
		return fmt.Errorf("-secret-days %d: must be 1 to 730", c.secretDays)
	}
	if c.output != "text" && c.output != "json" {
		return fmt.Errorf("-output %q: must be text or json", c.output)
	}
	if _, err := c.endpoints(); err != nil {
		return err
	}
	if c.mattermostURL == "" {
		c.mattermostURL = c.siteURL
	}
	if c.mmToken != "" {
		if err := tokenMayGoTo(c.mattermostURL); err != nil {
			return err
		}
	}
	if c.output == "json" && c.mmToken == "" && !c.printSecret && !c.dryRun {
		return errors.New("-output json: a new client secret would be shown nowhere; set MM_ADMIN_TOKEN to write it into Mattermost, or add -print-secret")
	}
	return nil
}

// endpoints are the selected cloud's Entra and Graph.
func (c *cliConfig) endpoints() (config.Endpoints, error) {
	if c.cloud != config.CloudCustom {
		e, err := config.CloudEndpoints(c.cloud)
		if err != nil {
			return e, fmt.Errorf("-cloud %q: must be commercial, gcchigh, dod or custom", c.cloud)
		}
		return e, nil
	}
	for name, v := range map[string]string{"-authority-url": c.authorityURL, "-graph-url": c.graphURL} {
		if u, err := url.Parse(v); v == "" || err != nil || u.Scheme != "https" || u.Host == "" {
			return config.Endpoints{}, fmt.Errorf("%s %q: a custom cloud needs its https URL", name, v)
		}
	}
	return config.Endpoints{AuthorityURL: strings.TrimRight(c.authorityURL, "/"), GraphURL: strings.TrimRight(c.graphURL, "/")}, nil
}
