package harness

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"sync"

	"github.com/missioncollab/mattermost-plugin-m365/internal/testcert"
)

// CAFileName is the file, in a TLS server's Dir, of the authority that
// issued its certificate, PEM-encoded.
const CAFileName = "ca.crt"

// serverCertificate writes a certificate for 127.0.0.1 and localhost, from
// an authority of its own, into dir, and makes this process's default HTTP
// transport trust that authority, so that API clients reach an https test
// server as they would a real one. Browsers in tests skip the check.
func serverCertificate(dir string) (certFile, keyFile string, err error) {
	ca, err := testcert.NewAuthority("Mattermost test server")
	if err != nil {
		return "", "", err
	}
	cert, err := ca.Loopback()
	if err != nil {
		return "", "", err
	}
	certFile, keyFile = filepath.Join(dir, "server.crt"), filepath.Join(dir, "server.key")
	if err := testcert.WriteFiles(cert, certFile, keyFile); err != nil {
		return "", "", fmt.Errorf("server certificate: %w", err)
	}
	// Other processes (command-line tools under test) trust it from a file.
	if err := os.WriteFile(filepath.Join(dir, CAFileName), ca.PEM, 0o644); err != nil {
		return "", "", fmt.Errorf("server certificate authority: %w", err)
	}
	trust(ca.Cert)
	return certFile, keyFile, nil
}

var trustMu sync.Mutex

// trust adds a certificate to the roots of http.DefaultTransport, which
// model.Client4 and http.Get use.
func trust(cert *x509.Certificate) {
	trustMu.Lock()
	defer trustMu.Unlock()
	t := http.DefaultTransport.(*http.Transport)
	if t.TLSClientConfig == nil {
		pool, err := x509.SystemCertPool()
		if err != nil {
			pool = x509.NewCertPool()
		}
		t.TLSClientConfig = &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
	}
	t.TLSClientConfig.RootCAs.AddCert(cert)
}
