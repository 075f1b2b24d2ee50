// SPDX-License-Identifier: MIT
/*
 * Cards on compute accel nodes (/dev/accel/accel*), which csa.ko registers
 * on kernels with CONFIG_DRM_ACCEL.  libdrm lists only /dev/dri, so these
 * come from /sys/class/accel; like render nodes, a card is listed by the
 * driver sysfs says is bound, whether or not the caller may open it.
 */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

static int add_card(struct csa_card **cards, int *count, const char *name,
		    const struct csa_sysfs_pci *pci)
{
	struct csa_card *grown, *card;

	grown = realloc(*cards, sizeof(*grown) * (*count + 1));
	if (!grown)
		return csa_error(ENOMEM, "out of memory listing accel devices");
	*cards = grown;
	card = &grown[*count];
	memset(card, 0, sizeof(*card));
	if ((size_t)snprintf(card->render_node, sizeof(card->render_node),
			     "/dev/accel/%s", name) >= sizeof(card->render_node))
		return csa_error(ENAMETOOLONG, "accel node name %s is too long",
				 name);
	strcpy(card->pci_address, pci->address);
	card->pci_vendor = pci->vendor;
	card->pci_device = pci->device;
	(*count)++;
	return 0;
}

int csa_enumerate_accel(struct csa_card **cards, int *count)
{
	char path[PATH_MAX], dir[NAME_MAX + 16];
	struct csa_sysfs_pci pci;
	struct dirent *de;
	int ret = 0;
	DIR *d;

	snprintf(path, sizeof(path), "%s/class/accel", csa_sysfs_root());
	d = opendir(path);
	if (!d) {
		/* no accel subsystem in this kernel: no accel cards */
		if (errno == ENOENT)
			return 0;
		return csa_error(errno, "cannot list %s: %s", path,
				 strerror(errno));
	}
	while (!ret && (de = readdir(d))) {
		if (strncmp(de->d_name, "accel", 5))
			continue;
		snprintf(dir, sizeof(dir), "class/accel/%s", de->d_name);
		if (csa_sysfs_node_pci(dir, &pci) ||
		    strcmp(pci.driver, CSA_DRIVER_NAME))
			continue;	/* another driver's, or going away */
		ret = add_card(cards, count, de->d_name, &pci);
	}
	closedir(d);
	return ret;
}
