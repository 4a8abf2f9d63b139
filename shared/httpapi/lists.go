package httpapi

import (
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/igny8/igny8-serverless/shared/domain"
	"github.com/igny8/igny8-serverless/shared/store"
)

// checkQuery refuses a query parameter the route does not take, or one
// given twice: a filter the server would ignore must not look applied.
func checkQuery(q url.Values, allowed ...string) error {
	var unknown []string
	for name, vs := range q {
		if !slices.Contains(allowed, name) {
			unknown = append(unknown, name)
			continue
		}
		if len(vs) > 1 {
			return domain.Invalid(name, "give it once")
		}
	}
	if len(unknown) > 0 {
		sort.Strings(unknown)
		return domain.Invalid(unknown[0], "is not a parameter of this list: use %s", strings.Join(allowed, ", "))
	}
	return nil
}

// newestFirst reads ?sort=: oldest (the default) or newest first.
func newestFirst(q url.Values) (bool, error) {
	switch q.Get("sort") {
	case "", "oldest":
		return false, nil
	case "newest":
		return true, nil
	}
	return false, domain.Invalid("sort", "must be one of oldest, newest")
}

// listFilter reads the filters list l takes from the query; any other
// parameter and any unknown value is a 400.
func listFilter(r *http.Request, l store.SiteList) (store.ListFilter, error) {
	q := r.URL.Query()
	allowed := []string{"limit", "cursor", "sort", "status"}
	if l.SiteStatus {
		allowed = append(allowed, "site_status")
	}
	if l.Sector {
		allowed = append(allowed, "sector_id")
	}
	if l.ContentID {
		allowed = append(allowed, "content_id")
	}
	if l.Superseded {
		allowed = append(allowed, "include")
	}
	var f store.ListFilter
	if err := checkQuery(q, allowed...); err != nil {
		return f, err
	}
	var err error
	if f.Newest, err = newestFirst(q); err != nil {
		return f, err
	}
	if _, ok := q["status"]; ok {
		if f.Status, err = domain.ParseStatus("status", q.Get("status"), l.Statuses); err != nil {
			return f, err
		}
	}
	if _, ok := q["site_status"]; ok {
		st, err := domain.ParseStatus("site_status", q.Get("site_status"), domain.SiteStatuses)
		if err != nil {
			return f, err
		}
		f.SiteStatus = string(st)
	}
	if _, ok := q["include"]; ok {
		if q.Get("include") != "superseded" {
			return f, domain.Invalid("include", "must be superseded")
		}
		f.Superseded = true
	}
	f.SectorID, f.ContentID = q.Get("sector_id"), q.Get("content_id")
	if err := checkOptionalID("sector_id", f.SectorID); err != nil {
		return f, err
	}
	return f, checkOptionalID("content_id", f.ContentID)
}

// siteList serves one workflow list under the query's filters; view, if
// given, adjusts each item for users (e.g. hides vendor model names).
func siteList[T any](a *API, l store.SiteList, view ...func(*T)) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		pr, err := pageRequest(r)
		if err != nil {
			return err
		}
		f, err := listFilter(r, l)
		if err != nil {
			return err
		}
		return writeListOf(a, w, r, l, f, pr, view...)
	}
}

// writeListOf answers one page of list l under filter f.
func writeListOf[T any](a *API, w http.ResponseWriter, r *http.Request, l store.SiteList, f store.ListFilter, pr store.PageRequest, view ...func(*T)) error {
	page, err := store.List[T](r.Context(), a.store, l, who(r).account, r.PathValue("site"), f, pr)
	if err != nil {
		return err
	}
	for _, v := range view {
		for i := range page.Items {
			v(&page.Items[i])
		}
	}
	writeJSON(w, http.StatusOK, page)
	return nil
}

// contentView is a content item with its current images: featured first,
// then in-article by position.
type contentView struct {
	domain.Content
	Images []domain.Image `json:"images"`
}

func (a *API) getContent(w http.ResponseWriter, r *http.Request) error {
	acct, site, id := who(r).account, r.PathValue("site"), r.PathValue("content")
	c, err := a.store.GetContent(r.Context(), acct, site, id)
	if err != nil {
		return err
	}
	imgs, err := a.store.ContentImages(r.Context(), acct, site, id, false)
	if err != nil {
		return err
	}
	for i := range imgs {
		a.brandImage(&imgs[i])
	}
	writeJSON(w, http.StatusOK, contentView{Content: c, Images: imgs})
	return nil
}

// contentImages lists every version of a content item's images, a page at
// a time (the images list with content_id and include=superseded, with a
// 404 for content that does not exist).
func (a *API) contentImages(w http.ResponseWriter, r *http.Request) error {
	pr, err := pageRequest(r)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	if err := checkQuery(q, "limit", "cursor", "sort"); err != nil {
		return err
	}
	newest, err := newestFirst(q)
	if err != nil {
		return err
	}
	if _, err := a.store.GetContent(r.Context(), who(r).account, r.PathValue("site"), r.PathValue("content")); err != nil {
		return err
	}
	f := store.ListFilter{ContentID: r.PathValue("content"), Superseded: true, Newest: newest}
	return writeListOf(a, w, r, store.Images, f, pr, a.brandImage)
}

// MaxRejectReason bounds the reason given for a rejection, in characters.
const MaxRejectReason = 1000

type rejectRequest struct {
	Reason string `json:"reason"`
}

// rejectReason reads the optional body of a rejection.
func rejectReason(r *http.Request) (string, error) {
	var req rejectRequest
	if err := decodeOptionalJSON(r, MaxBody, &req); err != nil {
		return "", err
	}
	reason := strings.TrimSpace(req.Reason)
	if utf8.RuneCountInString(reason) > MaxRejectReason {
		return "", domain.Invalid("reason", "at most %d characters", MaxRejectReason)
	}
	return reason, checkTexts(true, "reason", reason)
}
