// Package sandbox is the local Mattermost that `make demo` runs: real
// PostgreSQL, a real Mattermost server with the built bundle, a sample
// team, channel and accounts, a fake Microsoft cloud and a simulated Teams
// host, and the walkthrough that tells a newcomer what to try. The
// browser tests walk the same sandbox.
package sandbox

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strconv"
	"syscall"
	"time"

	"github.com/mattermost/mattermost/server/public/model"

	"github.com/missioncollab/mattermost-plugin-m365/e2e/harness"
	"github.com/missioncollab/mattermost-plugin-m365/e2e/teamshost"
	"github.com/missioncollab/mattermost-plugin-m365/internal/msfake"
)

// Options shape a sandbox.
type Options struct {
	Port    int
	SiteURL string
	Bundle  string
	TLS     bool
}

// Sandbox is a running sandbox.
type Sandbox struct {
	Harness *harness.Harness
	Host    *teamshost.Host
	cloud   *msfake.Cloud
	caFile  string
	stopLog func()
}

// Main runs the sandbox command with args until SIGINT or SIGTERM, and
// returns its exit code.
func Main(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("sandbox", flag.ContinueOnError)
	fs.SetOutput(stderr)
	port := fs.Int("port", envInt("DEMO_PORT", 8065), "port to serve Mattermost on (or DEMO_PORT)")
	siteURL := fs.String("site-url", os.Getenv("DEMO_SITE_URL"), "site URL (or DEMO_SITE_URL); default http://localhost:<port>")
	bundle := fs.String("bundle", "", "plugin bundle to install")
	useTLS := fs.Bool("tls", os.Getenv("DEMO_TLS") == "1", "serve Mattermost over https with a self-signed certificate (or DEMO_TLS=1); external logins in the host's popup need it")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if err := run(Options{Port: *port, SiteURL: *siteURL, Bundle: *bundle, TLS: *useTLS}, stdout); err != nil {
		fmt.Fprintln(stderr, "sandbox:", err)
		return 1
	}
	return 0
}

func run(opts Options, out io.Writer) error {
	startCtx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	fmt.Fprintln(out, "Starting the fake Microsoft cloud, PostgreSQL and Mattermost…")
	s, err := Start(startCtx, opts, out)
	if err != nil {
		return err
	}
	defer func() {
		fmt.Fprintln(out, "\nStopping and cleaning up…")
		s.Close()
	}()
	// Registered after the server started, which resets signal handling.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	fmt.Fprint(out, s.Welcome())
	<-ctx.Done()
	return nil
}

// Start brings a sandbox up; what the plugin logs of note goes to logOut
// as it happens.
func Start(ctx context.Context, opts Options, logOut io.Writer) (s *Sandbox, err error) {
	if opts.Bundle == "" {
		return nil, errors.New("-bundle is required (make demo passes it)")
	}
	if opts.SiteURL == "" {
		scheme := "http"
		if opts.TLS {
			scheme = "https"
		}
		opts.SiteURL = fmt.Sprintf("%s://localhost:%d", scheme, opts.Port)
	}
	s = &Sandbox{}
	defer func() {
		if err != nil {
			s.Close()
			s = nil
		}
	}()
	if s.cloud, err = msfake.Start(); err != nil {
		return nil, err
	}
	if s.caFile, err = trustCloud(s.cloud); err != nil {
		return nil, err
	}
	s.Harness, err = harness.Start(ctx, harness.Options{
		Bundle: opts.Bundle,
		Server: harness.ServerOptions{
			ListenAddress: fmt.Sprintf("127.0.0.1:%d", opts.Port), SiteURL: opts.SiteURL, TLS: opts.TLS,
			// What matters is printed readably from the log instead.
			Configure: func(cfg *model.Config) { *cfg.LogSettings.EnableConsole = false },
		},
	})
	if err != nil {
		return nil, err
	}
	world, err := seed(ctx, s.Harness)
	if err != nil {
		return nil, err
	}
	if s.Host, err = startHost(ctx, s.Harness, s.cloud, world); err != nil {
		return nil, err
	}
	// As the setup command does: the plugin cannot set them itself.
	if _, err := harness.ApplyFrameAncestors(ctx, s.Harness.Admin.Client, s.Harness.PluginID); err != nil {
		return nil, err
	}
	s.stopLog = followLog(s.Harness.Server.LogPath, s.Harness.PluginID, world.names, logOut)
	return s, nil
}

// Close stops everything Start started and removes its files.
func (s *Sandbox) Close() {
	if s.stopLog != nil {
		s.stopLog()
	}
	if s.Host != nil {
		s.Host.Close()
	}
	if s.Harness != nil {
		s.Harness.Close()
	}
	if s.cloud != nil {
		s.cloud.Close()
	}
	if s.caFile != "" {
		_ = os.Remove(s.caFile)
	}
}

// Welcome is what the sandbox prints once it is up: where everything is,
// and the walkthrough.
func (s *Sandbox) Welcome() string {
	h := s.Harness
	return fmt.Sprintf(`
Mattermost is running at %[1]s
  system admin:  %[2]s / %[3]s
  user:          %[4]s / %[5]s
  user:          bob / Bob-Passw0rd!
  team:          Mission Ops (channel: Incident Response)
Plugin %[6]s is installed and enabled, pointed at a fake Microsoft cloud.

Mattermost inside a simulated Microsoft Teams, signed in as alice:
  %[7]s

%[8]s
The bar at the top switches the person, the tenant and the host (another
person is another browser: the last one's tab session ends), and posts as
bob or the admin into Incident Response, to @alice or to @bob, without
changing the tab's sign-in. With -tls, open Mattermost's own address once to
accept its certificate too; then "Log in with single sign-on" in the tab
runs the external login in the host's popup.

What the plugin does is printed below as it happens.

Redeploy a rebuilt bundle from another shell:
  MM_SERVICESETTINGS_SITEURL=%[1]s MM_ADMIN_USERNAME=%[2]s MM_ADMIN_PASSWORD='%[3]s' make deploy

Press Ctrl-C to stop; everything started here is removed.

`, h.Server.SiteURL, h.Admin.Username, h.Admin.Password, h.User.Username, h.User.Password, h.PluginID, s.Host.URL(), WalkthroughText())
}

func envInt(name string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(name)); err == nil && v > 0 {
		return v
	}
	return def
}
