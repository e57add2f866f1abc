package teamsapp

import (
	"fmt"
	"os"
	"path/filepath"
	"sync"
)

// SDKPath is where in the plugin bundle the Teams JS SDK is; the tab
// loads it from the plugin, never from Microsoft's CDN, which closed
// networks cannot reach.
var SDKPath = filepath.Join("assets", "teams-js", "MicrosoftTeams.min.js")

// BundledSDK is the Teams JS SDK the plugin bundle carries, read once.
type BundledSDK struct {
	once sync.Once
	sdk  []byte
	err  error
}

// Load returns the SDK, reading it the first time from the bundle whose
// directory bundleDir returns.
func (b *BundledSDK) Load(bundleDir func() (string, error)) ([]byte, error) {
	b.once.Do(func() {
		dir, err := bundleDir()
		if err != nil {
			b.err = fmt.Errorf("find the plugin bundle: %w", err)
			return
		}
		b.sdk, b.err = os.ReadFile(filepath.Join(dir, SDKPath))
	})
	return b.sdk, b.err
}
