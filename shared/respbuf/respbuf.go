// Package respbuf holds a whole HTTP response in memory: for answers that
// travel as one value (a Lambda response) or are only inspected (which
// status and headers the router would send).
package respbuf

import (
	"bytes"
	"net/http"
)

// Writer is an http.ResponseWriter that keeps the status, headers and body.
type Writer struct {
	header http.Header
	status int
	body   bytes.Buffer
}

// New returns an empty Writer.
func New() *Writer { return &Writer{header: http.Header{}} }

// Header is the response's header map.
func (w *Writer) Header() http.Header { return w.header }

// WriteHeader keeps the first status written, as net/http does.
func (w *Writer) WriteHeader(status int) {
	if w.status == 0 {
		w.status = status
	}
}

func (w *Writer) Write(p []byte) (int, error) {
	w.WriteHeader(http.StatusOK)
	return w.body.Write(p)
}

// Status is the status written, 200 when none was.
func (w *Writer) Status() int {
	if w.status == 0 {
		return http.StatusOK
	}
	return w.status
}

// Body is everything written.
func (w *Writer) Body() []byte { return w.body.Bytes() }
