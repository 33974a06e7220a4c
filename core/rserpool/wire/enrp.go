package wire

import "encoding/binary"

// ENRP messages (RFC 5353 section 2). Every message's value starts with
// the Sender Server's ID and the Receiver Server's ID (32 bits each);
// Handle Update continues with Update Action(16) and Reserved(16), the
// takeover messages with the Target Server's ID(32); parameters follow.

// ServerIDs are the sender and receiver server identifiers that start
// every ENRP message. Receiver is 0 when the message goes to all peers.
type ServerIDs struct {
	Sender   uint32
	Receiver uint32
}

// IDs returns the identifiers; every ENRP message has this method through
// its embedded ServerIDs.
func (ids *ServerIDs) IDs() ServerIDs { return *ids }

func (ids *ServerIDs) appendIDs(b []byte) []byte {
	return appendU32(appendU32(b, ids.Sender), ids.Receiver)
}

// parseIDs reads the server identifiers and extra bytes of further fixed
// fields, returning the scanner over the parameters that follow.
func parseIDs(d *decoder, v []byte, extra int, what string) (ServerIDs, *scanner, error) {
	if err := fixedFields(v, 8+extra, what); err != nil {
		return ServerIDs{}, nil, err
	}
	ids := ServerIDs{Sender: binary.BigEndian.Uint32(v), Receiver: binary.BigEndian.Uint32(v[4:])}
	return ids, d.scan(v[8+extra:], HeaderLen+8+extra, 0), nil
}

const idsWhat = "the server identifiers"

// Presence (0x01, flag R = reply required): PE Checksum, Server
// Information (the sender's; rsplib always sends it, so it is optional
// here only on receipt).
type Presence struct {
	ServerIDs
	ReplyRequired bool
	Checksum      uint16      // handlespace checksum of the sender's PEs
	Info          *ServerInfo // nil: no Server Information parameter
}

func (*Presence) Protocol() Protocol { return ENRP }
func (*Presence) MsgType() uint8     { return uint8(ENRPPresence) }
func (m *Presence) flags() uint8     { return flagIf(m.ReplyRequired, FlagReplyRequired) }

func (m *Presence) appendValue(b []byte) ([]byte, error) {
	if m == nil {
		return b, errNilMessage
	}
	b = appendChecksum(m.appendIDs(b), m.Checksum)
	if m.Info == nil {
		return b, nil
	}
	return appendServerInfo(b, m.Info)
}

func parsePresence(d *decoder, flags uint8, v []byte) (Message, error) {
	ids, s, err := parseIDs(d, v, 0, idsWhat)
	if err != nil {
		return nil, err
	}
	m := &Presence{ServerIDs: ids, ReplyRequired: flags&FlagReplyRequired != 0}
	cp, err := s.want(ParamPEChecksum)
	if err != nil {
		return nil, err
	}
	if m.Checksum, err = decodeChecksum(cp); err != nil {
		return nil, err
	}
	sp, ok, err := s.opt(ParamServerInfo)
	if err != nil {
		return nil, err
	}
	if ok {
		si, err := d.serverInfo(sp)
		if err != nil {
			return nil, err
		}
		m.Info = &si
	}
	return m, s.end()
}

// HandleTableRequest (0x02, flag W = own children only): no parameters.
type HandleTableRequest struct {
	ServerIDs
	OwnChildrenOnly bool
}

func (*HandleTableRequest) Protocol() Protocol { return ENRP }
func (*HandleTableRequest) MsgType() uint8     { return uint8(ENRPHandleTableRequest) }
func (m *HandleTableRequest) flags() uint8     { return flagIf(m.OwnChildrenOnly, FlagOwnChildrenOnly) }

func (m *HandleTableRequest) appendValue(b []byte) ([]byte, error) {
	if m == nil {
		return b, errNilMessage
	}
	return m.appendIDs(b), nil
}

func parseHandleTableRequest(d *decoder, flags uint8, v []byte) (Message, error) {
	ids, s, err := parseIDs(d, v, 0, idsWhat)
	if err != nil {
		return nil, err
	}
	return &HandleTableRequest{ServerIDs: ids, OwnChildrenOnly: flags&FlagOwnChildrenOnly != 0}, s.end()
}

// PoolEntry is one pool of a Handle Table Response: its Pool Handle and
// the Pool Elements that follow it.
type PoolEntry struct {
	PoolHandle []byte
	Elements   []PoolElement
}

// HandleTableResponse (0x03, flags R = reject, M = more to send): pool
// entries, each a Pool Handle followed by its Pool Elements.
type HandleTableResponse struct {
	ServerIDs
	Reject  bool
	More    bool
	Entries []PoolEntry
}

func (*HandleTableResponse) Protocol() Protocol { return ENRP }
func (*HandleTableResponse) MsgType() uint8     { return uint8(ENRPHandleTableResponse) }
func (m *HandleTableResponse) flags() uint8 {
	return flagIf(m.Reject, FlagReject) | flagIf(m.More, FlagMore)
}

func (m *HandleTableResponse) appendValue(b []byte) ([]byte, error) {
	if m == nil {
		return b, errNilMessage
	}
	if len(m.Entries) > MaxPools {
		return b, eerr(ErrTooMany, "%d pool entries, limit %d", len(m.Entries), MaxPools)
	}
	n := 0
	for i := range m.Entries {
		n += len(m.Entries[i].Elements)
	}
	if n > MaxElements {
		return b, eerr(ErrTooMany, "%d pool elements, limit %d", n, MaxElements)
	}
	b = m.appendIDs(b)
	var err error
	for i := range m.Entries {
		e := &m.Entries[i]
		if b, err = appendHandle(b, e.PoolHandle); err != nil {
			return b, err
		}
		if b, err = appendElements(b, e.Elements); err != nil {
			return b, err
		}
	}
	return b, nil
}

func parseHandleTableResponse(d *decoder, flags uint8, v []byte) (Message, error) {
	ids, s, err := parseIDs(d, v, 0, idsWhat)
	if err != nil {
		return nil, err
	}
	m := &HandleTableResponse{ServerIDs: ids, Reject: flags&FlagReject != 0, More: flags&FlagMore != 0}
	n := 0
	for {
		ph, ok, err := s.opt(ParamPoolHandle)
		if err != nil {
			return nil, err
		}
		if !ok {
			break
		}
		if len(m.Entries) == MaxPools {
			return nil, tooMany(ph.off, 0, "pool entries", MaxPools)
		}
		e := PoolEntry{PoolHandle: poolHandle(ph)}
		if e.Elements, err = scanElements(d, s, &n); err != nil {
			return nil, err
		}
		m.Entries = append(m.Entries, e)
	}
	return m, s.end()
}

// UpdateAction is a Handle Update's action.
type UpdateAction uint16

const (
	UpdateAddPE UpdateAction = 0
	UpdateDelPE UpdateAction = 1
)

// HandleUpdate (0x04, flag T = takeover suggested): Update Action,
// Reserved, then Pool Handle and Pool Element.
type HandleUpdate struct {
	ServerIDs
	TakeoverSuggested bool
	Action            UpdateAction
	PoolHandle        []byte
	Element           PoolElement
}

func (*HandleUpdate) Protocol() Protocol { return ENRP }
func (*HandleUpdate) MsgType() uint8     { return uint8(ENRPHandleUpdate) }
func (m *HandleUpdate) flags() uint8     { return flagIf(m.TakeoverSuggested, FlagTakeoverSuggested) }

func (m *HandleUpdate) appendValue(b []byte) ([]byte, error) {
	if m == nil {
		return b, errNilMessage
	}
	b = appendU16(m.appendIDs(b), uint16(m.Action))
	b = appendU16(b, 0)
	b, err := appendHandle(b, m.PoolHandle)
	if err != nil {
		return b, err
	}
	return appendPoolElement(b, &m.Element)
}

func parseHandleUpdate(d *decoder, flags uint8, v []byte) (Message, error) {
	ids, s, err := parseIDs(d, v, 4, "the server identifiers and update action")
	if err != nil {
		return nil, err
	}
	m := &HandleUpdate{
		ServerIDs:         ids,
		TakeoverSuggested: flags&FlagTakeoverSuggested != 0,
		Action:            UpdateAction(binary.BigEndian.Uint16(v[8:])),
	}
	ph, err := s.want(ParamPoolHandle)
	if err != nil {
		return nil, err
	}
	m.PoolHandle = poolHandle(ph)
	pe, err := s.want(ParamPoolElement)
	if err != nil {
		return nil, err
	}
	if m.Element, err = d.poolElement(pe); err != nil {
		return nil, err
	}
	return m, s.end()
}

// ListRequest (0x05): no parameters.
type ListRequest struct {
	ServerIDs
}

func (*ListRequest) Protocol() Protocol { return ENRP }
func (*ListRequest) MsgType() uint8     { return uint8(ENRPListRequest) }
func (*ListRequest) flags() uint8       { return 0 }

func (m *ListRequest) appendValue(b []byte) ([]byte, error) {
	if m == nil {
		return b, errNilMessage
	}
	return m.appendIDs(b), nil
}

func parseListRequest(d *decoder, _ uint8, v []byte) (Message, error) {
	ids, s, err := parseIDs(d, v, 0, idsWhat)
	if err != nil {
		return nil, err
	}
	return &ListRequest{ServerIDs: ids}, s.end()
}

// ListResponse (0x06, flag R = reject): Server Information parameters.
type ListResponse struct {
	ServerIDs
	Reject  bool
	Servers []ServerInfo
}

func (*ListResponse) Protocol() Protocol { return ENRP }
func (*ListResponse) MsgType() uint8     { return uint8(ENRPListResponse) }
func (m *ListResponse) flags() uint8     { return flagIf(m.Reject, FlagReject) }

func (m *ListResponse) appendValue(b []byte) ([]byte, error) {
	if m == nil {
		return b, errNilMessage
	}
	if len(m.Servers) > MaxServers {
		return b, eerr(ErrTooMany, "%d servers, limit %d", len(m.Servers), MaxServers)
	}
	b = m.appendIDs(b)
	var err error
	for i := range m.Servers {
		if b, err = appendServerInfo(b, &m.Servers[i]); err != nil {
			return b, err
		}
	}
	return b, nil
}

func parseListResponse(d *decoder, flags uint8, v []byte) (Message, error) {
	ids, s, err := parseIDs(d, v, 0, idsWhat)
	if err != nil {
		return nil, err
	}
	m := &ListResponse{ServerIDs: ids, Reject: flags&FlagReject != 0}
	for {
		p, ok, err := s.opt(ParamServerInfo)
		if err != nil {
			return nil, err
		}
		if !ok {
			break
		}
		if len(m.Servers) == MaxServers {
			return nil, tooMany(p.off, 0, "servers", MaxServers)
		}
		si, err := d.serverInfo(p)
		if err != nil {
			return nil, err
		}
		m.Servers = append(m.Servers, si)
	}
	return m, s.end()
}

// takeover is the layout of the three takeover messages: server IDs and
// the Target Server's ID, no parameters.
func appendTakeover(b []byte, ids *ServerIDs, target uint32) []byte {
	return appendU32(ids.appendIDs(b), target)
}

func parseTakeover(d *decoder, v []byte) (ServerIDs, uint32, error) {
	ids, s, err := parseIDs(d, v, 4, "the server identifiers and target")
	if err != nil {
		return ServerIDs{}, 0, err
	}
	return ids, binary.BigEndian.Uint32(v[8:]), s.end()
}

// InitTakeover (0x07): Target Server's ID, the peer to take over.
type InitTakeover struct {
	ServerIDs
	Target uint32
}

func (*InitTakeover) Protocol() Protocol { return ENRP }
func (*InitTakeover) MsgType() uint8     { return uint8(ENRPInitTakeover) }
func (*InitTakeover) flags() uint8       { return 0 }

func (m *InitTakeover) appendValue(b []byte) ([]byte, error) {
	if m == nil {
		return b, errNilMessage
	}
	return appendTakeover(b, &m.ServerIDs, m.Target), nil
}

func parseInitTakeover(d *decoder, _ uint8, v []byte) (Message, error) {
	ids, t, err := parseTakeover(d, v)
	if err != nil {
		return nil, err
	}
	return &InitTakeover{ServerIDs: ids, Target: t}, nil
}

// InitTakeoverAck (0x08): Target Server's ID.
type InitTakeoverAck struct {
	ServerIDs
	Target uint32
}

func (*InitTakeoverAck) Protocol() Protocol { return ENRP }
func (*InitTakeoverAck) MsgType() uint8     { return uint8(ENRPInitTakeoverAck) }
func (*InitTakeoverAck) flags() uint8       { return 0 }

func (m *InitTakeoverAck) appendValue(b []byte) ([]byte, error) {
	if m == nil {
		return b, errNilMessage
	}
	return appendTakeover(b, &m.ServerIDs, m.Target), nil
}

func parseInitTakeoverAck(d *decoder, _ uint8, v []byte) (Message, error) {
	ids, t, err := parseTakeover(d, v)
	if err != nil {
		return nil, err
	}
	return &InitTakeoverAck{ServerIDs: ids, Target: t}, nil
}

// TakeoverServer (0x09): Target Server's ID, the peer taken over.
type TakeoverServer struct {
	ServerIDs
	Target uint32
}

func (*TakeoverServer) Protocol() Protocol { return ENRP }
func (*TakeoverServer) MsgType() uint8     { return uint8(ENRPTakeoverServer) }
func (*TakeoverServer) flags() uint8       { return 0 }

func (m *TakeoverServer) appendValue(b []byte) ([]byte, error) {
	if m == nil {
		return b, errNilMessage
	}
	return appendTakeover(b, &m.ServerIDs, m.Target), nil
}

func parseTakeoverServer(d *decoder, _ uint8, v []byte) (Message, error) {
	ids, t, err := parseTakeover(d, v)
	if err != nil {
		return nil, err
	}
	return &TakeoverServer{ServerIDs: ids, Target: t}, nil
}

// ENRPErrorMessage (0x0a): Operation Error.
type ENRPErrorMessage struct {
	ServerIDs
	Error OperationError
}

func (*ENRPErrorMessage) Protocol() Protocol { return ENRP }
func (*ENRPErrorMessage) MsgType() uint8     { return uint8(ENRPError) }
func (*ENRPErrorMessage) flags() uint8       { return 0 }

func (m *ENRPErrorMessage) appendValue(b []byte) ([]byte, error) {
	if m == nil {
		return b, errNilMessage
	}
	return appendOperationError(m.appendIDs(b), &m.Error)
}

func parseENRPError(d *decoder, _ uint8, v []byte) (Message, error) {
	ids, s, err := parseIDs(d, v, 0, idsWhat)
	if err != nil {
		return nil, err
	}
	e, err := scanOpError(s)
	if err != nil {
		return nil, err
	}
	return &ENRPErrorMessage{ServerIDs: ids, Error: e}, nil
}

var enrpParsers = [256]parseFunc{
	ENRPPresence:            parsePresence,
	ENRPHandleTableRequest:  parseHandleTableRequest,
	ENRPHandleTableResponse: parseHandleTableResponse,
	ENRPHandleUpdate:        parseHandleUpdate,
	ENRPListRequest:         parseListRequest,
	ENRPListResponse:        parseListResponse,
	ENRPInitTakeover:        parseInitTakeover,
	ENRPInitTakeoverAck:     parseInitTakeoverAck,
	ENRPTakeoverServer:      parseTakeoverServer,
	ENRPError:               parseENRPError,
}
