package sandbox

import (
	"fmt"
	"strings"
)

// Step is one step of the walkthrough the sandbox prints and the README
// shows: what to do, what is seen then, and the screenshot of it that the
// browser tests take.
type Step struct {
	Do, Expect string
	// Screenshot is the file in docs/ that shows the expected result.
	Screenshot string
	// Alt is the screenshot's description.
	Alt string
}

// HoldSeconds is how long the sandbox holds a Teams notification: long
// enough to show the hold, short enough to watch it arrive.
const HoldSeconds = 5

// Walkthrough is the story the sandbox tells: the product's two halves,
// sign-in and notifications, then what someone without an account sees,
// and another Microsoft host.
var Walkthrough = []Step{
	{
		Do:         "Open the simulated Teams address the sandbox printed, and accept its self-signed certificate.",
		Expect:     "Mattermost opens in the tab signed in as alice, without a password: the stand-in client shows her channels and the messages of Town Square, and the terminal shows her sign-in.",
		Screenshot: "walkthrough-1-signed-in.png",
		Alt:        "Mattermost signed in as alice inside the simulated Teams",
	},
	{
		Do:         "In the bar, Post as bob to @alice with the message offered, and press Post.",
		Expect:     fmt.Sprintf("\"bob sent you a message\" appears in the Activity list on the left, with the message under it, once the sandbox's hold of %d seconds is over (30 by default: nobody is told of what they read meanwhile). In the sandbox alice chose to be told of everything; by default nobody is told while at work in Mattermost.", HoldSeconds),
		Screenshot: "walkthrough-2-activity.png",
		Alt:        "A direct message from bob in the simulated activity feed",
	},
	{
		Do:         "Click the activity item, then Open in Mattermost.",
		Expect:     "The tab opens on a preview of bob's message; Open in Mattermost shows the conversation with his message highlighted.",
		Screenshot: "walkthrough-3-preview.png",
		Alt:        "The preview of bob's message, opened from the activity feed",
	},
	{
		Do:         "In the bar, choose the user stranger@example.com and press Switch.",
		Expect:     "This Microsoft account has no Mattermost account, so the tab falls back to Mattermost's own login, with an offer above it to link the Microsoft account to an existing Mattermost account.",
		Screenshot: "walkthrough-4-fallback.png",
		Alt:        "The login fallback with the offer to link, for a Microsoft account without a Mattermost account",
	},
	{
		Do:         "Choose the user alice@example.com and the host Outlook, and press Switch.",
		Expect:     "The same tab runs inside Outlook: alice is signed in silently again, and the terminal's sign-in line says host_app=Outlook web. The Microsoft 365 app (host Office) works the same way.",
		Screenshot: "walkthrough-5-outlook.png",
		Alt:        "Mattermost signed in as alice inside the simulated Outlook",
	},
}

// WalkthroughText is the walkthrough as the sandbox prints it.
func WalkthroughText() string {
	var b strings.Builder
	b.WriteString("Try it in five steps:\n")
	for i, s := range Walkthrough {
		fmt.Fprintf(&b, "\n%s\n%s\n", wrap(fmt.Sprintf("  %d. ", i+1), s.Do), wrap("     Then: ", s.Expect))
	}
	return b.String()
}

// WalkthroughMarkdown is the walkthrough as README.md shows it, screenshots
// included.
func WalkthroughMarkdown() string {
	var b strings.Builder
	for i, s := range Walkthrough {
		if i > 0 {
			b.WriteString("\n")
		}
		fmt.Fprintf(&b, "%d. %s\n\n   Then: %s\n\n   ![%s](docs/%s)\n", i+1, s.Do, s.Expect, s.Alt, s.Screenshot)
	}
	return b.String()
}

// wrap fills text after prefix to 78 columns, later lines indented as far
// as the prefix.
func wrap(prefix, text string) string {
	const width = 78
	indent := strings.Repeat(" ", len(prefix))
	var b strings.Builder
	line := prefix
	for _, word := range strings.Fields(text) {
		if len(line) > len(indent) && len(line)+1+len(word) > width {
			b.WriteString(strings.TrimRight(line, " ") + "\n")
			line = indent
		}
		if len(line) > len(indent) {
			line += " "
		}
		line += word
	}
	b.WriteString(line)
	return b.String()
}
