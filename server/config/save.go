package config

import (
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/mattermost/mattermost/server/public/model"
)

// PrepareSave checks the settings an admin saves against those stored:
// every value is validated and trimmed, and a save that would move the
// stored secret to other endpoints is refused. It returns the settings to
// store, or the error the System Console shows.
func PrepareSave(raw, stored map[string]any) (map[string]any, *model.AppError) {
	prepared, next, err := Prepare(raw)
	if err != nil {
		return nil, SaveError(err)
	}
	if old, err := FromMap(stored); err == nil {
		// The System Console sends a placeholder for a secret left as is;
		// the server puts the stored one back after this check. Sending the
		// stored secret itself proves knowing it, which is re-entering it.
		if err := CheckSecretMove(old.Normalize(), next, next.ClientSecret == model.FakeSetting); err != nil {
			return nil, SaveError(err)
		}
	}
	return prepared, nil
}

// SaveError is the error the System Console shows verbatim for refused
// settings: translation is skipped because the text is already final.
func SaveError(err error) *model.AppError {
	msgs := []string{err.Error()}
	var joined interface{ Unwrap() []error }
	if errors.As(err, &joined) {
		msgs = msgs[:0]
		for _, e := range joined.Unwrap() {
			msgs = append(msgs, e.Error())
		}
	}
	appErr := model.NewAppError("ConfigurationWillBeSaved", "plugin.m365.settings.invalid", nil, "", http.StatusBadRequest)
	appErr.Message = "Mission Collaboration for Microsoft 365: " + strings.Join(msgs, "; ")
	appErr.SkipTranslation = true
	return appErr
}

// Load reads the settings as stored through load, the plugin API's
// LoadPluginConfiguration: the server's other reads mask the secret.
func Load(load func(dest any) error) (Settings, error) {
	raw := map[string]any{}
	if err := load(&raw); err != nil {
		return Settings{}, fmt.Errorf("load settings: %w", err)
	}
	s, err := FromMap(raw)
	if err != nil {
		return Settings{}, fmt.Errorf("load settings: %w", err)
	}
	return s, nil
}

// WillBeSaved is the server configuration to save in place of newCfg:
// its settings for pluginID prepared against those stored, which load
// reads. It is nil when newCfg has no settings for the plugin.
func WillBeSaved(newCfg *model.Config, pluginID string, load func(dest any) error) (*model.Config, error) {
	raw, ok := newCfg.PluginSettings.Plugins[pluginID]
	if !ok {
		return nil, nil
	}
	stored := map[string]any{}
	if err := load(&stored); err != nil {
		return nil, fmt.Errorf("load the stored settings: %w", err)
	}
	prepared, appErr := PrepareSave(raw, stored)
	if appErr != nil {
		return nil, appErr
	}
	out := newCfg.Clone()
	out.PluginSettings.Plugins[pluginID] = prepared
	return out, nil
}
