package benchreport

import (
	"strconv"
	"strings"
)

// ParseMeta splits the driver's -meta string, "config.k=v;machine.k=v;...",
// into the JSON's config and machine maps (a key with neither prefix goes
// to config); values that parse as numbers become numbers.
func ParseMeta(s string) (cfg, mach map[string]any) {
	cfg, mach = map[string]any{}, map[string]any{}
	for _, item := range strings.Split(s, ";") {
		k, v, ok := strings.Cut(item, "=")
		if !ok {
			continue
		}
		var val any = v
		if f, err := strconv.ParseFloat(v, 64); err == nil {
			val = f
		}
		if name, ok := strings.CutPrefix(k, "machine."); ok {
			mach[name] = val
		} else {
			cfg[strings.TrimPrefix(k, "config.")] = val
		}
	}
	return cfg, mach
}
