// SPDX-License-Identifier: MIT
/*
 * Finding CSA cards, opening and closing them: render nodes through
 * libdrm, compute accel nodes through sysfs (accel.c); one list, one
 * open path for both.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <xf86drm.h>

#include "internal.h"

/* Does this libdrm device have a render node driven by csa? */
static bool is_csa_device(const drmDevice *d)
{
	char driver[CSA_NAME_LEN];
	const char *node, *base;
	drmVersionPtr ver;
	bool match;
	int fd;

	if (!(d->available_nodes & (1 << DRM_NODE_RENDER)) ||
	    d->bustype != DRM_BUS_PCI)
		return false;
	node = d->nodes[DRM_NODE_RENDER];

	fd = open(node, O_RDWR | O_CLOEXEC);
	if (fd >= 0) {
		ver = drmGetVersion(fd);
		match = ver && strcmp(ver->name, CSA_DRIVER_NAME) == 0;
		drmFreeVersion(ver);
		close(fd);
		return match;
	}
	/* Not allowed to open it (e.g. not in group "render"): still list the
	 * card, by the driver sysfs says is bound, so the user learns it exists
	 * and gets -EACCES from csa_open() instead of "no card".
	 */
	base = strrchr(node, '/');
	base = base ? base + 1 : node;
	if (csa_sysfs_drm_driver(base, driver, sizeof(driver)))
		return false;
	return strcmp(driver, CSA_DRIVER_NAME) == 0;
}

static int fill_card(struct csa_card *card, const drmDevice *d)
{
	const drmPciBusInfo *bus = d->businfo.pci;
	const char *node = d->nodes[DRM_NODE_RENDER];

	memset(card, 0, sizeof(*card));
	if (strlen(node) >= sizeof(card->render_node))
		return csa_error(ENAMETOOLONG, "render node path %s is too long",
				 node);
	strcpy(card->render_node, node);
	card->pci_vendor = d->deviceinfo.pci->vendor_id;
	card->pci_device = d->deviceinfo.pci->device_id;
	return csa_format_pci_address(card->pci_address,
				      sizeof(card->pci_address), bus->domain,
				      bus->bus, bus->dev, bus->func);
}

/* The fixed-width hex address sorts as text exactly as it does as numbers. */
static int compare_cards(const void *a, const void *b)
{
	const struct csa_card *ca = a, *cb = b;

	return strcmp(ca->pci_address, cb->pci_address);
}

/* Render-node cards libdrm lists, appended to *@found (*@count of them). */
static int enumerate_render(struct csa_card **found, int *count)
{
	drmDevicePtr *devs = NULL;
	struct csa_card *grown;
	int n, i, ret;

	n = drmGetDevices2(0, NULL, 0);
	if (n == -ENOENT)	/* no /dev/dri at all: no DRM device, no card */
		return 0;
	if (n < 0)
		return csa_error(-n, "cannot list DRM devices: %s", strerror(-n));
	if (n == 0)
		return 0;

	devs = calloc(n, sizeof(*devs));
	grown = realloc(*found, sizeof(*grown) * (*count + n));
	if (grown)
		*found = grown;
	if (!devs || !grown) {
		free(devs);
		return csa_error(ENOMEM, "out of memory listing DRM devices");
	}
	n = drmGetDevices2(0, devs, n);
	if (n < 0) {
		free(devs);
		return csa_error(-n, "cannot list DRM devices: %s", strerror(-n));
	}
	ret = 0;
	for (i = 0; i < n && !ret; i++) {
		if (!is_csa_device(devs[i]))
			continue;
		ret = fill_card(&(*found)[*count], devs[i]);
		if (!ret)
			(*count)++;
	}
	drmFreeDevices(devs, n);
	free(devs);
	return ret;
}

CSA_EXPORT int csa_enumerate(struct csa_card *cards, size_t max)
{
	struct csa_card *found = NULL;
	int count = 0, ret;

	if (!cards && max)
		return csa_error(EINVAL, "csa_enumerate: cards is NULL but max is %zu",
				 max);

	ret = enumerate_render(&found, &count);
	if (!ret)
		ret = csa_enumerate_accel(&found, &count);
	if (ret) {
		free(found);
		return ret;
	}
	if (count)
		qsort(found, count, sizeof(*found), compare_cards);
	if (cards && count)
		memcpy(cards, found,
		       sizeof(*found) * ((size_t)count < max ? (size_t)count : max));
	free(found);
	return count;
}

/* The PCI identity of a render node, from libdrm. */
static int identify_render(struct csa_device *dev, const char *path)
{
	const drmPciBusInfo *bus;
	drmDevicePtr d;
	int ret;

	ret = drmGetDevice2(dev->fd, 0, &d);
	if (ret)
		return csa_error(-ret, "%s: cannot read the device's bus information: %s",
				 path, strerror(-ret));
	if (d->bustype != DRM_BUS_PCI) {
		drmFreeDevice(&d);
		return csa_error(ENODEV, "%s: csa device is not on PCI", path);
	}
	bus = d->businfo.pci;
	dev->pci_vendor = d->deviceinfo.pci->vendor_id;
	dev->pci_device = d->deviceinfo.pci->device_id;
	ret = csa_format_pci_address(dev->pci_address, sizeof(dev->pci_address),
				     bus->domain, bus->bus, bus->dev, bus->func);
	drmFreeDevice(&d);
	return ret;
}

/* The PCI identity of an accel node, from sysfs: libdrm knows none. */
static int identify_accel(struct csa_device *dev, const char *path,
			  dev_t rdev)
{
	struct csa_sysfs_pci pci;
	char dir[32];
	int ret;

	snprintf(dir, sizeof(dir), "dev/char/%u:%u", major(rdev), minor(rdev));
	ret = csa_sysfs_node_pci(dir, &pci);
	if (ret == -ENODEV)
		return csa_error(ENODEV, "%s: csa device is not on PCI", path);
	if (ret)
		return csa_error(-ret, "%s: cannot read the device's bus information from %s/%s: %s",
				 path, csa_sysfs_root(), dir, strerror(-ret));
	strcpy(dev->pci_address, pci.address);
	dev->pci_vendor = pci.vendor;
	dev->pci_device = pci.device;
	return 0;
}

/* Checks that @fd is a csa render or accel node and records its identity. */
static int identify(struct csa_device *dev, const char *path)
{
	drmVersionPtr ver;
	struct stat st;
	bool accel;
	int ret;

	if (fstat(dev->fd, &st) || !S_ISCHR(st.st_mode))
		return csa_error(ENODEV, "%s is not a DRM device node", path);
	accel = csa_sysfs_is_accel(major(st.st_rdev), minor(st.st_rdev));
	if (!accel && drmGetNodeTypeFromFd(dev->fd) < 0)
		return csa_error(ENODEV, "%s is not a DRM device node", path);

	ver = drmGetVersion(dev->fd);
	if (!ver)
		return csa_error(ENODEV, "%s: cannot read the DRM driver version: %s",
				 path, strerror(errno));
	if (strcmp(ver->name, CSA_DRIVER_NAME)) {
		ret = csa_error(ENODEV, "%s is driven by \"%s\", not by %s: not a CSA card",
				path, ver->name, CSA_DRIVER_NAME);
		drmFreeVersion(ver);
		return ret;
	}
	drmFreeVersion(ver);

	return accel ? identify_accel(dev, path, st.st_rdev) :
		       identify_render(dev, path);
}

/* Where this device's buffers go: the card's node unless $CSA_NUMA says
 * otherwise.  A malformed sysfs node is csa_query()'s error to report:
 * here it only means "no node".
 */
static int choose_numa_node(struct csa_device *dev)
{
	if (csa_sysfs_numa_node(dev->pci_address, &dev->card_node))
		dev->card_node = -1;
	return csa_numa_choose(getenv("CSA_NUMA"), dev->card_node,
			       csa_numa_max_node(), &dev->numa_node);
}

CSA_EXPORT int csa_open_path(const char *path, struct csa_device **devp)
{
	struct csa_device *dev;
	int ret;

	if (!path || !devp)
		return csa_error(EINVAL, "csa_open_path: path and devp must not be NULL");
	*devp = NULL;
	if (strlen(path) >= CSA_PATH_LEN)
		return csa_error(ENAMETOOLONG, "device path %s is longer than %d bytes",
				 path, CSA_PATH_LEN - 1);

	dev = calloc(1, sizeof(*dev));
	if (!dev)
		return csa_error(ENOMEM, "out of memory opening %s", path);
	strcpy(dev->render_node, path);

	dev->fd = open(path, O_RDWR | O_CLOEXEC);
	if (dev->fd < 0) {
		ret = csa_error(errno, "cannot open %s: %s", path, strerror(errno));
		free(dev);
		return ret;
	}
	ret = identify(dev, path);
	if (!ret)
		ret = choose_numa_node(dev);
	if (ret) {
		close(dev->fd);
		free(dev);
		return ret;
	}
	*devp = dev;
	return 0;
}

CSA_EXPORT int csa_open(unsigned int index, struct csa_device **devp)
{
	struct csa_card *cards;
	int n, ret;

	if (!devp)
		return csa_error(EINVAL, "csa_open: devp must not be NULL");
	*devp = NULL;

	n = csa_enumerate(NULL, 0);
	if (n < 0)
		return n;
	if (index >= (unsigned int)n)
		return csa_error(ENODEV, "no CSA card with index %u (%d found)",
				 index, n);
	cards = calloc(n, sizeof(*cards));
	if (!cards)
		return csa_error(ENOMEM, "out of memory listing cards");
	ret = csa_enumerate(cards, n);
	if (ret >= 0 && index >= (unsigned int)ret)	/* a card went away */
		ret = csa_error(ENODEV, "no CSA card with index %u (%d found)",
				index, ret);
	else if (ret >= 0)
		ret = csa_open_path(cards[index].render_node, devp);
	free(cards);
	return ret;
}

CSA_EXPORT void csa_close(struct csa_device *dev)
{
	if (!dev)
		return;
	csa_bo_release_all(dev);
	close(dev->fd);
	free(dev);
}

CSA_EXPORT int csa_fd(const struct csa_device *dev)
{
	return dev->fd;
}

CSA_EXPORT const char *csa_render_node(const struct csa_device *dev)
{
	return dev->render_node;
}
