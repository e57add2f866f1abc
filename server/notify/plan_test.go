package notify

import (
	"fmt"
	"testing"

	"github.com/mattermost/mattermost/server/public/model"

	"github.com/missioncollab/mattermost-plugin-m365/server/recipients"
)

func TestNewJobBatchesByReasonStrongestFirst(t *testing.T) {
	d := &recipients.Decision{Channel: &model.Channel{Type: model.ChannelTypeOpen, DisplayName: "Ops"}}
	for i := range 250 {
		d.Recipients = append(d.Recipients, recipients.Recipient{UserID: fmt.Sprint(i), ObjectID: fmt.Sprint("oid", i), Reason: recipients.ChannelMention})
	}
	d.Recipients = append(d.Recipients, recipients.Recipient{UserID: "m", ObjectID: "oid-m", Reason: recipients.Mention})
	job := NewJob(Post{Post: &model.Post{Id: "p", Message: "**hi** @all"}, Channel: "Ops", Actor: "Alice"}, d)
	var shape []string
	for _, b := range job.Batches {
		shape = append(shape, fmt.Sprintf("%s:%d", b.Type, len(b.Recipients)))
	}
	if fmt.Sprint(shape) != "[mention:1 channelMention:100 channelMention:100 channelMention:50]" {
		t.Fatalf("batches %v", shape)
	}
	if job.Preview != "hi @all" || job.Topic != "Ops" {
		t.Fatalf("preview %q topic %q", job.Preview, job.Topic)
	}
}

func TestPreviewOfAPostWithoutText(t *testing.T) {
	withFile := &model.Post{FileIds: []string{"f"}}
	if got := preview(withFile); got != "Sent a file" {
		t.Errorf("file post: %q", got)
	}
	withAttachment := &model.Post{}
	withAttachment.AddProp(model.PostPropsAttachments, []*model.SlackAttachment{{Fallback: "Build *failed*"}})
	if got := preview(withAttachment); got != "Build failed" {
		t.Errorf("attachment post: %q", got)
	}
	dm := &model.Channel{Type: model.ChannelTypeDirect}
	if got := topic(dm, "x"); got != "Direct message" {
		t.Errorf("DM topic %q", got)
	}
}

func TestAThreadIsOneChainAndEveryConversationItsOwn(t *testing.T) {
	open := &model.Channel{Id: "town", Type: model.ChannelTypeOpen}
	private := &model.Channel{Id: "ops", Type: model.ChannelTypePrivate}
	dm := &model.Channel{Id: "dm1", Type: model.ChannelTypeDirect}
	gm := &model.Channel{Id: "gm1", Type: model.ChannelTypeGroup}
	root := &model.Post{Id: "root", ChannelId: "town"}
	reply := &model.Post{Id: "r1", RootId: "root", ChannelId: "town"}
	reply2 := &model.Post{Id: "r2", RootId: "root", ChannelId: "town"}
	other := &model.Post{Id: "root2", ChannelId: "town"}
	if Chain(root, open) != Chain(reply, open) || Chain(reply, open) != Chain(reply2, open) {
		t.Fatal("a thread's posts are in different chains")
	}
	if Chain(other, open) == Chain(root, open) {
		t.Fatal("two threads of a channel share a chain")
	}
	if Chain(&model.Post{Id: "a"}, dm) != Chain(&model.Post{Id: "b", RootId: "a"}, dm) ||
		Chain(&model.Post{Id: "c"}, dm) != Chain(&model.Post{Id: "d"}, dm) {
		t.Fatal("a direct message is more than one chain")
	}
	if Chain(&model.Post{Id: "a"}, dm) == Chain(&model.Post{Id: "a"}, gm) || Chain(root, private) == Chain(&model.Post{Id: "x"}, gm) {
		t.Fatal("conversations share a chain")
	}
	for _, c := range []int64{Chain(root, open), Chain(&model.Post{Id: "a"}, dm), Chain(&model.Post{}, gm)} {
		if c <= 0 || c >= 1<<53 {
			t.Fatalf("chain %d is outside 1..2^53-1", c)
		}
	}
}
