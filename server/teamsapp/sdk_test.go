package teamsapp

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

func TestTheBundledSDKIsReadOnceFromTheBundle(t *testing.T) {
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, filepath.Dir(SDKPath)), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, SDKPath), []byte("sdk"), 0o600); err != nil {
		t.Fatal(err)
	}
	var b BundledSDK
	calls := 0
	bundle := func() (string, error) { calls++; return dir, nil }
	for range 3 {
		if got, err := b.Load(bundle); err != nil || string(got) != "sdk" {
			t.Fatalf("Load: %q %v", got, err)
		}
	}
	if calls != 1 {
		t.Fatalf("the bundle was looked up %d times", calls)
	}
	var missing BundledSDK
	if _, err := missing.Load(func() (string, error) { return "", errors.New("no bundle") }); err == nil {
		t.Fatal("a missing bundle gave an SDK")
	}
}
