package benchreport

import (
	"encoding/json"
	"flag"
	"os"
)

// Flags are the report mode's command-line options, the same in every
// program so that the drivers call each one alike:
//
//	PROGRAM -report=RAW -json=OUT [-meta=key=value;...]
type Flags struct {
	Raw  string // -report: the file of result lines; report mode when set
	JSON string // -json: the JSON output file
	Meta string // -meta: config.k=v;machine.k=v;... (ParseMeta)
}

// Register defines the options on the default flag set.
func (f *Flags) Register() {
	flag.StringVar(&f.Raw, "report", "", "write the report from this file of result lines")
	flag.StringVar(&f.JSON, "json", "", "report: JSON output file")
	flag.StringVar(&f.Meta, "meta", "", "report: key=value;... copied into the JSON (config and machine)")
}

// Doc is the top level of a benchmark's JSON file, the shape the other
// drivers' files have (extagent.json): the fields in this order, each
// program's own row type in Rows.
type Doc struct {
	API         string         `json:"api"`
	Description string         `json:"description"`
	Comparison  string         `json:"comparison,omitempty"` // why there is no baseline, if there is none
	Config      map[string]any `json:"config"`
	Rows        any            `json:"rows"`
	Machine     map[string]any `json:"machine"` // ParseMeta's, then AddMachine's
}

// WriteJSON writes doc, indented and with a final newline, to path. With
// path empty it writes nothing but still fails on a doc that does not
// encode.
func WriteJSON(path string, doc *Doc) error {
	b, err := json.MarshalIndent(doc, "", "  ")
	if err != nil || path == "" {
		return err
	}
	return os.WriteFile(path, append(b, '\n'), 0o644)
}
