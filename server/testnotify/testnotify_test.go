package testnotify

import (
	"strings"
	"testing"

	"github.com/missioncollab/mattermost-plugin-m365/server/graph"
	"github.com/missioncollab/mattermost-plugin-m365/server/notify"
)

func TestEveryOutcomeSaysWhatHappenedAndWhatToDo(t *testing.T) {
	cases := []struct {
		outcome notify.TestOutcome
		sent    bool
		says    []string
	}{
		{notify.TestOutcome{Sent: true}, true, []string{"Sent:"}},
		{notify.TestOutcome{Cause: graph.NoApp}, false, []string{"not in the tenant's app catalog", "Teams admin center"}},
		{notify.TestOutcome{Cause: graph.NoConsent}, false, []string{"admin consent", "TeamsActivity.Send"}},
		{notify.TestOutcome{Cause: graph.SignInRefused}, false, []string{"refuses the plugin's sign-in"}},
		{notify.TestOutcome{Cause: graph.Rejected, Error: "Forbidden: recipient"}, false, []string{"refused it for you (Forbidden: recipient)", "not installed for you"}},
		{notify.TestOutcome{Cause: graph.Transient, Error: "timeout"}, false, []string{"Not sent: timeout"}},
	}
	for _, c := range cases {
		r := answer(c.outcome)
		if r.Sent != c.sent {
			t.Errorf("%+v: sent %v", c.outcome, r.Sent)
		}
		for _, s := range c.says {
			if !strings.Contains(r.Message, s) {
				t.Errorf("%+v: %q lacks %q", c.outcome, r.Message, s)
			}
		}
	}
}
