package sender

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/mattermost/mattermost/server/public/model"
)

var (
	alice = &model.User{Id: "alice", Username: "alice", FirstName: "Alice", LastName: "Ng"}
	on    = Settings{NameFormat: model.ShowFullName, UsernameOverride: true}
	off   = Settings{NameFormat: model.ShowFullName}
)

func post(props model.StringInterface) *model.Post {
	p := &model.Post{UserId: "alice", Message: "hi"}
	p.SetProps(props)
	return p
}

func webhookPost(name string) *model.Post {
	return post(model.StringInterface{model.PostPropsFromWebhook: "true", model.PostPropsOverrideUsername: name})
}

func TestOverrideIgnoredWhileOverridesAreOff(t *testing.T) {
	if got := Name(webhookPost("Deploy Bot"), alice, model.ChannelTypeOpen, off); got != "Alice Ng"+BotMarker {
		t.Errorf("got %q, want the real author", got)
	}
}

func TestWebhookOverrideShownAndMarkedWhileOverridesAreOn(t *testing.T) {
	for _, ct := range []model.ChannelType{model.ChannelTypeOpen, model.ChannelTypePrivate, model.ChannelTypeGroup} {
		if got := Name(webhookPost("Deploy Bot"), alice, ct, on); got != "Deploy Bot (BOT)" {
			t.Errorf("%s: got %q", ct, got)
		}
	}
}

// A person may post with both props through the REST API; Mattermost
// still shows them, tagged as an integration's post, under their own name.
func TestForgedFromWebhookIgnoredWhileOverridesAreOff(t *testing.T) {
	got := Name(webhookPost("Someone Else"), alice, model.ChannelTypeOpen, off)
	if got != "Alice Ng"+BotMarker || strings.Contains(got, "Someone Else") {
		t.Errorf("got %q, want the real author", got)
	}
}

func TestOverrideWithoutFromWebhookIgnored(t *testing.T) {
	for _, props := range []model.StringInterface{
		{model.PostPropsOverrideUsername: "Someone Else"},
		{model.PostPropsOverrideUsername: "Someone Else", model.PostPropsFromWebhook: "yes"},
		{model.PostPropsOverrideUsername: "Someone Else", model.PostPropsFromWebhook: true},
	} {
		if got := Name(post(props), alice, model.ChannelTypeOpen, on); got != "Alice Ng" {
			t.Errorf("%v: got %q", props, got)
		}
	}
}

func TestOverrideIgnoredInDirectMessages(t *testing.T) {
	if got := Name(webhookPost("Deploy Bot"), alice, model.ChannelTypeDirect, on); got != "Alice Ng"+BotMarker {
		t.Errorf("got %q", got)
	}
}

func TestEmptyOverrideShowsTheAuthor(t *testing.T) {
	for _, name := range []string{"", "  ", "\x00\n", "\u202e"} {
		if got := Name(webhookPost(name), alice, model.ChannelTypeOpen, on); got != "Alice Ng"+BotMarker {
			t.Errorf("%q: got %q", name, got)
		}
	}
}

func TestBotsMarked(t *testing.T) {
	bot := &model.User{Id: "bot", Username: "alertbot", IsBot: true}
	if got := Name(post(nil), bot, model.ChannelTypeOpen, off); got != "alertbot"+BotMarker {
		t.Errorf("bot account: %q", got)
	}
	if got := Name(post(model.StringInterface{model.PostPropsFromBot: "true"}), alice, model.ChannelTypeOpen, off); got != "Alice Ng"+BotMarker {
		t.Errorf("from_bot post: %q", got)
	}
	if got := Name(post(nil), alice, model.ChannelTypeOpen, off); got != "Alice Ng" {
		t.Errorf("a person: %q", got)
	}
}

func TestUnreadableAuthorIsSomeone(t *testing.T) {
	if got := Name(post(nil), nil, model.ChannelTypeOpen, off); got != "Someone" {
		t.Errorf("got %q", got)
	}
	if got := Name(webhookPost("Deploy Bot"), nil, model.ChannelTypeDirect, on); got != "Someone"+BotMarker {
		t.Errorf("webhook in a DM: %q", got)
	}
	if got := Name(webhookPost("Deploy Bot"), nil, model.ChannelTypeOpen, on); got != "Deploy Bot"+BotMarker {
		t.Errorf("webhook: %q", got)
	}
}

func TestSystemMessagesAreFromSystem(t *testing.T) {
	p := webhookPost("Deploy Bot")
	p.Type = model.PostTypeJoinChannel
	if got := Name(p, alice, model.ChannelTypeOpen, on); got != "System" {
		t.Errorf("got %q", got)
	}
}

func TestFollowsTheNameFormat(t *testing.T) {
	if got := Name(post(nil), alice, model.ChannelTypeOpen, Settings{NameFormat: model.ShowUsername}); got != "alice" {
		t.Errorf("got %q", got)
	}
}

func TestOverrideCleanedToOneShortLine(t *testing.T) {
	got := Name(webhookPost(" Deploy\n\tBot\x07 \u202eknil\u202c "), alice, model.ChannelTypeOpen, on)
	if want := "Deploy Bot knil" + BotMarker; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	long := strings.Repeat("é", 100)
	got = strings.TrimSuffix(Name(webhookPost(long), alice, model.ChannelTypeOpen, on), BotMarker)
	if n := utf8.RuneCountInString(got); n != maxOverrideRunes || !utf8.ValidString(got) || !strings.HasPrefix(long, got) {
		t.Errorf("%d runes, valid %v: %q", n, utf8.ValidString(got), got)
	}
}

func TestAuthorNameCleaned(t *testing.T) {
	odd := &model.User{Id: "x", Username: "odd", Nickname: "Night\nShift\u202e"}
	if got := Name(post(nil), odd, model.ChannelTypeOpen, Settings{NameFormat: model.ShowNicknameFullName}); got != "Night Shift" {
		t.Errorf("got %q", got)
	}
}
