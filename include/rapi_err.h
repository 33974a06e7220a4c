/*
 * rapi_err.h - RSVP and RAPI error codes and their message lists.
 *
 * Two parts:
 *  1. the codes: RAPI error codes (RAPI_ERR_*: the synchronous result of
 *     rapi_session's *Errnop, rapi_sender, rapi_reserve, rapi_release and
 *     rapi_dispatch, and the ErrorValue of an upcall whose ErrorCode is
 *     RSVP_Err_API_ERROR), RSVP error codes (RSVP_Err_*: RFC 2205
 *     Appendix B, the ErrorCode of PATH_ERROR/RESV_ERROR upcalls) and RSVP
 *     error values (RSVP_Erv_*). <rapi.h> includes this part, so programs
 *     of either dialect see the codes through rapi.h alone.
 *  2. the lists rapi_errlist[] and rsvp_errlist[], indexed by code, as ISI
 *     rsvpd's rapi_err.h had them: this header DEFINES them (programs
 *     index them without the library exporting them), one private copy per
 *     translation unit (static), with the ISI element type char *. Only a
 *     direct #include of rapi_err.h gives them; rapi.h does not.
 *
 * Numbering: one number per code, every lineage's spelling an alias of it.
 * RAPI codes follow the Open Group/Tru64/AIX numbering (BADSEND 21,
 * BADRECV 22, BADSPORT 23; ISI 4.1 used 14/15/16 for them); so
 * rapi_errlist[] has RAPI_ERRLIST_SIZE (24) entries, 0..23, with
 * placeholder texts for the unused codes 18..20. RAPI_ERR_UNSUPPORTED
 * (254) and RAPI_ERR_UNKNOWN (255) are beyond the list: use
 * rapi_strerror() for them. rsvp_errlist[] has RSVP_ERRLIST_SIZE (24)
 * entries, 0..23 (placeholders for the reserved codes).
 *
 * Clean as C89, C99, C11 and C++ (98 and later).
 */
#ifndef NC_RAPI_ERR_CODES_H
#define NC_RAPI_ERR_CODES_H

/* ---- RAPI error codes (synchronous; or ErrorValue with ErrorCode 20) ---- */
#define RAPI_ERR_OK            0   /* no error */
#define RAPI_ERR_INVAL         1   /* invalid parameter (NULL Dest, NULL list, ...) */
#define RAPI_ERR_MAXSESS       2   /* too many sessions (MAX_RAPI_SESS) */
#define RAPI_ERR_BADSID        3   /* session id unknown or out of range */
#define RAPI_ERR_N_FFS         4   /* filter/flowspec counts wrong for the style */
#define RAPI_ERR_BADSTYLE      5   /* unknown reservation style */
#define RAPI_ERR_SYSCALL       6   /* a system call failed; errno says why */
#define RAPI_ERR_OVERFLOW      7   /* parameter list overflow */
#define RAPI_ERR_MEMFULL       8   /* out of memory */
#define RAPI_ERR_NORSVP        9   /* rsvpd unreachable, or it went away */
#define RAPI_ERR_OBJTYPE       10  /* bad object type (form) */
#define RAPI_ERR_OBJLEN        11  /* bad object length */
#define RAPI_ERR_NOTSPEC       12  /* sender given without a Tspec */
#define RAPI_ERR_INTSERV       13  /* bad IntServ format */
#define RAPI_ERR_GPI_CONFLICT  14  /* GPI and non-GPI forms mixed */
#define RAPI_ERR_BADPROTO      15  /* bad protocol id (GPI session) */
#define RAPI_ERR_BADVDPORT     16  /* bad virtual destination port (GPI) */
#define RAPI_ERR_GPISESS       17  /* GPI session needs GPI templates/filters */
#define RAPI_ERR_BADSEND       21  /* asynchronous only: bad sender address */
#define RAPI_ERR_BADRECV       22  /* asynchronous only: bad receiver address */
#define RAPI_ERR_BADSPORT      23  /* asynchronous only: bad sender port */
#define RAPI_ERR_UNSUPPORTED   254 /* operation not supported */
#define RAPI_ERR_UNKNOWN       255 /* unknown error */
#define RAPI_ERR_MAXERROR      255 /* Tru64: largest RAPI code */

/* Number of rapi_errlist[] entries (codes 0..23). */
#define RAPI_ERRLIST_SIZE      24

/* ---- RSVP error codes (ERROR_SPEC code; RFC 2205 Appendix B) ---- */
#define RSVP_Err_NONE            0  /* no error: a confirmation (RESV_CONFIRM) */
#define RSVP_Err_ADMISSION       1  /* admission control failure */
#define RSVP_Err_POLICY          2  /* policy control failure */
#define RSVP_Err_NO_PATH         3  /* no path state for the Resv (yet) */
#define RSVP_Err_NO_SENDER       4  /* no sender information for the Resv */
#define RSVP_Err_BAD_STYLE       5  /* conflicting reservation style */
#define RSVP_Err_UNKNOWN_STYLE   6  /* unknown reservation style */
#define RSVP_Err_BAD_DSTPORT     7  /* conflicting destination ports */
#define RSVP_Err_BAD_SNDPORT     8  /* conflicting sender ports */
                                    /* 9..11 reserved */
#define RSVP_Err_PREEMPTED       12 /* service preempted */
#define RSVP_Err_UNKN_OBJ_CLASS  13 /* unknown object class (value: class, C-type) */
#define RSVP_Err_UNKNOWN_CTYPE   14 /* unknown object C-type (value: class, C-type) */
#define RSVP_Err_API_ERROR       20 /* API error: the value is a RAPI_ERR_* code */
#define RSVP_Err_TC_ERROR        21 /* traffic control error (values below) */
#define RSVP_Err_TC_SYS_ERROR    22 /* traffic control system error */
#define RSVP_Err_RSVP_SYS_ERROR  23 /* RSVP system error */
/* Aliases of other lineages. */
#define RSVP_Err_UNKN_OBJ_CLAS   RSVP_Err_UNKN_OBJ_CLASS  /* AIX */
#define RSVP_Err_BAD_FILTER      9                        /* AIX (a reserved code) */
#define RSVP_Err_RSVP_STS_ERROR  RSVP_Err_RSVP_SYS_ERROR  /* Tru64 */
#define RSVP_Err_MAXERROR        23                       /* Tru64 */

/* Number of rsvp_errlist[] entries (codes 0..23). */
#define RSVP_ERRLIST_SIZE        24

/* ---- RSVP error values ---- */
/* Any code: no further detail. */
#define RSVP_Erv_Other           0
/* With RSVP_Err_ADMISSION (globally defined values). */
#define RSVP_Erv_DelayBnd        1  /* delay bound cannot be met */
#define RSVP_Erv_Bandwidth       2  /* requested bandwidth unavailable */
#define RSVP_Erv_MTU             3  /* flowspec MTU larger than interface MTU */
/* With RSVP_Err_TC_ERROR. */
#define RSVP_Erv_Conflict_Serv   1  /* service conflict */
#define RSVP_Erv_No_Serv         2  /* service unsupported */
#define RSVP_Erv_Crazy_Flowspec  3  /* bad flowspec value */
#define RSVP_Erv_Crazy_Tspec     4  /* bad Tspec value */
#define RSVP_Erv_Crazy_Adspec    5  /* bad Adspec value */
/* With RSVP_Err_API_ERROR the value is a RAPI_ERR_* code. */
/*
 * The top two bits "ss" of a 16-bit ERROR_SPEC value: 00 globally defined
 * (the values above), 10 locally defined, 11 service-defined (the low 12
 * bits then carry the IntServ service/parameter). Names project-chosen.
 */
#define RSVP_Erv_SS_MASK         0xC000
#define RSVP_Erv_SS_GLOBAL       0x0000
#define RSVP_Erv_SS_LOCAL        0x8000
#define RSVP_Erv_SS_SERVICE      0xC000

#endif /* NC_RAPI_ERR_CODES_H */

/* ------------------------------------------------------------------------
 * Part 2: the message lists (not when rapi.h includes this file for part 1).
 */
#if !defined(NC_RAPI_ERR_CODES_ONLY) && !defined(NC_RAPI_ERR_LISTS_H)
#define NC_RAPI_ERR_LISTS_H

#if defined(__GNUC__) || defined(__clang__)
#define NC_RAPI_ERR_UNUSED __attribute__((__unused__))
#else
#define NC_RAPI_ERR_UNUSED
#endif

/*
 * The texts are char arrays so that the lists have ISI's type char *[] in
 * C and in C++ (where a string literal is const). Treat them as read-only.
 */
static char nc_rapi_e0[]  = "No error";
static char nc_rapi_e1[]  = "Invalid parameter";
static char nc_rapi_e2[]  = "Too many sessions";
static char nc_rapi_e3[]  = "Session ID out of legal range";
static char nc_rapi_e4[]  = "Wrong filter/flowspec count for style";
static char nc_rapi_e5[]  = "Illegal reservation style";
static char nc_rapi_e6[]  = "System error (see errno)";
static char nc_rapi_e7[]  = "Parameter list overflow";
static char nc_rapi_e8[]  = "Not enough memory";
static char nc_rapi_e9[]  = "Cannot contact RSVP daemon";
static char nc_rapi_e10[] = "Object type error";
static char nc_rapi_e11[] = "Object length error";
static char nc_rapi_e12[] = "No sender Tspec";
static char nc_rapi_e13[] = "IntServ format error";
static char nc_rapi_e14[] = "GPI conflict";
static char nc_rapi_e15[] = "Bad protocol for GPI session";
static char nc_rapi_e16[] = "Bad virtual destination port";
static char nc_rapi_e17[] = "GPI session requires GPI filter format";
static char nc_rapi_e18[] = "RAPI error 18 (unused)";
static char nc_rapi_e19[] = "RAPI error 19 (unused)";
static char nc_rapi_e20[] = "RAPI error 20 (unused)";
static char nc_rapi_e21[] = "Bad sender address";
static char nc_rapi_e22[] = "Bad receiver address";
static char nc_rapi_e23[] = "Bad sender port";

/* RAPI error texts by RAPI_ERR_* code, 0..RAPI_ERRLIST_SIZE-1. */
static char *rapi_errlist[RAPI_ERRLIST_SIZE] NC_RAPI_ERR_UNUSED = {
  nc_rapi_e0,  nc_rapi_e1,  nc_rapi_e2,  nc_rapi_e3,  nc_rapi_e4,
  nc_rapi_e5,  nc_rapi_e6,  nc_rapi_e7,  nc_rapi_e8,  nc_rapi_e9,
  nc_rapi_e10, nc_rapi_e11, nc_rapi_e12, nc_rapi_e13, nc_rapi_e14,
  nc_rapi_e15, nc_rapi_e16, nc_rapi_e17, nc_rapi_e18, nc_rapi_e19,
  nc_rapi_e20, nc_rapi_e21, nc_rapi_e22, nc_rapi_e23
};

static char nc_rsvp_e0[]  = "Confirmation (no error)";
static char nc_rsvp_e1[]  = "Admission control failure";
static char nc_rsvp_e2[]  = "Policy control failure";
static char nc_rsvp_e3[]  = "No path information for this Resv";
static char nc_rsvp_e4[]  = "No sender information for this Resv";
static char nc_rsvp_e5[]  = "Conflicting reservation style";
static char nc_rsvp_e6[]  = "Unknown reservation style";
static char nc_rsvp_e7[]  = "Conflicting destination ports";
static char nc_rsvp_e8[]  = "Conflicting sender ports";
static char nc_rsvp_e9[]  = "RSVP error 9 (reserved)";
static char nc_rsvp_e10[] = "RSVP error 10 (reserved)";
static char nc_rsvp_e11[] = "RSVP error 11 (reserved)";
static char nc_rsvp_e12[] = "Service preempted";
static char nc_rsvp_e13[] = "Unknown object class";
static char nc_rsvp_e14[] = "Unknown object C-Type";
static char nc_rsvp_e15[] = "RSVP error 15 (reserved)";
static char nc_rsvp_e16[] = "RSVP error 16 (reserved)";
static char nc_rsvp_e17[] = "RSVP error 17 (reserved)";
static char nc_rsvp_e18[] = "RSVP error 18 (reserved)";
static char nc_rsvp_e19[] = "RSVP error 19 (reserved)";
static char nc_rsvp_e20[] = "API error";
static char nc_rsvp_e21[] = "Traffic control error";
static char nc_rsvp_e22[] = "Traffic control system error";
static char nc_rsvp_e23[] = "RSVP system error";

/* RSVP error texts by RSVP_Err_* code, 0..RSVP_ERRLIST_SIZE-1. */
static char *rsvp_errlist[RSVP_ERRLIST_SIZE] NC_RAPI_ERR_UNUSED = {
  nc_rsvp_e0,  nc_rsvp_e1,  nc_rsvp_e2,  nc_rsvp_e3,  nc_rsvp_e4,
  nc_rsvp_e5,  nc_rsvp_e6,  nc_rsvp_e7,  nc_rsvp_e8,  nc_rsvp_e9,
  nc_rsvp_e10, nc_rsvp_e11, nc_rsvp_e12, nc_rsvp_e13, nc_rsvp_e14,
  nc_rsvp_e15, nc_rsvp_e16, nc_rsvp_e17, nc_rsvp_e18, nc_rsvp_e19,
  nc_rsvp_e20, nc_rsvp_e21, nc_rsvp_e22, nc_rsvp_e23
};

#endif /* part 2 */
