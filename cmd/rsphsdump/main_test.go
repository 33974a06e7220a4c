package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"netcompat/core/rserpool/policy"
	"netcompat/core/rserpool/registrar"
	"netcompat/core/rserpool/registrar/registrartest"
	"netcompat/core/transport"
)

// goBuild compiles package pkg into dir and returns the binary's path.
func goBuild(t *testing.T, dir, pkg string) string {
	t.Helper()
	goTool, err := exec.LookPath("go")
	if err != nil {
		goTool = filepath.Join(runtime.GOROOT(), "bin", "go")
	}
	path := filepath.Join(dir, filepath.Base(pkg))
	if out, err := exec.Command(goTool, "build", "-o", path, pkg).CombinedOutput(); err != nil {
		t.Fatalf("building %s: %v\n%s", pkg, err, out)
	}
	return path
}

// runTool runs the rsphsdump binary and returns its output and exit code.
func runTool(t *testing.T, path string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), waitLimit)
	defer cancel()
	var out, errOut bytes.Buffer
	cmd := exec.CommandContext(ctx, path, args...)
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	var ee *exec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &ee):
		code = ee.ExitCode()
	default:
		t.Fatal(err)
	}
	return out.String(), errOut.String(), code
}

// readPort waits for a port file and returns the port.
func readPort(t *testing.T, path string) uint16 {
	t.Helper()
	var b []byte
	eventually(t, "the port file "+path, func() bool {
		var err error
		b, err = os.ReadFile(path)
		return err == nil && bytes.HasSuffix(b, []byte("\n"))
	})
	port, err := strconv.ParseUint(strings.TrimSpace(string(b)), 10, 16)
	if err != nil {
		t.Fatalf("port file %q", b)
	}
	return uint16(port)
}

// TestBinaries runs the built rsphsdump against a built rspregistrar and
// compares with the registrar's own -dumpfile; then the exit codes of
// failures.
func TestBinaries(t *testing.T) {
	dir := t.TempDir()
	tool := goBuild(t, dir, "netcompat/cmd/rsphsdump")
	daemon := goBuild(t, dir, "netcompat/cmd/rspregistrar")

	enrpPortFile, dumpFile := filepath.Join(dir, "enrp-port"), filepath.Join(dir, "dump.json")
	d := registrartest.Start(t, daemon, waitLimit, "-enrp=127.0.0.1:0", "-enrpannounce=off",
		"-enrpportfile="+enrpPortFile, "-dumpfile="+dumpFile, "-maxelementsperhtrequest=4",
		"-keepalivetransmissioninterval=300000")
	enrp := fmt.Sprintf("127.0.0.1:%d", readPort(t, enrpPortFile))

	c := dialASAP(t, []netip.AddrPort{d.Addr}, transport.BackendAuto)
	for i := range uint32(10) {
		c.register("echo", element(100+i, policy.RoundRobin))
		c.register("calc", element(200+i, policy.LeastUsed, i))
	}

	stdout, stderr, code := runTool(t, tool, "-registrar="+enrp, "-pretty", "-timeout=10000")
	if code != 0 || stderr != "" {
		t.Fatalf("exit code %d, stderr:\n%s", code, stderr)
	}
	var got registrar.Snapshot
	if err := json.Unmarshal([]byte(stdout), &got); err != nil {
		t.Fatalf("%v in:\n%s", err, stdout)
	}
	if !strings.Contains(stdout, "\n  \"pools\": [") {
		t.Errorf("-pretty output not indented:\n%s", stdout)
	}

	d.Cmd.Process.Signal(syscall.SIGUSR1)
	var want registrar.Snapshot
	eventually(t, "the registrar's dump file", func() bool {
		b, err := os.ReadFile(dumpFile)
		return err == nil && json.Unmarshal(b, &want) == nil
	})
	if got.ServerID != want.ServerID || got.Checksum != want.Checksum || got.Elements != 20 || want.Elements != 20 {
		t.Errorf("got server $%08x checksum %#04x elements %d; registrar's dump $%08x %#04x %d",
			got.ServerID, got.Checksum, got.Elements, want.ServerID, want.Checksum, want.Elements)
	}
	if !reflect.DeepEqual(got.Pools, want.Pools) || !reflect.DeepEqual(got.Checksums, want.Checksums) {
		t.Errorf("dumps differ:\n%s\nregistrar's:\n%+v", stdout, want)
	}

	// Failures: nobody listening, then a bad command line.
	stdout, stderr, code = runTool(t, tool, "-registrar="+freePort(t).String(), "-timeout=5000")
	if code != 1 || stdout != "" || !strings.Contains(stderr, "connection refused") {
		t.Errorf("unreachable registrar: exit code %d, stdout %q, stderr %q", code, stdout, stderr)
	}
	if _, stderr, code = runTool(t, tool, "-registrar=nowhere"); code != 2 || !strings.Contains(stderr, "usage:") {
		t.Errorf("bad option: exit code %d, stderr %q", code, stderr)
	}
}

func TestParseOptions(t *testing.T) {
	o, err := parseOptions([]string{"-registrar=10.0.0.1,10.0.0.2:7", "-transport=tcp", "-identifier=0x10", "-timeout=250", "-pretty"})
	if err != nil {
		t.Fatal(err)
	}
	want := []netip.AddrPort{netip.MustParseAddrPort("10.0.0.1:9901"), netip.MustParseAddrPort("10.0.0.2:7")}
	if !reflect.DeepEqual(o.probe.Registrar, want) || o.probe.Backend != transport.BackendTCP ||
		o.probe.ServerID != 0x10 || o.timeout != 250*time.Millisecond || !o.pretty {
		t.Errorf("got %+v", o)
	}
	for _, bad := range [][]string{{"-registrar"}, {"-registrar=0.0.0.0:1"}, {"-transport=udp"}, {"-identifier=0"},
		{"-timeout=0"}, {"-frobnicate=1"}, {"plain"}} {
		if _, err := parseOptions(bad); err == nil {
			t.Errorf("%v accepted", bad)
		}
	}
}
