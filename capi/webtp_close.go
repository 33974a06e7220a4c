package main

// Closing WebTP sockets, and the linger at exit (see webtp.go).

/*
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#define WEBTP_NO_REDIRECT
#include "webtp.h"
#include "nc_abi.h"
*/
import "C"

import (
	"context"
	"sync"
	"time"

	"golang.org/x/sys/unix"

	"netcompat/core/webtp"
)

var wtClosing struct {
	mu sync.Mutex
	m  map[*webtp.Conn]struct{}
}

//export nc_webtp_close
func nc_webtp_close(fd C.int) {
	defer recoverQuiet()
	wtSocks.mu.Lock()
	s := wtSocks.m[int(fd)]
	delete(wtSocks.m, int(fd))
	wtSocks.mu.Unlock()
	if s == nil {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.closed = true
	if c := s.conn; c != nil {
		wtClosing.mu.Lock()
		if wtClosing.m == nil {
			wtClosing.m = make(map[*webtp.Conn]struct{})
		}
		wtClosing.m[c] = struct{}{}
		wtClosing.mu.Unlock()
		go func() {
			_ = c.Wait(context.Background())
			wtClosing.mu.Lock()
			delete(wtClosing.m, c)
			wtClosing.mu.Unlock()
		}()
	}
	if s.ln != nil {
		s.lnStop()
		s.ln.Close()
		for _, ns := range s.lnQueue {
			unix.Close(ns.cfd) // its pump sees end of file and closes the connection
		}
		s.lnQueue = nil
		s.ln = nil
	}
	// A connection's pump sees end of file once the front closes the C end,
	// and closes the connection gracefully in the background.
	if s.f != nil && !s.connecting {
		s.f.Close()
		s.f = nil
	}
}

// nc_webtp_linger runs at process exit (the front's atexit handler). The
// transport lives in this process, so what the kernel does for TCP at exit
// is done here: every connection still open is closed as close(2) would
// (its C end's sending side is shut down, so the pump sends what the
// program wrote, then closes), and every closing connection gets up to
// timeout_ms to deliver its queued ADUs.
//
//export nc_webtp_linger
func nc_webtp_linger(timeoutMs C.int) {
	defer recoverQuiet()
	var conns []*webtp.Conn
	wtSocks.mu.Lock()
	for _, s := range wtSocks.m {
		s.mu.Lock()
		if s.conn != nil {
			unix.Shutdown(s.cfd, unix.SHUT_WR)
			conns = append(conns, s.conn)
		}
		s.mu.Unlock()
	}
	wtSocks.mu.Unlock()
	wtClosing.mu.Lock()
	for c := range wtClosing.m {
		conns = append(conns, c)
	}
	wtClosing.mu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), time.Duration(timeoutMs)*time.Millisecond)
	defer cancel()
	for _, c := range conns {
		_ = c.Wait(ctx)
	}
}
