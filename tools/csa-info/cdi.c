// SPDX-License-Identifier: MIT
/*
 * csa-info --cdi: a Container Device Interface spec of this host's cards,
 * for container engines (podman >= 4.1, containerd, CRI-O) and Kubernetes
 * device plugins.  docs/containers.md describes what it holds and why.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "csa-info.h"

int cdi_card_from(struct cdi_card *c, int index, const char *node, const char *pci_address,
		  const char *sysfs_root)
{
	char link[PATH_MAX];
	struct stat st;

	memset(c, 0, sizeof(*c));
	c->index = index;
	snprintf(c->node, sizeof(c->node), "%s", node);
	snprintf(c->pci_address, sizeof(c->pci_address), "%s", pci_address);
	if (stat(node, &st))
		return -errno;
	if (!S_ISCHR(st.st_mode))
		return -ENOTTY;
	c->major = major(st.st_rdev);
	c->minor = minor(st.st_rdev);
	/* the device's own directory, not the bus' symlink to it */
	snprintf(link, sizeof(link), "%s/bus/pci/devices/%s", sysfs_root, pci_address);
	if (!realpath(link, c->sysfs))
		return -errno;
	return 0;
}

static void device_edits(struct json *j, const struct cdi_card *c, int n)
{
	json_begin_object(j, "containerEdits");
	json_begin_array(j, "deviceNodes");
	for (int i = 0; i < n; i++) {
		json_begin_object(j, NULL);
		json_string(j, "path", c[i].node);
		json_string(j, "type", "c");
		json_uint(j, "major", c[i].major);
		json_uint(j, "minor", c[i].minor);
		json_string(j, "permissions", "rw");
		json_end_object(j);
	}
	json_end_array(j);
	/*
	 * libdrm and libcsa find the card through sysfs (PCI IDs, numa_node,
	 * the driver's attributes): expose its directory read-only even where
	 * the engine masks /sys.
	 */
	json_begin_array(j, "mounts");
	for (int i = 0; i < n; i++) {
		json_begin_object(j, NULL);
		json_string(j, "hostPath", c[i].sysfs);
		json_string(j, "containerPath", c[i].sysfs);
		json_begin_array(j, "options");
		json_string(j, NULL, "ro");
		json_string(j, NULL, "nosuid");
		json_string(j, NULL, "nodev");
		json_string(j, NULL, "bind");
		json_end_array(j);
		json_end_object(j);
	}
	json_end_array(j);
	json_end_object(j);
}

static void device(struct json *j, const char *name, const struct cdi_card *c, int n)
{
	json_begin_object(j, NULL);
	json_string(j, "name", name);
	device_edits(j, c, n);
	json_end_object(j);
}

void print_cdi(FILE *out, const char *kind, const struct cdi_card *cards, int n,
	       const char *const *libs, int nlibs)
{
	char name[16];
	struct json j;

	json_init(&j, out);
	json_begin_object(&j, NULL);
	/* 0.5.0: what podman 4.3 (Debian 12) and containerd 1.7 read */
	json_string(&j, "cdiVersion", "0.5.0");
	json_string(&j, "kind", kind);
	json_begin_array(&j, "devices");
	/* each card by index and by PCI address, and "all" */
	for (int i = 0; i < n; i++) {
		snprintf(name, sizeof(name), "%d", cards[i].index);
		device(&j, name, &cards[i], 1);
		device(&j, cards[i].pci_address, &cards[i], 1);
	}
	if (n)
		device(&j, "all", cards, n);
	json_end_array(&j);
	/*
	 * The host's libcsa, mounted where the container's loader looks for
	 * it: it matches the host's driver, not a firmware or a card.
	 */
	json_begin_object(&j, "containerEdits");
	json_begin_array(&j, "mounts");
	for (int i = 0; i < nlibs; i += 2) {
		json_begin_object(&j, NULL);
		json_string(&j, "hostPath", libs[i]);
		json_string(&j, "containerPath", libs[i + 1]);
		json_begin_array(&j, "options");
		json_string(&j, NULL, "ro");
		json_string(&j, NULL, "nosuid");
		json_string(&j, NULL, "nodev");
		json_string(&j, NULL, "bind");
		json_end_array(&j);
		json_end_object(&j);
	}
	json_end_array(&j);
	json_end_object(&j);
	json_end_object(&j);
	fputc('\n', out);
}

int cdi_library_mounts(const char *libdir, char paths[2][PATH_MAX])
{
	char soname[PATH_MAX];

	snprintf(soname, sizeof(soname), "%s/libcsa.so.%d", libdir, CSA_VERSION_MAJOR);
	if (!realpath(soname, paths[0]))
		return 0;
	snprintf(paths[1], PATH_MAX, "%s", soname);
	return 2;
}

/* The CDI name rules: a letter first, a letter or digit last, @extra between. */
static int cdi_name_valid(const char *s, size_t len, const char *extra)
{
	for (size_t i = 0; i < len; i++) {
		char ch = s[i];
		int alpha = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z');
		int alnum = alpha || (ch >= '0' && ch <= '9');

		if ((i == 0 && !alpha) || (i == len - 1 && !alnum) ||
		    (!alnum && !strchr(extra, ch)))
			return 0;
	}
	return len >= 2;
}

int cdi_kind_valid(const char *kind)
{
	const char *slash = strchr(kind, '/');

	return slash && cdi_name_valid(kind, (size_t)(slash - kind), "_-.") &&
	       cdi_name_valid(slash + 1, strlen(slash + 1), "_-");
}
