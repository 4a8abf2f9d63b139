// Package logctx carries log attributes in a context, so every line logged
// with that context names its request, account, site, operation, run and
// execution, however deep the call that logs it: the handler wrapper of each
// function puts the IDs in, Handler writes them out.
package logctx

import (
	"context"
	"log/slog"
)

type key struct{}

// With returns ctx carrying attrs besides those it carries already (a later
// value of the same key wins).
func With(ctx context.Context, attrs ...slog.Attr) context.Context {
	if len(attrs) == 0 {
		return ctx
	}
	prev := From(ctx)
	all := make([]slog.Attr, 0, len(prev)+len(attrs))
	for _, a := range prev {
		if !has(attrs, a.Key) {
			all = append(all, a)
		}
	}
	return context.WithValue(ctx, key{}, append(all, attrs...))
}

func has(attrs []slog.Attr, k string) bool {
	for _, a := range attrs {
		if a.Key == k {
			return true
		}
	}
	return false
}

// From returns the attributes ctx carries.
func From(ctx context.Context) []slog.Attr {
	if ctx == nil {
		return nil
	}
	a, _ := ctx.Value(key{}).([]slog.Attr)
	return a
}

// Handler adds the context's attributes to every record it handles.
type Handler struct{ slog.Handler }

// Handle writes r with ctx's attributes.
func (h Handler) Handle(ctx context.Context, r slog.Record) error {
	if attrs := From(ctx); len(attrs) > 0 {
		r = r.Clone()
		r.AddAttrs(attrs...)
	}
	return h.Handler.Handle(ctx, r)
}

// WithAttrs keeps the wrapper.
func (h Handler) WithAttrs(attrs []slog.Attr) slog.Handler {
	return Handler{h.Handler.WithAttrs(attrs)}
}

// WithGroup keeps the wrapper.
func (h Handler) WithGroup(name string) slog.Handler { return Handler{h.Handler.WithGroup(name)} }

// IDs are the attributes of the IDs a step's input names, for With; empty
// values are left out.
func IDs(pairs ...string) []slog.Attr {
	var out []slog.Attr
	for i := 0; i+1 < len(pairs); i += 2 {
		if pairs[i+1] != "" {
			out = append(out, slog.String(pairs[i], pairs[i+1]))
		}
	}
	return out
}
