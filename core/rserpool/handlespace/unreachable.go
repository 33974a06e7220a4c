package handlespace

import "netcompat/core/rserpool/wire"

// ReportUnreachable counts an ASAP Endpoint Unreachable (RFC 5352 section
// 3.5) against element id of the pool named by handle. When the count
// reaches Config.MaxBadPEReports (-maxbadpereports, default 3) the element
// is removed and removed is true; the registrar then announces the removal
// if it owns the element. Unknown pool: Unknown Pool Handle (0x9); unknown
// element: nil and cause 0 (nothing to do; no Operation Error exists for
// it).
//
// The count is never reset while the element stays registered, neither by
// a re-registration nor by a keep-alive Ack, as in rsplib: a pool element
// re-registers every few seconds (rsplib's default registration life is 3
// × a 10 s reregistration interval), so resetting on it would demand all
// reports within one interval and effectively disable the limit. An
// element that is removed and registers anew starts from 0.
func (h *Handlespace) ReportUnreachable(handle []byte, id uint32) (m *Member, removed bool, cause wire.Cause) {
	p := h.pools[string(handle)]
	if p == nil {
		return nil, false, wire.CauseUnknownPoolHandle
	}
	m = p.byID[id]
	if m == nil {
		return nil, false, 0
	}
	if m.reports < ^uint16(0) {
		m.reports++
	}
	if int(m.reports) >= h.cfg.MaxBadPEReports {
		h.remove(m)
		return m, true, 0
	}
	return m, false, 0
}
