package testcert

import (
	"crypto/tls"
	"net"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"testing"
)

func TestLoopbackCertificateIsTrustedOnlyThroughItsAuthority(t *testing.T) {
	ca, err := NewAuthority("testcert")
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {}))
	if srv.TLS, err = ca.ServerConfig(); err != nil {
		t.Fatal(err)
	}
	srv.StartTLS()
	defer srv.Close()
	trusting := &http.Client{Transport: &http.Transport{TLSClientConfig: ca.ClientConfig()}}
	resp, err := trusting.Get(srv.URL)
	if err != nil {
		t.Fatalf("a client trusting the authority: %v", err)
	}
	resp.Body.Close()
	other, _ := NewAuthority("other")
	stranger := &http.Client{Transport: &http.Transport{TLSClientConfig: other.ClientConfig()}}
	if _, err := stranger.Get(srv.URL); err == nil {
		t.Fatal("a client trusting another authority connected")
	}
}

func TestWriteFilesLoads(t *testing.T) {
	ca, _ := NewAuthority("testcert")
	cert, err := ca.Loopback()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	c, k := filepath.Join(dir, "c.pem"), filepath.Join(dir, "k.pem")
	if err := WriteFiles(cert, c, k); err != nil {
		t.Fatal(err)
	}
	loaded, err := tls.LoadX509KeyPair(c, k)
	if err != nil {
		t.Fatal(err)
	}
	if len(loaded.Certificate) != 2 || loaded.Leaf.VerifyHostname("127.0.0.1") != nil || !loaded.Leaf.IPAddresses[0].Equal(net.IPv4(127, 0, 0, 1)) {
		t.Fatalf("loaded %d certificates", len(loaded.Certificate))
	}
}
