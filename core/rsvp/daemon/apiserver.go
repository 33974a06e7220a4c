package daemon

import (
	"errors"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"sync"
	"time"

	"netcompat/core/rsvp/api"
)

// sendLimit is how long the loop waits for a client's socket buffer to
// take a message before giving the client up.
const sendLimit = time.Second

// ClientID names one API connection for the engine; what its sessions
// made is released when it goes.
type ClientID uint64

// apiRequest is a request from a client, for the loop.
type apiRequest struct {
	client ClientID
	req    *api.Request
	err    error // a request that did not decode: answered with this
}

// apiServer accepts API clients on a Unix SOCK_SEQPACKET socket and feeds
// their requests to the loop; the loop answers through send.
type apiServer struct {
	ln *net.UnixListener

	mu      sync.Mutex
	next    ClientID
	clients map[ClientID]*api.Conn

	log      *slog.Logger
	requests chan apiRequest // to the loop
	gone     chan ClientID   // to the loop: a client's socket closed
	wg       sync.WaitGroup
}

// listenAPI makes the socket at path (replacing a stale one) readable
// and writable by everyone: RAPI programs need no privilege.
func listenAPI(path string, log *slog.Logger) (*apiServer, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, err
	}
	if c, err := net.Dial("unixpacket", path); err == nil {
		c.Close()
		return nil, errors.New("rsvpd: another daemon answers on " + path)
	}
	os.Remove(path)
	ln, err := net.ListenUnix("unixpacket", &net.UnixAddr{Name: path, Net: "unixpacket"})
	if err != nil {
		return nil, err
	}
	os.Chmod(path, 0o666)
	s := &apiServer{
		ln:       ln,
		log:      log,
		clients:  make(map[ClientID]*api.Conn),
		requests: make(chan apiRequest, 256),
		gone:     make(chan ClientID, 64),
	}
	s.wg.Add(1)
	go s.accept()
	return s, nil
}

func (s *apiServer) accept() {
	defer s.wg.Done()
	for {
		uc, err := s.ln.AcceptUnix()
		if err != nil {
			return
		}
		c := api.NewConn(uc)
		s.mu.Lock()
		s.next++
		id := s.next
		s.clients[id] = c
		s.mu.Unlock()
		s.wg.Add(1)
		go s.read(id, c)
	}
}

func (s *apiServer) read(id ClientID, c *api.Conn) {
	defer s.wg.Done()
	for {
		b, err := c.Recv()
		if err != nil {
			break
		}
		req, err := api.DecodeRequest(b)
		if req == nil {
			req = &api.Request{}
		}
		s.requests <- apiRequest{client: id, req: req, err: err}
	}
	s.mu.Lock()
	delete(s.clients, id)
	s.mu.Unlock()
	c.Close()
	s.gone <- id
}

// send writes a reply or event to a client; a client that cannot take it
// is dropped (its socket is closed, which ends its sessions).
func (s *apiServer) send(id ClientID, v any) {
	s.mu.Lock()
	c := s.clients[id]
	s.mu.Unlock()
	if c == nil {
		return
	}
	c.SetWriteDeadline(time.Now().Add(sendLimit))
	if err := c.Send(v); err != nil {
		s.log.Info("dropping an API client", "client", id, "err", err)
		c.Close()
	}
}

func (s *apiServer) close() {
	s.ln.Close()
	s.mu.Lock()
	for _, c := range s.clients {
		c.Close()
	}
	s.mu.Unlock()
}

// clientIDs lists the connected clients.
func (s *apiServer) clientIDs() []ClientID {
	s.mu.Lock()
	defer s.mu.Unlock()
	ids := make([]ClientID, 0, len(s.clients))
	for id := range s.clients {
		ids = append(ids, id)
	}
	return ids
}
