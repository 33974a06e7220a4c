package registrar

import (
	"bytes"
	"slices"
	"testing"

	"netcompat/core/rserpool/policy"
	"netcompat/core/rserpool/wire"
)

// errorOf returns the ASAP Error of the single output.
func errorOf(t *testing.T, outs []Output) *wire.ASAPErrorMessage {
	t.Helper()
	o := only(t, outs)
	e, ok := o.Msg.(*wire.ASAPErrorMessage)
	if !ok || o.Close {
		t.Fatalf("want an ASAP Error, got %s", describe(outs))
	}
	if _, err := wire.ParseASAP(encode(t, e)); err != nil {
		t.Fatalf("error message does not decode: %v", err)
	}
	return e
}

func TestUnrecognizedMessage(t *testing.T) {
	r := newReg(t, nil)
	msg := []byte{0x42, 0x00, 0x00, 0x08, 1, 2, 3, 4}
	e := errorOf(t, r.HandleBytes(t0, 1, msg))
	if len(e.Error.Causes) != 1 || e.Error.Causes[0].Code != wire.CauseUnrecognizedMessage || !bytes.Equal(e.Error.Causes[0].Info, msg) {
		t.Fatalf("causes %+v", e.Error.Causes)
	}
	// An ENRP-only type number on ASAP is unknown too.
	msg = []byte{0x7f, 0x00, 0x00, 0x04}
	if c := errorOf(t, r.HandleBytes(t0, 1, msg)).Error.Causes; c[0].Code != wire.CauseUnrecognizedMessage {
		t.Fatalf("causes %+v", c)
	}
}

func TestUnrecognizedParameters(t *testing.T) {
	r := newReg(t, nil)
	mustRegister(t, r, t0, 1, "pool", pe(1, policy.RoundRobin))
	hr := encode(t, hrMsg("pool"))

	// 01: stop, discard, report: the request is answered by an Error.
	e := errorOf(t, r.HandleBytes(t0, 2, withParam(hr, 0x4123, []byte{9, 9})))
	if len(e.Error.Causes) != 1 || e.Error.Causes[0].Code != wire.CauseUnrecognizedParameter ||
		!bytes.Equal(e.Error.Causes[0].Info, []byte{0x41, 0x23, 0, 6, 9, 9}) {
		t.Fatalf("causes %+v", e.Error.Causes)
	}
	// 00: stop and discard silently.
	if outs := r.HandleBytes(t0, 2, withParam(hr, 0x0123, []byte{9})); len(outs) != 0 {
		t.Fatalf("silent discard answered: %s", describe(outs))
	}
	// 10: skip; the request is served.
	o := only(t, r.HandleBytes(t0, 2, withParam(hr, 0x8123, []byte{9})))
	if resp, ok := o.Msg.(*wire.HandleResolutionResponse); !ok || resp.Reject || len(resp.Elements) != 1 {
		t.Fatalf("skip: %s", describe([]Output{o}))
	}
	// 11: skip and report: served; a Handle Resolution Response cannot
	// carry the report, so there is none (one answer per request).
	o = only(t, r.HandleBytes(t0, 2, withParam(hr, 0xc123, []byte{9})))
	if resp, ok := o.Msg.(*wire.HandleResolutionResponse); !ok || resp.Reject || len(resp.Elements) != 1 {
		t.Fatalf("skip and report: %s", describe([]Output{o}))
	}
	// 11 in a Registration: accepted, reported in the response's
	// Operation Error without the reject flag.
	reg := withParam(encode(t, regMsg("pool", pe(2, policy.RoundRobin))), 0xc0de, []byte{1, 2, 3, 4})
	o = only(t, r.HandleBytes(t0, 1, reg))
	resp, ok := o.Msg.(*wire.RegistrationResponse)
	if !ok || resp.Reject || !slices.Equal(causes(resp.Error), []wire.Cause{wire.CauseUnrecognizedParameter}) {
		t.Fatalf("registration with a reported parameter: %s", describe([]Output{o}))
	}
	if r.Handlespace().Lookup([]byte("pool"), 2) == nil {
		t.Fatal("registration with a skipped parameter not registered")
	}
	if r.Stats().Garbage != 0 {
		t.Errorf("protocol-conformant messages counted as garbage: %+v", r.Stats())
	}
}

func TestMalformed(t *testing.T) {
	r := newReg(t, nil)
	reg := encode(t, regMsg("pool", pe(1, policy.RoundRobin)))
	// A truncated Registration (lengths fixed up): answered with Invalid
	// Values.
	cut := append([]byte(nil), reg[:len(reg)-8]...)
	cut[2], cut[3] = byte(len(cut)>>8), byte(len(cut))
	e := errorOf(t, r.HandleBytes(t0, 1, cut))
	if !slices.Equal(causes(&e.Error), []wire.Cause{wire.CauseInvalidValues}) {
		t.Fatalf("causes %v", causes(&e.Error))
	}
	// A malformed Keep-Alive Ack is not a request: no answer.
	ack := []byte{byte(wire.ASAPEndpointKeepAliveAck), 0, 0, 8, 0, 9, 0, 3}
	if outs := r.HandleBytes(t0, 1, ack); len(outs) != 0 {
		t.Fatalf("malformed ack answered: %s", describe(outs))
	}
	// Nor is an Error ever answered.
	bad := []byte{byte(wire.ASAPError), 0, 0, 8, 0, 0x0c, 0, 3}
	if outs := r.HandleBytes(t0, 1, bad); len(outs) != 0 {
		t.Fatalf("malformed error answered: %s", describe(outs))
	}
	// A message cut by the I/O layer's size limit: Lack of Resources.
	e = errorOf(t, r.HandleInvalid(t0, 1, reg[:16], ErrTooLarge, nil))
	if !slices.Equal(causes(&e.Error), []wire.Cause{wire.CauseLackOfResources}) {
		t.Fatalf("causes %v", causes(&e.Error))
	}
	if st := r.Stats(); st.Garbage != 4 || st.Errors != 2 {
		t.Errorf("stats %+v", st)
	}
}

// Repeated garbage closes the association and removes its elements; a
// good message in between resets the count.
func TestGarbageCloses(t *testing.T) {
	r := newReg(t, func(c *Config) { c.MaxGarbage = 3 })
	mustRegister(t, r, t0, 1, "pool", pe(1, policy.RoundRobin))
	junk := []byte{0x42, 0, 0, 4}
	r.HandleBytes(t0, 1, junk)
	r.HandleBytes(t0, 1, junk)
	resolve(t, r, t0, 1, hrMsg("pool")) // resets
	r.HandleBytes(t0, 1, junk)
	r.HandleBytes(t0, 1, junk)
	outs := r.HandleBytes(t0, 1, junk)
	if len(outs) != 2 || !outs[1].Close || outs[1].To != 1 {
		t.Fatalf("third garbage in a row: %s", describe(outs))
	}
	if _, ok := outs[0].Msg.(*wire.ASAPErrorMessage); !ok {
		t.Fatalf("garbage not answered before the close: %s", describe(outs))
	}
	if r.Handlespace().Len() != 0 {
		t.Fatal("elements of the closed association remain")
	}
	if st := r.Stats(); st.GarbageCloses != 1 || st.Associations != 0 {
		t.Errorf("stats %+v", st)
	}
}

// Any byte string gives at most one answer and at most a close; nothing
// panics.
func FuzzHandleBytes(f *testing.F) {
	f.Add([]byte{0x42, 0, 0, 4})
	f.Add([]byte{5, 0, 0, 12, 0, 9, 0, 8, 'p', 'o', 'o', 'l'})
	f.Fuzz(func(t *testing.T, b []byte) {
		r := New(Config{ServerID: 1, MaxGarbage: 1000})
		outs := r.HandleBytes(t0, 1, b)
		if len(outs) > 1 {
			t.Fatalf("%d outputs", len(outs))
		}
		for _, o := range outs {
			if o.Msg != nil {
				if _, err := wire.AppendASAP(nil, o.Msg); err != nil {
					t.Fatalf("unencodable answer %T: %v", o.Msg, err)
				}
			}
		}
	})
}
