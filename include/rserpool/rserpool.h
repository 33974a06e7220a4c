/*
 * rserpool/rserpool.h - rsplib installs its headers in a rserpool/ directory
 * (/usr/include/rserpool/rserpool.h), so programs written for an installed
 * rsplib say #include <rserpool/rserpool.h>. This forwards to netcompat's
 * rserpool.h one level up, which holds the declarations.
 */
#include "../rserpool.h"
