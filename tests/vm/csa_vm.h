/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * Helpers shared by the CSA VM suites: the card list the VM runner wrote,
 * sysfs/devfs lookups, raw GET_PARAM, module load/unload and /dev/kmsg.
 * Everything returns 0 or a negative errno so tests can print the reason.
 */
#ifndef CSA_VM_H
#define CSA_VM_H

#include <stddef.h>
#include <stdint.h>

#define CSA_VM_MAX_CARDS	8
#define CSA_VM_ADDR_LEN		16	/* "0000:00:08.0" */
#define CSA_VM_PATH_LEN		64

/* One card as QEMU was told to build it (tools/vm/run-vm.sh --card). */
struct csa_vm_card {
	char addr[CSA_VM_ADDR_LEN];
	uint64_t queues;
	uint64_t lanes;
	uint64_t max_k;
	uint64_t max_dim;
	uint64_t max_tensor;
	uint64_t clock_khz;
	uint64_t serial;
	int numa_node;		/* -1 on the root bus, -2 if the list does not say */
};

/* Read $CSA_CARDS_FILE (default /etc/csa-vm/cards); returns the count or -errno. */
int csa_vm_cards(struct csa_vm_card *cards, size_t max);

/* Paths of the VM image (exported by tools/vm/init). */
const char *csa_vm_ko_path(void);
const char *csa_vm_fw_dir(void);
const char *csa_vm_fw_test_dir(void);
/* @name in the data directory (CSA_DATA_DIR, the VM image's /opt/csa/data). */
const char *csa_vm_data_path(const char *name, char *buf, size_t len);

/*
 * The node of the PCI device @addr: /dev/accel/accel* on kernels with
 * CONFIG_DRM_ACCEL, /dev/dri/renderD* elsewhere; -ENOENT when it has none.
 */
int csa_vm_render_node(const char *addr, char *path, size_t len);
int csa_vm_open_render(const char *addr);
/* 1 when card @addr has a compute accel node, 0 when a render node. */
int csa_vm_is_accel(const char *addr);
/*
 * Path of debugfs file @name of card @addr: accel/<addr>/ for an accel
 * device, dri/<primary minor>/ for a render one.
 */
int csa_vm_debugfs_path(const char *addr, const char *name, char *path,
			size_t len);

/* 1 when csa is bound to @addr (/sys/bus/pci/drivers/csa/<addr>), else 0. */
int csa_vm_bound(const char *addr);

/*
 * The card's BAR0 registers through sysfs resource0 (CSA_BAR_REGS_SIZE
 * bytes, munmap when done), or NULL.  Reading them while csa is bound is
 * harmless; writing them is the test's own business.
 */
volatile uint32_t *csa_vm_map_regs(const char *addr);

/* Number of entries in /sys/bus/pci/devices/<addr>/msi_irqs, or -errno. */
int csa_vm_msi_irqs(const char *addr);

/* Parse the whole of a sysfs file as a number (any base strtoull accepts). */
int csa_vm_read_u64(const char *path, uint64_t *value);

/* write(2) @text to @path; -errno of the write (e.g. a failed bind). */
int csa_vm_write_file(const char *path, const char *text);

/* DRM_IOCTL_CSA_GET_PARAM through drmIoctl; -errno on failure. */
int csa_vm_get_param(int fd, uint32_t param, uint32_t flags, uint64_t reserved,
		     uint64_t *value);

/* finit_module(csa.ko) / delete_module("csa"). */
int csa_vm_load_module(void);
/* finit_module(csa.ko) with module parameters, e.g. "job_timeout_ms=100". */
int csa_vm_load_module_params(const char *params);
/* Unload csa (if loaded) and load it with @params; every fd must be closed. */
int csa_vm_reload_module(const char *params);
int csa_vm_unload_module(void);

/* Drop capability @cap (effective, permitted, inheritable) of this process. */
int csa_vm_drop_cap(int cap);
/* Copy a file (firmware swapping); -errno. */
int csa_vm_copy_file(const char *from, const char *to);

/*
 * Kernel log: csa_vm_kmsg_open() positions at the end of /dev/kmsg;
 * csa_vm_kmsg_read() returns the records logged since, one per line as
 * "<level> <text>", NUL terminated (truncated to @len).
 */
int csa_vm_kmsg_open(void);
int csa_vm_kmsg_read(int fd, char *buf, size_t len);

/*
 * Data plane (queues, jobs, fences): raw ioctls, each returning 0 or
 * -errno, so suites can check exact error codes.
 */
struct drm_csa_cmd;
struct drm_csa_bind;

/* BO_CREATE; BO_CREATE + BO_INFO + mmap (MAP_FAILED -> NULL, errno set). */
int csa_vm_bo_create(int fd, uint64_t size, uint32_t *handle);
void *csa_vm_bo_map(int fd, uint32_t handle, uint64_t size);
int csa_vm_bo_userptr(int fd, void *ptr, uint64_t size, uint32_t flags,
		      uint32_t *handle);
int csa_vm_gem_close(int fd, uint32_t handle);

/* QUEUE_CREATE / QUEUE_DESTROY. */
int csa_vm_queue_create(int fd, uint32_t hw_queue, uint32_t priority,
			uint32_t *queue_id);
int csa_vm_queue_destroy(int fd, uint32_t queue_id);

/* DRM_IOCTL_CSA_SUBMIT of a fully prepared struct drm_csa_submit. */
struct drm_csa_submit;
int csa_vm_submit(int fd, struct drm_csa_submit *args);

/* CSA_OP_WRITE_VALUE of @value to slot 0 at @offset. */
struct drm_csa_cmd csa_vm_cmd_write_value(uint64_t offset, uint64_t value);
/* csa_vm_job() that also waits for binary syncobj @in_syncobj (0: none). */
int csa_vm_job_after(int fd, uint32_t queue_id, const struct drm_csa_cmd *cmd,
		     const struct drm_csa_bind *binds, uint32_t nbinds,
		     uint32_t in_syncobj, uint32_t out_syncobj);
/*
 * One job: @cmd on @queue_id with @nbinds buffers; @out_syncobj (0: none)
 * is a binary syncobj that gets the job's fence.
 */
int csa_vm_job(int fd, uint32_t queue_id, const struct drm_csa_cmd *cmd,
	       const struct drm_csa_bind *binds, uint32_t nbinds,
	       uint32_t out_syncobj);

/* Binary syncobj helpers (libdrm). */
int csa_vm_syncobj_create(int fd, uint32_t *handle);
int csa_vm_syncobj_destroy(int fd, uint32_t handle);
/* Wait for a binary syncobj, relative @timeout_ms; -ETIME on expiry. */
int csa_vm_syncobj_wait(int fd, uint32_t handle, int64_t timeout_ms);

/*
 * Status of the fence in a binary syncobj, read through a sync_file
 * (SYNC_IOC_FILE_INFO): 1 signalled OK, 0 still running, < 0 the fence
 * error (-EIO, -ETIMEDOUT, ...).  Returns 0 or -errno of the export.
 */
int csa_vm_fence_status(int fd, uint32_t syncobj, int *status);

/* Wait up to @timeout_ms for a job's syncobj, then its fence status. */
int csa_vm_job_result(int fd, uint32_t syncobj, int64_t timeout_ms);

/* "count" of debugfs csa_bos of card @addr (csa_vm_debugfs_path()). */
int csa_vm_debugfs_bos(const char *addr, uint64_t *count);
/* Hardware queues of card @addr executing a descriptor (debugfs csa_queues). */
int csa_vm_debugfs_busy_queues(const char *addr, uint32_t *mask);

/*
 * Poll csa_bos of card @addr for up to @timeout_ms until it is back to
 * @baseline (jobs drop their BO references in the scheduler's free_job,
 * a little after their fences signal); returns the last count seen.
 */
uint64_t csa_vm_debugfs_bos_settle(const char *addr, uint64_t baseline,
				   int timeout_ms);

/*
 * Open the render node of the first card of the VM's card list; its PCI
 * address goes to @addr (CSA_VM_ADDR_LEN bytes) when not NULL.
 */
int csa_vm_open_first(char *addr);

/* CLOCK_MONOTONIC in ns. */
int64_t csa_vm_now_ns(void);

#endif /* CSA_VM_H */
