package wire

// Flow descriptor lists (RFC 2205 section 3.1.4 and following): the
// FLOWSPEC and FILTER_SPEC objects of a Resv, ResvErr, ResvTear or
// ResvConf, read in message order and grouped by the style's rules.

// descMode says which message's rules a flow descriptor list follows.
type descMode uint8

const (
	descResv descMode = iota // Resv and ResvConf: a full flow descriptor list
	descErr                  // ResvErr: at most one descriptor
	descTear                 // ResvTear: flowspecs may be left out
)

func modeOf(t MsgType) descMode {
	switch t {
	case TypeResvErr:
		return descErr
	case TypeResvTear:
		return descTear
	}
	return descResv
}

// descItem is a FLOWSPEC or a FILTER_SPEC, in message order.
type descItem struct {
	isFilter bool
	flowspec Flowspec
	filter   FilterSpec
	offset   int
}

func descErrAt(offset int, format string, args ...any) *ParseError {
	e := objErr(ErrBadFlowDescriptor, format, args...)
	return &ParseError{Offset: offset, Err: e.err, Detail: e.detail}
}

// buildFlows groups items into flow descriptors for style kind k.
func buildFlows(k StyleKind, mode descMode, items []descItem) ([]FlowDescriptor, *ParseError) {
	end := 0
	if len(items) > 0 {
		end = items[len(items)-1].offset
	}
	switch k {
	case WF:
		for _, it := range items {
			if it.isFilter {
				return nil, descErrAt(it.offset, "FILTER_SPEC in a WF reservation")
			}
		}
		switch {
		case len(items) > 1:
			return nil, descErrAt(items[1].offset, "%d FLOWSPECs in a WF reservation", len(items))
		case len(items) == 0 && mode == descResv:
			return nil, descErrAt(end, "WF reservation without a FLOWSPEC")
		case len(items) == 0:
			return nil, nil
		}
		f := items[0].flowspec
		return []FlowDescriptor{{Flowspec: &f}}, nil

	case SE:
		if len(items) == 0 && mode == descErr {
			return nil, nil
		}
		d := FlowDescriptor{}
		for i, it := range items {
			switch {
			case !it.isFilter && i > 0:
				return nil, descErrAt(it.offset, "SE flow descriptor list with a second FLOWSPEC or one after a FILTER_SPEC")
			case !it.isFilter:
				f := it.flowspec
				d.Flowspec = &f
			default:
				d.Filters = append(d.Filters, it.filter)
			}
		}
		if d.Flowspec == nil && mode != descTear {
			return nil, descErrAt(end, "SE flow descriptor without a FLOWSPEC")
		}
		if len(d.Filters) == 0 {
			return nil, descErrAt(end, "SE flow descriptor without a FILTER_SPEC")
		}
		return []FlowDescriptor{d}, nil

	case FF:
		var flows []FlowDescriptor
		var cur *Flowspec
		pending := false // a FLOWSPEC waits for its FILTER_SPEC
		for i, it := range items {
			if !it.isFilter {
				if pending {
					return nil, descErrAt(it.offset, "two FLOWSPECs in a row in an FF list")
				}
				f := it.flowspec
				cur, pending = &f, true
				continue
			}
			if i == 0 && mode == descResv {
				return nil, descErrAt(it.offset, "FF list starts with a FILTER_SPEC")
			}
			d := FlowDescriptor{Filters: []FilterSpec{it.filter}}
			if cur != nil {
				// A packed descriptor reuses the flowspec before it; each
				// descriptor gets its own copy.
				f := *cur
				d.Flowspec = &f
			}
			flows = append(flows, d)
			pending = false
		}
		switch {
		case pending:
			return nil, descErrAt(end, "FF list ends with a FLOWSPEC")
		case len(flows) == 0 && mode != descErr:
			return nil, descErrAt(end, "FF reservation without a FILTER_SPEC")
		case len(flows) > 1 && mode == descErr:
			return nil, descErrAt(items[len(items)-1].offset, "ResvErr with %d FF flow descriptors", len(flows))
		}
		return flows, nil
	}
	return nil, descErrAt(end, "style %v", k)
}

// checkFlows is buildFlows' mirror for Append: it accepts exactly the
// descriptor lists Parse can produce.
func checkFlows(s Style, mode descMode, session Session, flows []FlowDescriptor) error {
	k := s.Kind()
	if k == UnknownStyle {
		return invalid("unknown reservation style %v", s)
	}
	maxN := len(flows)
	if mode == descErr {
		maxN = 1
	}
	if len(flows) > maxN {
		return invalid("%d flow descriptors in a ResvErr", len(flows))
	}
	if len(flows) == 0 && (mode == descResv || (k != WF && mode == descTear)) {
		return invalid("%v reservation without a flow descriptor", k)
	}
	for i, d := range flows {
		switch k {
		case WF:
			if len(d.Filters) != 0 || d.Flowspec == nil || len(flows) > 1 {
				return invalid("a WF flow descriptor list is one FLOWSPEC and no filter")
			}
		case SE:
			if len(flows) > 1 || len(d.Filters) == 0 {
				return invalid("an SE flow descriptor list is one descriptor with filters")
			}
		case FF:
			if len(d.Filters) != 1 {
				return invalid("FF flow descriptor with %d filters, want 1", len(d.Filters))
			}
			if d.Flowspec == nil && i > 0 && flows[i-1].Flowspec != nil {
				return invalid("FF flow descriptor without a flowspec after one with")
			}
		}
		if d.Flowspec == nil && (mode == descResv || (k != FF && mode == descErr)) {
			return invalid("%v flow descriptor without a flowspec", k)
		}
		for _, f := range d.Filters {
			if f.Source.IsValid() && !sameFamily(f.Source, session.Dest) {
				return invalid("FILTER_SPEC %v in a session to %v", f, session.Dest)
			}
		}
	}
	return nil
}

// appendFlows writes a flow descriptor list checked by checkFlows. FF
// descriptors that repeat the previous flowspec are packed.
func appendFlows(b []byte, flows []FlowDescriptor) ([]byte, error) {
	var prev *Flowspec
	var err error
	for _, d := range flows {
		if d.Flowspec != nil && (prev == nil || *d.Flowspec != *prev) {
			if b, err = d.Flowspec.appendTo(b); err != nil {
				return b, err
			}
		}
		prev = d.Flowspec
		for _, f := range d.Filters {
			if b, err = f.appendTo(b, ClassFilterSpec); err != nil {
				return b, err
			}
		}
	}
	return b, nil
}
