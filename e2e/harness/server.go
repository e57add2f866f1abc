package harness

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/mattermost/mattermost/server/public/model"
	"github.com/mattermost/mattermost/server/public/shared/i18n"
	"github.com/mattermost/mattermost/server/v8/channels/api4"
	"github.com/mattermost/mattermost/server/v8/channels/app"
	"github.com/mattermost/mattermost/server/v8/channels/web"
	"github.com/mattermost/mattermost/server/v8/channels/wsapi"
	"github.com/mattermost/mattermost/server/v8/config"
)

// ServerOptions shape the Mattermost server a test runs.
type ServerOptions struct {
	// DSN of the database to use; required.
	DSN string
	// ListenAddress defaults to a free port on 127.0.0.1.
	ListenAddress string
	// SiteURL defaults to http(s)://<listen address>; a bare path means
	// http(s)://<listen address><path>. Its path, if any, is the subpath
	// the server serves under; clients connect to the listen address, so a
	// site URL naming another host works in tests.
	SiteURL string
	// Configure, when set, edits the configuration before the server starts.
	Configure func(*model.Config)
	// TLS serves https with a self-signed certificate that this process's
	// default HTTP transport trusts.
	TLS bool
}

// Server is a real Mattermost server running in this process.
type Server struct {
	// URL is where clients reach the server: http(s)://<listen address><subpath>.
	URL string
	// SiteURL is the configured site URL.
	SiteURL string
	// Dir holds its files, plugins and logs.
	Dir string
	// LogPath is the server's JSON log, plugins' logs included.
	LogPath string

	srv *app.Server
}

const (
	serverPrefix = "mm-e2e-server-"
	workPrefix   = "mm-e2e-work-"
)

// The process-wide working directory the servers run in.
var (
	workMu  sync.Mutex
	workDir string
)

// StartServer starts Mattermost in this process on PostgreSQL.
func StartServer(ctx context.Context, opts ServerOptions) (*Server, error) {
	if err := prepareProcess(); err != nil {
		return nil, err
	}
	if opts.DSN == "" {
		return nil, errors.New("start server: no database DSN")
	}
	dir, err := tempDir(serverPrefix)
	if err != nil {
		return nil, fmt.Errorf("create server directory: %w", err)
	}
	listen := opts.ListenAddress
	if listen == "" {
		port, err := freePort()
		if err != nil {
			return nil, err
		}
		listen = fmt.Sprintf("127.0.0.1:%d", port)
	}
	scheme := "http"
	if opts.TLS {
		scheme = "https"
	}
	siteURL := opts.SiteURL
	if siteURL == "" || strings.HasPrefix(siteURL, "/") {
		siteURL = scheme + "://" + listen + siteURL
	}
	if err := os.MkdirAll(filepath.Join(dir, "client", "plugins"), 0o755); err != nil {
		return nil, fmt.Errorf("create plugin client directory: %w", err)
	}
	cfg := baseConfig(dir, listen, siteURL, opts.DSN)
	if opts.TLS {
		certFile, keyFile, err := serverCertificate(dir)
		if err != nil {
			return nil, err
		}
		cfg.ServiceSettings.ConnectionSecurity = model.NewPointer(model.ConnSecurityTLS)
		cfg.ServiceSettings.TLSCertFile = model.NewPointer(certFile)
		cfg.ServiceSettings.TLSKeyFile = model.NewPointer(keyFile)
	}
	if opts.Configure != nil {
		opts.Configure(cfg)
	}
	parsed, err := url.Parse(siteURL)
	if err != nil {
		return nil, fmt.Errorf("site URL %q: %w", siteURL, err)
	}
	clientURL := scheme + "://" + listen + strings.TrimRight(parsed.Path, "/")
	s := &Server{URL: clientURL, SiteURL: siteURL, Dir: dir, LogPath: filepath.Join(dir, "logs", "mattermost.log")}
	if err := s.start(cfg); err != nil {
		_ = os.RemoveAll(dir)
		return nil, err
	}
	if err := waitHTTP(ctx, clientURL+"/api/v4/system/ping"); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

func (s *Server) start(cfg *model.Config) error {
	mem, err := config.NewMemoryStoreWithOptions(&config.MemoryStoreOptions{InitialConfig: cfg, IgnoreEnvironmentOverrides: true})
	if err != nil {
		return fmt.Errorf("config store: %w", err)
	}
	store, err := config.NewStoreFromBacking(mem, nil, false)
	if err != nil {
		return fmt.Errorf("config store: %w", err)
	}
	srv, err := app.NewServer(app.ConfigStore(store))
	if err != nil {
		return fmt.Errorf("new Mattermost server: %w", err)
	}
	if _, err := api4.Init(srv); err != nil {
		srv.Shutdown()
		return fmt.Errorf("init API: %w", err)
	}
	wsapi.Init(srv)
	web.New(srv)
	if err := srv.Start(); err != nil {
		srv.Shutdown()
		return fmt.Errorf("start Mattermost server: %w", err)
	}
	s.srv = srv
	// The server stops itself and exits on SIGINT/SIGTERM, which would skip
	// the caller's cleanup; as Mattermost's own main does, drop those
	// handlers and leave signals to the caller.
	signal.Reset(syscall.SIGINT, syscall.SIGTERM)
	return nil
}

// Close stops the server, its plugins, and removes its files.
func (s *Server) Close() {
	if s.srv != nil {
		s.srv.Shutdown()
	}
	_ = os.RemoveAll(s.Dir)
}

// removeWorkDir deletes the working directory once no server needs it.
func removeWorkDir() {
	workMu.Lock()
	defer workMu.Unlock()
	if workDir == "" {
		return
	}
	_ = os.Chdir(os.TempDir())
	_ = os.RemoveAll(workDir)
	workDir = ""
}

// Logs returns the server log so far.
func (s *Server) Logs() string {
	b, _ := os.ReadFile(s.LogPath)
	return string(b)
}

// Client returns an API client with no session.
func (s *Server) Client() *model.Client4 {
	return model.NewAPIv4Client(s.URL)
}

func baseConfig(dir, listen, siteURL, dsn string) *model.Config {
	cfg := &model.Config{}
	cfg.SetDefaults()
	ss := &cfg.ServiceSettings
	*ss.SiteURL = siteURL
	*ss.ListenAddress = listen
	*ss.EnableSecurityFixAlert = false
	*ss.EnableLocalMode = false
	*ss.EnableGifPicker = false
	*ss.EnableLinkPreviews = false
	*ss.EnableBotAccountCreation = true
	*ss.EnableUserAccessTokens = true
	*cfg.SqlSettings.DriverName = model.DatabaseDriverPostgres
	*cfg.SqlSettings.DataSource = dsn
	*cfg.SqlSettings.MaxOpenConns = 50
	*cfg.FileSettings.Directory = filepath.Join(dir, "data")
	*cfg.LogSettings.EnableConsole = true
	*cfg.LogSettings.ConsoleLevel = "ERROR"
	*cfg.LogSettings.EnableFile = true
	*cfg.LogSettings.FileLevel = "DEBUG"
	*cfg.LogSettings.FileLocation = filepath.Join(dir, "logs")
	*cfg.LogSettings.EnableDiagnostics = false
	*cfg.PluginSettings.Enable = true
	*cfg.PluginSettings.EnableUploads = true
	*cfg.PluginSettings.Directory = filepath.Join(dir, "plugins")
	*cfg.PluginSettings.ClientDirectory = filepath.Join(dir, "client", "plugins")
	*cfg.PluginSettings.RequirePluginSignature = false
	*cfg.PluginSettings.AutomaticPrepackagedPlugins = false
	*cfg.PluginSettings.EnableMarketplace = false
	*cfg.PluginSettings.EnableRemoteMarketplace = false
	*cfg.TeamSettings.EnableOpenServer = true
	*cfg.TeamSettings.MaxUsersPerTeam = 100000
	*cfg.EmailSettings.EnableSignUpWithEmail = true
	*cfg.EmailSettings.RequireEmailVerification = false
	*cfg.EmailSettings.SendEmailNotifications = false
	*cfg.EmailSettings.EnablePreviewModeBanner = false
	*cfg.RateLimitSettings.Enable = false
	*cfg.MetricsSettings.Enable = false
	*cfg.AnnouncementSettings.AdminNoticesEnabled = false
	*cfg.AnnouncementSettings.UserNoticesEnabled = false
	return cfg
}

// prepareProcess gives the in-process server what it finds on disk in a
// normal install: translations, e-mail templates and fonts, taken from the
// server module, in a working directory of its own.
func prepareProcess() error {
	workMu.Lock()
	defer workMu.Unlock()
	if workDir != "" {
		return nil
	}
	out, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", "github.com/mattermost/mattermost/server/v8").Output()
	if err != nil {
		return fmt.Errorf("locate the Mattermost server module (go list): %w", err)
	}
	modDir := strings.TrimSpace(string(out))
	removeStale(serverPrefix)
	removeStale(workPrefix)
	work, err := tempDir(workPrefix)
	if err != nil {
		return fmt.Errorf("create working directory: %w", err)
	}
	for _, name := range []string{"i18n", "templates", "fonts"} {
		if err := os.Symlink(filepath.Join(modDir, name), filepath.Join(work, name)); err != nil {
			return fmt.Errorf("link %s: %w", name, err)
		}
	}
	if err := writeWebClient(filepath.Join(work, "client")); err != nil {
		return err
	}
	if err := os.Chdir(work); err != nil {
		return fmt.Errorf("enter working directory: %w", err)
	}
	workDir = work
	if err := i18n.TranslationsPreInit(filepath.Join(modDir, "i18n")); err != nil {
		return fmt.Errorf("load server translations: %w", err)
	}
	return nil
}

func waitHTTP(ctx context.Context, url string) error {
	deadline := time.Now().Add(60 * time.Second)
	var last error
	for time.Now().Before(deadline) {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		resp, err := http.DefaultClient.Do(req)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
			err = fmt.Errorf("status %d", resp.StatusCode)
		}
		last = err
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
	return fmt.Errorf("server at %s did not come up: %w", url, last)
}

// StoredConfig returns the configuration as the server holds it, secrets
// unmasked: what an admin cannot see through the API, for tests to check.
func (s *Server) StoredConfig() *model.Config {
	return s.srv.Config()
}

// The Mattermost web app is not part of the server's Go module, so the
// server gets a small stand-in client: a login form and the signed-in user.
//
//go:embed webclient
var webClient embed.FS

func writeWebClient(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("create client directory: %w", err)
	}
	entries, err := webClient.ReadDir("webclient")
	if err != nil {
		return fmt.Errorf("read stand-in client: %w", err)
	}
	for _, e := range entries {
		data, err := webClient.ReadFile("webclient/" + e.Name())
		if err != nil {
			return fmt.Errorf("read stand-in client: %w", err)
		}
		if err := os.WriteFile(filepath.Join(dir, e.Name()), data, 0o644); err != nil {
			return fmt.Errorf("write stand-in client: %w", err)
		}
	}
	return nil
}
