package graph

import (
	"net/http"
	"sync"
	"time"

	"github.com/missioncollab/mattermost-plugin-m365/server/config"
)

// requestTimeout bounds every Graph and token request the plugin makes.
const requestTimeout = 30 * time.Second

// Cache keeps one client, and so one app token, for as long as the
// configuration it was made for stays the same.
type Cache struct {
	mu     sync.Mutex
	cfg    Config
	client *Client
}

// For returns the client for cfg, made anew when cfg changes. cfg's
// HTTPClient is ignored: the cache gives each client its own, with a
// timeout.
func (c *Cache) For(cfg Config) *Client {
	cfg.HTTPClient = nil
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.client == nil || c.cfg != cfg {
		made := cfg
		made.HTTPClient = &http.Client{Timeout: requestTimeout}
		c.client = New(made)
		c.cfg = cfg
	}
	return c.client
}

// ForSettings returns the client for the plugin's settings and their
// cloud's endpoints.
func (c *Cache) ForSettings(s config.Settings) (*Client, error) {
	endpoints, err := s.Endpoints()
	if err != nil {
		return nil, err
	}
	return c.For(Config{
		TenantID: s.TenantID, ClientID: s.ClientID, ClientSecret: s.ClientSecret,
		AuthorityURL: endpoints.AuthorityURL, GraphURL: endpoints.GraphURL,
		PerPersonConsent: s.LeastPrivilegeNotifications,
	}), nil
}
