package wire

import (
	"encoding/binary"
	"fmt"
)

// Object header (RFC 2205 section 3.1.2):
//
//	 0             1              2             3
//	+-------------+-------------+-------------+-------------+
//	|       Length (bytes)      |  Class-Num  |   C-Type    |
//	+-------------+-------------+-------------+-------------+
//	|                                                       |
//	//                  (Object contents)                   //
//	|                                                       |
//	+-------------+-------------+-------------+-------------+
//
// Length counts the header and is a multiple of 4, at least 4.

// ObjectHeaderLen is the size of an object header.
const ObjectHeaderLen = 4

// ClassNum is an object's Class-Num.
type ClassNum uint8

// The object classes of RFC 2205 (Appendix A) this package decodes.
const (
	ClassNull           ClassNum = 0
	ClassSession        ClassNum = 1
	ClassHop            ClassNum = 3 // RSVP_HOP
	ClassIntegrity      ClassNum = 4
	ClassTimeValues     ClassNum = 5
	ClassErrorSpec      ClassNum = 6
	ClassScope          ClassNum = 7
	ClassStyle          ClassNum = 8
	ClassFlowspec       ClassNum = 9
	ClassFilterSpec     ClassNum = 10
	ClassSenderTemplate ClassNum = 11
	ClassSenderTSpec    ClassNum = 12
	ClassAdspec         ClassNum = 13
	ClassPolicyData     ClassNum = 14
	ClassResvConfirm    ClassNum = 15
)

var classNames = [...]string{
	ClassNull:           "NULL",
	ClassSession:        "SESSION",
	ClassHop:            "RSVP_HOP",
	ClassIntegrity:      "INTEGRITY",
	ClassTimeValues:     "TIME_VALUES",
	ClassErrorSpec:      "ERROR_SPEC",
	ClassScope:          "SCOPE",
	ClassStyle:          "STYLE",
	ClassFlowspec:       "FLOWSPEC",
	ClassFilterSpec:     "FILTER_SPEC",
	ClassSenderTemplate: "SENDER_TEMPLATE",
	ClassSenderTSpec:    "SENDER_TSPEC",
	ClassAdspec:         "ADSPEC",
	ClassPolicyData:     "POLICY_DATA",
	ClassResvConfirm:    "RESV_CONFIRM",
}

func (c ClassNum) String() string {
	if int(c) < len(classNames) && classNames[c] != "" {
		return classNames[c]
	}
	return fmt.Sprintf("Class(%d)", uint8(c))
}

// Known reports whether this package decodes class c.
func (c ClassNum) Known() bool { return int(c) < len(classNames) && classNames[c] != "" }

// UnknownHandling is what RFC 2205 section 3.10 asks of a node that does
// not know an object class, chosen by the class number's two high bits.
type UnknownHandling uint8

const (
	// RejectUnknown (Class-Num 0bbbbbbb): reject the message and report
	// "Unknown object class" (code 13).
	RejectUnknown UnknownHandling = iota
	// IgnoreUnknown (10bbbbbb): drop the object silently.
	IgnoreUnknown
	// ForwardUnknown (11bbbbbb): do not examine the object but forward it
	// unmodified in the messages that result from this one.
	ForwardUnknown
)

// Unknown returns how class c is handled when it is not known.
func (c ClassNum) Unknown() UnknownHandling {
	switch c >> 6 {
	case 2:
		return IgnoreUnknown
	case 3:
		return ForwardUnknown
	}
	return RejectUnknown
}

// RawObject is an object kept as received: an unknown class to forward.
type RawObject struct {
	Class ClassNum
	CType uint8
	Body  []byte // the contents after the header; a multiple of 4 bytes
}

func (o RawObject) appendTo(b []byte) ([]byte, error) {
	if len(o.Body)%4 != 0 {
		return b, invalid("%v object body of %d bytes, not a multiple of 4", o.Class, len(o.Body))
	}
	if o.Class.Known() || o.Class.Unknown() != ForwardUnknown {
		// A known class has its own field, and only 11bbbbbb classes
		// travel unexamined: anything else here would be re-read as
		// something else or rejected by the next hop.
		return b, invalid("raw object of class %v, not an unknown 11bbbbbb class", o.Class)
	}
	b, start := beginObject(b, o.Class, o.CType)
	b = append(b, o.Body...)
	return endObject(b, start), nil
}

// object is one object as split out of a message.
type object struct {
	class  ClassNum
	ctype  uint8
	body   []byte // aliases the input
	offset int    // of the object header within the message
}

// splitObjects cuts the objects out of body, the bytes after the common
// header, checking every object length: at least 4, a multiple of 4, and
// not past the end. base is the offset of body within the message.
func splitObjects(body []byte, base int) ([]object, *ParseError) {
	// Two passes: check the lengths and count, then cut. The slice is
	// then exactly as long as the input has objects.
	count := 0
	for off := 0; off < len(body); count++ {
		if len(body)-off < ObjectHeaderLen {
			return nil, &ParseError{Offset: base + off, Err: ErrTruncated, Detail: "object header cut short"}
		}
		n := int(binary.BigEndian.Uint16(body[off:]))
		switch {
		case n < ObjectHeaderLen || n%4 != 0:
			return nil, &ParseError{Offset: base + off, Class: ClassNum(body[off+2]), CType: body[off+3], Err: ErrBadLength, Detail: fmt.Sprintf("object length %d", n)}
		case n > len(body)-off:
			return nil, &ParseError{Offset: base + off, Class: ClassNum(body[off+2]), CType: body[off+3], Err: ErrTruncated, Detail: fmt.Sprintf("object length %d, %d bytes left", n, len(body)-off)}
		}
		off += n
	}
	objs := make([]object, 0, count)
	for off := 0; off < len(body); {
		n := int(binary.BigEndian.Uint16(body[off:]))
		objs = append(objs, object{
			class:  ClassNum(body[off+2]),
			ctype:  body[off+3],
			body:   body[off+ObjectHeaderLen : off+n],
			offset: base + off,
		})
		off += n
	}
	return objs, nil
}

// beginObject appends an object header with a zero length and returns
// where the object starts; endObject fills the length in.
func beginObject(b []byte, class ClassNum, ctype uint8) ([]byte, int) {
	return append(b, 0, 0, byte(class), ctype), len(b)
}

func endObject(b []byte, start int) []byte {
	binary.BigEndian.PutUint16(b[start:], uint16(len(b)-start))
	return b
}

// bytesClone copies b, keeping nil for empty so that equal inputs decode
// to equal values.
func bytesClone(b []byte) []byte {
	if len(b) == 0 {
		return nil
	}
	return append([]byte(nil), b...)
}
