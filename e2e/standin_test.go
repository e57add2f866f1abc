package e2e

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// The stand-in client holds a conversation on the real server: the
// channels of the signed-in person, the latest messages shown as text,
// a box to post, live updates over the websocket, and permalinks that
// land on their message.
func TestTheStandInClientHoldsAConversation(t *testing.T) {
	f := newFixture(t)
	alice := f.person("alice", false)
	bob := f.person("bob", false)
	ch := f.channel("chat", alice, bob)
	earlier := f.post(bob, ch.Id, "", "an earlier message")
	for i := range 3 {
		f.post(bob, ch.Id, "", "filler "+strconv.Itoa(i))
	}
	ctx := newBrowser(t)
	if err := chromedp.Do(ctx, chromedp.Navigate(env.Server.URL+"/"+f.team.Name+"/channels/"+ch.Name)); err != nil {
		t.Fatal(err)
	}
	loginInPopup(t, ctx, alice.Username, alice.Password)
	wait := func(what, expr string) {
		t.Helper()
		if _, err := chromedp.Run(ctx, chromedp.Poll[bool](expr, chromedp.WithPollingTimeout(20*time.Second))); err != nil {
			shown, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`[location.pathname, document.getElementById("signed-in-user").textContent,
				document.getElementById("channel-name").textContent, document.querySelectorAll("#posts li").length,
				document.getElementById("client-status").textContent].join(" | ")`))
			t.Fatalf("%s: %v; the page shows %s", what, err, shown)
		}
	}
	wait("the channel", `document.getElementById("channel-name").textContent === "Channel chat" &&
		Array.from(document.querySelectorAll("#posts li .message")).some(function (m) { return m.textContent === "filler 2"; })`)

	// alice posts with the box.
	if err := chromedp.Do(ctx, chromedp.Evaluate[chromedp.Void](`document.getElementById("post-message").value = "hello from alice";
		document.getElementById("post-form").requestSubmit();`)); err != nil {
		t.Fatal(err)
	}
	wait("alice's message", `Array.from(document.querySelectorAll("#posts li .message")).some(function (m) { return m.textContent === "hello from alice"; })`)
	list, _, err := env.Admin.Client.GetPostsForChannel(testContext(t), ch.Id, 0, 10, "", false, false)
	if err != nil || !strings.Contains(list.Posts[list.Order[0]].Message, "hello from alice") {
		t.Fatalf("the server has no such post: %v", err)
	}

	// bob's message arrives live, as text.
	f.post(bob, ch.Id, "", `<b id="injected">bold</b> and <img src=x onerror="window.pwned=1">`)
	wait("bob's live message", `Array.from(document.querySelectorAll("#posts li .message")).some(function (m) { return m.textContent.indexOf("<b id=") === 0; })`)
	if _, err := chromedp.Run(ctx, chromedp.Poll[bool](`!document.getElementById("injected") && !window.pwned && !document.querySelector("#posts img")`,
		chromedp.WithPollingTimeout(2*time.Second))); err != nil {
		t.Fatal("a message was rendered as markup")
	}

	// A permalink lands on its message.
	for _, link := range []string{"/_redirect/pl/" + earlier, "/" + f.team.Name + "/pl/" + earlier} {
		if err := chromedp.Do(ctx, chromedp.Navigate(env.Server.URL+link)); err != nil {
			t.Fatal(err)
		}
		wait(link, `(function () { var li = document.querySelector("#posts li.highlight"); return !!li && li.dataset.postId === `+strconv.Quote(earlier)+`; })()`)
	}
	// A direct message's permalink too.
	dm, _, err := bob.Client.CreateDirectChannel(testContext(t), bob.Id, alice.Id)
	if err != nil {
		t.Fatal(err)
	}
	direct := f.post(bob, dm.Id, "", "just between us")
	if err := chromedp.Do(ctx, chromedp.Navigate(env.Server.URL+"/_redirect/pl/"+direct)); err != nil {
		t.Fatal(err)
	}
	wait("the direct message", `(function () { var li = document.querySelector("#posts li.highlight");
		return document.getElementById("channel-name").textContent === `+strconv.Quote("@"+bob.Username)+` && !!li && li.dataset.postId === `+strconv.Quote(direct)+`; })()`)
}
