package harness

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"

	_ "github.com/lib/pq" // PostgreSQL driver for database/sql
)

// Postgres is a PostgreSQL server for the tests: the one named by
// MM_TEST_DSN, or a throwaway cluster started from the system binaries.
type Postgres struct {
	// AdminDSN connects to the server's maintenance database.
	AdminDSN string

	dir       string
	proc      *os.Process
	databases []string
}

// tempPrefix marks throwaway clusters; the owner's pid follows it, so a
// later run can remove what a crashed run left behind.
const tempPrefix = "mm-e2e-pg-"

// StartPostgres returns a PostgreSQL server to create databases on.
func StartPostgres(ctx context.Context) (*Postgres, error) {
	if dsn := os.Getenv("MM_TEST_DSN"); dsn != "" {
		return &Postgres{AdminDSN: dsn}, nil
	}
	removeStale(tempPrefix)
	bin, err := postgresBinDir()
	if err != nil {
		return nil, err
	}
	dir, err := tempDir(tempPrefix)
	if err != nil {
		return nil, fmt.Errorf("create cluster directory: %w", err)
	}
	p := &Postgres{dir: dir}
	if err := p.start(ctx, bin); err != nil {
		_ = p.Close()
		return nil, err
	}
	return p, nil
}

func (p *Postgres) start(ctx context.Context, bin string) error {
	cred, err := unprivilegedCredential()
	if err != nil {
		return err
	}
	data := filepath.Join(p.dir, "data")
	if cred != nil {
		if err := os.Chown(p.dir, int(cred.Uid), int(cred.Gid)); err != nil {
			return fmt.Errorf("hand cluster directory to uid %d: %w", cred.Uid, err)
		}
	}
	initdb := exec.CommandContext(ctx, filepath.Join(bin, "initdb"), "-D", data, "-U", "mmuser",
		"--auth=trust", "-E", "UTF8", "--locale=C", "--no-sync")
	initdb.SysProcAttr = &syscall.SysProcAttr{Credential: cred}
	if out, err := initdb.CombinedOutput(); err != nil {
		return fmt.Errorf("initdb: %w\n%s", err, out)
	}
	port, err := freePort()
	if err != nil {
		return err
	}
	logFile, err := os.Create(filepath.Join(p.dir, "postgres.log"))
	if err != nil {
		return fmt.Errorf("create postgres log: %w", err)
	}
	defer logFile.Close()
	if cred != nil {
		_ = logFile.Chown(int(cred.Uid), int(cred.Gid))
	}
	args := []string{"-D", data, "-p", strconv.Itoa(port), "-h", "127.0.0.1", "-k", p.dir,
		// A throwaway cluster needs no durability; these make it fast.
		"-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off",
		"-c", "max_connections=300", "-c", "shared_buffers=128MB"}
	proc, err := startTiedToParent(filepath.Join(bin, "postgres"), args, cred, logFile)
	if err != nil {
		return fmt.Errorf("start postgres: %w", err)
	}
	p.proc = proc
	p.AdminDSN = fmt.Sprintf("postgres://mmuser@127.0.0.1:%d/postgres?sslmode=disable&connect_timeout=5", port)
	return waitForPostgres(ctx, p.AdminDSN, filepath.Join(p.dir, "postgres.log"))
}

// CreateDatabase makes a fresh database and returns its DSN; Close drops it.
func (p *Postgres) CreateDatabase(ctx context.Context, prefix string) (string, error) {
	name := fmt.Sprintf("%s_%d_%d", prefix, os.Getpid(), time.Now().UnixNano())
	db, err := sql.Open("postgres", p.AdminDSN)
	if err != nil {
		return "", fmt.Errorf("open %s: %w", redact(p.AdminDSN), err)
	}
	defer db.Close()
	if _, err := db.ExecContext(ctx, "CREATE DATABASE "+name); err != nil {
		return "", fmt.Errorf("create database %s: %w", name, err)
	}
	p.databases = append(p.databases, name)
	u, err := url.Parse(p.AdminDSN)
	if err != nil {
		return "", fmt.Errorf("parse DSN: %w", err)
	}
	u.Path = "/" + name
	return u.String(), nil
}

// Close drops the databases it made, stops a throwaway cluster and removes it.
func (p *Postgres) Close() error {
	var errs []error
	if p.proc == nil && p.AdminDSN != "" && len(p.databases) > 0 {
		errs = append(errs, p.dropDatabases())
	}
	if p.proc != nil {
		// SIGQUIT is PostgreSQL's immediate shutdown; nothing here needs keeping.
		_ = p.proc.Signal(syscall.SIGQUIT)
		done := make(chan struct{})
		go func() { _, _ = p.proc.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			_ = p.proc.Kill()
			<-done
		}
	}
	if p.dir != "" {
		errs = append(errs, os.RemoveAll(p.dir))
	}
	return errors.Join(errs...)
}

func (p *Postgres) dropDatabases() error {
	db, err := sql.Open("postgres", p.AdminDSN)
	if err != nil {
		return err
	}
	defer db.Close()
	var errs []error
	for _, name := range p.databases {
		_, err := db.Exec("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)")
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

func waitForPostgres(ctx context.Context, dsn, logPath string) error {
	deadline := time.Now().Add(60 * time.Second)
	var last error
	for time.Now().Before(deadline) {
		db, err := sql.Open("postgres", dsn)
		if err == nil {
			err = db.PingContext(ctx)
			db.Close()
		}
		if err == nil {
			return nil
		}
		last = err
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
	log, _ := os.ReadFile(logPath)
	return fmt.Errorf("postgres did not accept connections: %w\n%s", last, log)
}

// postgresBinDir finds initdb and postgres: on PATH, else the newest
// version Debian's packages installed.
func postgresBinDir() (string, error) {
	if p, err := exec.LookPath("initdb"); err == nil {
		if real, err := filepath.EvalSymlinks(p); err == nil {
			return filepath.Dir(real), nil
		}
		return filepath.Dir(p), nil
	}
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	sort.Slice(dirs, func(i, j int) bool { return pgMajor(dirs[i]) > pgMajor(dirs[j]) })
	for _, d := range dirs {
		if _, err := os.Stat(filepath.Join(d, "initdb")); err == nil {
			return d, nil
		}
	}
	return "", errors.New("no PostgreSQL server binaries (initdb) found: install Debian's postgresql package or set MM_TEST_DSN")
}

func pgMajor(binDir string) int {
	n, _ := strconv.Atoi(filepath.Base(filepath.Dir(binDir)))
	return n
}

// unprivilegedCredential returns who to run PostgreSQL as: it refuses to
// run as root, so root hands it to the postgres user, or nobody.
func unprivilegedCredential() (*syscall.Credential, error) {
	if os.Geteuid() != 0 {
		return nil, nil
	}
	for _, name := range []string{"postgres", "nobody"} {
		u, err := user.Lookup(name)
		if err != nil {
			continue
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		return &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}, nil
	}
	return nil, errors.New("running as root and neither a postgres nor a nobody user exists to run PostgreSQL as")
}

// startTiedToParent starts a process that the kernel kills when this test
// process dies, even by panic or SIGKILL. The parent-death signal follows
// the starting OS thread, so that thread is kept for the process's life.
func startTiedToParent(path string, args []string, cred *syscall.Credential, logFile *os.File) (*os.Process, error) {
	type result struct {
		proc *os.Process
		err  error
	}
	started := make(chan result, 1)
	go func() {
		runtime.LockOSThread()
		cmd := exec.Command(path, args...)
		cmd.Stdout, cmd.Stderr = logFile, logFile
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: cred, Pdeathsig: syscall.SIGKILL, Setpgid: true}
		if err := cmd.Start(); err != nil {
			started <- result{err: err}
			runtime.UnlockOSThread()
			return
		}
		started <- result{proc: cmd.Process}
		// Keep this goroutine, and so its locked thread, until the process ends.
		_, _ = cmd.Process.Wait()
	}()
	r := <-started
	return r.proc, r.err
}

// tempDir makes a directory whose name carries this process's pid, so that
// removeStale can tell when its owner is gone.
func tempDir(prefix string) (string, error) {
	return os.MkdirTemp("", fmt.Sprintf("%s%d-", prefix, os.Getpid()))
}

// removeStale deletes temporary directories whose owning process is gone:
// what a crashed or killed run left behind.
func removeStale(prefix string) {
	matches, _ := filepath.Glob(filepath.Join(os.TempDir(), prefix+"*"))
	for _, dir := range matches {
		rest := strings.TrimPrefix(filepath.Base(dir), prefix)
		pid, err := strconv.Atoi(strings.SplitN(rest, "-", 2)[0])
		if err != nil || pid == os.Getpid() {
			continue
		}
		if syscall.Kill(pid, 0) == syscall.ESRCH {
			_ = os.RemoveAll(dir)
		}
	}
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("find a free port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

func redact(dsn string) string {
	u, err := url.Parse(dsn)
	if err != nil {
		return "(unparsable DSN)"
	}
	return u.Redacted()
}
