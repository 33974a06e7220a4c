// Package policy implements the RSerPool pool member selection policies:
// the nine of RFC 5356 and rsplib's nine private ones (0xb000xxxx), their
// policy information (the values of the Pool Member Selection Policy
// parameter, RFC 5354 section 2.2.8), and a per-pool Selector that a
// registrar's handlespace (or a pool user's cache) asks for the pool
// elements to return in a handle resolution.
//
// The package does no I/O. It follows rsplib's registrar (the reference
// implementation by RFC 5356's authors), whose behaviour a drop-in must copy.
//
// # Values
//
// Loads, load degradations and load increments are fractions of
// 0xffffffff (= 100 %). A distance is in milliseconds (rsplib's registrar
// measures half the SCTP smoothed RTT to the element and rounds it to a
// configurable step). A load DPF and a weight DPF are fractions of
// 0xffffffff per millisecond of distance.
//
// # Ordered policies
//
// Round Robin, Weighted Round Robin, Priority and the non-randomized
// LeastUsed family keep the pool ordered by a key and a per-pool sequence
// number; a resolution returns the first n elements in that order. Then the
// state of the first MaxIncrement of them (default 1, rsplib's default and
// RFC 5356 section 4.1.2's "advance the head pointer by one element")
// advances: they get a fresh sequence number (so they go behind the
// elements they tie with: round robin among equals), Weighted Round Robin
// counts one use of them, and the Degradation policies add the element's
// load degradation to its degradation counter. The keys, lowest first:
//
//	RoundRobin                          sequence only
//	WeightedRoundRobin                  (round, uses left in round), then sequence
//	Priority                            priority, highest first
//	LeastUsed                           load
//	LeastUsedDegradation                load + counter
//	PriorityLeastUsed                   load + increment
//	PriorityLeastUsedDegradation        load + increment + counter
//	LeastUsedDPF                        load + loadDPF × distance
//	LeastUsedDegradationDPF             load + counter + loadDPF × distance
//	PriorityLeastUsedDPF                load + increment + loadDPF × distance
//	PriorityLeastUsedDegradationDPF     load + increment + counter + loadDPF × distance
//
// "increment" is the second value of the PriorityLeastUsed policies
// (Info.LoadDegradation: RFC 5356 section 5.3's load increment, the load a
// new request adds), "counter" is the sum of load degradations added since
// the element last updated its policy information (Selector.Update, which
// a re-registration calls, resets it: RFC 5356 section 5.2). Sums are
// exact 64-bit integers and are not clamped at 100 %: rsplib clamps them at
// 0xffffffff, which makes all elements beyond full load tie; here they keep
// their order.
//
// Weighted Round Robin (rsplib's algorithm): every element is served weight
// times per round, the rounds in lockstep: nobody starts round r+1 before
// everyone has finished round r. Within a round the element with the fewest
// uses left goes first, so an element's uses come one after another. An
// element joining the pool starts in the current round. Weight 0 counts as
// 1, as in rsplib.
//
// # Random policies
//
// Random, WeightedRandom, WeightedRandomDPF and the Randomized LeastUsed
// family draw n elements without replacement (one resolution never returns
// an element twice), each draw with probability proportional to the
// element's weight among the elements not yet drawn:
//
//	Random                                  1
//	WeightedRandom                          weight
//	WeightedRandomDPF                       weight − round(weight × distance × weightDPF / 0xffffffff)
//	RandomizedLeastUsed                     0xffffffff − load
//	RandomizedLeastUsedDegradation          0xffffffff − (load + counter)
//	RandomizedPriorityLeastUsed             0xffffffff − (load + increment)
//	RandomizedPriorityLeastUsedDegradation  0xffffffff − (load + increment + counter)
//
// A weight of 0 (WeightedRandom, WeightedRandomDPF) means the element is
// never drawn, as in rsplib. A computed weight below 1 for an element whose
// own weight is not 0 is raised to 1: the distance or the load lowers an
// element's chance but never takes it out of the pool (rsplib raises the
// Randomized LeastUsed weights to 1 for this reason).
//
// Randomized LeastUsed (RFC 5356 section 5.4) is therefore not "random
// among the least loaded": like rsplib, it is Weighted Random with the
// unused capacity as the weight, so a lightly loaded element is likelier,
// a fully loaded one unlikely but possible.
//
// # Distance penalty factor
//
// The DPF policies follow draft-dreibholz-rserpool-delay: a registrar
// serves pool users near it, so its distance to an element approximates
// the user's; the policy value is penalized in proportion to the distance,
// DPF per millisecond. LeastUsed variants add loadDPF × distance to the
// load (a near element wins over a far one with the same load; the far one
// wins once the near one is busier by more than the penalty difference).
// WeightedRandomDPF lowers the weight by the fraction distance × weightDPF
// of 0xffffffff (with weightDPF = 1 % per ms, an element 20 ms away keeps
// 80 % of its weight).
//
// PriorityLeastUsedDPF and PriorityLeastUsedDegradationDPF (0xb0002004,
// 0xb0002005) have no wire layout in rsplib (its message creator and
// parser do not handle them). This package carries both as load, load
// increment, load-DPF, distance - PriorityLeastUsed's values followed by
// LeastUsedDPF's - so their keys are rsplib's (above) with every term on
// the wire; the Degradation variant also degrades.
//
// # Cost
//
// A Selector keeps its members indexed: for a pool of N elements and a
// resolution of n, ordered policies cost O(n log n + MaxIncrement × log N)
// (a binary heap), Random expected O(n) while n is at most 64 and half the
// pool (redrawing repeats; O(N) partial Fisher-Yates beyond), the other
// random policies O(n log N) (a Fenwick tree of the weights). Adding,
// updating or removing a member costs O(log N). Selecting 3 of 100,000
// takes about 0.05 to 1 µs (BenchmarkSelect3of100k).
package policy
