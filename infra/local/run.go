package local

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/igny8/igny8-serverless/shared/aiproviders"
	"github.com/igny8/igny8-serverless/shared/app"
	"github.com/igny8/igny8-serverless/shared/blob"
	"github.com/igny8/igny8-serverless/shared/config"
	"github.com/igny8/igny8-serverless/shared/ddb"
	"github.com/igny8/igny8-serverless/shared/ddblocal"
	"github.com/igny8/igny8-serverless/shared/domain"
	"github.com/igny8/igny8-serverless/shared/metrics"
	"github.com/igny8/igny8-serverless/shared/publishing"
	"github.com/igny8/igny8-serverless/shared/tabledef"
	"github.com/igny8/igny8-serverless/shared/wplocal"
)

// Options configure the local stack.
type Options struct {
	Dir      string // state folder, e.g. ".local"
	Addr     string // API listen address, e.g. 127.0.0.1:8080
	Endpoint string // an existing DynamoDB endpoint; "" starts DynamoDB Local
	Table    string
	Console  string // the built web console (console/dist) served at /; "" serves only the API
}

// Run starts DynamoDB Local (unless an endpoint is given), creates the table,
// seeds the demo account, serves the API and blocks until ctx ends, then
// stops everything it started.
func Run(ctx context.Context, o Options) error {
	if err := os.MkdirAll(o.Dir, 0o755); err != nil {
		return err
	}
	statePath := filepath.Join(o.Dir, "state.json")
	st, err := loadState(statePath)
	if err != nil {
		return fmt.Errorf("read %s: %w", statePath, err)
	}
	ensureSecrets(&st)
	// The metrics (CloudWatch Embedded Metric Format) a function writes to
	// standard output in the cloud go to a file here, beside the data.
	mf, err := os.OpenFile(filepath.Join(o.Dir, "metrics.log"), os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		return err
	}
	defer mf.Close()
	defer metrics.SetOutput(mf)()

	endpoint := o.Endpoint
	if endpoint == "" {
		logf, err := os.Create(filepath.Join(o.Dir, "dynamodb-local.log"))
		if err != nil {
			return err
		}
		defer logf.Close()
		fmt.Println("starting DynamoDB Local (data in " + filepath.Join(o.Dir, "dynamodb") + ")...")
		srv, err := ddblocal.Start(ctx, ddblocal.Options{DataDir: filepath.Join(o.Dir, "dynamodb"), Log: logf})
		if err != nil {
			return err
		}
		defer srv.Stop()
		endpoint = srv.Endpoint
	}
	ln, err := net.Listen("tcp", o.Addr)
	if err != nil {
		return fmt.Errorf("listen on %s (set PORT to use another port): %w", o.Addr, err)
	}
	apiURL := "http://" + ln.Addr().String()

	cfg := config.Config{Table: o.Table, DynamoDBEndpoint: endpoint, CursorSecret: st.CursorSecret, SecretsKey: st.SecretsKey, Brand: os.Getenv("BRAND_NAME")}
	if cfg.Table == "" {
		cfg.Table = tabledef.DefaultName
	}
	filesDir := filepath.Join(o.Dir, "files")
	deps, err := app.Build(ctx, cfg, app.WithProviders(aiproviders.FromEnv),
		app.WithBlobs(blob.Dir{Root: filesDir, BaseURL: apiURL + "/files"}))
	if err != nil {
		return err
	}
	client, err := ddb.NewClient(ctx, endpoint)
	if err != nil {
		return err
	}
	if err := ddb.CreateTable(ctx, client, cfg.Table, tabledef.Definition); err != nil {
		return err
	}
	if err := seed(ctx, deps, &st); err != nil {
		return err
	}
	if err := saveState(statePath, st); err != nil {
		return err
	}
	stack, err := NewStack(deps)
	if err != nil {
		return err
	}
	// What the last stack was running when it stopped ends (or, for a
	// publish, goes again) before this one takes work.
	rec, err := stack.Reconcile(ctx, client, cfg.Table)
	if err != nil {
		return err
	}
	if rec != (Reconciled{}) {
		fmt.Printf("after the last stop: %d operation(s) and %d run(s) ended with a reason, %d hold(s) released, %d publish(es) taken over\n",
			rec.Operations, rec.Runs, rec.HoldsReleased, rec.Publishes)
	}
	go stack.Tick(ctx, time.Minute)
	wp := startWordPress(ctx, o, stack, st)
	defer wp.Stop()

	envPath := filepath.Join(o.Dir, "demo.env")
	wpURL := ""
	if wp != nil {
		wpURL = wp.URL
	}
	if err := os.WriteFile(envPath, []byte(demoEnv(apiURL, st, endpoint, wpURL)), 0o600); err != nil {
		return err
	}
	mux := http.NewServeMux()
	mux.Handle("/files/", http.StripPrefix("/files/", http.FileServer(http.Dir(filesDir))))
	mux.Handle("/", consoleHandler(o.Console, stack.API))
	server := newServer(mux, defaultTimeouts)
	errc := make(chan error, 1)
	go func() { errc <- server.Serve(ln) }()
	printUsage(apiURL, envPath, st, wp)

	select {
	case <-ctx.Done():
	case err := <-errc:
		if !errors.Is(err, http.ErrServerClosed) {
			return err
		}
	}
	fmt.Println("\nstopping...")
	sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return server.Shutdown(sctx)
}

// startWordPress runs a local WordPress (Debian's packages; data kept in
// .local/wordpress) and connects the demo site to it, so that publishing
// can be tried end to end. WORDPRESS=off skips it; a failure only warns.
func startWordPress(ctx context.Context, o Options, stack *Stack, st State) *wplocal.Server {
	if os.Getenv("WORDPRESS") == "off" {
		return nil
	}
	port := 8081
	if p, err := strconv.Atoi(os.Getenv("WORDPRESS_PORT")); err == nil {
		port = p
	}
	fmt.Println("starting WordPress (data in " + filepath.Join(o.Dir, "wordpress") + ")...")
	wp, err := wplocal.Start(ctx, wplocal.Options{Dir: filepath.Join(o.Dir, "wordpress"), Port: port})
	if err != nil {
		fmt.Printf("WordPress did not start (publishing to it is off; set WORDPRESS=off to skip): %v\n", err)
		return nil
	}
	// The stack reaches its own WordPress on loopback, and nothing else
	// internal but what OUTBOUND_ALLOW_HOSTS lists.
	if err := stack.AllowOutbound(hostPort(wp.URL)); err != nil {
		fmt.Printf("WordPress is not reachable through the outbound guard: %v\n", err)
	}
	_, err = stack.Publishing.ConnectSite(ctx, st.DemoAccount, st.DemoSite, publishing.Connection{
		Platform: domain.PlatformWordPress, URL: wp.URL, Username: wp.Username, ApplicationPassword: wp.AppPassword})
	if err != nil {
		fmt.Printf("could not connect the demo site to WordPress: %v\n", err)
	}
	return wp
}

// hostPort is the host:port a URL names ("" when it names none).
func hostPort(raw string) string {
	if u, err := url.Parse(raw); err == nil {
		return u.Host
	}
	return ""
}

func printUsage(apiURL, envPath string, st State, wp *wplocal.Server) {
	wpLine := "  WordPress:    off (WORDPRESS=off, or it did not start)\n"
	if wp != nil {
		wpLine = fmt.Sprintf("  WordPress:    %[1]s (log in at %[1]s/wp-login.php as %[2]s / %[3]s);\n"+
			"                the demo site is connected to it: approved content is published there\n", wp.URL, wp.Username, wp.Password)
	}
	fmt.Printf(`
IGNY8 Serverless is running locally.

  console:      %[1]s/#key=%[6]s   (CONSOLE_URL: signs in as the demo account)
  API:          %[1]s   (OpenAPI document: %[1]s/v1/openapi.json)
  demo account: %[2]s with a demo site %[3]s
  keys:         written to %[4]s (API_URL, API_KEY, ADMIN_API_KEY, WORDPRESS_URL, CONSOLE_URL)
%[5]s
Try it:
  source %[4]s
  curl -s $API_URL/v1/health
  curl -s -H "Authorization: Bearer $API_KEY" $API_URL/v1/account
  curl -s -H "Authorization: Bearer $API_KEY" -H 'Content-Type: application/json' \
       -d '{"keywords":[{"keyword":"trail running shoes","volume":1200}]}' \
       $API_URL/v1/sites/$DEMO_SITE_ID/keywords

Press Ctrl-C to stop (data is kept in .local/).
`, apiURL, st.DemoAccount, st.DemoSite, envPath, wpLine, st.DemoAPIKey)
}

// timeouts bound how long one client may hold a connection of the local
// server: a request that declares a body and then stalls is cut off after
// Read, not kept open for as long as the client likes.
type timeouts struct {
	ReadHeader, Read, Write, Idle time.Duration
}

// defaultTimeouts: a 1 MiB body reads in well under Read on any link, and
// Write covers the slowest handler (a connection test waits up to 30 s for
// the site).
var defaultTimeouts = timeouts{ReadHeader: 10 * time.Second, Read: 30 * time.Second, Write: 90 * time.Second, Idle: 120 * time.Second}

func newServer(h http.Handler, t timeouts) *http.Server {
	return &http.Server{Handler: h, ReadHeaderTimeout: t.ReadHeader, ReadTimeout: t.Read, WriteTimeout: t.Write, IdleTimeout: t.Idle}
}

// demoEnv is .local/demo.env: what a user needs to call the stack. None of
// its names is one `make run` (or a function) reads as configuration, so a
// shell that sources it does not change the next `make run` (the DynamoDB
// endpoint is DEMO_DYNAMODB_ENDPOINT, not DYNAMODB_ENDPOINT, which would
// point the next run at this one's DynamoDB Local, gone with it).
func demoEnv(apiURL string, st State, endpoint, wordpressURL string) string {
	env := fmt.Sprintf("API_URL=%s\nAPI_KEY=%s\nADMIN_API_KEY=%s\nDEMO_SITE_ID=%s\nDEMO_DYNAMODB_ENDPOINT=%s\n",
		apiURL, st.DemoAPIKey, st.AdminAPIKey, st.DemoSite, endpoint)
	if wordpressURL != "" {
		env += "WORDPRESS_URL=" + wordpressURL + "\n"
	}
	// The console signs in from the fragment, which never reaches a server.
	env += "CONSOLE_URL=" + apiURL + "/#key=" + st.DemoAPIKey + "\n"
	return env
}
