package config

import (
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/mattermost/mattermost/server/public/model"
)

// CheckSave checks the settings an admin saves against those stored:
// every value is validated, and a save that would move the stored secret
// to other endpoints is refused. It returns the error the System Console
// shows. Values are stored as entered: stray white space is harmless,
// since the settings are normalized whenever they are read.
func CheckSave(raw, stored map[string]any) *model.AppError {
	_, next, err := Prepare(raw)
	if err != nil {
		return SaveError(err)
	}
	if old, err := FromMap(stored); err == nil {
		// The System Console sends a placeholder for a secret left as is;
		// the server puts the stored one back after this check. Sending the
		// stored secret itself proves knowing it, which is re-entering it.
		if err := CheckSecretMove(old.Normalize(), next, next.ClientSecret == model.FakeSetting); err != nil {
			return SaveError(err)
		}
	}
	return nil
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

// WillBeSaved checks the plugin's settings in a server configuration
// about to be saved, against those stored, which load reads. The hook it
// serves may hand back a configuration to save instead, but must not: the
// plugin RPC drops every setting that is false, 0 or empty, and the server
// would save each of them as its default, across the whole server.
func WillBeSaved(newCfg *model.Config, pluginID string, load func(dest any) error) error {
	raw, ok := newCfg.PluginSettings.Plugins[pluginID]
	if !ok {
		return nil
	}
	stored := map[string]any{}
	if err := load(&stored); err != nil {
		return fmt.Errorf("load the stored settings: %w", err)
	}
	if appErr := CheckSave(raw, stored); appErr != nil {
		return appErr
	}
	return nil
}
