package wire

// POLICY_DATA (class 14, C-Type 1): its contents belong to policy control
// (RFC 2750), not to RSVP, which carries them unexamined. They stay
// opaque here.

// CTypePolicyData is the only POLICY_DATA C-Type.
const CTypePolicyData = 1

// PolicyData is a POLICY_DATA object's contents, kept as received.
type PolicyData struct {
	Data []byte // a multiple of 4 bytes
}

func (p PolicyData) appendTo(b []byte) ([]byte, error) {
	if len(p.Data)%4 != 0 {
		return b, invalid("POLICY_DATA of %d bytes, not a multiple of 4", len(p.Data))
	}
	b, start := beginObject(b, ClassPolicyData, CTypePolicyData)
	b = append(b, p.Data...)
	return endObject(b, start), nil
}

func parsePolicyData(ctype uint8, body []byte) (PolicyData, *objError) {
	if ctype != CTypePolicyData {
		return PolicyData{}, errCType(ClassPolicyData, ctype)
	}
	return PolicyData{Data: bytesClone(body)}, nil
}
