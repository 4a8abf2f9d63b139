package httpapi

import (
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"

	"github.com/igny8/igny8-serverless/shared/domain"
	"github.com/igny8/igny8-serverless/shared/netguard"
)

// Errors of the HTTP layer itself.
var (
	errTooLarge         = errors.New("request body too large")
	errUnsupportedMedia = errors.New("unsupported media type")
	errRouteNotFound    = errors.New("no such route")
	errMethodNotAllowed = errors.New("method not allowed")
)

// ErrorBody is the JSON of every error answer.
type ErrorBody struct {
	Error ErrorDetail `json:"error"`
}

// ErrorDetail names what went wrong; Field is set for validation errors.
type ErrorDetail struct {
	Code    string `json:"code"`
	Message string `json:"message"`
	Field   string `json:"field,omitempty"`
}

// statuses maps the sentinel errors to their HTTP status and code, in the
// order they are tried. With status, this is the one place where domain
// errors meet HTTP.
var statuses = []struct {
	err  error
	code int
	name string
}{
	{errTooLarge, http.StatusRequestEntityTooLarge, "payload_too_large"},
	{errUnsupportedMedia, http.StatusUnsupportedMediaType, "unsupported_media_type"},
	{errRouteNotFound, http.StatusNotFound, "not_found"},
	{domain.ErrNotFound, http.StatusNotFound, "not_found"},
	{errMethodNotAllowed, http.StatusMethodNotAllowed, "method_not_allowed"},
	{domain.ErrInsufficientCredits, http.StatusPaymentRequired, "insufficient_credits"},
	{domain.ErrIdempotencyMismatch, http.StatusConflict, "idempotency_mismatch"},
	{domain.ErrHoldResolved, http.StatusConflict, "hold_resolved"},
	{domain.ErrConflict, http.StatusConflict, "conflict"},
	{domain.ErrUnauthorized, http.StatusUnauthorized, "unauthorized"},
	{domain.ErrForbidden, http.StatusForbidden, "forbidden"},
	{netguard.ErrTargetNotAllowed, http.StatusBadRequest, "target_not_allowed"},
}

// status maps an error to its HTTP status and code; anything unknown is
// ours (500).
func status(err error) (int, string) {
	var ve *domain.ValidationError
	if errors.As(err, &ve) {
		return http.StatusBadRequest, "invalid_request"
	}
	for _, s := range statuses {
		if errors.Is(err, s.err) {
			return s.code, s.name
		}
	}
	return http.StatusInternalServerError, "internal"
}

func writeError(w http.ResponseWriter, r *http.Request, log *slog.Logger, err error) {
	code, name := status(err)
	d := ErrorDetail{Code: name, Message: err.Error()}
	var ve *domain.ValidationError
	if errors.As(err, &ve) {
		d.Field = ve.Field
	}
	switch code {
	case http.StatusInternalServerError:
		// Internal details stay in the log, keyed by the request ID.
		log.ErrorContext(r.Context(), "request failed", "error", err.Error())
		d.Message = "internal error; quote request id " + requestID(r.Context())
	case http.StatusUnauthorized:
		w.Header().Set("WWW-Authenticate", `Bearer realm="igny8"`)
		d.Message = "missing or invalid API key: send Authorization: Bearer <api key>"
	case http.StatusNotFound:
		if errors.Is(err, errRouteNotFound) {
			d.Message = "no such endpoint: " + r.Method + " " + r.URL.Path
		}
	}
	writeJSON(w, code, ErrorBody{Error: d})
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(v)
}

// reply ends a handler: err if the call failed, else v as JSON with code.
func reply(w http.ResponseWriter, code int, v any, err error) error {
	if err != nil {
		return err
	}
	writeJSON(w, code, v)
	return nil
}
