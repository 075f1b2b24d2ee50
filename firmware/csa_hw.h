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
 * PCI identity of the development card: 1af4:10fc, in the range QEMU's
 * docs/specs/pci-ids.txt leaves "available for experimental usage without
 * registration" (1af4:10f0..10ff, Red Hat's virtio vendor ID; virtio_pci
 * declines device IDs above 0x107f).  Not another company's ID, and not
 * ours to ship: the production board needs its own registered ID
 * (docs/hardware.md).  This is the only place the IDs are defined.
 */
#define CSA_PCI_VENDOR_ID		0x1af4
#define CSA_PCI_DEVICE_ID		0x10fc
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
 * Per-queue register windows: queue q occupies
 * [CSA_REG_QUEUE_BASE + q * CSA_REG_QUEUE_STRIDE, +STRIDE).  Registers of a
 * queue the card does not have (q >= NUM_QUEUES) read 0, writes are ignored.
 * Offsets below are relative to the window; CSA_REG_Q(q, reg) is absolute.
 */
#define CSA_REG_QUEUE_BASE		0x1000
#define CSA_REG_QUEUE_STRIDE		0x100
#define CSA_MAX_QUEUES			16
#define CSA_REG_Q(q, reg)		(CSA_REG_QUEUE_BASE + (q) * CSA_REG_QUEUE_STRIDE + (reg))

#define CSA_Q_RING_LO			0x00	/* DMA address of the descriptor ring */
#define CSA_Q_RING_HI			0x04
#define CSA_Q_RING_SIZE			0x08	/* descriptors, power of 2 in [2, CSA_RING_MAX] */
#define CSA_Q_CPL_LO			0x0c	/* DMA address of the completion array */
#define CSA_Q_CPL_HI			0x10
#define CSA_Q_TAIL			0x14	/* doorbell: host writes the next free index */
#define CSA_Q_HEAD			0x18	/* read only: next index the card executes */
#define CSA_Q_CTRL			0x1c	/* CSA_Q_CTRL_* */
#define CSA_Q_STATUS			0x20	/* read only, CSA_Q_STATUS_* */
#define CSA_Q_RESET			0x24	/* write CSA_RESET_MAGIC: reset this queue */
#define CSA_Q_DONE_SEQNO_LO		0x28	/* read only: seqno of the last completion */
#define CSA_Q_DONE_SEQNO_HI		0x2c

/*
 * Ring protocol.  Ring address, size and completion address are latched when
 * CSA_Q_CTRL_ENABLE goes 0 -> 1 (they must be set while the queue is
 * disabled; a bad value sets CSA_Q_STATUS_ERROR and leaves it disabled).
 * HEAD and TAIL are indices in [0, RING_SIZE).  The card executes
 * descriptors in order while HEAD != TAIL; the ring is full when
 * (TAIL + 1) % RING_SIZE == HEAD.  For each descriptor at index i the card
 * first writes completion record i of the completion array, then advances
 * HEAD, then raises CSA_IRQ_QUEUE(q) (MSI-X vector CSA_MSIX_VEC_QUEUE(q)).
 * A TAIL write outside [0, RING_SIZE) sets CSA_Q_STATUS_ERROR and is ignored.
 * CSA_Q_RESET aborts the running descriptor (no completion is written for
 * it), disables the queue and clears HEAD, TAIL, DONE_SEQNO and ERROR.
 */
#define CSA_RING_MAX			4096
#define CSA_RING_ALIGN			64	/* ring and completion array alignment */

#define CSA_Q_CTRL_ENABLE		(1u << 0)

#define CSA_Q_STATUS_ENABLED		(1u << 0)
#define CSA_Q_STATUS_BUSY		(1u << 1)	/* a descriptor is executing */
#define CSA_Q_STATUS_ERROR		(1u << 2)	/* bad ring setup or doorbell */

/* Descriptor opcodes (struct csa_desc.opcode) */
#define CSA_OP_NOP			0x00	/* completes with no effect */
#define CSA_OP_FILL			0x01	/* dst[0..size) = 32-bit pattern value */
#define CSA_OP_COPY			0x02	/* dst[0..size) = src[0..size) */
#define CSA_OP_WRITE_VALUE		0x03	/* 8 bytes at dst = value */
#define CSA_OP_TIMESTAMP		0x04	/* 8 bytes at dst = card cycle counter */
/*
 * Run a job program (uapi/csa_format.h): dst names the program (slot,
 * offset; the slot needs READ), size is its length in bytes.  The ops name
 * their own operands in the same bind table.  A program the card refuses
 * or cannot finish completes with CSA_STATUS_PROGRAM.
 */
#define CSA_OP_PROGRAM			0x08
/*
 * Debug opcodes, executed only by a card built or configured for testing
 * (the virtual card's debug-ops property); any other card completes them
 * with CSA_STATUS_BAD_OPCODE.  The driver treats them like any opcode.
 */
#define CSA_OP_DEBUG_HANG		0xf0	/* never completes; needs a queue reset */
#define CSA_OP_DEBUG_DMA_ERROR		0xf1	/* completes with CSA_STATUS_DMA_ERROR */
/*
 * The card's firmware crashes: STATUS.FATAL set, STATUS.FW_READY and
 * FW_STATUS cleared (NONE), CSA_IRQ_ERROR raised; no queue completes or
 * fetches anything (this descriptor included) until a soft reset or a
 * PCI function reset.  CSA_Q_RESET alone does not revive the card.
 */
#define CSA_OP_DEBUG_CRASH		0xf2
/*
 * Completes OK (no operands) after value card cycles (value < 2^32, else
 * BAD_DESC): holds the queue for a chosen time, e.g. around the driver's
 * job timeout.
 */
#define CSA_OP_DEBUG_DELAY		0xf3
#define CSA_DEBUG_DELAY_MAX		0xffffffffull

/* Descriptor flags */
#define CSA_DESC_F_IRQ			(1u << 0)	/* interrupt after completion */
#define CSA_DESC_F_STATUS		(1u << 1)	/* also write the completion
							 * record to operand status */

/*
 * An operand is (bind slot, byte offset): slot in bits 63..48, offset in
 * bits 47..0.  The card checks slot < num_binds, offset + length <= slot
 * size (without overflow) and the slot's access mode before any access.
 */
#define CSA_OPERAND(slot, off)		(((uint64_t)(slot) << 48) | ((off) & CSA_OPERAND_OFF_MASK))
#define CSA_OPERAND_OFF_MASK		((1ull << 48) - 1)
#define CSA_OPERAND_SLOT(opnd)		((uint32_t)((opnd) >> 48))
#define CSA_OPERAND_OFF(opnd)		((opnd) & CSA_OPERAND_OFF_MASK)

/**
 * struct csa_desc - one ring entry, 80 bytes, written by the host
 * @seqno: host-chosen sequence number, echoed in the completion record
 * @opcode: CSA_OP_*
 * @flags: CSA_DESC_F_*; unknown bits fail the descriptor (BAD_DESC)
 * @bind_table: DMA address of num_binds struct csa_bind_slot, 16-byte aligned
 * @num_binds: entries in the bind table, 0..CSA_MAX_BINDS
 * @reserved: must be 0
 * @dst: destination operand (CSA_OPERAND)
 * @src: source operand (COPY)
 * @size: bytes (FILL: a multiple of 4; COPY)
 * @value: FILL pattern (low 32 bits) or WRITE_VALUE value
 * @status: operand receiving the completion record when CSA_DESC_F_STATUS
 * @reserved2: must be 0
 */
struct csa_desc {
	uint64_t seqno;
	uint32_t opcode;
	uint32_t flags;
	uint64_t bind_table;
	uint32_t num_binds;
	uint32_t reserved;
	uint64_t dst;
	uint64_t src;
	uint64_t size;
	uint64_t value;
	uint64_t status;
	uint64_t reserved2;
};

/*
 * 80 bytes: @status and @reserved2 (documented above) did not fit the 64
 * bytes first declared; ring entry i is at ring + i * CSA_DESC_SIZE.
 */
#define CSA_DESC_SIZE			80
#define CSA_MAX_BINDS			64

/* Bind slot access modes (struct csa_bind_slot.access) */
#define CSA_ACCESS_READ			(1u << 0)
#define CSA_ACCESS_WRITE		(1u << 1)

/**
 * struct csa_bind_slot - one buffer of a job, 32 bytes, written by the host
 * @segs: DMA address of num_segs struct csa_seg, 16-byte aligned
 * @size: slot size in bytes = sum of the segment lengths
 * @num_segs: segments, >= 1
 * @access: CSA_ACCESS_* the job may use this slot for
 * @tag: layer-cache tag (docs/hardware.md, "Layer cache"): 0, or a
 *       never-reused id the host gives an immutable buffer; packed layers
 *       read from a tagged slot are decoded once per queue and kept,
 *       keyed by (tag, offset).  A non-zero tag needs access == READ
 *       (else BAD_BIND)
 */
struct csa_bind_slot {
	uint64_t segs;
	uint64_t size;
	uint32_t num_segs;
	uint32_t access;
	uint64_t tag;
};

/**
 * struct csa_seg - one DMA-contiguous piece of a slot, 16 bytes
 * @addr: bus address
 * @len: bytes, > 0; an entry with len 0 is a *link*: the table continues
 *       at @addr (16-byte aligned, not 0), and it is not counted in
 *       num_segs.  A link must be followed by a segment (two links in a
 *       row fail the bind).  So a table can be a chain of small blocks.
 *
 * The card reads a segment table in pieces that never cross a
 * CSA_SEG_TABLE_BLOCK boundary and may read the rest of any such block
 * that holds an entry it needs: a table crosses a block boundary only
 * contiguously or through a link.
 */
struct csa_seg {
	uint64_t addr;
	uint64_t len;
};

#define CSA_SEG_TABLE_BLOCK		4096

/* Completion status (struct csa_cpl.status) */
#define CSA_STATUS_OK			0
#define CSA_STATUS_BAD_OPCODE		1	/* unknown or disabled opcode */
#define CSA_STATUS_BAD_DESC		2	/* unknown flag, reserved field set, bad size */
#define CSA_STATUS_BAD_BIND		3	/* bind table/segments malformed or unreadable */
#define CSA_STATUS_BAD_SLOT		4	/* operand slot >= num_binds */
#define CSA_STATUS_OUT_OF_BOUNDS	5	/* operand range outside its slot */
#define CSA_STATUS_ACCESS		6	/* write to a read-only slot (or read of write-only) */
#define CSA_STATUS_DMA_ERROR		7	/* a DMA transfer failed */
/*
 * CSA_OP_PROGRAM failed validation or execution: detail = op index << 16 |
 * operand << 8 | reason (CSA_PROG_DETAIL() and CSA_PROG_ERR_* in
 * uapi/csa_format.h; op index 0xffff is the program header).
 */
#define CSA_STATUS_PROGRAM		8

/**
 * struct csa_cpl - completion record, 32 bytes, written by the card
 * @seqno: the descriptor's seqno
 * @status: CSA_STATUS_*
 * @detail: status-specific: which operand failed (0 dst, 1 src, 2 status)
 * @cycles: device cycles the descriptor took (cost model of the datapath)
 * @timestamp: card cycle counter at completion
 */
struct csa_cpl {
	uint64_t seqno;
	uint32_t status;
	uint32_t detail;
	uint64_t cycles;
	uint64_t timestamp;
};

#define CSA_CPL_SIZE			32

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
