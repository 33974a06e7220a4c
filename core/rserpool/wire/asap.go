package wire

import "encoding/binary"

// ASAP messages (RFC 5352 section 2.2). Each message's value is a sequence
// of parameters in the order shown; Endpoint Keep-Alive and Server
// Announce start with a 32-bit Server Identifier.

var errNilMessage = eerr(ErrInvalidValue, "nil message")

func appendHandle(b []byte, h []byte) ([]byte, error) {
	return RawParam{Type: ParamPoolHandle, Value: h}.Append(b)
}

// Registration (0x01): Pool Handle, Pool Element.
type Registration struct {
	PoolHandle []byte
	Element    PoolElement
}

func (*Registration) Protocol() Protocol { return ASAP }
func (*Registration) MsgType() uint8     { return uint8(ASAPRegistration) }
func (*Registration) flags() uint8       { return 0 }

func (m *Registration) appendValue(b []byte) ([]byte, error) {
	if m == nil {
		return b, errNilMessage
	}
	b, err := appendHandle(b, m.PoolHandle)
	if err != nil {
		return b, err
	}
	return appendPoolElement(b, &m.Element)
}

func parseRegistration(d *decoder, _ uint8, v []byte) (Message, error) {
	s := d.scan(v, HeaderLen, 0)
	ph, err := s.want(ParamPoolHandle)
	if err != nil {
		return nil, err
	}
	pe, err := s.want(ParamPoolElement)
	if err != nil {
		return nil, err
	}
	m := &Registration{PoolHandle: poolHandle(ph)}
	if m.Element, err = d.poolElement(pe); err != nil {
		return nil, err
	}
	return m, s.end()
}

// handleAndID is the layout shared by Deregistration, Endpoint Keep-Alive
// Ack and Endpoint Unreachable: Pool Handle, PE Identifier.
func appendHandleAndID(b []byte, h []byte, id uint32) ([]byte, error) {
	b, err := appendHandle(b, h)
	if err != nil {
		return b, err
	}
	return appendU32Param(b, ParamPEIdentifier, id), nil
}

func scanHandleAndID(s *scanner) ([]byte, uint32, error) {
	ph, err := s.want(ParamPoolHandle)
	if err != nil {
		return nil, 0, err
	}
	idp, err := s.want(ParamPEIdentifier)
	if err != nil {
		return nil, 0, err
	}
	id, err := decodeU32(idp)
	if err != nil {
		return nil, 0, err
	}
	return poolHandle(ph), id, nil
}

// optOpError decodes an optional Operation Error parameter.
func optOpError(s *scanner) (*OperationError, error) {
	p, ok, err := s.opt(ParamOperationError)
	if !ok || err != nil {
		return nil, err
	}
	e, err := decodeOperationError(p)
	if err != nil {
		return nil, err
	}
	return &e, nil
}

// Deregistration (0x02): Pool Handle, PE Identifier.
type Deregistration struct {
	PoolHandle []byte
	PEID       uint32
}

func (*Deregistration) Protocol() Protocol { return ASAP }
func (*Deregistration) MsgType() uint8     { return uint8(ASAPDeregistration) }
func (*Deregistration) flags() uint8       { return 0 }

func (m *Deregistration) appendValue(b []byte) ([]byte, error) {
	if m == nil {
		return b, errNilMessage
	}
	return appendHandleAndID(b, m.PoolHandle, m.PEID)
}

func parseDeregistration(d *decoder, _ uint8, v []byte) (Message, error) {
	s := d.scan(v, HeaderLen, 0)
	h, id, err := scanHandleAndID(s)
	if err != nil {
		return nil, err
	}
	return &Deregistration{PoolHandle: h, PEID: id}, s.end()
}

// RegistrationResponse (0x03, flag R = reject): Pool Handle, PE
// Identifier, optional Operation Error.
type RegistrationResponse struct {
	Reject     bool
	PoolHandle []byte
	PEID       uint32
	Error      *OperationError // nil: no Operation Error parameter
}

func (*RegistrationResponse) Protocol() Protocol { return ASAP }
func (*RegistrationResponse) MsgType() uint8     { return uint8(ASAPRegistrationResponse) }
func (m *RegistrationResponse) flags() uint8     { return flagIf(m.Reject, FlagReject) }

func (m *RegistrationResponse) appendValue(b []byte) ([]byte, error) {
	if m == nil {
		return b, errNilMessage
	}
	b, err := appendHandleAndID(b, m.PoolHandle, m.PEID)
	if err != nil || m.Error == nil {
		return b, err
	}
	return appendOperationError(b, m.Error)
}

func parseRegistrationResponse(d *decoder, flags uint8, v []byte) (Message, error) {
	s := d.scan(v, HeaderLen, 0)
	h, id, err := scanHandleAndID(s)
	if err != nil {
		return nil, err
	}
	m := &RegistrationResponse{Reject: flags&FlagReject != 0, PoolHandle: h, PEID: id}
	if m.Error, err = optOpError(s); err != nil {
		return nil, err
	}
	return m, s.end()
}

// DeregistrationResponse (0x04): Pool Handle, PE Identifier, optional
// Operation Error.
type DeregistrationResponse struct {
	PoolHandle []byte
	PEID       uint32
	Error      *OperationError // nil: no Operation Error parameter
}

func (*DeregistrationResponse) Protocol() Protocol { return ASAP }
func (*DeregistrationResponse) MsgType() uint8     { return uint8(ASAPDeregistrationResponse) }
func (*DeregistrationResponse) flags() uint8       { return 0 }

func (m *DeregistrationResponse) appendValue(b []byte) ([]byte, error) {
	if m == nil {
		return b, errNilMessage
	}
	b, err := appendHandleAndID(b, m.PoolHandle, m.PEID)
	if err != nil || m.Error == nil {
		return b, err
	}
	return appendOperationError(b, m.Error)
}

func parseDeregistrationResponse(d *decoder, _ uint8, v []byte) (Message, error) {
	s := d.scan(v, HeaderLen, 0)
	h, id, err := scanHandleAndID(s)
	if err != nil {
		return nil, err
	}
	m := &DeregistrationResponse{PoolHandle: h, PEID: id}
	if m.Error, err = optOpError(s); err != nil {
		return nil, err
	}
	return m, s.end()
}

// HandleResolution (0x05): Pool Handle, optional Handle Resolution Option
// (draft-dreibholz-rserpool-asap-hropt; rsplib sends it when the caller
// asks for a number of items, 0xffffffff meaning as many as possible).
type HandleResolution struct {
	PoolHandle []byte
	HasItems   bool   // a Handle Resolution Option is present
	Items      uint32 // its Items value; ignored unless HasItems
}

func (*HandleResolution) Protocol() Protocol { return ASAP }
func (*HandleResolution) MsgType() uint8     { return uint8(ASAPHandleResolution) }
func (*HandleResolution) flags() uint8       { return 0 }

func (m *HandleResolution) appendValue(b []byte) ([]byte, error) {
	if m == nil {
		return b, errNilMessage
	}
	b, err := appendHandle(b, m.PoolHandle)
	if err != nil || !m.HasItems {
		return b, err
	}
	return appendU32Param(b, ParamHandleResolutionOption, m.Items), nil
}

func parseHandleResolution(d *decoder, _ uint8, v []byte) (Message, error) {
	s := d.scan(v, HeaderLen, 0)
	ph, err := s.want(ParamPoolHandle)
	if err != nil {
		return nil, err
	}
	m := &HandleResolution{PoolHandle: poolHandle(ph)}
	p, ok, err := s.opt(ParamHandleResolutionOption)
	if err != nil {
		return nil, err
	}
	if ok {
		if m.Items, err = decodeU32(p); err != nil {
			return nil, err
		}
		m.HasItems = true
	}
	return m, s.end()
}

// HandleResolutionResponse (0x06, flag R = reject): Pool Handle, then
// either the pool's Policy and zero or more Pool Elements, or an Operation
// Error (rsplib sends the error without setting R).
type HandleResolutionResponse struct {
	Reject     bool
	PoolHandle []byte
	Policy     Policy          // unused (zero) when Error is set
	Elements   []PoolElement   // empty when Error is set
	Error      *OperationError // non-nil: the error form
}

func (*HandleResolutionResponse) Protocol() Protocol { return ASAP }
func (*HandleResolutionResponse) MsgType() uint8     { return uint8(ASAPHandleResolutionResponse) }
func (m *HandleResolutionResponse) flags() uint8     { return flagIf(m.Reject, FlagReject) }

func (m *HandleResolutionResponse) appendValue(b []byte) ([]byte, error) {
	if m == nil {
		return b, errNilMessage
	}
	b, err := appendHandle(b, m.PoolHandle)
	if err != nil {
		return b, err
	}
	if m.Error != nil {
		if len(m.Elements) != 0 || m.Policy.Type != 0 || len(m.Policy.Values) != 0 {
			return b, eerr(ErrInvalidValue, "handle resolution response with both an operation error and a policy or pool elements")
		}
		return appendOperationError(b, m.Error)
	}
	if b, err = appendPolicy(b, &m.Policy); err != nil {
		return b, err
	}
	return appendElements(b, m.Elements)
}

func appendElements(b []byte, pes []PoolElement) ([]byte, error) {
	if len(pes) > MaxElements {
		return b, eerr(ErrTooMany, "%d pool elements, limit %d", len(pes), MaxElements)
	}
	var err error
	for i := range pes {
		if b, err = appendPoolElement(b, &pes[i]); err != nil {
			return b, err
		}
	}
	return b, nil
}

// scanElements decodes the Pool Element parameters that follow, up to
// MaxElements in the message (count carries the number seen so far).
func scanElements(d *decoder, s *scanner, count *int) ([]PoolElement, error) {
	var pes []PoolElement
	for {
		p, ok, err := s.opt(ParamPoolElement)
		if err != nil {
			return nil, err
		}
		if !ok {
			return pes, nil
		}
		if *count == MaxElements {
			return nil, tooMany(p.off, 0, "pool elements", MaxElements)
		}
		*count++
		pe, err := d.poolElement(p)
		if err != nil {
			return nil, err
		}
		pes = append(pes, pe)
	}
}

func parseHandleResolutionResponse(d *decoder, flags uint8, v []byte) (Message, error) {
	s := d.scan(v, HeaderLen, 0)
	ph, err := s.want(ParamPoolHandle)
	if err != nil {
		return nil, err
	}
	m := &HandleResolutionResponse{Reject: flags&FlagReject != 0, PoolHandle: poolHandle(ph)}
	if m.Error, err = optOpError(s); err != nil {
		return nil, err
	}
	if m.Error != nil {
		return m, s.end()
	}
	pp, err := s.want(ParamPolicy)
	if err != nil {
		return nil, err
	}
	if m.Policy, err = decodePolicy(pp); err != nil {
		return nil, err
	}
	n := 0
	if m.Elements, err = scanElements(d, s, &n); err != nil {
		return nil, err
	}
	return m, s.end()
}

// EndpointKeepAlive (0x07, flag H = home): Server Identifier, Pool Handle,
// PE Identifier. rsplib leaves the PE Identifier out when it is 0; the
// decoder then reports PEID 0, and the encoder always sends it.
type EndpointKeepAlive struct {
	Home       bool
	ServerID   uint32
	PoolHandle []byte
	PEID       uint32
}

func (*EndpointKeepAlive) Protocol() Protocol { return ASAP }
func (*EndpointKeepAlive) MsgType() uint8     { return uint8(ASAPEndpointKeepAlive) }
func (m *EndpointKeepAlive) flags() uint8     { return flagIf(m.Home, FlagHome) }

func (m *EndpointKeepAlive) appendValue(b []byte) ([]byte, error) {
	if m == nil {
		return b, errNilMessage
	}
	b = appendU32(b, m.ServerID)
	return appendHandleAndID(b, m.PoolHandle, m.PEID)
}

func parseEndpointKeepAlive(d *decoder, flags uint8, v []byte) (Message, error) {
	if err := fixedFields(v, 4, "the server identifier"); err != nil {
		return nil, err
	}
	m := &EndpointKeepAlive{Home: flags&FlagHome != 0, ServerID: binary.BigEndian.Uint32(v)}
	s := d.scan(v[4:], HeaderLen+4, 0)
	ph, err := s.want(ParamPoolHandle)
	if err != nil {
		return nil, err
	}
	m.PoolHandle = poolHandle(ph)
	p, ok, err := s.opt(ParamPEIdentifier)
	if err != nil {
		return nil, err
	}
	if ok {
		if m.PEID, err = decodeU32(p); err != nil {
			return nil, err
		}
	}
	return m, s.end()
}

// EndpointKeepAliveAck (0x08): Pool Handle, PE Identifier.
type EndpointKeepAliveAck struct {
	PoolHandle []byte
	PEID       uint32
}

func (*EndpointKeepAliveAck) Protocol() Protocol { return ASAP }
func (*EndpointKeepAliveAck) MsgType() uint8     { return uint8(ASAPEndpointKeepAliveAck) }
func (*EndpointKeepAliveAck) flags() uint8       { return 0 }

func (m *EndpointKeepAliveAck) appendValue(b []byte) ([]byte, error) {
	if m == nil {
		return b, errNilMessage
	}
	return appendHandleAndID(b, m.PoolHandle, m.PEID)
}

func parseEndpointKeepAliveAck(d *decoder, _ uint8, v []byte) (Message, error) {
	s := d.scan(v, HeaderLen, 0)
	h, id, err := scanHandleAndID(s)
	if err != nil {
		return nil, err
	}
	return &EndpointKeepAliveAck{PoolHandle: h, PEID: id}, s.end()
}

// EndpointUnreachable (0x09): Pool Handle, PE Identifier.
type EndpointUnreachable struct {
	PoolHandle []byte
	PEID       uint32
}

func (*EndpointUnreachable) Protocol() Protocol { return ASAP }
func (*EndpointUnreachable) MsgType() uint8     { return uint8(ASAPEndpointUnreachable) }
func (*EndpointUnreachable) flags() uint8       { return 0 }

func (m *EndpointUnreachable) appendValue(b []byte) ([]byte, error) {
	if m == nil {
		return b, errNilMessage
	}
	return appendHandleAndID(b, m.PoolHandle, m.PEID)
}

func parseEndpointUnreachable(d *decoder, _ uint8, v []byte) (Message, error) {
	s := d.scan(v, HeaderLen, 0)
	h, id, err := scanHandleAndID(s)
	if err != nil {
		return nil, err
	}
	return &EndpointUnreachable{PoolHandle: h, PEID: id}, s.end()
}

// ServerAnnounce (0x0a): Server Identifier, then zero or more transport
// parameters the registrar serves ASAP on (rsplib sends none: the
// receiver then uses the announce's source address).
type ServerAnnounce struct {
	ServerID   uint32
	Transports []Transport
}

func (*ServerAnnounce) Protocol() Protocol { return ASAP }
func (*ServerAnnounce) MsgType() uint8     { return uint8(ASAPServerAnnounce) }
func (*ServerAnnounce) flags() uint8       { return 0 }

func (m *ServerAnnounce) appendValue(b []byte) ([]byte, error) {
	if m == nil {
		return b, errNilMessage
	}
	if len(m.Transports) > MaxTransports {
		return b, eerr(ErrTooMany, "%d transports, limit %d", len(m.Transports), MaxTransports)
	}
	b = appendU32(b, m.ServerID)
	var err error
	for i := range m.Transports {
		if b, err = appendTransport(b, &m.Transports[i]); err != nil {
			return b, err
		}
	}
	return b, nil
}

func parseServerAnnounce(d *decoder, _ uint8, v []byte) (Message, error) {
	if err := fixedFields(v, 4, "the server identifier"); err != nil {
		return nil, err
	}
	m := &ServerAnnounce{ServerID: binary.BigEndian.Uint32(v)}
	s := d.scan(v[4:], HeaderLen+4, 0)
	for {
		p, ok, err := s.optOf(isTransport)
		if err != nil {
			return nil, err
		}
		if !ok {
			break
		}
		if len(m.Transports) == MaxTransports {
			return nil, tooMany(p.off, 0, "transports", MaxTransports)
		}
		t, err := d.transport(p)
		if err != nil {
			return nil, err
		}
		m.Transports = append(m.Transports, t)
	}
	return m, s.end()
}

// Cookie (0x0b): Cookie parameter, sent by a PE to its PU.
type Cookie struct {
	Data []byte
}

func (*Cookie) Protocol() Protocol { return ASAP }
func (*Cookie) MsgType() uint8     { return uint8(ASAPCookie) }
func (*Cookie) flags() uint8       { return 0 }

func (m *Cookie) appendValue(b []byte) ([]byte, error) {
	if m == nil {
		return b, errNilMessage
	}
	return RawParam{Type: ParamCookie, Value: m.Data}.Append(b)
}

func scanCookie(s *scanner) ([]byte, error) {
	p, err := s.want(ParamCookie)
	if err != nil {
		return nil, err
	}
	return cloneBytes(p.val), s.end()
}

func parseCookie(d *decoder, _ uint8, v []byte) (Message, error) {
	c, err := scanCookie(d.scan(v, HeaderLen, 0))
	if err != nil {
		return nil, err
	}
	return &Cookie{Data: c}, nil
}

// CookieEcho (0x0c): Cookie parameter, echoed by a PU to a new PE after
// failover.
type CookieEcho struct {
	Data []byte
}

func (*CookieEcho) Protocol() Protocol { return ASAP }
func (*CookieEcho) MsgType() uint8     { return uint8(ASAPCookieEcho) }
func (*CookieEcho) flags() uint8       { return 0 }

func (m *CookieEcho) appendValue(b []byte) ([]byte, error) {
	if m == nil {
		return b, errNilMessage
	}
	return RawParam{Type: ParamCookie, Value: m.Data}.Append(b)
}

func parseCookieEcho(d *decoder, _ uint8, v []byte) (Message, error) {
	c, err := scanCookie(d.scan(v, HeaderLen, 0))
	if err != nil {
		return nil, err
	}
	return &CookieEcho{Data: c}, nil
}

// BusinessCard (0x0d): Pool Handle, Policy, Pool Elements (rsplib's
// layout; rsplib never sends one and ignores those it receives).
type BusinessCard struct {
	PoolHandle []byte
	Policy     Policy
	Elements   []PoolElement
}

func (*BusinessCard) Protocol() Protocol { return ASAP }
func (*BusinessCard) MsgType() uint8     { return uint8(ASAPBusinessCard) }
func (*BusinessCard) flags() uint8       { return 0 }

func (m *BusinessCard) appendValue(b []byte) ([]byte, error) {
	if m == nil {
		return b, errNilMessage
	}
	b, err := appendHandle(b, m.PoolHandle)
	if err != nil {
		return b, err
	}
	if b, err = appendPolicy(b, &m.Policy); err != nil {
		return b, err
	}
	return appendElements(b, m.Elements)
}

func parseBusinessCard(d *decoder, _ uint8, v []byte) (Message, error) {
	s := d.scan(v, HeaderLen, 0)
	ph, err := s.want(ParamPoolHandle)
	if err != nil {
		return nil, err
	}
	m := &BusinessCard{PoolHandle: poolHandle(ph)}
	pp, err := s.want(ParamPolicy)
	if err != nil {
		return nil, err
	}
	if m.Policy, err = decodePolicy(pp); err != nil {
		return nil, err
	}
	n := 0
	if m.Elements, err = scanElements(d, s, &n); err != nil {
		return nil, err
	}
	return m, s.end()
}

// ASAPErrorMessage (0x0e): Operation Error.
type ASAPErrorMessage struct {
	Error OperationError
}

func (*ASAPErrorMessage) Protocol() Protocol { return ASAP }
func (*ASAPErrorMessage) MsgType() uint8     { return uint8(ASAPError) }
func (*ASAPErrorMessage) flags() uint8       { return 0 }

func (m *ASAPErrorMessage) appendValue(b []byte) ([]byte, error) {
	if m == nil {
		return b, errNilMessage
	}
	return appendOperationError(b, &m.Error)
}

func scanOpError(s *scanner) (OperationError, error) {
	p, err := s.want(ParamOperationError)
	if err != nil {
		return OperationError{}, err
	}
	e, err := decodeOperationError(p)
	if err != nil {
		return OperationError{}, err
	}
	return e, s.end()
}

func parseASAPError(d *decoder, _ uint8, v []byte) (Message, error) {
	e, err := scanOpError(d.scan(v, HeaderLen, 0))
	if err != nil {
		return nil, err
	}
	return &ASAPErrorMessage{Error: e}, nil
}

func flagIf(b bool, f uint8) uint8 {
	if b {
		return f
	}
	return 0
}

var asapParsers = [256]parseFunc{
	ASAPRegistration:             parseRegistration,
	ASAPDeregistration:           parseDeregistration,
	ASAPRegistrationResponse:     parseRegistrationResponse,
	ASAPDeregistrationResponse:   parseDeregistrationResponse,
	ASAPHandleResolution:         parseHandleResolution,
	ASAPHandleResolutionResponse: parseHandleResolutionResponse,
	ASAPEndpointKeepAlive:        parseEndpointKeepAlive,
	ASAPEndpointKeepAliveAck:     parseEndpointKeepAliveAck,
	ASAPEndpointUnreachable:      parseEndpointUnreachable,
	ASAPServerAnnounce:           parseServerAnnounce,
	ASAPCookie:                   parseCookie,
	ASAPCookieEcho:               parseCookieEcho,
	ASAPBusinessCard:             parseBusinessCard,
	ASAPError:                    parseASAPError,
}
