package wire

import "fmt"

// Parse decodes one whole RSVP message, b being exactly the message (an
// IP payload, or a UDP payload under UDP encapsulation). The message does
// not alias b. Errors are *ParseError; see the package documentation for
// which ones ask for an error message in reply.
func Parse(b []byte) (Message, error) {
	h, err := ParseHeader(b)
	if err != nil {
		return nil, err
	}
	if !h.Type.Known() {
		return nil, &ParseError{Type: h.Type, Err: ErrUnknownMessage, Detail: fmt.Sprintf("type %d", h.Type)}
	}
	if !checksumOK(b) {
		return nil, &ParseError{Type: h.Type, Offset: 2, Err: ErrBadChecksum, Detail: fmt.Sprintf("checksum %#04x", h.Checksum)}
	}
	objs, perr := splitObjects(b[HeaderLen:], HeaderLen)
	if perr != nil {
		perr.Type = h.Type
		return nil, perr
	}
	s := objectSet{typ: h.Type}
	for _, o := range objs {
		if perr = s.add(o); perr != nil {
			break
		}
	}
	var m Message
	if perr == nil {
		m, perr = s.build()
	}
	if perr != nil {
		perr.Type = h.Type
		perr.Session, perr.Hop = addressing(objs)
		return nil, perr
	}
	c := m.Common()
	c.Flags, c.SendTTL = h.Flags, h.SendTTL
	return m, nil
}

// allowed lists the classes each message type may carry (RFC 2205
// section 3.1); class 0, NULL, may appear in any.
var allowed = func() (t [TypeResvConf + 1]uint32) {
	set := func(mt MsgType, classes ...ClassNum) {
		t[mt] = 1 << ClassIntegrity
		for _, c := range classes {
			t[mt] |= 1 << c
		}
	}
	set(TypePath, ClassSession, ClassHop, ClassTimeValues, ClassPolicyData, ClassSenderTemplate, ClassSenderTSpec, ClassAdspec)
	set(TypeResv, ClassSession, ClassHop, ClassTimeValues, ClassResvConfirm, ClassScope, ClassPolicyData, ClassStyle, ClassFlowspec, ClassFilterSpec)
	set(TypePathErr, ClassSession, ClassErrorSpec, ClassPolicyData, ClassSenderTemplate, ClassSenderTSpec, ClassAdspec)
	set(TypeResvErr, ClassSession, ClassHop, ClassErrorSpec, ClassScope, ClassPolicyData, ClassStyle, ClassFlowspec, ClassFilterSpec)
	set(TypePathTear, ClassSession, ClassHop, ClassSenderTemplate, ClassSenderTSpec, ClassAdspec)
	set(TypeResvTear, ClassSession, ClassHop, ClassScope, ClassStyle, ClassFlowspec, ClassFilterSpec)
	set(TypeResvConf, ClassSession, ClassErrorSpec, ClassResvConfirm, ClassStyle, ClassFlowspec, ClassFilterSpec)
	return t
}()

// objectSet collects the decoded objects of one message.
type objectSet struct {
	typ MsgType

	seen    uint32 // classes met so far, to refuse second copies
	offsets [ClassResvConfirm + 1]int

	integrity *Integrity
	session   Session
	hop       Hop
	time      TimeValues
	errSpec   ErrorSpec
	scope     *Scope
	style     Style
	confirm   ResvConfirm
	policy    []PolicyData
	template  FilterSpec
	tspec     TSpec
	adspec    *Adspec
	items     []descItem
	forward   []RawObject
}

func (s *objectSet) has(c ClassNum) bool { return s.seen&(1<<c) != 0 }

// add decodes one object into s.
func (s *objectSet) add(o object) *ParseError {
	at := func(e *objError) *ParseError {
		return &ParseError{Offset: o.offset, Class: o.class, CType: o.ctype, Err: e.err, Detail: e.detail, Report: e.report, Code: e.code, Value: e.value}
	}
	if o.class == ClassNull {
		// RFC 2205 A.1: a NULL object may appear anywhere; its contents
		// are ignored.
		return nil
	}
	if !o.class.Known() {
		switch o.class.Unknown() {
		case IgnoreUnknown:
			return nil
		case ForwardUnknown:
			s.forward = append(s.forward, RawObject{Class: o.class, CType: o.ctype, Body: bytesClone(o.body)})
			return nil
		}
		return at(objErr(ErrUnknownClass, "class %d", o.class).withReport(CodeUnknownClass, ObjectErrorValue(o.class, o.ctype)))
	}

	// Objects decode straight into s. A message with any error is
	// dropped whole, so what a rejected object leaves behind is never
	// seen.
	var e *objError
	switch o.class {
	case ClassIntegrity:
		var v Integrity
		v, e = parseIntegrity(o.ctype, o.body)
		s.integrity = &v
	case ClassSession:
		s.session, e = parseSession(o.ctype, o.body)
	case ClassHop:
		s.hop, e = parseHop(o.ctype, o.body)
	case ClassTimeValues:
		s.time, e = parseTimeValues(o.ctype, o.body)
	case ClassErrorSpec:
		s.errSpec, e = parseErrorSpec(o.ctype, o.body)
	case ClassScope:
		var v Scope
		v, e = parseScope(o.ctype, o.body)
		s.scope = &v
	case ClassStyle:
		s.style, e = parseStyle(o.ctype, o.body)
	case ClassResvConfirm:
		s.confirm, e = parseResvConfirm(o.ctype, o.body)
	case ClassPolicyData:
		var v PolicyData
		v, e = parsePolicyData(o.ctype, o.body)
		s.policy = append(s.policy, v)
	case ClassSenderTemplate:
		s.template, e = parseFilterSpec(o.class, o.ctype, o.body)
	case ClassSenderTSpec:
		s.tspec, e = parseTSpec(o.ctype, o.body)
	case ClassAdspec:
		var v Adspec
		v, e = parseAdspec(o.ctype, o.body)
		s.adspec = &v
	case ClassFlowspec:
		var v Flowspec
		v, e = parseFlowspec(o.ctype, o.body)
		s.items = append(s.items, descItem{flowspec: v, offset: o.offset})
	case ClassFilterSpec:
		var v FilterSpec
		v, e = parseFilterSpec(o.class, o.ctype, o.body)
		s.items = append(s.items, descItem{isFilter: true, filter: v, offset: o.offset})
	}
	// An unknown C-Type is reported as such wherever the object stands;
	// then the object must belong in this message, once; then its
	// contents must be good.
	if e != nil && e.err == ErrUnknownCType {
		return at(e)
	}
	if allowed[s.typ]&(1<<o.class) == 0 {
		return at(objErr(ErrUnexpectedObject, "%v in a %v message", o.class, s.typ))
	}
	repeatable := o.class == ClassPolicyData || o.class == ClassFlowspec || o.class == ClassFilterSpec
	if s.has(o.class) && !repeatable {
		return at(objErr(ErrUnexpectedObject, "second %v", o.class))
	}
	if e != nil {
		return at(e)
	}
	if !s.has(o.class) {
		s.offsets[o.class] = o.offset
	}
	s.seen |= 1 << o.class
	return nil
}

// need checks that the message has each of classes.
func (s *objectSet) need(classes ...ClassNum) *ParseError {
	for _, c := range classes {
		if !s.has(c) {
			return &ParseError{Err: ErrMissingObject, Detail: fmt.Sprintf("no %v", c)}
		}
	}
	return nil
}

// sender returns the sender descriptor, nil if there is none.
func (s *objectSet) sender() (*Sender, *ParseError) {
	t, ts, ad := s.has(ClassSenderTemplate), s.has(ClassSenderTSpec), s.has(ClassAdspec)
	switch {
	case !t && !ts && !ad:
		return nil, nil
	case !t || !ts:
		return nil, &ParseError{Err: ErrMissingObject, Detail: "incomplete sender descriptor: a SENDER_TEMPLATE needs a SENDER_TSPEC and the other way round"}
	case !sameFamily(s.template.Source, s.session.Dest):
		off := s.offsets[ClassSenderTemplate]
		return nil, &ParseError{Offset: off, Class: ClassSenderTemplate, CType: s.template.cType(), Err: ErrBadValue, Detail: fmt.Sprintf("sender %v in a session to %v", s.template, s.session.Dest)}
	}
	return &Sender{Template: s.template, TSpec: s.tspec, Adspec: s.adspec}, nil
}

// flows checks the style and groups the flow descriptors.
func (s *objectSet) flows() ([]FlowDescriptor, *ParseError) {
	k := s.style.Kind()
	if k == UnknownStyle {
		return nil, &ParseError{
			Offset: s.offsets[ClassStyle], Class: ClassStyle, CType: CTypeStyle,
			Err: ErrUnknownStyle, Detail: fmt.Sprintf("option vector %#06x", s.style.Options),
			Report: true, Code: CodeUnknownStyle, Value: uint16(s.style.Options),
		}
	}
	for _, it := range s.items {
		if it.isFilter && !sameFamily(it.filter.Source, s.session.Dest) {
			return nil, &ParseError{Offset: it.offset, Class: ClassFilterSpec, CType: it.filter.cType(), Err: ErrBadValue, Detail: fmt.Sprintf("filter %v in a session to %v", it.filter, s.session.Dest)}
		}
	}
	return buildFlows(k, modeOf(s.typ), s.items)
}

// build assembles the message once every object is in.
func (s *objectSet) build() (Message, *ParseError) {
	common := MessageCommon{Integrity: s.integrity, Forward: s.forward}
	var err *ParseError
	switch s.typ {
	case TypePath:
		if err = s.need(ClassSession, ClassHop, ClassTimeValues); err != nil {
			return nil, err
		}
		m := &Path{MessageCommon: common, Session: s.session, Hop: s.hop, TimeValues: s.time, Policy: s.policy}
		m.Sender, err = s.sender()
		return m, err
	case TypeResv:
		if err = s.need(ClassSession, ClassHop, ClassTimeValues, ClassStyle); err != nil {
			return nil, err
		}
		m := &Resv{MessageCommon: common, Session: s.session, Hop: s.hop, TimeValues: s.time, Scope: s.scope, Policy: s.policy, Style: s.style}
		if s.has(ClassResvConfirm) {
			c := s.confirm
			m.Confirm = &c
		}
		m.Flows, err = s.flows()
		return m, err
	case TypePathErr:
		if err = s.need(ClassSession, ClassErrorSpec); err != nil {
			return nil, err
		}
		m := &PathErr{MessageCommon: common, Session: s.session, ErrorSpec: s.errSpec, Policy: s.policy}
		m.Sender, err = s.sender()
		return m, err
	case TypeResvErr:
		if err = s.need(ClassSession, ClassHop, ClassErrorSpec, ClassStyle); err != nil {
			return nil, err
		}
		m := &ResvErr{MessageCommon: common, Session: s.session, Hop: s.hop, ErrorSpec: s.errSpec, Scope: s.scope, Policy: s.policy, Style: s.style}
		m.Flows, err = s.flows()
		return m, err
	case TypePathTear:
		if err = s.need(ClassSession, ClassHop); err != nil {
			return nil, err
		}
		m := &PathTear{MessageCommon: common, Session: s.session, Hop: s.hop}
		m.Sender, err = s.sender()
		return m, err
	case TypeResvTear:
		if err = s.need(ClassSession, ClassHop, ClassStyle); err != nil {
			return nil, err
		}
		m := &ResvTear{MessageCommon: common, Session: s.session, Hop: s.hop, Scope: s.scope, Style: s.style}
		m.Flows, err = s.flows()
		return m, err
	case TypeResvConf:
		if err = s.need(ClassSession, ClassErrorSpec, ClassResvConfirm, ClassStyle); err != nil {
			return nil, err
		}
		m := &ResvConf{MessageCommon: common, Session: s.session, ErrorSpec: s.errSpec, Confirm: s.confirm, Style: s.style}
		m.Flows, err = s.flows()
		return m, err
	}
	return nil, &ParseError{Err: ErrUnknownMessage}
}

// addressing decodes, as best it can, the SESSION and RSVP_HOP of a
// message being rejected, so that the error can be sent back.
func addressing(objs []object) (*Session, *Hop) {
	var session *Session
	var hop *Hop
	for _, o := range objs {
		switch {
		case o.class == ClassSession && session == nil:
			if v, e := parseSession(o.ctype, o.body); e == nil {
				session = &v
			}
		case o.class == ClassHop && hop == nil:
			if v, e := parseHop(o.ctype, o.body); e == nil {
				hop = &v
			}
		}
	}
	return session, hop
}
