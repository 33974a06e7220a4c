package stream

// Decoder splits the application-to-transport byte stream into ADUs
// (package doc, rules 1-4). It is incremental: Feed may be given the
// stream in pieces of any size. The zero value is ready to use.
type Decoder struct {
	hdr   [HeaderLen]byte
	nhdr  int  // octets of hdr filled
	left  int  // data octets of the current chunk still to come
	inADU bool // between an S chunk and its E chunk
	end   bool // the current chunk has E
	flags byte // R|U of the open ADU
	total int  // octets of the open ADU so far
	buf   []byte
	err   error
}

// keepBuf is the largest assembly buffer kept between ADUs.
const keepBuf = 1 << 20

// Err is the framing error that stopped the decoder, or nil.
func (d *Decoder) Err() error { return d.err }

// Open reports whether an ADU has started and not ended, or a header is
// incomplete: the stream stops in the middle of something.
func (d *Decoder) Open() bool { return d.inADU || d.nhdr > 0 }

// Feed decodes p, calling emit for each complete ADU with its data and its
// R|U flags. data is valid only during the call: it may point into p (a
// whole single-chunk ADU inside p is never copied) or into the decoder's
// buffer. An error from emit stops Feed and is returned; a framing error
// is returned and kept (Err): the decoder accepts nothing more.
func (d *Decoder) Feed(p []byte, emit func(data []byte, flags byte) error) error {
	if d.err != nil {
		return d.err
	}
	for len(p) > 0 {
		if d.left == 0 && !(d.nhdr == HeaderLen) {
			// Collect a header.
			k := copy(d.hdr[d.nhdr:], p)
			d.nhdr += k
			p = p[k:]
			if d.nhdr < HeaderLen {
				return nil
			}
			if err := d.header(); err != nil {
				d.err = err
				return err
			}
			// Fast path: a whole single-chunk ADU lies in p.
			if d.end && d.total == 0 && d.left <= len(p) {
				data := p[:d.left]
				p = p[d.left:]
				d.reset()
				if err := emit(data, d.flags); err != nil {
					return err
				}
				continue
			}
			if d.left == 0 {
				if err := d.chunkDone(emit); err != nil {
					return err
				}
				continue
			}
			if d.total == 0 && d.end && cap(d.buf) < d.left {
				d.buf = make([]byte, 0, d.left) // the ADU's size is known
			}
		}
		k := d.left
		if k > len(p) {
			k = len(p)
		}
		d.buf = append(d.buf, p[:k]...)
		d.left -= k
		d.total += k
		p = p[k:]
		if d.left == 0 {
			if err := d.chunkDone(emit); err != nil {
				return err
			}
		}
	}
	return nil
}

// header checks the collected header against the rules and sets up its
// chunk. d.nhdr stays HeaderLen until the chunk is done.
func (d *Decoder) header() error {
	flags, n := ParseHeader(d.hdr[:])
	if flags&flagReserved != 0 {
		return ErrReserved
	}
	ru := flags & (FlagReliable | FlagUrgent)
	if flags&FlagStart != 0 {
		if d.inADU {
			return ErrUnfinished
		}
		d.inADU, d.flags, d.total = true, ru, 0
	} else {
		if !d.inADU {
			return ErrNoStart
		}
		if ru != d.flags {
			return ErrFlagsChanged
		}
	}
	if d.total+n > MaxADU {
		return ErrTooLong
	}
	d.end = flags&FlagEnd != 0
	d.left = n
	return nil
}

// chunkDone finishes the current chunk, emitting the ADU after its E chunk.
func (d *Decoder) chunkDone(emit func([]byte, byte) error) error {
	d.nhdr = 0
	if !d.end {
		return nil
	}
	data, flags := d.buf, d.flags
	d.reset()
	err := emit(data, flags)
	if cap(data) > keepBuf {
		d.buf = nil
	} else {
		d.buf = data[:0]
	}
	return err
}

func (d *Decoder) reset() {
	d.nhdr, d.left, d.inADU, d.end, d.total = 0, 0, false, false, 0
	d.buf = d.buf[:0]
}
