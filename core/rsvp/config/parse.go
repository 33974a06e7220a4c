package config

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"os"
	"strconv"
	"strings"
	"time"
)

// maxLine bounds a statement, continuation lines included.
const maxLine = 4096

// Load reads the file at path. A path that does not exist gives the
// defaults when optional is true.
func Load(path string, optional bool) (*Config, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) && optional {
		return Default(), nil
	}
	if err != nil {
		return nil, err
	}
	c, err := Parse(bytes.NewReader(b))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return c, nil
}

// Parse reads a configuration; errors name the line.
func Parse(r io.Reader) (*Config, error) {
	c := Default()
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 1024), maxLine)
	lineNo, stmtLine := 0, 0
	var stmt []string
	for sc.Scan() {
		lineNo++
		line, _, _ := strings.Cut(sc.Text(), "#")
		line = strings.TrimSpace(line)
		cont := strings.HasSuffix(line, "\\")
		line = strings.TrimSuffix(line, "\\")
		if len(stmt) == 0 {
			stmtLine = lineNo
		}
		stmt = append(stmt, strings.Fields(line)...)
		if cont {
			continue
		}
		if len(stmt) > 0 {
			if err := c.statement(stmt); err != nil {
				return nil, fmt.Errorf("line %d: %w", stmtLine, err)
			}
		}
		stmt = nil
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("line %d: %w", lineNo+1, err)
	}
	if len(stmt) > 0 {
		return nil, fmt.Errorf("line %d: statement continues past the end of the file", stmtLine)
	}
	return c, c.check()
}

func (c *Config) statement(w []string) error {
	args := w[1:]
	one := func() (string, error) {
		if len(args) != 1 {
			return "", fmt.Errorf("%s takes one value", w[0])
		}
		return args[0], nil
	}
	switch w[0] {
	case "refresh":
		v, err := one()
		if err != nil {
			return err
		}
		d, err := time.ParseDuration(v)
		if err != nil || d < 100*time.Millisecond || d > 24*time.Hour {
			return fmt.Errorf("refresh %q: a duration from 100ms to 24h", v)
		}
		c.Refresh = d
	case "keep":
		v, err := one()
		if err != nil {
			return err
		}
		k, err := strconv.Atoi(v)
		if err != nil || k < 1 || k > 100 {
			return fmt.Errorf("keep %q: a number from 1 to 100", v)
		}
		c.Keep = k
	case "encapsulation":
		v, err := one()
		if err != nil {
			return err
		}
		if c.Encapsulation, err = parseEncap(v); err != nil {
			return err
		}
	case "api-socket":
		v, err := one()
		if err != nil {
			return err
		}
		c.APISocket = v
	case "max-sessions":
		v, err := one()
		if err != nil {
			return err
		}
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			return fmt.Errorf("max-sessions %q: a positive number", v)
		}
		c.MaxSessions = n
	case "interface":
		return c.parseInterface(args)
	case "nosignal":
		return c.parseNoSignal(args)
	default:
		return fmt.Errorf("unknown statement %q", w[0])
	}
	return nil
}

func parseEncap(v string) (Encapsulation, error) {
	switch v {
	case "auto":
		return EncapAuto, nil
	case "raw":
		return EncapRaw, nil
	case "udp":
		return EncapUDP, nil
	}
	return 0, fmt.Errorf("encapsulation %q: auto, raw or udp", v)
}

// options walks "key value" pairs (and the lone words in flags).
func options(args []string, flags map[string]bool, f func(key, val string) error) error {
	for i := 0; i < len(args); i++ {
		if flags[args[i]] {
			if err := f(args[i], ""); err != nil {
				return err
			}
			continue
		}
		if i+1 >= len(args) {
			return fmt.Errorf("%s needs a value", args[i])
		}
		if err := f(args[i], args[i+1]); err != nil {
			return err
		}
		i++
	}
	return nil
}

func (c *Config) parseInterface(args []string) error {
	if len(args) == 0 {
		return errors.New("interface needs a name")
	}
	ifc := Interface{Name: args[0]}
	for _, o := range c.Interfaces {
		if o.Name == ifc.Name {
			return fmt.Errorf("interface %s configured twice", ifc.Name)
		}
	}
	err := options(args[1:], map[string]bool{"disabled": true}, func(k, v string) error {
		switch k {
		case "disabled":
			ifc.Disabled = true
		case "bandwidth":
			r, pct, err := parseRate(v)
			if err != nil {
				return err
			}
			if pct {
				ifc.BandwidthPercent = r
			} else {
				ifc.Bandwidth = r
			}
		case "link":
			r, pct, err := parseRate(v)
			if err != nil || pct {
				return fmt.Errorf("link %q: a rate", v)
			}
			ifc.Link = r
		case "enforce":
			switch v {
			case "on":
				ifc.Enforce = true
			case "off":
				ifc.Enforce = false
			default:
				return fmt.Errorf("enforce %q: on or off", v)
			}
		case "encapsulation":
			e, err := parseEncap(v)
			if err != nil {
				return err
			}
			ifc.Encapsulation = e
		default:
			return fmt.Errorf("unknown interface option %q", k)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("interface %s: %w", ifc.Name, err)
	}
	c.Interfaces = append(c.Interfaces, ifc)
	return nil
}

func (c *Config) parseNoSignal(args []string) error {
	if len(args) == 0 {
		return errors.New("nosignal needs a name")
	}
	r := NoSignalRule{Name: args[0], Service: ControlledLoad, MaxPacket: 1500}
	var haveRate, haveProto, havePort bool
	err := options(args[1:], nil, func(k, v string) error {
		switch k {
		case "proto":
			switch v {
			case "udp":
				r.Protocol = 17
			case "tcp":
				r.Protocol = 6
			default:
				return fmt.Errorf("proto %q: udp or tcp", v)
			}
			haveProto = true
		case "local-port", "remote-port":
			p, err := strconv.ParseUint(v, 10, 16)
			if err != nil || p == 0 {
				return fmt.Errorf("%s %q: a port number", k, v)
			}
			if k == "local-port" {
				r.LocalPort, havePort = uint16(p), true
			} else {
				r.RemotePort = uint16(p)
			}
		case "remote":
			p, err := netip.ParsePrefix(v)
			if err != nil {
				a, aerr := netip.ParseAddr(v)
				if aerr != nil {
					return fmt.Errorf("remote %q: an address or prefix", v)
				}
				p = netip.PrefixFrom(a, a.BitLen())
			}
			r.Remote = p.Masked()
		case "service":
			switch v {
			case "controlled-load":
				r.Service = ControlledLoad
			case "guaranteed":
				r.Service = Guaranteed
			default:
				return fmt.Errorf("service %q: controlled-load or guaranteed", v)
			}
		case "rate", "peak":
			b, pct, err := parseRate(v)
			if err != nil || pct {
				return fmt.Errorf("%s %q: a rate", k, v)
			}
			if k == "rate" {
				r.Rate, haveRate = b/8, true
			} else {
				r.Peak = b / 8
			}
		case "burst":
			b, err := parseSize(v)
			if err != nil {
				return err
			}
			r.Burst = b
		case "min-policed", "max-packet":
			b, err := parseSize(v)
			if err != nil || b > 65535 {
				return fmt.Errorf("%s %q: a size up to 64KB", k, v)
			}
			if k == "min-policed" {
				r.MinPoliced = uint32(b)
			} else {
				r.MaxPacket = uint32(b)
			}
		case "interface":
			r.Interface = v
		default:
			return fmt.Errorf("unknown nosignal option %q", k)
		}
		return nil
	})
	if err == nil && (!haveProto || !havePort || !haveRate) {
		err = errors.New("proto, local-port and rate are required")
	}
	if err == nil && r.Peak != 0 && r.Peak < r.Rate {
		err = errors.New("peak below rate")
	}
	if err == nil && r.Burst == 0 {
		r.Burst = float64(r.MaxPacket)
	}
	if err != nil {
		return fmt.Errorf("nosignal %s: %w", r.Name, err)
	}
	for _, o := range c.NoSignal {
		if o.Name == r.Name {
			return fmt.Errorf("nosignal %s defined twice", r.Name)
		}
	}
	c.NoSignal = append(c.NoSignal, r)
	return nil
}

// check looks at the whole: what one statement cannot know.
func (c *Config) check() error {
	if c.MaxSessions < 1 {
		return errors.New("max-sessions must be positive")
	}
	return nil
}
