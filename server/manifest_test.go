package main

import (
	"encoding/json"
	"os"
	"testing"
)

func TestManifestConstantsMatchPluginJSON(t *testing.T) {
	data, err := os.ReadFile("../plugin.json")
	if err != nil {
		t.Fatal(err)
	}
	var m struct{ ID string }
	if err := json.Unmarshal(data, &m); err != nil {
		t.Fatal(err)
	}
	if m.ID != pluginID {
		t.Fatalf("plugin.json has %s, server/manifest.go has %s", m.ID, pluginID)
	}
}
