package recipients

import (
	"testing"

	"github.com/mattermost/mattermost/server/public/model"
)

func TestPostThatCannotNotifyMakesNoCallsOnceTheChannelIsKnown(t *testing.T) {
	m, ch, author, linked := bigChannel(50)
	r := resolver(m, linked)
	post := &model.Post{Id: model.NewId(), ChannelId: ch.Id, UserId: author.Id, Message: "all quiet, mail ops@example.com"}
	if _, err := r.Resolve(post); err != nil {
		t.Fatal(err)
	}
	m.calls.Store(0)
	for range 3 {
		if d, err := r.Resolve(post); err != nil || d != nil {
			t.Fatalf("decision %v, %v", d, err)
		}
	}
	if n := m.calls.Load(); n != 0 {
		t.Fatalf("%d plugin API calls", n)
	}
}

func TestNobodyLinkedMakesNoCalls(t *testing.T) {
	m, ch, author, _ := bigChannel(10)
	r := resolver(m, linkedSet{})
	if d, err := r.Resolve(&model.Post{ChannelId: ch.Id, UserId: author.Id, Message: "@channel hi"}); err != nil || d != nil || m.calls.Load() != 0 {
		t.Fatalf("decision %v, %v, %d calls", d, err, m.calls.Load())
	}
}

func TestChannelMentionReadsMembersInBatches(t *testing.T) {
	m, ch, author, linked := bigChannel(3000)
	r := resolver(m, linked)
	d, err := r.Resolve(&model.Post{Id: model.NewId(), ChannelId: ch.Id, UserId: author.Id, Message: "@all drill"})
	if err != nil || d == nil || len(d.Recipients) != len(linked) {
		t.Fatalf("decision %v, %v", d, err)
	}
	if n := m.calls.Load(); n > 3000/200 {
		t.Fatalf("%d plugin API calls for 3000 members", n)
	}
}

func TestStrongestReasonWins(t *testing.T) {
	var s reasons
	s = s.with(GroupMessage).with(ChannelMention).with(Mention)
	if s.best() != Mention {
		t.Fatalf("best %v", s.best())
	}
	if s.without(Mention).best() != ChannelMention || (reasons(0)).best() != None {
		t.Fatal("without or empty")
	}
	for r, want := range map[Reason]string{DirectMessage: "directMessage", ThreadReply: "threadReply", GroupMessage: "groupMessage"} {
		if r.ActivityType() != want {
			t.Errorf("%v: %s", r, r.ActivityType())
		}
	}
}
