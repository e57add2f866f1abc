// Command m365-setup performs the Microsoft Entra steps of setting up
// Mission Collaboration for Microsoft 365: it creates or updates the app
// registration through Microsoft Graph as an administrator, and prints the
// tenant ID, client ID and client secret for the plugin, or writes them into
// the plugin's settings on a Mattermost server.
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

// version is set when the release binaries are built.
var version = "dev"

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr))
}

// run is the command with its surroundings passed in, for tests.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	cfg, err := parseFlags(args, getenv, stderr)
	if err != nil {
		if err != errHelp {
			fmt.Fprintln(stderr, "m365-setup:", err)
			return 2
		}
		return 0
	}
	if err := setup(ctx, cfg, getenv, stdout, stderr); err != nil {
		fmt.Fprintln(stderr, "m365-setup:", err)
		return 1
	}
	return 0
}
