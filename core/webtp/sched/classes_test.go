package sched

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func TestParseSampleFile(t *testing.T) {
	cs, err := LoadClasses("testdata/webtp_classes")
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"interactive", "bulk", "realtime_stream", "realtime_stream.elastic",
		"realtime_stream.inelastic", "buffered_stream"}
	if got := cs.Names(); !reflect.DeepEqual(got, want) {
		t.Fatalf("Names = %v, want %v", got, want)
	}
	if cs.Default() != "bulk" {
		t.Errorf("Default = %q", cs.Default())
	}
	rs, ok := cs.Lookup("realtime_stream")
	if !ok || rs.Share != 2 || rs.Rate != 20e6 || rs.Parent != nil || len(rs.Children) != 2 {
		t.Fatalf("realtime_stream = %+v", rs)
	}
	in, _ := cs.Lookup("realtime_stream.inelastic")
	if in.Parent != rs || in.Share != 3 || in.Rate != 10e6 || in.Line != 9 {
		t.Fatalf("inelastic = %+v", in)
	}
	el, _ := cs.Lookup("realtime_stream.elastic")
	if el.Rate != 0 || el.Share != 1 {
		t.Fatalf("elastic = %+v", el)
	}
	if _, ok := cs.Lookup("realtime"); ok {
		t.Error("Lookup of a prefix succeeded")
	}
	if len(cs.Roots()) != 4 {
		t.Errorf("roots = %d", len(cs.Roots()))
	}
}

func TestParseRate(t *testing.T) {
	for in, want := range map[string]float64{
		"2mbit": 2e6, "500kbit": 5e5, "10000000": 1e7, "1gbit": 1e9, "64bit": 64,
		"1.5Mbit": 1.5e6, "300k": 3e5, "2M": 2e6, "1e6": 1e6, "2G": 2e9,
	} {
		got, err := ParseRate(in)
		if err != nil || got != want {
			t.Errorf("ParseRate(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, in := range []string{"", "mbit", "-1mbit", "0", "2mbps", "2MB", "fast", "NaN", "Inf"} {
		if v, err := ParseRate(in); err == nil {
			t.Errorf("ParseRate(%q) = %v, want error", in, v)
		}
	}
}

func TestParseErrors(t *testing.T) {
	cases := []struct {
		name, text string
		line       int
		msg        string
	}{
		{"duplicate", "a 1\nb 1\n\n# c\na 2\n", 5, "already declared on line 1"},
		{"child before parent", "a 1\nb.c 1\nb 1\n", 2, "before its parent"},
		{"grandchild skips parent", "a 1\na.b.c 1\n", 2, "before its parent"},
		{"zero share", "a 0\n", 1, "share"},
		{"negative share", "x 1\na -2\n", 2, "share"},
		{"text share", "a lots\n", 1, "share"},
		{"bad rate", "a 1\nb 1 2mbps\n", 2, "rate"},
		{"missing share", "\n\na\n", 3, "fields"},
		{"too many fields", "a 1 2mbit extra\n", 1, "fields"},
		{"empty component", "a 1\na..b 1\n", 2, "empty component"},
		{"leading dot", ".a 1\n", 1, "empty component"},
	}
	for _, c := range cases {
		_, err := ParseClasses(strings.NewReader(c.text))
		var pe *ParseError
		if !errors.As(err, &pe) {
			t.Errorf("%s: err = %v, want *ParseError", c.name, err)
			continue
		}
		if pe.Line != c.line || !strings.Contains(pe.Error(), c.msg) ||
			!strings.Contains(pe.Error(), "line ") {
			t.Errorf("%s: err = %q, want line %d containing %q", c.name, pe, c.line, c.msg)
		}
	}
	if _, err := ParseClasses(strings.NewReader("# nothing\n\n")); !errors.Is(err, ErrNoClasses) {
		t.Errorf("empty file: err = %v", err)
	}
}

func TestLoadErrorNamesFile(t *testing.T) {
	p := filepath.Join(t.TempDir(), "classes")
	os.WriteFile(p, []byte("a 1\na 1\n"), 0o644)
	_, err := LoadClasses(p)
	if err == nil || !strings.Contains(err.Error(), p+": line 2") {
		t.Fatalf("err = %v", err)
	}
}

func TestCommentsAndDefault(t *testing.T) {
	cs, err := ParseClasses(strings.NewReader("  # header\nvideo 3 # trailing\n\naudio\t1\t64kbit\nvideo.hd 2\n"))
	if err != nil {
		t.Fatal(err)
	}
	if got := cs.Names(); !reflect.DeepEqual(got, []string{"video", "audio", "video.hd"}) {
		t.Fatalf("Names = %v", got)
	}
	if cs.Default() != "video" { // no "bulk": first top-level class
		t.Errorf("Default = %q", cs.Default())
	}
	a, _ := cs.Lookup("audio")
	if a.Rate != 64e3 {
		t.Errorf("audio rate = %v", a.Rate)
	}
}

func TestDefaultClasses(t *testing.T) {
	cs := DefaultClasses()
	want := []string{"interactive", "bulk", "realtime_stream", "buffered_stream"}
	if got := cs.Names(); !reflect.DeepEqual(got, want) {
		t.Fatalf("Names = %v", got)
	}
	for _, n := range want {
		c, _ := cs.Lookup(n)
		if c.Share != 1 || c.Rate != 0 || c.Parent != nil {
			t.Errorf("%s = %+v", n, c)
		}
	}
	if cs.Default() != "bulk" {
		t.Errorf("Default = %q", cs.Default())
	}
}

func TestClassesFromEnv(t *testing.T) {
	t.Setenv(EnvClasses, "testdata/webtp_classes")
	cs, err := ClassesFromEnv()
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := cs.Lookup("realtime_stream.inelastic"); !ok {
		t.Fatalf("env file not used: %v", cs.Names())
	}

	bad := filepath.Join(t.TempDir(), "bad")
	os.WriteFile(bad, []byte("x 1\ny.z 1\n"), 0o644)
	t.Setenv(EnvClasses, bad)
	if _, err := ClassesFromEnv(); err == nil || !strings.Contains(err.Error(), "line 2") {
		t.Fatalf("bad env file: err = %v", err)
	}

	t.Setenv(EnvClasses, filepath.Join(t.TempDir(), "missing"))
	if _, err := ClassesFromEnv(); err == nil {
		t.Fatal("missing env file: no error")
	}

	t.Setenv(EnvClasses, "")
	cs, err = ClassesFromEnv()
	if _, statErr := os.Stat(SystemClassesFile); statErr == nil {
		t.Skipf("%s exists; not checking the built-in fallback", SystemClassesFile)
	}
	if err != nil || !reflect.DeepEqual(cs.Names(), DefaultClasses().Names()) {
		t.Fatalf("fallback = %v, %v", cs, err)
	}
}
