/* SPDX-License-Identifier: (GPL-2.0 OR MIT) */
/*
 * Card command processor: executes one ring descriptor (struct csa_desc in
 * csa_hw.h) against the job's bind table and produces its completion
 * record.
 *
 * Portable C (only <stdint.h>, <stddef.h>, <stdbool.h>, <string.h>): the
 * virtual card runs it natively, host unit tests run it against a fake
 * memory.  Every access to host memory goes through the caller's DMA
 * callbacks.  Descriptors, bind slots, segments and completion records are
 * decoded/encoded field by field from little-endian bytes, so neither host
 * byte order nor buffer alignment matters.
 *
 * Guarantee: a descriptor either passes every check (header, opcode, every
 * operand's slot, range, access mode and the segments covering its range)
 * before the first byte of data is written, or it writes nothing but its
 * status record.  docs/hardware.md ("Command queues") has the full rules.
 */
#ifndef CSA_CMDPROC_H
#define CSA_CMDPROC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "csa_hw.h"

struct csa_layer_cache;	/* csa_prog.h */

/*
 * Cost model of the datapath (struct csa_cpl.cycles): every descriptor costs
 * CSA_CYCLES_DESC; data moves at CSA_DMA_BYTES_PER_CYCLE (rounded up).
 * Bytes counted: FILL and COPY size, WRITE_VALUE and TIMESTAMP 8; the
 * status record is not counted (it carries the count).  CSA_OP_PROGRAM
 * adds the cycles of its job program (csa_prog.h, csa_dp_cost.c).
 */
#define CSA_CYCLES_DESC			32
#define CSA_DMA_BYTES_PER_CYCLE		64

/* struct csa_cpl.detail: the operand a failure is about */
#define CSA_DETAIL_DST			0
#define CSA_DETAIL_SRC			1
#define CSA_DETAIL_STATUS		2

/* Bounce buffer used when the caller gives none (on the stack). */
#define CSA_CMDPROC_STACK_BOUNCE	4096

/* Segments fetched per DMA read while walking a slot's segment table. */
#define CSA_SEG_CACHE			32

/**
 * struct csa_cmdproc_ops - how the card reaches host memory
 * @read: copy len bytes at bus address addr into buf; 0 or an error
 * @write: copy len bytes from buf to bus address addr; 0 or an error
 * @clock: the card cycle counter (monotonic)
 * @cancelled: optional (NULL: never); true once the descriptor being
 *             executed was abandoned (its queue was reset).  Polled while
 *             a job program runs (before every op, between MAXPOOL2D
 *             output rows and CONV2D input rows, struct csa_prog_env);
 *             the program then stops early and the caller
 *             discards the descriptor's result.  Must be cheap and safe to
 *             call from the executing thread.
 */
struct csa_cmdproc_ops {
	int (*read)(void *ctx, uint64_t addr, void *buf, size_t len);
	int (*write)(void *ctx, uint64_t addr, const void *buf, size_t len);
	uint64_t (*clock)(void *ctx);
	bool (*cancelled)(void *ctx);
};

/**
 * struct csa_cmdproc - one command processor (one per card or queue)
 * @ops: DMA and clock callbacks
 * @ctx: passed to every callback
 * @debug_ops: execute CSA_OP_DEBUG_* (else they fail with BAD_OPCODE)
 * @bounce: data staging buffer, or NULL for CSA_CMDPROC_STACK_BOUNCE bytes
 *          on the stack; bigger buffers mean fewer, larger DMA transfers
 * @bounce_size: bytes at @bounce (at least 4 when @bounce is set)
 * @scratch: card-local memory of the datapath (CSA_OP_PROGRAM stages
 *           operands there); NULL: every program fails
 *           with CSA_PROG_ERR_SCRATCH
 * @scratch_size: bytes at @scratch
 * @dp_lanes: CSA_REG_DP_LANES (cost model)
 * @max_k: CSA_REG_MAX_K (packed layers with a larger k are refused)
 * @max_dim: CSA_REG_MAX_DIM
 * @max_tensor: CSA_REG_MAX_TENSOR
 * @lcache: the queue's layer cache (csa_prog.h), or NULL: tagged slots
 *          are decoded every job like untagged ones.  The owner flushes
 *          it when the queue is reset
 */
struct csa_cmdproc {
	const struct csa_cmdproc_ops *ops;
	void *ctx;
	bool debug_ops;
	uint8_t *bounce;
	size_t bounce_size;
	uint8_t *scratch;
	size_t scratch_size;
	uint32_t dp_lanes;
	uint32_t max_k;
	uint32_t max_dim;
	uint32_t max_tensor;
	struct csa_layer_cache *lcache;
};

/* A walk position in one bind slot's segment list. */
struct csa_slot_cursor {
	struct csa_bind_slot slot;	/* decoded, validated bind entry */
	uint32_t idx;			/* current segment */
	uint64_t start;			/* slot offset where segment idx starts */
	struct csa_seg seg;		/* segment idx */
	uint32_t cache_first;		/* index of cache[0] */
	uint32_t cache_n;		/* valid cache entries, 0 = empty */
	uint64_t cache_next;		/* table entry after the cached ones */
	struct csa_seg cache[CSA_SEG_CACHE];
};

/* csa_cmd_step() results */
enum csa_cmd_state {
	CSA_CMD_DONE,	/* finished: cmd->cpl is the completion record */
	CSA_CMD_MORE,	/* data left: call csa_cmd_step() again */
	CSA_CMD_HANG,	/* CSA_OP_DEBUG_HANG: never completes */
	CSA_CMD_CRASH,	/* CSA_OP_DEBUG_CRASH: the card's firmware crashed;
			 * never completes, the card goes FATAL */
};

/*
 * One descriptor in flight.  Lives in caller memory so that a long transfer
 * can be split over several csa_cmd_step() calls (the virtual card must not
 * stall its event loop on a huge COPY).  Treat as opaque.
 */
struct csa_cmd {
	struct csa_desc desc;
	struct csa_cpl cpl;
	enum csa_cmd_state state;
	bool write_status;	/* status record goes to cur[CSA_DETAIL_STATUS] */
	bool backward;		/* overlapping COPY with dst after src */
	uint64_t t0;		/* clock at csa_cmd_start() */
	uint64_t total;		/* data bytes of the operation */
	uint64_t done;		/* data bytes moved so far */
	uint64_t prog_cycles;	/* CSA_OP_PROGRAM: cycles of the program */
	struct csa_slot_cursor cur[3];	/* dst, src, status */
};

/* Decode CSA_DESC_SIZE little-endian bytes into d. */
void csa_desc_decode(struct csa_desc *d, const void *raw);
/* Encode d as CSA_DESC_SIZE little-endian bytes (hosts and tests). */
void csa_desc_encode(void *raw, const struct csa_desc *d);
void csa_cpl_decode(struct csa_cpl *c, const void *raw);
void csa_cpl_encode(void *raw, const struct csa_cpl *c);

/*
 * Validate the descriptor in raw (CSA_DESC_SIZE bytes) and its operands.
 * Returns the first state: CSA_CMD_DONE when it failed or had no data to
 * move (cmd->cpl is final, status record already written), CSA_CMD_MORE,
 * CSA_CMD_HANG or CSA_CMD_CRASH (the last two only with @debug_ops).
 */
enum csa_cmd_state csa_cmd_start(const struct csa_cmdproc *cp,
				 struct csa_cmd *cmd, const void *raw);

/*
 * Move up to budget data bytes (at least one bounce chunk).  On the last
 * step writes the status record (CSA_DESC_F_STATUS) and fills cmd->cpl.
 */
enum csa_cmd_state csa_cmd_step(const struct csa_cmdproc *cp,
				struct csa_cmd *cmd, uint64_t budget);

/*
 * Execute one descriptor completely: start + steps.  Returns CSA_CMD_DONE
 * with *cpl filled, or CSA_CMD_HANG / CSA_CMD_CRASH (no completion exists).
 */
enum csa_cmd_state csa_cmdproc_exec(const struct csa_cmdproc *cp,
				    const void *raw, struct csa_cpl *cpl);

/* Short stable name of a CSA_STATUS_* code ("ok", "bad-slot", ...). */
const char *csa_status_name(uint32_t status);

#endif /* CSA_CMDPROC_H */
