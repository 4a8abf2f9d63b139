package httpapi_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/igny8/igny8-serverless/shared/domain"
	"github.com/igny8/igny8-serverless/shared/httpapi"
	"github.com/igny8/igny8-serverless/shared/store"
)

type contentPage struct {
	Items      []domain.Content `json:"items"`
	NextCursor *string          `json:"next_cursor"`
	Total      int64            `json:"total"`
}

// seedContent writes n drafts with a featured and an in-article image each,
// as the writing and image-prompt stages would.
func (e *env) seedContent(t *testing.T, acct, site string, n int) []domain.Content {
	t.Helper()
	var out []domain.Content
	var w store.Tx
	now := time.Now().UTC()
	for range n {
		c := domain.Content{ID: store.NewID(), SiteID: site, TaskID: store.NewID(), Title: "Trail shoes", HTML: "<p>x</p>",
			Status: domain.ContentDraft, SiteStatus: domain.SiteNotPublished, CreatedAt: now}
		if err := e.st.PutContent(&w, acct, c); err != nil {
			t.Fatal(err)
		}
		for pos, typ := range []string{"in_article", "featured"} {
			img := domain.Image{ID: store.NewID(), SiteID: site, ContentID: c.ID, ImageType: typ, Prompt: "a trail",
				Position: int64(1 - pos), Status: domain.ImagePending, CreatedAt: now}
			if err := e.st.PutImage(&w, acct, img); err != nil {
				t.Fatal(err)
			}
		}
		out = append(out, c)
	}
	if err := e.st.Commit(context.Background(), &w); err != nil {
		t.Fatal(err)
	}
	return out
}

// Reject, with a reason, is a state of its own; the content lists filter by
// it and total counts only the filtered items.
func TestIntegrationRejectAndContentFilters(t *testing.T) {
	e := newEnv(t)
	acct, key := e.account(t, 0)
	site := e.site(t, key)
	cs := e.seedContent(t, acct, site.ID, 5)
	base := "/v1/sites/" + site.ID + "/content"

	r := e.c.Do("POST", base+"/"+cs[0].ID+"/reject", map[string]any{"reason": "Off topic for this site"}, bearer(key)...)
	var c domain.Content
	r.JSON(t, &c)
	if r.Status != http.StatusOK || c.Status != domain.ContentRejected || c.RejectReason != "Off topic for this site" {
		t.Fatalf("reject: %d %s", r.Status, r.Body)
	}
	if r := e.c.Do("POST", base+"/"+cs[1].ID+"/reject", nil, bearer(key)...); r.Status != http.StatusOK {
		t.Fatalf("reject without a body: %d %s", r.Status, r.Body)
	}
	for _, id := range []string{cs[2].ID, cs[3].ID} {
		if r := e.c.Do("POST", base+"/"+id+"/approve", nil, bearer(key)...); r.Status != http.StatusOK {
			t.Fatalf("approve: %d %s", r.Status, r.Body)
		}
	}
	for _, tc := range []struct {
		query  string
		status domain.ContentStatus
		total  int64
	}{
		{"", "", 5}, {"?status=rejected", "rejected", 2}, {"?status=approved", "approved", 2}, {"?status=draft", "draft", 1},
		{"?status=review", "review", 0}, {"?site_status=not_published", "", 5}, {"?site_status=published", "", 0},
		{"?status=rejected&sort=newest&limit=1", "rejected", 2},
	} {
		var p contentPage
		r := e.c.For(t).Do("GET", base+tc.query, nil, bearer(key)...)
		r.JSON(t, &p)
		if r.Status != 200 || p.Total != tc.total {
			t.Fatalf("%s: %d total %d, want %d: %s", tc.query, r.Status, p.Total, tc.total, r.Body)
		}
		for _, it := range p.Items {
			if tc.status != "" && it.Status != tc.status {
				t.Fatalf("%s: item %s is %s", tc.query, it.ID, it.Status)
			}
		}
	}
	// Approving a rejected item by hand is the way back; the reason goes.
	r = e.c.Do("POST", base+"/"+cs[0].ID+"/approve", nil, bearer(key)...)
	c = domain.Content{}
	r.JSON(t, &c)
	if r.Status != 200 || c.Status != domain.ContentApproved || c.RejectReason != "" {
		t.Fatalf("approve rejected: %d %s", r.Status, r.Body)
	}
	st := e.stats(t, key, site.ID)
	if st.ContentRejected != 1 || st.ContentApproved != 3 || st.ContentDraft != 1 || st.ImagesPending != 10 {
		t.Fatalf("stats %+v", st)
	}
}

// An unknown filter value, an unknown parameter or a repeated one is a 400
// in the error shape, naming the parameter: never silently ignored.
func TestIntegrationListFiltersRefuseUnknownValues(t *testing.T) {
	e := newEnv(t)
	acct, key := e.account(t, 0)
	site := e.site(t, key)
	cs := e.seedContent(t, acct, site.ID, 1)
	s := "/v1/sites/" + site.ID
	for _, tc := range []struct{ path, field string }{
		{s + "/content?status=bogus", "status"},
		{s + "/content?status=published", "status"},
		{s + "/content?site_status=live", "site_status"},
		{s + "/content?status=draft&site_status=published", "site_status"},
		{s + "/content?statuss=draft", "statuss"},
		{s + "/content?status=draft&status=review", "status"},
		{s + "/content?sort=oldest_first", "sort"},
		{s + "/clusters?status=active", "status"},
		{s + "/clusters?sector_id=nosuchsector", "sector_id"},
		{s + "/ideas?status=done", "status"},
		{s + "/ideas?sector_id=" + site.DefaultSectorID, "sector_id"},
		{s + "/tasks?status=pending", "status"},
		{s + "/images?status=done", "status"},
		{s + "/images?status=superseded", "status"},
		{s + "/images?include=everything", "include"},
		{s + "/keywords?status=used", "status"},
		{s + "/keywords?page=2", "page"},
		{s + "/keywords?sort=popular", "sort"},
		{s + "/clusters?sort=volume", "sort"},
		{s + "/content/" + cs[0].ID + "/images?status=pending", "status"},
	} {
		r := e.c.For(t).DoRaw("GET", tc.path, nil, bearer(key)...)
		var eb httpapi.ErrorBody
		r.JSON(t, &eb)
		if r.Status != http.StatusBadRequest || eb.Error.Field != tc.field {
			t.Errorf("%s: %d %s, want a 400 naming %s", tc.path, r.Status, r.Body, tc.field)
		}
	}
}

// The content view embeds its current images, featured first; the images
// route lists every version.
func TestIntegrationContentEmbedsItsImages(t *testing.T) {
	e := newEnv(t)
	acct, key := e.account(t, 0)
	site := e.site(t, key)
	cs := e.seedContent(t, acct, site.ID, 2)
	path := "/v1/sites/" + site.ID + "/content/" + cs[1].ID
	var v struct {
		domain.Content
		Images []domain.Image `json:"images"`
	}
	r := e.c.Do("GET", path, nil, bearer(key)...)
	r.JSON(t, &v)
	if r.Status != 200 || v.ID != cs[1].ID || len(v.Images) != 2 || v.Images[0].ImageType != "featured" || v.Images[1].ImageType != "in_article" {
		t.Fatalf("content view: %d %s", r.Status, r.Body)
	}
	for _, img := range v.Images {
		if img.ContentID != cs[1].ID {
			t.Fatalf("image of another content item: %+v", img)
		}
	}
	var p struct {
		Items []domain.Image `json:"items"`
		Total int64          `json:"total"`
	}
	r = e.c.Do("GET", path+"/images", nil, bearer(key)...)
	r.JSON(t, &p)
	if r.Status != 200 || len(p.Items) != 2 || p.Total != 2 {
		t.Fatalf("content images: %d %s", r.Status, r.Body)
	}
	r = e.c.Do("GET", "/v1/sites/"+site.ID+"/images?content_id="+cs[0].ID, nil, bearer(key)...)
	r.JSON(t, &p)
	if r.Status != 200 || len(p.Items) != 2 || p.Total != 2 || p.Items[0].ContentID != cs[0].ID {
		t.Fatalf("images of one content item: %d %s", r.Status, r.Body)
	}
	if r := e.c.Do("GET", "/v1/sites/"+site.ID+"/content/01hyk0000000000000000000zz/images", nil, bearer(key)...); r.Status != 404 {
		t.Fatalf("unknown content: %d %s", r.Status, r.Body)
	}
}
