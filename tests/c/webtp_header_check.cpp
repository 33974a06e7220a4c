// webtp.h conformance as C++98, C++11 and C++17 (see webtp_header_check.c).
#include <cstring>
#include <webtp.h>
#include <netinet/in.h>

int main()
{
	int (*p_socket)(int, int, int) = webtp_socket;
	int (*p_bind)(int, const struct sockaddr *, socklen_t) = webtp_bind;
	int (*p_connect)(int, const struct sockaddr *, socklen_t) = webtp_connect;
	int (*p_listen)(int, int) = webtp_listen;
	int (*p_accept)(int, struct sockaddr *, socklen_t *) = webtp_accept;
	int (*p_accept4)(int, struct sockaddr *, socklen_t *, int) = webtp_accept4;
	int (*p_setsockopt)(int, int, int, const void *, socklen_t) = webtp_setsockopt;
	int (*p_getsockopt)(int, int, int, void *, socklen_t *) = webtp_getsockopt;
	int (*p_getsockname)(int, struct sockaddr *, socklen_t *) = webtp_getsockname;
	int (*p_getpeername)(int, struct sockaddr *, socklen_t *) = webtp_getpeername;
	ssize_t (*p_send)(int, const void *, size_t, int) = webtp_send;
	ssize_t (*p_write)(int, const void *, size_t) = webtp_write;
	int (*p_close)(int) = webtp_close;
	// The C library's own functions are still reachable by name.
	int (*libc_socket)(int, int, int) = &socket;
	int (*libc_close)(int) = &::close;
	unsigned char h[WEBTP_HDR_SIZE];
	bool ok = true;

	ok = ok && p_socket && p_bind && p_connect && p_listen && p_accept && p_accept4;
	ok = ok && p_setsockopt && p_getsockopt && p_getsockname && p_getpeername;
	ok = ok && p_send && p_write && p_close && libc_socket && libc_close;
	WEBTP_HDR_SET_ADU(h, WEBTP_HDR_RELIABLE, 1452);
	ok = ok && WEBTP_HDR_FLAGS(h) == 0xE0 && WEBTP_HDR_LEN(h) == 1452;
	std::memset(h, 0, sizeof h);
	ok = ok && WEBTP_IS_LOSS_NOTICE(h);
	int fd = socket(AF_INET, SOCK_DGRAM, 0);
	ok = ok && fd >= 0 && close(fd) == 0;
	return ok ? 0 : 1;
}
