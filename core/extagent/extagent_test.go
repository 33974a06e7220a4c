package extagent

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"netcompat/core/extagent/wire"
)

func ctl(cmd wire.Command, arg uint16) wire.Frame {
	return wire.Frame{Kind: wire.KindControl, Command: cmd, Arg: arg}
}

func TestGreetingBytes(t *testing.T) {
	if got, want := Greeting(1), []byte{0, 0, 0, 0, 0, 0, 0, 1}; !bytes.Equal(got, want) {
		t.Fatalf("Greeting(1) = % x, want % x", got, want)
	}
	if got, want := Greeting(0x0102), []byte{0, 0, 0, 0, 0, 0, 1, 2}; !bytes.Equal(got, want) {
		t.Fatalf("Greeting(0x102) = % x, want % x", got, want)
	}
}

func TestCheckAgentGreeting(t *testing.T) {
	good := []struct {
		f    wire.Frame
		want uint16
	}{
		{ctl(wire.CmdOpen, 1), 1},
		{ctl(wire.CmdOpen, 2), 1}, // a newer agent: answer with the version both speak
		{ctl(wire.CmdOpen, 0xffff), 1},
	}
	for _, c := range good {
		v, err := CheckAgentGreeting(c.f)
		if err != nil || v != c.want {
			t.Errorf("CheckAgentGreeting(%+v) = %d, %v; want %d", c.f, v, err, c.want)
		}
	}
	bad := []struct {
		f    wire.Frame
		says string
	}{
		{ctl(wire.CmdOpen, 0), "version 0"},
		{ctl(wire.CmdClose, 1), "close(1)"},
		{ctl(wire.Command(7), 1), "command(7)"},
		{wire.Frame{Kind: wire.KindData, Data: []byte("hello")}, "5-octet data packet"},
	}
	for _, c := range bad {
		v, err := CheckAgentGreeting(c.f)
		if err == nil {
			t.Errorf("CheckAgentGreeting(%+v) accepted, version %d", c.f, v)
			continue
		}
		if !strings.Contains(err.Error(), c.says) {
			t.Errorf("CheckAgentGreeting(%+v): %q does not mention %q", c.f, err, c.says)
		}
	}
}

func TestCheckServerGreeting(t *testing.T) {
	if err := CheckServerGreeting(ctl(wire.CmdOpen, 1)); err != nil {
		t.Fatalf("good greeting refused: %v", err)
	}
	bad := []struct {
		f    wire.Frame
		says string
	}{
		{ctl(wire.CmdOpen, 0), "unsupported version 0"},
		{ctl(wire.CmdOpen, wire.Version+1), "unsupported version 2"},
		{ctl(wire.CmdClose, wire.CloseHandshake), "refused the connection (close reason 4)"},
		{ctl(wire.CmdClose, wire.CloseShutdown), "close reason 1"},
		{ctl(wire.Command(9), 1), "command(9)"},
		{wire.Frame{Kind: wire.KindData, Data: []byte{1}}, "1-octet data packet"},
	}
	for _, c := range bad {
		err := CheckServerGreeting(c.f)
		if err == nil {
			t.Errorf("CheckServerGreeting(%+v) accepted", c.f)
			continue
		}
		if !strings.Contains(err.Error(), c.says) {
			t.Errorf("CheckServerGreeting(%+v): %q does not mention %q", c.f, err, c.says)
		}
	}
}

// The version an agent and a server settle on is the lower of the two, and
// the agent accepts whatever a server of any version answers that way.
func TestVersionNegotiation(t *testing.T) {
	for agent := uint16(1); agent <= 5; agent++ {
		v, err := CheckAgentGreeting(ctl(wire.CmdOpen, agent))
		if err != nil {
			t.Fatal(err)
		}
		if want := min(agent, wire.Version); v != want {
			t.Fatalf("agent version %d: server answers %d, want %d", agent, v, want)
		}
		if err := CheckServerGreeting(ctl(wire.CmdOpen, v)); err != nil {
			t.Fatalf("agent refuses the negotiated version %d: %v", v, err)
		}
	}
}

func TestFromEnvDefaults(t *testing.T) {
	t.Setenv("NETCOMPAT_EXTAG_MAX_PACKET", "")
	t.Setenv("NETCOMPAT_EXTAG_HANDSHAKE_MS", "")
	c := FromEnv()
	if c.MaxPacket != 16*1024*1024 {
		t.Errorf("MaxPacket %d, want 16 MiB", c.MaxPacket)
	}
	if c.Handshake != 10*time.Second {
		t.Errorf("Handshake %v, want 10s", c.Handshake)
	}
}

func TestFromEnvParsing(t *testing.T) {
	maxCases := []struct {
		env  string
		want int
	}{
		{"1", 1},
		{"4096", 4096},
		{"1073741824", 1 << 30},
		{"1073741825", wire.DefaultMaxPacket}, // over 1 GiB: ignored
		{"0", wire.DefaultMaxPacket},
		{"-5", wire.DefaultMaxPacket},
		{"abc", wire.DefaultMaxPacket},
		{"12k", wire.DefaultMaxPacket},
		{" 12", wire.DefaultMaxPacket},
		{"99999999999999999999", wire.DefaultMaxPacket},
	}
	for _, c := range maxCases {
		t.Setenv("NETCOMPAT_EXTAG_MAX_PACKET", c.env)
		if got := FromEnv().MaxPacket; got != c.want {
			t.Errorf("NETCOMPAT_EXTAG_MAX_PACKET=%q: MaxPacket %d, want %d", c.env, got, c.want)
		}
	}
	t.Setenv("NETCOMPAT_EXTAG_MAX_PACKET", "")
	hsCases := []struct {
		env  string
		want time.Duration
	}{
		{"1", time.Millisecond},
		{"250", 250 * time.Millisecond},
		{"60000", time.Minute},
		{"0", 10 * time.Second},
		{"-1", 10 * time.Second},
		{"1.5", 10 * time.Second},
		{"fast", 10 * time.Second},
	}
	for _, c := range hsCases {
		t.Setenv("NETCOMPAT_EXTAG_HANDSHAKE_MS", c.env)
		if got := FromEnv().Handshake; got != c.want {
			t.Errorf("NETCOMPAT_EXTAG_HANDSHAKE_MS=%q: Handshake %v, want %v", c.env, got, c.want)
		}
	}
}

func TestFromEnvIndependentVariables(t *testing.T) {
	t.Setenv("NETCOMPAT_EXTAG_MAX_PACKET", "bogus")
	t.Setenv("NETCOMPAT_EXTAG_HANDSHAKE_MS", "123")
	c := FromEnv()
	if c.MaxPacket != wire.DefaultMaxPacket || c.Handshake != 123*time.Millisecond {
		t.Fatalf("got %+v", c)
	}
}

// FromLookup reads through the function it is given, not os.Getenv.
func TestFromLookup(t *testing.T) {
	t.Setenv("NETCOMPAT_EXTAG_MAX_PACKET", "999")
	env := map[string]string{"NETCOMPAT_EXTAG_MAX_PACKET": "4096", "NETCOMPAT_EXTAG_HANDSHAKE_MS": "200"}
	c := FromLookup(func(k string) string { return env[k] })
	if c.MaxPacket != 4096 || c.Handshake != 200*time.Millisecond {
		t.Fatalf("got %+v", c)
	}
	c = FromLookup(func(string) string { return "" })
	if c.MaxPacket != wire.DefaultMaxPacket || c.Handshake != 10*time.Second {
		t.Fatalf("defaults: got %+v", c)
	}
}
