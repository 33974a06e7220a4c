package wire

import (
	"bytes"
	"encoding/hex"
	"reflect"
	"strings"
	"testing"
	"time"
)

// Golden encodings written out by hand from the layouts of RFC 2205
// Appendix A and RFC 2210 section 3; the checksums were computed
// separately. Floats: 12500 = 0x46435000, 1000 = 0x447a0000, +Inf =
// 0x7f800000, 1.25e6 = 0x49989680, 25000 = 0x46c35000.

func unhex(t *testing.T, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(strings.Join(strings.Fields(s), ""))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

var goldenCases = []struct {
	name string
	hex  string
	msg  func() Message
}{
	{
		name: "Path IPv4 with Tspec and Adspec",
		hex: `
			10 01 7997 40 00 00ac
			000c 01 01  c000020a 11 00 1388                 SESSION 192.0.2.10 UDP port 5000
			000c 03 01  c0000201 00000007                   RSVP_HOP 192.0.2.1 LIH 7
			0008 05 01  00007530                            TIME_VALUES 30000 ms
			000c 0b 01  c0000201 0000 0fa0                  SENDER_TEMPLATE 192.0.2.1 port 4000
			0024 0c 02  00000007 01000006 7f000005          SENDER_TSPEC [0|7] [1|0|6] [127|0|5]
			            46435000 447a0000 7f800000 00000064 000005dc
			0054 0d 02  00000013                            ADSPEC [0|19]
			            01000008 04000001 00000002 06000001 49989680
			                     08000001 0000012c 0a000001 000005dc
			            02000008 85000001 00000bb8 86000001 000000c8
			                     87000001 000005dc 88000001 00000064
			            05000000`,
		msg: func() Message {
			return &Path{
				MessageCommon: MessageCommon{SendTTL: 64},
				Session:       v4Session(), Hop: Hop{Addr: v4Sender, LIH: 7},
				TimeValues: TimeValues{RefreshPeriod: 30 * time.Second},
				Sender:     &Sender{Template: filter4(4000), TSpec: sampleTSpec(), Adspec: fullAdspec()},
			}
		},
	},
	{
		name: "Resv IPv4 FF with a Guaranteed flowspec",
		hex: `
			10 02 3536 40 00 006c
			000c 01 01  c000020a 11 00 1388                 SESSION
			000c 03 01  c6336401 00000007                   RSVP_HOP 198.51.100.1 LIH 7
			0008 05 01  00007530                            TIME_VALUES
			0008 08 01  0000000a                            STYLE FF
			0030 09 02  0000000a 02000009 7f000005          FLOWSPEC [0|10] [2|0|9] [127|0|5]
			            46435000 447a0000 7f800000 00000064 000005dc
			            82000002 46c35000 000003e8          [130|0|2] R=25000 S=1000
			000c 0a 01  c0000201 0000 0fa0                  FILTER_SPEC 192.0.2.1 port 4000`,
		msg: func() Message {
			return &Resv{
				MessageCommon: MessageCommon{SendTTL: 64},
				Session:       v4Session(), Hop: Hop{Addr: v4Router, LIH: 7},
				TimeValues: TimeValues{RefreshPeriod: 30 * time.Second},
				Style:      FF.Style(),
				Flows:      []FlowDescriptor{{Flowspec: gsFlowspec(25000), Filters: []FilterSpec{filter4(4000)}}},
			}
		},
	},
	{
		name: "ResvConf IPv6 WF with a Controlled-Load flowspec",
		hex: `
			10 07 5f67 01 00 0078
			0018 01 02  ff0e0000 00000000 00000000 00010002 11 01 1770   SESSION ff0e::1:2 E_Police port 6000
			0018 06 02  20010db8 00010000 00000000 00000001 00 00 0000   ERROR_SPEC confirmation
			0014 0f 02  20010db8 00020000 00000000 00000005              RESV_CONFIRM 2001:db8:2::5
			0008 08 01  00000011                                         STYLE WF
			0024 09 02  00000007 05000006 7f000005                       FLOWSPEC [0|7] [5|0|6] [127|0|5]
			            46435000 447a0000 7f800000 00000064 000005dc`,
		msg: func() Message {
			m := sampleMessages()
			for _, c := range m {
				if c.name == "ResvConf/v6" {
					return c.msg
				}
			}
			panic("no ResvConf/v6 sample")
		},
	},
}

func TestGolden(t *testing.T) {
	for _, c := range goldenCases {
		t.Run(c.name, func(t *testing.T) {
			// The comments in the hex are stripped word by word.
			var words []string
			for _, line := range strings.Split(c.hex, "\n") {
				for _, w := range strings.Fields(line) {
					if _, err := hex.DecodeString(w); err != nil {
						break
					}
					words = append(words, w)
				}
			}
			want := unhex(t, strings.Join(words, ""))
			if onesSum(want) != 0xFFFF {
				t.Fatalf("golden bytes have a wrong checksum")
			}
			got := mustAppend(t, c.msg())
			if !bytes.Equal(got, want) {
				t.Fatalf("Append:\n got %x\nwant %x", got, want)
			}
			m, err := Parse(want)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(m, c.msg()) {
				t.Fatalf("Parse:\n got %#v\nwant %#v", m, c.msg())
			}
		})
	}
}
