// Command deploy uploads the plugin bundle to a running Mattermost server and
// enables it, as an admin would in System Console > Plugins.
//
// The server is MM_SERVICESETTINGS_SITEURL; the admin is MM_ADMIN_TOKEN, or
// MM_ADMIN_USERNAME and MM_ADMIN_PASSWORD.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"time"

	"github.com/mattermost/mattermost/server/public/model"
)

func main() {
	bundle := flag.String("bundle", "", "path to the plugin bundle (.tar.gz)")
	flag.Parse()
	if err := deploy(*bundle); err != nil {
		fmt.Fprintln(os.Stderr, "deploy:", err)
		os.Exit(1)
	}
}

func deploy(bundle string) error {
	if bundle == "" {
		return errors.New("-bundle is required")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	client, err := adminClient(ctx)
	if err != nil {
		return err
	}
	f, err := os.Open(bundle)
	if err != nil {
		return fmt.Errorf("open bundle: %w", err)
	}
	defer f.Close()
	manifest, _, err := client.UploadPluginForced(ctx, f)
	if err != nil {
		return fmt.Errorf("upload %s (are plugin uploads enabled: PluginSettings.EnableUploads?): %w", bundle, err)
	}
	if _, err := client.EnablePlugin(ctx, manifest.Id); err != nil {
		return fmt.Errorf("enable %s: %w", manifest.Id, err)
	}
	if err := waitRunning(ctx, client, manifest.Id); err != nil {
		return err
	}
	fmt.Printf("%s %s is installed and running on %s\n", manifest.Id, manifest.Version, client.URL)
	return nil
}

func adminClient(ctx context.Context) (*model.Client4, error) {
	siteURL := os.Getenv("MM_SERVICESETTINGS_SITEURL")
	if siteURL == "" {
		return nil, errors.New("MM_SERVICESETTINGS_SITEURL is not set: name the Mattermost server, e.g. http://localhost:8065")
	}
	client := model.NewAPIv4Client(siteURL)
	if token := os.Getenv("MM_ADMIN_TOKEN"); token != "" {
		client.SetToken(token)
		return client, nil
	}
	user, pass := os.Getenv("MM_ADMIN_USERNAME"), os.Getenv("MM_ADMIN_PASSWORD")
	if user == "" || pass == "" {
		return nil, errors.New("set MM_ADMIN_TOKEN, or MM_ADMIN_USERNAME and MM_ADMIN_PASSWORD, for a system admin")
	}
	if _, _, err := client.Login(ctx, user, pass); err != nil {
		return nil, fmt.Errorf("log in as %s: %w", user, err)
	}
	return client, nil
}

func waitRunning(ctx context.Context, client *model.Client4, id string) error {
	for {
		statuses, _, err := client.GetPluginStatuses(ctx)
		if err != nil {
			return fmt.Errorf("plugin statuses: %w", err)
		}
		for _, s := range statuses {
			if s.PluginId != id {
				continue
			}
			switch s.State {
			case model.PluginStateRunning:
				return nil
			case model.PluginStateFailedToStart, model.PluginStateFailedToStayRunning:
				return fmt.Errorf("%s failed to start; see the server log", id)
			}
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("waiting for %s to run: %w", id, ctx.Err())
		case <-time.After(200 * time.Millisecond):
		}
	}
}
