/* SPDX-License-Identifier: MIT */
/*
 * --version of every CSA tool.  The project has one version, libcsa's
 * (CSA_VERSION_* in lib/include/csa/csa.h); help2man-style first line.
 */
#ifndef CSA_TOOLS_VERSION_H
#define CSA_TOOLS_VERSION_H

#include <stdio.h>

#include "csa/csa.h"

#define CSA_TOOL_STR_(x) #x
#define CSA_TOOL_STR(x) CSA_TOOL_STR_(x)
#define CSA_TOOL_VERSION CSA_TOOL_STR(CSA_VERSION_MAJOR) "." \
	CSA_TOOL_STR(CSA_VERSION_MINOR) "." CSA_TOOL_STR(CSA_VERSION_PATCH)

static inline int csa_tool_version(const char *prog)
{
	printf("%s (CSA) %s\n", prog, CSA_TOOL_VERSION);
	return 0;
}

#endif
