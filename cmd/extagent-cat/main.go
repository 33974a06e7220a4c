// Command extagent-cat speaks the SchemeStation external-agent protocol
// from a terminal, for looking at either side of a conversation.
//
// As an agent it connects to a domain, sends each line of standard input as
// one packet and prints every packet it receives; once the input ends it
// waits until the domain has been quiet for -wait, then says goodbye:
//
//	extagent-cat [-wait 1s] HOST PORT
//
// As a domain it listens and prints every agent's connect, packets and
// close, echoing packets back with -echo:
//
//	extagent-cat -listen PORT [-echo]
//
// Packets are printed as text when they are printable and as hex otherwise.
package main

import (
	"bufio"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"time"
	"unicode/utf8"

	"golang.org/x/sys/unix"

	"netcompat/core/extagent"
	"netcompat/core/extagent/client"
	"netcompat/core/extagent/server"
)

func main() {
	listen := flag.Int("listen", -1, "act as a domain listening on this port (0: any)")
	echo := flag.Bool("echo", false, "as a domain, send every packet back")
	wait := flag.Duration("wait", time.Second, "as an agent, how long a quiet domain is waited for after the input ends")
	flag.Usage = func() {
		fmt.Fprintf(os.Stderr, "usage: extagent-cat HOST PORT\n       extagent-cat -listen PORT [-echo]\n")
		flag.PrintDefaults()
	}
	flag.Parse()
	cfg := extagent.FromEnv()
	var err error
	switch {
	case *listen >= 0 && flag.NArg() == 0:
		err = domain(uint16(*listen), *echo, cfg, os.Stdout)
	case *listen < 0 && flag.NArg() == 2:
		port, perr := strconv.ParseUint(flag.Arg(1), 10, 16)
		if perr != nil {
			err = fmt.Errorf("bad port %q", flag.Arg(1))
			break
		}
		err = agent(flag.Arg(0), uint16(port), *wait, cfg, os.Stdin, os.Stdout)
	default:
		flag.Usage()
		os.Exit(2)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "extagent-cat:", err)
		os.Exit(1)
	}
}

// agent sends each input line and prints what the domain sends, until the
// input has ended and the domain has been quiet for wait, or it closes.
func agent(host string, port uint16, wait time.Duration, cfg extagent.Config, in io.Reader, out io.Writer) error {
	c, err := client.Dial(host, 0, port, cfg, client.GoAlloc{})
	if err != nil {
		return err
	}
	defer c.Close()
	received := make(chan error, 1)
	activity := make(chan struct{}, 1)
	go func() {
		for {
			p, _, err := c.Read(true)
			if err != nil {
				received <- err
				return
			}
			fmt.Fprintf(out, "< %s\n", show(p))
			select {
			case activity <- struct{}{}:
			default:
			}
		}
	}()
	lines := bufio.NewScanner(in)
	lines.Buffer(make([]byte, 64<<10), cfg.MaxPacket)
	for lines.Scan() {
		if len(lines.Bytes()) == 0 {
			continue
		}
		if err := c.Send(lines.Bytes()); err != nil {
			return err
		}
	}
	if err := lines.Err(); err != nil {
		return err
	}
	for quiet := time.NewTimer(wait); ; quiet.Reset(wait) {
		select {
		case <-activity:
			continue
		case err := <-received:
			if err == client.ErrClosed {
				return nil // the domain said goodbye
			}
			return err
		case <-quiet.C:
		}
		return nil // the deferred Close says goodbye
	}
}

// domain serves agents until it is killed.
func domain(port uint16, echo bool, cfg extagent.Config, out io.Writer) error {
	s, err := server.Listen(port, cfg)
	if err != nil {
		return err
	}
	defer s.Shutdown()
	fmt.Fprintf(out, "listening on port %d\n", s.Port())
	alloc := func(n int) []byte { return make([]byte, n) }
	for {
		pfd := []unix.PollFd{{Fd: int32(s.Fd()), Events: unix.POLLIN}}
		if _, err := unix.Poll(pfd, -1); err != nil && err != unix.EINTR {
			return err
		}
		if err := s.Poll(); err != nil {
			return err
		}
		for {
			ev, ok := s.Pop(alloc)
			if !ok {
				break
			}
			switch ev.Kind {
			case server.Accepted:
				fmt.Fprintf(out, "%s connected\n", ev.Conn.Peer())
				s.BeginDelivery(ev.Conn)
			case server.Packet:
				fmt.Fprintf(out, "%s > %s\n", ev.Conn.Peer(), show(ev.Data))
				if echo {
					s.Send(ev.Conn, ev.Data)
				}
			case server.Closed:
				fmt.Fprintf(out, "%s closed\n", ev.Conn.Peer())
			}
		}
	}
}

// show renders a packet: printable UTF-8 as is, anything else as hex.
func show(p []byte) string {
	if utf8.Valid(p) {
		printable := true
		for _, r := range string(p) {
			if r < ' ' && r != '\t' {
				printable = false
				break
			}
		}
		if printable {
			return fmt.Sprintf("%q", p)
		}
	}
	return fmt.Sprintf("%d octets: % x", len(p), p)
}
