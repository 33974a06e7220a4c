package wire

import (
	"bytes"
	"testing"
)

func benchMessages(b *testing.B) map[string][]byte {
	out := map[string][]byte{}
	for _, c := range append(append([]golden(nil), goldenASAP...), goldenENRP...) {
		out[c.name] = hexb(b, c.wire)
	}
	// Worst case for the skipping path: a 64 KiB Handle Resolution full of
	// 4-byte skip-and-report parameters.
	hr := hexb(b, `05 00 0000 0009 0008 'echo'`)
	for len(hr)+4 <= 0xfffc {
		hr = append(hr, 0xc1, 0x23, 0, 4)
	}
	out["SkipFlood"] = setLen(hr, len(hr))
	return out
}

func BenchmarkParse(b *testing.B) {
	for name, msg := range benchMessages(b) {
		parse := ParseASAP
		if bytes.Contains([]byte("Presence HandleTableRequest HandleUpdate TakeoverServer"), []byte(name)) {
			parse = ParseENRP
		}
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(msg)))
			for b.Loop() {
				if _, err := parse(msg); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkAppend(b *testing.B) {
	buf := make([]byte, 0, 1024)
	for _, c := range goldenASAP {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				var err error
				if buf, err = AppendASAP(buf[:0], c.msg); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
