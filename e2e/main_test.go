package e2e

import (
	"context"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/missioncollab/mattermost-plugin-m365/e2e/harness"
)

// env is the one environment the suite shares: starting Mattermost takes
// seconds, so tests share a server and restore what they change.
var env *harness.Harness

// startupLogs is the server log right after the bundle was installed.
var startupLogs string

func TestMain(m *testing.M) {
	os.Exit(run(m))
}

func run(m *testing.M) int {
	bundle, err := harness.BundleFromEnv()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	env, err = harness.Start(ctx, harness.Options{Bundle: bundle})
	if err != nil {
		fmt.Fprintln(os.Stderr, "start test environment:", err)
		return 1
	}
	defer env.Close()
	startupLogs = env.Server.Logs()
	return m.Run()
}
