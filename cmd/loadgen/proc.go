package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// clockTicks is USER_HZ, the unit of utime and stime in /proc/PID/stat: 100
// on every Linux architecture Go supports.
const clockTicks = 100

// cpuTime returns the user plus system CPU time a process has used, from
// /proc/PID/stat (fields 14 and 15, counted after the parenthesised command
// name, which may itself hold spaces or parentheses).
func cpuTime(pid int) (time.Duration, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, err
	}
	return parseStatCPU(string(b))
}

func parseStatCPU(stat string) (time.Duration, error) {
	i := strings.LastIndexByte(stat, ')')
	if i < 0 {
		return 0, errors.New("/proc stat: no command name")
	}
	// After ") " come the fields from the third (state) on: utime is the
	// 14th field, so the 12th here.
	f := strings.Fields(stat[i+1:])
	if len(f) < 13 {
		return 0, errors.New("/proc stat: too few fields")
	}
	ut, err1 := strconv.ParseUint(f[11], 10, 64)
	st, err2 := strconv.ParseUint(f[12], 10, 64)
	if err := errors.Join(err1, err2); err != nil {
		return 0, fmt.Errorf("/proc stat: %w", err)
	}
	return time.Duration(ut+st) * time.Second / clockTicks, nil
}

// memory returns VmRSS and VmHWM (peak resident set) of a process in
// bytes, from /proc/PID/status.
func memory(pid int) (rss, hwm int64, err error) {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, 0, err
	}
	defer f.Close()
	return parseStatusMemory(bufio.NewScanner(f))
}

func parseStatusMemory(sc *bufio.Scanner) (rss, hwm int64, err error) {
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), ":")
		if !ok || (k != "VmRSS" && k != "VmHWM") {
			continue
		}
		f := strings.Fields(v)
		if len(f) != 2 || f[1] != "kB" {
			return 0, 0, fmt.Errorf("/proc status: %s: unexpected %q", k, v)
		}
		n, err := strconv.ParseInt(f[0], 10, 64)
		if err != nil {
			return 0, 0, fmt.Errorf("/proc status: %s: %w", k, err)
		}
		if k == "VmRSS" {
			rss = n * 1024
		} else {
			hwm = n * 1024
		}
	}
	if rss == 0 {
		return 0, 0, errors.New("/proc status: no VmRSS")
	}
	return rss, hwm, sc.Err()
}

// freeAddr returns a loopback address with a port free a moment ago.
func freeAddr() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}

// process is a server the tool started: the emulator or the baseline.
type process struct {
	cmd      *exec.Cmd
	endpoint string
	// startup is the time from starting the process to its first healthy
	// answer.
	startup time.Duration
	exited  chan struct{}
	stderr  *strings.Builder
}

func (p *process) pid() int { return p.cmd.Process.Pid }

// start runs argv (with an HTTP address appended by addrArgs) and waits
// until GET healthPath answers 200.
func start(ctx context.Context, argv []string, addrArgs func(addr string) []string, healthPath string) (*process, error) {
	addr, err := freeAddr()
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(argv[0], append(append([]string(nil), argv[1:]...), addrArgs(addr)...)...)
	var errBuf strings.Builder
	cmd.Stderr = &limitedWriter{b: &errBuf, max: 8 << 10}
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	p := &process{cmd: cmd, endpoint: "http://" + addr, exited: make(chan struct{}), stderr: &errBuf}
	began := time.Now()
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	go func() { _ = cmd.Wait(); close(p.exited) }()
	health := p.endpoint + healthPath
	client := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}, Timeout: 2 * time.Second}
	deadline := time.NewTimer(30 * time.Second)
	defer deadline.Stop()
	for {
		resp, err := client.Get(health)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				p.startup = time.Since(began)
				return p, nil
			}
		}
		select {
		case <-p.exited:
			return nil, fmt.Errorf("%s exited before answering: %s", filepath.Base(argv[0]), strings.TrimSpace(errBuf.String()))
		case <-deadline.C:
			p.stop()
			return nil, fmt.Errorf("%s: no healthy answer within 30s", filepath.Base(argv[0]))
		case <-ctx.Done():
			p.stop()
			return nil, ctx.Err()
		case <-time.After(500 * time.Microsecond):
		}
	}
}

// stop asks the process to end (SIGTERM), and kills it after five seconds.
func (p *process) stop() {
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.exited:
	case <-time.After(5 * time.Second):
		_ = p.cmd.Process.Kill()
		<-p.exited
	}
}

type limitedWriter struct {
	b   *strings.Builder
	max int
}

func (w *limitedWriter) Write(p []byte) (int, error) {
	if room := w.max - w.b.Len(); room > 0 {
		w.b.Write(p[:min(len(p), room)])
	}
	return len(p), nil
}
