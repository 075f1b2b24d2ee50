/* SPDX-License-Identifier: (GPL-2.0 WITH Linux-syscall-note) OR MIT */
/*
 * CSA data formats: what userspace writes into buffers and the card reads
 * (or writes) while it runs a job program.
 *
 *   packed layer     - weights of a linear or conv layer in complementary
 *                      groups of K kernels, tag map, per-unit requantisation
 *   activations      - dense int8 CHW tensors, and the sparse form k-WTA
 *                      produces and Select consumes (indices + values)
 *   job program      - header + a list of ops (LINEAR, CONV2D, KWTA,
 *                      MAXPOOL2D) run in order by CSA_OP_PROGRAM
 *
 * Every multi-byte field is little endian.  The card decodes byte by byte,
 * so no structure needs any alignment in its buffer (8 bytes is
 * recommended).  The C structs below are the exact byte layouts on a
 * little-endian host (no implicit padding; sizes are the *_SIZE constants).
 * All reserved fields and unknown flag bits must be zero: the card refuses
 * anything else, so they can be given a meaning later.
 *
 * Shared verbatim by the firmware (card datapath), libcsa (packer, CPU
 * reference) and tools.  docs/formats.md explains every field and the exact
 * arithmetic.
 */
#ifndef CSA_FORMAT_H
#define CSA_FORMAT_H

#ifdef __KERNEL__
#include <linux/types.h>
#else
#include <stdint.h>
#endif

/* One version for the three formats; bumped on incompatible change. */
#define CSA_FORMAT_VERSION		1

/* ------------------------------------------------------------------ */
/* Dense activations                                                    */
/* ------------------------------------------------------------------ */

/*
 * A dense tensor is int8, C x H x W, element (c, y, x) at byte
 * (c * H + y) * W + x.  A vector of N features is N x 1 x 1.  Flatten is a
 * no-op: the LINEAR op reads a C x H x W tensor as the vector of its
 * C * H * W elements in this order (PyTorch's flatten of an NCHW tensor).
 */

/* ------------------------------------------------------------------ */
/* Sparse activation                                                    */
/* ------------------------------------------------------------------ */

#define CSA_SPARSE_MAGIC		0x53415343u	/* "CSAS" little endian */
#define CSA_SPARSE_HDR_SIZE		16

/**
 * struct csa_sparse_hdr - header of a sparse activation (16 bytes)
 * @magic: CSA_SPARSE_MAGIC
 * @count: active elements, 0..@capacity
 * @capacity: length of the two arrays that follow
 * @numel: elements of the dense tensor it stands for (C * H * W)
 *
 * Followed by uint32_t idx[capacity] (flat CHW indices, strictly
 * ascending, < numel) at offset 16 and int8_t val[capacity] at offset
 * 16 + 4 * capacity; entries past @count are ignored.  Total size
 * CSA_SPARSE_SIZE(capacity).  An element not listed is zero; a listed one
 * may be zero (k-WTA keeps exactly k winners).
 */
struct csa_sparse_hdr {
	uint32_t magic;
	uint32_t count;
	uint32_t capacity;
	uint32_t numel;
};

#define CSA_SPARSE_IDX_OFF		16
#define CSA_SPARSE_VAL_OFF(cap)		(16ull + 4ull * (cap))
#define CSA_SPARSE_SIZE(cap)		(16ull + 5ull * (cap))

/* ------------------------------------------------------------------ */
/* Packed layer                                                         */
/* ------------------------------------------------------------------ */

#define CSA_LAYER_MAGIC			0x4c415343u	/* "CSAL" little endian */
#define CSA_LAYER_HDR_SIZE		64

/* One packed element: int8 value, uint8 tag (kernel within its group). */
#define CSA_PACKED_ELEM_SIZE		2
/* Tag map entry of an unused accumulator (partial or greedy group). */
#define CSA_TAGMAP_NONE			0xffffu
/* Per-unit requantisation record. */
#define CSA_REQUANT_SIZE		12
#define CSA_REQUANT_MAX_SHIFT		31
/*
 * Largest number of columns (fan-in) of a layer: with int8 x int8 products
 * (|p| <= 2^14) int32 accumulators cannot overflow below 2^17 columns.
 */
#define CSA_LAYER_MAX_COLS		131071u

/**
 * struct csa_layer_hdr - header of a packed layer (64 bytes)
 * @magic: CSA_LAYER_MAGIC
 * @version: CSA_FORMAT_VERSION
 * @hdr_size: CSA_LAYER_HDR_SIZE
 * @flags: 0 (none defined)
 * @units: output units (linear out features, conv output channels)
 * @cols: packed columns (linear: in features; conv: in_c * kh * kw, column
 *        (ci * kh + ky) * kw + kx)
 * @k: kernels per group, 1..CSA_REG_MAX_K of the card (1 = dense)
 * @groups: G; G * k >= @units
 * @weights_off: byte offset (from the header) of the weights:
 *        cols * G packed elements, column-major: element (col, g) at
 *        weights_off + (col * G + g) * 2 = { int8 value, uint8 tag < k }.
 *        One column is one contiguous run over all groups.
 * @tagmap_off: offset of G * k uint16 entries: entry g * k + t is the unit
 *        that accumulator (g, t) feeds, or CSA_TAGMAP_NONE.  Every unit
 *        appears exactly once.
 * @requant_off: offset of @units requantisation records (CSA_REQUANT_SIZE
 *        bytes each: int32 bias, int32 multiplier, uint8 shift 0..31,
 *        3 reserved bytes = 0)
 * @boost_off: offset of @units uint16 k-WTA boost factors (Q8.8) of the
 *        k-WTA that follows this layer, or 0 if none.  The card does not
 *        read it through the layer; a KWTA op names it as its param.
 * @total_size: bytes of the whole packed layer, header included; every
 *        section lies in [hdr_size, total_size)
 * @reserved: 0
 */
struct csa_layer_hdr {
	uint32_t magic;
	uint16_t version;
	uint16_t hdr_size;
	uint32_t flags;
	uint32_t units;
	uint32_t cols;
	uint16_t k;
	uint16_t groups;
	uint32_t weights_off;
	uint32_t tagmap_off;
	uint32_t requant_off;
	uint32_t boost_off;
	uint32_t total_size;
	uint32_t reserved[5];
};

/**
 * struct csa_requant - per-unit requantisation (12 bytes)
 * @bias: added to the int32 accumulator
 * @multiplier: signed fixed-point scale
 * @shift: right shift 0..CSA_REQUANT_MAX_SHIFT
 * @reserved: 0
 *
 * y = sat8(round_half_up(sat32(acc + bias) * multiplier / 2^shift)), the
 * product exact in 64 bits, round half up = floor((p + 2^(shift-1)) / 2^shift)
 * (shift 0: p), sat8 clamps to [-128, 127], sat32 to the int32 range.
 */
struct csa_requant {
	int32_t bias;
	int32_t multiplier;
	uint8_t shift;
	uint8_t reserved[3];
};

/*
 * k-WTA boost factor, per channel: uint16 Q8.8 (256 = 1.0).  Only used to
 * choose the winners: score = value * boost; the winners keep their value.
 */
#define CSA_BOOST_ONE			256

/* ------------------------------------------------------------------ */
/* Job program                                                          */
/* ------------------------------------------------------------------ */

#define CSA_PROG_MAGIC			0x50415343u	/* "CSAP" little endian */
#define CSA_PROG_HDR_SIZE		32
#define CSA_PROG_OP_SIZE		80
#define CSA_PROG_MAX_OPS		256
#define CSA_PROG_SIZE(nops)		(CSA_PROG_HDR_SIZE + (nops) * CSA_PROG_OP_SIZE)

/**
 * struct csa_prog_hdr - job program header (32 bytes)
 * @magic: CSA_PROG_MAGIC
 * @version: CSA_FORMAT_VERSION
 * @hdr_size: CSA_PROG_HDR_SIZE
 * @num_ops: 1..CSA_PROG_MAX_OPS
 * @op_size: CSA_PROG_OP_SIZE
 * @flags: 0
 * @reserved: 0
 *
 * Followed by num_ops struct csa_prog_op.  The descriptor's size must be
 * CSA_PROG_SIZE(num_ops) exactly.
 */
struct csa_prog_hdr {
	uint32_t magic;
	uint16_t version;
	uint16_t hdr_size;
	uint32_t num_ops;
	uint16_t op_size;
	uint16_t flags;
	uint32_t reserved[4];
};

/* struct csa_prog_op.opcode */
#define CSA_PROG_OP_LINEAR		1	/* packed layer, in_c*in_h*in_w -> out_c */
#define CSA_PROG_OP_CONV2D		2	/* packed layer, CHW -> CHW */
#define CSA_PROG_OP_KWTA		3	/* k winners, global or local */
#define CSA_PROG_OP_MAXPOOL2D		4	/* int8 CHW max pooling */

/*
 * struct csa_prog_op.flags:
 *   SRC_SPARSE  LINEAR, CONV2D: src is a sparse activation
 *   DST_SPARSE  KWTA: dst is a sparse activation
 *   LOCAL       KWTA: k winners per (y, x) across the channels
 *   BOOST       KWTA: param is uint16 boost[in_c] (Q8.8)
 *   DST_INT32   LINEAR, CONV2D: dst is int32 sat32(acc + bias), no requant
 *   NO_SKIP     LINEAR, CONV2D with a dense src: visit every input element,
 *               zeros included (a literal dense run, for measurements; the
 *               result is the same).  Not with SRC_SPARSE.
 */
#define CSA_PROG_F_SRC_SPARSE		(1u << 0)
#define CSA_PROG_F_DST_SPARSE		(1u << 1)
#define CSA_PROG_F_LOCAL		(1u << 2)
#define CSA_PROG_F_BOOST		(1u << 3)
#define CSA_PROG_F_DST_INT32		(1u << 4)
#define CSA_PROG_F_NO_SKIP		(1u << 5)

/**
 * struct csa_prog_op - one op of a job program (80 bytes)
 * @opcode: CSA_PROG_OP_*
 * @flags: CSA_PROG_F_* allowed for the opcode
 * @reserved0: 0
 * @src: input operand, CSA_OPERAND(slot, offset): dense int8 CHW, or a
 *       sparse activation with CSA_PROG_F_SRC_SPARSE
 * @dst: output operand: dense int8 CHW (int32 with CSA_PROG_F_DST_INT32),
 *       or a sparse activation of capacity k (KWTA global) or
 *       k * out_h * out_w (KWTA local) with CSA_PROG_F_DST_SPARSE
 * @param: LINEAR, CONV2D: the packed layer; KWTA with CSA_PROG_F_BOOST:
 *       the boost array; otherwise 0
 * @in_c: input channels   @in_h: input height   @in_w: input width
 * @out_c: output channels @out_h: output height @out_w: output width
 * @kernel_h: @kernel_w: CONV2D, MAXPOOL2D window; otherwise 0
 * @stride_h: @stride_w: CONV2D, MAXPOOL2D stride >= 1; otherwise 0
 * @pad_h: @pad_w: CONV2D zero padding (< kernel); otherwise 0
 * @reserved1: 0
 * @k: KWTA winners: global 1..numel, local 1..in_c; otherwise 0
 * @reserved2: 0
 *
 * Shapes (every dimension 1..MAX_DIM, every tensor <= MAX_TENSOR elements):
 * LINEAR out = units x 1 x 1; CONV2D out_h = (in_h + 2 pad_h - kernel_h) /
 * stride_h + 1 (same for w), out_c = units; MAXPOOL2D out_h = (in_h -
 * kernel_h) / stride_h + 1, out_c = in_c; KWTA out = in.
 */
struct csa_prog_op {
	uint16_t opcode;
	uint16_t flags;
	uint32_t reserved0;
	uint64_t src;
	uint64_t dst;
	uint64_t param;
	uint32_t in_c;
	uint32_t in_h;
	uint32_t in_w;
	uint32_t out_c;
	uint32_t out_h;
	uint32_t out_w;
	uint8_t kernel_h;
	uint8_t kernel_w;
	uint8_t stride_h;
	uint8_t stride_w;
	uint8_t pad_h;
	uint8_t pad_w;
	uint8_t reserved1[2];
	uint32_t k;
	uint32_t reserved2[3];
};

/*
 * A failed program completes with CSA_STATUS_PROGRAM and
 * detail = op << 16 | operand << 8 | reason:
 *   op       index of the op (CSA_PROG_DETAIL_HDR for the program header)
 *   operand  CSA_PROG_OPND_* the reason is about, or 0
 *   reason   CSA_PROG_ERR_*
 */
#define CSA_PROG_DETAIL(op, opnd, why) \
	(((uint32_t)(op) << 16) | ((uint32_t)(opnd) << 8) | (uint32_t)(why))
#define CSA_PROG_DETAIL_OP(d)		((d) >> 16)
#define CSA_PROG_DETAIL_OPND(d)		(((d) >> 8) & 0xff)
#define CSA_PROG_DETAIL_ERR(d)		((d) & 0xff)
#define CSA_PROG_DETAIL_HDR		0xffff

#define CSA_PROG_OPND_NONE		0
#define CSA_PROG_OPND_SRC		1
#define CSA_PROG_OPND_DST		2
#define CSA_PROG_OPND_PARAM		3

#define CSA_PROG_ERR_MAGIC		1	/* program/layer/sparse magic wrong */
#define CSA_PROG_ERR_VERSION		2	/* format version not supported */
#define CSA_PROG_ERR_SIZE		3	/* hdr_size/op_size/descriptor size mismatch */
#define CSA_PROG_ERR_NUM_OPS		4	/* num_ops 0 or > CSA_PROG_MAX_OPS */
#define CSA_PROG_ERR_RESERVED		5	/* reserved field or header flags not zero */
#define CSA_PROG_ERR_OPCODE		6	/* unknown op */
#define CSA_PROG_ERR_FLAGS		7	/* flag unknown or not valid for the op */
#define CSA_PROG_ERR_SHAPE		8	/* dimension 0, > MAX_DIM or inconsistent */
#define CSA_PROG_ERR_TENSOR		9	/* tensor > MAX_TENSOR elements */
#define CSA_PROG_ERR_WINDOW		10	/* kernel/stride/pad invalid */
#define CSA_PROG_ERR_K			11	/* k-WTA k out of range */
#define CSA_PROG_ERR_LAYER		12	/* layer units/cols disagree with the op */
#define CSA_PROG_ERR_PACK_K		13	/* layer k 0 or > MAX_K, groups * k < units */
#define CSA_PROG_ERR_LAYOUT		14	/* layer section outside [hdr_size, total_size) */
#define CSA_PROG_ERR_TAGMAP		15	/* tag map entry invalid, unit missing or twice */
#define CSA_PROG_ERR_REQUANT		16	/* shift > 31 or reserved bytes set */
#define CSA_PROG_ERR_TAG		17	/* a weight's tag >= k (found while executing) */
#define CSA_PROG_ERR_SPARSE		18	/* sparse src: count/capacity/numel/indices bad */
#define CSA_PROG_ERR_SCRATCH		19	/* op does not fit the card's scratch memory */
#define CSA_PROG_ERR_COLS		20	/* fan-in > CSA_LAYER_MAX_COLS */
#define CSA_PROG_ERR_BAD_SLOT		32	/* operand slot >= num_binds */
#define CSA_PROG_ERR_BAD_BIND		33	/* operand's bind entry or segments malformed */
#define CSA_PROG_ERR_BOUNDS		34	/* operand range outside its slot */
#define CSA_PROG_ERR_ACCESS		35	/* slot lacks READ (src, param) or WRITE (dst) */
#define CSA_PROG_ERR_DMA		36	/* a transfer failed */

#endif /* CSA_FORMAT_H */
