package config

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// rateUnits are the rate suffixes, in bits per second per unit.
var rateUnits = []struct {
	suffix string
	bits   float64
}{
	{"gbit", 1e9}, {"mbit", 1e6}, {"kbit", 1e3}, {"bit", 1}, {"bps", 8},
}

// parseRate reads a rate in bits per second; a trailing % gives a
// percentage instead (percent true).
func parseRate(s string) (bits float64, percent bool, err error) {
	l := strings.ToLower(s)
	if v, ok := strings.CutSuffix(l, "%"); ok {
		p, err := parseNumber(v)
		if err != nil || p <= 0 || p > 100 {
			return 0, false, fmt.Errorf("bad percentage %q (0-100)", s)
		}
		return p, true, nil
	}
	for _, u := range rateUnits {
		if v, ok := strings.CutSuffix(l, u.suffix); ok {
			n, err := parseNumber(v)
			if err != nil || n <= 0 {
				return 0, false, fmt.Errorf("bad rate %q", s)
			}
			return n * u.bits, false, nil
		}
	}
	return 0, false, fmt.Errorf("rate %q needs a unit (bit, Kbit, Mbit, Gbit, bps or %%)", s)
}

// parseSize reads a size in bytes (B, KB, MB; powers of two).
func parseSize(s string) (float64, error) {
	l := strings.ToLower(s)
	for _, u := range []struct {
		suffix string
		mul    float64
	}{{"mb", 1 << 20}, {"kb", 1 << 10}, {"b", 1}} {
		if v, ok := strings.CutSuffix(l, u.suffix); ok {
			n, err := parseNumber(v)
			if err != nil || n <= 0 {
				break
			}
			return n * u.mul, nil
		}
	}
	return 0, fmt.Errorf("bad size %q (a number with B, KB or MB)", s)
}

func parseNumber(s string) (float64, error) {
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
		return 0, fmt.Errorf("bad number %q", s)
	}
	return f, nil
}
