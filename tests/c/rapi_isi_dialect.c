/*
 * rapi_isi_dialect.c - a program fragment written the way ISI rsvpd
 * programs (rtap, SuaRsvp, ACE) are: "rapi_lib.h" and "rapi_err.h", an
 * int-returning handler with u_char error flags passed as
 * (rapi_event_rtn_t) handler, rapi_filt4 and FF reservations,
 * rapi_rstyle_names and rapi_errlist. Written fresh for this test.
 *
 * Compile-only (rapi_headers.cmake): C89, C99, C11. Compiling it after
 * the Open Group rapi.h (-include rapi.h) must fail: that test is
 * rapi_dialect_mix_rejected.
 */
#include <string.h>
#include <stdio.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include "rapi_lib.h"
#include "rapi_err.h"

extern char *rapi_rstyle_names[];

static int got_path;

static int upcall(rapi_sid_t sid, rapi_eventinfo_t event, int style, int errcode,
                  int errvalue, struct sockaddr *errnode, u_char errflags,
                  int nfilt, rapi_filter_t *filters, int nflow,
                  rapi_flowspec_t *flows, int nads, rapi_adspec_t *adspecs,
                  void *arg)
{
  char buf[256];
  rapi_filter_t *f = filters;
  int i;

  (void)sid; (void)errnode; (void)nads; (void)adspecs; (void)arg;
  switch (event) {
  case RAPI_PATH_EVENT:
    got_path = nfilt;
    for (i = 0; i < nfilt; i++) {
      rapi_fmt_filtspec(f, buf, (int)sizeof buf);
      printf("sender %s port %u\n", buf, (unsigned)ntohs(f->rapi_filtbase_port));
      f = (rapi_filter_t *)After_RAPIObj(f);
    }
    break;
  case RAPI_RESV_EVENT:
  case RAPI_RESV_CONFIRM:
    if (nflow > 0) {
      rapi_fmt_flowspec(flows, buf, (int)sizeof buf);
      printf("%s %s\n", rapi_rstyle_names[style], buf);
    }
    break;
  case RAPI_PATH_ERROR:
  case RAPI_RESV_ERROR:
    if (errcode == RSVP_Err_API_ERROR && errvalue < RAPI_ERRLIST_SIZE)
      printf("API error: %s\n", rapi_errlist[errvalue]);
    else if (errcode < RSVP_ERRLIST_SIZE)
      printf("%s (%d)%s\n", rsvp_errlist[errcode], errvalue,
             (errflags & RAPI_ERRF_InPlace) ? " in place" : "");
    break;
  default:
    break;
  }
  return 0;
}

int isi_receiver(const char *group, const char *sender);
int isi_receiver(const char *group, const char *sender)
{
  struct sockaddr_in dest;
  rapi_filter_t filt[2];
  rapi_flowspec_t flow[2];
  rapi_sid_t sid;
  int err = 0;
  int i;

  memset(&dest, 0, sizeof dest);
  dest.sin_family = AF_INET;
  dest.sin_addr.s_addr = inet_addr(group);
  dest.sin_port = htons(5000);

  if (rapi_version() < 500)
    return -1;
  sid = rapi_session((struct sockaddr *)&dest, IPPROTO_UDP, 0,
                     (rapi_event_rtn_t) upcall, NULL, &err);
  if (sid == NULL_SID) {
    fprintf(stderr, "rapi_session: %s\n", rapi_errlist[err]);
    return -1;
  }

  /* FF: one filter and one Controlled-Load flowspec per sender. */
  memset(filt, 0, sizeof filt);
  memset(flow, 0, sizeof flow);
  for (i = 0; i < 2; i++) {
    filt[i].len = sizeof(rapi_filter_t);
    filt[i].form = RAPI_FILTERFORM_BASE;
    filt[i].rapi_filt4.sin_family = AF_INET;
    filt[i].rapi_filt4.sin_addr.s_addr = inet_addr(sender);
    filt[i].rapi_filt4.sin_port = htons((unsigned short)(6000 + i));
    flow[i].len = sizeof(rapi_flowspec_t);
    flow[i].form = RAPI_FLOWSTYPE_Simplified;
    flow[i].specbody_qosx.spec_type = QOS_CNTR_LOAD;
    flow[i].specbody_qosx.xspec_r = 12500;
    flow[i].specbody_qosx.xspec_b = 1000;
    flow[i].specbody_qosx.xspec_p = 25000;
    flow[i].specbody_qosx.xspec_m = 100;
    flow[i].specbody_qosx.xspec_M = 1500;
  }
  while (!got_path) {
    if ((err = rapi_dispatch()) != RAPI_ERR_OK)
      return err;
  }
  err = rapi_reserve(sid, RAPI_REQ_CONFIRM, NULL, RAPI_RSTYLE_FIXED, NULL, NULL,
                     2, filt, 2, flow);
  if (err != RAPI_ERR_OK)
    fprintf(stderr, "rapi_reserve: %s\n", rapi_strerror(RSVP_Err_API_ERROR, err));
  (void)rapi_getfd(sid);
  (void)rapi_status(sid, RAPI_STAT_PATH | RAPI_STAT_RESV);
  (void)rapi_set_timo(1000);
  return rapi_release(sid);
}

int isi_sender(const char *group);
int isi_sender(const char *group)
{
  struct sockaddr_in dest, host;
  rapi_tspec_t tspec;
  rapi_sid_t sid;
  int err;

  memset(&dest, 0, sizeof dest);
  dest.sin_family = AF_INET;
  dest.sin_addr.s_addr = inet_addr(group);
  dest.sin_port = htons(5000);
  host = dest;
  host.sin_addr.s_addr = htonl(INADDR_ANY);
  host.sin_port = htons(6000);

  sid = rapi_session((struct sockaddr *)&dest, 0, RAPI_USE_INTSERV,
                     (rapi_event_rtn_t) upcall, (void *)&got_path, &err);
  if (sid == NULL_SID)
    return err;
  memset(&tspec, 0, sizeof tspec);
  tspec.len = sizeof tspec;
  tspec.form = RAPI_TSPECTYPE_Simplified;
  tspec.tspecbody_qosx.spec_type = QOS_TSPECX;
  tspec.tspecbody_qosx.xtspec_r = 12500;
  tspec.tspecbody_qosx.xtspec_b = 1000;
  tspec.tspecbody_qosx.xtspec_p = 25000;
  tspec.tspecbody_qosx.xtspec_m = 100;
  tspec.tspecbody_qosx.xtspec_M = 1500;
  err = rapi_sender(sid, 0, (struct sockaddr *)&host, NULL, &tspec, NULL, NULL, 16);
  if (err)
    return err;
  return rapi_release(sid);
}
