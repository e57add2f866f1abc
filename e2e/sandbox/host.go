package sandbox

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/missioncollab/mattermost-plugin-m365/e2e/harness"
	"github.com/missioncollab/mattermost-plugin-m365/e2e/teamshost"
	"github.com/missioncollab/mattermost-plugin-m365/internal/msfake"
	"github.com/missioncollab/mattermost-plugin-m365/server/entra"
	"github.com/missioncollab/mattermost-plugin-m365/server/site"
)

// The sandbox's Entra tenant and app registration, and a second tenant to
// show what happens when someone opens the tab from another organisation.
const (
	sandboxTenant   = "3f2a8c1e-5b7d-4e9a-8c6f-1d2e3f4a5b6c"
	otherTenant     = "9e8d7c6b-5a4f-4e3d-8c2b-1a0f9e8d7c6b"
	sandboxClientID = "6b1f3c2d-8e4a-4f5b-9c7d-2e1f0a3b4c5d"
	sandboxAppID    = "c4d5e6f7-a8b9-4c0d-8e1f-2a3b4c5d6e7f"
	strangerEmail   = "stranger@example.com"
	sandboxSecret   = "sandbox-secret"
)

// trustCloud makes the plugin process, a child of this one, trust the fake
// cloud's CA, as a real server trusts Microsoft's.
func trustCloud(cloud *msfake.Cloud) (string, error) {
	path := filepath.Join(os.TempDir(), fmt.Sprintf("msfake-ca-%d.pem", os.Getpid()))
	if err := cloud.WriteCAFile(path); err != nil {
		return "", err
	}
	return path, os.Setenv("SSL_CERT_FILE", path)
}

// startHost points the plugin at the fake cloud and starts a simulated
// Teams host framing the tab, with a picker of people, tenants and hosts.
func startHost(ctx context.Context, h *harness.Harness, cloud *msfake.Cloud, world *sandboxWorld) (*teamshost.Host, error) {
	where, err := site.Parse(h.Server.SiteURL)
	if err != nil {
		return nil, err
	}
	audience := where.ResourceURI(sandboxClientID)
	ids := &objectIDs{byUser: map[string]string{}}
	pick := func(user, tenant, hostName string) (teamshost.Options, error) {
		oid := ids.of(user)
		return teamshost.Options{
			TabURL:   h.Server.SiteURL + "/plugins/" + h.PluginID + "/tab",
			Tenant:   tenant,
			HostName: hostName, UserObjectID: oid, LoginHint: user,
			Token: func() (string, error) {
				return cloud.Sign(cloud.AccessToken(msfake.TokenSpec{
					Version: 2, Tenant: tenant, ObjectID: oid, ClientID: sandboxClientID,
					Audience: audience, Scopes: "access_as_user", Email: user,
					AuthorizedParty: webClientOf(hostName),
				})), nil
			},
		}, nil
	}
	first, _ := pick(h.User.Email, sandboxTenant, "Teams")
	first.HTTPS = true
	host, err := teamshost.Start(first)
	if err != nil {
		return nil, err
	}
	host.SetPicker(&teamshost.Picker{
		Users:   []string{h.User.Email, "bob@example.com", strangerEmail},
		Tenants: []string{sandboxTenant, otherTenant},
		// Switching the person reloads the tab, whose sign-in ends the
		// previous person's tab session itself.
		Pick: pick,
		Activity: func(user string) []teamshost.Activity {
			return feed(cloud, ids.of(user), h.Server.SiteURL+"/plugins/"+h.PluginID)
		},
		Posters: []string{"bob", h.Admin.Username},
		Targets: []string{world.channel.DisplayName, "@" + h.User.Username, "@bob"},
		Post: func(as, to, message string) error {
			pctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			if !strings.HasPrefix(to, "@") {
				to = ""
			}
			return world.postAs(pctx, as, to, message)
		},
	})
	// The app registration may send activity notifications, and the Teams
	// app is in the tenant's catalog, so mentions reach the host's feed.
	cloud.RegisterApp(sandboxTenant, sandboxClientID, sandboxSecret)
	cloud.PublishTeamsApp(sandboxTenant, sandboxAppID, "Mattermost")
	err = harness.SetPluginSettings(ctx, h.Admin.Client, h.PluginID, map[string]any{
		"tenantid": sandboxTenant, "clientid": sandboxClientID, "clientsecret": sandboxSecret,
		"appid": sandboxAppID, "appversion": "1.0.0", "appdisplayname": "Mattermost",
		"cloud": "custom", "customauthorityurl": cloud.URL(), "customgraphurl": cloud.URL(),
		"customteamsurl": host.URL(), "notificationholdseconds": HoldSeconds,
	})
	if err != nil {
		host.Close()
		return nil, fmt.Errorf("point the plugin at the fake cloud: %w", err)
	}
	return host, nil
}

// webClientOf is the Microsoft client application that asks Entra for the
// tab's token in each host's web version, as the real hosts do.
func webClientOf(hostName string) string {
	want := map[string]string{"Teams": "Teams web", "Outlook": "Outlook web", "Office": "Microsoft 365 web"}[hostName]
	for _, c := range entra.ClientApps {
		if c.Name == want {
			return c.ID
		}
	}
	return ""
}
