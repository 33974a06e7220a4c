/*
 * Binary compatibility with rsplib's librsplib.so.3: exports of rsplib that
 * no installed header declares, so that every rsp_* symbol a program built
 * against rsplib can reference is defined here (see librsplib.so.3 in
 * CMakeLists.txt and tests/c/rsplib_headers.cmake).
 *
 * rsp_socket_internal(domain, type, protocol, customFD) is rsplib's worker
 * behind rsp_socket (librsplib.so.3 exports it; no header of rsplib 3.4 or
 * 3.5 declares it). With customFD < 0 it is rsp_socket. With customFD >= 0
 * rsplib adopted an existing kernel SCTP socket as the RSerPool socket's
 * transport; netcompat's descriptors are its own (the C ends of the core's
 * socketpairs), so that form fails with EOPNOTSUPP and leaves customFD
 * open and untouched.
 */
#include <errno.h>

#define RSP_NO_ARITY_DISPATCH
#include "rserpool.h"

int rsp_socket_internal(int domain, int type, int protocol, int customFD);

int rsp_socket_internal(int domain, int type, int protocol, int customFD)
{
	if (customFD >= 0) {
		errno = EOPNOTSUPP;
		return -1;
	}
	return rsp_socket(domain, type, protocol);
}
