package msfake

import (
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/missioncollab/mattermost-plugin-m365/internal/testcert"
)

// Cloud is a running fake Microsoft cloud. Its methods are safe for
// concurrent use.
type Cloud struct {
	url       string
	ca        *testcert.Authority
	server    *http.Server
	transport *http.Transport
	// mux serves every request, and each request of a JSON batch.
	mux *http.ServeMux

	mu   sync.RWMutex
	keys []*signingKey // published keys, oldest first; the last one signs

	graph graphState // the token endpoint and Microsoft Graph

	jwksRequests atomic.Int64
	closeOnce    sync.Once

	devices deviceLogins
}

// Start runs the fake on 127.0.0.1 on a free port over TLS with a fresh CA
// and one signing key.
func Start() (*Cloud, error) {
	ca, err := testcert.NewAuthority("msfake")
	if err != nil {
		return nil, err
	}
	serverTLS, err := ca.ServerConfig()
	if err != nil {
		return nil, fmt.Errorf("msfake: %w", err)
	}
	key, err := newSigningKey()
	if err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("msfake: listen: %w", err)
	}
	c := &Cloud{
		url:  "https://" + ln.Addr().String(),
		ca:   ca,
		keys: []*signingKey{key},
	}
	c.graph.init()
	c.mux = c.routes()
	c.transport = &http.Transport{
		TLSClientConfig:     ca.ClientConfig(),
		ForceAttemptHTTP2:   true,
		MaxIdleConnsPerHost: 16,
		IdleConnTimeout:     30 * time.Second,
		TLSHandshakeTimeout: 10 * time.Second,
	}
	c.server = &http.Server{
		Handler:           c.mux,
		TLSConfig:         serverTLS,
		ReadHeaderTimeout: 10 * time.Second,
		// Clients that do not trust the CA are expected in tests; their
		// handshake failures are not worth logging.
		ErrorLog: log.New(io.Discard, "", 0),
	}
	go func() {
		// The certificate comes from TLSConfig, hence no file names.
		err := c.server.ServeTLS(ln, "", "")
		if err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Printf("msfake: serve: %v", err)
		}
	}()
	return c, nil
}

// URL is the fake's base URL, "https://127.0.0.1:PORT", without a trailing
// slash. Use it as the Entra login authority.
func (c *Cloud) URL() string { return c.url }

// CAPEM is the PEM-encoded certificate of the CA that issued the fake's
// TLS certificate.
func (c *Cloud) CAPEM() []byte { return append([]byte(nil), c.ca.PEM...) }

// WriteCAFile writes CAPEM to path, e.g. for another process's
// SSL_CERT_FILE.
func (c *Cloud) WriteCAFile(path string) error {
	if err := os.WriteFile(path, c.ca.PEM, 0o644); err != nil {
		return fmt.Errorf("msfake: write CA file: %w", err)
	}
	return nil
}

// Client returns an HTTP client that trusts only this fake's CA and uses
// no proxy. Clients from one Cloud share a connection pool.
func (c *Cloud) Client() *http.Client {
	return &http.Client{Transport: c.transport, Timeout: 30 * time.Second}
}

// Close stops the server and drops its connections. It may be called more
// than once.
func (c *Cloud) Close() {
	c.closeOnce.Do(func() {
		_ = c.server.Close()
		c.transport.CloseIdleConnections()
	})
}
