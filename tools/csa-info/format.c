// SPDX-License-Identifier: MIT
/* Turning encoded parameter values into the text csa-info shows. */
#include <stdio.h>

#include "csa-info.h"

/* DRM_CSA_PARAM_FW_VERSION: major << 16 | minor << 8 | patch */
void format_fw_version(char *buf, size_t len, unsigned int version)
{
	snprintf(buf, len, "%u.%u.%u", version >> 16, (version >> 8) & 0xff,
		 version & 0xff);
}

/* DRM_CSA_PARAM_UAPI_VERSION and _HW_VERSION: major << 16 | minor */
void format_major_minor(char *buf, size_t len, unsigned int version)
{
	snprintf(buf, len, "%u.%u", version >> 16, version & 0xffff);
}

void format_numa_node(char *buf, size_t len, int node)
{
	if (node < 0)
		snprintf(buf, len, "none");
	else
		snprintf(buf, len, "%d", node);
}
