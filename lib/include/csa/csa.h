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

#include <stddef.h>
#include <stdint.h>

/* The ioctl ABI: DRM_CSA_PARAM_*, CSA_DRIVER_NAME, CSA_UAPI_VERSION_*. */
#include "csa_drm.h"

#if defined(__cplusplus)
extern "C" {
#endif

/* Library version (source level); csa_library_version() is the run-time one. */
#define CSA_VERSION_MAJOR	1
#define CSA_VERSION_MINOR	0
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
 * @render_node: path of the card's render node, e.g. "/dev/dri/renderD128"
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
 * Finds the DRM devices with a render node whose driver is CSA_DRIVER_NAME,
 * in a stable order (by PCI address).  Index i of this order is what
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
 * negative errno (e.g. -EACCES when the render node may not be opened).
 */
CSA_EXPORT int csa_open(unsigned int index, struct csa_device **devp);

/**
 * csa_open_path() - open a card by the path of its DRM node
 * @path: e.g. "/dev/dri/renderD128"
 * @devp: on success, receives the open device; free it with csa_close()
 *
 * Return: 0, -ENOENT if @path does not exist, -ENODEV if @path is not a DRM
 * node or its driver is not CSA_DRIVER_NAME, or another negative errno.
 */
CSA_EXPORT int csa_open_path(const char *path, struct csa_device **devp);

/**
 * csa_close() - close a card and free it
 * @dev: device from csa_open() or csa_open_path(); NULL is ignored
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
 * csa_render_node() - path of the DRM node the device was opened with
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

#if defined(__cplusplus)
}
#endif

#endif /* CSA_CSA_H */
