// Process harness for the interop tests: finds the repository, starts the TypeScript server and
// agent (via the repository's own Bun) and the real Go `maestro` binary on free loopback ports,
// collects their logs, and stops them when a test ends, whether it passed or not.

package interop

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"k8s.io/klog/v2"
)

var (
	// repoRoot is the maestro-bun checkout (two levels above this package).
	repoRoot string
	// bunPath is the Bun that `npm ci` installed; the TypeScript processes run on it.
	bunPath string
	// maestroBin is the real Go `maestro` binary built from the pinned module (see TestMain).
	maestroBin string
	// clientLog receives the logs of the Go clients running in this test process.
	clientLog *os.File
	// logDir keeps every process's full output, one file per process (INTEROP_LOG_DIR, else a
	// fresh temporary directory); failures print the tail and the file's path.
	logDir string
)

func TestMain(m *testing.M) {
	wd, err := os.Getwd()
	if err != nil {
		fmt.Fprintln(os.Stderr, "interop:", err)
		os.Exit(2)
	}
	repoRoot = filepath.Clean(filepath.Join(wd, "..", ".."))
	bunPath = filepath.Join(repoRoot, "node_modules", ".bin", "bun")
	if _, err := os.Stat(bunPath); err != nil {
		fmt.Fprintf(os.Stderr, "interop: %s not found; run `npm ci` in %s first\n", bunPath, repoRoot)
		os.Exit(2)
	}
	maestroBin = os.Getenv("MAESTRO_BIN")
	if maestroBin == "" {
		maestroBin, err = buildMaestro(wd)
		if err != nil {
			fmt.Fprintln(os.Stderr, "interop: building the real maestro binary:", err)
			os.Exit(2)
		}
	}
	logDir = os.Getenv("INTEROP_LOG_DIR")
	if logDir != "" {
		err = os.MkdirAll(logDir, 0o755)
	} else {
		logDir, err = os.MkdirTemp("", "maestro-interop-logs-")
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "interop:", err)
		os.Exit(2)
	}
	// The Go clients' own logs (klog from sdk-go, Maestro's client logger) go to one file, so
	// the test output stays readable.
	clientLog, err = os.Create(filepath.Join(logDir, "go-clients.log"))
	if err != nil {
		fmt.Fprintln(os.Stderr, "interop:", err)
		os.Exit(2)
	}
	klog.LogToStderr(false)
	klog.SetOutput(clientLog)
	dropStaleDatabases()
	code := m.Run()
	klog.Flush()
	fmt.Fprintf(os.Stderr, "interop: process logs are in %s\n", logDir)
	os.Exit(code)
}

// buildMaestro builds github.com/openshift-online/maestro/cmd/maestro at the version go.mod pins
// into .bin/maestro (the first build takes minutes; later ones reuse Go's build cache).
func buildMaestro(moduleDir string) (string, error) {
	out := filepath.Join(moduleDir, ".bin", "maestro")
	goBin, err := exec.LookPath("go")
	if err != nil {
		// `go test` runs with the toolchain's bin on PATH; fall back to this test's own GOROOT.
		goBin = filepath.Join(runtime.GOROOT(), "bin", "go")
	}
	cmd := exec.Command(goBin, "build", "-o", out, "github.com/openshift-online/maestro/cmd/maestro")
	cmd.Dir = moduleDir
	cmd.Stdout = os.Stderr
	cmd.Stderr = os.Stderr
	if err := cmd.Run(); err != nil {
		return "", err
	}
	return out, nil
}

// freePort asks the kernel for a free loopback port. The port is released before the caller
// binds it, so another process could take it in between; on this machine that race is rare
// enough, and the real Maestro server has no "bind port 0 and report it" mode.
func freePort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("free port: %v", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// process is one child process with its output kept line by line.
type process struct {
	name string
	cmd  *exec.Cmd
	done chan struct{}
	log  *os.File

	mu    sync.Mutex
	lines []string
	cond  *sync.Cond
}

// startProcess starts argv[0] with the rest as arguments in dir, in its own process group, and
// registers a cleanup that stops it (and prints its log tail when the test failed).
func startProcess(t testing.TB, name, dir string, env []string, argv ...string) *process {
	t.Helper()
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	// Its own group so stop() reaches every child; Pdeathsig so a killed test binary leaves no
	// process behind.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	logFile, err := os.CreateTemp(logDir, strings.NewReplacer("/", "_", " ", "_").Replace(t.Name()+"-"+name)+"-*.log")
	if err != nil {
		t.Fatalf("%s: log file: %v", name, err)
	}
	p := &process{name: name, cmd: cmd, done: make(chan struct{}), log: logFile}
	p.cond = sync.NewCond(&p.mu)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", name, err)
	}
	var readers sync.WaitGroup
	readers.Add(2)
	go p.collect(stdout, &readers)
	go p.collect(stderr, &readers)
	go func() {
		readers.Wait()
		_ = cmd.Wait()
		_ = logFile.Close()
		close(p.done)
		p.mu.Lock()
		p.cond.Broadcast()
		p.mu.Unlock()
	}()
	t.Cleanup(func() {
		p.stop(10 * time.Second)
		if t.Failed() {
			t.Logf("---- last lines of %s (all of it: %s) ----\n%s", name, logFile.Name(), p.tail(15))
		}
	})
	return p
}

func (p *process) collect(r io.Reader, readers *sync.WaitGroup) {
	defer readers.Done()
	scanner := bufio.NewScanner(r)
	scanner.Buffer(make([]byte, 64*1024), 4*1024*1024)
	for scanner.Scan() {
		p.mu.Lock()
		p.lines = append(p.lines, scanner.Text())
		_, _ = fmt.Fprintln(p.log, scanner.Text())
		p.cond.Broadcast()
		p.mu.Unlock()
	}
}

func (p *process) exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// stop sends SIGTERM to the process group, then SIGKILL after grace.
func (p *process) stop(grace time.Duration) {
	if p.exited() {
		return
	}
	_ = syscall.Kill(-p.cmd.Process.Pid, syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(grace):
		_ = syscall.Kill(-p.cmd.Process.Pid, syscall.SIGKILL)
		<-p.done
	}
}

func (p *process) tail(n int) string {
	p.mu.Lock()
	defer p.mu.Unlock()
	from := len(p.lines) - n
	if from < 0 {
		from = 0
	}
	return strings.Join(p.lines[from:], "\n")
}

// waitLine blocks until a line satisfies match, the process exits, or timeout passes.
func (p *process) waitLine(timeout time.Duration, match func(string) bool) (string, error) {
	deadline := time.Now().Add(timeout)
	timer := time.AfterFunc(timeout, func() {
		p.mu.Lock()
		p.cond.Broadcast()
		p.mu.Unlock()
	})
	defer timer.Stop()
	p.mu.Lock()
	defer p.mu.Unlock()
	seen := 0
	for {
		for ; seen < len(p.lines); seen++ {
			if match(p.lines[seen]) {
				return p.lines[seen], nil
			}
		}
		if p.exited() {
			return "", fmt.Errorf("%s exited before the expected log line", p.name)
		}
		if time.Now().After(deadline) {
			return "", fmt.Errorf("%s: no expected log line within %s", p.name, timeout)
		}
		p.cond.Wait()
	}
}

// waitJSON waits for a JSON log record whose "msg" is msg and returns it.
func (p *process) waitJSON(timeout time.Duration, msg string) (map[string]any, error) {
	var record map[string]any
	_, err := p.waitLine(timeout, func(line string) bool {
		var r map[string]any
		if json.Unmarshal([]byte(line), &r) != nil || r["msg"] != msg {
			return false
		}
		record = r
		return true
	})
	return record, err
}

// eventually polls fn until it returns nil or timeout passes; the last error fails the test.
func eventually(t testing.TB, timeout time.Duration, what string, fn func() error) {
	t.Helper()
	if err := poll(timeout, fn); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

// never fails the test if happened returns true at any poll during window.
func never(t testing.TB, window time.Duration, what string, happened func() bool) {
	t.Helper()
	deadline := time.Now().Add(window)
	for time.Now().Before(deadline) {
		if happened() {
			t.Fatal(what)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// poll calls fn every 100 ms until it returns nil or timeout passes, and returns the last error.
func poll(timeout time.Duration, fn func() error) error {
	deadline := time.Now().Add(timeout)
	for {
		err := fn()
		if err == nil {
			return nil
		}
		if time.Now().After(deadline) {
			return err
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// testContext is a context cancelled when the test ends.
func testContext(t testing.TB) context.Context {
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	return ctx
}

var errNotYet = errors.New("not yet")
