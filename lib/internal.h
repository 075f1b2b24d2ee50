/* SPDX-License-Identifier: MIT */
/*
 * libcsa internals shared between the library's files.  Nothing here is
 * exported from libcsa.so (hidden visibility); host unit tests reach these
 * functions by linking the static library.
 */
#ifndef CSA_INTERNAL_H
#define CSA_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "csa/csa.h"

struct csa_device {
	int fd;
	char render_node[CSA_PATH_LEN];
	char pci_address[CSA_PCI_ADDRESS_LEN];
	uint16_t pci_vendor;
	uint16_t pci_device;
};

/* error.c: store a message for csa_last_error(); returns -err. */
int csa_error(int err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* pci.c: "dddd:bb:dd.f"; returns 0 or -ENOSPC if @len is too small. */
int csa_format_pci_address(char *buf, size_t len, unsigned int domain,
			   unsigned int bus, unsigned int dev,
			   unsigned int func);

/* sysfs.c: root of the sysfs tree ("/sys"); tests point it at a fake tree. */
void csa_sysfs_set_root(const char *root);
const char *csa_sysfs_root(void);

/*
 * sysfs.c: NUMA node of a PCI device; -1 when the system reports none or the
 * device has no numa_node file.  Returns 0 or -EINVAL for a malformed file.
 */
int csa_sysfs_numa_node(const char *pci_address, int *node);

/*
 * sysfs.c: name of the driver bound to DRM node @node_name ("renderD128"),
 * from /sys/class/drm/<node>/device/driver.  Returns 0 or a negative errno
 * and sets no message: callers use it as a fallback, not as a failure.
 */
int csa_sysfs_drm_driver(const char *node_name, char *buf, size_t len);

#endif /* CSA_INTERNAL_H */
