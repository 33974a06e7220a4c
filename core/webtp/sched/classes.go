package sched

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"strconv"
	"strings"
)

// EnvClasses names the environment variable that overrides the class file
// (the project spec lets tests point WebTP at their own classes file).
const EnvClasses = "WEBTP_CLASSES"

// SystemClassesFile is where the API page says the host administrator lists
// the traffic classes.
const SystemClassesFile = "/etc/webtp_classes"

// Class is one traffic class of the hierarchy.
type Class struct {
	Name     string   // full dotted name, e.g. "realtime_stream.elastic"
	Share    float64  // weight relative to siblings (> 0)
	Rate     float64  // most its connections may reserve, bits/s; 0 = no limit
	Parent   *Class   // nil for a top-level class
	Children []*Class // in declaration order
	Line     int      // line of the class file it came from (0 for defaults)
}

// Classes is an immutable parsed class hierarchy; one value may be shared by
// every pipe of an endpoint.
type Classes struct {
	list   []*Class // declaration order; parents before children
	byName map[string]*Class
	roots  []*Class
}

// DefaultClasses returns the four classes the WebTP API page defines, with
// equal shares and no rate limits; used when no class file exists.
func DefaultClasses() *Classes {
	c := newClasses()
	for _, n := range []string{"interactive", "bulk", "realtime_stream", "buffered_stream"} {
		_ = c.add(&Class{Name: n, Share: 1})
	}
	return c
}

// ClassesFromEnv loads the classes the way a WebTP endpoint does: the file
// named by $WEBTP_CLASSES if set, else /etc/webtp_classes if it exists, else
// DefaultClasses. A file that exists but does not parse is an error rather
// than a silent fallback, so an administrator's typo is noticed.
func ClassesFromEnv() (*Classes, error) {
	if p := os.Getenv(EnvClasses); p != "" {
		return LoadClasses(p)
	}
	if _, err := os.Stat(SystemClassesFile); err == nil {
		return LoadClasses(SystemClassesFile)
	}
	return DefaultClasses(), nil
}

// LoadClasses parses the class file at path; errors name the file and line.
func LoadClasses(path string) (*Classes, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	c, err := ParseClasses(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return c, nil
}

// ParseError reports a problem in a class file together with its line.
type ParseError struct {
	Line int
	Msg  string
}

func (e *ParseError) Error() string { return fmt.Sprintf("line %d: %s", e.Line, e.Msg) }

// ErrNoClasses is returned for a class file that declares no class at all:
// connections would have no class to start in.
var ErrNoClasses = errors.New("sched: class file declares no classes")

// ParseClasses reads a class file (format in the package doc).
func ParseClasses(r io.Reader) (*Classes, error) {
	c := newClasses()
	sc := bufio.NewScanner(r)
	line := 0
	for sc.Scan() {
		line++
		text := sc.Text()
		if i := strings.IndexByte(text, '#'); i >= 0 {
			text = text[:i]
		}
		fields := strings.Fields(text)
		if len(fields) == 0 {
			continue
		}
		perr := func(format string, a ...any) error {
			return &ParseError{Line: line, Msg: fmt.Sprintf(format, a...)}
		}
		if len(fields) < 2 || len(fields) > 3 {
			return nil, perr("want \"name share [rate]\", got %d fields", len(fields))
		}
		cl := &Class{Name: fields[0], Line: line}
		if err := checkName(cl.Name); err != nil {
			return nil, perr("%v", err)
		}
		share, err := strconv.ParseFloat(fields[1], 64)
		if err != nil || !(share > 0) || math.IsInf(share, 0) {
			return nil, perr("class %q: share %q is not a positive number", cl.Name, fields[1])
		}
		cl.Share = share
		if len(fields) == 3 {
			rate, err := ParseRate(fields[2])
			if err != nil {
				return nil, perr("class %q: %v", cl.Name, err)
			}
			cl.Rate = rate
		}
		if err := c.add(cl); err != nil {
			return nil, perr("%v", err)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	if len(c.list) == 0 {
		return nil, ErrNoClasses
	}
	return c, nil
}

// checkName rejects empty dotted components ("a..b", ".a", "a.").
func checkName(n string) error {
	for _, part := range strings.Split(n, ".") {
		if part == "" {
			return fmt.Errorf("class name %q has an empty component", n)
		}
	}
	return nil
}

// ParseRate parses a rate in bits per second: a plain number or one with a
// decimal suffix bit, kbit, mbit, gbit (or k, m, g). Case-insensitive.
func ParseRate(s string) (float64, error) {
	ls := strings.ToLower(s)
	mult := 1.0
	for _, u := range []struct {
		suf string
		m   float64
	}{{"kbit", 1e3}, {"mbit", 1e6}, {"gbit", 1e9}, {"bit", 1}, {"k", 1e3}, {"m", 1e6}, {"g", 1e9}} {
		if strings.HasSuffix(ls, u.suf) {
			ls, mult = ls[:len(ls)-len(u.suf)], u.m
			break
		}
	}
	v, err := strconv.ParseFloat(ls, 64)
	if err != nil || !(v > 0) || math.IsInf(v, 0) {
		return 0, fmt.Errorf("bad rate %q (want e.g. 2mbit, 500kbit, 10000000)", s)
	}
	return v * mult, nil
}

func newClasses() *Classes { return &Classes{byName: map[string]*Class{}} }

func (c *Classes) add(cl *Class) error {
	if prev, dup := c.byName[cl.Name]; dup {
		if prev.Line > 0 {
			return fmt.Errorf("class %q already declared on line %d", cl.Name, prev.Line)
		}
		return fmt.Errorf("class %q already declared", cl.Name)
	}
	if i := strings.LastIndexByte(cl.Name, '.'); i >= 0 {
		parent, ok := c.byName[cl.Name[:i]]
		if !ok {
			return fmt.Errorf("class %q declared before its parent %q", cl.Name, cl.Name[:i])
		}
		cl.Parent = parent
		parent.Children = append(parent.Children, cl)
	} else {
		c.roots = append(c.roots, cl)
	}
	c.list = append(c.list, cl)
	c.byName[cl.Name] = cl
	return nil
}

// Lookup finds a class by its full dotted name.
func (c *Classes) Lookup(name string) (*Class, bool) {
	cl, ok := c.byName[name]
	return cl, ok
}

// Default is the class a connection starts in: "bulk" if declared (the
// API page's class for ordinary transfers), else the first top-level class.
func (c *Classes) Default() string {
	if _, ok := c.byName["bulk"]; ok {
		return "bulk"
	}
	if len(c.roots) > 0 {
		return c.roots[0].Name
	}
	return ""
}

// Names lists every class in declaration order (parents before children).
func (c *Classes) Names() []string {
	out := make([]string, len(c.list))
	for i, cl := range c.list {
		out[i] = cl.Name
	}
	return out
}

// Roots returns the top-level classes in declaration order.
func (c *Classes) Roots() []*Class { return append([]*Class(nil), c.roots...) }
