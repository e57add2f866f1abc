// Command sandbox runs a local Mattermost with the plugin installed: real
// PostgreSQL, a real Mattermost server, the built bundle, a sample team,
// channel and users. It runs until Ctrl-C, then removes everything it made.
package main

import (
	"os"

	"github.com/missioncollab/mattermost-plugin-m365/e2e/sandbox"
)

func main() {
	os.Exit(sandbox.Main(os.Args[1:], os.Stdout, os.Stderr))
}
