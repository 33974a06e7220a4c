/*
 * RSVP RAPI (include/rapi.h; the ISI dialect include/rapi_lib.h has the
 * same call ABI): the C side of rapi_session, rapi_sender, rapi_reserve,
 * rapi_release, rapi_getfd, rapi_dispatch and the small calls.
 *
 * The shims check the arguments as ISI's library did, walk the caller's
 * object lists by len and convert them to the flat forms of nc_abi.h for
 * the core (capi/rapi.go), which talks to rsvpd. rapi_dispatch takes every
 * pending event from the core in one call, builds the upcall's object
 * arrays (every object padded to sizeof(rapi_xxx_t), len set to it) and
 * calls the handler on the caller's thread with no lock held; the arrays
 * are freed after each upcall. The handler is called through the spec's
 * void-returning type: an ISI int-returning handler has the same call ABI
 * and its return value is ignored.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <math.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "core.h"
#include "rapi.h"

#define NC_HDR ((unsigned int)sizeof(rapi_hdr_t))

/* ---- addresses ---- */

/* sockaddr (sockaddr_in or a cast sockaddr_in6) -> flat; -1 if neither. */
static int addr_in(const struct sockaddr *sa, struct nc_rapi_addr *out)
{
	memset(out, 0, sizeof *out);
	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *s4 = (const struct sockaddr_in *)(const void *)sa;
		out->family = AF_INET;
		out->port = ntohs(s4->sin_port);
		memcpy(out->addr, &s4->sin_addr, 4);
		return 0;
	}
	if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)(const void *)sa;
		out->family = AF_INET6;
		out->port = ntohs(s6->sin6_port);
		memcpy(out->addr, &s6->sin6_addr, 16);
		return 0;
	}
	return -1;
}

/* ---- objects in: filters, Tspecs, flowspecs, Adspecs ---- */

/* Reads a 32-bit word of an IntServ body (host order, as ISI's). */
static unsigned int word_at(const unsigned char *p, size_t off)
{
	unsigned int w;
	memcpy(&w, p + off, 4);
	return w;
}
static float float_at(const unsigned char *p, size_t off)
{
	float f;
	memcpy(&f, p + off, 4);
	return f;
}

/* IntServ body (main header, service header, token bucket [, Rspec]) ->
 * flat. want: 0 Tspec, 1 flowspec. Returns 0 or a RAPI code. */
static int intserv_in(const unsigned char *body, size_t size, int want, struct nc_rapi_flow *out)
{
	int svc;

	if (size < 32)
		return RAPI_ERR_OBJLEN;
	svc = body[4];
	if (body[8] != IS_WKP_TB_TSPEC)
		return RAPI_ERR_INTSERV;
	out->r = float_at(body, 12);
	out->b = float_at(body, 16);
	out->p = float_at(body, 20);
	out->m = word_at(body, 24);
	out->M = word_at(body, 28);
	if (!want) {
		out->service = NC_RAPI_TSPEC;
		return 0;
	}
	if (svc == CONTROLLED_LOAD_SERV) {
		out->service = CONTROLLED_LOAD_SERV;
		return 0;
	}
	if (svc == GUARANTEED_SERV) {
		if (size < 44 || body[32] != IS_GUAR_RSPEC)
			return RAPI_ERR_INTSERV;
		out->service = GUARANTEED_SERV;
		out->R = float_at(body, 36);
		out->S = word_at(body, 40);
		return 0;
	}
	return RAPI_ERR_INTSERV;
}

static int tspec_in(const rapi_tspec_t *t, struct nc_rapi_flow *out)
{
	memset(out, 0, sizeof *out);
	if (t->len < NC_HDR)
		return RAPI_ERR_OBJLEN;
	switch ((int)t->form) {
	case RAPI_TSPECTYPE_Simplified:
		if (t->len < NC_HDR + sizeof(qos_tspecx_t))
			return RAPI_ERR_OBJLEN;
		out->service = NC_RAPI_TSPEC;
		out->r = t->tspecbody_qosx.xtspec_r;
		out->b = t->tspecbody_qosx.xtspec_b;
		out->p = t->tspecbody_qosx.xtspec_p;
		out->m = t->tspecbody_qosx.xtspec_m;
		out->M = t->tspecbody_qosx.xtspec_M;
		return 0;
	case RAPI_TSPECTYPE_Intserv:
		return intserv_in((const unsigned char *)&t->tspecbody_IS, t->len - NC_HDR, 0, out);
	}
	return RAPI_ERR_OBJTYPE;
}

static int flowspec_in(const rapi_flowspec_t *f, struct nc_rapi_flow *out)
{
	memset(out, 0, sizeof *out);
	if (f->len < NC_HDR)
		return RAPI_ERR_OBJLEN;
	switch ((int)f->form) {
	case RAPI_FLOWSTYPE_Simplified:
		if (f->len < NC_HDR + sizeof(qos_flowspecx_t))
			return RAPI_ERR_OBJLEN;
		switch (f->specbody_qosx.spec_type) {
		case QOS_CNTR_LOAD:
			out->service = CONTROLLED_LOAD_SERV;
			break;
		case QOS_GUARANTEED:
			out->service = GUARANTEED_SERV;
			out->R = f->specbody_qosx.xspec_R;
			out->S = f->specbody_qosx.xspec_S;
			break;
		default:
			return RAPI_ERR_OBJTYPE;
		}
		out->r = f->specbody_qosx.xspec_r;
		out->b = f->specbody_qosx.xspec_b;
		out->p = f->specbody_qosx.xspec_p;
		out->m = f->specbody_qosx.xspec_m;
		out->M = f->specbody_qosx.xspec_M;
		return 0;
	case RAPI_FLOWSTYPE_Intserv:
		return intserv_in((const unsigned char *)&f->specbody_IS, f->len - NC_HDR, 1, out);
	}
	return RAPI_ERR_OBJTYPE;
}

static int filter_in(const rapi_filter_t *f, struct nc_rapi_addr *out)
{
	memset(out, 0, sizeof *out);
	if (f->len < NC_HDR)
		return RAPI_ERR_OBJLEN;
	switch ((int)f->form) {
	case RAPI_FILTERFORM_BASE:
		if (f->len < NC_HDR + sizeof(rapi_filter_base_t))
			return RAPI_ERR_OBJLEN;
		out->family = AF_INET;
		out->port = ntohs(f->filt_u.base.sender.sin_port);
		memcpy(out->addr, &f->filt_u.base.sender.sin_addr, 4);
		return 0;
	case RAPI_FILTERFORM_BASE6:
		if (f->len < NC_HDR + sizeof(rapi_filter_base6_t))
			return RAPI_ERR_OBJLEN;
		out->family = AF_INET6;
		out->port = ntohs(f->filt_u.base6.sender.sin6_port);
		memcpy(out->addr, &f->filt_u.base6.sender.sin6_addr, 16);
		return 0;
	case RAPI_FILTERFORM_GPI:
	case RAPI_FILTERFORM_GPI6:
		return RAPI_ERR_UNSUPPORTED;
	}
	return RAPI_ERR_OBJTYPE;
}

static int adspec_in(const rapi_adspec_t *a, struct nc_rapi_ads *out)
{
	const qos_adspecx_t *x;

	memset(out, 0, sizeof *out);
	if (a->len < NC_HDR)
		return RAPI_ERR_OBJLEN;
	if (a->form == RAPI_EMPTY_OTYPE)
		return 0;
	if (a->form != RAPI_ADSTYPE_Simplified)
		return 0; /* an IntServ Adspec to start from: the daemon builds its own */
	if (a->len < NC_HDR + sizeof(qos_adspecx_t))
		return RAPI_ERR_OBJLEN;
	x = &a->adspecbody_qosx;
	out->present = 1;
	out->brk = (x->xaspec_flags & XASPEC_FLG_BRK) != 0;
	out->hops = x->xaspec_hopcnt;
	out->bw = x->xaspec_path_bw;
	out->latency = x->xaspec_min_latency;
	out->mtu = x->xaspec_composed_MTU;
	out->has_gs = 1;
	out->gs_brk = (x->xGaspec_flags & XASPEC_FLG_BRK) != 0;
	out->Ctot = x->xGaspec_Ctot;
	out->Dtot = x->xGaspec_Dtot;
	out->Csum = x->xGaspec_Csum;
	out->Dsum = x->xGaspec_Dsum;
	out->has_cl = 1;
	return 0;
}

/* ---- the calls ---- */

rapi_sid_t rapi_session(rapi_addr_t *Dest, int Protid, unsigned int Flags,
                        rapi_event_rtn_t *Event_rtn, void *Event_arg, int *Errnop)
{
	const struct nc_core *c;
	struct nc_rapi_addr dest;
	unsigned int sid = 0;
	int err = 0, st;

	if (!Dest || addr_in((const struct sockaddr *)Dest, &dest) != 0) {
		if (Errnop)
			*Errnop = RAPI_ERR_INVAL;
		return RAPI_NULL_SID;
	}
	c = nc_core();
	if (!c) {
		if (Errnop)
			*Errnop = RAPI_ERR_SYSCALL;
		return RAPI_NULL_SID;
	}
	st = c->nc_rapi_session(&dest, Protid, Flags, (void *)Event_rtn, Event_arg, &sid, &err);
	if (Errnop)
		*Errnop = st;
	nc_set_errno(err);
	return st ? RAPI_NULL_SID : (rapi_sid_t)sid;
}

/* The core when sid is a live session, else NULL. */
static const struct nc_core *core_for(rapi_sid_t sid)
{
	const struct nc_core *c = nc_core();

	if (!c || sid == RAPI_NULL_SID || c->nc_rapi_getfd(sid) < 0)
		return NULL;
	return c;
}

int rapi_sender(rapi_sid_t Sid, unsigned int Flags, rapi_addr_t *LHost,
                rapi_filter_t *SenderTemplate, rapi_tspec_t *SenderTspec,
                rapi_adspec_t *SenderAdspec, rapi_policy_t *SenderPolicy, int TTL)
{
	const struct nc_core *c = core_for(Sid);
	struct nc_rapi_addr host, tmpl;
	struct nc_rapi_flow tspec;
	struct nc_rapi_ads ads;
	int err = 0, st;

	(void)SenderPolicy;
	if (!c)
		return RAPI_ERR_BADSID;
	if (!LHost) /* withdraw the sender; the rest is ignored */
		return c->nc_rapi_sender(Sid, Flags, NULL, NULL, NULL, NULL, TTL, &err);
	if (!SenderTspec)
		return RAPI_ERR_NOTSPEC;
	if (addr_in((const struct sockaddr *)LHost, &host) != 0)
		return RAPI_ERR_INVAL;
	if (SenderTemplate && (st = filter_in(SenderTemplate, &tmpl)) != 0)
		return st;
	if ((st = tspec_in(SenderTspec, &tspec)) != 0)
		return st;
	memset(&ads, 0, sizeof ads);
	if (SenderAdspec && (st = adspec_in(SenderAdspec, &ads)) != 0)
		return st;
	st = c->nc_rapi_sender(Sid, Flags, &host, SenderTemplate ? &tmpl : NULL, &tspec,
	                       &ads, TTL, &err);
	nc_set_errno(err);
	return st;
}

int rapi_reserve(rapi_sid_t Sid, unsigned int Flags, rapi_addr_t *RHost,
                 rapi_styleid_t StyleId, rapi_stylex_t *Style_Ext, rapi_policy_t *Rcvr_Policy,
                 int FilterSpecNo, rapi_filter_t *FilterSpec_list,
                 int FlowspecNo, rapi_flowspec_t *Flowspec_list)
{
	const struct nc_core *c = core_for(Sid);
	struct nc_rapi_addr rhost, *filts = NULL;
	struct nc_rapi_flow *flows = NULL;
	const char *p;
	int err = 0, st = 0, i, style = (int)StyleId;

	(void)Style_Ext;
	(void)Rcvr_Policy;
	if (!c)
		return RAPI_ERR_BADSID;
	if (FilterSpecNo < 0 || FlowspecNo < 0)
		return RAPI_ERR_INVAL;
	if (FlowspecNo == 0) /* remove the reservation, keep the session */
		return c->nc_rapi_reserve(Sid, Flags, NULL, 0, NULL, 0, NULL, 0, &err);
	if (style < RAPI_RSTYLE_WILDCARD || style > RAPI_RSTYLE_SE)
		return RAPI_ERR_BADSTYLE;
	if ((FilterSpecNo > 0 && !FilterSpec_list) || !Flowspec_list)
		return RAPI_ERR_INVAL;
	switch (style) {
	case RAPI_RSTYLE_WILDCARD:
		if (FilterSpecNo > 1 || FlowspecNo != 1)
			return RAPI_ERR_N_FFS;
		break;
	case RAPI_RSTYLE_FIXED:
		if (FilterSpecNo != FlowspecNo || FilterSpecNo == 0)
			return RAPI_ERR_N_FFS;
		break;
	default: /* SE */
		if (FlowspecNo != 1 || FilterSpecNo == 0)
			return RAPI_ERR_N_FFS;
	}
	memset(&rhost, 0, sizeof rhost);
	if (RHost && addr_in((const struct sockaddr *)RHost, &rhost) != 0)
		return RAPI_ERR_INVAL;
	flows = calloc((size_t)FlowspecNo, sizeof *flows);
	filts = calloc((size_t)FilterSpecNo + 1, sizeof *filts);
	if (!flows || !filts) {
		st = RAPI_ERR_MEMFULL;
		goto out;
	}
	p = (const char *)Flowspec_list;
	for (i = 0; i < FlowspecNo; i++) {
		const rapi_flowspec_t *f = (const rapi_flowspec_t *)(const void *)p;
		if ((st = flowspec_in(f, &flows[i])) != 0)
			goto out;
		p += f->len;
	}
	p = (const char *)FilterSpec_list;
	for (i = 0; i < FilterSpecNo; i++) {
		const rapi_filter_t *f = (const rapi_filter_t *)(const void *)p;
		if (style == RAPI_RSTYLE_WILDCARD) /* the wildcard filter names nobody */
			break;
		if ((st = filter_in(f, &filts[i])) != 0)
			goto out;
		p += f->len;
	}
	st = c->nc_rapi_reserve(Sid, Flags, RHost ? &rhost : NULL, style, filts,
	                        style == RAPI_RSTYLE_WILDCARD ? 0 : FilterSpecNo,
	                        flows, FlowspecNo, &err);
	nc_set_errno(err);
out:
	free(flows);
	free(filts);
	return st;
}

int rapi_release(rapi_sid_t Sid)
{
	const struct nc_core *c = nc_core();
	int err = 0, st;

	if (!c)
		return RAPI_ERR_SYSCALL;
	st = c->nc_rapi_release(Sid, &err);
	nc_set_errno(err);
	return st;
}

int rapi_getfd(rapi_sid_t Sid)
{
	const struct nc_core *c = nc_core();

	return c ? c->nc_rapi_getfd(Sid) : -1;
}

int rapi_version(void)
{
	return RAPI_VERSION;
}

/* ---- objects out (upcalls) ---- */

static void put_word(unsigned char *p, size_t off, unsigned int w)
{
	memcpy(p + off, &w, 4);
}
static void put_float(unsigned char *p, size_t off, double d)
{
	float f = (float)d;
	memcpy(p + off, &f, 4);
}
static void put_hdr(unsigned char *p, size_t off, int num, int flags, int words)
{
	p[off] = (unsigned char)num;
	p[off + 1] = (unsigned char)flags;
	{
		unsigned short l = (unsigned short)words; /* host order */
		memcpy(p + off + 2, &l, 2);
	}
}

/* Token bucket [and Rspec] as an IntServ body; returns its size. */
static size_t intserv_out(unsigned char *b, const struct nc_rapi_flow *f, int svc)
{
	int guar = svc == GUARANTEED_SERV;

	put_hdr(b, 0, 0, 0, guar ? 10 : 7);
	put_hdr(b, 4, svc, 0, guar ? 9 : 6);
	put_hdr(b, 8, IS_WKP_TB_TSPEC, 0, 5);
	put_float(b, 12, f->r);
	put_float(b, 16, f->b);
	put_float(b, 20, f->p);
	put_word(b, 24, f->m);
	put_word(b, 28, f->M);
	if (!guar)
		return 32;
	put_hdr(b, 32, IS_GUAR_RSPEC, 0, 2);
	put_float(b, 36, f->R);
	put_word(b, 40, f->S);
	return 44;
}

static void filter_out(rapi_filter_t *o, const struct nc_rapi_addr *a)
{
	memset(o, 0, sizeof *o);
	o->len = sizeof *o;
	if (a->family == AF_INET) {
		o->form = RAPI_FILTERFORM_BASE;
		o->filt_u.base.sender.sin_family = AF_INET;
		o->filt_u.base.sender.sin_port = htons(a->port);
		memcpy(&o->filt_u.base.sender.sin_addr, a->addr, 4);
	} else if (a->family == AF_INET6) {
		o->form = RAPI_FILTERFORM_BASE6;
		o->filt_u.base6.sender.sin6_family = AF_INET6;
		o->filt_u.base6.sender.sin6_port = htons(a->port);
		memcpy(&o->filt_u.base6.sender.sin6_addr, a->addr, 16);
	} else {
		o->form = RAPI_EMPTY_OTYPE;
	}
}

static void tspec_out(rapi_tspec_t *o, const struct nc_rapi_flow *f, int intserv)
{
	memset(o, 0, sizeof *o);
	o->len = sizeof *o;
	if (intserv) {
		o->form = RAPI_TSPECTYPE_Intserv;
		intserv_out((unsigned char *)&o->tspecbody_IS, f, GENERAL_INFO);
		return;
	}
	o->form = RAPI_TSPECTYPE_Simplified;
	o->tspecbody_qosx.spec_type = QOS_TSPEC;
	o->tspecbody_qosx.xtspec_r = (float32_t)f->r;
	o->tspecbody_qosx.xtspec_b = (float32_t)f->b;
	o->tspecbody_qosx.xtspec_p = (float32_t)f->p;
	o->tspecbody_qosx.xtspec_m = f->m;
	o->tspecbody_qosx.xtspec_M = f->M;
}

static void flowspec_out(rapi_flowspec_t *o, const struct nc_rapi_flow *f, int intserv)
{
	memset(o, 0, sizeof *o);
	o->len = sizeof *o;
	if (f->service != CONTROLLED_LOAD_SERV && f->service != GUARANTEED_SERV) {
		o->form = RAPI_EMPTY_OTYPE;
		return;
	}
	if (intserv) {
		o->form = RAPI_FLOWSTYPE_Intserv;
		intserv_out((unsigned char *)&o->specbody_IS, f, f->service);
		return;
	}
	o->form = RAPI_FLOWSTYPE_Simplified;
	o->specbody_qosx.spec_type = f->service == GUARANTEED_SERV ? QOS_GUARANTEED : QOS_CNTR_LOAD;
	o->specbody_qosx.xspec_r = (float32_t)f->r;
	o->specbody_qosx.xspec_b = (float32_t)f->b;
	o->specbody_qosx.xspec_p = (float32_t)f->p;
	o->specbody_qosx.xspec_m = f->m;
	o->specbody_qosx.xspec_M = f->M;
	o->specbody_qosx.xspec_R = (float32_t)f->R;
	o->specbody_qosx.xspec_S = f->S;
}

/* Simplified Adspec; an IntServ one (RFC 2210 layout, host-order words
 * as ISI's) carries the general parameters, then the Guaranteed and
 * Controlled-Load fragments as far as they fit in the object. */
static void adspec_out(rapi_adspec_t *o, const struct nc_rapi_ads *a, int intserv)
{
	memset(o, 0, sizeof *o);
	o->len = sizeof *o;
	if (!a->present) {
		o->form = RAPI_EMPTY_OTYPE;
		return;
	}
	if (intserv && sizeof(o->adsbody_u) >= 40) {
		unsigned char *b = (unsigned char *)&o->adsbody_u;
		size_t off = 4;
		put_hdr(b, off, GENERAL_INFO, a->brk ? 0x80 : 0, 8);
		put_hdr(b, off + 4, IS_WKP_HOP_CNT, 0, 1);
		put_word(b, off + 8, a->hops);
		put_hdr(b, off + 12, IS_WKP_PATH_BW, 0, 1);
		put_float(b, off + 16, a->bw);
		put_hdr(b, off + 20, IS_WKP_MIN_LATENCY, 0, 1);
		put_word(b, off + 24, a->latency);
		put_hdr(b, off + 28, IS_WKP_COMPOSED_MTU, 0, 1);
		put_word(b, off + 32, a->mtu);
		off += 36;
		if (a->has_gs && off + 36 <= sizeof(o->adsbody_u)) {
			put_hdr(b, off, GUARANTEED_SERV, a->gs_brk ? 0x80 : 0, 8);
			put_hdr(b, off + 4, GUAR_ADSPARM_Ctot, 0, 1);
			put_word(b, off + 8, a->Ctot);
			put_hdr(b, off + 12, GUAR_ADSPARM_Dtot, 0, 1);
			put_word(b, off + 16, a->Dtot);
			put_hdr(b, off + 20, GUAR_ADSPARM_Csum, 0, 1);
			put_word(b, off + 24, a->Csum);
			put_hdr(b, off + 28, GUAR_ADSPARM_Dsum, 0, 1);
			put_word(b, off + 32, a->Dsum);
			off += 36;
		}
		if (a->has_cl && off + 4 <= sizeof(o->adsbody_u)) {
			put_hdr(b, off, CONTROLLED_LOAD_SERV, 0, 0);
			off += 4;
		}
		put_hdr(b, 0, 0, 0, (int)(off / 4 - 1));
		o->form = RAPI_ADSTYPE_Intserv;
		return;
	}
	o->form = RAPI_ADSTYPE_Simplified;
	o->adspecbody_qosx.xaspec_flags = a->brk ? XASPEC_FLG_BRK : 0;
	o->adspecbody_qosx.xaspec_hopcnt = (uint16_t)a->hops;
	o->adspecbody_qosx.xaspec_path_bw = (float32_t)a->bw;
	o->adspecbody_qosx.xaspec_min_latency = a->latency;
	o->adspecbody_qosx.xaspec_composed_MTU = a->mtu;
	if (a->has_gs) {
		o->adspecbody_qosx.xGaspec_flags = a->gs_brk ? XASPEC_FLG_BRK : 0;
		o->adspecbody_qosx.xGaspec_Ctot = a->Ctot;
		o->adspecbody_qosx.xGaspec_Dtot = a->Dtot;
		o->adspecbody_qosx.xGaspec_Csum = a->Csum;
		o->adspecbody_qosx.xGaspec_Dsum = a->Dsum;
	} else {
		o->adspecbody_qosx.xGaspec_flags = XASPEC_FLG_IGN;
	}
	if (!a->has_cl)
		o->adspecbody_qosx.xClaspec_flags = XASPEC_FLG_IGN;
}

/* One upcall for ev; the arrays live only for the call. */
static int upcall(const struct nc_core *c, const struct nc_rapi_event *ev,
                  const struct nc_rapi_addr *filts, const struct nc_rapi_flow *flows,
                  const struct nc_rapi_ads *ads)
{
	rapi_event_rtn_t *fn = (rapi_event_rtn_t *)ev->handler;
	rapi_filter_t *fl = NULL;
	rapi_flowspec_t *ql = NULL;
	rapi_tspec_t *tl = NULL;
	rapi_adspec_t *al = NULL;
	struct sockaddr_storage node;
	struct sockaddr *nodep = NULL;
	void *qlist = NULL;
	size_t i;

	if (!fn || ev->type < RAPI_PATH_EVENT ||
	    (ev->type > RAPI_RESV_CONFIRM && ev->type != RAPI_PATH_STATUS && ev->type != RAPI_RESV_STATUS))
		return 0;
	if (c->nc_rapi_getfd(ev->sid) < 0) /* released by an earlier upcall */
		return 0;
	if (ev->nfilt && !(fl = calloc(ev->nfilt, sizeof *fl)))
		goto nomem;
	for (i = 0; i < ev->nfilt; i++)
		filter_out(&fl[i], &filts[ev->first_filt + i]);
	if (ev->type == RAPI_PATH_EVENT || ev->type == RAPI_PATH_ERROR || ev->type == RAPI_PATH_STATUS) {
		if (ev->nflow && !(tl = calloc(ev->nflow, sizeof *tl)))
			goto nomem;
		for (i = 0; i < ev->nflow; i++)
			tspec_out(&tl[i], &flows[ev->first_flow + i], ev->intserv);
		qlist = tl;
	} else {
		if (ev->nflow && !(ql = calloc(ev->nflow, sizeof *ql)))
			goto nomem;
		for (i = 0; i < ev->nflow; i++)
			flowspec_out(&ql[i], &flows[ev->first_flow + i], ev->intserv);
		qlist = ql;
	}
	if (ev->nads && !(al = calloc(ev->nads, sizeof *al)))
		goto nomem;
	for (i = 0; i < ev->nads; i++)
		adspec_out(&al[i], &ads[ev->first_ads + i], ev->intserv);
	memset(&node, 0, sizeof node);
	if (ev->node.family == AF_INET) {
		struct sockaddr_in *s4 = (struct sockaddr_in *)(void *)&node;
		s4->sin_family = AF_INET;
		memcpy(&s4->sin_addr, ev->node.addr, 4);
		nodep = (struct sockaddr *)s4;
	} else if (ev->node.family == AF_INET6) {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)(void *)&node;
		s6->sin6_family = AF_INET6;
		memcpy(&s6->sin6_addr, ev->node.addr, 16);
		nodep = (struct sockaddr *)s6;
	}
	fn((rapi_sid_t)ev->sid, (rapi_eventinfo_t)ev->type, (rapi_styleid_t)ev->style,
	   ev->code, ev->value, (rapi_addr_t *)nodep, ev->eflags,
	   (int)ev->nfilt, fl, (int)ev->nflow, (rapi_flowspec_t *)qlist,
	   (int)ev->nads, al, ev->arg);
	free(fl);
	free(tl);
	free(ql);
	free(al);
	return 0;
nomem:
	free(fl);
	free(tl);
	free(ql);
	free(al);
	return RAPI_ERR_MEMFULL;
}

int rapi_dispatch(void)
{
	const struct nc_core *c = nc_core();
	struct nc_rapi_event *evs = NULL;
	struct nc_rapi_addr *filts = NULL;
	struct nc_rapi_flow *flows = NULL;
	struct nc_rapi_ads *ads = NULL;
	size_t n = 0, i;
	int err = 0, st, ust = 0;

	if (!c)
		return RAPI_ERR_SYSCALL;
	st = c->nc_rapi_take(&evs, &n, &filts, &flows, &ads, &err);
	for (i = 0; i < n && !st; i++) {
		int u = upcall(c, &evs[i], filts, flows, ads);
		if (u && !ust)
			ust = u;
	}
	free(evs);
	free(filts);
	free(flows);
	free(ads);
	nc_set_errno(err);
	return st ? st : ust;
}
