package crash

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"
)

// buildCustos builds the custos binary into a temporary directory once per
// test and returns its path; CUSTOS_CRASH_BIN names a prebuilt one instead
// (e.g. of another commit).
func buildCustos(t *testing.T) string {
	t.Helper()
	if bin := os.Getenv("CUSTOS_CRASH_BIN"); bin != "" {
		return bin
	}
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Skipf("no go tool on PATH to build custos: %v", err)
	}
	bin := filepath.Join(t.TempDir(), "custos")
	cmd := exec.Command(goBin, "build", "-o", bin, "github.com/custos-dev/custos/cmd/custos")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build custos: %v\n%s", err, out)
	}
	return bin
}

// server is one `custos serve` child process.
type server struct {
	cmd  *exec.Cmd
	url  string
	logs string // file with its stderr
	done chan struct{}
	err  error // the exit status, once done is closed
}

var servingRE = regexp.MustCompile(`serving on (\S+)`)

// startServer runs `custos serve` on dir (and db and the master key file
// keyFile, if not "") on a free loopback port, with the extra flags, and
// waits until it is ready.
func startServer(ctx context.Context, t *testing.T, bin, dir, db, keyFile string, extra ...string) (*server, error) {
	t.Helper()
	// The log sits next to the data directory, not in it.
	logs := fmt.Sprintf("%s-serve-%d.log", dir, time.Now().UnixNano())
	lf, err := os.Create(logs)
	if err != nil {
		return nil, err
	}
	defer lf.Close()
	args := []string{"serve", "--data", dir, "--addr", "127.0.0.1:0", "--rate-limit", "0", "--log-level", "warn"}
	if db != "" {
		args = append(args, "--db", db)
	}
	if keyFile != "" {
		args = append(args, "--master-key-file", keyFile)
	}
	args = append(args, extra...)
	cmd := exec.Command(bin, args...)
	cmd.Env = childEnv()
	cmd.Stderr = lf
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start custos serve: %w", err)
	}
	s := &server{cmd: cmd, logs: logs, done: make(chan struct{})}
	urls := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			if m := servingRE.FindStringSubmatch(sc.Text()); m != nil {
				select {
				case urls <- m[1]:
				default:
				}
			}
		}
		_, _ = io.Copy(io.Discard, out)
		s.err = cmd.Wait()
		close(s.done)
	}()
	t.Cleanup(func() { s.kill() })
	select {
	case s.url = <-urls:
	case <-s.done:
		return nil, fmt.Errorf("custos serve exited before serving: %v\n%s", s.err, s.tail())
	case <-ctx.Done():
		s.kill()
		return nil, fmt.Errorf("custos serve did not start: %w\n%s", ctx.Err(), s.tail())
	}
	if err := s.waitReady(ctx); err != nil {
		s.kill()
		return nil, err
	}
	return s, nil
}

// childEnv is the test's environment without CUSTOS_* variables, so that
// only the flags configure the server.
func childEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "CUSTOS_") {
			env = append(env, kv)
		}
	}
	return env
}

// waitReady polls /readyz until it answers 200.
func (s *server) waitReady(ctx context.Context) error {
	hc := &http.Client{Timeout: 2 * time.Second}
	for {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, s.url+"/readyz", nil)
		if err != nil {
			return err
		}
		if res, err := hc.Do(req); err == nil {
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				return nil
			}
		}
		select {
		case <-s.done:
			return fmt.Errorf("custos serve exited before it was ready: %v\n%s", s.err, s.tail())
		case <-ctx.Done():
			return fmt.Errorf("custos serve not ready: %w\n%s", ctx.Err(), s.tail())
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// kill sends SIGKILL (if the process still runs) and waits for its exit.
func (s *server) kill() {
	select {
	case <-s.done:
		return
	default:
	}
	_ = s.cmd.Process.Signal(syscall.SIGKILL)
	<-s.done
}

// stop asks the server to shut down gracefully (SIGTERM) and kills it if it
// has not exited within timeout; it reports a failed graceful stop.
func (s *server) stop(timeout time.Duration) error {
	_ = s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.done:
		var ee *exec.ExitError
		if s.err != nil && !errors.As(s.err, &ee) {
			return s.err
		}
		if s.err != nil {
			return fmt.Errorf("custos serve exited with %v after SIGTERM\n%s", s.err, s.tail())
		}
		return nil
	case <-time.After(timeout):
		s.kill()
		return fmt.Errorf("custos serve did not stop within %s of SIGTERM", timeout)
	}
}

// tail returns the end of the server's log.
func (s *server) tail() string {
	b, err := os.ReadFile(s.logs)
	if err != nil {
		return ""
	}
	if len(b) > 4000 {
		b = b[len(b)-4000:]
	}
	return string(b)
}

// adminFile is the part of DIR/admin.json the harness uses.
type adminFile struct {
	OrgID          string `json:"orgId"`
	ServiceAccount struct {
		UserID        string `json:"userId"`
		AuthToken     string `json:"authToken"`
		CredID        string `json:"credId"`
		PrivateKeyPEM string `json:"privateKeyPem"`
	} `json:"serviceAccount"`
}

func readAdmin(dir string) (*adminFile, error) {
	b, err := os.ReadFile(filepath.Join(dir, "admin.json"))
	if err != nil {
		return nil, err
	}
	var a adminFile
	if err := json.Unmarshal(b, &a); err != nil {
		return nil, fmt.Errorf("admin.json: %w", err)
	}
	return &a, nil
}
