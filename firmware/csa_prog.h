/* SPDX-License-Identifier: (GPL-2.0 OR MIT) */
/*
 * Job programs (uapi/csa_format.h): validation and execution.
 *
 * The engine reaches the job's buffers only through an operand accessor
 * (struct csa_prog_io): (bind slot, byte offset, length), every access
 * checked by the accessor against the slot's size and access mode.  Data
 * is staged in card-local scratch memory and computed by the datapath
 * (csa_dp.h).  The command processor (CSA_OP_PROGRAM) supplies an accessor
 * over its bind table; libcsa's CPU reference and the host tests supply
 * one over plain memory.
 *
 * Order of work: the program header, then every op is validated (fields,
 * shapes against the card limits, operand ranges and access modes, packed
 * layer headers, tag maps and requantisation records, scratch needs)
 * before the first op runs, so a refused program writes nothing; the
 * decoded tag maps and requantisation records stay in scratch, and an op
 * whose layer is in a slot without WRITE access runs on them (a writable
 * one is read and checked again).  Then the ops run in order; each reads its inputs, computes in scratch and
 * writes its output once at the end.  What only execution can find (a
 * weight tag >= k, a bad sparse activation, a failed transfer) fails the
 * op before its output is written; outputs of earlier ops stay written.
 *
 * Portable C (only <stdint.h>, <stddef.h>, <stdbool.h>, <string.h>).
 */
#ifndef CSA_PROG_H
#define CSA_PROG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "csa_dp.h"
#include "csa_format.h"

/**
 * struct csa_prog_io - operand accessor
 * @check: full check of [off, off + len) of slot for reading (write false)
 *         or writing, without moving data
 * @read: check, then copy len bytes at (slot, off) into buf
 * @write: check, then copy len bytes from buf to (slot, off)
 *
 * @tag: optional (NULL: no slot is tagged); the slot's layer-cache tag
 *       (struct csa_bind_slot.tag), 0 when it has none or is invalid
 *
 * Each of the first three returns 0 or one of CSA_PROG_ERR_BAD_SLOT,
 * _BAD_BIND, _BOUNDS, _ACCESS, _DMA.  off is a full 64-bit offset (an
 * operand's 48-bit offset plus a position inside the operand).
 */
struct csa_prog_io {
	uint32_t (*check)(void *ctx, uint32_t slot, uint64_t off, uint64_t len,
			  bool write);
	uint32_t (*read)(void *ctx, uint32_t slot, uint64_t off, void *buf,
			 size_t len);
	uint32_t (*write)(void *ctx, uint32_t slot, uint64_t off,
			  const void *buf, size_t len);
	uint64_t (*tag)(void *ctx, uint32_t slot);
};

/*
 * Layer cache (docs/hardware.md, "Layer cache"): decoded tag maps and
 * requantisation records of packed layers read from tagged, read-only
 * slots, keyed by (tag, offset of the layer in its slot).  A tag names
 * immutable bytes and is never reused, so an entry never goes stale; the
 * owner flushes the cache when its queue is reset.  CSA_LCACHE_ENTRIES
 * entries of CSA_LCACHE_ENTRY_BYTES card memory each, least recently used
 * replaced first; a layer whose decoded form is bigger than an entry is
 * never cached.  A hit skips the layer's validation reads and decoding,
 * so the job moves (and is charged for) none of those bytes.
 */
#define CSA_LCACHE_ENTRIES		16
#define CSA_LCACHE_ENTRY_BYTES		(64u << 10)

/**
 * struct csa_lcache_entry - one cached layer
 * @tag: slot tag, 0 for an empty entry
 * @off: byte offset of the layer in the slot
 * @used: LRU stamp (struct csa_layer_cache.clock at the last use)
 * @h: the layer's validated header
 */
struct csa_lcache_entry {
	uint64_t tag;
	uint64_t off;
	uint64_t used;
	struct csa_layer_hdr h;
};

/**
 * struct csa_layer_cache - one queue's layer cache (zeroed: empty)
 * @clock: LRU clock
 * @hits: layers served from the cache (statistics)
 * @misses: tagged layers that had to be read and decoded (statistics)
 * @e: the entries
 * @mem: entry i's decoded tag map, then its requantisation records, at
 *       i * CSA_LCACHE_ENTRY_BYTES
 */
struct csa_layer_cache {
	uint64_t clock;
	uint64_t hits;
	uint64_t misses;
	struct csa_lcache_entry e[CSA_LCACHE_ENTRIES];
	uint64_t mem[CSA_LCACHE_ENTRIES * CSA_LCACHE_ENTRY_BYTES / 8];
};

/* Forget every entry (queue reset); statistics are kept. */
void csa_lcache_flush(struct csa_layer_cache *c);

/**
 * struct csa_prog_env - what the engine runs on
 * @io: operand accessor
 * @ctx: passed to the accessor
 * @lanes: CSA_REG_DP_LANES (cost model)
 * @max_k: CSA_REG_MAX_K
 * @max_dim: CSA_REG_MAX_DIM
 * @max_tensor: CSA_REG_MAX_TENSOR
 * @scratch: card-local memory for staging (the engine aligns it to 8)
 * @scratch_size: bytes at @scratch
 * @cancelled: optional (NULL: never); polled before every op, between
 *             output rows of MAXPOOL2D and between input rows (sparse:
 *             4096 entries) of CONV2D.  When it returns true the run
 *             stops where it is and reports status CSA_STATUS_PROGRAM with
 *             reason CSA_PROG_ERR_CANCELLED: the caller abandoned the job
 *             and discards the result (outputs may be partly written)
 * @cancel_ctx: passed to @cancelled
 * @lcache: optional (NULL: none); the layer cache of the queue the program
 *          runs on, used for layers in slots with a non-zero tag and
 *          without WRITE access
 */
struct csa_prog_env {
	const struct csa_prog_io *io;
	void *ctx;
	uint32_t lanes;
	uint32_t max_k;
	uint32_t max_dim;
	uint32_t max_tensor;
	uint8_t *scratch;
	size_t scratch_size;
	bool (*cancelled)(void *cancel_ctx);
	void *cancel_ctx;
	struct csa_layer_cache *lcache;
};

/*
 * Reason of a cancelled run (struct csa_prog_env.cancelled).  Not a
 * CSA_PROG_ERR_* of uapi/csa_format.h: no completion ever carries it.
 */
#define CSA_PROG_ERR_CANCELLED		0xff

/**
 * struct csa_prog_result - outcome of csa_prog_run()
 * @status: CSA_STATUS_OK or CSA_STATUS_PROGRAM
 * @detail: CSA_PROG_DETAIL(op, operand, reason) on failure, else 0
 * @ops_done: ops that completed
 * @cycles: datapath cycles (cost model) of the work done, program read
 *          included, descriptor overhead not
 * @bytes: bytes moved through the accessor
 * @macs: packed elements multiplied
 */
struct csa_prog_result {
	uint32_t status;
	uint32_t detail;
	uint32_t ops_done;
	uint64_t cycles;
	uint64_t bytes;
	uint64_t macs;
};

/**
 * struct csa_prog_mem_slot - one bind slot in plain memory
 * @base: the slot's bytes
 * @size: bytes at @base
 * @access: CSA_ACCESS_READ and/or CSA_ACCESS_WRITE
 * @tag: layer-cache tag (struct csa_bind_slot.tag), 0 for none
 */
struct csa_prog_mem_slot {
	uint8_t *base;
	uint64_t size;
	uint32_t access;
	uint64_t tag;
};

/**
 * struct csa_prog_mem - context of csa_prog_mem_io
 * @slots: the bind table
 * @nslots: entries in @slots
 */
struct csa_prog_mem {
	const struct csa_prog_mem_slot *slots;
	uint32_t nslots;
};

/*
 * An operand accessor over plain memory (a struct csa_prog_mem as ctx),
 * with the card's checks in the card's order: slot index, range, access
 * mode.  For CPU reference runs (libcsa) and tests.
 */
extern const struct csa_prog_io csa_prog_mem_io;

/*
 * Validate and run the program of len bytes at (slot, off).  Always fills
 * *res.
 */
void csa_prog_run(const struct csa_prog_env *env, uint32_t slot, uint64_t off,
		  uint64_t len, struct csa_prog_result *res);

/* n (<= 8) little-endian bytes at p, any alignment */
static inline uint64_t csa_get_le(const uint8_t *p, unsigned int n)
{
	uint64_t v = 0;

	while (n--)
		v = v << 8 | p[n];
	return v;
}

static inline void csa_put_le(uint8_t *p, uint64_t v, unsigned int n)
{
	for (unsigned int i = 0; i < n; i++, v >>= 8)
		p[i] = (uint8_t)v;
}

/* Little-endian (de)serialisation of the uapi structs, any alignment. */
void csa_prog_hdr_decode(struct csa_prog_hdr *h, const void *raw);
void csa_prog_hdr_encode(void *raw, const struct csa_prog_hdr *h);
void csa_prog_op_decode(struct csa_prog_op *op, const void *raw);
void csa_prog_op_encode(void *raw, const struct csa_prog_op *op);
void csa_layer_hdr_decode(struct csa_layer_hdr *h, const void *raw);
void csa_layer_hdr_encode(void *raw, const struct csa_layer_hdr *h);
void csa_sparse_hdr_decode(struct csa_sparse_hdr *h, const void *raw);
void csa_sparse_hdr_encode(void *raw, const struct csa_sparse_hdr *h);
void csa_requant_decode(struct csa_requant *r, const void *raw);
void csa_requant_encode(void *raw, const struct csa_requant *r);

/* Short stable name of a CSA_PROG_ERR_* reason ("shape", "tag", ...). */
const char *csa_prog_err_name(uint32_t reason);

#endif /* CSA_PROG_H */
