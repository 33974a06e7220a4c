package main

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"io"
	"math/big"
	"net"
	"sync"
	"time"

	"github.com/quic-go/quic-go"
)

const alpn = "webtpbench"

var (
	certOnce sync.Once
	cert     tls.Certificate
)

func serverTLS() *tls.Config {
	certOnce.Do(func() {
		key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			panic(err)
		}
		tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), NotBefore: time.Now().Add(-time.Hour),
			NotAfter: time.Now().Add(24 * time.Hour), DNSNames: []string{"localhost"}}
		der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
		if err != nil {
			panic(err)
		}
		cert = tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}
	})
	return &tls.Config{Certificates: []tls.Certificate{cert}, NextProtos: []string{alpn}}
}

func quicConfig() *quic.Config {
	return &quic.Config{EnableDatagrams: true, MaxIncomingUniStreams: 1 << 16, MaxIdleTimeout: 30 * time.Second}
}

// quicPair is one quic-go connection, client to server, on a UDP socket
// of its own at each end.
type quicPair struct {
	cli, srv *quic.Conn
	uniQ     *msgQueue // stream-per-ADU messages, filled by one acceptor
	uniOnce  sync.Once
}

// quicOpen dials n connections to one server transport.
func quicOpen(e *env, n int) ([]*quicPair, *group, error) {
	g := &group{}
	var su *net.UDPConn
	if err := e.srvDo(func() (err error) { su, err = net.ListenUDP("udp4", &net.UDPAddr{IP: net.ParseIP(e.srvIP)}); return }); err != nil {
		return nil, nil, err
	}
	st := &quic.Transport{Conn: su}
	g.closers = append(g.closers, func() { st.Close(); su.Close() })
	ln, err := st.Listen(serverTLS(), quicConfig())
	if err != nil {
		g.close()
		return nil, nil, err
	}
	g.closers = append(g.closers, func() { ln.Close() })
	var pairs []*quicPair
	for range n {
		var cu *net.UDPConn
		if err := e.cliDo(func() (err error) { cu, err = net.ListenUDP("udp4", &net.UDPAddr{IP: net.ParseIP(e.cliIP)}); return }); err != nil {
			g.close()
			return nil, nil, err
		}
		ct := &quic.Transport{Conn: cu}
		g.closers = append(g.closers, func() { ct.Close(); cu.Close() })
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		cc, err := ct.Dial(ctx, su.LocalAddr(), &tls.Config{InsecureSkipVerify: true, NextProtos: []string{alpn}}, quicConfig())
		if err != nil {
			cancel()
			g.close()
			return nil, nil, err
		}
		sc, err := ln.Accept(ctx)
		cancel()
		if err != nil {
			cc.CloseWithError(0, "")
			g.close()
			return nil, nil, err
		}
		p := &quicPair{cli: cc, srv: sc}
		g.closers = append(g.closers, func() {
			cc.CloseWithError(0, "")
			sc.CloseWithError(0, "")
			if p.uniQ != nil {
				p.uniQ.end(io.EOF)
			}
		})
		pairs = append(pairs, p)
	}
	return pairs, g, nil
}

// streamFlow is one bidirectional stream used one way: bulk bytes, no
// framing (recv returns chunks).
func (p *quicPair) streamFlow() *flow {
	var s *quic.Stream
	var rs *quic.Stream
	var mu sync.Mutex
	buf := make([]byte, 64<<10)
	var w watcher
	return &flow{
		stack: "quic-go",
		send: func(b []byte, _ byte) error {
			mu.Lock()
			if s == nil {
				var err error
				if s, err = p.cli.OpenStreamSync(context.Background()); err != nil {
					mu.Unlock()
					return err
				}
			}
			mu.Unlock()
			_, err := s.Write(b)
			return err
		},
		recv: func(ctx context.Context) ([]byte, bool, error) {
			if rs == nil {
				var err error
				if rs, err = p.srv.AcceptStream(ctx); err != nil {
					return nil, false, err
				}
			}
			w.watch(ctx, rs.SetReadDeadline)
			n, err := rs.Read(buf)
			if n > 0 {
				return buf[:n], false, nil
			}
			return nil, false, err
		},
		finish: func() {
			mu.Lock()
			if s != nil {
				s.Close()
			}
			mu.Unlock()
		},
	}
}

// aduFlow sends every ADU on a unidirectional stream of its own.
func (p *quicPair) aduFlow() *flow {
	p.uniOnce.Do(func() {
		p.uniQ = newMsgQueue()
		go func() {
			for {
				rs, err := p.srv.AcceptUniStream(context.Background())
				if err != nil {
					p.uniQ.end(err)
					return
				}
				go func() {
					b, err := io.ReadAll(rs)
					if err == nil {
						p.uniQ.put(b)
					}
				}()
			}
		}()
	})
	return &flow{
		stack: "quic-go",
		send: func(b []byte, _ byte) error {
			s, err := p.cli.OpenUniStreamSync(context.Background())
			if err != nil {
				return err
			}
			if _, err := s.Write(b); err != nil {
				return err
			}
			return s.Close()
		},
		recv:   p.uniQ.recv,
		finish: func() { p.cli.CloseWithError(0, "") },
	}
}

// dgramFlow sends every ADU as one DATAGRAM frame (RFC 9221): never
// retransmitted.
func (p *quicPair) dgramFlow() *flow {
	return &flow{
		stack: "quic-go",
		send:  func(b []byte, _ byte) error { return p.cli.SendDatagram(b) },
		recv: func(ctx context.Context) ([]byte, bool, error) {
			b, err := p.srv.ReceiveDatagram(ctx)
			return b, false, err
		},
		finish: func() { p.cli.CloseWithError(0, "") },
	}
}
