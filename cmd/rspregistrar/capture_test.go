package main

import (
	"bufio"
	"fmt"
	"io"
	"os/exec"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// liveCapture is tshark writing the packets on lo that match a capture
// filter to a pcap file. It also prints each packet as it is written
// (-P -l), so that the test knows when the capture is live and when it
// has caught up: the datagrams the registrar sends at a steady pace
// (announces, Presences) mark time in it.
type liveCapture struct {
	t       *testing.T
	cmd     *exec.Cmd
	out     syncBuffer   // tshark's standard error
	udpSeen atomic.Int64 // UDP packets printed so far
	stopped bool
}

// startCapture starts tshark and waits until it captures; anything else
// first (an error, a permission problem) skips the test. The capture is
// killed when the test ends unless stopped.
func startCapture(t *testing.T, filter, pcap string) *liveCapture {
	t.Helper()
	c := &liveCapture{t: t, cmd: exec.Command("tshark", "-l", "-P", "-i", "lo", "-f", filter, "-w", pcap)}
	stderr, err := c.cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := c.cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if strings.Contains(sc.Text(), "UDP") {
				c.udpSeen.Add(1)
			}
		}
	}()
	if err := c.cmd.Start(); err != nil {
		t.Skipf("cannot start tshark: %v", err)
	}
	t.Cleanup(func() {
		if !c.stopped {
			c.cmd.Process.Kill()
			c.cmd.Wait()
		}
	})
	ready := make(chan error, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		signalled := false
		for sc.Scan() {
			line := sc.Text()
			c.out.Write([]byte(line + "\n"))
			if !signalled && strings.Contains(line, "Capturing on") {
				ready <- nil
				signalled = true
			}
		}
		if !signalled {
			ready <- fmt.Errorf("tshark ended before capturing: %s", c.out.String())
		}
		io.Copy(io.Discard, stderr)
	}()
	select {
	case err := <-ready:
		if err != nil {
			t.Skip(err)
		}
	case <-time.After(waitLimit):
		t.Skip("tshark did not start capturing")
	}
	return c
}

// waitUDP waits until the capture has printed n more UDP packets than
// before.
func (c *liveCapture) waitUDP(what string, n int64) {
	c.t.Helper()
	base := c.udpSeen.Load()
	eventually(c.t, what, func() bool { return c.udpSeen.Load() >= base+n })
}

// stop lets tshark write out what it captured and end.
func (c *liveCapture) stop() {
	c.cmd.Process.Signal(syscall.SIGINT)
	if err := c.cmd.Wait(); err != nil {
		c.t.Logf("tshark: %v\n%s", err, c.out.String())
	}
	c.stopped = true
}
