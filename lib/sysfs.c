// SPDX-License-Identifier: MIT
/* Facts the DRM ioctls do not give: NUMA node and bound driver, from sysfs. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "internal.h"

static const char *sysfs_root = "/sys";

void csa_sysfs_set_root(const char *root)
{
	sysfs_root = root ? root : "/sys";
}

const char *csa_sysfs_root(void)
{
	return sysfs_root;
}

int csa_sysfs_numa_node(const char *pci_address, int *node)
{
	char path[PATH_MAX], text[32], *end;
	FILE *f;
	size_t n;
	long val;

	snprintf(path, sizeof(path), "%s/bus/pci/devices/%s/numa_node",
		 sysfs_root, pci_address);
	f = fopen(path, "re");
	if (!f) {
		/* No file: kernel without NUMA or no such PCI device. */
		if (errno == ENOENT) {
			*node = -1;
			return 0;
		}
		return csa_error(errno, "cannot read %s: %s", path,
				 strerror(errno));
	}
	n = fread(text, 1, sizeof(text) - 1, f);
	fclose(f);
	text[n] = '\0';

	errno = 0;
	val = strtol(text, &end, 10);
	if (end == text || errno || (*end && strcmp(end, "\n")) ||
	    val < -1 || val > INT_MAX)
		return csa_error(EINVAL, "%s: malformed NUMA node \"%.*s\"",
				 path, (int)strcspn(text, "\n"), text);
	*node = (int)val;
	return 0;
}

int csa_sysfs_drm_driver(const char *node_name, char *buf, size_t len)
{
	char path[PATH_MAX], target[PATH_MAX];
	const char *base;
	ssize_t n;

	snprintf(path, sizeof(path), "%s/class/drm/%s/device/driver",
		 sysfs_root, node_name);
	n = readlink(path, target, sizeof(target) - 1);
	if (n < 0)
		return -errno;
	target[n] = '\0';
	base = strrchr(target, '/');
	base = base ? base + 1 : target;
	if (strlen(base) >= len)
		return -ENAMETOOLONG;
	strcpy(buf, base);
	return 0;
}
