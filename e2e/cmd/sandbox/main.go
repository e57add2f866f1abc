// Command sandbox runs a local Mattermost with the plugin installed: real
// PostgreSQL, a real Mattermost server, the built bundle, a sample team,
// channel and users. It runs until Ctrl-C, then removes everything it made.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/mattermost/mattermost/server/public/model"

	"github.com/missioncollab/mattermost-plugin-m365/e2e/harness"
	"github.com/missioncollab/mattermost-plugin-m365/e2e/teamshost"
	"github.com/missioncollab/mattermost-plugin-m365/internal/msfake"
)

func main() {
	port := flag.Int("port", envInt("DEMO_PORT", 8065), "port to serve Mattermost on (or DEMO_PORT)")
	siteURL := flag.String("site-url", os.Getenv("DEMO_SITE_URL"), "site URL (or DEMO_SITE_URL); default http://localhost:<port>")
	bundle := flag.String("bundle", "", "plugin bundle to install")
	useTLS := flag.Bool("tls", os.Getenv("DEMO_TLS") == "1", "serve Mattermost over https with a self-signed certificate (or DEMO_TLS=1); external logins in the host's popup need it")
	flag.Parse()
	if err := run(*port, *siteURL, *bundle, *useTLS); err != nil {
		fmt.Fprintln(os.Stderr, "sandbox:", err)
		os.Exit(1)
	}
}

func run(port int, siteURL, bundle string, useTLS bool) error {
	if bundle == "" {
		return fmt.Errorf("-bundle is required (make demo passes it)")
	}
	if siteURL == "" {
		scheme := "http"
		if useTLS {
			scheme = "https"
		}
		siteURL = fmt.Sprintf("%s://localhost:%d", scheme, port)
	}
	startCtx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()

	fmt.Println("Starting the fake Microsoft cloud, PostgreSQL and Mattermost…")
	cloud, err := msfake.Start()
	if err != nil {
		return err
	}
	defer cloud.Close()
	caFile, err := trustCloud(cloud)
	if err != nil {
		return err
	}
	defer os.Remove(caFile)
	h, err := harness.Start(startCtx, harness.Options{
		Bundle: bundle,
		Server: harness.ServerOptions{ListenAddress: fmt.Sprintf("127.0.0.1:%d", port), SiteURL: siteURL, TLS: useTLS},
	})
	if err != nil {
		return err
	}
	defer func() {
		fmt.Println("\nStopping and cleaning up…")
		h.Close()
	}()
	world, err := seed(startCtx, h)
	if err != nil {
		return err
	}
	host, err := startHost(startCtx, h, cloud, world)
	if err != nil {
		return err
	}
	defer host.Close()
	// Registered after the server started, which resets signal handling.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	printWelcome(h, host)
	<-ctx.Done()
	return nil
}

// sandboxWorld is what seed made: the channel, and the accounts the
// host's bar may post as.
type sandboxWorld struct {
	channel *model.Channel
	posters map[string]*harness.User
}

// seed creates what a small Mattermost in use has: a team, a channel, a
// second user and a first post.
func seed(ctx context.Context, h *harness.Harness) (*sandboxWorld, error) {
	fail := func(err error) (*sandboxWorld, error) { return nil, err }
	admin := h.Admin.Client
	team, _, err := admin.CreateTeam(ctx, &model.Team{Name: "mission-ops", DisplayName: "Mission Ops", Type: model.TeamOpen})
	if err != nil {
		return fail(fmt.Errorf("create team: %w", err))
	}
	bob, err := h.Server.CreateUser(ctx, "bob", "bob@example.com", "Bob-Passw0rd!")
	if err != nil {
		return fail(err)
	}
	for _, u := range []*harness.User{h.Admin, h.User, bob} {
		if _, _, err := admin.AddTeamMember(ctx, team.Id, u.Id); err != nil && u != h.Admin {
			return fail(fmt.Errorf("add %s to team: %w", u.Username, err))
		}
	}
	channel, _, err := admin.CreateChannel(ctx, &model.Channel{TeamId: team.Id, Name: "incident-response", DisplayName: "Incident Response", Type: model.ChannelTypeOpen})
	if err != nil {
		return fail(fmt.Errorf("create channel: %w", err))
	}
	for _, u := range []*harness.User{h.User, bob} {
		if _, _, err := admin.AddChannelMember(ctx, channel.Id, u.Id); err != nil {
			return fail(fmt.Errorf("add %s to channel: %w", u.Username, err))
		}
	}
	_, _, err = admin.CreatePost(ctx, &model.Post{ChannelId: channel.Id, Message: "Welcome to the sandbox. @alice, @bob: this channel is for incident response."})
	if err != nil {
		return fail(fmt.Errorf("create post: %w", err))
	}
	return &sandboxWorld{channel: channel, posters: map[string]*harness.User{"bob": bob, h.Admin.Username: h.Admin}}, nil
}

// postAs posts as a sandbox account, into the channel or as a direct
// message to whom the host shows, so that the feed shows it arriving.
func (w *sandboxWorld) postAs(ctx context.Context, as, to, message string) error {
	u, ok := w.posters[as]
	if !ok {
		return fmt.Errorf("no sandbox account %q", as)
	}
	channelID := w.channel.Id
	if strings.HasPrefix(to, "@") {
		other, _, err := u.Client.GetUserByUsername(ctx, strings.TrimPrefix(to, "@"), "")
		if err != nil {
			return fmt.Errorf("find %s: %w", to, err)
		}
		dm, _, err := u.Client.CreateDirectChannel(ctx, u.Id, other.Id)
		if err != nil {
			return fmt.Errorf("open a direct message with %s: %w", to, err)
		}
		channelID = dm.Id
	}
	if _, _, err := u.Client.CreatePost(ctx, &model.Post{ChannelId: channelID, Message: message}); err != nil {
		return fmt.Errorf("post as %s: %w", as, err)
	}
	return nil
}

func printWelcome(h *harness.Harness, host *teamshost.Host) {
	fmt.Printf(`
Mattermost is running at %[1]s
  system admin:  %[2]s / %[3]s
  user:          %[4]s / %[5]s
  user:          bob / Bob-Passw0rd!
  team:          Mission Ops (channel: Incident Response)
Plugin %[6]s is installed and enabled, pointed at a fake Microsoft cloud.

Mattermost inside a simulated Microsoft Teams, signed in as alice:
  %[7]s
  (its certificate is self-signed: let your browser proceed). The bar at the
  top switches the user, the tenant and the host (Teams, Outlook, Microsoft 365)
  to show sign-in and its fallbacks, and "Post as" posts in Mattermost as bob
  (or the admin) into Incident Response or to @alice, without changing the
  tab's sign-in. The Activity list on the left is the person's Teams activity
  feed: mention alice (or bob, once he has opened the tab) and it appears
  there; click it for the preview, then Open in Mattermost for the post. With -tls, open Mattermost's own URL once
  first to accept its certificate too; then "Log in with single sign-on" in the
  tab runs the external login in the host's popup.

Redeploy a rebuilt bundle from another shell:
  MM_SERVICESETTINGS_SITEURL=%[1]s MM_ADMIN_USERNAME=%[2]s MM_ADMIN_PASSWORD='%[3]s' make deploy

Press Ctrl-C to stop; everything started here is removed.
`, h.Server.SiteURL, h.Admin.Username, h.Admin.Password, h.User.Username, h.User.Password, h.PluginID, host.URL())
}

func envInt(name string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(name)); err == nil && v > 0 {
		return v
	}
	return def
}
