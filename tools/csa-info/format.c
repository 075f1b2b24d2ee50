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

const char *format_feature(char *buf, size_t len, unsigned int bit)
{
	const char *name = csa_feature_name(bit);

	if (name)
		return name;
	snprintf(buf, len, "bit%u", bit);
	return buf;
}

void format_features(char *buf, size_t len, uint64_t features)
{
	size_t used = 0;

	buf[0] = '\0';
	if (!features) {
		snprintf(buf, len, "none");
		return;
	}
	for (unsigned int bit = 0; bit < 64 && used < len; bit++) {
		char unknown[CSA_INFO_TEXT_LEN];
		int n;

		if (!(features & (1ull << bit)))
			continue;
		n = snprintf(buf + used, len - used, "%s%s", used ? " " : "",
			     format_feature(unknown, sizeof(unknown), bit));
		if (n < 0)
			return;
		used += (size_t)n;
	}
}
