package attention

import (
	"fmt"
	"testing"
	"time"

	"github.com/mattermost/mattermost/server/public/model"
)

type fakeAPI struct {
	members  map[string]int64 // user → last viewed
	muted    map[string]bool
	statuses map[string]*model.Status
	calls    int
	largest  int
}

func (f *fakeAPI) GetChannelMembersByIds(channelID string, ids []string) (model.ChannelMembers, *model.AppError) {
	f.calls++
	f.largest = max(f.largest, len(ids))
	var out model.ChannelMembers
	for _, id := range ids {
		if at, ok := f.members[id]; ok {
			m := model.ChannelMember{ChannelId: channelID, UserId: id, LastViewedAt: at, NotifyProps: model.GetDefaultChannelNotifyProps()}
			if f.muted[id] {
				m.NotifyProps[model.MarkUnreadNotifyProp] = model.ChannelMarkUnreadMention
			}
			out = append(out, m)
		}
	}
	return out, nil
}

func (f *fakeAPI) GetUserStatusesByIds(ids []string) ([]*model.Status, *model.AppError) {
	f.calls++
	var out []*model.Status
	for _, id := range ids {
		if s, ok := f.statuses[id]; ok {
			out = append(out, s)
		}
	}
	return out, nil
}

func TestWhoFollowsReadStateStatusAndChoice(t *testing.T) {
	now := time.UnixMilli(1_000_000_000)
	post := Post{ChannelID: "ops", CreateAt: now.Add(-30 * time.Second).UnixMilli()}
	before, after := post.CreateAt-1, post.CreateAt
	status := func(s, active string, idle time.Duration) *model.Status {
		return &model.Status{Status: s, ActiveChannel: active, LastActivityAt: now.Add(-idle).UnixMilli()}
	}
	cases := []struct {
		name   string
		choice Choice
		member bool
		viewed int64
		status *model.Status
		want   Reason
	}{
		{"away and unread", Away, true, before, status(model.StatusAway, "", time.Hour), Told},
		{"offline and unread", Away, true, before, status(model.StatusOffline, "", time.Hour), Told},
		{"read the channel during the hold", Away, true, after, status(model.StatusAway, "", time.Hour), Read},
		{"read, with everything chosen", All, true, after + 5, status(model.StatusOffline, "", time.Hour), Read},
		{"online and chose away", Away, true, before, status(model.StatusOnline, "town", time.Minute), Active},
		{"online elsewhere and chose all", All, true, before, status(model.StatusOnline, "town", time.Second), Told},
		{"looking at the channel and chose all", All, true, before, status(model.StatusOnline, "ops", 5*time.Second), Looking},
		{"was looking a while ago and chose all", All, true, before, status(model.StatusOnline, "ops", time.Minute), Told},
		{"do not disturb", All, true, before, status(model.StatusDnd, "", time.Hour), DoNotDisturb},
		{"out of office", Away, true, before, status(model.StatusOutOfOffice, "", time.Hour), DoNotDisturb},
		{"chose off", Off, true, before, status(model.StatusOffline, "", time.Hour), ChoseOff},
		{"left the channel", All, false, 0, status(model.StatusOffline, "", time.Hour), Left},
		{"no status (statuses turned off)", Away, true, before, nil, Told},
	}
	api := &fakeAPI{members: map[string]int64{}, statuses: map[string]*model.Status{}}
	choices := map[string]Choice{}
	var ids []string
	for i, c := range cases {
		id := fmt.Sprint("u", i)
		ids = append(ids, id)
		choices[id] = c.choice
		if c.member {
			api.members[id] = c.viewed
		}
		if c.status != nil {
			c.status.UserId = id
			api.statuses[id] = c.status
		}
	}
	check := Check{API: api, Choice: func(id string) Choice { return choices[id] }, Now: func() time.Time { return now }}
	got, err := check.Who(post, ids)
	if err != nil {
		t.Fatal(err)
	}
	for i, c := range cases {
		if r := got[fmt.Sprint("u", i)]; r != c.want {
			t.Errorf("%s: %q, want %q", c.name, r, c.want)
		}
	}
}

func TestWhoReadsInBatchesNeverPerPerson(t *testing.T) {
	api := &fakeAPI{members: map[string]int64{}, statuses: map[string]*model.Status{}}
	ids := make([]string, 10_000)
	for i := range ids {
		ids[i] = fmt.Sprint("u", i)
		api.members[ids[i]] = 0
	}
	got, err := Check{API: api}.Who(Post{ChannelID: "c", CreateAt: 5}, ids)
	if err != nil || len(got) != len(ids) {
		t.Fatalf("%d answers, %v", len(got), err)
	}
	if api.calls != 20 || api.largest != batchSize {
		t.Fatalf("%d calls for 10,000 people, at most %d each", api.calls, api.largest)
	}
}

func TestChoicesParse(t *testing.T) {
	for in, want := range map[string]Choice{"all": All, "away": Away, "off": Off, "": Default} {
		if got, err := ParseChoice(in); err != nil || got != want {
			t.Errorf("%q: %q %v", in, got, err)
		}
	}
	for _, bad := range []string{"ALL", "never", " away", "on"} {
		if _, err := ParseChoice(bad); err == nil {
			t.Errorf("%q was accepted", bad)
		}
	}
}

func BenchmarkWho(b *testing.B) {
	api := &fakeAPI{members: map[string]int64{}, statuses: map[string]*model.Status{}}
	ids := make([]string, 10_000)
	for i := range ids {
		ids[i] = fmt.Sprint("u", i)
		api.members[ids[i]] = 0
		api.statuses[ids[i]] = &model.Status{UserId: ids[i], Status: model.StatusAway}
	}
	check := Check{API: api}
	b.ResetTimer()
	for range b.N {
		if _, err := check.Who(Post{ChannelID: "c", CreateAt: 5}, ids); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(api.calls)/float64(b.N), "api-calls/op")
}

func TestCollapsedRepliesGoByStatusAndChoiceAlone(t *testing.T) {
	now := time.UnixMilli(1_000_000_000)
	reply := Post{ChannelID: "ops", CreateAt: now.Add(-30 * time.Second).UnixMilli(), CollapsedReply: true}
	api := &fakeAPI{
		members: map[string]int64{"viewed": reply.CreateAt + 1, "looking": 0, "online": 0, "awayhere": 0},
		statuses: map[string]*model.Status{
			"viewed":   {UserId: "viewed", Status: model.StatusAway},
			"looking":  {UserId: "looking", Status: model.StatusOnline, ActiveChannel: "ops", LastActivityAt: now.UnixMilli()},
			"online":   {UserId: "online", Status: model.StatusOnline},
			"awayhere": {UserId: "awayhere", Status: model.StatusAway, ActiveChannel: "ops", LastActivityAt: now.UnixMilli()},
		},
	}
	choices := map[string]Choice{"viewed": Away, "looking": All, "online": Away, "awayhere": Away}
	got, err := Check{API: api, Choice: func(id string) Choice { return choices[id] }, Now: func() time.Time { return now }}.
		Who(reply, []string{"viewed", "looking", "online", "awayhere"})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]Reason{"viewed": Told, "looking": Told, "online": Active, "awayhere": Told}
	for id, r := range want {
		if got[id] != r {
			t.Errorf("%s: %q, want %q", id, got[id], r)
		}
	}
	// Outside a collapsed thread, someone away by choice "away" is told
	// even with the channel open, as Mattermost's push does.
	top := reply
	top.CollapsedReply = false
	got, _ = Check{API: api, Choice: func(id string) Choice { return choices[id] }, Now: func() time.Time { return now }}.Who(top, []string{"awayhere", "viewed"})
	if got["awayhere"] != Told || got["viewed"] != Read {
		t.Errorf("a top-level post: %v", got)
	}
}

func TestSomeoneWhoMutedTheChannelIsNotTold(t *testing.T) {
	api := &fakeAPI{members: map[string]int64{"muted": 0, "loud": 0}, muted: map[string]bool{"muted": true},
		statuses: map[string]*model.Status{}}
	got, err := Check{API: api, Choice: func(string) Choice { return All }}.Who(Post{ChannelID: "c", CreateAt: 5}, []string{"muted", "loud"})
	if err != nil || got["muted"] != Muted || got["loud"] != Told {
		t.Fatalf("got %v, %v", got, err)
	}
}
