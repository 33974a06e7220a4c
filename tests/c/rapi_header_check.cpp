// rapi_header_check.cpp - rapi.h, rapi_lib.h, rapi_err.h and qtoqsapi.h as
// C++ programs (ACE's QoS library, SuaRsvp) see them.
//
// Compile-only (rapi_headers.cmake): C++98, C++11 and C++17 with -Wall
// -Wextra -Werror -pedantic-errors -Wold-style-cast, in the Open Group
// dialect and with -DRAPI_ISI_COMPAT. Checks every prototype against a
// pointer of its exact type (C++ has no implicit function-pointer
// conversions, so a wrong dialect or parameter fails), the layouts the
// reference sheet fixes, the aliases, and that the headers' macros expand
// without old-style casts.
#ifdef RAPI_ISI_COMPAT
#include "rapi_lib.h"
#endif
#include "rapi.h"
#include "rapi_err.h"
#include "qtoqsapi.h"
#include "rapi.h"
#include "rapi_err.h"
#include "qtoqsapi.h"

#include <cstddef>
#include <cstring>

#if __cplusplus >= 201103L
#define CHECK(name, cond) static_assert(cond, #name)
#else
#define CHECK(name, cond) typedef char rapi_check_##name[(cond) ? 1 : -1]
#endif

CHECK(version, RAPI_VERSION == 502);
CHECK(null_sid, NULL_SID == RAPI_NULL_SID && RAPI_NULL_SID == 0);
CHECK(flags, RAPI_REQ_CONFIRM == 0x20 && RAPI_USE_INTSERV == 0x10 && RAPI_GPI_SESSION == 0x08);
CHECK(qos, QOS_TSPEC == RAPI_QOS_TSPEC && QOS_CNTR_LOAD == RAPI_QOS_CNTR_LOAD
      && QOS_GUARANTEED == RAPI_QOS_GUARANTEED && QOS_GUARANTEEDX == QOS_GUARANTEED
      && QOS_TSPECX == QOS_TSPEC && RAPI_QOS_CNTR_LOAD == 1);
CHECK(errs, RAPI_ERR_GPISESS == 17 && RAPI_ERR_BADSEND == 21 && RAPI_ERR_BADSPORT == 23
      && RAPI_ERR_UNKNOWN == 255 && RSVP_Err_API_ERROR == 20
      && RSVP_Err_RSVP_STS_ERROR == RSVP_Err_RSVP_SYS_ERROR);
CHECK(styles, RAPI_RSTYLE_WILDCARD == 1 && RAPI_RSTYLE_FIXED == 2 && RAPI_RSTYLE_SE == 3);
CHECK(forms, RAPI_FILTERFORM_BASE == 258 && RAPI_FILTERFORM_GPI6 == 261
      && RAPI_FLOWSTYPE_Simplified == 3 && RAPI_ADSTYPE_Intserv == 33);
CHECK(sz_hdr, sizeof(rapi_hdr_t) == 8 && sizeof(rapi_addr_t) == 16);
CHECK(sz_filter, sizeof(rapi_filter_t) == 36 && offsetof(rapi_filter_t, filt_u) == 8);
CHECK(sz_flowspec, sizeof(rapi_flowspec_t) == 52 && sizeof(rapi_tspec_t) == 40
      && sizeof(rapi_adspec_t) == 88);
CHECK(sz_simplified, sizeof(qos_flowspecx_t) == 32 && sizeof(qos_tspecx_t) == 24
      && sizeof(qos_adspecx_t) == 68);
CHECK(sz_errlists, sizeof(rapi_errlist) / sizeof(rapi_errlist[0]) == 24
      && sizeof(rsvp_errlist) / sizeof(rsvp_errlist[0]) == 24);
CHECK(sz_qtoq, sizeof(qos_spec_t) == 24 && offsetof(qos_conn_req, s_length) == 16
      && offsetof(qos_conn_req, style) == 20);

#ifdef RAPI_ISI_COMPAT
// ISI code: an int handler, cast as SuaRsvp and ACE do.
static int isi_handler(rapi_sid_t, rapi_eventinfo_t, int, int, int, struct sockaddr *,
                       u_char, int, rapi_filter_t *, int, rapi_flowspec_t *, int,
                       rapi_adspec_t *, void *)
{
  return 0;
}
#else
// Open Group code: the handler declared through the function type.
static rapi_event_rtn_t spec_handler;
static void spec_handler(rapi_sid_t, rapi_eventinfo_t, rapi_styleid_t, int, int,
                         rapi_addr_t *, unsigned int, int, rapi_filter_t *, int,
                         rapi_flowspec_t *, int, rapi_adspec_t *, void *)
{
}
#endif

int rapi_header_check_cxx(int);
int rapi_header_check_cxx(int n)
{
#ifdef RAPI_ISI_COMPAT
  rapi_sid_t (*p_session)(struct sockaddr *, int, int, rapi_event_rtn_t, void *, int *) =
      rapi_session;
  int (*p_sender)(rapi_sid_t, int, struct sockaddr *, rapi_filter_t *, rapi_tspec_t *,
                  rapi_adspec_t *, rapi_policy_t *, int) = rapi_sender;
  int (*p_reserve)(rapi_sid_t, int, struct sockaddr *, rapi_styleid_t, rapi_stylex_t *,
                   rapi_policy_t *, int, rapi_filter_t *, int, rapi_flowspec_t *) =
      rapi_reserve;
  rapi_event_rtn_t handler = static_cast<rapi_event_rtn_t>(isi_handler);
  u_char errflags = RAPI_ERRF_InPlace;
#else
  rapi_sid_t (*p_session)(rapi_addr_t *, int, unsigned int, rapi_event_rtn_t *, void *,
                          int *) = rapi_session;
  int (*p_sender)(rapi_sid_t, unsigned int, rapi_addr_t *, rapi_filter_t *, rapi_tspec_t *,
                  rapi_adspec_t *, rapi_policy_t *, int) = rapi_sender;
  int (*p_reserve)(rapi_sid_t, unsigned int, rapi_addr_t *, rapi_styleid_t,
                   rapi_stylex_t *, rapi_policy_t *, int, rapi_filter_t *, int,
                   rapi_flowspec_t *) = rapi_reserve;
  rapi_event_rtn_t *handler = spec_handler;
  unsigned int errflags = RAPI_ERRF_NotGuilty;
#endif
  int (*p_release)(rapi_sid_t) = rapi_release;
  int (*p_getfd)(rapi_sid_t) = rapi_getfd;
  int (*p_dispatch)(void) = rapi_dispatch;
  int (*p_dispatch_fd)(int) = rapi_dispatch_fd;
  int (*p_version)(void) = rapi_version;
  const char *(*p_strerror)(int, int) = rapi_strerror;
  void (*p_fmt_flowspec)(rapi_flowspec_t *, char *, int) = rapi_fmt_flowspec;
  void (*p_fmt_tspec)(rapi_tspec_t *, char *, int) = rapi_fmt_tspec;
  void (*p_fmt_adspec)(rapi_adspec_t *, char *, int) = rapi_fmt_adspec;
  void (*p_fmt_filtspec)(rapi_filter_t *, char *, int) = rapi_fmt_filtspec;
  int (*p_set_timo)(int) = rapi_set_timo;
  int (*p_status)(rapi_sid_t, int) = rapi_status;
  char **names = rapi_rstyle_names;
  char *errtext = rapi_errlist[RAPI_ERR_NORSVP];
  char *rsvptext = rsvp_errlist[RSVP_Err_ADMISSION];
  int (*p_qaccept)(int, int, struct sockaddr *, int *, qos_req *, unsigned int *, int *) =
      qtoq_accept;
  int (*p_qconnect)(int, struct sockaddr *, int, int, qos_conn_req *, unsigned int *,
                    int *) = qtoq_connect;
  int (*p_qconnect_ex)(int, struct sockaddr *, int, int, qos_conn_req_ex *,
                       unsigned int *, int *) = qtoq_connect_ex;
  int (*p_qioctl)(int, int, qos_req *, unsigned int *, int *) = qtoq_ioctl;
  int (*p_qclose)(int, int *, unsigned int *) = qtoq_close;

  // Objects and the list-walking and IntServ macros, cast-clean in C++.
  rapi_filter_t f[2];
  rapi_flowspec_t fs;
  IS_specbody_t isb;
  qos_conn_req_ex qx;
  std::memset(f, 0, sizeof f);
  f[0].len = sizeof f[0];
  f[0].form = RAPI_FILTERFORM_BASE;
  f[0].rapi_filtbase4_port = htons(5000);
  f[0].rapi_filtbase_addr.s_addr = htonl(INADDR_LOOPBACK);
  f[1].len = sizeof f[1];
  f[1].form = RAPI_FILTERFORM_BASE6;
  f[1].rapi_filtbase6_addr = in6addr_loopback;
  std::memset(&fs, 0, sizeof fs);
  fs.len = sizeof fs;
  fs.form = RAPI_FLOWSTYPE_Simplified;
  fs.specbody_qosx.spec_type = QOS_CNTR_LOAD;
  fs.specbody_qosx.xspec_r = 12500;
  std::memset(&isb, 0, sizeof isb);
  Set_Main_Hdr(&isb.spec_mh, wordsof(sizeof(CL_flowspec_t)));
  Set_Serv_Hdr(&isb.spec_u.CL_spec.CL_spec_serv_hdr, CONTROLLED_LOAD_SERV, 6);
  Set_Parm_Hdr(&isb.spec_u.CL_spec.CL_spec_parm_hdr, IS_WKP_TB_TSPEC, 5);
  isb.CLspec_r = 12500;
  IS_serv_hdr_t *sh = First_Serv_Hdr(&isb.spec_mh);
  IS_parm_hdr_t *ph = Next_Parm_Hdr(First_Parm_Hdr(sh));
  std::memset(&qx, 0, sizeof qx);
  qx.source.ss_family = AF_INET6;
  qx.style = QTOQ_STYLE_FF;
  qx.qos_spec.service = CONTROLLED_LOAD_SERV;

  char *next = After_RAPIObj(&f[0]);
  int total = static_cast<int>(next - reinterpret_cast<char *>(f));
  total += static_cast<int>(RAPIObj_Size(&f[1])) + (RAPIObj_data(&fs) == static_cast<void *>(&fs.specbody_u));
  total += static_cast<int>(Intserv_Obj_size(&isb.spec_mh)) + (ph != 0) +
           (Next_Serv_Hdr(sh) == Last_Serv_Hdr(&isb.spec_mh));

  (void)p_session; (void)p_sender; (void)p_reserve; (void)handler; (void)errflags;
  (void)p_release; (void)p_getfd; (void)p_dispatch; (void)p_dispatch_fd;
  (void)p_version; (void)p_strerror; (void)p_fmt_flowspec; (void)p_fmt_tspec;
  (void)p_fmt_adspec; (void)p_fmt_filtspec; (void)p_set_timo; (void)p_status;
  (void)names; (void)errtext; (void)rsvptext; (void)p_qaccept; (void)p_qconnect;
  (void)p_qconnect_ex; (void)p_qioctl; (void)p_qclose;
  return total + n;
}
