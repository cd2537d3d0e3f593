// Launchers: the TypeScript server and agent (maestro-bun), and the real Go `maestro server` on a
// scratch PostgreSQL database.

package interop

import (
	"database/sql"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	_ "github.com/lib/pq"
)

// endpoints of one running server (ours or the real one).
type endpoints struct {
	rest   string // http://127.0.0.1:<port>
	grpc   string // 127.0.0.1:<port> of the source-facing gRPC port
	broker string // 127.0.0.1:<port> of the agent-facing gRPC broker
	proc   *process
	// upstream is true for the real Go Maestro server.
	upstream bool
}

// startOurServer runs `bun src/cli.ts server` on ports chosen by the OS (it logs them in its
// "serving" record) with an in-memory PGlite store.
func startOurServer(t testing.TB, extra ...string) *endpoints {
	t.Helper()
	args := []string{
		bunPath, filepath.Join(repoRoot, "src", "cli.ts"), "server",
		"--server-hostname=127.0.0.1",
		"--http-server-bindport=0",
		"--grpc-server-bindport=0",
		"--grpc-broker-bindport=0",
		"--metrics-server-bindport=0",
		"--health-check-server-bindport=0",
		"--db-data-dir=memory://",
	}
	p := startProcess(t, "maestro-bun server", repoRoot, []string{"DATABASE_URL="}, append(args, extra...)...)
	record, err := p.waitJSON(60*time.Second, "serving")
	if err != nil {
		t.Fatalf("maestro-bun server: %v\n%s", err, p.tail(40))
	}
	port := func(key string) string { return strconv.Itoa(int(record[key].(float64))) }
	return &endpoints{
		rest:   "http://127.0.0.1:" + port("rest"),
		grpc:   "127.0.0.1:" + port("grpc"),
		broker: "127.0.0.1:" + port("grpcBroker"),
		proc:   p,
	}
}

// startOurAgent runs `bun src/cli.ts agent --simulate=1` as cluster `cluster` against broker.
func startOurAgent(t testing.TB, cluster, broker string) *process {
	t.Helper()
	dir := t.TempDir()
	config := filepath.Join(dir, "grpc.yaml")
	if err := os.WriteFile(config, []byte("url: "+broker+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	p := startProcess(t, "maestro-bun agent", repoRoot, nil,
		bunPath, filepath.Join(repoRoot, "src", "cli.ts"), "agent",
		"--simulate=1",
		"--consumer-prefix="+cluster,
		"--workload-source-config="+config,
		"--status-sync-interval=1s",
		"--metrics-server-bindport=0",
	)
	if _, err := p.waitJSON(60*time.Second, "agent started"); err != nil {
		t.Fatalf("maestro-bun agent: %v\n%s", err, p.tail(40))
	}
	return p
}

// adminURL is the PostgreSQL server the real Maestro uses: INTEROP_DATABASE_URL, else
// DATABASE_URL, else the local trust-auth server.
func adminURL() string {
	for _, key := range []string{"INTEROP_DATABASE_URL", "DATABASE_URL"} {
		if v := os.Getenv(key); v != "" {
			return v
		}
	}
	return "postgres://postgres@127.0.0.1:5432/postgres"
}

const scratchPrefix = "maestro_interop_"

// scratchDatabase creates an empty database named maestro_interop_<unix seconds>_<pid>_<n> and
// drops it when the test ends. The timestamp lets dropStaleDatabases remove leftovers of a
// killed run.
func scratchDatabase(t testing.TB) *url.URL {
	t.Helper()
	admin, err := sql.Open("postgres", withSSLDisabled(adminURL()))
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	name := fmt.Sprintf("%s%d_%d_%d", scratchPrefix, time.Now().Unix(), os.Getpid(), time.Now().UnixNano()%1e6)
	if _, err := admin.Exec(`CREATE DATABASE "` + name + `"`); err != nil {
		t.Fatalf("PostgreSQL at %s is needed for the real Maestro server: %v", adminURL(), err)
	}
	t.Cleanup(func() { dropDatabase(name) })
	u, _ := url.Parse(adminURL())
	u.Path = "/" + name
	return u
}

func withSSLDisabled(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return raw
	}
	q := u.Query()
	if q.Get("sslmode") == "" {
		q.Set("sslmode", "disable")
	}
	u.RawQuery = q.Encode()
	return u.String()
}

func dropDatabase(name string) {
	admin, err := sql.Open("postgres", withSSLDisabled(adminURL()))
	if err != nil {
		return
	}
	defer admin.Close()
	_, _ = admin.Exec(`DROP DATABASE IF EXISTS "` + name + `" WITH (FORCE)`)
}

// dropStaleDatabases drops scratch databases older than an hour (a run killed before its
// cleanups ran). Younger ones may belong to a run in progress and are left alone.
func dropStaleDatabases() {
	admin, err := sql.Open("postgres", withSSLDisabled(adminURL()))
	if err != nil {
		return
	}
	defer admin.Close()
	rows, err := admin.Query(`SELECT datname FROM pg_database WHERE datname LIKE 'maestro\_interop\_%'`)
	if err != nil {
		return
	}
	var stale []string
	for rows.Next() {
		var name string
		if rows.Scan(&name) != nil {
			continue
		}
		created, err := strconv.ParseInt(strings.SplitN(strings.TrimPrefix(name, scratchPrefix), "_", 2)[0], 10, 64)
		if err == nil && time.Since(time.Unix(created, 0)) > time.Hour {
			stale = append(stale, name)
		}
	}
	rows.Close()
	for _, name := range stale {
		dropDatabase(name)
	}
}

// startRealMaestro runs the real `maestro migration` then `maestro server
// --message-broker-type=grpc` on a scratch database, with its secrets files in a temp dir.
func startRealMaestro(t testing.TB) *endpoints {
	t.Helper()
	dir, dbFlags := migratedScratchDatabase(t)
	rest, grpc, broker := freePort(t), freePort(t), freePort(t)
	args := append([]string{maestroBin, "server",
		"--message-broker-type=grpc",
		"--server-hostname=127.0.0.1",
		"--http-server-bindport=" + strconv.Itoa(rest),
		"--grpc-server-bindport=" + strconv.Itoa(grpc),
		"--grpc-broker-bindport=" + strconv.Itoa(broker),
		"--metrics-server-bindport=" + strconv.Itoa(freePort(t)),
		"--health-check-server-bindport=" + strconv.Itoa(freePort(t)),
		"--db-max-open-connections=10",
	}, dbFlags...)
	p := startProcess(t, "maestro server (Go)", dir, nil, args...)
	e := &endpoints{
		rest:     fmt.Sprintf("http://127.0.0.1:%d", rest),
		grpc:     fmt.Sprintf("127.0.0.1:%d", grpc),
		broker:   fmt.Sprintf("127.0.0.1:%d", broker),
		proc:     p,
		upstream: true,
	}
	waitRealMaestro(t, e)
	return e
}

// migratedScratchDatabase makes a scratch database, writes the real Maestro's --db-*-file
// secrets for it into a temp dir, and runs `maestro migration` on it. It returns that dir (the
// server's working directory) and the --db-*-file flags.
func migratedScratchDatabase(t testing.TB) (string, []string) {
	t.Helper()
	db := scratchDatabase(t)
	dir := t.TempDir()
	password, _ := db.User.Password()
	port := db.Port()
	if port == "" {
		port = "5432"
	}
	secrets := map[string]string{
		"db.host":     db.Hostname(),
		"db.port":     port,
		"db.user":     db.User.Username(),
		"db.password": password,
		"db.name":     strings.TrimPrefix(db.Path, "/"),
	}
	var dbFlags []string
	for file, value := range secrets {
		path := filepath.Join(dir, file)
		if err := os.WriteFile(path, []byte(value), 0o600); err != nil {
			t.Fatal(err)
		}
		// Maestro resolves relative paths against its source tree, so pass absolute ones.
		dbFlags = append(dbFlags, fmt.Sprintf("--%s-file=%s", strings.Replace(file, ".", "-", 1), path))
	}
	migrate := startProcess(t, "maestro migration", dir, nil, append([]string{maestroBin, "migration"}, dbFlags...)...)
	select {
	case <-migrate.done:
	case <-time.After(2 * time.Minute):
		t.Fatal("maestro migration did not finish in 2 minutes")
	}
	if code := migrate.cmd.ProcessState.ExitCode(); code != 0 {
		t.Fatalf("maestro migration exited %d:\n%s", code, migrate.tail(40))
	}
	return dir, dbFlags
}

// waitRealMaestro waits until the real server e answers REST and its gRPC ports (the source
// port, and the broker port when e.broker is set) accept connections.
func waitRealMaestro(t testing.TB, e *endpoints) {
	t.Helper()
	p := e.proc
	err := poll(60*time.Second, func() error {
		if p.exited() {
			return fmt.Errorf("exited")
		}
		res, err := http.Get(e.rest + "/api/maestro/v1/consumers")
		if err != nil {
			return err
		}
		res.Body.Close()
		if res.StatusCode != http.StatusOK {
			return fmt.Errorf("GET consumers: %d", res.StatusCode)
		}
		return nil
	})
	if err != nil {
		t.Fatalf("real maestro server did not come up: %v\n%s", err, p.tail(40))
	}
	// The gRPC ports open after REST; wait for them.
	for _, addr := range []string{e.grpc, e.broker} {
		if addr != "" {
			eventually(t, 30*time.Second, "real maestro gRPC port "+addr, func() error { return dialOnce(addr) })
		}
	}
}
