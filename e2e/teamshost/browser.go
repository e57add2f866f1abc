package teamshost

import (
	"context"
	"errors"
	"fmt"
	"os/exec"
	"strconv"
	"strings"
	"time"

	"github.com/chromedp/cdproto/runtime"
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
	frame, err := frameNode(ctx, urlPrefix)
	if err != nil {
		return "", err
	}
	return chromedp.Run(ctx, chromedp.Poll[string](expr, append(poll, chromedp.WithPollingInFrame(frame))...))
}

// frameNode is the host page's iframe whose src starts with urlPrefix, else
// #tab, whose page may have moved away from its src.
func frameNode(ctx context.Context, urlPrefix string) (*chromedp.Node, error) {
	nodes, err := chromedp.Run(ctx, chromedp.Nodes(chromedp.CSSAll("iframe")))
	if err != nil {
		return nil, err
	}
	var tab *chromedp.Node
	for _, n := range nodes {
		if strings.HasPrefix(n.AttributeValue("src"), urlPrefix) {
			return n, nil
		}
		if n.AttributeValue("id") == "tab" {
			tab = n
		}
	}
	if tab == nil {
		return nil, errors.New("teamshost: no #tab iframe on the page")
	}
	return tab, nil
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

// ClickInFrame clicks the element with the given id in the framed page whose
// URL starts with urlPrefix, as a user gesture: the host opens an
// authenticate popup only right after one, as browsers allow. The frame must
// be a target of its own, which a frame from another site than the host is.
func ClickInFrame(ctx context.Context, urlPrefix, id string) error {
	fctx, cancel, err := FrameTarget(ctx, urlPrefix)
	if err != nil {
		return fmt.Errorf("teamshost: find frame %s: %w", urlPrefix, err)
	}
	if fctx == nil {
		return fmt.Errorf("teamshost: frame %s is not a target of its own: serve it from another site than the host", urlPrefix)
	}
	defer cancel()
	gesture := func(p *runtime.EvaluateParams) { yes := true; p.UserGesture = &yes }
	expr := "document.getElementById(" + strconv.Quote(id) + ").click()"
	if err := chromedp.Do(fctx, chromedp.Evaluate[chromedp.Void](expr, gesture)); err != nil {
		return fmt.Errorf("teamshost: click #%s in %s: %w", id, urlPrefix, err)
	}
	return nil
}
