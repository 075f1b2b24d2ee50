/* SPDX-License-Identifier: MIT */
/*
 * libcsa internals shared between the library's files.  Nothing here is
 * exported from libcsa.so (hidden visibility); host unit tests reach these
 * functions by linking the static library.
 */
#ifndef CSA_INTERNAL_H
#define CSA_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "csa/csa.h"

struct csa_device {
	int fd;
	char render_node[CSA_PATH_LEN];
	char pci_address[CSA_PCI_ADDRESS_LEN];
	uint16_t pci_vendor;
	uint16_t pci_device;
	int card_node;		/* sysfs numa_node of the card, -1 = none */
	int numa_node;		/* where buffers go, CSA_NUMA_OFF = nowhere */
	struct csa_bo *bos;	/* live buffers (import finds its own again) */
};

struct csa_bo {
	struct csa_device *dev;
	struct csa_bo *next;	/* in dev->bos */
	uint32_t handle;
	uint32_t bo_flags;	/* DRM_CSA_BO_FLAG_* */
	uint64_t size;
	uint64_t mmap_offset;
	void *map;		/* CPU mapping (or the userptr), NULL if none */
	bool own_map;		/* map is our mmap() and is unmapped at free */
	unsigned int refs;	/* csa_bo_import() of a handle we have */
};

struct csa_fence {
	struct csa_device *dev;
	uint32_t handle;
	bool timeline;
};

struct csa_queue {
	struct csa_device *dev;
	uint32_t id;
	struct csa_fence *sync_fence;	/* out fence of csa_run_sync() */
};

/* Round @v up to a multiple of @align (a power of two). */
static inline uint64_t csa_align_up(uint64_t v, uint64_t align)
{
	return (v + align - 1) & ~(align - 1);
}

/*
 * error.c: store a message for csa_last_error(); returns -err.  This and
 * csa_error_prefix() are exported in the LIBCSA_PRIVATE version node
 * (lib/libcsa.map) for libcsa-pack only, so both libraries share one
 * message slot; they are not API.
 */
CSA_EXPORT int csa_error(int err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/*
 * error.c: put "<fmt...>: " before the calling thread's current message,
 * for a caller that adds where a callee's failure happened; returns @ret
 * (the callee's negative errno) unchanged.
 */
CSA_EXPORT int csa_error_prefix(int ret, const char *fmt, ...)
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

/*
 * sysfs.c: the PCI device behind the char device directory @dir, relative
 * to the sysfs root ("class/accel/accel0", "dev/char/261:0"): bound driver,
 * address and IDs.  Returns 0 or a negative errno, without a message.
 */
struct csa_sysfs_pci {
	char driver[CSA_NAME_LEN];
	char address[CSA_PCI_ADDRESS_LEN];
	uint16_t vendor;
	uint16_t device;
};
int csa_sysfs_node_pci(const char *dir, struct csa_sysfs_pci *pci);

/* sysfs.c: is char device @major:@minor a compute accel node? */
bool csa_sysfs_is_accel(unsigned int major, unsigned int minor);

/*
 * accel.c: append the cards on compute accel nodes (/dev/accel/accel*,
 * from /sys/class/accel: libdrm does not list them) to *@cards, which
 * holds *@count and is grown with realloc.  Returns 0 or a negative errno
 * with a message.
 */
int csa_enumerate_accel(struct csa_card **cards, int *count);

/*
 * numa.c: the placement node for a device: @env is $CSA_NUMA (NULL when
 * unset), @card_node the card's sysfs node (-1 none), @max_node the
 * highest node of the system (-1: no NUMA support).  Returns 0 and sets
 * @node (CSA_NUMA_OFF for none) or -EINVAL with a message.
 */
int csa_numa_choose(const char *env, int card_node, int max_node, int *node);

/* numa.c: highest node number of the system, -1 without NUMA support. */
int csa_numa_max_node(void);

/*
 * numa.c: run the allocations between csa_numa_enter() and csa_numa_leave()
 * on @node (MPOL_PREFERRED for the calling thread); node < 0 does nothing.
 * The thread's own policy is restored afterwards.
 */
#define CSA_NUMA_MASK_LONGS	16	/* 1024 nodes, Debian's MAX_NUMNODES */
struct csa_numa_scope {
	bool active;
	int mode;
	unsigned long mask[CSA_NUMA_MASK_LONGS];
};
void csa_numa_enter(int node, struct csa_numa_scope *scope);
void csa_numa_leave(struct csa_numa_scope *scope);

/* numa.c: prefer @node for the pages of [addr, addr + len) (mbind). */
int csa_numa_bind_range(int node, void *addr, size_t len);

/* bo.c: release what csa_close() finds still open. */
void csa_bo_release_all(struct csa_device *dev);

/* error.c: message for a failed ioctl: "<node>: <what>: <strerror>". */
int csa_ioctl_error(const struct csa_device *dev, int err, const char *what);

#endif /* CSA_INTERNAL_H */
