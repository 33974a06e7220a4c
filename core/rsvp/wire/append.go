package wire

import "fmt"

// Append appends the encoding of m to dst, with RSVP Length and checksum
// filled in, and returns the extended slice. It refuses (ErrInvalid) what
// Parse would reject, so that what one node sends the next accepts. On
// error dst is returned unchanged in length.
func Append(dst []byte, m Message) ([]byte, error) {
	return appendMessage(dst, m, -1)
}

// Marshal returns the encoding of m.
func Marshal(m Message) ([]byte, error) { return Append(nil, m) }

// appendMessage encodes m. digestLen, when not negative, replaces the
// INTEGRITY digest by that many zero bytes for Sign to fill in.
func appendMessage(dst []byte, m Message, digestLen int) ([]byte, error) {
	if isNil(m) {
		return dst, invalid("nil message")
	}
	c := m.Common()
	if c.Flags > 0x0F {
		return dst, invalid("header flags %#x exceed 4 bits", c.Flags)
	}
	start := len(dst)
	b := append(dst, make([]byte, HeaderLen)...)
	var err error
	if c.Integrity != nil {
		b, err = c.Integrity.appendTo(b, digestLen)
	} else if digestLen >= 0 {
		err = fmt.Errorf("rsvp: %w: the message has no INTEGRITY to sign", ErrNoIntegrity)
	}
	if err == nil {
		b, err = m.appendObjects(b)
	}
	for i := 0; err == nil && i < len(c.Forward); i++ {
		b, err = c.Forward[i].appendTo(b)
	}
	if err != nil {
		return dst[:start], err
	}
	n := len(b) - start
	if n > MaxMessageLen {
		return dst[:start], fmt.Errorf("rsvp: %w: %v of %d bytes", ErrTooLong, m.Type(), n)
	}
	msg := b[start:]
	putHeader(msg, c.Flags, m.Type(), c.SendTTL, n)
	setChecksum(msg)
	return b, nil
}

func isNil(m Message) bool {
	switch m := m.(type) {
	case nil:
		return true
	case *Path:
		return m == nil
	case *Resv:
		return m == nil
	case *PathErr:
		return m == nil
	case *ResvErr:
		return m == nil
	case *PathTear:
		return m == nil
	case *ResvTear:
		return m == nil
	case *ResvConf:
		return m == nil
	}
	return false
}

// writer chains object encoders, stopping at the first error.
type writer struct {
	b   []byte
	err error
}

func (w *writer) put(enc func([]byte) ([]byte, error)) {
	if w.err == nil {
		w.b, w.err = enc(w.b)
	}
}

func (w *writer) policy(p []PolicyData) {
	for _, pd := range p {
		w.put(pd.appendTo)
	}
}

func (w *writer) scope(s *Scope) {
	if s != nil {
		w.put(s.appendTo)
	}
}

// sender writes a sender descriptor, whose template must be of the
// session's family.
func (w *writer) sender(s *Sender, session Session) {
	if s == nil || w.err != nil {
		return
	}
	if s.Template.Source.IsValid() && !sameFamily(s.Template.Source, session.Dest) {
		w.err = invalid("SENDER_TEMPLATE %v in a session to %v", s.Template, session.Dest)
		return
	}
	w.put(func(b []byte) ([]byte, error) { return s.Template.appendTo(b, ClassSenderTemplate) })
	w.put(s.TSpec.appendTo)
	if s.Adspec != nil {
		w.put(s.Adspec.appendTo)
	}
}

// flows writes the STYLE and the flow descriptor list.
func (w *writer) flows(s Style, mode descMode, session Session, flows []FlowDescriptor) {
	if w.err != nil {
		return
	}
	if w.err = checkFlows(s, mode, session, flows); w.err != nil {
		return
	}
	w.put(s.appendTo)
	w.put(func(b []byte) ([]byte, error) { return appendFlows(b, flows) })
}

func (m *Path) appendObjects(b []byte) ([]byte, error) {
	w := writer{b: b}
	w.put(m.Session.appendTo)
	w.put(m.Hop.appendTo)
	w.put(m.TimeValues.appendTo)
	w.policy(m.Policy)
	w.sender(m.Sender, m.Session)
	return w.b, w.err
}

func (m *Resv) appendObjects(b []byte) ([]byte, error) {
	w := writer{b: b}
	w.put(m.Session.appendTo)
	w.put(m.Hop.appendTo)
	w.put(m.TimeValues.appendTo)
	if m.Confirm != nil {
		w.put(m.Confirm.appendTo)
	}
	w.scope(m.Scope)
	w.policy(m.Policy)
	w.flows(m.Style, descResv, m.Session, m.Flows)
	return w.b, w.err
}

func (m *PathErr) appendObjects(b []byte) ([]byte, error) {
	w := writer{b: b}
	w.put(m.Session.appendTo)
	w.put(m.ErrorSpec.appendTo)
	w.policy(m.Policy)
	w.sender(m.Sender, m.Session)
	return w.b, w.err
}

func (m *ResvErr) appendObjects(b []byte) ([]byte, error) {
	w := writer{b: b}
	w.put(m.Session.appendTo)
	w.put(m.Hop.appendTo)
	w.put(m.ErrorSpec.appendTo)
	w.scope(m.Scope)
	w.policy(m.Policy)
	w.flows(m.Style, descErr, m.Session, m.Flows)
	return w.b, w.err
}

func (m *PathTear) appendObjects(b []byte) ([]byte, error) {
	w := writer{b: b}
	w.put(m.Session.appendTo)
	w.put(m.Hop.appendTo)
	w.sender(m.Sender, m.Session)
	return w.b, w.err
}

func (m *ResvTear) appendObjects(b []byte) ([]byte, error) {
	w := writer{b: b}
	w.put(m.Session.appendTo)
	w.put(m.Hop.appendTo)
	w.scope(m.Scope)
	w.flows(m.Style, descTear, m.Session, m.Flows)
	return w.b, w.err
}

func (m *ResvConf) appendObjects(b []byte) ([]byte, error) {
	w := writer{b: b}
	w.put(m.Session.appendTo)
	w.put(m.ErrorSpec.appendTo)
	w.put(m.Confirm.appendTo)
	w.flows(m.Style, descResv, m.Session, m.Flows)
	return w.b, w.err
}
