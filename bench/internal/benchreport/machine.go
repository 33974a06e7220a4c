package benchreport

import (
	"os"
	"strings"
)

// AddMachine sets mach["kernel"] (the running kernel's release, when
// /proc tells it) and mach["cpu"] (the CPU model), what every JSON file
// records beside the driver's machine.* meta values.
func AddMachine(mach map[string]any) {
	if b, err := os.ReadFile("/proc/sys/kernel/osrelease"); err == nil {
		mach["kernel"] = strings.TrimSpace(string(b))
	}
	mach["cpu"] = CPUModel()
}

// CPUModel returns the first "model name" of /proc/cpuinfo, or "".
func CPUModel() string {
	b, _ := os.ReadFile("/proc/cpuinfo")
	for _, l := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(l, "model name"); ok {
			return strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(v), ":"))
		}
	}
	return ""
}
