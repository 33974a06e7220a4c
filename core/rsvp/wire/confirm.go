package wire

import "net/netip"

// RESV_CONFIRM (class 15, RFC 2205 A.12): the receiver that asked for a
// ResvConf.
//
//	C-Type 1 IPv4: Receiver Address(4)
//	C-Type 2 IPv6: Receiver Address(16)

// RESV_CONFIRM C-Types.
const (
	CTypeResvConfirmIPv4 = 1
	CTypeResvConfirmIPv6 = 2
)

// ResvConfirm is a RESV_CONFIRM object.
type ResvConfirm struct {
	Receiver netip.Addr
}

func (c ResvConfirm) appendTo(b []byte) ([]byte, error) {
	if err := checkAddr(c.Receiver, "RESV_CONFIRM receiver"); err != nil {
		return b, err
	}
	b, start := beginObject(b, ClassResvConfirm, pickCType(c.Receiver, CTypeResvConfirmIPv4, CTypeResvConfirmIPv6))
	b = appendAddr(b, c.Receiver)
	return endObject(b, start), nil
}

func parseResvConfirm(ctype uint8, body []byte) (ResvConfirm, *objError) {
	switch ctype {
	case CTypeResvConfirmIPv4:
		if len(body) != 4 {
			return ResvConfirm{}, objErr(ErrBadLength, "RESV_CONFIRM IPv4 body of %d bytes, want 4", len(body))
		}
		return ResvConfirm{Receiver: addr4(body)}, nil
	case CTypeResvConfirmIPv6:
		if len(body) != 16 {
			return ResvConfirm{}, objErr(ErrBadLength, "RESV_CONFIRM IPv6 body of %d bytes, want 16", len(body))
		}
		return ResvConfirm{Receiver: addr16(body)}, nil
	}
	return ResvConfirm{}, errCType(ClassResvConfirm, ctype)
}
