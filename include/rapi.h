/*
 * rapi.h - the RSVP API (RAPI): Open Group C809 dialect, or ISI rsvpd's.
 *
 * Link with -lrsvp (or -lrapi). The library talks to rsvpd over a local
 * socket; the daemon does the protocol (RFC 2205/2210) and admission.
 *
 * Dialects (the call ABI is the same; only the C types differ):
 *  - default: the Open Group C809 ("approved spec", Tru64) dialect.
 *    rapi_event_rtn_t is a FUNCTION type returning void, and rapi_session
 *    takes a pointer to it:  static rapi_event_rtn_t my_upcall;
 *  - RAPI_ISI_COMPAT defined (or #include "rapi_lib.h"): the ISI rsvpd 4.x
 *    (SGI, AIX, z/OS, IBM i) dialect. rapi_event_rtn_t is an int-returning
 *    function POINTER type, handlers take u_char error flags, flags
 *    parameters are int; code casts its handler: (rapi_event_rtn_t) h.
 *    The library ignores the handler's return value.
 *  The dialect is fixed by the first inclusion in a translation unit; a
 *  later rapi_lib.h in the other dialect is an #error.
 *
 * Constants: one numbering; every lineage's spelling is an alias with the
 * same value (NULL_SID = RAPI_NULL_SID, QOS_* = RAPI_QOS_*, ...).
 *
 * Semantics kept by the library (both dialects):
 *  - upcalls run only inside rapi_dispatch(), on the caller's thread, with
 *    no library lock held (an upcall may call rapi_reserve etc.);
 *  - each upcall carries the complete current state, not a delta; object
 *    lists and the objects are valid only during the upcall: copy them;
 *  - object lists are vectors walked by len (After_RAPIObj); objects the
 *    library passes are padded to sizeof(rapi_xxx_t) with len set to it, so
 *    indexing as a C array works too; input lists are walked by len, any
 *    len >= header + body accepted;
 *  - addresses and ports (also inside filters and templates, and GPIs and
 *    flow labels) are in network byte order, everything else host order;
 *  - Simplified and IntServ formats are converted both ways; upcalls use
 *    Simplified unless the session was opened with RAPI_USE_INTSERV;
 *  - rapi_addr_t is struct sockaddr; IPv6 callers pass a cast
 *    struct sockaddr_in6 *: the library looks at sa_family;
 *  - sessions are released by rapi_release or implicitly at process exit.
 *
 * Clean as C89, C99, C11 and C++ (98 and later).
 */
#ifndef NC_RAPI_H
#define NC_RAPI_H

#ifdef RAPI_ISI_COMPAT
#define NC_RAPI_DIALECT_ISI 1
#else
#define NC_RAPI_DIALECT_ISI 0
#endif

#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <stdint.h>
#include <math.h>

#define NC_RAPI_ERR_CODES_ONLY
#include "rapi_err.h"
#undef NC_RAPI_ERR_CODES_ONLY

#if NC_RAPI_DIALECT_ISI && defined(__GLIBC__) && !defined(__USE_MISC)
/* Strict ISO mode hides glibc's BSD u_char; ISI handlers need it. */
typedef unsigned char u_char;
#endif

/* Casts in the macros below, without -Wold-style-cast noise in C++. */
#ifdef __cplusplus
#define NC_RAPI_PCAST(T, x) (reinterpret_cast<T>(x))
#define NC_RAPI_VCAST(T, x) (static_cast<T>(x))
#else
#define NC_RAPI_PCAST(T, x) ((T)(x))
#define NC_RAPI_VCAST(T, x) ((T)(x))
#endif

#ifdef __cplusplus
extern "C" {
#endif

/* ======================================================================
 * Basic types
 */

/* 32-bit IEEE float, as RAPI objects carry rates and sizes. */
typedef float float32_t;

/* Session id: a small non-zero number; 0 is "no session". */
typedef unsigned int rapi_sid_t;
#define RAPI_NULL_SID  0
#define NULL_SID       RAPI_NULL_SID   /* ISI, AIX */

/* Sessions a process may hold at once (ids 1..MAX_RAPI_SESS-1 in ISI). */
#define MAX_RAPI_SESS  100

/* Addresses: struct sockaddr (16 bytes); IPv6 as cast sockaddr_in6 *. */
typedef struct sockaddr rapi_addr_t;

/* rapi_version() returns RAPI_VERSION = 100 * major + minor. */
#define RAPI_VERSION   502

/* ---- flags ---- */
/* rapi_session Flags. */
#define RAPI_USE_INTSERV   0x10  /* upcalls in IntServ format (AIX spelled 0x1) */
#define RAPI_GPI_SESSION   0x08  /* Dest port is a virtual port; GPI filters */
/* rapi_reserve Flags: one RAPI_RESV_CONFIRM upcall for this request. */
#define RAPI_REQ_CONFIRM   0x20
/* rapi_sender Flags (AIX traffic-control hints; accepted, advisory). */
#define TC_QOS_POLICE      0x02
#define TC_QOS_NOPOLICE    0x04
#define TC_QOS_SHAPE       0x08
#define TC_QOS_NOSHAPE     0x10
/* Upcall ErrorFlags. */
#define RAPI_ERRF_InPlace   0x01 /* a smaller reservation remains in place */
#define RAPI_ERRF_NotGuilty 0x02 /* merged with a larger request upstream */
/* rapi_status flags (ISI test extension). */
#define RAPI_STAT_PATH     0x80  /* report path state (RAPI_PATH_STATUS upcalls) */
#define RAPI_STAT_RESV     0x40  /* report reservation state (RAPI_RESV_STATUS) */

/* ---- reservation styles ---- */
typedef enum {
  RAPI_RSTYLE_WILDCARD = 1,  /* WF: <= 1 flowspec, 0 or 1 wildcard filter */
  RAPI_RSTYLE_FIXED    = 2,  /* FF: filters and flowspecs in equal pairs */
  RAPI_RSTYLE_SE       = 3   /* SE: one flowspec, one or more filters */
} rapi_styleid_t;
#define RAPI_RSTYLE_MAX 3
/* Style extension: no extensions are defined; pass NULL. */
typedef void rapi_stylex_t;

/* ---- upcall event types ---- */
typedef enum {
  RAPI_PATH_EVENT   = 1,   /* path state: senders' templates, Tspecs, Adspecs */
  RAPI_RESV_EVENT   = 2,   /* reservation state reaching the sender */
  RAPI_PATH_ERROR   = 3,   /* PathErr: ErrorCode/Value/Node/Flags valid */
  RAPI_RESV_ERROR   = 4,   /* ResvErr: ErrorCode/Value/Node/Flags valid */
  RAPI_RESV_CONFIRM = 5,   /* ResvConf for a RAPI_REQ_CONFIRM reservation */
  RAPI_PATH_STATUS  = 9,   /* ISI-private: rapi_status report */
  RAPI_RESV_STATUS  = 10   /* ISI-private: rapi_status report */
} rapi_eventinfo_t;

/* ---- object forms ---- */
typedef enum {
  RAPI_EMPTY_OTYPE          = 0,   /* empty object: a bare header */
  RAPI_FLOWSTYPE_Intserv    = 2,   /* flowspec, IntServ body (IS_specbody_t) */
  RAPI_FLOWSTYPE_Simplified = 3,   /* flowspec, Simplified (qos_flowspecx_t) */
  RAPI_TSPECTYPE_Intserv    = 17,  /* Tspec, IntServ (IS_tspbody_t) */
  RAPI_TSPECTYPE_Simplified = 18,  /* Tspec, Simplified (qos_tspecx_t) */
  RAPI_ADSTYPE_Intserv      = 33,  /* Adspec, IntServ (IS_adsbody_t) */
  RAPI_ADSTYPE_Simplified   = 34,  /* Adspec, Simplified (qos_adspecx_t) */
  RAPI_FILTERFORM_RSVD1     = 257, /* Tru64: reserved */
  RAPI_FILTERFORM_BASE      = 258, /* IPv4 address + port (rapi_filter_base_t) */
  RAPI_FILTERFORM_GPI       = 259, /* IPv4 address + GPI (rapi_filter_gpi_t) */
  RAPI_FILTERFORM_BASE6     = 260, /* IPv6 address + port (rapi_filter_base6_t) */
  RAPI_FILTERFORM_GPI6      = 261, /* IPv6 address + GPI (rapi_filter_gpi6_t) */
  RAPI_FILTERFORM_V6FL      = 262, /* IPv6 address + flow label (project-chosen number) */
  RAPI_POLICY_NAME_STRING   = 513  /* policy: a name string */
} rapi_format_t;
typedef rapi_format_t rapi_format;        /* ISI spelling */
typedef rapi_format_t rapi_filterform_t;  /* ISI spelling */

/* ======================================================================
 * Object header and list walking
 *
 * Every RAPI object starts with { len, form }: len is the total size of
 * the object in bytes including the header (a multiple of 4), form one of
 * rapi_format_t. Both dialects have the same 8-byte layout (ISI: two
 * ints; spec: unsigned int and the enum).
 */
#if NC_RAPI_DIALECT_ISI
#define NC_RAPI_OBJHDR  int len; int form;
#else
#define NC_RAPI_OBJHDR  unsigned int len; rapi_format_t form;
#endif

typedef struct {
  NC_RAPI_OBJHDR
} rapi_hdr_t;

#define RAPIObj_Size(p)   (NC_RAPI_PCAST(rapi_hdr_t *, p)->len)
#define RAPIObj_data(p)   NC_RAPI_PCAST(void *, NC_RAPI_PCAST(rapi_hdr_t *, p) + 1)
#define After_RAPIObj(p)  (NC_RAPI_PCAST(char *, p) + NC_RAPI_PCAST(rapi_hdr_t *, p)->len)

/* ======================================================================
 * IntServ data structures (RFC 2210; C809 "Integrated Services Data
 * Structures"). Lengths are in 32-bit words excluding the 4-byte header.
 * Fields are in host order in RAPI objects.
 */
/* Service numbers. */
#define GENERAL_INFO           1
#define GUARANTEED_SERV        2
#define PREDICTIVE_SERV        3
#define CONTROLLED_DELAY_SERV  4
#define CONTROLLED_LOAD_SERV   5
/* Parameter numbers. */
#define IS_WKP_HOP_CNT         4
#define IS_WKP_PATH_BW         6
#define IS_WKP_MIN_LATENCY     8
#define IS_WKP_COMPOSED_MTU    10
#define IS_WKP_TB_TSPEC        127
#define IS_GUAR_RSPEC          130
#define GUAR_ADSPARM_C         131
#define GUAR_ADSPARM_D         132
#define GUAR_ADSPARM_Ctot      133
#define GUAR_ADSPARM_Dtot      134
#define GUAR_ADSPARM_Csum      135
#define GUAR_ADSPARM_Dsum      136
/* Token bucket limits (bytes/s, bytes). */
#define TB_MIN_RATE            1
#define TB_MAX_RATE            40e12
#define TB_MIN_DEPTH           1
#define TB_MAX_DEPTH           250e9
#define TB_MAX_PEAK            HUGE_VAL   /* +infinity */
/* IntServ message format version (high nibble of ismh_version). */
#define INTSERV_VERS_0         0
#define Intserv_Version(x)     (((x) >> 4) & 0x0f)

/* Main header: version in the high nibble, length of the body in words. */
typedef struct {
  uint8_t  ismh_version;
  uint8_t  ismh_unused;
  uint16_t ismh_len32b;
} IS_main_hdr_t;

/* Per-service header. */
typedef struct {
  uint8_t  issh_service;
  uint8_t  issh_flags;       /* ISSH_BREAK_BIT */
  uint16_t issh_len32b;
} IS_serv_hdr_t;
#define ISSH_BREAK_BIT  0x80  /* a node on the path lacks this service */

/* Per-parameter header. */
typedef struct {
  uint8_t  isph_parm_num;
  uint8_t  isph_flags;       /* ISPH_FLG_INV */
  uint16_t isph_len32b;
} IS_parm_hdr_t;
#define ISPH_FLG_INV    0x80  /* parameter not valid */

/* Token bucket Tspec parameters: r, b (bytes/s, bytes), p, m, M. */
typedef struct {
  float32_t TB_Tspec_r;
  float32_t TB_Tspec_b;
  float32_t TB_Tspec_p;
  uint32_t  TB_Tspec_m;
  uint32_t  TB_Tspec_M;
} TB_Tsp_parms_t;

/* Guaranteed Rspec: rate R (bytes/s), slack S (microseconds). */
typedef struct {
  float32_t Guar_R;
  uint32_t  Guar_S;
} guar_Rspec_t;

/* Generic (sender) Tspec fragment: service 1, parameter 127. */
typedef struct {
  IS_serv_hdr_t  gen_Tspec_serv_hdr;
  IS_parm_hdr_t  gen_Tspec_parm_hdr;
  TB_Tsp_parms_t gen_Tspec_parms;
} gen_Tspec_t;

/* Controlled-Load flowspec fragment: service 5, parameter 127. */
typedef struct {
  IS_serv_hdr_t  CL_spec_serv_hdr;
  IS_parm_hdr_t  CL_spec_parm_hdr;
  TB_Tsp_parms_t CL_spec_parms;
} CL_flowspec_t;

/* Guaranteed flowspec fragment: service 2, parameters 127 and 130. */
typedef struct {
  IS_serv_hdr_t  Guar_fspec_serv_hdr;
  IS_parm_hdr_t  Guar_Tspec_parm_hdr;
  TB_Tsp_parms_t Guar_Tspec_parms;
  IS_parm_hdr_t  Guar_Rspec_parm_hdr;
  guar_Rspec_t   Guar_Rspec_parms;
} Guar_flowspec_t;

/* Guaranteed Adspec fragment: service 2, Ctot, Dtot, Csum, Dsum. */
typedef struct {
  IS_serv_hdr_t Gads_serv_hdr;
  IS_parm_hdr_t Gads_Ctot_hdr;
  uint32_t      Gads_Ctot;
  IS_parm_hdr_t Gads_Dtot_hdr;
  uint32_t      Gads_Dtot;
  IS_parm_hdr_t Gads_Csum_hdr;
  uint32_t      Gads_Csum;
  IS_parm_hdr_t Gads_Dsum_hdr;
  uint32_t      Gads_Dsum;
} Gads_parms_t;

/* General characterization parameters: service 1, parameters 4, 6, 8, 10. */
typedef struct {
  IS_serv_hdr_t gen_parm_hdr;
  IS_parm_hdr_t gen_parm_hopcnt_hdr;
  uint32_t      gen_parm_hopcnt;
  IS_parm_hdr_t gen_parm_pathbw_hdr;
  float32_t     gen_parm_path_bw;
  IS_parm_hdr_t gen_parm_minlat_hdr;
  uint32_t      gen_parm_min_latency;
  IS_parm_hdr_t gen_parm_compmtu_hdr;
  uint32_t      gen_parm_composed_MTU;
} genparm_parms_t;

/* Smallest useful Adspec body: general parameters plus empty Guaranteed
 * and Controlled-Load fragments. */
typedef struct {
  IS_main_hdr_t   mad_mh;
  genparm_parms_t mad_genparms;
  IS_serv_hdr_t   mad_Guar_hdr;
  IS_serv_hdr_t   mad_CL_hdr;
} Min_adspec_t;

/* IntServ flowspec body (RAPI_FLOWSTYPE_Intserv). */
typedef struct {
  IS_main_hdr_t spec_mh;
  union {
    CL_flowspec_t   CL_spec;
    Guar_flowspec_t G_spec;
  } spec_u;
} IS_specbody_t;

/* IntServ Tspec body (RAPI_TSPECTYPE_Intserv). */
typedef struct {
  IS_main_hdr_t st_mh;
  gen_Tspec_t   st_tspec;
} IS_tspbody_t;

/* IntServ Adspec body (RAPI_ADSTYPE_Intserv): general parameters, the
 * Guaranteed fragment, an empty Controlled-Load fragment. Longer adspecs
 * (override parameters) are walked by the length fields. */
typedef struct {
  IS_main_hdr_t   adspec_mh;
  genparm_parms_t adspec_genparms;
  Gads_parms_t    adspec_Gads;
  IS_serv_hdr_t   adspec_CL_hdr;
} IS_adsbody_t;

/* Accessors on an IS_specbody_t (p->CLspec_r) ... */
#define CLspec_serv   spec_u.CL_spec.CL_spec_serv_hdr.issh_service
#define CLspec_r      spec_u.CL_spec.CL_spec_parms.TB_Tspec_r
#define CLspec_b      spec_u.CL_spec.CL_spec_parms.TB_Tspec_b
#define CLspec_p      spec_u.CL_spec.CL_spec_parms.TB_Tspec_p
#define CLspec_m      spec_u.CL_spec.CL_spec_parms.TB_Tspec_m
#define CLspec_M      spec_u.CL_spec.CL_spec_parms.TB_Tspec_M
#define Gspec_serv    spec_u.G_spec.Guar_fspec_serv_hdr.issh_service
#define Gspec_r       spec_u.G_spec.Guar_Tspec_parms.TB_Tspec_r
#define Gspec_b       spec_u.G_spec.Guar_Tspec_parms.TB_Tspec_b
#define Gspec_p       spec_u.G_spec.Guar_Tspec_parms.TB_Tspec_p
#define Gspec_m       spec_u.G_spec.Guar_Tspec_parms.TB_Tspec_m
#define Gspec_M       spec_u.G_spec.Guar_Tspec_parms.TB_Tspec_M
#define Gspec_R       spec_u.G_spec.Guar_Rspec_parms.Guar_R
#define Gspec_S       spec_u.G_spec.Guar_Rspec_parms.Guar_S
/* ... on an IS_tspbody_t (p->gtspec_r) ... */
#define gtspec_r      st_tspec.gen_Tspec_parms.TB_Tspec_r
#define gtspec_b      st_tspec.gen_Tspec_parms.TB_Tspec_b
#define gtspec_p      st_tspec.gen_Tspec_parms.TB_Tspec_p
#define gtspec_m      st_tspec.gen_Tspec_parms.TB_Tspec_m
#define gtspec_M      st_tspec.gen_Tspec_parms.TB_Tspec_M
/* ... and on an IS_adsbody_t. */
#define ISads_hopcnt   adspec_genparms.gen_parm_hopcnt
#define ISads_path_bw  adspec_genparms.gen_parm_path_bw
#define ISads_min_lat  adspec_genparms.gen_parm_min_latency
#define ISads_MTU      adspec_genparms.gen_parm_composed_MTU
#define ISads_Ctot     adspec_Gads.Gads_Ctot
#define ISads_Dtot     adspec_Gads.Gads_Dtot
#define ISads_Csum     adspec_Gads.Gads_Csum
#define ISads_Dsum     adspec_Gads.Gads_Dsum

/* Words of x bytes (rounded up); header builders and walkers. */
#define wordsof(x)  (((x) + 3) / 4)
#define Set_Main_Hdr(p, len32) \
  ((p)->ismh_version = (INTSERV_VERS_0 << 4), (p)->ismh_unused = 0, \
   (p)->ismh_len32b = NC_RAPI_VCAST(uint16_t, len32))
#define Set_Serv_Hdr(p, svc, len32) \
  ((p)->issh_service = NC_RAPI_VCAST(uint8_t, svc), (p)->issh_flags = 0, \
   (p)->issh_len32b = NC_RAPI_VCAST(uint16_t, len32))
#define Set_Parm_Hdr(p, parm, len32) \
  ((p)->isph_parm_num = NC_RAPI_VCAST(uint8_t, parm), (p)->isph_flags = 0, \
   (p)->isph_len32b = NC_RAPI_VCAST(uint16_t, len32))
/* Size in bytes of an IntServ body, header included. */
#define Intserv_Obj_size(mh)  (4 * ((mh)->ismh_len32b + 1))
#define First_Serv_Hdr(mh)    NC_RAPI_PCAST(IS_serv_hdr_t *, NC_RAPI_PCAST(IS_main_hdr_t *, mh) + 1)
#define Next_Serv_Hdr(sh) \
  NC_RAPI_PCAST(IS_serv_hdr_t *, NC_RAPI_PCAST(uint32_t *, sh) + 1 + (sh)->issh_len32b)
#define First_Parm_Hdr(sh)    NC_RAPI_PCAST(IS_parm_hdr_t *, NC_RAPI_PCAST(IS_serv_hdr_t *, sh) + 1)
#define Next_Parm_Hdr(ph) \
  NC_RAPI_PCAST(IS_parm_hdr_t *, NC_RAPI_PCAST(uint32_t *, ph) + 1 + (ph)->isph_len32b)
#define Last_Serv_Hdr(mh) \
  NC_RAPI_PCAST(IS_serv_hdr_t *, NC_RAPI_PCAST(uint32_t *, mh) + 1 + (mh)->ismh_len32b)

/* ======================================================================
 * Simplified format (spec names rapi_*, ISI/AIX/z/OS names without)
 */
/* Service of a Simplified object. 0/1/2 in every spelling: ISI code may
 * leave a zeroed spec_type meaning "generic Tspec" (Tru64 used 1/2/3). */
typedef enum qos_service_type {
  QOS_TSPEC       = 0,   /* generic (sender) Tspec */
  QOS_CNTR_LOAD   = 1,   /* Controlled-Load */
  QOS_GUARANTEED  = 2,   /* Guaranteed */
  QOS_TSPECX      = 0,   /* ISI alias */
  QOS_GUARANTEEDX = 2,   /* ISI alias: Guaranteed, extended form */
  RAPI_QOS_TSPEC      = 0,
  RAPI_QOS_CNTR_LOAD  = 1,
  RAPI_QOS_GUARANTEED = 2
} qos_service_t;
typedef qos_service_t rapi_qos_service_t;

/* Token bucket: rates in bytes/s, sizes in bytes. */
typedef struct {
  float32_t spec_Tspec_b;   /* bucket depth */
  float32_t spec_Tspec_r;   /* rate */
  float32_t spec_Tspec_p;   /* peak rate */
  uint32_t  spec_Tspec_m;   /* minimum policed unit */
  uint32_t  spec_Tspec_M;   /* maximum packet size */
} qos_Tspec_body;
typedef qos_Tspec_body rapi_qos_Tspec_body;

/* Simplified flowspec (CL: QOS_CNTR_LOAD; GS: QOS_GUARANTEED(X)). */
typedef struct {
  qos_service_t  spec_type;
  qos_Tspec_body xspec_Tspec;
  float32_t      xspec_R;   /* Guaranteed rate, bytes/s */
  uint32_t       xspec_S;   /* Guaranteed slack, microseconds */
} qos_flowspecx_t;
typedef qos_flowspecx_t rapi_qos_flowspecx_t;
#define xspec_b  xspec_Tspec.spec_Tspec_b
#define xspec_r  xspec_Tspec.spec_Tspec_r
#define xspec_p  xspec_Tspec.spec_Tspec_p
#define xspec_m  xspec_Tspec.spec_Tspec_m
#define xspec_M  xspec_Tspec.spec_Tspec_M

/* Simplified (sender) Tspec. */
typedef struct {
  qos_service_t  spec_type;  /* QOS_TSPEC */
  qos_Tspec_body xtspec_Tspec;
} qos_tspecx_t;
typedef qos_tspecx_t rapi_qos_tspecx_t;
#define xtspec_b  xtspec_Tspec.spec_Tspec_b
#define xtspec_r  xtspec_Tspec.spec_Tspec_r
#define xtspec_p  xtspec_Tspec.spec_Tspec_p
#define xtspec_m  xtspec_Tspec.spec_Tspec_m
#define xtspec_M  xtspec_Tspec.spec_Tspec_M

/* Simplified Adspec: general, Controlled-Load and Guaranteed parts. */
typedef struct {
  uint8_t   xaspec_flags;          /* XASPEC_FLG_* */
  uint16_t  xaspec_hopcnt;
  float32_t xaspec_path_bw;
  uint32_t  xaspec_min_latency;
  uint32_t  xaspec_composed_MTU;

  uint8_t   xClaspec_flags;
  uint8_t   xClaspec_override;
  uint16_t  xClaspec_hopcnt;
  float32_t xClaspec_path_bw;
  uint32_t  xClaspec_min_latency;
  uint32_t  xClaspec_composed_MTU;

  uint8_t   xGaspec_flags;
  uint32_t  xGaspec_Ctot;
  uint32_t  xGaspec_Dtot;
  uint32_t  xGaspec_Csum;
  uint32_t  xGaspec_Dsum;
  uint8_t   xGaspec_override;
  uint16_t  xGaspec_hopcnt;
  float32_t xGaspec_path_bw;
  uint32_t  xGaspec_min_latency;
  uint32_t  xGaspec_composed_MTU;
} qos_adspecx_t;
typedef qos_adspecx_t rapi_qos_adspecx_t;
#define XASPEC_FLG_BRK   0x01   /* break bit: service missing on the path */
#define XASPEC_FLG_IGN   0x02   /* ignore this part */
#define XASPEC_FLG_PARM  0x04   /* override parameters present */
#define XASPEC_FLG_INV   XASPEC_FLG_IGN   /* ISI */
#define RAPI_XASPEC_FLG_BRK   XASPEC_FLG_BRK   /* Tru64 */
#define RAPI_XASPEC_FLG_IGN   XASPEC_FLG_IGN
#define RAPI_XASPEC_FLG_PARM  XASPEC_FLG_PARM

/* ======================================================================
 * RAPI descriptors: 8-byte header + union of Simplified and IntServ body
 */
/* Flowspec (form RAPI_FLOWSTYPE_Simplified or _Intserv). */
typedef struct {
  NC_RAPI_OBJHDR
  union {
    qos_flowspecx_t qosx;
    IS_specbody_t   IS;
  } specbody_u;
} rapi_flowspec_t;
#define specbody_qosx  specbody_u.qosx
#define specbody_IS    specbody_u.IS

/* Sender Tspec (form RAPI_TSPECTYPE_Simplified or _Intserv). */
typedef struct {
  NC_RAPI_OBJHDR
  union {
    qos_tspecx_t qosxt;
    IS_tspbody_t ISt;
  } tspecbody_u;
} rapi_tspec_t;
#define tspecbody_qosx  tspecbody_u.qosxt
#define tspecbody_IS    tspecbody_u.ISt

/* Adspec (form RAPI_ADSTYPE_Simplified or _Intserv). */
typedef struct {
  NC_RAPI_OBJHDR
  union {
    qos_adspecx_t adsx;
    IS_adsbody_t  ISa;
  } adsbody_u;
} rapi_adspec_t;
#define adspecbody_qosx  adsbody_u.adsx
#define adspecbody_IS    adsbody_u.ISa

/* ---- filter specs and sender templates (addresses/ports network order) ---- */
typedef struct {
  struct sockaddr_in sender;      /* sin_addr and sin_port */
} rapi_filter_base_t;
typedef struct {
  struct in_addr sender;
  uint32_t       gpi;             /* generalized port id, network order */
} rapi_filter_gpi_t;
typedef struct {
  struct sockaddr_in6 sender;     /* sin6_addr and sin6_port */
} rapi_filter_base6_t;
typedef struct {
  struct in6_addr sender;
  uint32_t        gpi;            /* network order */
} rapi_filter_gpi6_t;
/* IPv6 flow-label filter (RSVP C-Type 3; project-chosen layout). */
typedef struct {
  struct in6_addr sender;
  uint32_t        flowlabel;      /* low 20 bits, network order */
} rapi_filter_v6fl_t;

typedef struct {
  NC_RAPI_OBJHDR                  /* form RAPI_FILTERFORM_* */
  union {
    rapi_filter_base_t  base;
    rapi_filter_gpi_t   gpi;
    rapi_filter_base6_t base6;
    rapi_filter_gpi6_t  gpi6;
    rapi_filter_v6fl_t  v6fl;
  } filt_u;
} rapi_filter_t;
/* Spec accessors (on a rapi_filter_t, e.g. f.rapi_filtbase4_port). */
#define rapi_filt4            filt_u.base.sender
#define rapi_filtbase4_addr   filt_u.base.sender.sin_addr
#define rapi_filtbase4_port   filt_u.base.sender.sin_port
#define rapi_filtgpi4         filt_u.gpi
#define rapi_filtgpi4_addr    filt_u.gpi.sender
#define rapi_filtgpi4_gpi     filt_u.gpi.gpi
#define rapi_filt6            filt_u.base6.sender
#define rapi_filtbase6_addr   filt_u.base6.sender.sin6_addr
#define rapi_filtbase6_port   filt_u.base6.sender.sin6_port
#define rapi_filtgpi6         filt_u.gpi6
#define rapi_filtgpi6_addr    filt_u.gpi6.sender
#define rapi_filtgpi6_gpi     filt_u.gpi6.gpi
#define rapi_filtv6fl         filt_u.v6fl
#define rapi_filtv6fl_addr    filt_u.v6fl.sender
#define rapi_filtv6fl_label   filt_u.v6fl.flowlabel
/* ISI accessors. */
#define rapi_filtbase_addr    rapi_filtbase4_addr
#define rapi_filtbase_port    rapi_filtbase4_port

/* ---- policy data ---- */
/* Carried opaquely to rsvpd (the ISI flags word is part of the bytes). */
typedef unsigned int rapi_policy_flags_t;
#define RAPI_POLICYF_INTEGRITY  0x1
#define RAPI_POLICYF_GLOBAL     0x2
#define RAPI_POLICYF_RESP       0x4
typedef struct {
  char name[1];                   /* NUL-terminated, extends to len */
} rapi_policy_name_string_t;
typedef struct {
  NC_RAPI_OBJHDR                  /* form RAPI_POLICY_NAME_STRING */
#if NC_RAPI_DIALECT_ISI
  rapi_policy_flags_t flags;      /* ISI only */
#endif
  union {
    rapi_policy_name_string_t name_string;
  } pol_u;
} rapi_policy_t;

/* ======================================================================
 * Upcall type and functions
 *
 * Upcall arguments: Sid and EventType; Style (non-zero only for
 * RESV_EVENT/RESV_ERROR); ErrorCode (RSVP_Err_*; with 20 the ErrorValue is
 * a RAPI_ERR_* code), ErrorValue, ErrorNode, ErrorFlags (RAPI_ERRF_*), only
 * for errors; then three lists, each a count and a vector walked by len
 * (count 0 = NULL list):
 *  PATH_EVENT: FilterSpec = the senders' templates, Flowspec = their
 *    Tspecs (rapi_tspec_t objects), Adspec = their Adspecs, equal lengths;
 *    a missing object is an empty object; AdspecNo is 0 when all are empty;
 *  RESV_EVENT: 0+ filters, 0 or 1 flowspec (0 = torn down), no adspecs;
 *  RESV_CONFIRM: the confirmed filters and flowspec.
 * After teardown an upcall with zero counts and NULL lists may come.
 */
#if NC_RAPI_DIALECT_ISI

/* ISI: int-returning function pointer; the return value is ignored. */
typedef int (*rapi_event_rtn_t)(rapi_sid_t sid, rapi_eventinfo_t event,
    int style, int errcode, int errvalue, struct sockaddr *errnode,
    u_char errflags, int nfilt, rapi_filter_t *filters,
    int nflow, rapi_flowspec_t *flows, int nads, rapi_adspec_t *adspecs,
    void *arg);
#define NC_RAPI_FLAGS_T   int
#define NC_RAPI_EVENT_RTN rapi_event_rtn_t

#else

/* Open Group: a function type; rapi_session takes rapi_event_rtn_t *. */
typedef void rapi_event_rtn_t(rapi_sid_t Sid, rapi_eventinfo_t EventType,
    rapi_styleid_t Style, int ErrorCode, int ErrorValue,
    rapi_addr_t *ErrorNode, unsigned int ErrorFlags,
    int FilterSpecNo, rapi_filter_t *FilterSpec_list,
    int FlowspecNo, rapi_flowspec_t *Flowspec_list,
    int AdspecNo, rapi_adspec_t *Adspec_list, void *Event_arg);
#define NC_RAPI_FLAGS_T   unsigned int
#define NC_RAPI_EVENT_RTN rapi_event_rtn_t *

#endif

/*
 * Opens an API session to Dest (address and port, network order; IPv4 or
 * IPv6) for protocol Protid (0 means 17, UDP). Flags: RAPI_USE_INTSERV,
 * RAPI_GPI_SESSION. The first call connects to rsvpd. Returns a non-zero
 * sid, or RAPI_NULL_SID with *Errnop set: RAPI_ERR_INVAL (NULL Dest, bad
 * family), RAPI_ERR_NORSVP (no daemon), RAPI_ERR_MAXSESS. PATH_EVENT
 * upcalls for the session may follow. Event_arg is passed to each upcall.
 */
rapi_sid_t rapi_session(rapi_addr_t *Dest, int Protid, NC_RAPI_FLAGS_T Flags,
                        NC_RAPI_EVENT_RTN Event_rtn, void *Event_arg,
                        int *Errnop);

/*
 * Defines, redefines or (LHost NULL) withdraws the session's only sender;
 * the latest call wins. LHost INADDR_ANY = default local address; port 0 is
 * allowed. SenderTemplate NULL = built from Dest and LHost (a template
 * overrides LHost). SenderTspec is required (else RAPI_ERR_NOTSPEC);
 * SenderAdspec and SenderPolicy may be NULL. TTL: multicast data TTL.
 * Returns 0 or RAPI_ERR_BADSID, _NOTSPEC, _GPISESS, _INVAL, _NORSVP ...
 * RESV_EVENT or PATH_ERROR upcalls may follow.
 */
int rapi_sender(rapi_sid_t Sid, NC_RAPI_FLAGS_T Flags, rapi_addr_t *LHost,
                rapi_filter_t *SenderTemplate, rapi_tspec_t *SenderTspec,
                rapi_adspec_t *SenderAdspec, rapi_policy_t *SenderPolicy,
                int TTL);

/*
 * Makes, modifies or deletes the reservation; the latest call wins.
 * FlowspecNo 0 removes it (ResvTear) and keeps the session. RHost NULL or
 * INADDR_ANY lets the library choose. Flags: RAPI_REQ_CONFIRM (one
 * RAPI_RESV_CONFIRM upcall). Counts per style (else RAPI_ERR_N_FFS):
 * WF 0-1 filters and exactly 1 flowspec; FF equal non-zero counts, paired;
 * SE 1 flowspec and 1+ filters. Unknown style RAPI_ERR_BADSTYLE; NULL list
 * with a count RAPI_ERR_INVAL; bad sid RAPI_ERR_BADSID. RESV_ERROR or
 * RESV_CONFIRM upcalls may follow.
 */
int rapi_reserve(rapi_sid_t Sid, NC_RAPI_FLAGS_T Flags, rapi_addr_t *RHost,
                 rapi_styleid_t StyleId, rapi_stylex_t *Style_Ext,
                 rapi_policy_t *Rcvr_Policy,
                 int FilterSpecNo, rapi_filter_t *FilterSpec_list,
                 int FlowspecNo, rapi_flowspec_t *Flowspec_list);

/* Tears down the session's sender and reservation and frees the sid at
 * once. Returns 0, RAPI_ERR_BADSID or RAPI_ERR_NORSVP. */
int rapi_release(rapi_sid_t Sid);

/* A real descriptor, readable exactly when rapi_dispatch has work; the same
 * for every session of the process; valid until rapi_release. -1 for an
 * unknown sid. */
int rapi_getfd(rapi_sid_t Sid);

/* Runs every pending upcall of every session on the caller's thread and
 * returns 0, or a RAPI error (RAPI_ERR_NORSVP when rsvpd went away). */
int rapi_dispatch(void);

/* Like rapi_dispatch, for the descriptor fd from rapi_getfd (Tru64). */
int rapi_dispatch_fd(int fd);

/* RAPI_VERSION (502). */
int rapi_version(void);

/* Text of an error: (RSVP_Err_API_ERROR, v) gives the RAPI text of v;
 * (c, any) the RSVP text of code c; NULL when out of range. */
const char *rapi_strerror(int ErrorCode, int ErrorValue);

/* Formats an object into buf (at most len bytes, always NUL-terminated
 * when len > 0). The text is implementation-defined; no DNS look-ups. */
void rapi_fmt_flowspec(rapi_flowspec_t *spec, char *buf, int len);
void rapi_fmt_tspec(rapi_tspec_t *tspec, char *buf, int len);
void rapi_fmt_adspec(rapi_adspec_t *adspec, char *buf, int len);
void rapi_fmt_filtspec(rapi_filter_t *filter, char *buf, int len);

/* ISI extras. */
/* Style names by rapi_styleid_t: {"?", "WF", "FF", "SE"} (library data). */
extern char *rapi_rstyle_names[];
/* Sets how long (milliseconds) the library waits for rsvpd's replies;
 * returns 0 or a RAPI error. */
int rapi_set_timo(int timo);
/* Asks for status upcalls (RAPI_PATH_STATUS, RAPI_RESV_STATUS) describing
 * sid's state; flags RAPI_STAT_PATH | RAPI_STAT_RESV. Returns 0 or a RAPI
 * error (RAPI_ERR_BADSID, ...). */
int rapi_status(rapi_sid_t sid, int flags);

#undef NC_RAPI_FLAGS_T
#undef NC_RAPI_EVENT_RTN

#ifdef __cplusplus
}
#endif

#endif /* NC_RAPI_H */
