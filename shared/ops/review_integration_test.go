package ops

import (
	"context"
	"testing"
	"time"

	"github.com/igny8/igny8-serverless/shared/domain"
	"github.com/igny8/igny8-serverless/shared/store"
)

// With auto-approval on, the review stage approves drafts but leaves
// rejected content alone: a person's rejection sticks through every run,
// and only approving by hand moves it again.
func TestIntegrationReviewStageLeavesRejectedContent(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	on := true
	if _, err := f.st.SetPublishingToggles(ctx, f.account, f.site.ID, &on, nil); err != nil {
		t.Fatal(err)
	}
	var ids []string
	var w store.Tx
	for range 3 {
		c := domain.Content{ID: store.NewID(), SiteID: f.site.ID, TaskID: "t", Title: "Article", Status: domain.ContentDraft,
			SiteStatus: domain.SiteNotPublished, CreatedAt: time.Now().UTC()}
		if err := f.st.PutContent(&w, f.account, c); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, c.ID)
	}
	if err := f.st.Commit(ctx, &w); err != nil {
		t.Fatal(err)
	}
	rejected := ids[0]
	c, err := f.st.ReviewContent(ctx, f.account, f.site.ID, rejected, []domain.ContentStatus{domain.ContentDraft}, domain.ContentRejected, "off topic")
	if err != nil || c.Status != domain.ContentRejected || c.RejectReason != "off topic" {
		t.Fatalf("reject: %+v %v", c, err)
	}
	for run := range 2 { // two automation runs, each with its own review batch
		job := Job{OperationID: store.NewID(), AccountID: f.account, SiteID: f.site.ID, Type: domain.OperationReview,
			ItemIDs: ids, Key: "review#" + store.NewID()}
		if _, err := f.runner.Run(ctx, State{Job: job}); err != nil {
			t.Fatalf("run %d: %v", run, err)
		}
	}
	for _, id := range ids {
		c, err := f.st.GetContent(ctx, f.account, f.site.ID, id)
		want := domain.ContentApproved
		if id == rejected {
			want = domain.ContentRejected
		}
		if err != nil || c.Status != want {
			t.Fatalf("content %s: %s %v, want %s", id, c.Status, err, want)
		}
	}
	st, _ := f.st.GetStats(ctx, f.account, f.site.ID)
	if st.ContentRejected != 1 || st.ContentApproved != 2 || st.ContentDraft != 0 {
		t.Fatalf("stats %+v", st)
	}
	// By hand, a rejected item can still be approved; its reason goes.
	c, err = f.st.ReviewContent(ctx, f.account, f.site.ID, rejected, []domain.ContentStatus{domain.ContentRejected}, domain.ContentApproved, "")
	if err != nil || c.Status != domain.ContentApproved || c.RejectReason != "" {
		t.Fatalf("approve by hand: %+v %v", c, err)
	}
}
