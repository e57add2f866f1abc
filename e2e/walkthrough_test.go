package e2e

import (
	"bufio"
	"context"
	"errors"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/missioncollab/mattermost-plugin-m365/e2e/harness"
	"github.com/missioncollab/mattermost-plugin-m365/e2e/sandbox"
	"github.com/missioncollab/mattermost-plugin-m365/e2e/teamshost"
)

// A newcomer runs the sandbox and follows the steps it prints: signed in
// silently, a message from bob reaching alice's activity feed, its
// preview and then the post, the fallback for someone without an
// account, and Outlook. Each step's screenshot in docs/ is taken here.
func TestTheSandboxWalkthroughShowsWhatItPromises(t *testing.T) {
	sb := startSandbox(t)
	if !strings.Contains(sb.output(), sandbox.WalkthroughText()) {
		t.Fatalf("the sandbox does not print the walkthrough:\n%s", sb.output())
	}
	hostURL := sb.after("Mattermost inside a simulated Microsoft Teams, signed in as alice:")
	siteURL := sb.after("Mattermost is running at")
	if !strings.HasPrefix(hostURL, "https://127.0.0.1:") || !strings.HasPrefix(siteURL, "http://localhost:") {
		t.Fatalf("the addresses printed: host %q, Mattermost %q", hostURL, siteURL)
	}

	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	bctx, stop, err := teamshost.NewBrowser(ctx, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	step := func(n int) {
		t.Helper()
		shot, err := chromedp.Run(bctx, chromedp.CaptureScreenshot())
		if err != nil {
			t.Fatalf("step %d: screenshot: %v", n, err)
		}
		if err := os.WriteFile(filepath.Join(packageDir, "..", "docs", sandbox.Walkthrough[n-1].Screenshot), shot, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	inTab := func(what, expr string) string {
		t.Helper()
		v, err := teamshost.InFrame(withTimeout(t, bctx, 30*time.Second), siteURL, expr)
		if err != nil {
			t.Fatalf("%s: %v\nthe sandbox printed:\n%s", what, err, sb.output())
		}
		return v
	}
	onHost := func(what, expr string) string {
		t.Helper()
		v, err := pollTop(withTimeout(t, bctx, 30*time.Second), expr)
		if err != nil {
			t.Fatalf("%s: %v\nthe sandbox printed:\n%s", what, err, sb.output())
		}
		return v
	}
	signedIn := inMattermost(`d.getElementById("signed-in-user")&&d.getElementById("signed-in-user").textContent`)

	// 1. Signed in silently.
	if err := chromedp.Do(bctx, chromedp.EmulateViewport(1280, 760)); err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(bctx, chromedp.Navigate(hostURL)); err != nil {
		t.Fatal(err)
	}
	if who := inTab("alice signed in", signedIn); who != "@alice" {
		t.Fatalf("the tab is signed in as %q", who)
	}
	inTab("Town Square", inMattermost(`d.getElementById("channel-name").textContent==="Town Square"&&d.querySelectorAll("#channels button").length>=3&&"shown"`))
	step(1)

	// 2. bob messages alice from the bar; the feed shows it, live.
	message := onHost("the bar's message", `(function(f){ if(!f){return "";}
		f.elements.namedItem("as").value = "bob"; f.elements.namedItem("to").value = "@alice";
		var m = f.elements.namedItem("message").value; f.requestSubmit(); return m; })(document.getElementById("post-as"))`)
	if message != "@alice can you take a look?" {
		t.Fatalf("the bar offers %q", message)
	}
	inTab("alice signed in again after posting", signedIn)
	item := onHost("the activity item", `(function(b){ return b && b.firstChild.textContent + " | " + b.querySelector(".preview").textContent; })(document.querySelector("#activity form button"))`)
	if item != "bob sent you a message | "+message {
		t.Fatalf("the feed shows %q", item)
	}
	step(2)

	// 3. The item opens the preview, and the preview the post.
	onHost("open the item", `(document.querySelector("#activity form button").click(), "clicked")`)
	if text := inTab("the preview", inMattermost(`d.querySelector(".post .message")&&d.querySelector(".post .message").textContent.trim()`)); text != message {
		t.Fatalf("the preview shows %q", text)
	}
	step(3)
	inTab("Open in Mattermost", inMattermost(`(d.querySelector("a.open").click(), "clicked")`))
	if shown := inTab("the post in the client", inMattermost(`d.querySelector("#posts li.highlight .message")&&d.querySelector("#posts li.highlight .message").textContent`)); shown != message {
		t.Fatalf("the client highlights %q", shown)
	}
	if channel := inTab("the conversation", inMattermost(`d.getElementById("channel-name").textContent`)); channel != "@bob" {
		t.Fatalf("the post is shown in %q", channel)
	}

	// 4. Someone with no Mattermost account gets the login and the offer to link.
	pick := func(user, host string) {
		t.Helper()
		onHost("switch to "+user+" in "+host, `(function(f){ f.elements.namedItem("user").value = `+strconv.Quote(user)+`;
			f.elements.namedItem("host").value = `+strconv.Quote(host)+`; f.requestSubmit(); return "switched"; })(document.getElementById("picker"))`)
		onHost("the host's bar", `document.getElementById("bar").textContent.indexOf("user `+user+`")>=0&&document.getElementById("bar").textContent.indexOf("Simulated `+host+` host")>=0&&"shown"`)
	}
	pick("stranger@example.com", "Teams")
	inTab("the offer to link", `!document.getElementById("link-bar").hidden&&"shown"`)
	inTab("the login", inMattermost(`d.getElementById("login-form")&&!d.getElementById("login-form").hidden&&"shown"`))
	step(4)

	// 5. Outlook signs alice in the same way.
	pick("alice@example.com", "Outlook")
	if who := inTab("alice signed in in Outlook", signedIn); who != "@alice" {
		t.Fatalf("in Outlook the tab is signed in as %q", who)
	}
	step(5)

	// The terminal told the story too, readably, without the server's noise.
	waitFor(t, "the sandbox to print the sign-in in Outlook", func() bool {
		return sb.printed("Tab sign-in with Microsoft", "host_app=Outlook web", "user=@alice")
	})
	waitFor(t, "the sandbox to print the notification sent", func() bool {
		return sb.printed("Sent a Teams notification", "activity_type=directMessage")
	})
	for _, noise := range []string{`{"timestamp"`, "Error while sending the email"} {
		if strings.Contains(sb.output(), noise) {
			t.Errorf("the sandbox printed %q:\n%s", noise, sb.output())
		}
	}
}

// runningSandbox is the sandbox command running as a newcomer runs it.
type runningSandbox struct {
	mu  sync.Mutex
	out strings.Builder
}

func (s *runningSandbox) output() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.out.String()
}

// after is the first line after the one that starts with label, trimmed,
// or the rest of that line.
func (s *runningSandbox) after(label string) string {
	lines := strings.Split(s.output(), "\n")
	for i, l := range lines {
		if rest, ok := strings.CutPrefix(l, label); ok {
			if rest = strings.TrimSpace(rest); rest != "" {
				return rest
			}
			if i+1 < len(lines) {
				return strings.TrimSpace(lines[i+1])
			}
		}
	}
	return ""
}

// printed reports whether a printed line holds every one of parts.
func (s *runningSandbox) printed(parts ...string) bool {
	for _, l := range strings.Split(s.output(), "\n") {
		all := true
		for _, p := range parts {
			all = all && strings.Contains(l, p)
		}
		if all {
			return true
		}
	}
	return false
}

// startSandbox runs this test binary as the sandbox command, on the built
// bundle and a free port, until its welcome is printed; the test's end
// stops it as Ctrl-C does.
func startSandbox(t *testing.T) *runningSandbox {
	t.Helper()
	bundle, err := harness.BundleFromEnv()
	if err != nil {
		t.Fatal(err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	_ = l.Close()
	cmd := exec.Command(os.Args[0], "-port", strconv.Itoa(port), "-bundle", bundle)
	cmd.Dir = packageDir
	cmd.Env = append(os.Environ(), runSandbox+"=1")
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	sb := &runningSandbox{}
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	read := make(chan struct{})
	go func() {
		defer close(read)
		lines := bufio.NewScanner(stdout)
		for lines.Scan() {
			sb.mu.Lock()
			sb.out.WriteString(lines.Text() + "\n")
			sb.mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("the sandbox printed:\n%s", sb.output())
		}
		_ = cmd.Process.Signal(syscall.SIGTERM)
		done := make(chan error, 1)
		go func() { <-read; done <- cmd.Wait() }()
		select {
		case err := <-done:
			var exit *exec.ExitError
			if err != nil && !errors.As(err, &exit) {
				t.Errorf("the sandbox: %v", err)
			} else if err != nil {
				t.Errorf("the sandbox stopped with %v: %s", err, stderr.String())
			}
		case <-time.After(60 * time.Second):
			_ = cmd.Process.Kill()
			t.Errorf("the sandbox did not stop on SIGTERM")
		}
		if !strings.Contains(sb.output(), "Stopping and cleaning up") {
			t.Errorf("the sandbox did not clean up:\n%s", sb.output())
		}
	})
	deadline := time.Now().Add(3 * time.Minute)
	for !strings.Contains(sb.output(), "Press Ctrl-C to stop") {
		select {
		case <-read:
			t.Fatalf("the sandbox stopped before it was up: %s\n%s", stderr.String(), sb.output())
		case <-time.After(200 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("the sandbox was not up after 3 minutes:\n%s", sb.output())
		}
	}
	return sb
}

// pollTop polls a JavaScript expression on the host page until it is
// truthy, across the page's reloads.
func pollTop(ctx context.Context, expr string) (string, error) {
	var last error
	for ctx.Err() == nil {
		v, err := chromedp.Run(ctx, chromedp.Poll[string](expr, chromedp.WithPollingTimeout(3*time.Second)))
		if err == nil {
			return v, nil
		}
		last = err
		time.Sleep(100 * time.Millisecond)
	}
	return "", errors.Join(ctx.Err(), last)
}

func withTimeout(t *testing.T, ctx context.Context, d time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(ctx, d)
	t.Cleanup(cancel)
	return ctx
}
