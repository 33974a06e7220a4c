package benchreport

import (
	"bufio"
	"os"
	"strings"
)

// Run is one result line a driver collected: its key=value fields.
type Run map[string]string

// ReadRuns reads the file of result lines at path, one Run per line;
// words without "=" are skipped.
func ReadRuns(path string) ([]Run, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var runs []Run
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		r := Run{}
		for _, kv := range strings.Fields(sc.Text()) {
			if k, v, ok := strings.Cut(kv, "="); ok {
				r[k] = v
			}
		}
		runs = append(runs, r)
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	return runs, nil
}
