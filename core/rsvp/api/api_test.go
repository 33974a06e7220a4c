package api

import (
	"context"
	"encoding/json"
	"errors"
	"math"
	"net"
	"net/netip"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

func testContext(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// fakeDaemon answers every request with a reply (sid 7, or an error for
// sid 99) and, after a reserve, sends a resv event before the reply.
func fakeDaemon(t *testing.T) (path string, got chan *Request) {
	path = filepath.Join(t.TempDir(), "api.sock")
	ln, err := net.ListenUnix("unixpacket", &net.UnixAddr{Name: path, Net: "unixpacket"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	got = make(chan *Request, 16)
	go func() {
		uc, err := ln.AcceptUnix()
		if err != nil {
			return
		}
		c := NewConn(uc)
		defer c.Close()
		for {
			b, err := c.Recv()
			if err != nil {
				close(got)
				return
			}
			r, err := DecodeRequest(b)
			if err != nil {
				c.Send(&Reply{Reply: r.Seq, Error: &Error{RAPI: 1, Text: err.Error()}})
				continue
			}
			got <- r
			rep := &Reply{Reply: r.Seq, SID: 7}
			switch {
			case r.SID == 99:
				rep = &Reply{Reply: r.Seq, Error: &Error{RAPI: 12, Text: "bad sid"}}
			case r.Op == OpReserve && r.Reserve != nil:
				c.Send(&Event{Event: EventResv, SID: r.SID, Style: r.Reserve.Style, Filters: r.Reserve.Filters, Flowspecs: r.Reserve.Flowspecs})
			case r.Op == OpStatus:
				rep.Status = json.RawMessage(`{"sessions":[]}`)
			}
			c.Send(rep)
		}
	}()
	return path, got
}

func TestClientRoundTrip(t *testing.T) {
	path, got := fakeDaemon(t)
	ctx := testContext(t)
	c, err := Dial(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	dest := netip.MustParseAddr("10.0.0.2")
	sid, err := c.Session(ctx, SessionSpec{Dest: dest, Proto: 17, Port: 5000})
	if err != nil || sid != 7 {
		t.Fatalf("Session: %d %v", sid, err)
	}
	if r := <-got; r.Op != OpSession || r.Session.Dest != dest || r.Session.Port != 5000 {
		t.Fatalf("daemon got %+v", r)
	}
	tspec := TokenBucket{Rate: 12500, Bucket: 1000, Peak: Inf, MinPoliced: 100, MaxPacket: 1500}
	if err := c.Sender(ctx, sid, &SenderSpec{Host: netip.MustParseAddr("10.0.0.1"), Port: 4000, Tspec: tspec}); err != nil {
		t.Fatal(err)
	}
	if r := <-got; r.Sender == nil || r.Sender.Tspec != tspec || !math.IsInf(float64(r.Sender.Tspec.Peak), 1) {
		t.Fatalf("daemon got sender %+v", r.Sender)
	}
	fs := []Flowspec{{Service: ServiceGuaranteed, TokenBucket: tspec, Rate: 20000, Slack: 10}}
	filters := []Filter{{Addr: netip.MustParseAddr("10.0.0.1"), Port: 4000}}
	if err := c.Reserve(ctx, sid, &ReserveSpec{Style: StyleFF, Filters: filters, Flowspecs: fs, Confirm: true}); err != nil {
		t.Fatal(err)
	}
	<-got
	ev := <-c.Events()
	if ev.Event != EventResv || ev.SID != sid || ev.Style != StyleFF || !reflect.DeepEqual(ev.Flowspecs, fs) || !reflect.DeepEqual(ev.Filters, filters) {
		t.Fatalf("event %+v", ev)
	}
	// An empty reservation is a removal.
	if err := c.Reserve(ctx, sid, &ReserveSpec{Style: StyleWF}); err != nil {
		t.Fatal(err)
	}
	if r := <-got; r.Reserve != nil {
		t.Fatalf("empty reserve not a removal: %+v", r.Reserve)
	}
	st, err := c.Status(ctx)
	if err != nil || string(st) != `{"sessions":[]}` {
		t.Fatalf("Status: %s %v", st, err)
	}
	<-got
	var e *Error
	if err := c.Release(ctx, 99); !errors.As(err, &e) || e.RAPI != 12 {
		t.Fatalf("Release of a bad sid: %v", err)
	}
	<-got
	c.Close()
	if _, err := c.Session(ctx, SessionSpec{Dest: dest}); !errors.Is(err, ErrClosed) {
		t.Fatalf("after Close: %v", err)
	}
	if _, ok := <-c.Events(); ok {
		t.Fatal("events open after Close")
	}
}

func TestDecodeRequestErrors(t *testing.T) {
	for _, b := range []string{`{`, `{"op":"dance"}`, `{"op":"session"}`, `{"op":"session","session":{}}`} {
		if _, err := DecodeRequest([]byte(b)); err == nil {
			t.Errorf("%s decoded", b)
		}
	}
	if _, err := decodeMessage([]byte(`{"sid":1}`)); err == nil {
		t.Error("a message that is neither reply nor event decoded")
	}
}

func TestFloatJSON(t *testing.T) {
	for _, f := range []Float{0, 1.5, 12500, Inf} {
		b, err := json.Marshal(f)
		if err != nil {
			t.Fatal(err)
		}
		var g Float
		if err := json.Unmarshal(b, &g); err != nil || g != f {
			t.Errorf("%v -> %s -> %v (%v)", f, b, g, err)
		}
	}
}

func FuzzDecode(f *testing.F) {
	f.Add([]byte(`{"op":"reserve","seq":3,"sid":1,"reserve":{"style":10,"filters":[{"addr":"10.0.0.1","port":1}],"flowspecs":[{"service":5,"r":1,"b":2,"p":"inf","m":1,"M":2}]}}`))
	f.Add([]byte(`{"event":"path","sid":2,"senders":[{"filter":{"addr":"::1","port":9},"tspec":{"r":1,"b":1,"p":"inf","m":0,"M":0}}]}`))
	f.Add([]byte(`{"reply":1,"error":{"code":2,"value":3,"node":"10.0.0.1"}}`))
	f.Add([]byte(`{"op":"nosignal","seq":4,"nosignal":{"install":true,"proto":17,"local":"10.0.0.1","local_port":5004,"remote":"::1","remote_port":9}}`))
	f.Add([]byte(`{"op":"nosignal","seq":5,"nosignal":{"handle":7}}`))
	f.Add([]byte(`{"reply":5,"handle":7,"rule":"video","error":{"rapi":1,"reason":"norule"}}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		if r, err := DecodeRequest(b); err == nil {
			if _, err := json.Marshal(r); err != nil {
				t.Fatalf("decoded request does not encode: %v", err)
			}
		}
		if m, err := decodeMessage(b); err == nil && m.Reply == nil && m.Event == nil {
			t.Fatal("decoded to nothing")
		}
	})
}

// A status larger than one datagram arrives in pieces and is joined.
func TestStatusInPieces(t *testing.T) {
	big := []byte(`{"x":"` + strings.Repeat("y", 3*StatusChunk+17) + `"}`)
	reps := StatusReplies(4, big)
	if len(reps) != 4 || !reps[0].More || reps[3].More {
		t.Fatalf("%d replies", len(reps))
	}
	path := filepath.Join(t.TempDir(), "api.sock")
	ln, err := net.ListenUnix("unixpacket", &net.UnixAddr{Name: path, Net: "unixpacket"})
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		uc, err := ln.AcceptUnix()
		if err != nil {
			return
		}
		c := NewConn(uc)
		defer c.Close()
		for {
			b, err := c.Recv()
			if err != nil {
				return
			}
			r, _ := DecodeRequest(b)
			for _, rep := range StatusReplies(r.Seq, big) {
				c.Send(rep)
			}
		}
	}()
	ctx := testContext(t)
	c, err := Dial(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	for range 2 {
		st, err := c.Status(ctx)
		if err != nil || string(st) != string(big) {
			t.Fatalf("status of %d bytes, %v", len(st), err)
		}
	}
}
