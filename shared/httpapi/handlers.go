package httpapi

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/igny8/igny8-serverless/shared/domain"
	"github.com/igny8/igny8-serverless/shared/ledger"
	"github.com/igny8/igny8-serverless/shared/store"
)

func (a *API) health(w http.ResponseWriter, r *http.Request) error {
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
	return nil
}

func (a *API) openapi(w http.ResponseWriter, r *http.Request) error {
	w.Header().Set("Content-Type", "application/json")
	_, err := w.Write(OpenAPI)
	return err
}

func (a *API) getAccount(w http.ResponseWriter, r *http.Request) error {
	acct, err := a.store.GetAccount(r.Context(), who(r).account)
	return reply(w, http.StatusOK, acct, err)
}

func (a *API) listTransactions(w http.ResponseWriter, r *http.Request) error {
	pr, err := pageRequest(r)
	if err != nil {
		return err
	}
	page, err := store.ListLedgerEntries[ledger.Entry](r.Context(), a.store, who(r).account, pr)
	return reply(w, http.StatusOK, page, err)
}

type createAccountRequest struct {
	Name string `json:"name"`
}

type createAccountResponse struct {
	Account domain.Account `json:"account"`
	APIKey  string         `json:"api_key"`
}

func (a *API) createAccount(w http.ResponseWriter, r *http.Request) error {
	var req createAccountRequest
	if err := decodeJSON(r, MaxBody, &req); err != nil {
		return err
	}
	acct, key, err := a.store.CreateAccount(r.Context(), req.Name)
	return reply(w, http.StatusCreated, createAccountResponse{Account: acct, APIKey: key}, err)
}

type grantRequest struct {
	Amount      int64  `json:"amount"`
	Description string `json:"description"`
}

type grantResponse struct {
	Entry   ledger.Entry   `json:"entry"`
	Account domain.Account `json:"account"`
}

// grantCredits adds prepaid credits. The Idempotency-Key header is required,
// so a retried grant never adds credits twice.
func (a *API) grantCredits(w http.ResponseWriter, r *http.Request) error {
	key := strings.TrimSpace(r.Header.Get("Idempotency-Key"))
	if key == "" || len(key) > 200 {
		return domain.Invalid("Idempotency-Key", "header is required (1-200 characters) so a retried grant is applied once")
	}
	var req grantRequest
	if err := decodeJSON(r, MaxBody, &req); err != nil {
		return err
	}
	if req.Amount <= 0 || req.Amount > 1_000_000_000 {
		return domain.Invalid("amount", "must be a whole number of credits between 1 and 1000000000")
	}
	if err := checkTexts(false, "description", req.Description); err != nil {
		return err
	}
	account := r.PathValue("account")
	if _, err := a.store.GetAccount(r.Context(), account); err != nil {
		return fmt.Errorf("account %s: %w", account, err)
	}
	desc := strings.TrimSpace(req.Description)
	if desc == "" {
		desc = "credit grant"
	}
	e, err := a.ledger.Grant(r.Context(), account, req.Amount, "grant:"+key, desc)
	if err != nil {
		return err
	}
	acct, err := a.store.GetAccount(r.Context(), account)
	return reply(w, http.StatusCreated, grantResponse{Entry: e, Account: acct}, err)
}

func (a *API) listSites(w http.ResponseWriter, r *http.Request) error {
	pr, err := pageRequest(r)
	if err != nil {
		return err
	}
	page, err := a.store.ListSites(r.Context(), who(r).account, pr)
	return reply(w, http.StatusOK, page, err)
}

func (a *API) deleteSite(w http.ResponseWriter, r *http.Request) error {
	if err := a.store.DeleteSite(r.Context(), who(r).account, r.PathValue("site")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// url.Parse lets bidirectional overrides through, so the URL is checked as
// text too (the name is, by domain.ValidateName).
func (a *API) createSite(r *http.Request, req domain.NewSite) (domain.Site, error) {
	if err := checkTexts(false, "url", req.URL); err != nil {
		return domain.Site{}, err
	}
	return a.store.CreateSite(r.Context(), who(r).account, req)
}

func (a *API) patchSite(r *http.Request, req domain.SitePatch) (domain.Site, error) {
	if req.URL != nil {
		if err := checkTexts(false, "url", *req.URL); err != nil {
			return domain.Site{}, err
		}
	}
	return a.store.UpdateSite(r.Context(), who(r).account, r.PathValue("site"), req)
}

type createSectorRequest struct {
	Name string `json:"name"`
}

func (a *API) createSector(r *http.Request, req createSectorRequest) (domain.Sector, error) {
	return a.store.CreateSector(r.Context(), who(r).account, r.PathValue("site"), req.Name)
}

type addKeywordsRequest struct {
	SectorID string              `json:"sector_id"`
	Keywords []domain.NewKeyword `json:"keywords"`
}

func (a *API) addKeywords(w http.ResponseWriter, r *http.Request) error {
	var req addKeywordsRequest
	if err := decodeJSON(r, MaxBulkBody, &req); err != nil {
		return err
	}
	return a.writeKeywords(w, r, req)
}

func (a *API) writeKeywords(w http.ResponseWriter, r *http.Request, req addKeywordsRequest) error {
	if err := checkOptionalID("sector_id", req.SectorID); err != nil {
		return err
	}
	rep, err := a.store.AddKeywords(r.Context(), who(r).account, r.PathValue("site"), req.SectorID, req.Keywords)
	if err != nil {
		return err
	}
	code := http.StatusOK
	if rep.Summary.Added > 0 {
		code = http.StatusCreated
	}
	writeJSON(w, code, rep)
	return nil
}

// importKeywords reads CSV with a header row: keyword (required), volume,
// difficulty, intent in any order. ?sector_id= picks the sector.
func (a *API) importKeywords(w http.ResponseWriter, r *http.Request) error {
	if err := mediaType(r, "text/csv"); err != nil {
		return err
	}
	body, err := readLimited(r, MaxBulkBody)
	if err != nil {
		return err
	}
	rows, err := parseKeywordCSV(string(body))
	if err != nil {
		return err
	}
	return a.writeKeywords(w, r, addKeywordsRequest{SectorID: r.URL.Query().Get("sector_id"), Keywords: rows})
}

// parseKeywordCSV turns CSV into keyword rows. A number that does not parse
// fails the whole file with the line named: a file with a broken column is
// better fixed than half imported. Range checks happen per row later.
func parseKeywordCSV(text string) ([]domain.NewKeyword, error) {
	if !utf8.ValidString(text) {
		// Stored as-is, invalid bytes would turn into U+FFFD and merge keywords.
		return nil, domain.Invalid("csv", "the file is not UTF-8 text: save it as \"CSV UTF-8\"")
	}
	cr := csv.NewReader(strings.NewReader(strings.TrimPrefix(text, "\ufeff")))
	cr.FieldsPerRecord = -1
	cr.TrimLeadingSpace = true
	header, err := cr.Read()
	if errors.Is(err, io.EOF) {
		return nil, domain.Invalid("csv", "the file is empty: send a header row (keyword,volume,difficulty,intent) and rows")
	}
	if err != nil {
		return nil, domain.Invalid("csv", "unreadable CSV: %v", err)
	}
	col := map[string]int{}
	for i, h := range header {
		name := strings.ToLower(strings.TrimSpace(h))
		switch name {
		case "keyword", "volume", "difficulty", "intent":
			col[name] = i
		default:
			return nil, domain.Invalid("csv", "unknown column %q: use keyword, volume, difficulty, intent", h)
		}
	}
	if _, ok := col["keyword"]; !ok {
		return nil, domain.Invalid("csv", "the header row needs a keyword column")
	}
	var rows []domain.NewKeyword
	for line := 2; ; line++ {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, domain.Invalid("csv", "unreadable CSV: %v", err)
		}
		if len(rows) == domain.MaxBulkKeywords {
			return nil, domain.Invalid("keywords", "at most %d keywords per import", domain.MaxBulkKeywords)
		}
		get := func(name string) string {
			if i, ok := col[name]; ok && i < len(rec) {
				return strings.TrimSpace(rec[i])
			}
			return ""
		}
		k := domain.NewKeyword{Keyword: get("keyword"), Intent: domain.Intent(get("intent"))}
		for _, f := range []struct {
			name string
			dst  *int64
		}{{"volume", &k.Volume}, {"difficulty", &k.Difficulty}} {
			if v := get(f.name); v != "" {
				n, err := strconv.ParseInt(v, 10, 64)
				if err != nil {
					return nil, domain.Invalid("csv", "line %d: %s %q is not a whole number", line, f.name, v)
				}
				*f.dst = n
			}
		}
		rows = append(rows, k)
	}
	if len(rows) == 0 {
		return nil, domain.Invalid("csv", "no keyword rows after the header")
	}
	return rows, nil
}

func (a *API) listKeywords(w http.ResponseWriter, r *http.Request) error {
	pr, err := pageRequest(r)
	if err != nil {
		return err
	}
	var f store.KeywordFilter
	q := r.URL.Query()
	if err := checkQuery(q, "limit", "cursor", "sort", "status", "sector_id"); err != nil {
		return err
	}
	if q.Get("sort") == "volume" { // keywords only: highest search volume first
		f.ByVolume = true
	} else if f.Newest, err = newestFirst(q); err != nil {
		return domain.Invalid("sort", "must be one of oldest, newest, volume")
	}
	if _, ok := q["status"]; ok {
		s := q.Get("status")
		if f.Status, err = domain.ParseKeywordStatus("status", s); err != nil {
			return err
		}
	}
	f.SectorID = q.Get("sector_id")
	if err := checkOptionalID("sector_id", f.SectorID); err != nil {
		return err
	}
	page, err := a.store.ListKeywords(r.Context(), who(r).account, r.PathValue("site"), f, pr)
	return reply(w, http.StatusOK, page, err)
}

type bulkStatusRequest struct {
	IDs    []string `json:"ids"`
	Status string   `json:"status"`
}

func (a *API) bulkKeywordStatus(w http.ResponseWriter, r *http.Request) error {
	var req bulkStatusRequest
	if err := decodeJSON(r, MaxBulkBody, &req); err != nil {
		return err
	}
	st, err := domain.ParseKeywordStatus("status", req.Status)
	if err != nil {
		return err
	}
	if err := checkIDs("ids", req.IDs...); err != nil {
		return err
	}
	res, err := a.store.SetKeywordStatus(r.Context(), who(r).account, r.PathValue("site"), req.IDs, st)
	return reply(w, http.StatusOK, res, err)
}

type bulkDeleteRequest struct {
	IDs []string `json:"ids"`
}

func (a *API) bulkDeleteKeywords(r *http.Request, req bulkDeleteRequest) (store.BulkResult, error) {
	if err := checkIDs("ids", req.IDs...); err != nil {
		return store.BulkResult{}, err
	}
	return a.store.DeleteKeywords(r.Context(), who(r).account, r.PathValue("site"), req.IDs)
}

// ofSite serves a route that answers, with 200, what call says of the
// caller's site in the path.
func ofSite[T any](call func(ctx context.Context, account, site string) (T, error)) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		v, err := call(r.Context(), who(r).account, r.PathValue("site"))
		return reply(w, http.StatusOK, v, err)
	}
}

// withBody serves a route whose JSON body (at most limit bytes) is a Req;
// it answers, with code, what call makes of it.
func withBody[Req, Res any](limit int64, code int, call func(r *http.Request, req Req) (Res, error)) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		var req Req
		if err := decodeJSON(r, limit, &req); err != nil {
			return err
		}
		res, err := call(r, req)
		return reply(w, code, res, err)
	}
}

// sitePage serves one page of a list of the caller's site in the path.
func sitePage[P any](list func(ctx context.Context, account, site string, pr store.PageRequest) (P, error)) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		pr, err := pageRequest(r)
		if err != nil {
			return err
		}
		page, err := list(r.Context(), who(r).account, r.PathValue("site"), pr)
		return reply(w, http.StatusOK, page, err)
	}
}

// ofContent serves a route that answers, with code, what call says of the
// content item in the path.
func ofContent[T any](code int, call func(ctx context.Context, account, site, id string) (T, error)) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		v, err := call(r.Context(), who(r).account, r.PathValue("site"), r.PathValue("content"))
		return reply(w, code, v, err)
	}
}
