/*
 * rapi_spec_dialect.c - a program fragment in the Open Group C809 dialect:
 * <rapi.h> only, the handler declared through the function type
 * (static rapi_event_rtn_t my_upcall;), rapi_session taking its address,
 * unsigned int flags, RAPI_NULL_SID, RAPI_QOS_*, rapi_filtbase4_*, an IPv6
 * session and an SE reservation. Written fresh for this test.
 *
 * Compile-only (rapi_headers.cmake): C89, C99, C11. Compiled with
 * -DRAPI_ISI_COMPAT it must fail (rapi_spec_dialect_isi_rejected): the
 * two dialects cannot share one typedef.
 */
#include <string.h>
#include <stdio.h>
#include <netinet/in.h>

#include <rapi.h>

static rapi_event_rtn_t my_upcall;

static int path_senders;

static void my_upcall(rapi_sid_t Sid, rapi_eventinfo_t EventType, rapi_styleid_t Style,
                      int ErrorCode, int ErrorValue, rapi_addr_t *ErrorNode,
                      unsigned int ErrorFlags, int FilterSpecNo,
                      rapi_filter_t *FilterSpec_list, int FlowspecNo,
                      rapi_flowspec_t *Flowspec_list, int AdspecNo,
                      rapi_adspec_t *Adspec_list, void *Event_arg)
{
  char buf[128];
  rapi_filter_t *f = FilterSpec_list;
  rapi_tspec_t *t = (rapi_tspec_t *)Flowspec_list;
  int i;

  (void)Sid; (void)Style; (void)ErrorNode; (void)FlowspecNo; (void)AdspecNo;
  (void)Adspec_list; (void)Event_arg;
  switch (EventType) {
  case RAPI_PATH_EVENT:
    /* Templates and the senders' Tspecs, walked by len. */
    path_senders = FilterSpecNo;
    for (i = 0; i < FilterSpecNo; i++) {
      rapi_fmt_filtspec(f, buf, (int)sizeof buf);
      if (f->form == RAPI_FILTERFORM_BASE)
        printf("%s port %u\n", buf, (unsigned)ntohs(f->rapi_filtbase4_port));
      rapi_fmt_tspec(t, buf, (int)sizeof buf);
      f = (rapi_filter_t *)After_RAPIObj(f);
      t = (rapi_tspec_t *)After_RAPIObj(t);
    }
    break;
  case RAPI_RESV_ERROR:
    printf("%s%s\n", rapi_strerror(ErrorCode, ErrorValue),
           (ErrorFlags & RAPI_ERRF_NotGuilty) ? " (not guilty)" : "");
    break;
  default:
    break;
  }
}

int spec_receiver6(void);
int spec_receiver6(void)
{
  struct sockaddr_in6 dest;
  rapi_filter_t filt[2];
  rapi_flowspec_t flow;
  rapi_sid_t sid;
  unsigned int flags = RAPI_USE_INTSERV;
  int err = RAPI_ERR_OK;
  int fd;

  memset(&dest, 0, sizeof dest);
  dest.sin6_family = AF_INET6;
  dest.sin6_addr = in6addr_loopback;
  dest.sin6_port = htons(5000);
  sid = rapi_session((rapi_addr_t *)&dest, IPPROTO_UDP, flags, my_upcall, NULL, &err);
  if (sid == RAPI_NULL_SID)
    return err;
  fd = rapi_getfd(sid);
  if (fd < 0)
    return RAPI_ERR_BADSID;
  while (path_senders == 0)
    if ((err = rapi_dispatch()) != RAPI_ERR_OK)
      return err;

  memset(filt, 0, sizeof filt);
  filt[0].len = sizeof filt[0];
  filt[0].form = RAPI_FILTERFORM_BASE6;
  filt[0].rapi_filt6.sin6_family = AF_INET6;
  filt[0].rapi_filtbase6_addr = in6addr_loopback;
  filt[0].rapi_filtbase6_port = htons(6000);
  filt[1] = filt[0];
  filt[1].rapi_filtbase6_port = htons(6001);
  memset(&flow, 0, sizeof flow);
  flow.len = sizeof flow;
  flow.form = RAPI_FLOWSTYPE_Simplified;
  flow.specbody_qosx.spec_type = RAPI_QOS_GUARANTEED;
  flow.specbody_qosx.xspec_r = 12500;
  flow.specbody_qosx.xspec_b = 1000;
  flow.specbody_qosx.xspec_p = 25000;
  flow.specbody_qosx.xspec_m = 100;
  flow.specbody_qosx.xspec_M = 1500;
  flow.specbody_qosx.xspec_R = 12500;
  flow.specbody_qosx.xspec_S = 1000;
  err = rapi_reserve(sid, RAPI_REQ_CONFIRM, NULL, RAPI_RSTYLE_SE, NULL, NULL,
                     2, filt, 1, &flow);
  if (err == RAPI_ERR_OK)
    err = rapi_dispatch_fd(fd);
  (void)rapi_release(sid);
  return err;
}

int spec_sender4(void);
int spec_sender4(void)
{
  struct sockaddr_in dest, lhost;
  rapi_filter_t templ;
  rapi_tspec_t tspec;
  rapi_adspec_t adspec;
  rapi_sid_t sid;
  int err = 0;
  char buf[64];

  memset(&dest, 0, sizeof dest);
  dest.sin_family = AF_INET;
  dest.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  dest.sin_port = htons(5000);
  lhost = dest;
  lhost.sin_port = htons(6000);
  sid = rapi_session((rapi_addr_t *)&dest, 0, 0, &my_upcall, NULL, &err);
  if (sid == RAPI_NULL_SID)
    return err;
  memset(&templ, 0, sizeof templ);
  templ.len = sizeof templ;
  templ.form = RAPI_FILTERFORM_BASE;
  templ.rapi_filt4 = lhost;
  templ.rapi_filtbase4_addr = lhost.sin_addr;
  memset(&tspec, 0, sizeof tspec);
  tspec.len = sizeof tspec;
  tspec.form = RAPI_TSPECTYPE_Simplified;
  tspec.tspecbody_qosx.spec_type = RAPI_QOS_TSPEC;
  tspec.tspecbody_qosx.xtspec_r = 12500;
  tspec.tspecbody_qosx.xtspec_b = 1000;
  tspec.tspecbody_qosx.xtspec_p = 25000;
  tspec.tspecbody_qosx.xtspec_m = 100;
  tspec.tspecbody_qosx.xtspec_M = 1500;
  memset(&adspec, 0, sizeof adspec);
  adspec.len = sizeof(rapi_hdr_t);
  adspec.form = RAPI_EMPTY_OTYPE;
  rapi_fmt_adspec(&adspec, buf, (int)sizeof buf);
  err = rapi_sender(sid, 0, (rapi_addr_t *)&lhost, &templ, &tspec, &adspec, NULL, 1);
  if (err == RAPI_ERR_OK)
    err = rapi_sender(sid, 0, NULL, NULL, NULL, NULL, NULL, 0); /* withdraw */
  (void)rapi_release(sid);
  return err;
}
