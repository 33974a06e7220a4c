package wire

import (
	"bytes"
	"encoding/hex"
	"net/netip"
	"reflect"
	"strings"
	"testing"
)

// hexb turns an annotated hex dump into bytes: '#' starts a comment that
// runs to the end of the line; white space is ignored; "'text'" stands for
// the ASCII bytes of text.
func hexb(t testing.TB, s string) []byte {
	t.Helper()
	var out []byte
	for _, line := range strings.Split(s, "\n") {
		if i := strings.IndexByte(line, '#'); i >= 0 {
			line = line[:i]
		}
		for len(line) > 0 {
			line = strings.TrimLeft(line, " \t")
			if line == "" {
				break
			}
			if line[0] == '\'' {
				end := strings.IndexByte(line[1:], '\'')
				if end < 0 {
					t.Fatalf("unterminated quote in %q", line)
				}
				out = append(out, line[1:1+end]...)
				line = line[2+end:]
				continue
			}
			end := strings.IndexAny(line, " \t'")
			if end < 0 {
				end = len(line)
			}
			b, err := hex.DecodeString(line[:end])
			if err != nil {
				t.Fatalf("bad hex %q: %v", line[:end], err)
			}
			out = append(out, b...)
			line = line[end:]
		}
	}
	return out
}

func ip(s string) netip.Addr { return netip.MustParseAddr(s) }

type golden struct {
	name string
	msg  Message
	wire string // annotated hex, built from the RFC 5352/5353/5354 layouts
}

var goldenASAP = []golden{
	{
		name: "Registration",
		msg: &Registration{
			PoolHandle: []byte("echo"),
			Element: PoolElement{
				ID: 0x12345678, HomeServer: 0, RegLife: 30000,
				User: Transport{Kind: ParamSCTPTransport, Port: 8080, Use: UseData,
					Addrs: []netip.Addr{ip("192.0.2.1")}},
				Policy: Policy{Type: 2, Values: []uint32{5}},
			},
		},
		wire: `
			01 00 0038             # Registration, flags 0, length 56
			0009 0008 'echo'       # Pool Handle, length 8
			000a 002c              # Pool Element, length 44
			  12345678             #   PE Identifier
			  00000000             #   Home ENRP Server Identifier
			  00007530             #   Registration Life 30000 ms
			  0004 0010            #   SCTP Transport, length 16
			    1f90 0000          #     port 8080, transport use data only
			    0001 0008 c0000201 #     IPv4 Address 192.0.2.1
			  0008 000c            #   Pool Member Selection Policy, length 12
			    00000002 00000005  #     Weighted Round Robin, weight 5
		`,
	},
	{
		name: "HandleResolution",
		msg:  &HandleResolution{PoolHandle: []byte("pool-A")},
		wire: `
			05 00 0010             # Handle Resolution, length 16
			0009 000a 'pool-A' 0000  # Pool Handle, length 10, 2 bytes padding
		`,
	},
	{
		name: "HandleResolutionWithOption",
		msg:  &HandleResolution{PoolHandle: []byte("pool-A"), HasItems: true, Items: 3},
		wire: `
			05 00 0018             # Handle Resolution, length 24
			0009 000a 'pool-A' 0000  # Pool Handle, length 10, padded
			803f 0008 00000003     # Handle Resolution Option, items 3
		`,
	},
	{
		name: "HandleResolutionResponse",
		msg: &HandleResolutionResponse{
			PoolHandle: []byte("echo"),
			Policy:     Policy{Type: 1},
			Elements: []PoolElement{
				{
					ID: 0x01020304, HomeServer: 0x0a0b0c0d, RegLife: 100000,
					User: Transport{Kind: ParamSCTPTransport, Port: 7, Use: UseDataControl,
						Addrs: []netip.Addr{ip("192.0.2.7"), ip("2001:db8::7")}},
					Policy: Policy{Type: 1},
				},
				{
					ID: 0x05060708, HomeServer: 0x0a0b0c0d, RegLife: 100000,
					User: Transport{Kind: ParamTCPTransport, Port: 80,
						Addrs: []netip.Addr{ip("198.51.100.2")}},
					Policy: Policy{Type: 0x40000001, Values: []uint32{0x80000000}},
				},
			},
		},
		wire: `
			06 00 007c             # Handle Resolution Response, length 124
			0009 0008 'echo'       # Pool Handle
			0008 0008 00000001     # Policy: Round Robin
			000a 003c              # Pool Element, length 60
			  01020304 0a0b0c0d 000186a0
			  0004 0024            #   SCTP Transport, length 36
			    0007 0001          #     port 7, data plus control
			    0001 0008 c0000207 #     192.0.2.7
			    0002 0014 20010db8 00000000 00000000 00000007  # 2001:db8::7
			  0008 0008 00000001   #   Round Robin
			000a 002c              # Pool Element, length 44
			  05060708 0a0b0c0d 000186a0
			  0005 0010            #   TCP Transport, length 16
			    0050 0000          #     port 80, data only
			    0001 0008 c6336402 #     198.51.100.2
			  0008 000c 40000001 80000000  # Least Used, load 50 %
		`,
	},
	{
		name: "HandleResolutionResponseError",
		msg: &HandleResolutionResponse{
			PoolHandle: []byte("nope"),
			Error:      &OperationError{Causes: []ErrorCause{{Code: CauseUnknownPoolHandle}}},
		},
		wire: `
			06 00 0014             # Handle Resolution Response, length 20
			0009 0008 'nope'
			000c 0008              # Operation Error, length 8
			  0009 0004            #   Unknown Pool Handle, no information
		`,
	},
	{
		name: "EndpointKeepAlive",
		msg:  &EndpointKeepAlive{Home: true, ServerID: 0xdeadbeef, PoolHandle: []byte("echo"), PEID: 0x01020304},
		wire: `
			07 01 0018             # Endpoint Keep-Alive, H flag, length 24
			deadbeef               # Server Identifier
			0009 0008 'echo'       # Pool Handle
			000e 0008 01020304     # PE Identifier
		`,
	},
	{
		name: "ServerAnnounce",
		msg: &ServerAnnounce{
			ServerID: 0x11223344,
			Transports: []Transport{
				{Kind: ParamSCTPTransport, Port: 3863, Addrs: []netip.Addr{ip("10.0.0.1"), ip("10.0.0.2")}},
				{Kind: ParamUDPTransport, Port: 3863, Addrs: []netip.Addr{ip("10.0.0.1")}},
			},
		},
		wire: `
			0a 00 0030             # Server Announce, length 48
			11223344               # Server Identifier
			0004 0018 0f17 0000    # SCTP Transport, length 24, port 3863
			  0001 0008 0a000001
			  0001 0008 0a000002
			0006 0010 0f17 0000    # UDP Transport, length 16, port 3863, reserved
			  0001 0008 0a000001
		`,
	},
	{
		// An error cause whose information is not a multiple of 4: the
		// Operation Error length stops at the end of the cause, the
		// padding follows.
		name: "RegistrationResponseRejectUnaligned",
		msg: &RegistrationResponse{
			Reject: true, PoolHandle: []byte("echo"), PEID: 7,
			Error: &OperationError{Causes: []ErrorCause{
				UnrecognizedParamCause(RawParam{Type: 0xc0ff, Value: []byte{0x42}}),
			}},
		},
		wire: `
			03 01 0024             # Registration Response, R flag, length 36
			0009 0008 'echo'
			000e 0008 00000007     # PE Identifier 7
			000c 000d              # Operation Error, length 13
			  0001 0009            #   Unrecognized Parameter, length 9
			    c0ff 0005 42       #     the parameter, length 5
			  000000               # padding
		`,
	},
	{
		name: "Cookie",
		msg:  &Cookie{Data: []byte("abcde")},
		wire: `0b 00 0010   000d 0009 'abcde' 000000`,
	},
	{
		name: "DeregistrationResponse",
		msg:  &DeregistrationResponse{PoolHandle: []byte("ab"), PEID: 9},
		wire: `04 00 0014   0009 0006 'ab' 0000   000e 0008 00000009`,
	},
}

var goldenENRP = []golden{
	{
		name: "Presence",
		msg: &Presence{
			ServerIDs:     ServerIDs{Sender: 0x11111111, Receiver: 0x22222222},
			ReplyRequired: true,
			Checksum:      0xabcd,
			Info: &ServerInfo{ServerID: 0x11111111, Transport: Transport{
				Kind: ParamSCTPTransport, Port: 9901, Addrs: []netip.Addr{ip("192.0.2.50")}}},
		},
		wire: `
			01 01 002c             # Presence, R flag, length 44
			11111111               # Sender Server's ID
			22222222               # Receiver Server's ID
			000f 0006 abcd 0000    # PE Checksum, length 6, padded
			000b 0018              # Server Information, length 24
			  11111111             #   Server Identifier
			  0004 0010 26ad 0000  #   SCTP Transport, port 9901
			    0001 0008 c0000232 #     192.0.2.50
		`,
	},
	{
		name: "HandleTableRequest",
		msg:  &HandleTableRequest{ServerIDs: ServerIDs{1, 2}, OwnChildrenOnly: true},
		wire: `02 01 000c 00000001 00000002`,
	},
	{
		name: "HandleUpdate",
		msg: &HandleUpdate{
			ServerIDs: ServerIDs{1, 2}, TakeoverSuggested: true, Action: UpdateDelPE,
			PoolHandle: []byte("echo"),
			Element: PoolElement{ID: 5, HomeServer: 1, RegLife: 15000,
				User:   Transport{Kind: ParamUDPTransport, Port: 7, Addrs: []netip.Addr{ip("192.0.2.9")}},
				Policy: Policy{Type: 3},
				ASAP:   &Transport{Kind: ParamSCTPTransport, Port: 4000, Use: UseData, Addrs: []netip.Addr{ip("192.0.2.9")}},
			},
		},
		wire: `
			04 01 0050             # Handle Update, T flag, length 80
			00000001 00000002      # sender, receiver
			0001 0000              # Update Action delete, reserved
			0009 0008 'echo'
			000a 0038              # Pool Element, length 56
			  00000005 00000001 00003a98
			  0006 0010 0007 0000 0001 0008 c0000209  # UDP Transport
			  0008 0008 00000003                      # Random
			  0004 0010 0fa0 0000 0001 0008 c0000209  # ASAP Transport (SCTP)
		`,
	},
	{
		name: "TakeoverServer",
		msg:  &TakeoverServer{ServerIDs: ServerIDs{1, 0}, Target: 3},
		wire: `09 00 0010 00000001 00000000 00000003`,
	},
}

func testGolden(t *testing.T, cases []golden, parse func([]byte) (Message, error), appendf func([]byte, Message) ([]byte, error)) {
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			want := hexb(t, c.wire)
			got, err := appendf(nil, c.msg)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("encoding differs\n got %x\nwant %x", got, want)
			}
			m, err := parse(want)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(m, c.msg) {
				t.Errorf("decoding differs\n got %+v\nwant %+v", m, c.msg)
			}
			if n, ok := MessageLen(want); !ok || n != len(want) {
				t.Errorf("MessageLen = %d, %v; want %d", n, ok, len(want))
			}
		})
	}
}

func TestGoldenASAP(t *testing.T) { testGolden(t, goldenASAP, ParseASAP, AppendASAP) }
func TestGoldenENRP(t *testing.T) { testGolden(t, goldenENRP, ParseENRP, AppendENRP) }
