// Command rspregistrar is an RSerPool registrar (ENRP server) serving
// ASAP to pool elements and pool users, a drop-in for rsplib's
// rspregistrar on the command line: the same -name=value options and
// statistics file layout, structured logs (log/slog) on standard error.
//
// Without options it serves ASAP on 0.0.0.0:3863 and sends a Server
// Announce every second to 239.0.0.50:3863 through the loopback interface
// only (-asapannounceif= names another interface), accepts pool elements
// with loopback addresses (-minaddressscope=loopback; rsplib's default is
// sitelocal), and runs until SIGTERM or SIGINT: it then stops accepting,
// closes the associations, writes a last statistics line and exits 0.
// ENRP peering (-enrp=, -peer=, -enrpannounce=) is not supported yet: the
// options are accepted and reported. See usage in options.go for every
// option, stats.go for the statistics file, and package
// netcompat/core/rserpool/registrar for the behaviour.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"syscall"
	"time"

	"netcompat/core/rserpool/registrar"
)

var processStart = time.Now()

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Stderr))
}

// run runs the registrar until ctx ends and returns the exit status.
func run(ctx context.Context, args []string, stderr io.Writer) int {
	opts, err := parseOptions(args)
	if err != nil {
		fmt.Fprintf(stderr, "rspregistrar: %v\n\n%s", err, usage)
		return 1
	}
	if opts.help {
		io.WriteString(stderr, usage)
		return 0
	}

	logOut := stderr
	if opts.logFile != "" && !opts.logOff {
		flags := os.O_WRONLY | os.O_CREATE | os.O_TRUNC
		if opts.logAppend {
			flags = os.O_WRONLY | os.O_CREATE | os.O_APPEND
		}
		f, err := os.OpenFile(opts.logFile, flags, 0o644)
		if err != nil {
			fmt.Fprintf(stderr, "rspregistrar: log file: %v\n", err)
			return 1
		}
		defer f.Close()
		logOut = f
	}
	level := opts.logLevel
	if opts.logOff {
		level = logOffLevel
	}
	log := slog.New(slog.NewTextHandler(logOut, &slog.HandlerOptions{Level: level}))
	for _, arg := range opts.unsupported {
		log.Warn("option not supported, ignored", "option", arg)
	}

	var stats *statsWriter
	var statsFile *os.File
	if opts.statsFile != "" {
		if statsFile, err = os.Create(opts.statsFile); err == nil {
			stats, err = newStatsWriter(statsFile, processStart)
		}
		if err != nil {
			log.Error("cannot create the statistics file", "file", opts.statsFile, "err", err)
			return 1
		}
		defer statsFile.Close()
	}

	opts.server.Logger = log
	srv, err := registrar.Listen(opts.server)
	if err != nil {
		log.Error("cannot start", "err", err)
		return 1
	}
	cfg := srv.Config()
	announce, source := "off", ""
	if cfg.Announce.IsValid() {
		announce, source = cfg.Announce.String(), srv.AnnounceSource().String()
	}
	port := srv.Addrs()[0].Port()
	log.Info("registrar started",
		"server_id", fmt.Sprintf("$%08x", srv.ServerID()),
		"asap", fmt.Sprint(srv.Addrs()), "port", port, "transport", srv.Backend().String(),
		"announce", announce, "announce_source", source, "announce_if", cfg.AnnounceInterface,
		"min_address_scope", scopeName(cfg.Registrar.MinAddressScope),
		"keepalive", cfg.Registrar.KeepAliveInterval.String(), "keepalive_timeout", cfg.Registrar.KeepAliveTimeout.String(),
		"max_hres_items", cfg.Registrar.MaxHandleResolutionItems, "max_bad_pe_reports", cfg.Registrar.MaxBadPEReports)
	if e := srv.ENRPAddrs(); len(e) > 0 {
		mc := "off"
		if cfg.ENRPMulticast.IsValid() {
			mc = cfg.ENRPMulticast.String() + " on " + cfg.ENRPMulticastInterface
		}
		log.Info("ENRP started", "enrp", fmt.Sprint(e), "self", fmt.Sprint(cfg.Registrar.ENRP.Self.Addrs),
			"static_peers", len(cfg.Peers), "presence_multicast", mc, "heartbeat", cfg.Registrar.ENRP.HeartbeatCycle.String())
		if opts.enrpPortFile != "" {
			if err := writeFileAtomic(opts.enrpPortFile, strconv.Itoa(int(e[0].Port()))+"\n"); err != nil {
				log.Error("cannot write the ENRP port file", "file", opts.enrpPortFile, "err", err)
				srv.Close()
				return 1
			}
		}
	}
	var dumpSig chan os.Signal
	if opts.dumpFile != "" {
		dumpSig = make(chan os.Signal, 1)
		signal.Notify(dumpSig, syscall.SIGUSR1)
		defer signal.Stop(dumpSig)
	}
	if opts.portFile != "" {
		if err := writeFileAtomic(opts.portFile, strconv.Itoa(int(port))+"\n"); err != nil {
			log.Error("cannot write the port file", "file", opts.portFile, "err", err)
			srv.Close()
			return 1
		}
	}
	if opts.pidFile != "" {
		if err := writeFileAtomic(opts.pidFile, strconv.Itoa(os.Getpid())+"\n"); err != nil {
			log.Error("cannot write the PID file", "file", opts.pidFile, "err", err)
		}
	}

	var ticker <-chan time.Time
	if stats != nil {
		if err := stats.write(time.Now(), srv.Stats()); err != nil { // the first line at once, as rsplib
			log.Error("writing statistics failed", "err", err)
		}
		t := time.NewTicker(opts.statsInterval)
		defer t.Stop()
		ticker = t.C
	}
	for done := false; !done; {
		select {
		case <-ctx.Done():
			done = true
		case <-dumpSig:
			if err := writeDump(opts.dumpFile, srv.Snapshot()); err != nil {
				log.Error("writing the handlespace dump failed", "file", opts.dumpFile, "err", err)
			}
		case now := <-ticker:
			if err := stats.write(now, srv.Stats()); err != nil {
				log.Error("writing statistics failed", "err", err)
			}
		}
	}

	log.Info("shutting down")
	srv.Close()
	status := 0
	if stats != nil {
		err := stats.write(time.Now(), srv.Stats())
		if err == nil {
			err = statsFile.Sync()
		}
		if err == nil {
			err = statsFile.Close()
		}
		if err != nil && !errors.Is(err, os.ErrClosed) {
			log.Error("writing statistics failed", "err", err)
			status = 1
		}
	}
	st := srv.Stats()
	log.Info("registrar stopped", "registrations", st.Registrations, "handle_resolutions", st.HandleResolutions,
		"pool_elements", st.PoolElements)
	return status
}

// writeFileAtomic writes content to path through a temporary file and a
// rename, so that a reader never sees it half written.
func writeFileAtomic(path, content string) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return err
	}
	_, err = tmp.WriteString(content)
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), path)
	}
	if err != nil {
		os.Remove(tmp.Name())
	}
	return err
}

// writeDump writes a snapshot as JSON (-dumpfile, on SIGUSR1).
func writeDump(path string, snap *registrar.Snapshot) error {
	b, err := json.MarshalIndent(snap, "", "  ")
	if err != nil {
		return err
	}
	return writeFileAtomic(path, string(b)+"\n")
}
