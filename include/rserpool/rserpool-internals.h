/*
 * rserpool/rserpool-internals.h - rsplib installs its headers in a rserpool/ directory
 * (/usr/include/rserpool/rserpool-internals.h), so programs written for an installed
 * rsplib say #include <rserpool/rserpool-internals.h>. This forwards to netcompat's
 * rserpool-internals.h one level up, which holds the declarations.
 */
#include "../rserpool-internals.h"
