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
};

/* Read $CSA_CARDS_FILE (default /etc/csa-vm/cards); returns the count or -errno. */
int csa_vm_cards(struct csa_vm_card *cards, size_t max);

/* Paths of the VM image (exported by tools/vm/init). */
const char *csa_vm_ko_path(void);
const char *csa_vm_fw_dir(void);
const char *csa_vm_fw_test_dir(void);

/* /dev/dri/renderD* of the PCI device @addr; -ENOENT when it has none. */
int csa_vm_render_node(const char *addr, char *path, size_t len);
int csa_vm_open_render(const char *addr);

/* 1 when csa is bound to @addr (/sys/bus/pci/drivers/csa/<addr>), else 0. */
int csa_vm_bound(const char *addr);

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
int csa_vm_unload_module(void);

/* Copy a file (firmware swapping); -errno. */
int csa_vm_copy_file(const char *from, const char *to);

/*
 * Kernel log: csa_vm_kmsg_open() positions at the end of /dev/kmsg;
 * csa_vm_kmsg_read() returns the records logged since, one per line as
 * "<level> <text>", NUL terminated (truncated to @len).
 */
int csa_vm_kmsg_open(void);
int csa_vm_kmsg_read(int fd, char *buf, size_t len);

#endif /* CSA_VM_H */
