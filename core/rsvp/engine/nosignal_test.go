package engine

import (
	"errors"
	"testing"

	"netcompat/core/rsvp/api"
	"netcompat/core/rsvp/wire"
)

// Local (no-signalling) admissions and RSVP reservations share a pool.
func TestLocalAdmissionSharesPool(t *testing.T) {
	r := newRig(t, nil) // pool 10000 on interface 2, MTU 1500
	refused := func(err error, value uint16) bool {
		var ae *api.Error
		return errors.As(err, &ae) && ae.RAPI == 0 && ae.Code == uint8(wire.CodeAdmission) && ae.Value == value
	}
	if _, err := r.e.AdmitLocal(9, 1, 0); rapiCode(err) != RAPIErrInval {
		t.Fatalf("unknown interface: %v", err)
	}
	if _, err := r.e.AdmitLocal(2, 1, 9000); !refused(err, wire.AdmissionMTU) {
		t.Fatalf("jumbo packets: %v", err)
	}
	id, err := r.e.AdmitLocal(2, 6000, 1500)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.e.AdmitLocal(2, 5000, 1500); !refused(err, wire.AdmissionBandwidth) {
		t.Fatalf("over the pool: %v", err)
	}
	// An RSVP reservation of 5000 does not fit beside it either.
	r.path(pathFor(sendA, 1000))
	acts := r.resv(resvFrom(nhopA, wire.FF, ff(5000, sendA)))
	if _, m := oneResvErr(t, acts); m.ErrorSpec.Code != wire.CodeAdmission {
		t.Fatalf("%+v", m.ErrorSpec)
	}
	st := r.e.Status()
	if st.Interfaces[1].Used != 6000 || st.Interfaces[1].Reservations != 1 {
		t.Fatalf("pool %+v", st.Interfaces[1])
	}
	r.e.ReleaseLocal(id)
	r.e.ReleaseLocal(id) // twice: ignored
	if st := r.e.Status(); st.Interfaces[1].Used != 0 || st.Interfaces[1].Reservations != 0 {
		t.Fatalf("pool after the release %+v", st.Interfaces[1])
	}
	id2, err := r.e.AdmitLocal(2, 5000, 1500)
	if err != nil || id2 == id {
		t.Fatalf("after the release: %d, %v", id2, err)
	}
}
