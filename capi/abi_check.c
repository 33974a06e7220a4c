/*
 * Compile-time check that every Go export has exactly the type the C front
 * expects (capi/nc_abi.h). A mismatch fails the build instead of corrupting
 * arguments at run time.
 */
#include "_cgo_export.h"
#include "nc_abi.h"

#define NC_CHECK(ret, name, params)                                         \
	_Static_assert(__builtin_types_compatible_p(__typeof__(&name),      \
	                                            ret(*) params),          \
	               #name " does not match nc_abi.h");
NC_CORE_FUNCS(NC_CHECK)
