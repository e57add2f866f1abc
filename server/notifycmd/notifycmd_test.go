package notifycmd

import (
	"strings"
	"testing"

	"github.com/mattermost/mattermost/server/public/model"

	"github.com/missioncollab/mattermost-plugin-m365/server/attention"
	"github.com/missioncollab/mattermost-plugin-m365/server/testnotify"
)

type fake struct {
	prefs   map[string]model.Preference
	choices map[string]attention.Choice
	failPut bool
}

func (f *fake) UpdatePreferencesForUser(userID string, prefs []model.Preference) *model.AppError {
	if f.failPut {
		return model.NewAppError("fake", "down", nil, "", 500)
	}
	for _, p := range prefs {
		if p.UserId != userID {
			panic("a preference for someone else")
		}
		f.prefs[p.Category+"/"+p.Name] = p
	}
	return nil
}

func (f *fake) Choice(userID string) attention.Choice {
	if c, ok := f.choices[userID]; ok {
		return c
	}
	return attention.Default
}

func (f *fake) SetChoice(userID string, c attention.Choice) error {
	f.choices[userID] = c
	return nil
}

func command(f *fake, linked bool, status string) Command {
	return Command{API: f, Choices: f, Status: func() string { return status },
		Test:   func(userID string) testnotify.Result { return testnotify.Result{Message: "tested " + userID} },
		Linked: func(userID string) bool { return linked && userID == "u1" }}
}

func run(c Command, line string) string {
	r := c.Execute(&model.CommandArgs{UserId: "u1", Command: line})
	if r.ResponseType != model.CommandResponseTypeEphemeral {
		panic("a public answer")
	}
	return r.Text
}

func TestTheChoiceIsShownSetAndStoredAsAPreference(t *testing.T) {
	f := &fake{prefs: map[string]model.Preference{}, choices: map[string]attention.Choice{}}
	c := command(f, true, "")
	if got := run(c, "/teams notifications"); !strings.Contains(got, "only while you are away") || !strings.Contains(got, "is linked") {
		t.Fatalf("default: %s", got)
	}
	for _, choice := range []string{"all", "OFF", "away"} {
		got := run(c, "/teams notifications "+choice)
		want := attention.Choice(strings.ToLower(choice))
		if !strings.HasPrefix(got, "Saved.") || f.choices["u1"] != want {
			t.Fatalf("%s: %s", choice, got)
		}
		if p := f.prefs[attention.PreferenceCategory+"/"+attention.PreferenceName]; p.Value != string(want) || p.UserId != "u1" {
			t.Fatalf("%s: stored %+v", choice, p)
		}
	}
	if got := run(c, "/teams notifications loud`**"); !strings.Contains(got, "`loud` is not a choice") || f.choices["u1"] != attention.Away {
		t.Fatalf("a bad choice: %s", got)
	}
	for _, line := range []string{"/teams", "/teams notification", "/teams notifications all now"} {
		if got := run(c, line); !strings.HasPrefix(got, "Use `/teams notifications`") {
			t.Errorf("%q: %s", line, got)
		}
	}
}

func TestTheAnswerSaysWhyNothingCanArrive(t *testing.T) {
	f := &fake{prefs: map[string]model.Preference{}, choices: map[string]attention.Choice{"u1": attention.Off}}
	if got := run(command(f, false, ""), "/teams notifications"); !strings.Contains(got, "never") || !strings.Contains(got, "not linked") {
		t.Fatalf("not linked: %s", got)
	}
	if got := run(command(f, true, "the system admin turned Teams notifications off."), "/teams notifications"); !strings.Contains(got, "no one is told: the system admin") {
		t.Fatalf("off for everyone: %s", got)
	}
	f.failPut = true
	if got := run(command(f, true, ""), "/teams notifications all"); !strings.Contains(got, "failed") || f.choices["u1"] != attention.Off {
		t.Fatalf("a failed save: %s", got)
	}
}

func TestTestSendsATestToTheOneWhoAsked(t *testing.T) {
	f := &fake{prefs: map[string]model.Preference{}, choices: map[string]attention.Choice{}}
	if got := run(command(f, true, ""), "/teams test"); got != "tested u1" {
		t.Fatalf("%s", got)
	}
	if got := run(command(f, true, ""), "/teams test @someone"); !strings.HasPrefix(got, "Use ") {
		t.Fatalf("a test for someone else: %s", got)
	}
}
