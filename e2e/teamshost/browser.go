package teamshost

import (
	"context"
	"errors"
	"os/exec"
	"strings"
	"time"

	"github.com/chromedp/chromedp"
)

// NewBrowser starts headless Chromium for tests, bounded by ctx. The host
// resolver rules make every name but 127.0.0.1 fail, so nothing (the Teams
// SDK's fetch of Microsoft's origin list included) leaves the machine. The
// certificates of local test servers are not checked.
func NewBrowser(ctx context.Context, userDataDir string) (context.Context, context.CancelFunc, error) {
	var path string
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			path = p
			break
		}
	}
	if path == "" {
		return nil, nil, errors.New("no Chromium installed: run the tests with make, which installs Debian's chromium package")
	}
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(ctx,
		chromedp.ExecPath(path),
		chromedp.Flag("headless", true),
		chromedp.Flag("no-sandbox", true),
		chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("no-first-run", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("host-resolver-rules", "MAP * ~NOTFOUND, EXCLUDE 127.0.0.1, EXCLUDE localhost"),
		chromedp.Flag("ignore-certificate-errors", true),
		chromedp.UserDataDir(userDataDir),
	)
	bctx, cancelBrowser := chromedp.NewContext(allocCtx)
	stop := func() { cancelBrowser(); cancelAlloc() }
	if err := chromedp.Do(bctx); err != nil {
		stop()
		return nil, nil, err
	}
	return bctx, stop, nil
}

// InFrame polls a JavaScript expression in the framed page whose URL starts
// with urlPrefix until it is truthy, and returns its value. A frame from the
// host's site shares the page's process and is reached through the iframe
// node; a frame from another site is a target of its own.
func InFrame(ctx context.Context, urlPrefix, expr string) (string, error) {
	var last error
	for ctx.Err() == nil {
		v, err := tryInFrame(ctx, urlPrefix, expr)
		if err == nil {
			return v, nil
		}
		last = err
		time.Sleep(100 * time.Millisecond)
	}
	return "", errors.Join(ctx.Err(), last)
}

func tryInFrame(ctx context.Context, urlPrefix, expr string) (string, error) {
	poll := []chromedp.PollOption{chromedp.WithPollingInterval(50 * time.Millisecond), chromedp.WithPollingTimeout(3 * time.Second)}
	fctx, cancel, err := FrameTarget(ctx, urlPrefix)
	if err != nil {
		return "", err
	}
	if fctx != nil {
		defer cancel()
		return chromedp.Run(fctx, chromedp.Poll[string](expr, poll...))
	}
	nodes, err := chromedp.Run(ctx, chromedp.Nodes(chromedp.CSS("#tab")))
	if err != nil {
		return "", err
	}
	return chromedp.Run(ctx, chromedp.Poll[string](expr, append(poll, chromedp.WithPollingInFrame(nodes[0]))...))
}

// FrameTarget returns a context on the frame's own target, or nil if the
// frame runs in the page's process.
func FrameTarget(ctx context.Context, urlPrefix string) (context.Context, context.CancelFunc, error) {
	infos, err := chromedp.Targets(ctx)
	if err != nil {
		return nil, nil, err
	}
	for _, info := range infos {
		if info.Type == "iframe" && strings.HasPrefix(info.URL, urlPrefix) {
			fctx, cancel := chromedp.NewContext(ctx, chromedp.WithTargetID(info.TargetID), chromedp.WithDetachOnCancel())
			return fctx, cancel, nil
		}
	}
	return nil, nil, nil
}
