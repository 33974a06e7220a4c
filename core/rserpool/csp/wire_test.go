package csp

import (
	"bytes"
	"encoding/binary"
	"errors"
	"reflect"
	"strings"
	"testing"
)

func sampleReport() *Report {
	return &Report{
		SenderID:  Compound(GroupPoolElement, 0x12345678),
		TimeStamp: 1500000,
		Interval:  250000,
		Location:  "host: 192.0.2.1",
		Status:    "1 Session",
		Workload:  0.5,
		Associations: []Association{
			{ReceiverID: Compound(GroupRegistrar, 7), Duration: 42, ProtocolID: 132, PPID: 11},
			{ReceiverID: Compound(GroupPoolUser, 9), Duration: UnknownDuration, ProtocolID: 6, PPID: 33},
		},
	}
}

// The fields sit where rsplib's packed structs put them.
func TestReportLayout(t *testing.T) {
	b, err := Append(nil, sampleReport())
	if err != nil {
		t.Fatal(err)
	}
	be := binary.BigEndian
	if len(b) != 288+2*24 {
		t.Fatalf("length %d", len(b))
	}
	checks := []struct {
		name      string
		got, want uint64
	}{
		{"type", uint64(b[0]), TypeReport},
		{"flags", uint64(b[1]), 0},
		{"length", uint64(be.Uint16(b[2:])), uint64(len(b))},
		{"version", uint64(be.Uint32(b[4:])), 0x0200},
		{"sender", be.Uint64(b[8:]), 0x0200000012345678},
		{"timestamp", be.Uint64(b[16:]), 1500000},
		{"interval", uint64(be.Uint32(b[24:])), 250000},
		{"workload", uint64(be.Uint16(b[284:])), 0x7fff},
		{"associations", uint64(be.Uint16(b[286:])), 2},
		{"receiver 0", be.Uint64(b[288:]), 0x0100000000000007},
		{"duration 0", be.Uint64(b[296:]), 42},
		{"protocol 0", uint64(be.Uint16(b[306:])), 132},
		{"ppid 0", uint64(be.Uint32(b[308:])), 11},
		{"duration 1", be.Uint64(b[320:]), UnknownDuration},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s = %#x, want %#x", c.name, c.got, c.want)
		}
	}
	if !bytes.HasPrefix(b[28:], []byte("host: 192.0.2.1\x00")) || !bytes.HasPrefix(b[156:], []byte("1 Session\x00")) {
		t.Errorf("texts misplaced")
	}
}

func TestRoundTrip(t *testing.T) {
	for _, r := range []*Report{sampleReport(), {Flags: FlagFinal, SenderID: Compound(GroupPoolUser, 1), Workload: -1}} {
		b, err := Append(nil, r)
		if err != nil {
			t.Fatal(err)
		}
		got, err := Parse(b)
		if err != nil {
			t.Fatal(err)
		}
		if got.Workload != r.Workload && !(r.Workload == 0.5 && got.Workload > 0.4999 && got.Workload < 0.5001) {
			t.Errorf("workload %v, want %v", got.Workload, r.Workload)
		}
		got.Workload = r.Workload
		if !reflect.DeepEqual(got, r) {
			t.Errorf("got %+v, want %+v", got, r)
		}
	}
}

// Texts are cut to 127 bytes so that the monitor always finds a NUL.
func TestLongTexts(t *testing.T) {
	r := &Report{SenderID: 1, Status: strings.Repeat("s", 300), Location: strings.Repeat("l", 128)}
	b, _ := Append(nil, r)
	got, err := Parse(b)
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Status) != 127 || len(got.Location) != 127 {
		t.Fatalf("texts of %d and %d bytes", len(got.Status), len(got.Location))
	}
}

func TestParseErrors(t *testing.T) {
	good, _ := Append(nil, sampleReport())
	mutate := func(f func(b []byte) []byte) []byte { return f(bytes.Clone(good)) }
	for name, c := range map[string]struct {
		b    []byte
		want error
	}{
		"short":           {good[:287], ErrShort},
		"type":            {mutate(func(b []byte) []byte { b[0] = 2; return b }), ErrType},
		"version":         {mutate(func(b []byte) []byte { b[5] = 1; return b }), ErrVersion},
		"length too big":  {mutate(func(b []byte) []byte { b[3]++; return b }), ErrLength},
		"count too big":   {mutate(func(b []byte) []byte { b[287] = 3; return b }), ErrLength},
		"truncated array": {good[:len(good)-1], ErrLength},
	} {
		if _, err := Parse(c.b); !errors.Is(err, c.want) {
			t.Errorf("%s: %v, want %v", name, err, c.want)
		}
	}
	if _, err := Append(nil, &Report{Associations: make([]Association, MaxAssociations+1)}); err == nil {
		t.Error("Append took more associations than the length field holds")
	}
}

func TestIdentifiers(t *testing.T) {
	id := Compound(GroupPoolElement, 0xff12345678abcdef)
	if Group(id) != GroupPoolElement || Object(id) != 0x12345678abcdef {
		t.Fatalf("id %#x: group %#x object %#x", id, Group(id), Object(id))
	}
}

func FuzzParseReport(f *testing.F) {
	good, _ := Append(nil, sampleReport())
	f.Add(good)
	final, _ := Append(nil, &Report{Flags: FlagFinal, SenderID: 5})
	f.Add(final)
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := Parse(b)
		if err != nil {
			return
		}
		again, err := Append(nil, r)
		if err != nil {
			t.Fatalf("re-encode: %v", err)
		}
		r2, err := Parse(again)
		if err != nil {
			t.Fatalf("re-parse: %v", err)
		}
		// A full 128-byte text without its NUL comes back cut to 127.
		r.Location, r.Status = cut(r.Location), cut(r.Status)
		if !reflect.DeepEqual(r, r2) {
			t.Fatalf("round trip changed the report: %+v -> %+v", r, r2)
		}
	})
}

func cut(s string) string { return s[:min(len(s), textLen-1)] }
