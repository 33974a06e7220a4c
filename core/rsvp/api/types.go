package api

import (
	"encoding/json"
	"math"
	"net/netip"
	"strconv"
)

// Float is a float that may be infinite (an unlimited peak rate); JSON
// has no infinity, so it travels as "inf".
type Float float64

// Inf is an unlimited rate.
var Inf = Float(math.Inf(1))

func (f Float) MarshalJSON() ([]byte, error) {
	if math.IsInf(float64(f), 1) {
		return []byte(`"inf"`), nil
	}
	if math.IsNaN(float64(f)) || math.IsInf(float64(f), -1) {
		return []byte(`0`), nil
	}
	return strconv.AppendFloat(nil, float64(f), 'g', -1, 32), nil
}

func (f *Float) UnmarshalJSON(b []byte) error {
	if string(b) == `"inf"` {
		*f = Inf
		return nil
	}
	var v float64
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	*f = Float(v)
	return nil
}

// IntServ services (RFC 2210).
const (
	ServiceGuaranteed     = 2
	ServiceControlledLoad = 5
)

// TokenBucket is a token-bucket Tspec (RFC 2210 3.1): r, b, p, m, M.
type TokenBucket struct {
	Rate       Float  `json:"r"`
	Bucket     Float  `json:"b"`
	Peak       Float  `json:"p"`
	MinPoliced uint32 `json:"m"`
	MaxPacket  uint32 `json:"M"`
}

// Flowspec is a reservation request: Controlled-Load (the Tspec) or
// Guaranteed (the Tspec and the Rspec R, S).
type Flowspec struct {
	Service int `json:"service"`
	TokenBucket
	Rate  Float  `json:"R,omitempty"` // Guaranteed: reserved rate R
	Slack uint32 `json:"S,omitempty"` // Guaranteed: slack term S (microseconds)
}

// Adspec is the One Pass With Advertising data a path collected (RFC
// 2210 3.3): the general characterization parameters and the services'
// fragments.
type Adspec struct {
	HopCount       uint32      `json:"hops"`
	PathBandwidth  Float       `json:"bandwidth"`
	MinLatency     uint32      `json:"latency"` // microseconds; 0xffffffff = indeterminate
	MTU            uint32      `json:"mtu"`
	Guaranteed     *Guaranteed `json:"guaranteed,omitempty"`
	ControlledLoad bool        `json:"controlled_load,omitempty"`
	Break          bool        `json:"break,omitempty"` // a hop without IntServ
}

// Guaranteed is the Guaranteed service's Adspec fragment (RFC 2212).
type Guaranteed struct {
	Ctot, Dtot, Csum, Dsum uint32
	Break                  bool `json:"break,omitempty"`
}

// Filter names a sender: its address and port (0: any port).
type Filter struct {
	Addr netip.Addr `json:"addr"`
	Port uint16     `json:"port"`
}

// Sender is one sender of a path event: who, its Tspec, its Adspec (if
// the path carried one).
type Sender struct {
	Filter Filter      `json:"filter"`
	Tspec  TokenBucket `json:"tspec"`
	Adspec *Adspec     `json:"adspec,omitempty"`
}

// Reservation styles (RFC 2205 3.1.2), by their option vectors.
const (
	StyleWF = 0x11 // wildcard filter
	StyleFF = 0x0a // fixed filter
	StyleSE = 0x12 // shared explicit
)
