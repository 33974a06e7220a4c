package tc

import (
	"errors"
	"fmt"
	"slices"

	"github.com/vishvananda/netlink"
	"golang.org/x/sys/unix"
)

// kernel wraps the netlink requests the Netlink enforcer makes. Units at
// this boundary: netlink.HtbClass.Rate and Ceil are bytes per second (the
// kernel's tc_ratespec; only netlink.NewHtbClass takes bits), Buffer and
// Cbuffer are psched ticks, converted from bytes with netlink.Xmittime.
type kernel struct {
	h *netlink.Handle
}

// linkRef names an interface by index for netlink calls that want a Link.
func linkRef(index int) netlink.Link {
	return &netlink.Device{LinkAttrs: netlink.LinkAttrs{Index: index}}
}

// rootQdisc returns the interface's root qdisc, or nil if it has none.
func (k kernel) rootQdisc(index int) (netlink.Qdisc, error) {
	qs, err := retryDump(func() ([]netlink.Qdisc, error) { return k.h.QdiscList(linkRef(index)) })
	if err != nil {
		return nil, err
	}
	for _, q := range qs {
		if a := q.Attrs(); a.LinkIndex == index && a.Parent == netlink.HANDLE_ROOT {
			return q, nil
		}
	}
	return nil, nil
}

// ours recognises this package's root qdisc (see layout.go).
func ours(q netlink.Qdisc) bool {
	h, ok := q.(*netlink.Htb)
	return ok && h.Handle == qdiscHandle() && h.Defcls == bestMinor
}

// foreign is a root qdisc some program configured: not ours and not a
// kernel default (those have handle 0:, e.g. noqueue, pfifo_fast, mq).
func foreign(q netlink.Qdisc) bool {
	return q != nil && !ours(q) && q.Attrs().Handle>>16 != 0
}

func (k kernel) addQdisc(index int, replace bool) error {
	q := netlink.NewHtb(netlink.QdiscAttrs{LinkIndex: index, Handle: qdiscHandle(), Parent: netlink.HANDLE_ROOT})
	q.Defcls = bestMinor
	if replace {
		return k.h.QdiscReplace(q)
	}
	return k.h.QdiscAdd(q)
}

func (k kernel) delQdisc(index int) error {
	q := netlink.NewHtb(netlink.QdiscAttrs{LinkIndex: index, Handle: qdiscHandle(), Parent: netlink.HANDLE_ROOT})
	return ignoreGone(k.h.QdiscDel(q))
}

// htbClass builds the class; see the kernel type for units.
func htbClass(index int, minor uint16, parentMinor uint16, p ClassParams, link LinkParams) *netlink.HtbClass {
	parent := qdiscHandle()
	if parentMinor != 0 {
		parent = classID(parentMinor)
	}
	rate, ceil := uint64(p.Rate), uint64(p.Ceil)
	return &netlink.HtbClass{
		ClassAttrs: netlink.ClassAttrs{LinkIndex: index, Handle: classID(minor), Parent: parent},
		Rate:       rate,
		Ceil:       ceil,
		Buffer:     netlink.Xmittime(rate, uint32(p.Burst)),
		Cbuffer:    netlink.Xmittime(ceil, uint32(p.Cburst)),
		Quantum:    quantum(p.Rate, link),
	}
}

// setClass creates the class, or changes it if it exists.
func (k kernel) setClass(index int, minor, parentMinor uint16, p ClassParams, link LinkParams) error {
	c := htbClass(index, minor, parentMinor, p, link)
	if err := k.h.ClassReplace(c); err != nil {
		return fmt.Errorf("class %x:%x: %w", QdiscMajor, minor, err)
	}
	return nil
}

func (k kernel) addClass(index int, minor, parentMinor uint16, p ClassParams, link LinkParams) error {
	c := htbClass(index, minor, parentMinor, p, link)
	if err := k.h.ClassAdd(c); err != nil {
		return fmt.Errorf("class %x:%x: %w", QdiscMajor, minor, err)
	}
	return nil
}

func (k kernel) delClass(index int, minor uint16) error {
	c := &netlink.HtbClass{ClassAttrs: netlink.ClassAttrs{LinkIndex: index, Handle: classID(minor), Parent: classID(rootMinor)}}
	if err := ignoreGone(k.h.ClassDel(c)); err != nil {
		return fmt.Errorf("delete class %x:%x: %w", QdiscMajor, minor, err)
	}
	return nil
}

// addFilter adds node `node` of priority prio, steering matches to the
// class. keys nil matches every packet of the protocol. Only the node is
// given; the kernel completes the handle with the priority's hash table.
func (k kernel) addFilter(index int, prio, proto uint16, node uint32, keys []key, minor uint16) error {
	f := &netlink.U32{
		FilterAttrs: netlink.FilterAttrs{LinkIndex: index, Parent: qdiscHandle(), Priority: prio, Protocol: proto, Handle: node},
		ClassId:     classID(minor),
		// Clipped: netlink copies the keys up to the slice's capacity and
		// would send the spare ones as extra (always-true) keys.
		Sel: &netlink.TcU32Sel{Flags: netlink.TC_U32_TERMINAL, Keys: slices.Clip(orMatchAll(keys))},
	}
	if err := k.h.FilterAdd(f); err != nil {
		return fmt.Errorf("filter prio %d node %d: %w", prio, node, err)
	}
	return nil
}

// orMatchAll gives u32's spelling of "every packet", one key with an
// empty mask, for nil; the kernel echoes it back so in dumps.
func orMatchAll(keys []key) []key {
	if len(keys) == 0 {
		return []key{{}}
	}
	return keys
}

// addFilters installs one node per selector under prio.
func (k kernel) addFilters(index int, prio, proto uint16, sels [][]key, minor uint16) error {
	for i, keys := range sels {
		if err := k.addFilter(index, prio, proto, uint32(i+1), keys, minor); err != nil {
			return err
		}
	}
	return nil
}

// delPrio deletes every filter of one priority in one request (handle 0
// names the whole classifier instance). Priority 0 would flush every
// filter of the qdisc, so it is refused.
func (k kernel) delPrio(index int, prio, proto uint16) error {
	if prio == 0 {
		return errors.New("tc: refusing to delete filter priority 0 (all filters)")
	}
	f := &netlink.U32{FilterAttrs: netlink.FilterAttrs{LinkIndex: index, Parent: qdiscHandle(), Priority: prio, Protocol: proto}}
	if err := ignoreGone(k.h.FilterDel(f)); err != nil {
		return fmt.Errorf("delete filter prio %d: %w", prio, err)
	}
	return nil
}

func (k kernel) classes(index int) ([]netlink.Class, error) {
	cs, err := retryDump(func() ([]netlink.Class, error) { return k.h.ClassList(linkRef(index), 0) })
	if err != nil {
		return nil, err
	}
	var out []netlink.Class
	for _, c := range cs {
		if a := c.Attrs(); a.LinkIndex == index && a.Handle>>16 == QdiscMajor {
			out = append(out, c)
		}
	}
	return out, nil
}

func (k kernel) filters(index int) ([]netlink.Filter, error) {
	return retryDump(func() ([]netlink.Filter, error) { return k.h.FilterList(linkRef(index), qdiscHandle()) })
}

// retryDump repeats a dump that the kernel reported as interrupted (the
// objects changed meanwhile) a few times before giving up.
func retryDump[T any](dump func() ([]T, error)) ([]T, error) {
	var err error
	for range 5 {
		var out []T
		out, err = dump()
		if !errors.Is(err, netlink.ErrDumpInterrupted) {
			return out, err
		}
	}
	return nil, err
}

// ignoreGone treats "already deleted" as success, so that removal is
// idempotent and a vanished interface does not block clean-up.
func ignoreGone(err error) error {
	if errors.Is(err, unix.ENOENT) || errors.Is(err, unix.ENODEV) {
		return nil
	}
	return err
}
