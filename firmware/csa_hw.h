/* SPDX-License-Identifier: (GPL-2.0 OR MIT) */
/*
 * CSA card hardware contract: PCI identity, BAR0 register file, MSI-X
 * vectors and the firmware image container.
 *
 * Shared verbatim by the driver (driver/), the firmware (firmware/) and
 * the virtual card (tools/qemu/).  docs/hardware.md explains every field.
 * All registers are 32 bit, little endian, naturally aligned.
 */
#ifndef CSA_HW_H
#define CSA_HW_H

#ifdef __KERNEL__
#include <linux/types.h>
#else
#include <stdint.h>
#endif

/*
 * PLACEHOLDER PCI identity.  0x1de5 / 0xc5a0 are NOT assigned to this card;
 * they stand in until the FPGA board has its real vendor/device ID.  This is
 * the only place they are defined.
 */
#define CSA_PCI_VENDOR_ID		0x1de5
#define CSA_PCI_DEVICE_ID		0xc5a0
#define CSA_PCI_REVISION		0x01
#define CSA_PCI_CLASS			0x1200	/* processing accelerator */

/* BAR layout */
#define CSA_BAR_REGS			0	/* BAR0: register file */
#define CSA_BAR_REGS_SIZE		0x10000	/* 64 KiB */
#define CSA_BAR_MSIX			2	/* BAR2: MSI-X table + PBA */

/* Identification and capabilities (read only) */
#define CSA_REG_ID			0x0000	/* CSA_ID_MAGIC */
#define CSA_REG_HW_VERSION		0x0004	/* major << 16 | minor */
#define CSA_REG_CAPS			0x0008	/* CSA_CAP_* bits */
#define CSA_REG_NUM_QUEUES		0x000c	/* hardware queues, 1..CSA_MAX_QUEUES */
#define CSA_REG_DP_LANES		0x0010	/* parallel int8 multiply lanes */
#define CSA_REG_MAX_K			0x0014	/* max kernels per packed group */
#define CSA_REG_MAX_DIM			0x0018	/* max size of one tensor dimension */
#define CSA_REG_MAX_TENSOR		0x001c	/* max elements of one tensor */
#define CSA_REG_CLOCK_KHZ		0x0020	/* datapath clock */
#define CSA_REG_SERIAL_LO		0x0024	/* board serial number, low half */
#define CSA_REG_SERIAL_HI		0x0028	/* board serial number, high half */
#define CSA_REG_FW_ABI_SUPPORTED	0x002c	/* firmware ABI the card accepts */

/* Control and status */
#define CSA_REG_STATUS			0x0040	/* CSA_STATUS_* (read only) */
#define CSA_REG_RESET			0x0044	/* write CSA_RESET_MAGIC: soft reset */
#define CSA_REG_IRQ_STATUS		0x0048	/* CSA_IRQ_* pending, write 1 to clear */
#define CSA_REG_IRQ_MASK		0x004c	/* CSA_IRQ_* enabled (1 = enabled) */
#define CSA_REG_SCRATCH			0x0050	/* free read/write register */

/* Firmware-load handshake */
#define CSA_REG_FW_ADDR_LO		0x0080	/* DMA address of the image */
#define CSA_REG_FW_ADDR_HI		0x0084
#define CSA_REG_FW_SIZE			0x0088	/* image size in bytes */
#define CSA_REG_FW_CTRL			0x008c	/* write CSA_FW_CTRL_LOAD */
#define CSA_REG_FW_STATUS		0x0090	/* CSA_FW_STATUS_* */
#define CSA_REG_FW_ERROR		0x0094	/* CSA_FW_ERR_* after FAILED */
#define CSA_REG_FW_VERSION		0x0098	/* version of the running firmware */
#define CSA_REG_FW_ABI			0x009c	/* ABI of the running firmware */

/*
 * Per-queue register windows, reserved for the command queues:
 * queue q occupies [CSA_REG_QUEUE_BASE + q * CSA_REG_QUEUE_STRIDE, +STRIDE).
 * Reads return 0 and writes are ignored until the queue registers exist.
 */
#define CSA_REG_QUEUE_BASE		0x1000
#define CSA_REG_QUEUE_STRIDE		0x100
#define CSA_MAX_QUEUES			16

#define CSA_ID_MAGIC			0x31415343u	/* "CSA1" little endian */
#define CSA_HW_VERSION_MAJOR		1
#define CSA_HW_VERSION_MINOR		0

#define CSA_STATUS_FW_READY		(1u << 0)	/* firmware verified and running */
#define CSA_STATUS_FATAL		(1u << 1)	/* card needs a reset */

#define CSA_RESET_MAGIC			0x52455345u	/* "RESE" */

#define CSA_IRQ_FW			(1u << 0)	/* firmware load finished */
#define CSA_IRQ_ERROR			(1u << 1)	/* fatal card error */
#define CSA_IRQ_QUEUE(q)		(1u << (16 + (q)))	/* queue q completion */

/* MSI-X vectors: one for firmware/errors, then one per hardware queue */
#define CSA_MSIX_VEC_MISC		0
#define CSA_MSIX_VEC_QUEUE(q)		(1 + (q))
#define CSA_MSIX_VECTORS(nq)		(1 + (nq))

#define CSA_FW_CTRL_LOAD		1u

#define CSA_FW_STATUS_NONE		0	/* no firmware, or after reset */
#define CSA_FW_STATUS_LOADING		1
#define CSA_FW_STATUS_READY		2
#define CSA_FW_STATUS_FAILED		3

#define CSA_FW_ERR_NONE			0
#define CSA_FW_ERR_SIZE			1	/* image too small/large, sizes disagree */
#define CSA_FW_ERR_MAGIC		2	/* not a CSA firmware image */
#define CSA_FW_ERR_FORMAT		3	/* unknown container format version */
#define CSA_FW_ERR_CRC			4	/* payload CRC32 mismatch */
#define CSA_FW_ERR_ABI			5	/* firmware ABI not supported by card */
#define CSA_FW_ERR_HEADER		6	/* reserved header field not zero */
#define CSA_FW_ERR_DMA			7	/* image could not be read */

/*
 * Firmware image: a 64-byte header followed by payload_size bytes.
 * All fields little endian.  payload_crc32 is the IEEE 802.3 CRC32
 * (the one zlib's crc32() computes) of the payload.
 */
#define CSA_FW_MAGIC			0x46415343u	/* "CSAF" little endian */
#define CSA_FW_FORMAT_VERSION		1
#define CSA_FW_ABI_VERSION		1
#define CSA_FW_MAX_SIZE			(1u << 20)

struct csa_fw_header {
	uint32_t magic;
	uint16_t format;	/* CSA_FW_FORMAT_VERSION */
	uint16_t header_size;	/* sizeof(struct csa_fw_header) */
	uint32_t fw_version;	/* major << 16 | minor << 8 | patch */
	uint32_t abi_version;	/* CSA_FW_ABI_VERSION it was built for */
	uint32_t payload_size;
	uint32_t payload_crc32;
	uint32_t flags;		/* must be 0 */
	uint32_t reserved[9];	/* must be 0 */
};

#define CSA_FW_HEADER_SIZE		64

#endif /* CSA_HW_H */
