/*
 * test_rapi_isi: an ISI-dialect program (rapi_lib.h, rapi_err.h, an
 * int-returning handler cast with (rapi_event_rtn_t), ISI's macro and
 * constant spellings) against the library: with no daemon, rapi_session
 * gives RAPI_ERR_NORSVP and the sid calls RAPI_ERR_BADSID; the error
 * lists and rapi_strerror agree; rapi_rstyle_names; the fmt calls with
 * tightly packed objects (len = header + body) walked by len.
 */
#include "nctest.h"

#include "rapi_lib.h"
#include "rapi_err.h"

static int handler(rapi_sid_t sid, rapi_eventinfo_t ev, int style, int code, int value,
                   struct sockaddr *node, u_char flags, int nfilt, rapi_filter_t *filts,
                   int nflow, rapi_flowspec_t *flows, int nads, rapi_adspec_t *ads, void *arg)
{
	(void)sid; (void)ev; (void)style; (void)code; (void)value; (void)node; (void)flags;
	(void)nfilt; (void)filts; (void)nflow; (void)flows; (void)nads; (void)ads; (void)arg;
	return 0;
}

int main(void)
{
	char dir[] = "/tmp/rapiisi.XXXXXX", sock[64], buf[128];
	struct sockaddr_in dest;
	rapi_filter_t filt;
	rapi_flowspec_t fs;
	int err = 0;

	CHECK(mkdtemp(dir) != NULL);
	snprintf(sock, sizeof sock, "%s/none.sock", dir);
	CHECK(setenv("RSVP_API_SOCKET", sock, 1) == 0);

	memset(&dest, 0, sizeof dest);
	dest.sin_family = AF_INET;
	dest.sin_port = htons(7000);
	dest.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	CHECK_EQ(rapi_session((struct sockaddr *)&dest, 0, 0, (rapi_event_rtn_t)handler, NULL, &err),
	         NULL_SID);
	CHECK_EQ(err, RAPI_ERR_NORSVP);
	CHECK(strcmp(rapi_strerror(RSVP_Err_API_ERROR, err), rapi_errlist[err]) == 0);
	CHECK(strcmp(rapi_strerror(RSVP_Err_ADMISSION, 0), rsvp_errlist[RSVP_Err_ADMISSION]) == 0);
	CHECK_EQ(rapi_session(NULL, 0, 0, handler, NULL, &err), NULL_SID);
	CHECK_EQ(err, RAPI_ERR_INVAL);

	CHECK_EQ(rapi_sender(5, 0, NULL, NULL, NULL, NULL, NULL, 0), RAPI_ERR_BADSID);
	CHECK_EQ(rapi_reserve(5, 0, NULL, RAPI_RSTYLE_WILDCARD, NULL, NULL, 0, NULL, 0, NULL),
	         RAPI_ERR_BADSID);
	CHECK_EQ(rapi_release(5), RAPI_ERR_BADSID);
	CHECK_EQ(rapi_getfd(5), -1);
	CHECK_EQ(rapi_version(), RAPI_VERSION);
	CHECK_EQ(rapi_status(5, RAPI_STAT_PATH), RAPI_ERR_BADSID);
	CHECK_EQ(rapi_set_timo(2000), 0);
	CHECK(strcmp(rapi_rstyle_names[RAPI_RSTYLE_SE], "SE") == 0);
	CHECK(strcmp(rapi_rstyle_names[RAPI_RSTYLE_WILDCARD], "WF") == 0);

	/* Tight objects, as rtap builds them. */
	memset(&filt, 0, sizeof filt);
	filt.form = RAPI_FILTERFORM_BASE;
	filt.len = sizeof(rapi_hdr_t) + sizeof(rapi_filter_base_t);
	filt.rapi_filtbase_addr.s_addr = htonl(0xc0000201);
	filt.rapi_filtbase_port = htons(4000);
	rapi_fmt_filtspec(&filt, buf, sizeof buf);
	CHECK(strstr(buf, "192.0.2.1") != NULL && strstr(buf, "4000") != NULL);
	memset(&fs, 0, sizeof fs);
	fs.form = RAPI_FLOWSTYPE_Simplified;
	fs.len = sizeof(rapi_hdr_t) + sizeof(qos_flowspecx_t);
	fs.specbody_qosx.spec_type = QOS_GUARANTEEDX;
	fs.specbody_qosx.xspec_r = 1e6f;
	fs.specbody_qosx.xspec_b = 1e4f;
	fs.specbody_qosx.xspec_p = 1e20f;
	fs.specbody_qosx.xspec_R = 2e6f;
	rapi_fmt_flowspec(&fs, buf, sizeof buf);
	CHECK(strstr(buf, "Inf") != NULL);
	rapi_fmt_flowspec(&fs, buf, 5);
	CHECK(strlen(buf) <= 4);
	rmdir(dir);
	printf("test_rapi_isi: ok\n");
	return 0;
}
