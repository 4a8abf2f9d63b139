package domain

import (
	"errors"
	"fmt"
)

// Sentinel errors. Adapters wrap them with %w; the API maps them to HTTP codes
// in one place (httpapi.writeError).
var (
	ErrNotFound            = errors.New("not found")
	ErrConflict            = errors.New("conflict")
	ErrInsufficientCredits = errors.New("insufficient credits")
	ErrIdempotencyMismatch = errors.New("idempotency key reused with a different request")
	ErrHoldResolved        = errors.New("hold already resolved")
	ErrUnauthorized        = errors.New("unauthorized")
	ErrForbidden           = errors.New("forbidden")
	// ErrInProgress: a duplicate delivery of a step met the first one still
	// running; retrying later is safe.
	ErrInProgress = errors.New("step in progress")
)

// ValidationError names the field a client got wrong.
type ValidationError struct {
	Field   string
	Message string
}

func (e *ValidationError) Error() string {
	if e.Field == "" {
		return e.Message
	}
	return fmt.Sprintf("%s: %s", e.Field, e.Message)
}

// Invalid returns a *ValidationError.
func Invalid(field, format string, args ...any) error {
	return &ValidationError{Field: field, Message: fmt.Sprintf(format, args...)}
}

// InsufficientCreditsError says how many credits were needed and available.
type InsufficientCreditsError struct {
	Required  int64
	Available int64
}

func (e *InsufficientCreditsError) Error() string {
	return fmt.Sprintf("insufficient credits: %d required, %d available", e.Required, e.Available)
}

// Unwrap lets errors.Is(err, ErrInsufficientCredits) match.
func (e *InsufficientCreditsError) Unwrap() error { return ErrInsufficientCredits }
