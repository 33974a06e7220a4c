/*
 * RSVP RAPI: the small calls - rapi_strerror, the rapi_fmt_* formatters
 * (ISI-like output: bracketed lists with 3-significant-digit K/M/G/T
 * numbers, "Inf" from 1e15; filters host:port; never past len, no DNS),
 * rapi_rstyle_names, rapi_set_timo, rapi_status, rapi_dispatch_fd.
 */
#include <arpa/inet.h>
#include <math.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "core.h"
#include "rapi.h"
#include "rapi_err.h"

char *rapi_rstyle_names[] = {"?", "WF", "FF", "SE"};

/* The texts are the ones programs see in rapi_errlist[] and rsvp_errlist[]
 * (rapi_err.h defines them, one copy per translation unit). */
#define rapi_texts rapi_errlist
#define rsvp_texts rsvp_errlist

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

/* (20, v): the RAPI text of v; (c, *): the RSVP text of c; NULL when out
 * of range. */
const char *rapi_strerror(int ErrorCode, int ErrorValue)
{
	if (ErrorCode == RSVP_Err_API_ERROR) {
		if (ErrorValue >= 0 && (size_t)ErrorValue < NELEM(rapi_texts))
			return rapi_texts[ErrorValue];
		if (ErrorValue == RAPI_ERR_UNSUPPORTED)
			return "Unsupported operation";
		if (ErrorValue == RAPI_ERR_UNKNOWN)
			return "Unknown error";
		return NULL;
	}
	if (ErrorCode >= 0 && (size_t)ErrorCode < NELEM(rsvp_texts))
		return rsvp_texts[ErrorCode];
	return NULL;
}

/* ---- formatting ---- */

struct out {
	char *buf;
	size_t len, used;
};

/* The output buffer of a rapi_fmt_* call, emptied: a NULL buffer or a
 * length of 0 or less takes nothing. */
static struct out out_start(char *buf, int len)
{
	struct out o = {buf, buf && len > 0 ? (size_t)len : 0, 0};

	if (o.len)
		buf[0] = '\0';
	return o;
}

static void put(struct out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void put(struct out *o, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (!o->buf || o->len == 0 || o->used + 1 >= o->len)
		return;
	va_start(ap, fmt);
	n = vsnprintf(o->buf + o->used, o->len - o->used, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	o->used += (size_t)n;
	if (o->used >= o->len)
		o->used = o->len - 1;
}

/* A number with 3 significant digits and K/M/G/T; Inf from 1e15. */
static void num(struct out *o, double v)
{
	static const char suffix[] = " KMGT";
	int i = 0;

	if (isinf(v) || v >= 1e15) {
		put(o, "Inf");
		return;
	}
	while (v >= 1000 && i < 4) {
		v /= 1000;
		i++;
	}
	if (i)
		put(o, "%.3g%c", v, suffix[i]);
	else
		put(o, "%.3g", v);
}

static void tb(struct out *o, double r, double b, double p, unsigned int m, unsigned int M)
{
	put(o, "r=");
	num(o, r);
	put(o, " b=");
	num(o, b);
	put(o, " p=");
	num(o, p);
	put(o, " m=%u M=%u", m, M);
}

static float fl_at(const unsigned char *p, size_t off)
{
	float f;
	memcpy(&f, p + off, 4);
	return f;
}
static unsigned int w_at(const unsigned char *p, size_t off)
{
	unsigned int w;
	memcpy(&w, p + off, 4);
	return w;
}

/* An IntServ token bucket [and Rspec]: svc from the service header. */
static void is_body(struct out *o, const unsigned char *b, size_t size, int flow)
{
	int svc;

	if (size < 32 || b[8] != IS_WKP_TB_TSPEC) {
		put(o, "[?IS]");
		return;
	}
	svc = b[4];
	if (!flow)
		put(o, "[T ");
	else if (svc == GUARANTEED_SERV)
		put(o, "[G ");
	else if (svc == CONTROLLED_LOAD_SERV)
		put(o, "[CL ");
	else
		put(o, "[?%d ", svc);
	tb(o, fl_at(b, 12), fl_at(b, 16), fl_at(b, 20), w_at(b, 24), w_at(b, 28));
	if (flow && svc == GUARANTEED_SERV && size >= 44) {
		put(o, " R=");
		num(o, fl_at(b, 36));
		put(o, " S=%u", w_at(b, 40));
	}
	put(o, "]");
}

void rapi_fmt_flowspec(rapi_flowspec_t *f, char *buf, int len)
{
	struct out o = out_start(buf, len);

	if (!f || f->len < sizeof(rapi_hdr_t) || f->form == RAPI_EMPTY_OTYPE) {
		put(&o, "[ ]");
		return;
	}
	if (f->form == RAPI_FLOWSTYPE_Simplified && f->len >= sizeof(rapi_hdr_t) + sizeof(qos_flowspecx_t)) {
		const qos_flowspecx_t *x = &f->specbody_qosx;
		put(&o, "[%s ", x->spec_type == QOS_GUARANTEED ? "G" : x->spec_type == QOS_CNTR_LOAD ? "CL" : "?");
		tb(&o, x->xspec_r, x->xspec_b, x->xspec_p, x->xspec_m, x->xspec_M);
		if (x->spec_type == QOS_GUARANTEED) {
			put(&o, " R=");
			num(&o, x->xspec_R);
			put(&o, " S=%u", (unsigned int)x->xspec_S);
		}
		put(&o, "]");
		return;
	}
	if (f->form == RAPI_FLOWSTYPE_Intserv) {
		is_body(&o, (const unsigned char *)&f->specbody_IS, f->len - sizeof(rapi_hdr_t), 1);
		return;
	}
	put(&o, "[?form %d]", (int)f->form);
}

void rapi_fmt_tspec(rapi_tspec_t *t, char *buf, int len)
{
	struct out o = out_start(buf, len);

	if (!t || t->len < sizeof(rapi_hdr_t) || t->form == RAPI_EMPTY_OTYPE) {
		put(&o, "[ ]");
		return;
	}
	if (t->form == RAPI_TSPECTYPE_Simplified && t->len >= sizeof(rapi_hdr_t) + sizeof(qos_tspecx_t)) {
		const qos_tspecx_t *x = &t->tspecbody_qosx;
		put(&o, "[T ");
		tb(&o, x->xtspec_r, x->xtspec_b, x->xtspec_p, x->xtspec_m, x->xtspec_M);
		put(&o, "]");
		return;
	}
	if (t->form == RAPI_TSPECTYPE_Intserv) {
		is_body(&o, (const unsigned char *)&t->tspecbody_IS, t->len - sizeof(rapi_hdr_t), 0);
		return;
	}
	put(&o, "[?form %d]", (int)t->form);
}

void rapi_fmt_adspec(rapi_adspec_t *a, char *buf, int len)
{
	struct out o = out_start(buf, len);

	if (!a || a->len < sizeof(rapi_hdr_t) || a->form == RAPI_EMPTY_OTYPE) {
		put(&o, "[ ]");
		return;
	}
	if (a->form == RAPI_ADSTYPE_Simplified && a->len >= sizeof(rapi_hdr_t) + sizeof(qos_adspecx_t)) {
		const qos_adspecx_t *x = &a->adspecbody_qosx;
		put(&o, "[GEN%s hops=%u bw=", (x->xaspec_flags & XASPEC_FLG_BRK) ? "(brk)" : "",
		    (unsigned int)x->xaspec_hopcnt);
		num(&o, x->xaspec_path_bw);
		put(&o, " lat=%u mtu=%u]", (unsigned int)x->xaspec_min_latency,
		    (unsigned int)x->xaspec_composed_MTU);
		if (!(x->xGaspec_flags & XASPEC_FLG_IGN))
			put(&o, " [G Ctot=%u Dtot=%u Csum=%u Dsum=%u]", (unsigned int)x->xGaspec_Ctot,
			    (unsigned int)x->xGaspec_Dtot, (unsigned int)x->xGaspec_Csum,
			    (unsigned int)x->xGaspec_Dsum);
		if (!(x->xClaspec_flags & XASPEC_FLG_IGN))
			put(&o, " [CL]");
		return;
	}
	if (a->form == RAPI_ADSTYPE_Intserv) {
		put(&o, "[IS adspec %u bytes]", (unsigned int)(a->len - sizeof(rapi_hdr_t)));
		return;
	}
	put(&o, "[?form %d]", (int)a->form);
}

void rapi_fmt_filtspec(rapi_filter_t *f, char *buf, int len)
{
	struct out o = out_start(buf, len);
	char host[INET6_ADDRSTRLEN];

	if (!f || f->len < sizeof(rapi_hdr_t) || f->form == RAPI_EMPTY_OTYPE) {
		put(&o, "(*):*");
		return;
	}
	switch ((int)f->form) {
	case RAPI_FILTERFORM_BASE:
		inet_ntop(AF_INET, &f->filt_u.base.sender.sin_addr, host, sizeof host);
		put(&o, "%s:%u", host, (unsigned int)ntohs(f->filt_u.base.sender.sin_port));
		return;
	case RAPI_FILTERFORM_BASE6:
		inet_ntop(AF_INET6, &f->filt_u.base6.sender.sin6_addr, host, sizeof host);
		put(&o, "[%s]:%u", host, (unsigned int)ntohs(f->filt_u.base6.sender.sin6_port));
		return;
	case RAPI_FILTERFORM_GPI:
		inet_ntop(AF_INET, &f->filt_u.gpi.sender, host, sizeof host);
		put(&o, "%s<g>%u", host, (unsigned int)f->filt_u.gpi.gpi);
		return;
	case RAPI_FILTERFORM_GPI6:
		inet_ntop(AF_INET6, &f->filt_u.gpi6.sender, host, sizeof host);
		put(&o, "%s<g>%u", host, (unsigned int)f->filt_u.gpi6.gpi);
		return;
	}
	put(&o, "?form %d", (int)f->form);
}

/* ---- ISI extras ---- */

/* The time (ms) a call waits for rsvpd's answer; 0 or less: the default. */
int rapi_set_timo(int timo)
{
	const struct nc_core *c = nc_core();

	return c ? c->nc_rapi_set_timo(timo) : RAPI_ERR_SYSCALL;
}

/* ISI's test hook: queues RAPI_PATH_STATUS (flags RAPI_STAT_PATH) and
 * RAPI_RESV_STATUS (RAPI_STAT_RESV; no flag: both) upcalls carrying the
 * session's latest path and reservation state, for the next dispatch. */
int rapi_status(rapi_sid_t sid, int flags)
{
	const struct nc_core *c = nc_core();
	int err = 0, st;

	if (!c)
		return RAPI_ERR_SYSCALL;
	st = c->nc_rapi_status(sid, flags, &err);
	nc_set_errno(err);
	return st;
}

/* Tru64: dispatch for the descriptor fd (every session shares one). */
int rapi_dispatch_fd(int fd)
{
	(void)fd;
	return rapi_dispatch();
}
