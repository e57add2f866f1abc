package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/missioncollab/mattermost-plugin-m365/internal/msfake"
)

const tenant = "6f0c2b5e-1a2b-4c3d-8e9f-0a1b2c3d4e5f"

var cloud *msfake.Cloud

func TestMain(m *testing.M) {
	var err error
	if cloud, err = msfake.Start(); err != nil {
		panic(err)
	}
	ca := filepath.Join(os.TempDir(), fmt.Sprintf("m365-setup-ca-%d.pem", os.Getpid()))
	if err := cloud.WriteCAFile(ca); err != nil {
		panic(err)
	}
	// The command trusts the system's roots, here the fake cloud's CA.
	os.Setenv("SSL_CERT_FILE", ca)
	code := m.Run()
	cloud.Close()
	os.Remove(ca)
	os.Exit(code)
}

func env(vars map[string]string) func(string) string {
	return func(k string) string { return vars[k] }
}

func customCloud(extra ...string) []string {
	return append([]string{"-site-url", "https://chat.example.com", "-tenant", tenant, "-cloud", "custom",
		"-authority-url", cloud.URL(), "-graph-url", cloud.URL()}, extra...)
}

func TestDeviceCodeSignInAndTextOutput(t *testing.T) {
	pr, pw := io.Pipe()
	var stdout bytes.Buffer
	done := make(chan int)
	go func() {
		status := run(context.Background(), customCloud("-name", "Mattermost device"), env(nil), &stdout, pw)
		pw.Close()
		done <- status
	}()
	code := regexp.MustCompile(`enter the code (\S+)`)
	sc := bufio.NewScanner(pr)
	approved := false
	for sc.Scan() {
		if m := code.FindStringSubmatch(sc.Text()); m != nil && !approved {
			approved = cloud.ApproveDeviceCode(m[1])
		}
	}
	if status := <-done; status != 0 || !approved {
		t.Fatalf("exit %d, approved %v", status, approved)
	}
	out := stdout.String()
	for _, want := range []string{"Directory (tenant) ID:    " + tenant, "Create the app registration", "Client secret:", "shown only this once"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}

func TestTokenFromEnvironmentAndJSON(t *testing.T) {
	token := cloud.AdminToken(tenant, adminScopes...)
	var stdout, stderr bytes.Buffer
	if status := run(context.Background(), customCloud("-name", "Mattermost json", "-output", "json", "-dry-run"),
		env(map[string]string{"M365_SETUP_TOKEN": token}), &stdout, &stderr); status != 0 {
		t.Fatalf("exit %d: %s", status, stderr.String())
	}
	var out struct {
		TenantID string   `json:"tenant_id"`
		Changes  []string `json:"changes"`
		DryRun   bool     `json:"dry_run"`
	}
	if err := json.Unmarshal(stdout.Bytes(), &out); err != nil {
		t.Fatalf("stdout is not JSON: %v\n%s", err, stdout.String())
	}
	if out.TenantID != tenant || !out.DryRun || len(out.Changes) == 0 {
		t.Errorf("output %+v", out)
	}
}

func TestBadFlagsNameTheFlag(t *testing.T) {
	cases := map[string][]string{
		"-site-url":      {"-site-url", "http://chat.example.com"},
		"-secret-days":   {"-site-url", "https://chat.example.com", "-secret-days", "900"},
		"-cloud":         {"-site-url", "https://chat.example.com", "-cloud", "moon"},
		"-authority-url": {"-site-url", "https://chat.example.com", "-cloud", "custom", "-graph-url", "https://g.example.com"},
		"-output":        {"-site-url", "https://chat.example.com", "-output", "yaml"},
	}
	for flag, args := range cases {
		var stderr bytes.Buffer
		if status := run(context.Background(), args, env(map[string]string{"MM_ADMIN_TOKEN": "t"}), io.Discard, &stderr); status != 2 || !strings.Contains(stderr.String(), flag) {
			t.Errorf("%v: exit %d, %q", args, status, stderr.String())
		}
	}
}

func TestTimeoutEndsAPendingSignIn(t *testing.T) {
	var stderr bytes.Buffer
	start := time.Now()
	status := run(context.Background(), customCloud("-timeout", "1500ms"), env(nil), io.Discard, &stderr)
	if status != 1 || time.Since(start) > 10*time.Second || !strings.Contains(stderr.String(), "sign in") {
		t.Fatalf("exit %d after %s: %s", status, time.Since(start), stderr.String())
	}
}

func TestTheMattermostTokenGoesOnlyOverHTTPSOrToThisMachine(t *testing.T) {
	token := env(map[string]string{"MM_ADMIN_TOKEN": "secret-admin-token"})
	for url, ok := range map[string]bool{
		"http://mattermost.example.com": false, "http://10.0.0.5:8065": false, "ftp://localhost": false,
		"https://mattermost.example.com": true, "http://localhost:8065": true, "http://127.0.0.1:8065": true, "http://[::1]:8065": true,
	} {
		_, err := parseFlags([]string{"-site-url", "https://chat.example.com", "-mattermost-url", url}, token, io.Discard)
		if (err == nil) != ok {
			t.Errorf("%s: %v", url, err)
		}
		if err != nil && strings.Contains(err.Error(), "secret-admin-token") {
			t.Errorf("%s: the error shows the token", url)
		}
	}
	// Without a token, any URL is only where nothing is sent.
	if _, err := parseFlags([]string{"-site-url", "https://chat.example.com", "-mattermost-url", "http://mattermost.example.com"}, env(nil), io.Discard); err != nil {
		t.Errorf("without a token: %v", err)
	}
}

func TestJSONOutputWithoutMattermostNeedsToBeAskedForTheSecret(t *testing.T) {
	_, err := parseFlags(customCloud("-output", "json"), env(nil), io.Discard)
	if err == nil || !strings.Contains(err.Error(), "-print-secret") {
		t.Fatalf("%v", err)
	}
	if _, err := parseFlags(customCloud("-output", "json", "-print-secret"), env(nil), io.Discard); err != nil {
		t.Fatal(err)
	}
	token := cloud.AdminToken(tenant, adminScopes...)
	var stdout, stderr bytes.Buffer
	if status := run(context.Background(), customCloud("-name", "Mattermost printed", "-output", "json", "-print-secret", "-no-publish"),
		env(map[string]string{"M365_SETUP_TOKEN": token}), &stdout, &stderr); status != 0 {
		t.Fatalf("exit %d: %s", status, stderr.String())
	}
	var out struct {
		ClientSecret string `json:"client_secret"`
	}
	if err := json.Unmarshal(stdout.Bytes(), &out); err != nil || out.ClientSecret == "" || strings.Contains(stderr.String(), out.ClientSecret) {
		t.Fatalf("asked for: %s / %s", stdout.String(), stderr.String())
	}
}

func TestAnAdminWhoMayNotPublishIsToldBeforeAnyChange(t *testing.T) {
	cloud.SetAdminRoles(tenant) // an admin without a directory role
	t.Cleanup(func() { cloud.SetAdminRoles(tenant, msfake.GlobalAdministratorRole) })
	token := cloud.AdminToken(tenant, append(append([]string{}, adminScopes...), "AppCatalog.Submit")...)
	var stdout, stderr bytes.Buffer
	status := run(context.Background(), customCloud("-name", "Mattermost no role"),
		env(map[string]string{"M365_SETUP_TOKEN": token, "MM_ADMIN_TOKEN": "t"}), &stdout, &stderr)
	if status != 1 || !strings.Contains(stderr.String(), "Teams Administrator") || strings.Contains(stdout.String(), "Changes made") {
		t.Fatalf("exit %d: %s %s", status, stdout.String(), stderr.String())
	}
	// -no-publish needs no such role.
	stdout.Reset()
	stderr.Reset()
	if status := run(context.Background(), customCloud("-name", "Mattermost no role", "-no-publish", "-dry-run"),
		env(map[string]string{"M365_SETUP_TOKEN": token}), &stdout, &stderr); status != 0 {
		t.Fatalf("-no-publish: exit %d: %s", status, stderr.String())
	}
}
