package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/igny8/igny8-serverless/shared/domain"
	"github.com/igny8/igny8-serverless/shared/keys"
)

// workflow writes a small pipeline through the store's own writes: clusters
// (in two sectors), ideas, tasks, content and images, then moves some of
// each along, as the stages do.
type workflow struct {
	sectors        [2]string
	clusters       []domain.Cluster
	ideas          []domain.ContentIdea
	tasks          []domain.Task
	content        []domain.Content
	images         []domain.Image
	rejected, kept string // a rejected content item, a content item with images
}

func seedWorkflow(t *testing.T, s *Store, acct string, site domain.Site) workflow {
	t.Helper()
	ctx := context.Background()
	var wf workflow
	sec, err := s.CreateSector(ctx, acct, site.ID, "Shoes")
	if err != nil {
		t.Fatal(err)
	}
	wf.sectors = [2]string{site.DefaultSectorID, sec.ID}
	now := time.Now().UTC()
	var w Tx
	commit := func() {
		t.Helper()
		if err := s.Commit(ctx, &w); err != nil {
			t.Fatal(err)
		}
		w = Tx{}
	}
	for i := range 5 {
		c := domain.Cluster{ID: NewID(), SiteID: site.ID, SectorID: wf.sectors[i%2], Name: fmt.Sprintf("c%d", i), Status: domain.ClusterNew, CreatedAt: now}
		if err := s.PutCluster(&w, acct, c); err != nil {
			t.Fatal(err)
		}
		wf.clusters = append(wf.clusters, c)
	}
	for range 6 {
		idea := domain.ContentIdea{ID: NewID(), SiteID: site.ID, ClusterID: wf.clusters[0].ID, Title: "i", Status: domain.IdeaNew, CreatedAt: now}
		if err := s.PutIdea(&w, acct, idea); err != nil {
			t.Fatal(err)
		}
		wf.ideas = append(wf.ideas, idea)
	}
	commit()
	// Clusters 0 and 1 got ideas (0 is in the default sector, 1 in Shoes).
	for _, c := range wf.clusters[:2] {
		s.SetClusterStatus(&w, acct, c, domain.ClusterMapped)
	}
	// Ideas 0..3 got tasks; 0 and 1 were written.
	for i, idea := range wf.ideas[:4] {
		to := domain.IdeaQueued
		if i < 2 {
			to = domain.IdeaCompleted
		}
		s.SetIdeaStatus(&w, acct, idea, to)
		task := domain.Task{ID: NewID(), SiteID: site.ID, IdeaID: idea.ID, Title: "t", Status: domain.TaskQueued, CreatedAt: now}
		if err := s.PutTask(&w, acct, task); err != nil {
			t.Fatal(err)
		}
		wf.tasks = append(wf.tasks, task)
	}
	commit()
	for i, task := range wf.tasks[:2] {
		s.SetTaskStatus(&w, acct, task, domain.TaskCompleted)
		c := domain.Content{ID: NewID(), SiteID: site.ID, TaskID: task.ID, Title: fmt.Sprint("a", i), Status: domain.ContentDraft, SiteStatus: domain.SiteNotPublished, CreatedAt: now}
		if err := s.PutContent(&w, acct, c); err != nil {
			t.Fatal(err)
		}
		wf.content = append(wf.content, c)
	}
	commit()
	wf.kept, wf.rejected = wf.content[0].ID, wf.content[1].ID
	// Content 0: a featured image, two in-article ones (written out of
	// order), one generated, one failed... and a regenerated featured one.
	imgs := []domain.Image{
		{ImageType: "in_article", Position: 2, Status: domain.ImagePending},
		{ImageType: "featured", Position: 0, Status: domain.ImagePending},
		{ImageType: "in_article", Position: 1, Status: domain.ImagePending},
	}
	for i := range imgs {
		imgs[i].ID, imgs[i].SiteID, imgs[i].ContentID, imgs[i].Prompt, imgs[i].CreatedAt = NewID(), site.ID, wf.kept, "p", now
		if err := s.PutImage(&w, acct, imgs[i]); err != nil {
			t.Fatal(err)
		}
	}
	other := domain.Image{ID: NewID(), SiteID: site.ID, ContentID: wf.rejected, ImageType: "featured", Prompt: "p", Status: domain.ImagePending, CreatedAt: now}
	if err := s.PutImage(&w, acct, other); err != nil {
		t.Fatal(err)
	}
	commit()
	s.SetImageGenerated(&w, acct, imgs[0], "https://img.example/a.png", "offline", "m", domain.TierBasic)
	s.setStatus(&w, acct, site.ID, keys.Image, imgs[2].ID, string(domain.ImagePending), string(domain.ImageFailed), nil, nil)
	next := domain.Image{ID: NewID(), SiteID: site.ID, ContentID: wf.kept, ImageType: "featured", Prompt: "p2", Status: domain.ImagePending, CreatedAt: now}
	if err := s.PutImage(&w, acct, next); err != nil {
		t.Fatal(err)
	}
	s.SupersedeImage(&w, acct, imgs[1], next.ID)
	commit()
	wf.images = append(imgs, other, next)
	if _, err := s.ReviewContent(ctx, acct, site.ID, wf.rejected, []domain.ContentStatus{domain.ContentDraft}, domain.ContentRejected, "thin"); err != nil {
		t.Fatal(err)
	}
	return wf
}

// Every count the pages' widgets show is a counter moved by the writes
// themselves, and the audit recounts each one of them.
func TestIntegrationStatsCountEveryStage(t *testing.T) {
	s, acct, site := newStore(t)
	ctx := context.Background()
	seedWorkflow(t, s, acct, site)
	st, err := s.GetStats(ctx, acct, site.ID)
	if err != nil {
		t.Fatal(err)
	}
	want := domain.SiteStats{
		Clusters: 5, ClustersNew: 3, ClustersMapped: 2,
		Ideas: 6, IdeasNew: 2, IdeasQueued: 2, IdeasCompleted: 2,
		Tasks: 4, TasksQueued: 2, TasksCompleted: 2,
		ContentDraft: 1, ContentRejected: 1, NotPublished: 2,
		Images: 4, ImagesPending: 2, ImagesGenerated: 1, ImagesFailed: 1, ImagesSuperseded: 1,
	}
	if st != want {
		t.Fatalf("stats\n got %+v\nwant %+v", st, want)
	}
	// The audit finds nothing to repair: the recount agrees with the writes.
	a, err := s.AuditStats(ctx, acct, site.ID)
	if err != nil || a.Repaired || len(a.SectorDrift) != 0 {
		t.Fatalf("clean audit: %+v %v", a, err)
	}
	// Each counter of the stats, moved behind the items' back, is found
	// and repaired.
	var fields map[string]int64
	b, _ := json.Marshal(want)
	_ = json.Unmarshal(b, &fields)
	for counter := range fields {
		if err := s.corruptCounter(ctx, acct, site.ID, counter, 3); err != nil {
			t.Fatal(err)
		}
		a, err := s.AuditStats(ctx, acct, site.ID)
		if err != nil || !a.Repaired || a.Drift[counter] != 3 {
			t.Fatalf("%s: audit %+v %v", counter, a, err)
		}
		if got, _ := s.GetStats(ctx, acct, site.ID); got != want {
			t.Fatalf("%s: not repaired: %+v", counter, got)
		}
	}
}

// Each list filters by key, its total counts only what the filter keeps,
// and a cursor made under one filter is refused under another.
func TestIntegrationListFiltersAndTotals(t *testing.T) {
	s, acct, site := newStore(t)
	ctx := context.Background()
	wf := seedWorkflow(t, s, acct, site)
	type tc struct {
		name  string
		l     SiteList
		f     ListFilter
		count int
	}
	for _, c := range []tc{
		{"clusters", Clusters, ListFilter{}, 5},
		{"clusters new", Clusters, ListFilter{Status: "new"}, 3},
		{"clusters mapped", Clusters, ListFilter{Status: "mapped"}, 2},
		{"clusters of a sector", Clusters, ListFilter{SectorID: wf.sectors[1]}, 2},
		{"clusters of a sector, newest first", Clusters, ListFilter{SectorID: wf.sectors[0], Newest: true}, 3},
		{"mapped clusters of a sector", Clusters, ListFilter{SectorID: wf.sectors[1], Status: "mapped"}, 1},
		{"ideas queued", Ideas, ListFilter{Status: "queued"}, 2},
		{"ideas newest first", Ideas, ListFilter{Newest: true}, 6},
		{"tasks completed", Tasks, ListFilter{Status: "completed"}, 2},
		{"content", Contents, ListFilter{}, 2},
		{"content rejected", Contents, ListFilter{Status: "rejected"}, 1},
		{"content review", Contents, ListFilter{Status: "review"}, 0},
		{"content not published", Contents, ListFilter{SiteStatus: "not_published"}, 2},
		{"content published", Contents, ListFilter{SiteStatus: "published"}, 0},
		{"images current", Images, ListFilter{}, 4},
		{"images all versions", Images, ListFilter{Superseded: true}, 5},
		{"images failed", Images, ListFilter{Status: "failed"}, 1},
		{"images superseded", Images, ListFilter{Status: "superseded", Superseded: true}, 1},
		{"images of a content item", Images, ListFilter{ContentID: wf.kept}, 3},
		{"every image of a content item", Images, ListFilter{ContentID: wf.kept, Superseded: true}, 4},
		{"pending images of a content item", Images, ListFilter{ContentID: wf.kept, Status: "pending"}, 1},
	} {
		t.Run(c.name, func(t *testing.T) {
			var seen []string
			cursor := ""
			for {
				p, err := List[map[string]any](ctx, s, c.l, acct, site.ID, c.f, PageRequest{Limit: 1, Cursor: cursor})
				if err != nil {
					t.Fatal(err)
				}
				if p.Total != int64(c.count) {
					t.Fatalf("total %d, want %d", p.Total, c.count)
				}
				for _, it := range p.Items {
					// A sector's list reads the sector index, ordered by
					// status, then by age (its sort key is "CL#<status>#<id>").
					at := it["id"].(string)
					if c.f.SectorID != "" && c.f.Status == "" {
						at = it["status"].(string) + "#" + at
					}
					seen = append(seen, at)
					if c.f.Status != "" && it["status"] != c.f.Status {
						t.Fatalf("item %v outside the filter", it)
					}
				}
				if p.NextCursor == nil {
					break
				}
				cursor = *p.NextCursor
			}
			if len(seen) != c.count {
				t.Fatalf("listed %d, want %d", len(seen), c.count)
			}
			for i := 1; i < len(seen); i++ {
				if (seen[i-1] < seen[i]) == c.f.Newest {
					t.Fatalf("order (newest=%t): %v", c.f.Newest, seen)
				}
			}
		})
	}
	p, err := List[domain.Image](ctx, s, Images, acct, site.ID, ListFilter{Superseded: true}, PageRequest{Limit: 2})
	if err != nil || p.NextCursor == nil {
		t.Fatalf("first page: %+v %v", p, err)
	}
	_, err = List[domain.Image](ctx, s, Images, acct, site.ID, ListFilter{}, PageRequest{Limit: 2, Cursor: *p.NextCursor})
	var ve *domain.ValidationError
	if !errors.As(err, &ve) || ve.Field != "cursor" {
		t.Fatalf("a cursor under another filter: %v", err)
	}
	for _, f := range []struct {
		l     SiteList
		f     ListFilter
		field string
	}{
		{Clusters, ListFilter{Status: "bogus"}, "status"},
		{Contents, ListFilter{Status: "published"}, "status"},
		{Contents, ListFilter{SiteStatus: "gone"}, "site_status"},
		{Contents, ListFilter{Status: "draft", SiteStatus: "published"}, "site_status"},
		{Ideas, ListFilter{SectorID: wf.sectors[0]}, "sector_id"},
		{Clusters, ListFilter{SectorID: "nosuchsector"}, "sector_id"},
		{Images, ListFilter{Status: "superseded"}, "status"},
		{Tasks, ListFilter{ContentID: wf.kept}, "content_id"},
	} {
		_, err := List[map[string]any](ctx, s, f.l, acct, site.ID, f.f, PageRequest{})
		if !errors.As(err, &ve) || ve.Field != f.field {
			t.Errorf("%s %+v: %v, want a 400 on %s", f.l.Name, f.f, err, f.field)
		}
	}
}

// A content item's images: current versions featured first, then
// in-article by position; with all, every version.
func TestIntegrationContentImages(t *testing.T) {
	s, acct, site := newStore(t)
	ctx := context.Background()
	wf := seedWorkflow(t, s, acct, site)
	cur, err := s.ContentImages(ctx, acct, site.ID, wf.kept, false)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, img := range cur {
		got = append(got, fmt.Sprintf("%s/%d/%s", img.ImageType, img.Position, img.Status))
	}
	if fmt.Sprint(got) != "[featured/0/pending in_article/1/failed in_article/2/generated]" {
		t.Fatalf("current images: %v", got)
	}
	all, err := s.ContentImages(ctx, acct, site.ID, wf.kept, true)
	if err != nil || len(all) != 4 {
		t.Fatalf("all versions: %d %v", len(all), err)
	}
	if _, err := s.ContentImages(ctx, acct, site.ID, "nosuchcontent", false); !errors.Is(err, domain.ErrNotFound) {
		t.Fatalf("unknown content: %v", err)
	}
}
