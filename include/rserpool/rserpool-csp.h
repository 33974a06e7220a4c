/*
 * rserpool/rserpool-csp.h - rsplib installs its headers in a rserpool/ directory
 * (/usr/include/rserpool/rserpool-csp.h), so programs written for an installed
 * rsplib say #include <rserpool/rserpool-csp.h>. This forwards to netcompat's
 * rserpool-csp.h one level up, which holds the declarations.
 */
#include "../rserpool-csp.h"
