/*
 * rserpool-policytypes.h - RSerPool pool member selection policies
 * (RFC 5356 and rsplib's private additions), as rsplib 3.x defines them.
 *
 * A pool element states its policy when it registers: the rli_policy
 * member of struct rsp_loadinfo (rserpool.h) holds one of the PPT_* codes
 * below, and the members rli_weight, rli_load, ... hold the policy's
 * parameters. Every element of a pool must use the same policy; a
 * registrar rejects an element whose policy differs from the pool's.
 *
 * The codes are the on-the-wire policy type numbers (32 bits). Codes with
 * the top bits 0xb000 are rsplib-private (the DPF ones come from
 * draft-dreibholz-rserpool-delay); registrars of other implementations
 * may not know them.
 *
 * This header is self-contained and has no declarations, only macros; it
 * is included by rserpool.h.
 */
#ifndef RSERPOOL_POLICYTYPES_H
#define RSERPOOL_POLICYTYPES_H

/* No policy: not valid in a registration; rsp_getpolicybyname's "unknown". */
#define PPT_UNDEFINED                                 0x00000000

/* Static policies (RFC 5356 section 4); parameters after the type:     */
#define PPT_ROUNDROBIN                                0x00000001 /* -          */
#define PPT_WEIGHTED_ROUNDROBIN                       0x00000002 /* weight     */
#define PPT_RANDOM                                    0x00000003 /* -          */
#define PPT_WEIGHTED_RANDOM                           0x00000004 /* weight     */
#define PPT_PRIORITY                                  0x00000005 /* priority, in rli_weight */

/* Adaptive policies (RFC 5356 section 5): the element reports its load. */
#define PPT_LEASTUSED                                 0x40000001 /* load       */
#define PPT_LEASTUSED_DEGRADATION                     0x40000002 /* load, degradation */
#define PPT_PRIORITY_LEASTUSED                        0x40000003 /* load, degradation */
#define PPT_RANDOMIZED_LEASTUSED                      0x40000004 /* load       */

/* rsplib-private adaptive policies (load, degradation). */
#define PPT_RANDOMIZED_PRIORITY_LEASTUSED             0xb0001001
#define PPT_RANDOMIZED_LEASTUSED_DEGRADATION          0xb0001002
#define PPT_PRIORITY_LEASTUSED_DEGRADATION            0xb0001003
#define PPT_RANDOMIZED_PRIORITY_LEASTUSED_DEGRADATION 0xb0001004

/*
 * rsplib-private distance-sensitive ("DPF", delay penalty factor)
 * policies: WeightedRandomDPF takes weight and weight-DPF (rli_weight,
 * rli_weight_dpf); the LeastUsed ones take load, degradation and load-DPF
 * (rli_load, rli_load_degradation, rli_load_dpf). The registrar adds the
 * measured distance itself. The last two were added to rsplib in 2022.
 */
#define PPT_WEIGHTED_RANDOM_DPF                       0xb0002001
#define PPT_LEASTUSED_DPF                             0xb0002002
#define PPT_LEASTUSED_DEGRADATION_DPF                 0xb0002003
#define PPT_PRIORITY_LEASTUSED_DPF                    0xb0002004
#define PPT_PRIORITY_LEASTUSED_DEGRADATION_DPF        0xb0002005

/*
 * True for the twelve policies that depend on the element's current load
 * (the LeastUsed family): an element using one of them re-registers when
 * its load changes. p is evaluated several times; pass an unsigned value
 * (for instance rli_policy) to avoid sign-compare warnings.
 */
#define PPT_IS_ADAPTIVE(p)                                   \
	(((p) == PPT_LEASTUSED) ||                               \
	 ((p) == PPT_LEASTUSED_DPF) ||                           \
	 ((p) == PPT_LEASTUSED_DEGRADATION) ||                   \
	 ((p) == PPT_LEASTUSED_DEGRADATION_DPF) ||               \
	 ((p) == PPT_PRIORITY_LEASTUSED) ||                      \
	 ((p) == PPT_PRIORITY_LEASTUSED_DEGRADATION) ||          \
	 ((p) == PPT_PRIORITY_LEASTUSED_DPF) ||                  \
	 ((p) == PPT_PRIORITY_LEASTUSED_DEGRADATION_DPF) ||      \
	 ((p) == PPT_RANDOMIZED_LEASTUSED) ||                    \
	 ((p) == PPT_RANDOMIZED_LEASTUSED_DEGRADATION) ||        \
	 ((p) == PPT_RANDOMIZED_PRIORITY_LEASTUSED) ||           \
	 ((p) == PPT_RANDOMIZED_PRIORITY_LEASTUSED_DEGRADATION))

/*
 * Ranges of the policy parameters (all 32-bit unsigned). Loads, load
 * degradations and DPFs are fractions: 0 is 0 %, 0xffffffff is 100 %.
 */
#define PPV_MIN_WEIGHT           0
#define PPV_MAX_WEIGHT           0xffffffff
#define PPV_MIN_LOAD             0
#define PPV_MAX_LOAD             0xffffffff
#define PPV_MIN_LOAD_DEGRADATION 0
#define PPV_MAX_LOAD_DEGRADATION 0xffffffff
#define PPV_MIN_LOADDPF          0
#define PPV_MAX_LOADDPF          0xffffffff
#define PPV_MIN_WEIGHTDPF        0
#define PPV_MAX_WEIGHTDPF        0xffffffff

/*
 * draft-ietf-rserpool-api-00 spellings. The draft's echo example sets
 * linfo.policy = RSP_ROUND_ROBIN but gives no value; these are the RFC 5356
 * codes above under the draft's naming (words separated by underscores).
 */
#define RSP_ROUND_ROBIN            PPT_ROUNDROBIN
#define RSP_WEIGHTED_ROUND_ROBIN   PPT_WEIGHTED_ROUNDROBIN
#define RSP_RANDOM                 PPT_RANDOM
#define RSP_WEIGHTED_RANDOM        PPT_WEIGHTED_RANDOM
#define RSP_PRIORITY               PPT_PRIORITY
#define RSP_LEAST_USED             PPT_LEASTUSED
#define RSP_LEAST_USED_DEGRADATION PPT_LEASTUSED_DEGRADATION
#define RSP_PRIORITY_LEAST_USED    PPT_PRIORITY_LEASTUSED
#define RSP_RANDOMIZED_LEAST_USED  PPT_RANDOMIZED_LEASTUSED

#endif /* RSERPOOL_POLICYTYPES_H */
