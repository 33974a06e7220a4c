package wire

import "testing"

// A daemon refreshing many sessions parses and builds a Path and a Resv
// per session every refresh period; these measure one of each.

func benchMessage(b *testing.B, name string) Message {
	for _, c := range sampleMessages() {
		if c.name == name {
			return c.msg
		}
	}
	b.Fatalf("no sample %s", name)
	return nil
}

func BenchmarkParsePath(b *testing.B) {
	msg := mustAppend(b, benchMessage(b, "Path/v4/full"))
	b.SetBytes(int64(len(msg)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Parse(msg); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkParseResvFF(b *testing.B) {
	msg := mustAppend(b, benchMessage(b, "Resv/v4/FF"))
	b.SetBytes(int64(len(msg)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Parse(msg); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkAppendPath(b *testing.B) {
	m := benchMessage(b, "Path/v4/full")
	buf := make([]byte, 0, 512)
	b.ReportAllocs()
	for b.Loop() {
		var err error
		if buf, err = Append(buf[:0], m); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkAppendSignedPath(b *testing.B) {
	m := benchMessage(b, "Path/v4/full")
	key := []byte("benchmark key")
	buf := make([]byte, 0, 512)
	b.ReportAllocs()
	for b.Loop() {
		var err error
		if buf, err = AppendSigned(buf[:0], m, HMACMD5, key); err != nil {
			b.Fatal(err)
		}
	}
}
