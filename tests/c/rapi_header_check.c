/*
 * rapi_header_check.c - rapi.h, rapi_lib.h, rapi_err.h and qtoqsapi.h as C
 * programs see them.
 *
 * Compile-only (rapi_headers.cmake compiles it, never links or runs it):
 * as C89, C99 and C11 with -Wall -Wextra -Werror -pedantic-errors, in the
 * Open Group dialect (default) and the ISI dialect (-DRAPI_ISI_COMPAT).
 *
 *  - every header included twice: the guards hold;
 *  - every function assigned to a pointer of its exact prototype in the
 *    selected dialect (a changed parameter is a constraint violation);
 *  - every type used through sizeof, every constant through an array, every
 *    accessor macro on an object: a misspelling fails;
 *  - compile-time checks of the sizes, offsets and values the reference
 *    sheet fixes, and that every spelling of a constant has one value.
 *
 * C89: no // comments, declarations first.
 */
#ifdef RAPI_ISI_COMPAT
#include "rapi_lib.h"
#endif
#include "rapi.h"
#include "rapi_err.h"
#include "qtoqsapi.h"
#include "rapi.h"
#include "rapi_err.h"
#include "qtoqsapi.h"
#ifdef RAPI_ISI_COMPAT
#include "rapi_lib.h"
#endif

#include <stddef.h>
#include <string.h>

#define CHECK(name, cond) typedef char rapi_check_##name[(cond) ? 1 : -1]

/* ---- dialect ---- */
#ifdef RAPI_ISI_COMPAT
CHECK(dialect_isi, NC_RAPI_DIALECT_ISI == 1);
#else
CHECK(dialect_spec, NC_RAPI_DIALECT_ISI == 0);
#endif

/* ---- values of sheet section 4 and aliases ---- */
CHECK(req_confirm, RAPI_REQ_CONFIRM == 0x20);
CHECK(use_intserv, RAPI_USE_INTSERV == 0x10);
CHECK(gpi_session, RAPI_GPI_SESSION == 0x08);
CHECK(errf, RAPI_ERRF_InPlace == 0x01 && RAPI_ERRF_NotGuilty == 0x02);
CHECK(null_sid, NULL_SID == 0 && RAPI_NULL_SID == 0);
CHECK(version, RAPI_VERSION == 502);
CHECK(qos_svc, QOS_TSPEC == 0 && QOS_CNTR_LOAD == 1 && QOS_GUARANTEED == 2);
CHECK(qos_alias, RAPI_QOS_TSPEC == QOS_TSPEC && RAPI_QOS_CNTR_LOAD == QOS_CNTR_LOAD
      && RAPI_QOS_GUARANTEED == QOS_GUARANTEED && QOS_TSPECX == QOS_TSPEC
      && QOS_GUARANTEEDX == QOS_GUARANTEED);
CHECK(err_gpi, RAPI_ERR_GPI_CONFLICT == 14 && RAPI_ERR_BADPROTO == 15
      && RAPI_ERR_BADVDPORT == 16 && RAPI_ERR_GPISESS == 17);
CHECK(err_send, RAPI_ERR_BADSEND == 21 && RAPI_ERR_BADRECV == 22 && RAPI_ERR_BADSPORT == 23);
CHECK(err_unk, RAPI_ERR_UNSUPPORTED == 254 && RAPI_ERR_UNKNOWN == 255
      && RAPI_ERR_MAXERROR == 255);
CHECK(err_base, RAPI_ERR_OK == 0 && RAPI_ERR_INVAL == 1 && RAPI_ERR_MAXSESS == 2
      && RAPI_ERR_BADSID == 3 && RAPI_ERR_N_FFS == 4 && RAPI_ERR_BADSTYLE == 5
      && RAPI_ERR_SYSCALL == 6 && RAPI_ERR_OVERFLOW == 7 && RAPI_ERR_MEMFULL == 8
      && RAPI_ERR_NORSVP == 9 && RAPI_ERR_OBJTYPE == 10 && RAPI_ERR_OBJLEN == 11
      && RAPI_ERR_NOTSPEC == 12 && RAPI_ERR_INTSERV == 13);
CHECK(rsvp_err, RSVP_Err_NONE == 0 && RSVP_Err_ADMISSION == 1 && RSVP_Err_POLICY == 2
      && RSVP_Err_NO_PATH == 3 && RSVP_Err_NO_SENDER == 4 && RSVP_Err_BAD_STYLE == 5
      && RSVP_Err_UNKNOWN_STYLE == 6 && RSVP_Err_BAD_DSTPORT == 7
      && RSVP_Err_BAD_SNDPORT == 8 && RSVP_Err_PREEMPTED == 12
      && RSVP_Err_UNKN_OBJ_CLASS == 13 && RSVP_Err_UNKNOWN_CTYPE == 14
      && RSVP_Err_API_ERROR == 20 && RSVP_Err_TC_ERROR == 21
      && RSVP_Err_TC_SYS_ERROR == 22 && RSVP_Err_RSVP_SYS_ERROR == 23);
CHECK(rsvp_alias, RSVP_Err_UNKN_OBJ_CLAS == RSVP_Err_UNKN_OBJ_CLASS
      && RSVP_Err_BAD_FILTER == 9 && RSVP_Err_RSVP_STS_ERROR == RSVP_Err_RSVP_SYS_ERROR
      && RSVP_Err_MAXERROR == 23);
CHECK(rsvp_erv, RSVP_Erv_Other == 0 && RSVP_Erv_DelayBnd == 1 && RSVP_Erv_Bandwidth == 2
      && RSVP_Erv_MTU == 3 && RSVP_Erv_Conflict_Serv == 1 && RSVP_Erv_No_Serv == 2
      && RSVP_Erv_Crazy_Flowspec == 3 && RSVP_Erv_Crazy_Tspec == 4
      && RSVP_Erv_Crazy_Adspec == 5 && RSVP_Erv_SS_MASK == 0xC000
      && RSVP_Erv_SS_GLOBAL == 0 && RSVP_Erv_SS_LOCAL == 0x8000
      && RSVP_Erv_SS_SERVICE == 0xC000);
CHECK(styles, RAPI_RSTYLE_WILDCARD == 1 && RAPI_RSTYLE_FIXED == 2 && RAPI_RSTYLE_SE == 3
      && RAPI_RSTYLE_MAX == 3);
CHECK(events, RAPI_PATH_EVENT == 1 && RAPI_RESV_EVENT == 2 && RAPI_PATH_ERROR == 3
      && RAPI_RESV_ERROR == 4 && RAPI_RESV_CONFIRM == 5 && RAPI_PATH_STATUS == 9
      && RAPI_RESV_STATUS == 10);
CHECK(max_sess, MAX_RAPI_SESS == 100);
CHECK(forms, RAPI_EMPTY_OTYPE == 0 && RAPI_FLOWSTYPE_Intserv == 2
      && RAPI_FLOWSTYPE_Simplified == 3 && RAPI_TSPECTYPE_Intserv == 17
      && RAPI_TSPECTYPE_Simplified == 18 && RAPI_ADSTYPE_Intserv == 33
      && RAPI_ADSTYPE_Simplified == 34 && RAPI_FILTERFORM_RSVD1 == 257
      && RAPI_FILTERFORM_BASE == 258 && RAPI_FILTERFORM_GPI == 259
      && RAPI_FILTERFORM_BASE6 == 260 && RAPI_FILTERFORM_GPI6 == 261
      && RAPI_FILTERFORM_V6FL == 262 && RAPI_POLICY_NAME_STRING == 513);
CHECK(policyf, RAPI_POLICYF_INTEGRITY == 1 && RAPI_POLICYF_GLOBAL == 2
      && RAPI_POLICYF_RESP == 4);
CHECK(stat, RAPI_STAT_PATH == 0x80 && RAPI_STAT_RESV == 0x40);
CHECK(tcqos, TC_QOS_POLICE == 0x2 && TC_QOS_NOPOLICE == 0x4 && TC_QOS_SHAPE == 0x8
      && TC_QOS_NOSHAPE == 0x10);
CHECK(xaspec, XASPEC_FLG_BRK == 1 && XASPEC_FLG_IGN == 2 && XASPEC_FLG_PARM == 4
      && XASPEC_FLG_INV == XASPEC_FLG_IGN && RAPI_XASPEC_FLG_BRK == XASPEC_FLG_BRK
      && RAPI_XASPEC_FLG_IGN == XASPEC_FLG_IGN && RAPI_XASPEC_FLG_PARM == XASPEC_FLG_PARM);
CHECK(services, GENERAL_INFO == 1 && GUARANTEED_SERV == 2 && PREDICTIVE_SERV == 3
      && CONTROLLED_DELAY_SERV == 4 && CONTROLLED_LOAD_SERV == 5);
CHECK(isparms, IS_WKP_HOP_CNT == 4 && IS_WKP_PATH_BW == 6 && IS_WKP_MIN_LATENCY == 8
      && IS_WKP_COMPOSED_MTU == 10 && IS_WKP_TB_TSPEC == 127 && IS_GUAR_RSPEC == 130
      && GUAR_ADSPARM_C == 131 && GUAR_ADSPARM_D == 132 && GUAR_ADSPARM_Ctot == 133
      && GUAR_ADSPARM_Dtot == 134 && GUAR_ADSPARM_Csum == 135 && GUAR_ADSPARM_Dsum == 136);
CHECK(isflags, ISSH_BREAK_BIT == 0x80 && ISPH_FLG_INV == 0x80 && INTSERV_VERS_0 == 0);
CHECK(tb_limits, TB_MIN_RATE == 1 && TB_MIN_DEPTH == 1);
CHECK(errlist_sizes, RAPI_ERRLIST_SIZE == 24 && RSVP_ERRLIST_SIZE == 24);
CHECK(qtoq_req, REQ_SIGNAL_RET_EVENTS == 1 && REQ_SIGNAL_NORET_EVENTS == 2
      && REQ_NOSIGNAL == 3 && REQ_GET_RSVP_DATA == 4);
CHECK(qtoq_style, QTOQ_STYLE_WF == RAPI_RSTYLE_WILDCARD && QTOQ_STYLE_FF == RAPI_RSTYLE_FIXED
      && QTOQ_STYLE_SE == RAPI_RSTYLE_SE && QTOQ_RULE_NAME_LEN == 64);

/* ---- sizes and offsets the sheet fixes ---- */
CHECK(sz_hdr, sizeof(rapi_hdr_t) == 8);
CHECK(sz_addr, sizeof(rapi_addr_t) == 16);
CHECK(sz_sid, sizeof(rapi_sid_t) == sizeof(unsigned int));
CHECK(sz_float32, sizeof(float32_t) == 4);
CHECK(sz_enums, sizeof(rapi_format_t) == 4 && sizeof(rapi_styleid_t) == 4
      && sizeof(rapi_eventinfo_t) == 4 && sizeof(qos_service_t) == 4);
CHECK(sz_filt_base, sizeof(rapi_filter_base_t) == 16);
CHECK(sz_filt_gpi, sizeof(rapi_filter_gpi_t) == 8);
CHECK(sz_filt_base6, sizeof(rapi_filter_base6_t) == 28);
CHECK(sz_filt_gpi6, sizeof(rapi_filter_gpi6_t) == 20);
CHECK(sz_filt_v6fl, sizeof(rapi_filter_v6fl_t) == 20);
CHECK(sz_filter, sizeof(rapi_filter_t) == 36 && offsetof(rapi_filter_t, filt_u) == 8);
CHECK(off_filter_hdr, offsetof(rapi_filter_t, len) == 0 && offsetof(rapi_filter_t, form) == 4);
CHECK(sz_tspec_body, sizeof(qos_Tspec_body) == 20
      && offsetof(qos_Tspec_body, spec_Tspec_b) == 0
      && offsetof(qos_Tspec_body, spec_Tspec_r) == 4
      && offsetof(qos_Tspec_body, spec_Tspec_p) == 8
      && offsetof(qos_Tspec_body, spec_Tspec_m) == 12
      && offsetof(qos_Tspec_body, spec_Tspec_M) == 16);
CHECK(sz_flowspecx, sizeof(qos_flowspecx_t) == 32
      && offsetof(qos_flowspecx_t, xspec_Tspec) == 4
      && offsetof(qos_flowspecx_t, xspec_R) == 24
      && offsetof(qos_flowspecx_t, xspec_S) == 28);
CHECK(sz_tspecx, sizeof(qos_tspecx_t) == 24 && offsetof(qos_tspecx_t, xtspec_Tspec) == 4);
CHECK(sz_adspecx, sizeof(qos_adspecx_t) == 68
      && offsetof(qos_adspecx_t, xaspec_hopcnt) == 2
      && offsetof(qos_adspecx_t, xaspec_path_bw) == 4
      && offsetof(qos_adspecx_t, xaspec_composed_MTU) == 12
      && offsetof(qos_adspecx_t, xClaspec_flags) == 16
      && offsetof(qos_adspecx_t, xClaspec_override) == 17
      && offsetof(qos_adspecx_t, xClaspec_hopcnt) == 18
      && offsetof(qos_adspecx_t, xClaspec_composed_MTU) == 28
      && offsetof(qos_adspecx_t, xGaspec_flags) == 32
      && offsetof(qos_adspecx_t, xGaspec_Ctot) == 36
      && offsetof(qos_adspecx_t, xGaspec_Dsum) == 48
      && offsetof(qos_adspecx_t, xGaspec_override) == 52
      && offsetof(qos_adspecx_t, xGaspec_hopcnt) == 54
      && offsetof(qos_adspecx_t, xGaspec_composed_MTU) == 64);
CHECK(sz_is_hdrs, sizeof(IS_main_hdr_t) == 4 && sizeof(IS_serv_hdr_t) == 4
      && sizeof(IS_parm_hdr_t) == 4);
CHECK(sz_is_parms, sizeof(TB_Tsp_parms_t) == 20 && sizeof(guar_Rspec_t) == 8);
CHECK(sz_is_frag, sizeof(gen_Tspec_t) == 28 && sizeof(CL_flowspec_t) == 28
      && sizeof(Guar_flowspec_t) == 40 && sizeof(genparm_parms_t) == 36
      && sizeof(Gads_parms_t) == 36 && sizeof(Min_adspec_t) == 48);
/* IntServ bodies match the wire: CL flowspec [0|7], Guaranteed [0|10], Tspec [0|7]. */
CHECK(sz_is_bodies, sizeof(IS_specbody_t) == 4 + 4 * 10 && sizeof(IS_tspbody_t) == 4 + 4 * 7
      && sizeof(IS_adsbody_t) == 80);
CHECK(sz_descr, sizeof(rapi_flowspec_t) == 8 + 44 && sizeof(rapi_tspec_t) == 8 + 32
      && sizeof(rapi_adspec_t) == 8 + 80
      && offsetof(rapi_flowspec_t, specbody_u) == 8
      && offsetof(rapi_tspec_t, tspecbody_u) == 8
      && offsetof(rapi_adspec_t, adsbody_u) == 8);
#ifdef RAPI_ISI_COMPAT
CHECK(off_policy, offsetof(rapi_policy_t, pol_u) == 12);
#else
CHECK(off_policy, offsetof(rapi_policy_t, pol_u) == 8);
#endif
/* rapi_err.h lists. */
CHECK(errlist_len, sizeof(rapi_errlist) / sizeof(rapi_errlist[0]) == RAPI_ERRLIST_SIZE);
CHECK(rsvplist_len, sizeof(rsvp_errlist) / sizeof(rsvp_errlist[0]) == RSVP_ERRLIST_SIZE);
/* qtoqsapi.h: IBM's unsigned long is 4 bytes; documented leading fields. */
CHECK(qos_spec, sizeof(qos_spec_t) == 24 && offsetof(qos_spec_t, spec_u) == 4);
CHECK(qos_conn_req, offsetof(qos_conn_req, source) == 0
      && offsetof(qos_conn_req, s_length) == 16 && offsetof(qos_conn_req, style) == 20);
CHECK(qos_conn_req_ex, offsetof(qos_conn_req_ex, source) == 0
      && offsetof(qos_conn_req_ex, s_length) == sizeof(struct sockaddr_storage));

/* ---- every prototype, exactly ---- */
#ifdef RAPI_ISI_COMPAT
static int isi_handler(rapi_sid_t sid, rapi_eventinfo_t ev, int style, int code,
                       int value, struct sockaddr *node, u_char flags, int nf,
                       rapi_filter_t *f, int nfl, rapi_flowspec_t *fl, int na,
                       rapi_adspec_t *a, void *arg)
{
  (void)sid; (void)ev; (void)style; (void)code; (void)value; (void)node;
  (void)flags; (void)nf; (void)f; (void)nfl; (void)fl; (void)na; (void)a; (void)arg;
  return 0;
}
#else
static rapi_event_rtn_t spec_handler;
static void spec_handler(rapi_sid_t Sid, rapi_eventinfo_t EventType, rapi_styleid_t Style,
                         int ErrorCode, int ErrorValue, rapi_addr_t *ErrorNode,
                         unsigned int ErrorFlags, int FilterSpecNo,
                         rapi_filter_t *FilterSpec_list, int FlowspecNo,
                         rapi_flowspec_t *Flowspec_list, int AdspecNo,
                         rapi_adspec_t *Adspec_list, void *Event_arg)
{
  (void)Sid; (void)EventType; (void)Style; (void)ErrorCode; (void)ErrorValue;
  (void)ErrorNode; (void)ErrorFlags; (void)FilterSpecNo; (void)FilterSpec_list;
  (void)FlowspecNo; (void)Flowspec_list; (void)AdspecNo; (void)Adspec_list;
  (void)Event_arg;
}
#endif

void rapi_header_check_prototypes(void);
void rapi_header_check_prototypes(void)
{
#ifdef RAPI_ISI_COMPAT
  rapi_sid_t (*p_session)(struct sockaddr *, int, int, rapi_event_rtn_t, void *, int *) =
      rapi_session;
  int (*p_sender)(rapi_sid_t, int, struct sockaddr *, rapi_filter_t *, rapi_tspec_t *,
                  rapi_adspec_t *, rapi_policy_t *, int) = rapi_sender;
  int (*p_reserve)(rapi_sid_t, int, struct sockaddr *, rapi_styleid_t, rapi_stylex_t *,
                   rapi_policy_t *, int, rapi_filter_t *, int, rapi_flowspec_t *) =
      rapi_reserve;
  rapi_event_rtn_t handler = isi_handler;
  int (*p_handler)(rapi_sid_t, rapi_eventinfo_t, int, int, int, struct sockaddr *, u_char,
                   int, rapi_filter_t *, int, rapi_flowspec_t *, int, rapi_adspec_t *,
                   void *) = handler;
#else
  rapi_sid_t (*p_session)(rapi_addr_t *, int, unsigned int, rapi_event_rtn_t *, void *,
                          int *) = rapi_session;
  int (*p_sender)(rapi_sid_t, unsigned int, rapi_addr_t *, rapi_filter_t *, rapi_tspec_t *,
                  rapi_adspec_t *, rapi_policy_t *, int) = rapi_sender;
  int (*p_reserve)(rapi_sid_t, unsigned int, rapi_addr_t *, rapi_styleid_t,
                   rapi_stylex_t *, rapi_policy_t *, int, rapi_filter_t *, int,
                   rapi_flowspec_t *) = rapi_reserve;
  rapi_event_rtn_t *handler = spec_handler;
  void (*p_handler)(rapi_sid_t, rapi_eventinfo_t, rapi_styleid_t, int, int, rapi_addr_t *,
                    unsigned int, int, rapi_filter_t *, int, rapi_flowspec_t *, int,
                    rapi_adspec_t *, void *) = handler;
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
  char **p_rstyle_names = rapi_rstyle_names;
  int (*p_qaccept)(int, int, struct sockaddr *, int *, qos_req *, unsigned int *, int *) =
      qtoq_accept;
  int (*p_qconnect)(int, struct sockaddr *, int, int, qos_conn_req *, unsigned int *,
                    int *) = qtoq_connect;
  int (*p_qconnect_ex)(int, struct sockaddr *, int, int, qos_conn_req_ex *,
                       unsigned int *, int *) = qtoq_connect_ex;
  int (*p_qioctl)(int, int, qos_req *, unsigned int *, int *) = qtoq_ioctl;
  int (*p_qclose)(int, int *, unsigned int *) = qtoq_close;

  (void)p_session; (void)p_sender; (void)p_reserve; (void)p_handler; (void)p_release;
  (void)p_getfd; (void)p_dispatch; (void)p_dispatch_fd; (void)p_version;
  (void)p_strerror; (void)p_fmt_flowspec; (void)p_fmt_tspec; (void)p_fmt_adspec;
  (void)p_fmt_filtspec; (void)p_set_timo; (void)p_status; (void)p_rstyle_names;
  (void)p_qaccept; (void)p_qconnect; (void)p_qconnect_ex; (void)p_qioctl; (void)p_qclose;
}

/* ---- every type, every accessor macro ---- */
size_t rapi_header_check_types(void);
size_t rapi_header_check_types(void)
{
  static const size_t sizes[] = {
    sizeof(rapi_sid_t), sizeof(rapi_addr_t), sizeof(rapi_hdr_t), sizeof(rapi_filter_t),
    sizeof(rapi_filter_base_t), sizeof(rapi_filter_gpi_t), sizeof(rapi_filter_base6_t),
    sizeof(rapi_filter_gpi6_t), sizeof(rapi_filter_v6fl_t), sizeof(rapi_tspec_t),
    sizeof(rapi_flowspec_t), sizeof(rapi_adspec_t), sizeof(rapi_policy_t),
    sizeof(rapi_policy_name_string_t), sizeof(rapi_policy_flags_t),
    sizeof(rapi_styleid_t), sizeof(rapi_eventinfo_t), sizeof(rapi_format_t),
    sizeof(rapi_format), sizeof(rapi_filterform_t), sizeof(float32_t),
    sizeof(qos_service_t), sizeof(rapi_qos_service_t), sizeof(enum qos_service_type),
    sizeof(qos_Tspec_body), sizeof(rapi_qos_Tspec_body), sizeof(qos_flowspecx_t),
    sizeof(rapi_qos_flowspecx_t), sizeof(qos_tspecx_t), sizeof(rapi_qos_tspecx_t),
    sizeof(qos_adspecx_t), sizeof(rapi_qos_adspecx_t), sizeof(IS_main_hdr_t),
    sizeof(IS_serv_hdr_t), sizeof(IS_parm_hdr_t), sizeof(TB_Tsp_parms_t),
    sizeof(guar_Rspec_t), sizeof(gen_Tspec_t), sizeof(CL_flowspec_t),
    sizeof(Guar_flowspec_t), sizeof(Gads_parms_t), sizeof(genparm_parms_t),
    sizeof(Min_adspec_t), sizeof(IS_specbody_t), sizeof(IS_tspbody_t),
    sizeof(IS_adsbody_t), sizeof(rapi_event_rtn_t *),
    sizeof(qos_spec_t), sizeof(struct qos_spec_t), sizeof(qos_req), sizeof(struct qos_req),
    sizeof(qos_conn_req), sizeof(qos_conn_req_ex), sizeof(struct CL_spec),
    sizeof(struct Guar_spec)
  };
  static const double limits[] = { TB_MAX_RATE, TB_MAX_DEPTH };
  rapi_filter_t f[2];
  rapi_flowspec_t fs;
  rapi_tspec_t ts;
  rapi_adspec_t as;
  rapi_policy_t pol;
  IS_specbody_t isb;
  IS_tspbody_t ist;
  IS_adsbody_t isa;
  IS_serv_hdr_t *sh;
  IS_parm_hdr_t *ph;
  qos_req qr;
  qos_conn_req qc;
  qos_conn_req_ex qx;
  char *next;
  size_t total = 0;
  size_t i;
  float peak = (float)TB_MAX_PEAK;

  memset(f, 0, sizeof f);
  f[0].len = sizeof f[0];
  f[0].form = RAPI_FILTERFORM_BASE;
  f[0].rapi_filt4.sin_family = AF_INET;
  f[0].rapi_filtbase4_addr.s_addr = htonl(INADDR_LOOPBACK);
  f[0].rapi_filtbase4_port = htons(5000);
  f[0].rapi_filtbase_port = f[0].rapi_filtbase4_port;
  f[0].rapi_filtbase_addr = f[0].rapi_filtbase4_addr;
  f[0].rapi_filtgpi4.gpi = 0;
  f[0].rapi_filtgpi4_addr = f[0].rapi_filtbase4_addr;
  f[0].rapi_filtgpi4_gpi = htonl(7);
  f[1].form = RAPI_FILTERFORM_BASE6;
  f[1].rapi_filt6.sin6_family = AF_INET6;
  f[1].rapi_filtbase6_addr = in6addr_loopback;
  f[1].rapi_filtbase6_port = htons(5000);
  f[1].rapi_filtgpi6.gpi = 0;
  f[1].rapi_filtgpi6_addr = in6addr_loopback;
  f[1].rapi_filtgpi6_gpi = htonl(7);
  f[1].rapi_filtv6fl.flowlabel = 0;
  f[1].rapi_filtv6fl_addr = in6addr_loopback;
  f[1].rapi_filtv6fl_label = htonl(0x12345);
  f[1].len = sizeof f[1];
  next = After_RAPIObj(&f[0]);
  total += (size_t)(next - (char *)f) + RAPIObj_Size(&f[1]);
  total += (size_t)((char *)RAPIObj_data(&f[0]) - (char *)&f[0]);

  memset(&fs, 0, sizeof fs);
  fs.len = sizeof fs;
  fs.form = RAPI_FLOWSTYPE_Simplified;
  fs.specbody_qosx.spec_type = QOS_GUARANTEEDX;
  fs.specbody_qosx.xspec_r = 12500;
  fs.specbody_qosx.xspec_b = 1000;
  fs.specbody_qosx.xspec_p = peak;
  fs.specbody_qosx.xspec_m = 100;
  fs.specbody_qosx.xspec_M = 1500;
  fs.specbody_qosx.xspec_R = 12500;
  fs.specbody_qosx.xspec_S = 0;
  fs.specbody_IS.CLspec_r = 1;
  fs.specbody_IS.Gspec_R = 1;

  memset(&ts, 0, sizeof ts);
  ts.len = sizeof ts;
  ts.form = RAPI_TSPECTYPE_Simplified;
  ts.tspecbody_qosx.spec_type = QOS_TSPEC;
  ts.tspecbody_qosx.xtspec_r = 1;
  ts.tspecbody_qosx.xtspec_b = 1;
  ts.tspecbody_qosx.xtspec_p = 1;
  ts.tspecbody_qosx.xtspec_m = 1;
  ts.tspecbody_qosx.xtspec_M = 1;
  ts.tspecbody_IS.gtspec_r = 1;

  memset(&as, 0, sizeof as);
  as.len = sizeof as;
  as.form = RAPI_ADSTYPE_Simplified;
  as.adspecbody_qosx.xaspec_flags = XASPEC_FLG_PARM;
  as.adspecbody_qosx.xGaspec_flags = XASPEC_FLG_BRK;
  as.adspecbody_IS.ISads_hopcnt = 1;

  memset(&pol, 0, sizeof pol);
  pol.len = sizeof pol;
  pol.form = RAPI_POLICY_NAME_STRING;
#ifdef RAPI_ISI_COMPAT
  pol.flags = RAPI_POLICYF_GLOBAL;
#endif
  pol.pol_u.name_string.name[0] = '\0';

  /* IntServ builders and walkers. */
  memset(&isb, 0, sizeof isb);
  Set_Main_Hdr(&isb.spec_mh, wordsof(sizeof(Guar_flowspec_t)));
  Set_Serv_Hdr(&isb.spec_u.G_spec.Guar_fspec_serv_hdr, GUARANTEED_SERV,
               wordsof(sizeof(Guar_flowspec_t)) - 1);
  Set_Parm_Hdr(&isb.spec_u.G_spec.Guar_Tspec_parm_hdr, IS_WKP_TB_TSPEC, 5);
  Set_Parm_Hdr(&isb.spec_u.G_spec.Guar_Rspec_parm_hdr, IS_GUAR_RSPEC, 2);
  isb.Gspec_r = 1; isb.Gspec_b = 1; isb.Gspec_p = 1; isb.Gspec_m = 1; isb.Gspec_M = 1;
  isb.Gspec_R = 1; isb.Gspec_S = 1;
  isb.CLspec_b = 1; isb.CLspec_p = 1; isb.CLspec_m = 1; isb.CLspec_M = 1;
  total += (size_t)isb.Gspec_serv + (size_t)isb.CLspec_serv;
  sh = First_Serv_Hdr(&isb.spec_mh);
  ph = First_Parm_Hdr(sh);
  ph = Next_Parm_Hdr(ph);
  sh = Next_Serv_Hdr(sh);
  total += (size_t)((char *)sh - (char *)Last_Serv_Hdr(&isb.spec_mh));
  total += (size_t)Intserv_Obj_size(&isb.spec_mh) + (size_t)ph->isph_parm_num;
  total += (size_t)Intserv_Version(isb.spec_mh.ismh_version);

  memset(&ist, 0, sizeof ist);
  ist.gtspec_b = 1; ist.gtspec_p = 1; ist.gtspec_m = 1; ist.gtspec_M = 1;
  memset(&isa, 0, sizeof isa);
  isa.ISads_path_bw = 1; isa.ISads_min_lat = 1; isa.ISads_MTU = 1;
  isa.ISads_Ctot = 1; isa.ISads_Dtot = 1; isa.ISads_Csum = 1; isa.ISads_Dsum = 1;

  /* qtoq request structures, filled as a program would. */
  memset(&qr, 0, sizeof qr);
  qr.qos_spec.service = CONTROLLED_LOAD_SERV;
  qr.qos_spec.spec_u.CL_spec.TB_Tspec_r = 12500;
  qr.qos_spec.spec_u.CL_spec.TB_Tspec_b = 1000;
  qr.qos_spec.spec_u.CL_spec.TB_Tspec_p = 25000;
  qr.qos_spec.spec_u.CL_spec.TB_Tspec_m = 100;
  qr.qos_spec.spec_u.CL_spec.TB_Tspec_M = 1500;
  qr.s_length = (int)sizeof qr.source;
  qr.d_length = (int)sizeof qr.destination;
  qr.style = QTOQ_STYLE_FF;
  qr.protocol = 17;
  strcpy(qr.rule_name, "video");
  qr.no_signal = 0;
  qr.event_type = RAPI_RESV_EVENT;
  qr.ret_spec.service = GUARANTEED_SERV;
  qr.ret_spec.spec_u.Guar_spec.Guar_R = 1;
  qr.ret_spec.spec_u.Guar_spec.Guar_S = 1;
  qr.error_code = 0;
  qr.error_value = 0;
  memset(&qc, 0, sizeof qc);
  qc.s_length = (int)sizeof qc.source;
  qc.style = QTOQ_STYLE_SE;
  qc.qos_spec = qr.qos_spec;
  qc.flags = RAPI_REQ_CONFIRM;
  qc.protocol = 0;
  memset(&qx, 0, sizeof qx);
  qx.source.ss_family = AF_INET6;
  qx.s_length = (int)sizeof(struct sockaddr_in6);
  qx.style = QTOQ_STYLE_WF;
  qx.qos_spec = qc.qos_spec;
  qx.flags = 0;
  qx.protocol = 6;

  for (i = 0; i < sizeof sizes / sizeof sizes[0]; i++)
    total += sizes[i];
  total += (size_t)limits[0] > 0;
  total += strlen(rapi_errlist[RAPI_ERR_NORSVP]) + strlen(rsvp_errlist[RSVP_Err_ADMISSION]);
  return total + (size_t)f[1].form + (size_t)fs.len + (size_t)ts.len + (size_t)as.len +
         (size_t)pol.len + (size_t)qx.s_length + (size_t)ist.st_mh.ismh_len32b +
         (size_t)isa.adspec_mh.ismh_len32b;
}

/* ---- every constant, through its name ---- */
int rapi_header_check_constants(int i);
int rapi_header_check_constants(int i)
{
  static const int values[] = {
    RAPI_NULL_SID, NULL_SID, MAX_RAPI_SESS, RAPI_VERSION, RAPI_USE_INTSERV,
    RAPI_GPI_SESSION, RAPI_REQ_CONFIRM, TC_QOS_POLICE, TC_QOS_NOPOLICE, TC_QOS_SHAPE,
    TC_QOS_NOSHAPE, RAPI_ERRF_InPlace, RAPI_ERRF_NotGuilty, RAPI_STAT_PATH, RAPI_STAT_RESV,
    RAPI_RSTYLE_WILDCARD, RAPI_RSTYLE_FIXED, RAPI_RSTYLE_SE, RAPI_RSTYLE_MAX,
    RAPI_PATH_EVENT, RAPI_RESV_EVENT, RAPI_PATH_ERROR, RAPI_RESV_ERROR, RAPI_RESV_CONFIRM,
    RAPI_PATH_STATUS, RAPI_RESV_STATUS, RAPI_EMPTY_OTYPE, RAPI_FLOWSTYPE_Intserv,
    RAPI_FLOWSTYPE_Simplified, RAPI_TSPECTYPE_Intserv, RAPI_TSPECTYPE_Simplified,
    RAPI_ADSTYPE_Intserv, RAPI_ADSTYPE_Simplified, RAPI_FILTERFORM_RSVD1,
    RAPI_FILTERFORM_BASE, RAPI_FILTERFORM_GPI, RAPI_FILTERFORM_BASE6, RAPI_FILTERFORM_GPI6,
    RAPI_FILTERFORM_V6FL, RAPI_POLICY_NAME_STRING, RAPI_POLICYF_INTEGRITY,
    RAPI_POLICYF_GLOBAL, RAPI_POLICYF_RESP, QOS_TSPEC, QOS_CNTR_LOAD, QOS_GUARANTEED,
    QOS_TSPECX, QOS_GUARANTEEDX, RAPI_QOS_TSPEC, RAPI_QOS_CNTR_LOAD, RAPI_QOS_GUARANTEED,
    XASPEC_FLG_BRK, XASPEC_FLG_IGN, XASPEC_FLG_PARM, XASPEC_FLG_INV, RAPI_XASPEC_FLG_BRK,
    RAPI_XASPEC_FLG_IGN, RAPI_XASPEC_FLG_PARM, GENERAL_INFO, GUARANTEED_SERV,
    PREDICTIVE_SERV, CONTROLLED_DELAY_SERV, CONTROLLED_LOAD_SERV, IS_WKP_HOP_CNT,
    IS_WKP_PATH_BW, IS_WKP_MIN_LATENCY, IS_WKP_COMPOSED_MTU, IS_WKP_TB_TSPEC,
    IS_GUAR_RSPEC, GUAR_ADSPARM_C, GUAR_ADSPARM_D, GUAR_ADSPARM_Ctot, GUAR_ADSPARM_Dtot,
    GUAR_ADSPARM_Csum, GUAR_ADSPARM_Dsum, TB_MIN_RATE, TB_MIN_DEPTH, ISSH_BREAK_BIT,
    ISPH_FLG_INV, INTSERV_VERS_0,
    RAPI_ERR_OK, RAPI_ERR_INVAL, RAPI_ERR_MAXSESS, RAPI_ERR_BADSID, RAPI_ERR_N_FFS,
    RAPI_ERR_BADSTYLE, RAPI_ERR_SYSCALL, RAPI_ERR_OVERFLOW, RAPI_ERR_MEMFULL,
    RAPI_ERR_NORSVP, RAPI_ERR_OBJTYPE, RAPI_ERR_OBJLEN, RAPI_ERR_NOTSPEC, RAPI_ERR_INTSERV,
    RAPI_ERR_GPI_CONFLICT, RAPI_ERR_BADPROTO, RAPI_ERR_BADVDPORT, RAPI_ERR_GPISESS,
    RAPI_ERR_BADSEND, RAPI_ERR_BADRECV, RAPI_ERR_BADSPORT, RAPI_ERR_UNSUPPORTED,
    RAPI_ERR_UNKNOWN, RAPI_ERR_MAXERROR, RAPI_ERRLIST_SIZE,
    RSVP_Err_NONE, RSVP_Err_ADMISSION, RSVP_Err_POLICY, RSVP_Err_NO_PATH,
    RSVP_Err_NO_SENDER, RSVP_Err_BAD_STYLE, RSVP_Err_UNKNOWN_STYLE, RSVP_Err_BAD_DSTPORT,
    RSVP_Err_BAD_SNDPORT, RSVP_Err_PREEMPTED, RSVP_Err_UNKN_OBJ_CLASS,
    RSVP_Err_UNKNOWN_CTYPE, RSVP_Err_API_ERROR, RSVP_Err_TC_ERROR, RSVP_Err_TC_SYS_ERROR,
    RSVP_Err_RSVP_SYS_ERROR, RSVP_Err_UNKN_OBJ_CLAS, RSVP_Err_BAD_FILTER,
    RSVP_Err_RSVP_STS_ERROR, RSVP_Err_MAXERROR, RSVP_ERRLIST_SIZE,
    RSVP_Erv_Other, RSVP_Erv_DelayBnd, RSVP_Erv_Bandwidth, RSVP_Erv_MTU,
    RSVP_Erv_Conflict_Serv, RSVP_Erv_No_Serv, RSVP_Erv_Crazy_Flowspec,
    RSVP_Erv_Crazy_Tspec, RSVP_Erv_Crazy_Adspec, RSVP_Erv_SS_MASK, RSVP_Erv_SS_GLOBAL,
    RSVP_Erv_SS_LOCAL, RSVP_Erv_SS_SERVICE,
    REQ_SIGNAL_RET_EVENTS, REQ_SIGNAL_NORET_EVENTS, REQ_NOSIGNAL, REQ_GET_RSVP_DATA,
    QTOQ_STYLE_WF, QTOQ_STYLE_FF, QTOQ_STYLE_SE, QTOQ_RULE_NAME_LEN
  };
  return values[i % (int)(sizeof values / sizeof values[0])];
}
