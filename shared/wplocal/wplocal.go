// Package wplocal starts a private, throwaway WordPress (Debian's wordpress
// package, installed by scripts/fetch-wordpress.sh) for integration tests and
// `make run`, so the WordPress adapter is tested against the real REST API
// rather than a fake of it.
//
// Each Server has its own MariaDB (a datadir and a unix socket under Dir, no
// TCP), its own wp-content under Dir and its own `php -S 127.0.0.1:PORT`.
// The only thing outside Dir is the config file Debian's wp-config.php
// insists on, /etc/wordpress/config-wplocal-<port>-<random>.php; the router
// selects it through WORDPRESS_CONFIG (Debian otherwise picks the file by
// host name without the port, which would make every local instance share
// one file), and Stop removes it.
package wplocal

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// Paths of Debian's packages. They are variables so that a test can point
// them elsewhere; nothing else should.
var (
	WordPressRoot = "/usr/share/wordpress" // Debian's web root (core, no wp-content)
	ConfigDir     = "/etc/wordpress"       // where Debian's wp-config.php looks for config-<name>.php
)

const fetchHint = "run scripts/fetch-wordpress.sh as root (make deps does it)"

// Options says where to keep the instance and how to reach it.
type Options struct {
	// Dir holds the database, wp-content (uploads), the router and the logs.
	// Required; t.TempDir() in tests. A Dir that already holds an instance
	// is reused with its posts and credentials.
	Dir string
	// Port for php -S on 127.0.0.1; 0 picks a free one.
	Port int
	// Log receives the output of mariadbd, php -S and the install; nil
	// discards it.
	Log io.Writer
}

// Server is a running WordPress.
type Server struct {
	URL         string // http://127.0.0.1:PORT, no trailing slash
	Username    string // an administrator
	AppPassword string // an application password of Username ("xxxx xxxx ...")
	Password    string // Username's login password (wp-login.php)

	// AuthorUsername has the Author role: can publish and upload, cannot
	// manage categories.
	AuthorUsername    string
	AuthorAppPassword string

	Dir        string
	Port       int
	ConfigFile string // the file under /etc/wordpress this instance owns

	configName string
	php        string
	socket     string
	tmpSocket  bool
	log        io.Writer

	mu  sync.Mutex
	db  *proc
	web *proc
}

// Credentials is what the install made; kept in Dir/wplocal.json so a
// reused Dir keeps working.
type credentials struct {
	Username          string `json:"username"`
	Password          string `json:"password"`
	AppPassword       string `json:"app_password"`
	AuthorUsername    string `json:"author_username"`
	AuthorAppPassword string `json:"author_app_password"`
}

type proc struct {
	name   string
	cmd    *exec.Cmd
	done   chan struct{}
	err    error
	watch  *exec.Cmd // the watchdog (see spawn)
	watchW *os.File  // its pipe; closing it kills the group
}

// Start brings up MariaDB, installs WordPress if Dir holds none, and starts
// the web server. It returns once the REST API answers.
func Start(ctx context.Context, opt Options) (_ *Server, err error) {
	if opt.Dir == "" {
		return nil, errors.New("wplocal: Options.Dir is required")
	}
	bins, err := findBinaries()
	if err != nil {
		return nil, err
	}
	dir, err := filepath.Abs(opt.Dir)
	if err != nil {
		return nil, err
	}
	port := opt.Port
	if port == 0 {
		if port, err = freePort(); err != nil {
			return nil, err
		}
	}
	s := &Server{
		URL:  fmt.Sprintf("http://127.0.0.1:%d", port),
		Dir:  dir,
		Port: port,
		log:  opt.Log,
	}
	if s.log == nil {
		s.log = io.Discard
	}
	defer func() {
		if err != nil {
			s.Stop()
		}
	}()
	if err := s.layout(); err != nil {
		return nil, err
	}
	if err := s.startDB(ctx, bins); err != nil {
		return nil, err
	}
	if err := s.writeConfig(); err != nil {
		return nil, err
	}
	creds, err := s.install(ctx, bins.php)
	if err != nil {
		return nil, err
	}
	s.Username, s.Password, s.AppPassword = creds.Username, creds.Password, creds.AppPassword
	s.AuthorUsername, s.AuthorAppPassword = creds.AuthorUsername, creds.AuthorAppPassword
	s.php = bins.php
	if err := s.StartWeb(ctx); err != nil {
		return nil, err
	}
	return s, nil
}

type binaries struct{ mariadbd, installDB, php string }

func findBinaries() (binaries, error) {
	var b binaries
	var missing []string
	look := func(names ...string) string {
		for _, n := range names {
			if p, err := exec.LookPath(n); err == nil {
				return p
			}
			for _, d := range []string{"/usr/sbin", "/usr/bin"} {
				if p := filepath.Join(d, n); isExec(p) {
					return p
				}
			}
		}
		missing = append(missing, names[0])
		return ""
	}
	b.mariadbd = look("mariadbd", "mysqld")
	b.installDB = look("mariadb-install-db", "mysql_install_db")
	b.php = look("php")
	if _, err := os.Stat(filepath.Join(WordPressRoot, "wp-settings.php")); err != nil {
		missing = append(missing, "wordpress ("+WordPressRoot+")")
	}
	if b.php != "" {
		// The PHP extensions WordPress needs, by Debian package name.
		out, err := exec.Command(b.php, "-r", `foreach (array('mysqli' => 'php-mysql', 'gd' => 'php-gd', 'dom' => 'php-xml', 'mbstring' => 'php-mbstring', 'curl' => 'php-curl') as $e => $p) { if (!extension_loaded($e)) { echo $p, "\n"; } }`).Output()
		if err != nil {
			missing = append(missing, "a working php ("+err.Error()+")")
		}
		missing = append(missing, strings.Fields(string(out))...)
	}
	if len(missing) > 0 {
		return b, fmt.Errorf("wplocal: WordPress is not installed (missing %s): %s", strings.Join(missing, ", "), fetchHint)
	}
	return b, nil
}

func isExec(p string) bool {
	st, err := os.Stat(p)
	return err == nil && !st.IsDir() && st.Mode()&0o111 != 0
}

// layout makes Dir's folders: wp-content with the packaged themes and
// plugins linked in, writable uploads, and a must-use plugin.
func (s *Server) layout() error {
	content := filepath.Join(s.Dir, "wp-content")
	for _, d := range []string{"db", "tmp", "uploads-tmp", filepath.Join("wp-content", "uploads"), filepath.Join("wp-content", "mu-plugins")} {
		if err := os.MkdirAll(filepath.Join(s.Dir, d), 0o755); err != nil {
			return err
		}
	}
	for _, d := range []string{"themes", "plugins"} {
		link := filepath.Join(content, d)
		if _, err := os.Lstat(link); err == nil {
			continue
		}
		if err := os.Symlink(filepath.Join(WordPressRoot, "wp-content", d), link); err != nil {
			return err
		}
	}
	if err := os.WriteFile(filepath.Join(content, "mu-plugins", "wplocal.php"), []byte(muPlugin), 0o644); err != nil {
		return err
	}
	sock := filepath.Join(s.Dir, "mysql.sock")
	if len(sock) > 100 { // sun_path is 108 bytes
		sock = filepath.Join(os.TempDir(), "wplocal-"+randHex(6)+".sock")
		s.tmpSocket = true
	}
	s.socket = sock
	return nil
}

func (s *Server) startDB(ctx context.Context, b binaries) error {
	datadir := filepath.Join(s.Dir, "db")
	if _, err := os.Stat(filepath.Join(datadir, "mysql")); err != nil {
		cmd := exec.CommandContext(ctx, b.installDB, "--no-defaults", "--datadir="+datadir, "--user=root",
			"--auth-root-authentication-method=socket", "--skip-test-db", "--skip-name-resolve")
		// The bootstrap server names its temporary tables after its pid in
		// $TMPDIR: instances installing at once in a shared /tmp collide.
		cmd.Env = append(os.Environ(), "TMPDIR="+filepath.Join(s.Dir, "tmp"))
		if out, err := cmd.CombinedOutput(); err != nil {
			_, _ = s.log.Write(out)
			return fmt.Errorf("wplocal: mariadb-install-db: %v: %s", err, lastLines(out, 5))
		}
	}
	initSQL := filepath.Join(s.Dir, "init.sql")
	if err := os.WriteFile(initSQL, []byte(
		"CREATE DATABASE IF NOT EXISTS wordpress CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;\n"+
			"CREATE USER IF NOT EXISTS 'wp'@'localhost' IDENTIFIED BY 'wp';\n"+
			"GRANT ALL PRIVILEGES ON wordpress.* TO 'wp'@'localhost';\n"), 0o600); err != nil {
		return err
	}
	_ = os.Remove(s.socket)
	args := []string{"--no-defaults",
		"--datadir=" + datadir,
		"--socket=" + s.socket,
		"--pid-file=" + filepath.Join(s.Dir, "mariadbd.pid"),
		"--tmpdir=" + filepath.Join(s.Dir, "tmp"),
		"--log-error=" + filepath.Join(s.Dir, "mariadbd.err"),
		"--init-file=" + initSQL,
		"--skip-networking", "--user=root", "--skip-name-resolve",
		"--innodb-buffer-pool-size=32M", "--innodb-log-buffer-size=4M",
		"--innodb-flush-log-at-trx-commit=2", "--innodb-doublewrite=0",
		"--skip-log-bin", "--performance-schema=0", "--max-connections=50",
		"--character-set-server=utf8mb4", "--collation-server=utf8mb4_unicode_ci",
	}
	p, err := s.spawn("mariadbd", exec.Command(b.mariadbd, args...))
	if err != nil {
		return fmt.Errorf("wplocal: start mariadbd: %w", err)
	}
	s.db = p
	deadline := time.Now().Add(30 * time.Second)
	for {
		if c, err := net.DialTimeout("unix", s.socket, time.Second); err == nil {
			c.Close()
			return nil
		}
		select {
		case <-p.done:
			return fmt.Errorf("wplocal: mariadbd exited during start-up (%v): %s", p.err, tailFile(filepath.Join(s.Dir, "mariadbd.err"), 8))
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("wplocal: mariadbd did not open %s within 30s: %s", s.socket, tailFile(filepath.Join(s.Dir, "mariadbd.err"), 8))
		}
	}
}

// writeConfig writes this instance's Debian config file and the router.
func (s *Server) writeConfig() error {
	removeStaleConfigs()
	s.configName = fmt.Sprintf("wplocal-%d-%s", s.Port, randHex(4))
	s.ConfigFile = filepath.Join(ConfigDir, "config-"+s.configName+".php")
	content := filepath.Join(s.Dir, "wp-content")
	var salts strings.Builder
	for _, k := range []string{"AUTH_KEY", "SECURE_AUTH_KEY", "LOGGED_IN_KEY", "NONCE_KEY", "AUTH_SALT", "SECURE_AUTH_SALT", "LOGGED_IN_SALT", "NONCE_SALT"} {
		fmt.Fprintf(&salts, "define('%s', '%s');\n", k, randHex(24))
	}
	cfg := fmt.Sprintf(`<?php
// A throwaway WordPress started by shared/wplocal; removed when it stops.
// wplocal-pid: %d
// wplocal-dir: %s
// wplocal-socket: %s
define('DB_NAME', 'wordpress');
define('DB_USER', 'wp');
define('DB_PASSWORD', 'wp');
define('DB_HOST', %s);
define('DB_CHARSET', 'utf8mb4');
define('DB_COLLATE', '');
define('WP_HOME', %s);
define('WP_SITEURL', %s);
define('WP_CONTENT_DIR', %s);
define('WP_CONTENT_URL', %s);
define('WP_TEMP_DIR', %s);
// 'local' lets application passwords work without HTTPS.
define('WP_ENVIRONMENT_TYPE', 'local');
// Never call out (update checks, oEmbed, …): only this host is allowed.
define('WP_HTTP_BLOCK_EXTERNAL', true);
define('AUTOMATIC_UPDATER_DISABLED', true);
define('WP_AUTO_UPDATE_CORE', false);
define('DISALLOW_FILE_MODS', true);
define('FS_METHOD', 'direct');
define('WP_DEBUG', false);
define('WP_ALLOW_MULTISITE', false);
%s$table_prefix = 'wp_';
`, os.Getpid(), s.Dir, s.socket, phpString("localhost:"+s.socket), phpString(s.URL), phpString(s.URL),
		phpString(content), phpString(s.URL+"/wp-content"), phpString(filepath.Join(s.Dir, "uploads-tmp")+"/"), salts.String())
	if err := os.WriteFile(s.ConfigFile, []byte(cfg), 0o640); err != nil {
		s.ConfigFile = ""
		return fmt.Errorf("wplocal: write the Debian WordPress config (needs root): %w", err)
	}
	router := fmt.Sprintf(routerPHP, phpString(s.configName), phpString(WordPressRoot), phpString(content))
	return os.WriteFile(filepath.Join(s.Dir, "router.php"), []byte(router), 0o644)
}

// removeStaleConfigs deletes the config files of instances whose process
// died without Stop (a killed test binary), with the temporary folder and
// socket Shared made for them.
func removeStaleConfigs() {
	files, _ := filepath.Glob(filepath.Join(ConfigDir, "config-wplocal-*.php"))
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			continue
		}
		meta := map[string]string{}
		for _, line := range strings.Split(string(b), "\n") {
			if k, v, ok := strings.Cut(strings.TrimPrefix(line, "// wplocal-"), ": "); ok && strings.HasPrefix(line, "// wplocal-") {
				meta[k] = v
			}
		}
		pid, _ := strconv.Atoi(meta["pid"])
		if pid <= 0 || syscall.Kill(pid, 0) != syscall.ESRCH {
			continue
		}
		_ = os.Remove(f)
		tmp := filepath.Clean(os.TempDir()) + string(filepath.Separator) + "wplocal-"
		for _, k := range []string{"dir", "socket"} {
			if v := meta[k]; strings.HasPrefix(v, tmp) {
				_ = os.RemoveAll(v)
			}
		}
	}
}

// install runs WordPress's installer (wp_install, what install.php's step 2
// calls) and makes the users and application passwords, unless Dir already
// has them.
func (s *Server) install(ctx context.Context, php string) (credentials, error) {
	var c credentials
	credFile := filepath.Join(s.Dir, "wplocal.json")
	if b, err := os.ReadFile(credFile); err == nil && json.Unmarshal(b, &c) == nil && c.AppPassword != "" {
		return c, nil
	}
	script := filepath.Join(s.Dir, "setup.php")
	if err := os.WriteFile(script, []byte(setupPHP), 0o644); err != nil {
		return c, err
	}
	cmd := exec.CommandContext(ctx, php, "-d", "display_errors=stderr", "-d", "error_reporting=E_ALL & ~E_DEPRECATED & ~E_NOTICE & ~E_WARNING", script)
	cmd.Env = append(os.Environ(),
		"WPLOCAL_CONFIG="+s.configName,
		"WPLOCAL_URL="+s.URL,
		"WPLOCAL_ROOT="+WordPressRoot,
		"WPLOCAL_PASSWORD="+randHex(12),
	)
	cmd.Dir = s.Dir
	var stderr strings.Builder
	cmd.Stderr = io.MultiWriter(&stderr, s.log)
	out, err := cmd.Output()
	if err != nil {
		return c, fmt.Errorf("wplocal: WordPress install failed: %v: %s %s", err, lastLines([]byte(stderr.String()), 8), lastLines(out, 8))
	}
	// The script prints the credentials as the last line.
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	if err := json.Unmarshal([]byte(lines[len(lines)-1]), &c); err != nil || c.AppPassword == "" {
		return c, fmt.Errorf("wplocal: WordPress install printed no credentials: %s %s", lastLines(out, 8), lastLines([]byte(stderr.String()), 8))
	}
	b, _ := json.Marshal(c)
	if err := os.WriteFile(credFile, b, 0o600); err != nil {
		return c, err
	}
	return c, nil
}

// StartWeb starts php -S on the server's port and waits until the REST API
// answers. It is a no-op while the web server runs.
func (s *Server) StartWeb(ctx context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.web != nil {
		select {
		case <-s.web.done:
		default:
			return nil
		}
	}
	addr := fmt.Sprintf("127.0.0.1:%d", s.Port)
	deadline := time.Now().Add(30 * time.Second)
	var lastErr error
	for attempt := 0; ; attempt++ {
		cmd := exec.Command(s.php,
			"-d", "upload_max_filesize=64M", "-d", "post_max_size=64M", "-d", "memory_limit=256M",
			"-d", "max_execution_time=60", "-d", "display_errors=0", "-d", "log_errors=1",
			"-d", "error_log="+filepath.Join(s.Dir, "php-error.log"),
			"-d", "opcache.enable_cli=1", "-d", "opcache.validate_timestamps=1",
			"-S", addr, "-t", WordPressRoot, filepath.Join(s.Dir, "router.php"))
		cmd.Dir = WordPressRoot
		cmd.Env = append(os.Environ(), "PHP_CLI_SERVER_WORKERS=4")
		p, err := s.spawn("php -S", cmd)
		if err != nil {
			return fmt.Errorf("wplocal: start php -S: %w", err)
		}
		s.web = p
		lastErr = waitHTTP(ctx, s.URL+"/wp-json/", p, deadline)
		if lastErr == nil {
			return nil
		}
		s.stopProc(p, 5*time.Second)
		// The port may still be held by the previous web server's sockets
		// for a moment; anything else is fatal.
		if !errors.Is(lastErr, errExited) || time.Now().After(deadline) || ctx.Err() != nil {
			break
		}
		time.Sleep(200 * time.Millisecond)
	}
	return fmt.Errorf("wplocal: web server on %s: %w (see %s)", addr, lastErr, filepath.Join(s.Dir, "php-error.log"))
}

var errExited = errors.New("php -S exited")

func waitHTTP(ctx context.Context, url string, p *proc, deadline time.Time) error {
	hc := &http.Client{Timeout: 5 * time.Second}
	var lastErr error
	for {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		resp, err := hc.Do(req)
		if err == nil {
			body, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK && json.Valid(body) {
				return nil
			}
			lastErr = fmt.Errorf("GET %s: %d %s", url, resp.StatusCode, lastLines(body, 5))
		} else {
			lastErr = err
		}
		select {
		case <-p.done:
			return fmt.Errorf("%w (%v)", errExited, p.err)
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			return lastErr
		}
	}
}

// StopWeb stops only the web server (the site is then down: connections are
// refused); StartWeb brings it back on the same port.
func (s *Server) StopWeb() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.web != nil {
		s.stopProc(s.web, 5*time.Second)
		s.web = nil
		// The killed workers close their listening sockets a moment later.
		addr := fmt.Sprintf("127.0.0.1:%d", s.Port)
		for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
			c, err := net.DialTimeout("tcp", addr, 200*time.Millisecond)
			if err != nil {
				break
			}
			c.Close()
		}
	}
}

// Stop stops the web server and MariaDB and removes the config file.
// Dir is left for the caller (t.TempDir removes itself).
func (s *Server) Stop() {
	if s == nil {
		return
	}
	s.StopWeb()
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.db != nil {
		s.stopProc(s.db, 20*time.Second)
		s.db = nil
	}
	if s.ConfigFile != "" {
		_ = os.Remove(s.ConfigFile)
		s.ConfigFile = ""
	}
	if s.tmpSocket {
		_ = os.Remove(s.socket)
	}
}

// spawn starts cmd in its own process group with a watchdog: a shell that
// blocks reading a pipe only this process holds open, and kills the group
// when the pipe closes. So if the test binary dies (a panic, a timeout, a
// kill -9) nothing is left behind; Pdeathsig alone would miss php -S's
// forked workers, which outlive their parent and keep the port.
func (s *Server) spawn(name string, cmd *exec.Cmd) (*proc, error) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL, Setpgid: true}
	cmd.Stdout, cmd.Stderr = s.log, s.log
	if s.log == io.Discard {
		cmd.Stdout, cmd.Stderr = nil, nil
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	p := &proc{name: name, cmd: cmd, done: make(chan struct{})}
	go func() {
		p.err = cmd.Wait()
		close(p.done)
	}()
	r, w, err := os.Pipe()
	if err == nil {
		watch := exec.Command("/bin/sh", "-c", `read _; kill -9 "-$1" 2>/dev/null`, "wplocal-watchdog", strconv.Itoa(cmd.Process.Pid))
		watch.Stdin = r
		watch.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
		if watch.Start() == nil {
			p.watch, p.watchW = watch, w
		} else {
			w.Close()
		}
		r.Close()
	}
	return p, nil
}

// stopProc sends SIGTERM to the process group (php -S forks its workers),
// then SIGKILL after grace, and retires the watchdog.
func (s *Server) stopProc(p *proc, grace time.Duration) {
	pid := p.cmd.Process.Pid
	_ = syscall.Kill(-pid, syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(grace):
		_ = syscall.Kill(-pid, syscall.SIGKILL)
		<-p.done
	}
	// Workers that outlived the parent.
	_ = syscall.Kill(-pid, syscall.SIGKILL)
	if p.watch != nil {
		p.watchW.Close()
		_ = p.watch.Wait()
		p.watch = nil
	}
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

func randHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// phpString quotes s as a single-quoted PHP string literal.
func phpString(s string) string {
	return "'" + strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(s) + "'"
}

func lastLines(b []byte, n int) string {
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, " | ")
}

func tailFile(path string, n int) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return ""
	}
	return lastLines(b, n)
}
