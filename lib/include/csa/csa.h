/* SPDX-License-Identifier: MIT */
/*
 * libcsa: userspace access to CSA accelerator cards (csa DRM render nodes).
 *
 * Conventions of every function:
 *  - returns 0 (or a non-negative count) on success and a negative errno
 *    value on failure; it never sets errno as its only error report;
 *  - on failure a readable message is kept for the calling thread and is
 *    returned by csa_last_error();
 *  - a struct csa_device is used by one thread at a time.
 *
 * Reference: docs/libcsa.md.  Link with `pkg-config --cflags --libs csa`.
 */
#ifndef CSA_CSA_H
#define CSA_CSA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The ioctl ABI: DRM_CSA_PARAM_*, CSA_DRIVER_NAME, CSA_UAPI_VERSION_*. */
#include "csa_drm.h"

#if defined(__cplusplus)
extern "C" {
#endif

/* Library version (source level); csa_library_version() is the run-time one. */
#define CSA_VERSION_MAJOR	1
#define CSA_VERSION_MINOR	1
#define CSA_VERSION_PATCH	0
#define CSA_VERSION \
	((CSA_VERSION_MAJOR << 16) | (CSA_VERSION_MINOR << 8) | CSA_VERSION_PATCH)

/* Marks the library's public symbols; everything else is hidden. */
#define CSA_EXPORT __attribute__((visibility("default")))

/* Buffer sizes of the strings below, including the terminating NUL. */
#define CSA_PATH_LEN		64	/* "/dev/dri/renderD128" */
#define CSA_PCI_ADDRESS_LEN	16	/* "0000:00:04.0" */
#define CSA_NAME_LEN		64	/* driver name, date, description */

/**
 * struct csa_card - one CSA card found by csa_enumerate()
 * @render_node: path of the card's node: its compute accel node, e.g.
 *	"/dev/accel/accel0", on kernels with CONFIG_DRM_ACCEL, its render
 *	node, e.g. "/dev/dri/renderD128", elsewhere
 * @pci_address: PCI address "domain:bus:device.function", e.g. "0000:00:04.0"
 * @pci_vendor: PCI vendor ID
 * @pci_device: PCI device ID
 */
struct csa_card {
	char render_node[CSA_PATH_LEN];
	char pci_address[CSA_PCI_ADDRESS_LEN];
	uint16_t pci_vendor;
	uint16_t pci_device;
};

/**
 * struct csa_info - everything known about an open card (csa_query())
 * @uapi_version: ioctl ABI of the driver, major << 16 | minor
 * @features: DRM_CSA_FEATURE_* bits
 * @hw_version: card hardware version, major << 16 | minor
 * @fw_version: running firmware, major << 16 | minor << 8 | patch
 * @fw_abi: ABI version of the running firmware
 * @num_queues: number of hardware queues
 * @dp_lanes: parallel multiply lanes of the datapath
 * @max_k: maximum number of kernels in one packed group (pack factor K)
 * @max_dim: maximum size of one tensor dimension
 * @max_tensor: maximum number of elements of one tensor
 * @clock_khz: datapath clock in kHz
 * @serial: board serial number
 * @pci_vendor: PCI vendor ID
 * @pci_device: PCI device ID
 * @numa_node: NUMA node of the card, -1 if the system reports none
 * @pci_address: PCI address "domain:bus:device.function"
 * @render_node: path of the DRM node the device was opened with
 * @driver_name: kernel driver name (drmGetVersion), CSA_DRIVER_NAME
 * @driver_date: kernel driver date string
 * @driver_desc: kernel driver description
 * @driver_major: kernel driver major version
 * @driver_minor: kernel driver minor version
 * @driver_patch: kernel driver patch level
 */
struct csa_info {
	uint32_t uapi_version;
	uint64_t features;
	uint32_t hw_version;
	uint32_t fw_version;
	uint32_t fw_abi;
	uint32_t num_queues;
	uint32_t dp_lanes;
	uint32_t max_k;
	uint32_t max_dim;
	uint64_t max_tensor;
	uint32_t clock_khz;
	uint64_t serial;
	uint16_t pci_vendor;
	uint16_t pci_device;
	int numa_node;
	char pci_address[CSA_PCI_ADDRESS_LEN];
	char render_node[CSA_PATH_LEN];
	char driver_name[CSA_NAME_LEN];
	char driver_date[CSA_NAME_LEN];
	char driver_desc[CSA_NAME_LEN];
	int driver_major;
	int driver_minor;
	int driver_patch;
};

/* An open card; opaque. */
struct csa_device;

/**
 * csa_library_version() - version of the loaded library
 *
 * Return: CSA_VERSION of the library actually linked at run time.
 */
CSA_EXPORT unsigned int csa_library_version(void);

/**
 * csa_last_error() - readable message of the calling thread's last failure
 *
 * Successful calls do not clear the message (like errno).
 *
 * Return: a thread-local string, valid until the next failing libcsa call
 * in the same thread; "no error" if nothing has failed yet.
 */
CSA_EXPORT const char *csa_last_error(void);

/**
 * csa_enumerate() - find the CSA cards of the system
 * @cards: array to fill, may be NULL when @max is 0
 * @max: number of elements of @cards
 *
 * Finds the devices whose driver is CSA_DRIVER_NAME, with a compute accel
 * node (listed in /sys/class/accel) or a render node (libdrm's
 * drmGetDevices2()), in a stable order (by PCI address).  Index i of this order is what
 * csa_open() takes.  A system without any DRM device has 0 cards, which is
 * not an error.
 *
 * Return: the number of cards found (may be larger than @max; only the
 * first @max are stored), or a negative errno.
 */
CSA_EXPORT int csa_enumerate(struct csa_card *cards, size_t max);

/**
 * csa_open() - open a card by index
 * @index: position in the order of csa_enumerate()
 * @devp: on success, receives the open device; free it with csa_close()
 *
 * Return: 0, -ENODEV if there is no card with this index, or another
 * negative errno (e.g. -EACCES when the node may not be opened).
 */
CSA_EXPORT int csa_open(unsigned int index, struct csa_device **devp);

/**
 * csa_open_path() - open a card by the path of its DRM node
 * @path: accel or render node, e.g. "/dev/accel/accel0", "/dev/dri/renderD128"
 * @devp: on success, receives the open device; free it with csa_close()
 *
 * Return: 0, -ENOENT if @path does not exist, -ENODEV if @path is not a DRM
 * node or its driver is not CSA_DRIVER_NAME, or another negative errno.
 */
CSA_EXPORT int csa_open_path(const char *path, struct csa_device **devp);

/**
 * csa_close() - close a card and free it
 * @dev: device from csa_open() or csa_open_path(); NULL is ignored
 *
 * Buffers still open are unmapped and freed; destroy fences and queues
 * first (the kernel releases their objects, but not their memory here).
 */
CSA_EXPORT void csa_close(struct csa_device *dev);

/**
 * csa_fd() - file descriptor of the card's DRM node
 * @dev: open device
 *
 * The descriptor stays owned by @dev: do not close it.  Useful for direct
 * ioctls and libdrm calls (syncobjs, GEM handles).
 *
 * Return: the file descriptor.
 */
CSA_EXPORT int csa_fd(const struct csa_device *dev);

/**
 * csa_render_node() - path of the DRM node (accel or render) the device was opened with
 * @dev: open device
 *
 * Return: the path, valid until csa_close().
 */
CSA_EXPORT const char *csa_render_node(const struct csa_device *dev);

/**
 * csa_get_param() - read one card parameter (DRM_IOCTL_CSA_GET_PARAM)
 * @dev: open device
 * @param: one of DRM_CSA_PARAM_*
 * @value: receives the value
 *
 * The ioctl is restarted on EINTR/EAGAIN.
 *
 * Return: 0, -EINVAL for a parameter the driver does not know, -EFAULT if
 * @value is NULL, or another negative errno from the driver.
 */
CSA_EXPORT int csa_get_param(struct csa_device *dev, uint32_t param,
			     uint64_t *value);

/**
 * csa_param_name() - name of a parameter, for messages
 * @param: one of DRM_CSA_PARAM_*
 *
 * Return: e.g. "FW_VERSION", or NULL for a parameter libcsa does not know.
 */
CSA_EXPORT const char *csa_param_name(uint32_t param);

/**
 * csa_query() - everything known about a card
 * @dev: open device
 * @info: filled on success (see struct csa_info)
 *
 * Reads all DRM_CSA_PARAM_* values, the driver version and the card's NUMA
 * node (/sys/bus/pci/devices/<address>/numa_node).
 *
 * Return: 0 or a negative errno; on failure @info is partly filled.
 */
CSA_EXPORT int csa_query(struct csa_device *dev, struct csa_info *info);

/* ------------------------------------------------------------------------
 * Limits and features of uapi 1.1 (query.c)
 */

/**
 * struct csa_limits - data-plane limits of a card (csa_query_limits())
 * @max_binds: most buffers one job may bind (DRM_CSA_PARAM_MAX_BINDS)
 * @max_bo_size: largest buffer object in bytes (DRM_CSA_PARAM_MAX_BO_SIZE)
 * @job_timeout_ms: a job running longer is reset (DRM_CSA_PARAM_JOB_TIMEOUT_MS)
 * @max_syncs: most in (and most out) fences of one job (DRM_CSA_MAX_SYNCS)
 */
struct csa_limits {
	uint32_t max_binds;
	uint32_t job_timeout_ms;
	uint64_t max_bo_size;
	uint32_t max_syncs;
	uint32_t reserved;
};

/**
 * csa_query_limits() - read the data-plane limits of a card (uapi >= 1.1)
 * @dev: open device
 * @limits: filled on success
 *
 * Return: 0, -EOPNOTSUPP for a driver older than uapi 1.1, or a negative
 * errno of csa_get_param().
 */
CSA_EXPORT int csa_query_limits(struct csa_device *dev,
				struct csa_limits *limits);

/**
 * csa_feature_name() - name of one DRM_CSA_FEATURE_* bit, for messages
 * @bit: bit number (0 for DRM_CSA_FEATURE_BO)
 *
 * Return: e.g. "BO", or NULL for a bit this library does not know.
 */
CSA_EXPORT const char *csa_feature_name(unsigned int bit);

/* ------------------------------------------------------------------------
 * Deadlines (deadline.c).  Every wait takes an absolute CLOCK_MONOTONIC
 * deadline in nanoseconds, as the kernel does; these make one.
 */

/* A deadline that never passes. */
#define CSA_DEADLINE_INFINITE	INT64_MAX

/**
 * csa_now_ns() - the current CLOCK_MONOTONIC time in nanoseconds
 *
 * Return: the time.
 */
CSA_EXPORT int64_t csa_now_ns(void);

/**
 * csa_deadline_after() - absolute deadline @timeout_ns from now
 * @timeout_ns: relative timeout; 0 gives "now" (poll), a negative value
 *              CSA_DEADLINE_INFINITE; saturates instead of overflowing
 *
 * Return: the deadline.
 */
CSA_EXPORT int64_t csa_deadline_after(int64_t timeout_ns);

/* ------------------------------------------------------------------------
 * NUMA placement (numa.c)
 *
 * By default libcsa puts the pages of every buffer object it creates, and
 * of every csa_host_alloc() allocation, on the card's NUMA node (sysfs
 * numa_node), before anything touches them.  The environment variable
 * CSA_NUMA, read by csa_open() and csa_open_path(), changes that default:
 * "off" (or "none") disables placement, "auto" keeps the card's node, a
 * number selects that node.  csa_set_numa_node() changes it per device.
 */

/* csa_set_numa_node(): no placement, pages go where first touch puts them. */
#define CSA_NUMA_OFF		(-1)
/* csa_set_numa_node(): the card's own node (the default). */
#define CSA_NUMA_AUTO		(-2)

/**
 * csa_set_numa_node() - choose where this device's buffers are placed
 * @dev: open device
 * @node: a NUMA node number, CSA_NUMA_AUTO or CSA_NUMA_OFF
 *
 * Affects buffers created afterwards.  A card without a NUMA node (or a
 * system without NUMA) makes CSA_NUMA_AUTO mean CSA_NUMA_OFF.
 *
 * Return: 0, or -EINVAL for a node the system does not have.
 */
CSA_EXPORT int csa_set_numa_node(struct csa_device *dev, int node);

/**
 * csa_numa_node() - the node this device's buffers are placed on
 * @dev: open device
 *
 * Return: the node, or CSA_NUMA_OFF (-1) when placement is off.
 */
CSA_EXPORT int csa_numa_node(const struct csa_device *dev);

/**
 * csa_host_alloc() - page-aligned host memory on the device's NUMA node
 * @dev: open device
 * @size: bytes (> 0); rounded up to whole pages
 * @ptrp: receives the memory, zero-filled
 *
 * Anonymous memory bound (mbind, MPOL_PREFERRED) to csa_numa_node() before
 * its first touch: the right memory for csa_bo_userptr().  Free it with
 * csa_host_free() and the same @size.
 *
 * Return: 0, -EINVAL for size 0 or a NULL @ptrp, -ENOMEM.
 */
CSA_EXPORT int csa_host_alloc(struct csa_device *dev, size_t size,
			      void **ptrp);

/**
 * csa_host_free() - free memory of csa_host_alloc()
 * @ptr: the memory; NULL is ignored
 * @size: the size given to csa_host_alloc()
 */
CSA_EXPORT void csa_host_free(void *ptr, size_t size);

/* ------------------------------------------------------------------------
 * Buffer objects (bo.c)
 */

/* A GEM buffer object of one device; opaque. */
struct csa_bo;

/* csa_bo_create() flags */
#define CSA_BO_NO_NUMA		(1u << 0)	/* do not place this BO's pages */

/* csa_bo_userptr() flags */
#define CSA_USERPTR_READ_ONLY	(1u << 0)	/* the card may only read it */

/* csa_bo_wait() flags */
#define CSA_WAIT_READ		(1u << 0)	/* CPU only reads: wait for the
						 * card's writers only */

/**
 * struct csa_bo_info - what the kernel reports of a buffer (csa_bo_info())
 * @size: size in bytes (page multiple)
 * @mmap_offset: fake offset for mmap() on csa_fd(), 0 if not mappable
 * @handle: GEM handle, valid on csa_fd() only
 * @flags: DRM_CSA_BO_FLAG_* (USERPTR, READ_ONLY, IMPORTED)
 */
struct csa_bo_info {
	uint64_t size;
	uint64_t mmap_offset;
	uint32_t handle;
	uint32_t flags;
};

/**
 * csa_bo_create() - create a buffer object
 * @dev: open device
 * @size: bytes (> 0), rounded up to whole pages
 * @flags: CSA_BO_* flags
 * @bop: receives the buffer; free it with csa_bo_free()
 *
 * With NUMA placement on (csa_numa_node() >= 0 and no CSA_BO_NO_NUMA) the
 * buffer is mapped at once while the calling thread prefers that node, so
 * its pages are allocated there; otherwise the first csa_bo_map() maps it.
 *
 * Return: 0, -EINVAL (size 0, unknown flag, NULL pointer), -E2BIG (above
 * DRM_CSA_PARAM_MAX_BO_SIZE), -EOPNOTSUPP (driver without
 * DRM_CSA_FEATURE_BO), -ENOMEM, or another negative errno.
 */
CSA_EXPORT int csa_bo_create(struct csa_device *dev, uint64_t size,
			     uint32_t flags, struct csa_bo **bop);

/**
 * csa_bo_userptr() - wrap the caller's own memory in a buffer object
 * @dev: open device
 * @ptr: start, page aligned (csa_host_alloc() memory is)
 * @size: bytes, a page multiple, > 0
 * @flags: CSA_USERPTR_* flags
 * @bop: receives the buffer; free it with csa_bo_free() before @ptr
 *
 * The card reads (and unless CSA_USERPTR_READ_ONLY writes) the memory in
 * place; the kernel pins it while the buffer or a job using it exists.
 *
 * Return: 0, -EINVAL (misaligned, size, flags), -EFAULT (not mapped, or
 * read-only memory without CSA_USERPTR_READ_ONLY), -ENOMEM (RLIMIT_MEMLOCK),
 * -E2BIG, -EOPNOTSUPP (no DRM_CSA_FEATURE_USERPTR), or another negative errno.
 */
CSA_EXPORT int csa_bo_userptr(struct csa_device *dev, void *ptr,
			      uint64_t size, uint32_t flags,
			      struct csa_bo **bop);

/**
 * csa_bo_import() - import a PRIME (dma-buf) file descriptor
 * @dev: open device
 * @fd: dma-buf file descriptor; stays owned by the caller
 * @bop: receives the buffer; free it with csa_bo_free()
 *
 * Importing a buffer this device already has (e.g. one it exported) gives
 * the same struct csa_bo again, with one more reference.
 *
 * Return: 0 or a negative errno (-EBADF, -EINVAL for a fd that is not a
 * dma-buf, -EOPNOTSUPP).
 */
CSA_EXPORT int csa_bo_import(struct csa_device *dev, int fd,
			     struct csa_bo **bop);

/**
 * csa_bo_export() - export a buffer as a PRIME (dma-buf) file descriptor
 * @bo: the buffer
 * @fdp: receives a new close-on-exec, read/write descriptor; close it
 *
 * Return: 0 or a negative errno.
 */
CSA_EXPORT int csa_bo_export(struct csa_bo *bo, int *fdp);

/**
 * csa_bo_map() - CPU address of a buffer
 * @bo: the buffer
 * @ptrp: receives the address, valid until csa_bo_free()
 *
 * The first call maps the buffer (mmap of csa_fd() at the BO_INFO offset,
 * shared, read/write); later calls return the same address.  For a userptr
 * buffer it is the memory given to csa_bo_userptr().  Call csa_bo_wait()
 * before the CPU reads what a job wrote.
 *
 * Return: 0, -EOPNOTSUPP (the kernel reports no mmap offset, e.g. some
 * imported buffers), or the negative errno of mmap().
 */
CSA_EXPORT int csa_bo_map(struct csa_bo *bo, void **ptrp);

/**
 * csa_bo_wait() - wait until the CPU may access a buffer
 * @bo: the buffer
 * @flags: CSA_WAIT_READ or 0 (the CPU writes too: wait for every job)
 * @deadline_ns: absolute CLOCK_MONOTONIC deadline (csa_deadline_after());
 *               one in the past only polls
 *
 * Return: 0 (jobs done, caches synced for the CPU), -ETIMEDOUT if jobs still
 * use the buffer at the deadline, or another negative errno.
 */
CSA_EXPORT int csa_bo_wait(struct csa_bo *bo, uint32_t flags,
			   int64_t deadline_ns);

/**
 * csa_bo_wait_timeout() - csa_bo_wait() with a relative timeout
 * @bo: the buffer
 * @flags: as csa_bo_wait()
 * @timeout_ns: relative timeout (csa_deadline_after() rules)
 *
 * Return: as csa_bo_wait().
 */
CSA_EXPORT int csa_bo_wait_timeout(struct csa_bo *bo, uint32_t flags,
				   int64_t timeout_ns);

/**
 * csa_bo_info() - ask the kernel about a buffer (DRM_IOCTL_CSA_BO_INFO)
 * @bo: the buffer
 * @info: filled on success
 *
 * Return: 0 or a negative errno.
 */
CSA_EXPORT int csa_bo_info(const struct csa_bo *bo, struct csa_bo_info *info);

/**
 * csa_bo_handle() - GEM handle of a buffer, for raw ioctls on csa_fd()
 * @bo: the buffer
 *
 * Return: the handle.
 */
CSA_EXPORT uint32_t csa_bo_handle(const struct csa_bo *bo);

/**
 * csa_bo_size() - size of a buffer in bytes
 * @bo: the buffer
 *
 * Return: the size (page multiple).
 */
CSA_EXPORT uint64_t csa_bo_size(const struct csa_bo *bo);

/**
 * csa_bo_free() - drop a reference; the last one unmaps and closes the BO
 * @bo: the buffer; NULL is ignored
 *
 * Jobs still using the buffer keep the kernel object alive until they end.
 */
CSA_EXPORT void csa_bo_free(struct csa_bo *bo);

/* ------------------------------------------------------------------------
 * Fences (fence.c): DRM syncobjs, binary or timeline.  A fence names a
 * point in time a job reaches; a job may wait for fences (in) and signal
 * fences (out).  Point 0 means "the binary fence"; timeline fences use
 * points > 0.
 */

/* A syncobj of one device; opaque. */
struct csa_fence;

/* csa_fence_create() flags */
#define CSA_FENCE_TIMELINE	(1u << 0)	/* timeline syncobj (points) */
#define CSA_FENCE_SIGNALED	(1u << 1)	/* binary: created signaled */

/**
 * csa_fence_create() - create a fence (drmSyncobjCreate)
 * @dev: open device
 * @flags: CSA_FENCE_* flags
 * @fencep: receives the fence; free it with csa_fence_destroy()
 *
 * Return: 0, -EINVAL (unknown flag, SIGNALED with TIMELINE), -EOPNOTSUPP
 * (timeline fences on a kernel without DRIVER_SYNCOBJ_TIMELINE), or
 * another negative errno.
 */
CSA_EXPORT int csa_fence_create(struct csa_device *dev, uint32_t flags,
				struct csa_fence **fencep);

/**
 * csa_fence_destroy() - destroy a fence
 * @fence: the fence; NULL is ignored
 */
CSA_EXPORT void csa_fence_destroy(struct csa_fence *fence);

/**
 * csa_fence_handle() - syncobj handle, for raw ioctls on csa_fd()
 * @fence: the fence
 *
 * Return: the handle.
 */
CSA_EXPORT uint32_t csa_fence_handle(const struct csa_fence *fence);

/**
 * csa_fence_is_timeline() - whether the fence has timeline points
 * @fence: the fence
 *
 * Return: true for a CSA_FENCE_TIMELINE fence.
 */
CSA_EXPORT bool csa_fence_is_timeline(const struct csa_fence *fence);

/**
 * csa_fence_wait() - wait until a fence point signals
 * @fence: the fence
 * @point: timeline point (> 0), 0 for a binary fence
 * @deadline_ns: absolute CLOCK_MONOTONIC deadline
 *
 * Also waits for the point to get a job first (WAIT_FOR_SUBMIT), so a
 * fence may be waited on before the job that signals it is submitted.
 * A signaled fence may carry a job error: see csa_fence_status().
 *
 * Return: 0 once signaled, -ETIME when the deadline passed first (never
 * earlier: a kernel wait that ends early is repeated), -EINVAL
 * (point 0 on a timeline or > 0 on a binary fence), or another negative
 * errno.
 */
CSA_EXPORT int csa_fence_wait(struct csa_fence *fence, uint64_t point,
			      int64_t deadline_ns);

/**
 * csa_fence_signal() - signal a fence point from the CPU
 * @fence: the fence
 * @point: timeline point (> the last one), 0 for a binary fence
 *
 * Return: 0 or a negative errno.
 */
CSA_EXPORT int csa_fence_signal(struct csa_fence *fence, uint64_t point);

/**
 * csa_fence_reset() - make a binary fence unsignaled (no job attached)
 * @fence: a binary fence
 *
 * Return: 0, -EINVAL for a timeline fence, or a negative errno.
 */
CSA_EXPORT int csa_fence_reset(struct csa_fence *fence);

/**
 * csa_fence_query() - last signaled point of a timeline fence
 * @fence: a timeline fence
 * @point: receives the point
 *
 * Return: 0, -EINVAL for a binary fence, or a negative errno.
 */
CSA_EXPORT int csa_fence_query(struct csa_fence *fence, uint64_t *point);

/**
 * csa_fence_sync_file() - a poll()-able file descriptor for a fence point
 * @fence: the fence
 * @point: timeline point, 0 for a binary fence
 * @fdp: receives a sync_file descriptor (close-on-exec); close it
 *
 * poll() reports POLLIN once the point signals.  The point must already
 * have a job (else -EINVAL).
 *
 * Return: 0 or a negative errno.
 */
CSA_EXPORT int csa_fence_sync_file(struct csa_fence *fence, uint64_t point,
				   int *fdp);

/**
 * csa_sync_file_status() - state of a sync_file (SYNC_IOC_FILE_INFO)
 * @fd: a sync_file descriptor
 * @job_error: when signaled, receives 0 or the job's negative errno
 *
 * Return: 1 signaled, 0 still pending, or a negative errno of the query.
 */
CSA_EXPORT int csa_sync_file_status(int fd, int *job_error);

/**
 * csa_fence_status() - has a fence point signaled, and how did its job end
 * @fence: the fence
 * @point: timeline point, 0 for a binary fence
 * @job_error: when signaled, receives 0 or the job's error: -EIO (DMA
 *             error), -EINVAL (bad opcode or command), -EFAULT (bad slot or
 *             range), -EACCES (access mode), -ENOEXEC (job program
 *             refused or unfinished), -ETIMEDOUT (the job hung and was
 *             reset), -ECANCELED (queued behind a hung job)
 *
 * Return: 1 signaled, 0 pending, or a negative errno of the query itself
 * (-EINVAL when the point has no job yet).
 */
CSA_EXPORT int csa_fence_status(struct csa_fence *fence, uint64_t point,
				int *job_error);

/* ------------------------------------------------------------------------
 * Queues and jobs (queue.c)
 */

/* A queue context on one hardware queue; opaque. */
struct csa_queue;

/**
 * csa_queue_create() - create a queue context
 * @dev: open device
 * @hw_queue: hardware queue index < struct csa_info.num_queues
 * @priority: DRM_CSA_PRIORITY_NORMAL (0), _LOW or _HIGH (needs CAP_SYS_NICE)
 * @queuep: receives the queue; free it with csa_queue_destroy()
 *
 * Jobs of one queue run in submission order.  A queue one of whose jobs
 * hung (its fence failed with -ETIMEDOUT) is banned: its other unfinished
 * jobs fail with -ECANCELED and csa_submit() returns -EBADFD; destroy it
 * and create a new one.
 *
 * Return: 0, -EINVAL (bad queue index or priority), -EACCES (HIGH without
 * CAP_SYS_NICE), -EBUSY (1024 queues on this device handle already),
 * -EOPNOTSUPP (driver without DRM_CSA_FEATURE_QUEUES), or another
 * negative errno.
 */
CSA_EXPORT int csa_queue_create(struct csa_device *dev, uint32_t hw_queue,
				uint32_t priority, struct csa_queue **queuep);

/**
 * csa_queue_destroy() - destroy a queue context
 * @queue: the queue; NULL is ignored
 *
 * Jobs already submitted still run and signal their fences.
 *
 * Return: 0 or a negative errno (the queue is freed anyway).
 */
CSA_EXPORT int csa_queue_destroy(struct csa_queue *queue);

/**
 * struct csa_bind - a buffer a job uses; its index in the bind list is the
 *                   slot number the command's operands name
 * @bo: the buffer (same device as the queue)
 * @access: DRM_CSA_ACCESS_READ and/or DRM_CSA_ACCESS_WRITE
 */
struct csa_bind {
	struct csa_bo *bo;
	uint32_t access;
};

/**
 * struct csa_sync - a fence point a job waits for or signals
 * @fence: the fence (same device as the queue)
 * @point: timeline point, 0 for a binary fence
 */
struct csa_sync {
	struct csa_fence *fence;
	uint64_t point;
};

/**
 * struct csa_cmd - the command a job runs (see struct drm_csa_cmd)
 * @opcode: DRM_CSA_OP_* of csa_drm.h, e.g. 0 NOP, 1 FILL, 2 COPY
 * @flags: DRM_CSA_CMD_* (DRM_CSA_CMD_STATUS: write a completion record)
 * @dst_slot: bind slot of the destination
 * @src_slot: bind slot of the source
 * @status_slot: bind slot of the completion record
 * @reserved: must be 0
 * @dst_offset: byte offset in @dst_slot
 * @src_offset: byte offset in @src_slot
 * @size: bytes the command touches
 * @value: FILL pattern, WRITE_VALUE value
 * @status_offset: byte offset of the completion record
 */
struct csa_cmd {
	uint32_t opcode;
	uint32_t flags;
	uint32_t dst_slot;
	uint32_t src_slot;
	uint32_t status_slot;
	uint32_t reserved;
	uint64_t dst_offset;
	uint64_t src_offset;
	uint64_t size;
	uint64_t value;
	uint64_t status_offset;
};

/**
 * struct csa_job - one submission (csa_submit())
 * @binds: the buffers, slot i = binds[i]
 * @in: fence points the job waits for
 * @out: fence points the job signals (binary: replaced; timeline: added)
 * @num_binds: entries of @binds, <= struct csa_limits.max_binds
 * @num_in: entries of @in, <= DRM_CSA_MAX_SYNCS
 * @num_out: entries of @out, <= DRM_CSA_MAX_SYNCS
 * @reserved: must be 0
 * @cmd: the command
 */
struct csa_job {
	const struct csa_bind *binds;
	const struct csa_sync *in;
	const struct csa_sync *out;
	uint32_t num_binds;
	uint32_t num_in;
	uint32_t num_out;
	uint32_t reserved;
	struct csa_cmd cmd;
};

/**
 * csa_submit() - queue a job; returns without waiting for it
 * @queue: the queue
 * @job: what to run
 *
 * The job also waits for earlier jobs writing the buffers it reads, and
 * for every earlier job using a buffer it writes (implicit sync).  Errors
 * of the job itself arrive later, in its out fences (csa_fence_status()).
 *
 * Return: 0 once queued, or a negative errno: -EINVAL (bad access mode,
 * duplicate buffer, unsignaled in-fence point, reserved field set), -EXDEV
 * (buffer or fence of another device), -E2BIG (too many binds or syncs),
 * -ENOENT, -EACCES (WRITE on a read-only userptr), -EBADFD (the queue is
 * banned after a hung job), -EBUSY (256 unfinished jobs on the queue
 * already: wait for some), -EOPNOTSUPP.
 */
CSA_EXPORT int csa_submit(struct csa_queue *queue, const struct csa_job *job);

/* ------------------------------------------------------------------------
 * Synchronous conveniences (sync.c): submit, wait for the job, make its
 * written buffers CPU-accessible, return the job's error.
 */

/**
 * csa_run_sync() - run one command and wait for it
 * @queue: the queue
 * @binds: buffers of the job (slot i = binds[i])
 * @num_binds: entries of @binds
 * @cmd: the command
 *
 * Return: 0 when the job succeeded, the job's error (see
 * csa_fence_status()), or a negative errno of the submission.
 */
CSA_EXPORT int csa_run_sync(struct csa_queue *queue,
			    const struct csa_bind *binds, uint32_t num_binds,
			    const struct csa_cmd *cmd);

/**
 * csa_nop_sync() - run a NOP job and wait for it (a round trip)
 * @queue: the queue
 *
 * Return: as csa_run_sync().
 */
CSA_EXPORT int csa_nop_sync(struct csa_queue *queue);

/**
 * csa_copy_sync() - copy bytes between buffers on the card
 * @queue: the queue
 * @dst: destination buffer
 * @dst_offset: byte offset in @dst
 * @src: source buffer, not @dst (a job binds each buffer only once)
 * @src_offset: byte offset in @src
 * @size: bytes
 *
 * Return: as csa_run_sync().
 */
CSA_EXPORT int csa_copy_sync(struct csa_queue *queue, struct csa_bo *dst,
			     uint64_t dst_offset, struct csa_bo *src,
			     uint64_t src_offset, uint64_t size);

/**
 * csa_fill_sync() - fill a buffer range with a 32-bit pattern on the card
 * @queue: the queue
 * @dst: destination buffer
 * @offset: byte offset in @dst
 * @size: bytes, a multiple of 4
 * @pattern: the 32-bit value repeated
 *
 * Return: as csa_run_sync().
 */
CSA_EXPORT int csa_fill_sync(struct csa_queue *queue, struct csa_bo *dst,
			     uint64_t offset, uint64_t size, uint32_t pattern);

#if defined(__cplusplus)
}
#endif

#endif /* CSA_CSA_H */
