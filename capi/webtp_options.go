package main

// WebTP socket options: setsockopt and getsockopt at SOL_WEBTP and the
// SOL_SOCKET ones the transport answers (see webtp.go).

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
	"math"
	"syscall"
	"unsafe"

	"netcompat/core/netlog"
	"netcompat/core/webtp"
	"netcompat/core/webtp/sched"
)

func cBuf(p unsafe.Pointer, n int) []byte {
	if p == nil || n <= 0 {
		return nil
	}
	return unsafe.Slice((*byte)(p), n)
}

func wtValidClass(name string) error {
	classes, err := sched.ClassesFromEnv()
	if err != nil {
		netlog.Printf("webtp: traffic classes: %v", err)
		return syscall.EINVAL
	}
	if _, ok := classes.Lookup(name); !ok {
		return webtp.ErrUnknownClass
	}
	return nil
}

//export nc_webtp_setopt
func nc_webtp_setopt(fd C.int, level C.int, name C.int, val unsafe.Pointer, n C.int, errp *C.int) (rc C.int) {
	defer wtRecover(&rc, errp)
	s, err := wtGet(fd)
	if err != nil {
		return wtFail(errp, err)
	}
	b := cBuf(val, int(n))
	s.mu.Lock()
	defer s.mu.Unlock()
	if level == C.SOL_SOCKET {
		if len(b) < 4 {
			return wtFail(errp, syscall.EINVAL)
		}
		v := int(*(*C.int)(val))
		if v <= 0 {
			return wtFail(errp, syscall.EINVAL)
		}
		switch name {
		case C.SO_SNDBUF:
			s.sndbuf = v
			if s.conn != nil {
				s.conn.SetSendBuffer(v)
			}
		case C.SO_RCVBUF:
			s.rcvbuf = v
			if s.conn != nil {
				s.conn.SetReceiveWindow(v)
			}
		default:
			return wtFail(errp, syscall.ENOPROTOOPT)
		}
		return 0
	}
	switch name {
	case C.WEBTP_CLASS:
		cls := string(b)
		if i := indexByte(b, 0); i >= 0 {
			cls = string(b[:i])
		}
		if cls == "" {
			return wtFail(errp, syscall.EINVAL)
		}
		if s.conn != nil {
			if err := s.conn.SetClass(cls); err != nil {
				return wtFail(errp, err)
			}
		} else if err := wtValidClass(cls); err != nil {
			return wtFail(errp, err)
		}
		s.class = cls
		return 0
	case C.WEBTP_RATE:
		if len(b) < 4 {
			return wtFail(errp, syscall.EINVAL)
		}
		r := float64(*(*C.float)(val))
		if math.IsNaN(r) || math.IsInf(r, 0) || r < 0 {
			return wtFail(errp, syscall.EINVAL)
		}
		if s.conn == nil {
			return wtFail(errp, syscall.ENOTCONN)
		}
		if err := s.conn.SetRate(r); err != nil {
			return wtFail(errp, err)
		}
		return 0
	}
	return wtFail(errp, syscall.ENOPROTOOPT)
}

func indexByte(b []byte, c byte) int {
	for i, x := range b {
		if x == c {
			return i
		}
	}
	return -1
}

//export nc_webtp_getopt
func nc_webtp_getopt(fd C.int, level C.int, name C.int, val unsafe.Pointer, n *C.int, errp *C.int) (rc C.int) {
	defer wtRecover(&rc, errp)
	s, err := wtGet(fd)
	if err != nil {
		return wtFail(errp, err)
	}
	if val == nil || n == nil {
		return wtFail(errp, syscall.EFAULT)
	}
	size := int(*n)
	s.mu.Lock()
	defer s.mu.Unlock()
	putInt := func(v int) C.int {
		if size < 4 {
			return wtFail(errp, syscall.EINVAL)
		}
		*(*C.int)(val) = C.int(v)
		*n = 4
		return 0
	}
	putFloat := func(v float64) C.int {
		if size < 4 {
			return wtFail(errp, syscall.EINVAL)
		}
		*(*C.float)(val) = C.float(v)
		*n = 4
		return 0
	}
	if level == C.SOL_SOCKET {
		switch name {
		case C.SO_SNDBUF:
			v := s.sndbuf
			if s.conn != nil {
				v = s.conn.SendBuffer()
			} else if v == 0 {
				v = wtDefaultSendBuffer
			}
			return putInt(v)
		case C.SO_RCVBUF:
			v := s.rcvbuf
			if s.conn != nil {
				v = s.conn.ReceiveWindow()
			} else if v == 0 {
				v = wtDefaultReceiveWindow
			}
			return putInt(v)
		case C.SO_ERROR:
			e := s.soErr
			if rc := putInt(int(e)); rc != 0 {
				return rc
			}
			s.soErr = 0
			return 0
		}
		return wtFail(errp, syscall.ENOPROTOOPT)
	}
	switch name {
	case C.WEBTP_CLASS:
		cls := s.class
		if s.conn != nil {
			cls = s.conn.Class()
		} else if cls == "" {
			if classes, err := sched.ClassesFromEnv(); err == nil {
				cls = classes.Default()
			}
		}
		out := append([]byte(cls), 0)
		if len(out) > size {
			out = out[:size]
		}
		copy(cBuf(val, size), out)
		*n = C.int(len(out))
		return 0
	case C.WEBTP_RATE:
		var r float64
		if s.conn != nil {
			r = s.conn.Rate()
		}
		return putFloat(r)
	case C.WEBTP_RTT:
		var us float64
		if s.conn != nil {
			us = float64(s.conn.RTT().Nanoseconds()) / 1e3
		}
		return putFloat(us)
	case C.WEBTP_DROPPED:
		var d uint64
		if s.conn != nil {
			d = s.conn.Dropped()
		}
		switch {
		case size >= 8:
			*(*C.uint64_t)(val) = C.uint64_t(d)
			*n = 8
		case size >= 4:
			if d > math.MaxUint32 {
				d = math.MaxUint32
			}
			*(*C.uint32_t)(val) = C.uint32_t(d)
			*n = 4
		default:
			return wtFail(errp, syscall.EINVAL)
		}
		return 0
	}
	return wtFail(errp, syscall.ENOPROTOOPT)
}

// wtClosing holds connections the program closed whose graceful close
// may still be under way (nc_webtp_linger waits for them).
