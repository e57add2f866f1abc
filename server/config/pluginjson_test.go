package config

import (
	"encoding/json"
	"os"
	"strings"
	"testing"
)

// The System Console shows plugin.json's settings; the messages name them
// by this package's labels. The two must not drift apart.
func TestSettingsTableMatchesPluginJSON(t *testing.T) {
	data, err := os.ReadFile("../../plugin.json")
	if err != nil {
		t.Fatal(err)
	}
	var manifest struct {
		SettingsSchema struct {
			Settings []struct {
				Key         string `json:"key"`
				DisplayName string `json:"display_name"`
				Type        string `json:"type"`
				Secret      bool   `json:"secret"`
			} `json:"settings"`
		} `json:"settings_schema"`
	}
	if err := json.Unmarshal(data, &manifest); err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, s := range manifest.SettingsSchema.Settings {
		if s.Type == "custom" {
			continue
		}
		key := strings.ToLower(s.Key)
		seen[key] = true
		if got, want := label(key), strings.TrimSuffix(s.DisplayName, ":"); got != want {
			t.Errorf("%s: the plugin names it %q, the System Console %q", s.Key, got, want)
		}
		if s.Secret != (key == "clientsecret") {
			t.Errorf("%s: secret = %v", s.Key, s.Secret)
		}
	}
	for key := range fieldByKey {
		if !seen[key] {
			t.Errorf("the plugin reads %q, which plugin.json does not offer", key)
		}
	}
}
