/*
 * rserpool/tagitem.h - rsplib installs its headers in a rserpool/ directory
 * (/usr/include/rserpool/tagitem.h), so programs written for an installed
 * rsplib say #include <rserpool/tagitem.h>. This forwards to netcompat's
 * tagitem.h one level up, which holds the declarations.
 */
#include "../tagitem.h"
