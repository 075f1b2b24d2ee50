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

/* Basename of the symlink @dir/@name points to. */
static int link_base(const char *dir, const char *name, char *buf, size_t len)
{
	char path[PATH_MAX], target[PATH_MAX];
	const char *base;
	ssize_t n;

	snprintf(path, sizeof(path), "%s/%s/%s", sysfs_root, dir, name);
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

int csa_sysfs_drm_driver(const char *node_name, char *buf, size_t len)
{
	char dir[NAME_MAX + 16];

	snprintf(dir, sizeof(dir), "class/drm/%s", node_name);
	return link_base(dir, "device/driver", buf, len);
}

/* A 16-bit ID file of a PCI device: "0x1de5\n". */
static int read_id(const char *dir, const char *name, uint16_t *id)
{
	char path[PATH_MAX], text[16], *end;
	unsigned long val;
	FILE *f;
	size_t n;

	snprintf(path, sizeof(path), "%s/%s/device/%s", sysfs_root, dir, name);
	f = fopen(path, "re");
	if (!f)
		return -errno;
	n = fread(text, 1, sizeof(text) - 1, f);
	fclose(f);
	text[n] = '\0';
	errno = 0;
	val = strtoul(text, &end, 16);
	if (end == text || errno || (*end && strcmp(end, "\n")) || val > 0xffff)
		return -EINVAL;
	*id = (uint16_t)val;
	return 0;
}

int csa_sysfs_node_pci(const char *dir, struct csa_sysfs_pci *pci)
{
	unsigned int domain, bus, dev, func;
	char tail;
	int ret;

	memset(pci, 0, sizeof(*pci));
	ret = link_base(dir, "device", pci->address, sizeof(pci->address));
	if (ret)
		return ret;
	/* only a PCI parent has this form: the same check libdrm makes */
	if (sscanf(pci->address, "%x:%x:%x.%x%c", &domain, &bus, &dev, &func,
		   &tail) != 4)
		return -ENODEV;
	ret = link_base(dir, "device/driver", pci->driver, sizeof(pci->driver));
	if (ret)
		return ret;
	ret = read_id(dir, "vendor", &pci->vendor);
	if (!ret)
		ret = read_id(dir, "device", &pci->device);
	return ret;
}

bool csa_sysfs_is_accel(unsigned int major, unsigned int minor)
{
	char dir[32], subsystem[16];

	snprintf(dir, sizeof(dir), "dev/char/%u:%u", major, minor);
	return !link_base(dir, "subsystem", subsystem, sizeof(subsystem)) &&
	       !strcmp(subsystem, "accel");
}
