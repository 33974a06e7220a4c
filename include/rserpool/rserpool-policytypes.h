/*
 * rserpool/rserpool-policytypes.h - rsplib installs its headers in a rserpool/ directory
 * (/usr/include/rserpool/rserpool-policytypes.h), so programs written for an installed
 * rsplib say #include <rserpool/rserpool-policytypes.h>. This forwards to netcompat's
 * rserpool-policytypes.h one level up, which holds the declarations.
 */
#include "../rserpool-policytypes.h"
