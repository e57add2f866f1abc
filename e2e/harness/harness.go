// Package harness runs the plugin for real: PostgreSQL, a Mattermost server
// in this process, and the built plugin bundle installed through the REST
// API. Tests and the local sandbox both use it; see e2e/README.md.
package harness

import (
	"context"
	"errors"
	"fmt"
	"os"
)

// Options shape a whole test environment.
type Options struct {
	// Bundle is the plugin bundle to install; empty installs nothing.
	Bundle string
	// Server options; DSN is filled in from Postgres when empty.
	Server ServerOptions
}

// Harness is a running environment: database, server, an admin and a user.
type Harness struct {
	Postgres *Postgres
	Server   *Server
	Admin    *User
	User     *User
	// PluginID is the installed bundle's plugin ID.
	PluginID string
}

// Start brings up PostgreSQL, Mattermost, the two accounts and the plugin.
func Start(ctx context.Context, opts Options) (h *Harness, err error) {
	h = &Harness{}
	defer func() {
		if err != nil {
			h.Close()
			h = nil
		}
	}()
	if h.Postgres, err = StartPostgres(ctx); err != nil {
		return nil, err
	}
	if opts.Server.DSN == "" {
		if opts.Server.DSN, err = h.Postgres.CreateDatabase(ctx, "mm_e2e"); err != nil {
			return nil, err
		}
	}
	if h.Server, err = StartServer(ctx, opts.Server); err != nil {
		return nil, err
	}
	if h.Admin, err = h.Server.CreateUser(ctx, "sysadmin", "sysadmin@example.com", "Sysadmin-Passw0rd!"); err != nil {
		return nil, err
	}
	if h.User, err = h.Server.CreateUser(ctx, "alice", "alice@example.com", "Alice-Passw0rd!"); err != nil {
		return nil, err
	}
	if opts.Bundle != "" {
		manifest, err := InstallBundle(ctx, h.Admin.Client, opts.Bundle)
		if err != nil {
			return nil, err
		}
		h.PluginID = manifest.Id
	}
	return h, nil
}

// BundleFromEnv returns the bundle named by PLUGIN_BUNDLE, which make sets.
func BundleFromEnv() (string, error) {
	path := os.Getenv("PLUGIN_BUNDLE")
	if path == "" {
		return "", errors.New("PLUGIN_BUNDLE is not set: run the tests with 'make e2e', which builds the bundle first")
	}
	if _, err := os.Stat(path); err != nil {
		return "", fmt.Errorf("plugin bundle: %w", err)
	}
	return path, nil
}

// Close stops everything Start started, in reverse order.
func (h *Harness) Close() {
	if h == nil {
		return
	}
	if h.Server != nil {
		h.Server.Close()
		removeWorkDir()
	}
	if h.Postgres != nil {
		_ = h.Postgres.Close()
	}
}
