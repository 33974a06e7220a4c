package main

import (
	"bufio"
	"encoding/binary"
	"errors"
	"io"
	"net"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"syscall"
)

// serveEcho is the baseline server (see the package documentation): the
// least a Go program must do to answer bare-framed requests over TCP with
// messages of the registrar's sizes. It returns when SIGTERM or SIGINT
// arrives.
func serveEcho(listen, portFile string, items int) error {
	replies, err := newEchoReplies(items)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", listen)
	if err != nil {
		return err
	}
	if portFile != "" {
		port := ln.Addr().(*net.TCPAddr).Port
		if err := writeFileAtomic(portFile, strconv.Itoa(port)+"\n"); err != nil {
			ln.Close()
			return err
		}
	}
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGTERM, syscall.SIGINT)
	go func() {
		<-sig
		ln.Close()
	}()
	for {
		c, err := ln.Accept()
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return nil
			}
			return err
		}
		go echoConn(c, replies)
	}
}

// echoConn serves one connection: read the 4-byte header, read the rest of
// the message (Message Length counts the header and any padding), write
// the answer in one write (TCP_NODELAY is Go's default).
func echoConn(c net.Conn, replies *echoReplies) {
	defer c.Close()
	r := bufio.NewReaderSize(c, 8<<10)
	buf := make([]byte, 1<<16)
	for {
		if _, err := io.ReadFull(r, buf[:4]); err != nil {
			return
		}
		n := int(binary.BigEndian.Uint16(buf[2:4]))
		if n < 4 {
			return
		}
		if _, err := io.ReadFull(r, buf[4:n]); err != nil {
			return
		}
		if b := replies.reply(buf[:n]); b != nil {
			if _, err := c.Write(b); err != nil {
				return
			}
		}
	}
}

// writeFileAtomic writes content to path through a temporary file and a
// rename, so that a reader never sees it half written.
func writeFileAtomic(path, content string) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return err
	}
	_, err = tmp.WriteString(content)
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), path)
	}
	if err != nil {
		os.Remove(tmp.Name())
	}
	return err
}
