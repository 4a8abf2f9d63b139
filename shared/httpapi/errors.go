package httpapi

import (
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"

	"github.com/igny8/igny8-serverless/shared/domain"
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

// status maps an error to its HTTP status and code. This is the one place
// where domain errors meet HTTP.
func status(err error) (int, string) {
	var ve *domain.ValidationError
	switch {
	case errors.As(err, &ve):
		return http.StatusBadRequest, "invalid_request"
	case errors.Is(err, errTooLarge):
		return http.StatusRequestEntityTooLarge, "payload_too_large"
	case errors.Is(err, errUnsupportedMedia):
		return http.StatusUnsupportedMediaType, "unsupported_media_type"
	case errors.Is(err, errRouteNotFound), errors.Is(err, domain.ErrNotFound):
		return http.StatusNotFound, "not_found"
	case errors.Is(err, errMethodNotAllowed):
		return http.StatusMethodNotAllowed, "method_not_allowed"
	case errors.Is(err, domain.ErrInsufficientCredits):
		return http.StatusPaymentRequired, "insufficient_credits"
	case errors.Is(err, domain.ErrIdempotencyMismatch):
		return http.StatusConflict, "idempotency_mismatch"
	case errors.Is(err, domain.ErrHoldResolved):
		return http.StatusConflict, "hold_resolved"
	case errors.Is(err, domain.ErrConflict):
		return http.StatusConflict, "conflict"
	case errors.Is(err, domain.ErrUnauthorized):
		return http.StatusUnauthorized, "unauthorized"
	case errors.Is(err, domain.ErrForbidden):
		return http.StatusForbidden, "forbidden"
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
