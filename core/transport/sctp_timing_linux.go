package transport

import (
	"encoding/binary"
	"os"
	"syscall"
	"time"
	"unsafe"

	"github.com/ishidawataru/sctp"
)

// Kernel SCTP's failure-detection options (linux/sctp.h), set on a socket
// before it connects or listens so that every association inherits them.

// sppHBEnable is SPP_HB_ENABLE: heartbeats on, at spp_hbinterval.
const sppHBEnable = 1

// Sizes of struct sctp_rtoinfo, sctp_assocparams and sctp_paddrparams
// (the last is packed, aligned to 4).
const (
	sizeofRTOInfo     = 16
	sizeofAssocParams = 20
	sizeofPaddrParams = 156
)

// setSCTPTiming applies t to the SCTP socket fd (assoc id 0: the
// socket's defaults for its associations).
func setSCTPTiming(fd int, t *Timing) error {
	le := binary.NativeEndian
	ms := func(d time.Duration) uint32 { return uint32(min(d.Milliseconds(), 1<<31)) }

	var rto [sizeofRTOInfo]byte // srto_assoc_id, srto_initial, srto_max, srto_min
	le.PutUint32(rto[4:], ms(t.RTOInitial))
	le.PutUint32(rto[8:], ms(t.RTOMax))
	le.PutUint32(rto[12:], ms(t.RTOMin))
	if err := setsockoptBytes(fd, sctp.SCTP_RTOINFO, rto[:]); err != nil {
		return os.NewSyscallError("setsockopt SCTP_RTOINFO", err)
	}

	var assoc [sizeofAssocParams]byte // sasoc_assoc_id, sasoc_asocmaxrxt, (0 = unchanged)...
	le.PutUint16(assoc[4:], uint16(min(t.AssocMaxRxt, 0xffff)))
	if err := setsockoptBytes(fd, sctp.SCTP_ASSOCINFO, assoc[:]); err != nil {
		return os.NewSyscallError("setsockopt SCTP_ASSOCINFO", err)
	}

	// spp_assoc_id@0, spp_address@4 (all zero: every peer address),
	// spp_hbinterval@132, spp_pathmaxrxt@136, spp_pathmtu@138,
	// spp_sackdelay@142, spp_flags@146.
	var paddr [sizeofPaddrParams]byte
	le.PutUint32(paddr[132:], ms(t.HeartbeatInterval))
	le.PutUint16(paddr[136:], uint16(min(t.PathMaxRxt, 0xffff)))
	le.PutUint32(paddr[146:], sppHBEnable)
	if err := setsockoptBytes(fd, sctp.SCTP_PEER_ADDR_PARAMS, paddr[:]); err != nil {
		return os.NewSyscallError("setsockopt SCTP_PEER_ADDR_PARAMS", err)
	}
	return nil
}

func setsockoptBytes(fd, opt int, b []byte) error {
	_, _, e := syscall.Syscall6(syscall.SYS_SETSOCKOPT, uintptr(fd), solSCTP, uintptr(opt),
		uintptr(unsafe.Pointer(&b[0])), uintptr(len(b)), 0)
	if e != 0 {
		return e
	}
	return nil
}
