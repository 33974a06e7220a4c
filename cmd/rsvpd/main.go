// Command rsvpd is an RSVP daemon (RFC 2205, IntServ of RFC 2210) for
// hosts and routers: it signals Path and Resv state hop by hop over raw
// IP with Router Alert or UDP encapsulation, admits reservations against
// each interface's bandwidth pool, enforces them with Linux traffic
// control (HTB classes and u32 filters) where configured, and serves the
// local API that the RAPI library (librsvp) and qtoq use.
//
//	rsvpd [-config FILE] [-api PATH] [-encap auto|raw|udp] [-log debug|info|warn|error]
//	rsvpd -status [-api PATH]
//
// Without a configuration file it runs with the defaults of
// core/rsvp/config (R = 30 s, K = 3, raw IP where allowed, no admission
// limit, no enforcement). The API socket is RSVP_API_SOCKET, else the
// file's api-socket, else /run/netcompat/rsvpd.sock. SIGTERM or SIGINT
// tears the local sessions down, removes the traffic-control state it
// installed and exits 0. -status prints the running daemon's state
// (sessions, path and reservation state, interfaces, counters) as JSON.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"runtime/pprof"
	"syscall"
	"time"

	"netcompat/core/rsvp/api"
	"netcompat/core/rsvp/config"
	"netcompat/core/rsvp/daemon"
)

// defaultConfig is read when -config is not given; it may be absent.
const defaultConfig = "/etc/netcompat/rsvpd.conf"

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Stdout, os.Stderr))
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("rsvpd", flag.ContinueOnError)
	fs.SetOutput(stderr)
	cfgPath := fs.String("config", "", "configuration file (default "+defaultConfig+" if it exists)")
	apiPath := fs.String("api", "", "API socket path (default: RSVP_API_SOCKET, the file's, or "+config.DefaultAPISocket+")")
	encap := fs.String("encap", "", "override the encapsulation: auto, raw or udp")
	level := fs.String("log", "info", "log level: debug, info, warn or error")
	status := fs.Bool("status", false, "print the running daemon's state as JSON and exit")
	cpuProfile := fs.String("cpuprofile", "", "write a CPU profile (go tool pprof) to this file until exit")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "rsvpd: unexpected argument %q\n", fs.Arg(0))
		return 2
	}
	path, optional := *cfgPath, false
	if path == "" {
		path, optional = defaultConfig, true
	}
	cfg, err := config.Load(path, optional)
	if err != nil {
		fmt.Fprintf(stderr, "rsvpd: %v\n", err)
		return 1
	}
	sock := *apiPath
	if sock == "" {
		sock = api.SocketPath(cfg.APISocket, config.DefaultAPISocket)
	}
	if *status {
		return printStatus(ctx, sock, stdout, stderr)
	}
	switch *encap {
	case "":
	case "auto":
		cfg.Encapsulation = config.EncapAuto
	case "raw":
		cfg.Encapsulation = config.EncapRaw
	case "udp":
		cfg.Encapsulation = config.EncapUDP
	default:
		fmt.Fprintf(stderr, "rsvpd: -encap %q: auto, raw or udp\n", *encap)
		return 2
	}
	var lv slog.Level
	if err := lv.UnmarshalText([]byte(*level)); err != nil {
		fmt.Fprintf(stderr, "rsvpd: -log %q: %v\n", *level, err)
		return 2
	}
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: lv}))
	if *cpuProfile != "" {
		f, err := os.Create(*cpuProfile)
		if err == nil {
			err = pprof.StartCPUProfile(f)
		}
		if err != nil {
			fmt.Fprintf(stderr, "rsvpd: -cpuprofile: %v\n", err)
			return 1
		}
		defer pprof.StopCPUProfile()
	}
	if err := daemon.Run(ctx, daemon.Options{Config: cfg, APISocket: sock, Log: log}); err != nil {
		log.Error("rsvpd", "err", err)
		return 1
	}
	return 0
}

func printStatus(ctx context.Context, sock string, stdout, stderr io.Writer) int {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	c, err := api.Dial(ctx, sock)
	if err != nil {
		fmt.Fprintf(stderr, "rsvpd: no daemon at %s: %v\n", sock, err)
		return 1
	}
	defer c.Close()
	st, err := c.Status(ctx)
	if err != nil {
		fmt.Fprintf(stderr, "rsvpd: status: %v\n", err)
		return 1
	}
	var pretty any
	if err := json.Unmarshal(st, &pretty); err != nil {
		fmt.Fprintf(stderr, "rsvpd: status: %v\n", errors.Unwrap(err))
		return 1
	}
	enc := json.NewEncoder(stdout)
	enc.SetIndent("", "  ")
	enc.Encode(pretty)
	return 0
}
