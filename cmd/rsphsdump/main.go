// Command rsphsdump prints the handlespace of an RSerPool registrar as
// JSON, like rsplib's hsdump: it joins the registrar's ENRP endpoint as a
// short-lived peer with no pool elements of its own, asks for the whole
// handle table and the peer list (RFC 5353), prints what it got and
// leaves. It works with any ENRP registrar: netcompat's rspregistrar
// (-enrp=) and rsplib's.
//
// The output has the shape of rspregistrar's -dumpfile (registrar.Snapshot):
// the registrar's server ID and the checksum its Presence announced, the
// checksum of every home registrar's elements computed from the table,
// the pools sorted by handle with their elements sorted by identifier,
// and the peers the registrar listed (identifier, addresses, and the
// elements the table gives them).
//
// The registrar takes the dump for a peer: it keeps it in its peer table,
// and lists it to others, until its Presence timers run out (about 10 s
// with rsplib's defaults), so a dump soon after another lists the earlier
// one among the peers; and a registrar still in its startup phase may
// pick the dump as its mentor until a real peer speaks. The checksum the registrar's Presence announces
// for its own elements is compared with the one its table gives them; a
// difference (the handlespace changed meanwhile, or the table is
// incomplete) is reported on standard error, and the dump is printed.
//
// Exit status: 0 on success; 1 when the registrar cannot be reached,
// refuses, answers something undecodable, or does not answer in time; 2
// for a bad command line. See usage for the options; probe.go does the
// ENRP exchange.
package main

import (
	"context"
	"fmt"
	"io"
	"net/netip"
	"os"
	"strconv"
	"strings"
	"time"

	"netcompat/core/rserpool/wire"
	"netcompat/core/transport"
)

const usage = `usage: rsphsdump [-option=value ...]

Prints a registrar's handlespace and peer list as JSON on standard output,
acting as a short-lived ENRP peer (RFC 5353) with no elements of its own.

  -registrar=address:port[,address...]   the registrar's ENRP endpoint, one multi-homed
                                         endpoint (default 127.0.0.1:9901; port default 9901)
  -transport=sctp|tcp|auto               kernel SCTP or netcompat's TCP mapping (default auto:
                                         NETCOMPAT_SCTP, else kernel SCTP when the kernel has it)
  -identifier=ID                         our server ID, hex (0x... or $...) or decimal
                                         (default random)
  -timeout=ms                            give up after this long (default 10000)
  -pretty                                indent the JSON

Exit status: 0 success, 1 failure (unreachable, refused, bad answer, timeout),
2 bad command line.
`

const defaultTimeout = 10 * time.Second

func main() {
	os.Exit(run(context.Background(), os.Args[1:], os.Stdout, os.Stderr))
}

// run dumps the handlespace and returns the exit status.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	opts, err := parseOptions(args)
	if err != nil {
		fmt.Fprintf(stderr, "rsphsdump: %v\n\n%s", err, usage)
		return 2
	}
	if opts.help {
		io.WriteString(stderr, usage)
		return 0
	}
	ctx, cancel := context.WithTimeout(ctx, opts.timeout)
	defer cancel()
	snap, err := probe(ctx, opts.probe)
	if err != nil {
		fmt.Fprintf(stderr, "rsphsdump: %v\n", err)
		return 1
	}
	if err := checkOwn(snap); err != nil {
		fmt.Fprintf(stderr, "rsphsdump: warning: %v\n", err)
	}
	b, err := encodeSnapshot(snap, opts.pretty)
	if err == nil {
		_, err = stdout.Write(b)
	}
	if err != nil {
		fmt.Fprintf(stderr, "rsphsdump: writing the dump: %v\n", err)
		return 1
	}
	return 0
}

// options is the parsed command line.
type options struct {
	probe   probeConfig
	timeout time.Duration
	pretty  bool
	help    bool
}

// parseOptions parses rsplib-style -name=value arguments.
func parseOptions(args []string) (*options, error) {
	o := &options{timeout: defaultTimeout}
	o.probe.Registrar = []netip.AddrPort{netip.AddrPortFrom(netip.AddrFrom4([4]byte{127, 0, 0, 1}), wire.ENRPPort)}
	for _, arg := range args {
		name, value, hasValue := strings.Cut(strings.TrimPrefix(arg, "-"), "=")
		if !strings.HasPrefix(arg, "-") || name == "" {
			return nil, fmt.Errorf("invalid argument %q", arg)
		}
		name = strings.TrimPrefix(name, "-") // --name works too
		var err error
		switch name {
		case "registrar", "transport", "identifier", "timeout":
			if !hasValue {
				return nil, fmt.Errorf("option -%s needs a value (-%s=...)", name, name)
			}
		}
		switch name {
		case "h", "help":
			o.help = true
		case "pretty":
			o.pretty = !hasValue || value == "1" || value == "true" || value == "on"
		case "registrar":
			o.probe.Registrar, err = parseEndpoint(value, wire.ENRPPort)
		case "transport":
			o.probe.Backend, err = parseBackend(value)
		case "identifier":
			o.probe.ServerID, err = parseID(value)
		case "timeout":
			var ms uint64
			ms, err = strconv.ParseUint(value, 10, 32)
			if err != nil || ms == 0 {
				err = fmt.Errorf("bad -timeout=%s (milliseconds, at least 1)", value)
			}
			o.timeout = time.Duration(ms) * time.Millisecond
		default:
			err = fmt.Errorf("unknown option -%s", name)
		}
		if err != nil {
			return nil, err
		}
	}
	return o, nil
}

// parseEndpoint parses address:port[,address[:port]...]: the addresses of
// one multi-homed endpoint; the first port (else def) is the default of
// the others.
func parseEndpoint(s string, def uint16) ([]netip.AddrPort, error) {
	var out []netip.AddrPort
	port := def
	for i, item := range strings.Split(s, ",") {
		ap, err := netip.ParseAddrPort(item)
		if err != nil {
			a, aerr := netip.ParseAddr(strings.TrimSuffix(strings.TrimPrefix(item, "["), "]"))
			if aerr != nil {
				return nil, fmt.Errorf("bad registrar address %q (use address:port)", item)
			}
			ap = netip.AddrPortFrom(a, port)
		}
		if ap.Port() == 0 || ap.Addr().IsUnspecified() {
			return nil, fmt.Errorf("bad registrar address %q (needs a host address and a port)", item)
		}
		if i == 0 {
			port = ap.Port()
		}
		out = append(out, ap)
	}
	return out, nil
}

func parseBackend(s string) (transport.Backend, error) {
	switch strings.ToLower(s) {
	case "auto":
		return transport.BackendAuto, nil
	case "sctp", "kernel":
		return transport.BackendKernel, nil
	case "tcp":
		return transport.BackendTCP, nil
	}
	return 0, fmt.Errorf("bad -transport=%s (sctp, tcp or auto)", s)
}

// parseID parses a server ID: 0x... or $... hexadecimal, else decimal;
// not 0, which ENRP reserves.
func parseID(s string) (uint32, error) {
	var v uint64
	var err error
	switch {
	case strings.HasPrefix(s, "0x"), strings.HasPrefix(s, "0X"):
		v, err = strconv.ParseUint(s[2:], 16, 32)
	case strings.HasPrefix(s, "$"):
		v, err = strconv.ParseUint(s[1:], 16, 32)
	default:
		v, err = strconv.ParseUint(s, 10, 32)
	}
	if err != nil || v == 0 {
		return 0, fmt.Errorf("bad server identifier %q (non-zero, 32 bits)", s)
	}
	return uint32(v), nil
}
