package harness

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/mattermost/mattermost/server/public/model"

	"github.com/missioncollab/mattermost-plugin-m365/internal/appsetup"
)

// InstallBundle uploads a plugin bundle through the REST API, replacing any
// installed version, and enables it, as an admin does in the System Console.
func InstallBundle(ctx context.Context, admin *model.Client4, path string) (*model.Manifest, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("open bundle: %w", err)
	}
	defer f.Close()
	manifest, _, err := admin.UploadPluginForced(ctx, f)
	if err != nil {
		return nil, fmt.Errorf("upload %s: %w", path, err)
	}
	if err := EnablePlugin(ctx, admin, manifest.Id); err != nil {
		return manifest, err
	}
	return manifest, nil
}

// EnablePlugin enables a plugin and waits until it runs.
func EnablePlugin(ctx context.Context, admin *model.Client4, id string) error {
	if _, err := admin.EnablePlugin(ctx, id); err != nil {
		return fmt.Errorf("enable %s: %w", id, err)
	}
	return WaitPluginState(ctx, admin, id, model.PluginStateRunning)
}

// DisablePlugin disables a plugin and waits until it has stopped.
func DisablePlugin(ctx context.Context, admin *model.Client4, id string) error {
	if _, err := admin.DisablePlugin(ctx, id); err != nil {
		return fmt.Errorf("disable %s: %w", id, err)
	}
	return WaitPluginState(ctx, admin, id, model.PluginStateNotRunning)
}

// WaitPluginState waits until the server reports the plugin in the state.
func WaitPluginState(ctx context.Context, admin *model.Client4, id string, want int) error {
	deadline := time.Now().Add(60 * time.Second)
	last := -1
	for time.Now().Before(deadline) {
		statuses, _, err := admin.GetPluginStatuses(ctx)
		if err != nil {
			return fmt.Errorf("plugin statuses: %w", err)
		}
		for _, s := range statuses {
			if s.PluginId == id {
				last = s.State
			}
		}
		if last == want {
			return nil
		}
		if last == model.PluginStateFailedToStart || last == model.PluginStateFailedToStayRunning {
			return fmt.Errorf("plugin %s failed to run (state %d)", id, last)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
	return fmt.Errorf("plugin %s is in state %d, not %d", id, last, want)
}

// PluginSettings returns the plugin's settings as the config API shows them.
func PluginSettings(ctx context.Context, admin *model.Client4, id string) (map[string]any, error) {
	cfg, _, err := admin.GetConfig(ctx)
	if err != nil {
		return nil, fmt.Errorf("get config: %w", err)
	}
	return cfg.PluginSettings.Plugins[id], nil
}

// SetPluginSettings changes some of the plugin's settings through the config
// API, as the System Console's Save does, keeping the others.
func SetPluginSettings(ctx context.Context, admin *model.Client4, id string, changes map[string]any) error {
	cfg, _, err := admin.GetConfig(ctx)
	if err != nil {
		return fmt.Errorf("get config: %w", err)
	}
	settings := cfg.PluginSettings.Plugins[id]
	if settings == nil {
		settings = map[string]any{}
	}
	for k, v := range changes {
		settings[k] = v
	}
	if cfg.PluginSettings.Plugins == nil {
		cfg.PluginSettings.Plugins = map[string]map[string]any{}
	}
	cfg.PluginSettings.Plugins[id] = settings
	if _, _, err := admin.UpdateConfig(ctx, cfg); err != nil {
		return err
	}
	return nil
}

// ApplyFrameAncestors sets ServiceSettings.FrameAncestors to the value the
// plugin asks for, as the setup command does (with the same code), and
// returns it. The plugin cannot set it itself.
func ApplyFrameAncestors(ctx context.Context, admin *model.Client4, id string) (string, error) {
	if _, err := appsetup.ApplyFrameAncestors(ctx, admin, id, false); err != nil {
		return "", err
	}
	cfg, _, err := admin.GetConfig(ctx)
	if err != nil {
		return "", fmt.Errorf("read the frame ancestors: %w", err)
	}
	return model.SafeDereference(cfg.ServiceSettings.FrameAncestors), nil
}
