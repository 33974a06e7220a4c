package main

import (
	"fmt"
	"net"
	"sync/atomic"
	"time"

	"netcompat/core/internal/impair"
)

// env is where the two ends of a benchmark open their sockets: L0 is the
// loopback of the program's own namespace, L1 the two namespaces of an
// impair.Path (TUN devices and the impairment router in this process).
type env struct {
	name         string
	srvIP, cliIP string
	srvDo, cliDo func(func() error) error
	path         *impair.Path
}

func direct(f func() error) error { return f() }

func loopback() *env {
	return &env{name: "L0", srvIP: "127.0.0.1", cliIP: "127.0.0.1", srvDo: direct, cliDo: direct}
}

// L1 of webtp.md §7: 100 Mbit/s, 1 ms one way in each direction, the
// router queue 1 BDP with the 64 KB floor (impair's default), loss set
// per run on the data direction (cli→srv) only.
const l1Rate = 100_000_000

func l1Link(loss float64, seed int64) impair.LinkConfig {
	return impair.LinkConfig{Rate: l1Rate, Overhead: 14, Delay: time.Millisecond, Loss: loss, Seed: seed}
}

func impaired() (*env, error) {
	p, err := impair.Build(impair.Config{Prefix: "webtpb", Forward: l1Link(0, 1), Reverse: l1Link(0, 2)})
	if err != nil {
		return nil, err
	}
	e := &env{name: "L1", srvIP: p.SrvAddr4.String(), cliIP: p.CliAddr4.String(),
		srvDo: p.Srv.Do, cliDo: p.Cli.Do, path: p}
	// the path carries traffic both ways before anything is measured
	if err := e.ping(); err != nil {
		p.Close()
		return nil, fmt.Errorf("impaired path: %w", err)
	}
	return e, nil
}

// setLoss sets the loss of the data direction; every call re-seeds it.
var seeds atomic.Int64

func (e *env) setLoss(loss float64) error {
	if e.path == nil {
		return nil
	}
	return e.path.Forward.Set(l1Link(loss, 100+seeds.Add(1)))
}

func (e *env) close() {
	if e.path != nil {
		e.path.Close()
	}
}

// ping checks the path with one UDP datagram each way.
func (e *env) ping() error {
	var srv, cli net.PacketConn
	if err := e.srvDo(func() (err error) { srv, err = net.ListenPacket("udp4", e.srvIP+":0"); return }); err != nil {
		return err
	}
	defer srv.Close()
	if err := e.cliDo(func() (err error) { cli, err = net.ListenPacket("udp4", e.cliIP+":0"); return }); err != nil {
		return err
	}
	defer cli.Close()
	buf := make([]byte, 64)
	for try := 0; try < 50; try++ {
		cli.WriteTo([]byte("ping"), srv.LocalAddr())
		srv.SetReadDeadline(time.Now().Add(100 * time.Millisecond))
		if _, from, err := srv.ReadFrom(buf); err == nil {
			srv.WriteTo([]byte("pong"), from)
			cli.SetReadDeadline(time.Now().Add(time.Second))
			if _, _, err := cli.ReadFrom(buf); err == nil {
				return nil
			}
		}
	}
	return fmt.Errorf("no UDP exchange between %s and %s", e.cliIP, e.srvIP)
}

// ports hands out distinct UDP ports for WebTP endpoints: an endpoint is
// shared by address within the process, so every run gets fresh ones.
var nextPort atomic.Int32

func freshPort() int { return 30000 + int(nextPort.Add(1))%20000 }
