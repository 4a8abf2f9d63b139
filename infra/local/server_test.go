package local

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
)

// A client that declares a body and then stalls is cut off after the read
// timeout instead of holding the connection (the attacker's request held
// one for 40 s+ when only ReadHeaderTimeout was set).
func TestServerCutsOffAStalledBody(t *testing.T) {
	read := 300 * time.Millisecond
	handlerDone := make(chan error, 1)
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, err := io.ReadAll(r.Body)
		handlerDone <- err
		if err != nil {
			http.Error(w, "body not read", http.StatusRequestTimeout)
		}
	})
	srv := newServer(h, timeouts{ReadHeader: read, Read: read, Write: 2 * time.Second, Idle: time.Second})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(ln)
	defer srv.Close()

	conn, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	start := time.Now()
	// Headers promise 1000 bytes; 10 arrive, then nothing.
	if _, err := io.WriteString(conn, "POST /v1/x HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{\"a\":\"bbbb"); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-handlerDone:
		if err == nil {
			t.Fatal("the handler read a whole body that was never sent")
		}
	case <-time.After(10 * read):
		t.Fatalf("the stalled body was still being read after %v", time.Since(start))
	}
	// The server closes the connection: reading reaches EOF (after any
	// answer) well before a minute.
	_ = conn.SetReadDeadline(time.Now().Add(10 * read))
	_, err = io.ReadAll(bufio.NewReader(conn))
	if err != nil && !strings.Contains(err.Error(), "reset") {
		t.Fatalf("the connection was not closed by the server: %v", err)
	}
	if d := time.Since(start); d > 10*read {
		t.Fatalf("cut off after %v, want about %v", d, read)
	}
}

func TestDefaultServerTimeoutsAreAllSet(t *testing.T) {
	s := newServer(http.NotFoundHandler(), defaultTimeouts)
	if s.ReadHeaderTimeout <= 0 || s.ReadTimeout <= 0 || s.WriteTimeout <= 0 || s.IdleTimeout <= 0 {
		t.Fatalf("every timeout must be set: %+v", defaultTimeouts)
	}
	if s.ReadTimeout > time.Minute {
		t.Fatalf("a stalled body may hold a connection for %v", s.ReadTimeout)
	}
}
