// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Virtual CSA card: QEMU PCI device model of the CSA complementary-sparse
 * accelerator (-device csa-card).
 *
 * Implements the hardware contract of firmware/csa_hw.h exactly: PCI
 * identity, the BAR0 register file, MSI-X on BAR2, the firmware-load
 * handshake and the command queues.  The card verifies a firmware image and
 * executes descriptors with the same firmware/ code the real card runs.
 * docs/hardware.md describes the behaviour.
 *
 * Threads: registers, timers, interrupts and completions live in QEMU's
 * main loop.  Each queue has a worker thread that executes its
 * descriptors (the command processor and the datapath) without the BQL,
 * taking it only around each DMA transfer, so a long job program never
 * stalls the VM.  Descriptors with little, bounded work (no program, at
 * most CSA_INLINE_BYTES of data) run right in the main loop instead: a
 * thread hand-over would only add latency to them.  Every reset of a
 * queue bumps its generation; the worker checks the generation under the
 * BQL before each DMA and when it posts its result, so an abandoned
 * descriptor never touches memory again and never completes.
 */

#include "qemu/osdep.h"
#include "qemu/host-utils.h"
#include "qemu/log.h"
#include "qemu/main-loop.h"
#include "qemu/module.h"
#include "qemu/rcu.h"
#include "qemu/thread.h"
#include "qemu/timer.h"
#include "qemu/units.h"
#include "qapi/error.h"
#include "hw/pci/pci.h"
#include "hw/pci/msix.h"
#include "hw/pci/pcie.h"
#include "hw/pci/pcie_aer.h"
#include "hw/pci/pci_regs.h"
#include "hw/qdev-properties.h"
#include "migration/vmstate.h"
#include "sysemu/qtest.h"
#include "qom/object.h"

#include "csa_hw.h"
#include "csa_cmdproc.h"
#include "csa_prog.h"
#include "csa_fw_image.h"

#define TYPE_CSA_CARD "csa-card"
OBJECT_DECLARE_SIMPLE_TYPE(CsaCardState, CSA_CARD)

/*
 * Virtual time between FW_CTRL=LOAD and the completion interrupt: the
 * verification runs later, like on hardware, so a driver has to wait for
 * CSA_IRQ_FW instead of reading FW_STATUS right after the write.
 */
#define CSA_FW_LOAD_DELAY_NS	(1 * SCALE_MS)

/* Data staging buffer of a queue's command processor. */
#define CSA_BOUNCE_SIZE		(64 * KiB)
/*
 * Card-local memory of the datapath: CSA_OP_PROGRAM stages operands,
 * accumulators and packed columns there.  One per queue: the queues'
 * workers run programs concurrently.
 */
#define CSA_SCRATCH_SIZE	(8 * MiB)
/*
 * Bytes a worker moves between two checks whether its descriptor was
 * abandoned (a huge COPY stops soon after a queue reset).
 */
#define CSA_STEP_BUDGET		(1 * MiB)
/* Largest FILL / COPY executed in the main loop (one bounce buffer). */
#define CSA_INLINE_BYTES	CSA_BOUNCE_SIZE
#define CSA_CMD_LATENCY_MAX_US	1000000

typedef struct CsaCardState CsaCardState;

/* Where a queue is in the life of the HEAD descriptor. */
typedef enum CsaQueuePhase {
	CSA_QP_IDLE,	/* nothing to do (HEAD == TAIL, disabled, halted, FATAL) */
	CSA_QP_FETCH,	/* timer: fetch descriptor HEAD, hand it to the worker
			 * (which may still be finishing an abandoned one:
			 * then it re-arms the timer when it drops that) */
	CSA_QP_RUN,	/* the worker thread executes it */
	CSA_QP_DONE,	/* timer: post its completion */
	CSA_QP_HUNG,	/* CSA_OP_DEBUG_HANG: only a reset ends it */
	CSA_QP_CRASH,	/* timer: CSA_OP_DEBUG_CRASH, the card goes FATAL */
} CsaQueuePhase;

typedef struct CsaQueue {
	CsaCardState *card;
	unsigned int index;
	QEMUTimer *timer;

	/* registers as the host wrote them */
	uint32_t ring_lo;
	uint32_t ring_hi;
	uint32_t ring_size;
	uint32_t cpl_lo;
	uint32_t cpl_hi;
	uint32_t ctrl;
	uint32_t head;
	uint32_t tail;
	uint64_t done_seqno;
	bool error;

	/* latched when ENABLE went 0 -> 1 */
	uint64_t ring;
	uint64_t cpl;
	uint32_t size;

	/* execution */
	CsaQueuePhase phase;
	bool halted;		/* ring or completion array unreachable */
	int64_t start_ns;	/* virtual time the HEAD descriptor started */
	struct csa_cmd cmd;	/* the executed descriptor (phase DONE) */

	/*
	 * The worker thread and its hand-over, all under the BQL.  @gen is
	 * also read without it (atomically) by the worker's cancel poll.
	 */
	QemuThread thread;
	QemuCond cond;		/* job_ready/quit set, or the worker went idle */
	struct csa_cmdproc cp;	/* own bounce buffer and datapath scratch */
	uint32_t gen;		/* bumped by every reset of the queue */
	uint32_t job_gen;	/* generation of the handed-over descriptor */
	uint32_t run_gen;	/* generation of the one the worker executes */
	uint32_t lcache_gen;	/* generation cp.lcache was filled in */
	bool job_ready;		/* job_raw waits for the worker */
	bool busy;		/* the worker executes (maybe an abandoned one) */
	bool quit;
	uint8_t job_raw[CSA_DESC_SIZE];
} CsaQueue;

struct CsaCardState {
	PCIDevice parent_obj;

	MemoryRegion regs;
	uint8_t pm_cap;		/* config offset of the PCI PM capability */
	QEMUTimer *fw_timer;
	CsaQueue q[CSA_MAX_QUEUES];
	/*
	 * Set (under the BQL) during every DMA transfer of a queue: the
	 * card's own DMA may be aimed at its own BAR0, and such a write must
	 * not re-enter the queue state it is in the middle of changing.
	 */
	bool in_queue_dma;

	/* properties (the knobs tests turn) */
	uint32_t queues;
	uint32_t lanes;
	uint32_t max_k;
	uint32_t max_dim;
	uint32_t max_tensor;
	uint32_t clock_khz;
	uint64_t serial;
	uint32_t fw_abi;
	bool debug_ops;
	uint32_t cmd_latency_us;

	/* register state */
	uint32_t status;
	uint32_t irq_status;
	uint32_t irq_mask;
	uint32_t scratch;
	uint32_t fw_addr_lo;
	uint32_t fw_addr_hi;
	uint32_t fw_size;
	uint32_t fw_status;
	uint32_t fw_error;
	uint32_t fw_version;
	uint32_t fw_running_abi;
};

/* Interrupt status bits this card instance can raise. */
static uint32_t csa_irq_valid(CsaCardState *s)
{
	uint32_t queue_bits = ((1u << s->queues) - 1) << 16;

	return CSA_IRQ_FW | CSA_IRQ_ERROR | queue_bits;
}

static unsigned int csa_irq_vector(uint32_t bit)
{
	if (bit & (CSA_IRQ_FW | CSA_IRQ_ERROR))
		return CSA_MSIX_VEC_MISC;
	return CSA_MSIX_VEC_QUEUE(ctz32(bit) - 16);
}

/* Send one MSI-X message for each bit in bits (pending and enabled). */
static void csa_irq_notify(CsaCardState *s, uint32_t bits)
{
	PCIDevice *pdev = PCI_DEVICE(s);

	while (bits) {
		uint32_t bit = bits & -bits;

		msix_notify(pdev, csa_irq_vector(bit));
		bits &= ~bit;
	}
}

static void csa_irq_raise(CsaCardState *s, uint32_t bits)
{
	s->irq_status |= bits;
	csa_irq_notify(s, bits & s->irq_mask);
}

/*
 * Abandon whatever the queue executes: a descriptor not yet picked up is
 * dropped, the worker's current one fails its next DMA and its result is
 * discarded.
 */
static void csa_queue_abandon(CsaQueue *q)
{
	timer_del(q->timer);
	qatomic_set(&q->gen, q->gen + 1);
	q->job_ready = false;
	q->phase = CSA_QP_IDLE;
}

static void csa_queue_reset(CsaQueue *q)
{
	csa_queue_abandon(q);
	q->halted = false;
	q->ctrl = 0;
	q->head = 0;
	q->tail = 0;
	q->done_seqno = 0;
	q->error = false;
}

/* Firmware state back to NONE; also what a soft reset does to the rest. */
static void csa_soft_reset(CsaCardState *s)
{
	unsigned int i;

	for (i = 0; i < s->queues; i++) {
		CsaQueue *q = &s->q[i];

		csa_queue_reset(q);
		q->ring_lo = q->ring_hi = q->ring_size = 0;
		q->cpl_lo = q->cpl_hi = 0;
	}
	timer_del(s->fw_timer);
	s->status = 0;
	s->irq_status = 0;
	s->irq_mask = 0;
	s->scratch = 0;
	s->fw_addr_lo = 0;
	s->fw_addr_hi = 0;
	s->fw_size = 0;
	s->fw_status = CSA_FW_STATUS_NONE;
	s->fw_error = CSA_FW_ERR_NONE;
	s->fw_version = 0;
	s->fw_running_abi = 0;
}

static void csa_fw_finish(CsaCardState *s, int err,
			  const struct csa_fw_image_info *info)
{
	if (err == CSA_FW_ERR_NONE) {
		s->fw_status = CSA_FW_STATUS_READY;
		s->fw_error = CSA_FW_ERR_NONE;
		s->fw_version = info->fw_version;
		s->fw_running_abi = info->abi_version;
		s->status |= CSA_STATUS_FW_READY;
	} else {
		s->fw_status = CSA_FW_STATUS_FAILED;
		s->fw_error = err;
		if (err == CSA_FW_ERR_ABI)
			qemu_log_mask(LOG_GUEST_ERROR,
				      "csa-card: firmware rejected: image ABI %u, card accepts ABI %u\n",
				      info->abi_version, s->fw_abi);
		else
			qemu_log_mask(LOG_GUEST_ERROR,
				      "csa-card: firmware rejected: %s error\n",
				      csa_fw_err_name(err));
	}
	csa_irq_raise(s, CSA_IRQ_FW);
}

/* Timer callback: DMA the image in and verify it with the firmware code. */
static void csa_fw_load(void *opaque)
{
	CsaCardState *s = opaque;
	struct csa_fw_image_info info = { 0 };
	dma_addr_t addr = (uint64_t)s->fw_addr_hi << 32 | s->fw_addr_lo;
	uint32_t size = s->fw_size;
	void *img;
	int err;

	if (size == 0 || size > CSA_FW_MAX_SIZE) {
		csa_fw_finish(s, CSA_FW_ERR_SIZE, &info);
		return;
	}
	img = g_malloc(size);
	if (pci_dma_read(PCI_DEVICE(s), addr, img, size) != MEMTX_OK) {
		g_free(img);
		csa_fw_finish(s, CSA_FW_ERR_DMA, &info);
		return;
	}
	err = csa_fw_image_check(img, size, s->fw_abi, &info);
	/* info->payload points into img: not used past this point */
	g_free(img);
	csa_fw_finish(s, err, &info);
}

static void csa_fw_ctrl_write(CsaCardState *s, uint32_t val)
{
	if (val != CSA_FW_CTRL_LOAD) {
		qemu_log_mask(LOG_GUEST_ERROR,
			      "csa-card: FW_CTRL: unknown command 0x%x\n", val);
		return;
	}
	if (s->status & CSA_STATUS_FATAL) {
		qemu_log_mask(LOG_GUEST_ERROR,
			      "csa-card: FW_CTRL: LOAD on a FATAL card ignored (reset it first)\n");
		return;
	}
	if (s->fw_status == CSA_FW_STATUS_LOADING) {
		qemu_log_mask(LOG_GUEST_ERROR,
			      "csa-card: FW_CTRL: LOAD while a load is running\n");
		return;
	}
	/* a new load replaces the running firmware */
	s->status &= ~CSA_STATUS_FW_READY;
	s->fw_status = CSA_FW_STATUS_LOADING;
	s->fw_error = CSA_FW_ERR_NONE;
	s->fw_version = 0;
	s->fw_running_abi = 0;
	timer_mod(s->fw_timer,
		  qemu_clock_get_ns(QEMU_CLOCK_VIRTUAL) + CSA_FW_LOAD_DELAY_NS);
}

/* One DMA transfer of a queue (BQL held): all card DMA goes through PCI. */
static bool csa_queue_dma(CsaQueue *q, uint64_t addr, void *buf, size_t len,
			  DMADirection dir)
{
	CsaCardState *s = q->card;
	MemTxResult r;

	s->in_queue_dma = true;
	r = pci_dma_rw(PCI_DEVICE(s), addr, buf, len, dir, MEMTXATTRS_UNSPECIFIED);
	s->in_queue_dma = false;
	return r == MEMTX_OK;
}

/*
 * Command-processor callbacks, called by the queue's worker thread
 * without the BQL (or in the main loop with it, for a short descriptor).
 * A descriptor abandoned by a reset moves no more data.
 */
static int csa_worker_dma(CsaQueue *q, uint64_t addr, void *buf, size_t len,
			  DMADirection dir)
{
	bool locked = qemu_mutex_iothread_locked();
	bool ok = false;

	if (!locked)
		qemu_mutex_lock_iothread();
	if (q->run_gen == q->gen)
		ok = csa_queue_dma(q, addr, buf, len, dir);
	if (!locked)
		qemu_mutex_unlock_iothread();
	return ok ? 0 : -1;
}

static int csa_dma_read(void *opaque, uint64_t addr, void *buf, size_t len)
{
	return csa_worker_dma(opaque, addr, buf, len, DMA_DIRECTION_TO_DEVICE);
}

static int csa_dma_write(void *opaque, uint64_t addr, const void *buf,
			 size_t len)
{
	return csa_worker_dma(opaque, addr, (void *)buf, len,
			      DMA_DIRECTION_FROM_DEVICE);
}

/* The card cycle counter runs at clock-khz in virtual time. */
static uint64_t csa_cycle_clock(void *opaque)
{
	CsaQueue *q = opaque;

	return muldiv64(qemu_clock_get_ns(QEMU_CLOCK_VIRTUAL),
			q->card->clock_khz, 1000000);
}

/* Polled by the datapath between ops and rows: stop an abandoned job. */
static bool csa_worker_cancelled(void *opaque)
{
	CsaQueue *q = opaque;

	return qatomic_read(&q->gen) != q->run_gen;
}

static const struct csa_cmdproc_ops csa_cmdproc_ops = {
	.read = csa_dma_read,
	.write = csa_dma_write,
	.clock = csa_cycle_clock,
	.cancelled = csa_worker_cancelled,
};

/* Virtual time of n datapath cycles, rounded up. */
static int64_t csa_cycles_ns(CsaCardState *s, uint64_t cycles)
{
	return muldiv64(cycles, 1000000, s->clock_khz) + 1;
}

static bool csa_queue_enabled(CsaQueue *q)
{
	return q->ctrl & CSA_Q_CTRL_ENABLE;
}

/* Start fetching if there is work and nothing is in flight. */
static void csa_queue_kick(CsaQueue *q)
{
	CsaCardState *s = q->card;

	if (q->phase != CSA_QP_IDLE || q->halted || !csa_queue_enabled(q) ||
	    q->head == q->tail || (s->status & CSA_STATUS_FATAL))
		return;
	q->phase = CSA_QP_FETCH;
	timer_mod(q->timer, qemu_clock_get_ns(QEMU_CLOCK_VIRTUAL) +
		  (int64_t)s->cmd_latency_us * SCALE_US);
}

/* Ring or completion array unreachable: stop until CSA_Q_RESET. */
static void csa_queue_halt(CsaQueue *q, const char *what)
{
	qemu_log_mask(LOG_GUEST_ERROR,
		      "csa-card: queue %u: %s at index %u failed, queue halted\n",
		      q->index, what, q->head);
	q->error = true;
	q->halted = true;
	q->phase = CSA_QP_IDLE;
}

/* Completion record first, then HEAD, then the interrupt (csa_hw.h). */
static void csa_queue_complete(CsaQueue *q)
{
	CsaCardState *s = q->card;
	uint32_t bit = CSA_IRQ_QUEUE(q->index);
	uint8_t raw[CSA_CPL_SIZE];

	csa_cpl_encode(raw, &q->cmd.cpl);
	if (!csa_queue_dma(q, q->cpl + (uint64_t)q->head * CSA_CPL_SIZE, raw,
			   sizeof(raw), DMA_DIRECTION_FROM_DEVICE)) {
		csa_queue_halt(q, "completion write");
		return;
	}
	q->head = (q->head + 1) & (q->size - 1);
	q->done_seqno = q->cmd.cpl.seqno;
	s->irq_status |= bit;
	if ((q->cmd.desc.flags & CSA_DESC_F_IRQ) && (s->irq_mask & bit))
		csa_irq_notify(s, bit);
	q->phase = CSA_QP_IDLE;
	csa_queue_kick(q);
}

/*
 * CSA_OP_DEBUG_CRASH: the firmware dies.  Every queue stops where it is
 * (nothing in flight or queued completes, doorbells fetch nothing), the
 * firmware state is gone and the host hears CSA_IRQ_ERROR.  Only a soft
 * reset or a PCI function reset clears STATUS.FATAL.
 */
static void csa_card_crash(CsaCardState *s)
{
	unsigned int i;

	qemu_log_mask(LOG_GUEST_ERROR,
		      "csa-card: firmware crashed (CSA_OP_DEBUG_CRASH): card FATAL until reset\n");
	for (i = 0; i < s->queues; i++)
		csa_queue_abandon(&s->q[i]);
	timer_del(s->fw_timer);
	s->status = (s->status & ~CSA_STATUS_FW_READY) | CSA_STATUS_FATAL;
	s->fw_status = CSA_FW_STATUS_NONE;
	s->fw_error = CSA_FW_ERR_NONE;
	s->fw_version = 0;
	s->fw_running_abi = 0;
	csa_irq_raise(s, CSA_IRQ_ERROR);
}

/* The worker finished descriptor HEAD (BQL held): what comes next. */
static void csa_queue_advance(CsaQueue *q, enum csa_cmd_state state)
{
	CsaCardState *s = q->card;
	int64_t now = qemu_clock_get_ns(QEMU_CLOCK_VIRTUAL);

	switch (state) {
	case CSA_CMD_MORE:	/* only when abandoned: not posted */
		break;
	case CSA_CMD_HANG:
		q->phase = CSA_QP_HUNG;
		break;
	case CSA_CMD_CRASH:
		/* the main loop changes the card's state */
		q->phase = CSA_QP_CRASH;
		timer_mod(q->timer, now);
		break;
	case CSA_CMD_DONE:
		/* completion no earlier than the cost model says */
		q->phase = CSA_QP_DONE;
		timer_mod(q->timer, MAX(now, q->start_ns +
					csa_cycles_ns(s, q->cmd.cpl.cycles)));
		break;
	}
}

/* Bounded work (no program, little data): executed in the main loop. */
static bool csa_desc_is_short(const uint8_t *raw)
{
	struct csa_desc d;

	csa_desc_decode(&d, raw);
	switch (d.opcode) {
	case CSA_OP_PROGRAM:
		return false;
	case CSA_OP_FILL:
	case CSA_OP_COPY:
		return d.size <= CSA_INLINE_BYTES;
	}
	return true;	/* at most 8 bytes of data, or none */
}

/* Execute descriptor @raw to its end (the worker, or a short one). */
static enum csa_cmd_state csa_queue_exec(CsaQueue *q, struct csa_cmd *cmd,
					 const uint8_t *raw)
{
	enum csa_cmd_state state;

	/*
	 * The layer cache is flushed by a queue reset: here, by the one
	 * executor, so that an abandoned job still running never races it.
	 */
	if (q->lcache_gen != q->run_gen) {
		csa_lcache_flush(q->cp.lcache);
		q->lcache_gen = q->run_gen;
	}
	state = csa_cmd_start(&q->cp, cmd, raw);
	while (state == CSA_CMD_MORE && !csa_worker_cancelled(q))
		state = csa_cmd_step(&q->cp, cmd, CSA_STEP_BUDGET);
	return state;
}

/*
 * The worker thread of a queue: executes the descriptors the queue's timer
 * hands over, without the BQL except inside the DMA callbacks and to post
 * the result.
 */
static void *csa_queue_worker(void *opaque)
{
	CsaQueue *q = opaque;
	struct csa_cmd *cmd = g_new0(struct csa_cmd, 1);
	uint8_t raw[CSA_DESC_SIZE];
	enum csa_cmd_state state;

	rcu_register_thread();
	qemu_mutex_lock_iothread();
	for (;;) {
		while (!q->job_ready && !q->quit)
			qemu_cond_wait_iothread(&q->cond);
		if (q->quit)
			break;
		memcpy(raw, q->job_raw, sizeof(raw));
		q->run_gen = q->job_gen;
		q->job_ready = false;
		q->busy = true;
		qemu_mutex_unlock_iothread();

		state = csa_queue_exec(q, cmd, raw);

		qemu_mutex_lock_iothread();
		q->busy = false;
		if (q->run_gen == q->gen) {
			q->cmd = *cmd;
			csa_queue_advance(q, state);
		} else if (q->phase == CSA_QP_FETCH) {
			/* the next descriptor waited for this abandoned one */
			timer_mod(q->timer, qemu_clock_get_ns(QEMU_CLOCK_VIRTUAL));
		}
		qemu_cond_broadcast(&q->cond);
	}
	qemu_mutex_unlock_iothread();
	rcu_unregister_thread();
	g_free(cmd);
	return NULL;
}

/*
 * Timer, phase FETCH: read descriptor HEAD; execute it if it is short,
 * else hand it to the worker.
 */
static void csa_queue_fetch(CsaQueue *q)
{
	CsaCardState *s = q->card;
	uint8_t raw[CSA_DESC_SIZE];

	if (!csa_queue_enabled(q) || q->head == q->tail ||
	    (s->status & CSA_STATUS_FATAL)) {
		q->phase = CSA_QP_IDLE;
		return;
	}
	if (q->busy)
		return;		/* the worker re-arms the timer when done */
	if (!csa_queue_dma(q, q->ring + (uint64_t)q->head * CSA_DESC_SIZE, raw,
			   sizeof(raw), DMA_DIRECTION_TO_DEVICE)) {
		csa_queue_halt(q, "descriptor read");
		return;
	}
	q->start_ns = qemu_clock_get_ns(QEMU_CLOCK_VIRTUAL);
	if (csa_desc_is_short(raw)) {
		q->run_gen = q->gen;	/* the worker is idle */
		csa_queue_advance(q, csa_queue_exec(q, &q->cmd, raw));
		return;
	}
	memcpy(q->job_raw, raw, sizeof(raw));
	q->job_gen = q->gen;
	q->job_ready = true;
	q->phase = CSA_QP_RUN;
	qemu_cond_broadcast(&q->cond);
	/*
	 * Under qtest, virtual time moves only when the test steps it: wait
	 * for the worker so that a step covers the whole execution, as it
	 * would in a guest whose clock keeps running.
	 */
	if (qtest_enabled()) {
		while (q->job_ready || q->busy)
			qemu_cond_wait_iothread(&q->cond);
	}
}

static void csa_queue_timer(void *opaque)
{
	CsaQueue *q = opaque;

	switch (q->phase) {
	case CSA_QP_FETCH:
		csa_queue_fetch(q);
		break;
	case CSA_QP_DONE:
		csa_queue_complete(q);
		break;
	case CSA_QP_CRASH:
		csa_card_crash(q->card);
		break;
	case CSA_QP_IDLE:
	case CSA_QP_RUN:
	case CSA_QP_HUNG:
		break;
	}
}

/* ENABLE 0 -> 1: latch and check the ring setup. */
static void csa_queue_enable(CsaQueue *q)
{
	uint64_t ring = (uint64_t)q->ring_hi << 32 | q->ring_lo;
	uint64_t cpl = (uint64_t)q->cpl_hi << 32 | q->cpl_lo;
	uint32_t size = q->ring_size;
	const char *why = NULL;

	if (size < 2 || size > CSA_RING_MAX || (size & (size - 1)))
		why = "RING_SIZE not a power of 2 in [2, 4096]";
	else if (ring % CSA_RING_ALIGN || cpl % CSA_RING_ALIGN)
		why = "ring or completion address not 64-byte aligned";
	else if (ring > UINT64_MAX - (uint64_t)size * CSA_DESC_SIZE + 1 ||
		 cpl > UINT64_MAX - (uint64_t)size * CSA_CPL_SIZE + 1)
		why = "ring or completion array wraps the address space";
	else if (q->phase != CSA_QP_IDLE)
		why = "a descriptor is still in flight (reset the queue)";
	if (why) {
		qemu_log_mask(LOG_GUEST_ERROR,
			      "csa-card: queue %u: enable refused: %s\n",
			      q->index, why);
		q->error = true;
		return;
	}
	q->ring = ring;
	q->cpl = cpl;
	q->size = size;
	q->head = 0;
	q->tail = 0;
	q->halted = false;
	q->ctrl = CSA_Q_CTRL_ENABLE;
}

static uint32_t csa_queue_status(CsaQueue *q)
{
	uint32_t st = 0;

	if (csa_queue_enabled(q))
		st |= CSA_Q_STATUS_ENABLED;
	if (q->phase != CSA_QP_IDLE)
		st |= CSA_Q_STATUS_BUSY;
	if (q->error)
		st |= CSA_Q_STATUS_ERROR;
	return st;
}

static uint64_t csa_queue_read(CsaQueue *q, hwaddr reg)
{
	switch (reg) {
	case CSA_Q_RING_LO:		return q->ring_lo;
	case CSA_Q_RING_HI:		return q->ring_hi;
	case CSA_Q_RING_SIZE:		return q->ring_size;
	case CSA_Q_CPL_LO:		return q->cpl_lo;
	case CSA_Q_CPL_HI:		return q->cpl_hi;
	case CSA_Q_TAIL:		return q->tail;
	case CSA_Q_HEAD:		return q->head;
	case CSA_Q_CTRL:		return q->ctrl;
	case CSA_Q_STATUS:		return csa_queue_status(q);
	case CSA_Q_RESET:		return 0;
	case CSA_Q_DONE_SEQNO_LO:	return (uint32_t)q->done_seqno;
	case CSA_Q_DONE_SEQNO_HI:	return q->done_seqno >> 32;
	}
	qemu_log_mask(LOG_GUEST_ERROR,
		      "csa-card: queue %u: read of unknown register 0x%"
		      HWADDR_PRIx "\n", q->index, reg);
	return 0;
}

/* The register behind a ring-setup offset. */
static uint32_t *csa_queue_setup_reg(CsaQueue *q, hwaddr reg)
{
	switch (reg) {
	case CSA_Q_RING_LO:	return &q->ring_lo;
	case CSA_Q_RING_HI:	return &q->ring_hi;
	case CSA_Q_RING_SIZE:	return &q->ring_size;
	case CSA_Q_CPL_LO:	return &q->cpl_lo;
	default:		return &q->cpl_hi;
	}
}

/* Ring registers may change only while the queue is disabled. */
static bool csa_queue_setup_ok(CsaQueue *q, hwaddr reg)
{
	if (!csa_queue_enabled(q))
		return true;
	qemu_log_mask(LOG_GUEST_ERROR,
		      "csa-card: queue %u: ring setup register 0x%" HWADDR_PRIx
		      " written while enabled, ignored\n", q->index, reg);
	q->error = true;
	return false;
}

static void csa_queue_write(CsaQueue *q, hwaddr reg, uint32_t val)
{
	switch (reg) {
	case CSA_Q_RING_LO:
	case CSA_Q_RING_HI:
	case CSA_Q_RING_SIZE:
	case CSA_Q_CPL_LO:
	case CSA_Q_CPL_HI:
		if (csa_queue_setup_ok(q, reg))
			*csa_queue_setup_reg(q, reg) = val;
		return;
	case CSA_Q_TAIL:
		if (!csa_queue_enabled(q) || val >= q->size) {
			qemu_log_mask(LOG_GUEST_ERROR,
				      "csa-card: queue %u: TAIL %u ignored (%s)\n",
				      q->index, val, csa_queue_enabled(q) ?
				      "outside the ring" : "queue disabled");
			q->error = true;
			return;
		}
		q->tail = val;
		csa_queue_kick(q);
		return;
	case CSA_Q_CTRL:
		if (val & ~CSA_Q_CTRL_ENABLE) {
			qemu_log_mask(LOG_GUEST_ERROR,
				      "csa-card: queue %u: CTRL 0x%x: undefined bits, ignored\n",
				      q->index, val);
			q->error = true;
			return;
		}
		if (val && !csa_queue_enabled(q)) {
			csa_queue_enable(q);
		} else if (!val && csa_queue_enabled(q)) {
			/* stop fetching; a descriptor in flight still completes */
			q->ctrl = 0;
			if (q->phase == CSA_QP_FETCH) {
				timer_del(q->timer);
				q->phase = CSA_QP_IDLE;
			}
		}
		return;
	case CSA_Q_RESET:
		if (val == CSA_RESET_MAGIC)
			csa_queue_reset(q);
		else
			qemu_log_mask(LOG_GUEST_ERROR,
				      "csa-card: queue %u: RESET: wrong magic 0x%x ignored\n",
				      q->index, val);
		return;
	case CSA_Q_HEAD:
	case CSA_Q_STATUS:
	case CSA_Q_DONE_SEQNO_LO:
	case CSA_Q_DONE_SEQNO_HI:
		qemu_log_mask(LOG_GUEST_ERROR,
			      "csa-card: queue %u: write to read-only register 0x%"
			      HWADDR_PRIx " ignored\n", q->index, reg);
		return;
	}
	qemu_log_mask(LOG_GUEST_ERROR,
		      "csa-card: queue %u: write to unknown register 0x%"
		      HWADDR_PRIx " ignored\n", q->index, reg);
}

/* Stable and distinct per slot unless the user set the serial property. */
static uint64_t csa_serial(CsaCardState *s)
{
	PCIDevice *pdev = PCI_DEVICE(s);

	if (s->serial)
		return s->serial;
	return (uint64_t)CSA_PCI_VENDOR_ID << 48 |
	       (uint64_t)CSA_PCI_DEVICE_ID << 32 |
	       (uint32_t)pci_dev_bus_num(pdev) << 8 | pdev->devfn;
}

static bool csa_is_queue_window(CsaCardState *s, hwaddr addr)
{
	return addr >= CSA_REG_QUEUE_BASE &&
	       addr < CSA_REG_QUEUE_BASE +
		      (hwaddr)s->queues * CSA_REG_QUEUE_STRIDE;
}

static CsaQueue *csa_queue_of(CsaCardState *s, hwaddr addr)
{
	return &s->q[(addr - CSA_REG_QUEUE_BASE) / CSA_REG_QUEUE_STRIDE];
}

static bool csa_is_read_only(hwaddr addr)
{
	switch (addr) {
	case CSA_REG_STATUS:
	case CSA_REG_FW_STATUS:
	case CSA_REG_FW_ERROR:
	case CSA_REG_FW_VERSION:
	case CSA_REG_FW_ABI:
		return true;
	}
	/* identification and capabilities */
	return addr <= CSA_REG_FW_ABI_SUPPORTED;
}

static bool csa_access_ok(hwaddr addr, unsigned int size, const char *what)
{
	if (size == 4 && !(addr & 3))
		return true;
	qemu_log_mask(LOG_GUEST_ERROR,
		      "csa-card: %u-byte %s at 0x%" HWADDR_PRIx
		      " ignored: registers are 32 bit\n", size, what, addr);
	return false;
}

static uint64_t csa_read(void *opaque, hwaddr addr, unsigned int size)
{
	CsaCardState *s = opaque;

	if (!csa_access_ok(addr, size, "read"))
		return 0;

	switch (addr) {
	case CSA_REG_ID:		return CSA_ID_MAGIC;
	case CSA_REG_HW_VERSION:
		return CSA_HW_VERSION_MAJOR << 16 | CSA_HW_VERSION_MINOR;
	case CSA_REG_CAPS:		return 0;	/* no optional features yet */
	case CSA_REG_NUM_QUEUES:	return s->queues;
	case CSA_REG_DP_LANES:		return s->lanes;
	case CSA_REG_MAX_K:		return s->max_k;
	case CSA_REG_MAX_DIM:		return s->max_dim;
	case CSA_REG_MAX_TENSOR:	return s->max_tensor;
	case CSA_REG_CLOCK_KHZ:		return s->clock_khz;
	case CSA_REG_SERIAL_LO:		return (uint32_t)csa_serial(s);
	case CSA_REG_SERIAL_HI:		return csa_serial(s) >> 32;
	case CSA_REG_FW_ABI_SUPPORTED:	return s->fw_abi;
	case CSA_REG_STATUS:		return s->status;
	case CSA_REG_RESET:		return 0;
	case CSA_REG_IRQ_STATUS:	return s->irq_status;
	case CSA_REG_IRQ_MASK:		return s->irq_mask;
	case CSA_REG_SCRATCH:		return s->scratch;
	case CSA_REG_FW_ADDR_LO:	return s->fw_addr_lo;
	case CSA_REG_FW_ADDR_HI:	return s->fw_addr_hi;
	case CSA_REG_FW_SIZE:		return s->fw_size;
	case CSA_REG_FW_CTRL:		return 0;
	case CSA_REG_FW_STATUS:		return s->fw_status;
	case CSA_REG_FW_ERROR:		return s->fw_error;
	case CSA_REG_FW_VERSION:	return s->fw_version;
	case CSA_REG_FW_ABI:		return s->fw_running_abi;
	}
	if (csa_is_queue_window(s, addr))
		return csa_queue_read(csa_queue_of(s, addr),
				      (addr - CSA_REG_QUEUE_BASE) %
				      CSA_REG_QUEUE_STRIDE);
	qemu_log_mask(LOG_GUEST_ERROR,
		      "csa-card: read of unknown register 0x%" HWADDR_PRIx "\n",
		      addr);
	return 0;
}

static void csa_write(void *opaque, hwaddr addr, uint64_t val64,
		      unsigned int size)
{
	CsaCardState *s = opaque;
	uint32_t val = val64;
	uint32_t valid, enabled;

	if (!csa_access_ok(addr, size, "write"))
		return;
	if (s->in_queue_dma) {
		qemu_log_mask(LOG_GUEST_ERROR,
			      "csa-card: DMA write to the card's own register 0x%"
			      HWADDR_PRIx " ignored\n", addr);
		return;
	}

	switch (addr) {
	case CSA_REG_RESET:
		if (val == CSA_RESET_MAGIC)
			csa_soft_reset(s);
		else
			qemu_log_mask(LOG_GUEST_ERROR,
				      "csa-card: RESET: wrong magic 0x%x ignored\n",
				      val);
		return;
	case CSA_REG_IRQ_STATUS:
		s->irq_status &= ~val;
		return;
	case CSA_REG_IRQ_MASK:
		valid = csa_irq_valid(s);
		if (val & ~valid)
			qemu_log_mask(LOG_GUEST_ERROR,
				      "csa-card: IRQ_MASK: undefined bits 0x%x ignored\n",
				      val & ~valid);
		enabled = val & valid & ~s->irq_mask;
		s->irq_mask = val & valid;
		/* enabling a pending source delivers it now */
		csa_irq_notify(s, enabled & s->irq_status);
		return;
	case CSA_REG_SCRATCH:
		s->scratch = val;
		return;
	case CSA_REG_FW_ADDR_LO:
		s->fw_addr_lo = val;
		return;
	case CSA_REG_FW_ADDR_HI:
		s->fw_addr_hi = val;
		return;
	case CSA_REG_FW_SIZE:
		s->fw_size = val;
		return;
	case CSA_REG_FW_CTRL:
		csa_fw_ctrl_write(s, val);
		return;
	}
	if (csa_is_queue_window(s, addr)) {
		csa_queue_write(csa_queue_of(s, addr),
				(addr - CSA_REG_QUEUE_BASE) % CSA_REG_QUEUE_STRIDE,
				val);
		return;
	}
	if (csa_is_read_only(addr))
		qemu_log_mask(LOG_GUEST_ERROR,
			      "csa-card: write to read-only register 0x%"
			      HWADDR_PRIx " ignored\n", addr);
	else
		qemu_log_mask(LOG_GUEST_ERROR,
			      "csa-card: write to unknown register 0x%"
			      HWADDR_PRIx " ignored\n", addr);
}

static const MemoryRegionOps csa_regs_ops = {
	.read = csa_read,
	.write = csa_write,
	.endianness = DEVICE_LITTLE_ENDIAN,
	/* accept every size so that wrong ones are logged, not split */
	.valid = { .min_access_size = 1, .max_access_size = 8 },
	.impl = { .min_access_size = 1, .max_access_size = 8 },
};

/*
 * PCI power management, only for the PM reset of the PCI core
 * (pci_reset_function: reset_method "pm"): D0 and D3hot, no PME, and
 * NoSoftRst = 0, so that D3hot -> D0 resets the card completely (as at
 * power-on: registers, queues, firmware, IRQ mask; PCI config context
 * such as BARs, command register and MSI-X too, which the host restores).
 * In D3hot the card behaves as in D0 otherwise.
 */
#define CSA_PM_D0		0	/* PMCSR PowerState */
#define CSA_PM_D3HOT		3

static bool csa_pm_init(CsaCardState *s, Error **errp)
{
	PCIDevice *pdev = PCI_DEVICE(s);
	int pos = pci_add_capability(pdev, PCI_CAP_ID_PM, 0, PCI_PM_SIZEOF,
				     errp);

	if (pos < 0)
		return false;
	s->pm_cap = pos;
	pci_set_word(pdev->config + pos + PCI_PM_PMC, PCI_PM_CAP_VER_1_2);
	pci_set_word(pdev->config + pos + PCI_PM_CTRL, CSA_PM_D0);
	pci_set_word(pdev->wmask + pos + PCI_PM_CTRL, PCI_PM_CTRL_STATE_MASK);
	return true;
}

static uint16_t csa_pm_state(CsaCardState *s)
{
	return pci_get_word(PCI_DEVICE(s)->config + s->pm_cap + PCI_PM_CTRL) &
	       PCI_PM_CTRL_STATE_MASK;
}

static void csa_config_write(PCIDevice *pdev, uint32_t addr, uint32_t val,
			     int len)
{
	CsaCardState *s = CSA_CARD(pdev);
	uint32_t pmcsr = s->pm_cap + PCI_PM_CTRL;
	uint16_t before = csa_pm_state(s), after;

	pci_default_write_config(pdev, addr, val, len);
	if (addr > pmcsr || addr + len <= pmcsr)
		return;
	after = csa_pm_state(s);
	if (after == 1 || after == 2) {
		/* not supported (PMC says so): the state does not change */
		qemu_log_mask(LOG_GUEST_ERROR,
			      "csa-card: PMCSR: D%u not supported, ignored\n",
			      after);
		pci_word_test_and_clear_mask(pdev->config + pmcsr,
					     PCI_PM_CTRL_STATE_MASK);
		pci_word_test_and_set_mask(pdev->config + pmcsr, before);
		return;
	}
	if (before == CSA_PM_D3HOT && after == CSA_PM_D0)
		pci_device_reset(pdev);	/* NoSoftRst = 0 */
}

/*
 * PCI Express: the card is a PCIe endpoint with Advanced Error Reporting
 * when it sits on a PCIe bus (behind a root port, or a root complex
 * integrated endpoint on q35's pcie.0), a conventional PCI device on a
 * PCI bus.  AER lets the host's error recovery (AER core, aer_inject)
 * reach the driver's pci_error_handlers as on real hardware.
 */
#define CSA_AER_OFFSET		0x100

static bool csa_pcie_init(CsaCardState *s, Error **errp)
{
	PCIDevice *pdev = PCI_DEVICE(s);

	if (!pci_bus_is_express(pci_get_bus(pdev))) {
		pdev->cap_present &= ~QEMU_PCI_CAP_EXPRESS;
		return true;
	}
	if (pcie_endpoint_cap_init(pdev, 0) < 0) {
		error_setg(errp, "csa-card: no room for the PCIe capability");
		return false;
	}
	pcie_cap_deverr_init(pdev);
	return pcie_aer_init(pdev, PCI_ERR_VER, CSA_AER_OFFSET, PCI_ERR_SIZEOF,
			     errp) == 0;
}

static void csa_pcie_exit(CsaCardState *s)
{
	PCIDevice *pdev = PCI_DEVICE(s);

	if (!pci_is_express(pdev))
		return;
	pcie_aer_exit(pdev);
	pcie_cap_exit(pdev);
}

static bool csa_check_props(CsaCardState *s, Error **errp)
{
	if (s->queues < 1 || s->queues > CSA_MAX_QUEUES) {
		error_setg(errp, "csa-card: queues=%u out of range 1..%u",
			   s->queues, CSA_MAX_QUEUES);
		return false;
	}
	if (!s->lanes || !s->max_k || !s->max_dim || !s->max_tensor ||
	    !s->clock_khz || !s->fw_abi) {
		error_setg(errp,
			   "csa-card: lanes, max-k, max-dim, max-tensor, clock-khz and fw-abi must be at least 1");
		return false;
	}
	if (s->cmd_latency_us > CSA_CMD_LATENCY_MAX_US) {
		error_setg(errp, "csa-card: cmd-latency-us=%u out of range 0..%u",
			   s->cmd_latency_us, CSA_CMD_LATENCY_MAX_US);
		return false;
	}
	return true;
}

static void csa_realize(PCIDevice *pdev, Error **errp)
{
	CsaCardState *s = CSA_CARD(pdev);
	unsigned int nvec, i;

	if (!csa_check_props(s, errp) || !csa_pm_init(s, errp) ||
	    !csa_pcie_init(s, errp))
		return;

	memory_region_init_io(&s->regs, OBJECT(s), &csa_regs_ops, s,
			      "csa-regs", CSA_BAR_REGS_SIZE);
	pci_register_bar(pdev, CSA_BAR_REGS, PCI_BASE_ADDRESS_SPACE_MEMORY,
			 &s->regs);

	nvec = CSA_MSIX_VECTORS(s->queues);
	if (msix_init_exclusive_bar(pdev, nvec, CSA_BAR_MSIX, errp))
		return;
	/* vectors map statically to interrupt sources */
	for (i = 0; i < nvec; i++)
		msix_vector_use(pdev, i);

	s->fw_timer = timer_new_ns(QEMU_CLOCK_VIRTUAL, csa_fw_load, s);
	for (i = 0; i < s->queues; i++) {
		CsaQueue *q = &s->q[i];
		char name[32];

		q->card = s;
		q->index = i;
		q->timer = timer_new_ns(QEMU_CLOCK_VIRTUAL, csa_queue_timer, q);
		q->cp = (struct csa_cmdproc) {
			.ops = &csa_cmdproc_ops,
			.ctx = q,
			.debug_ops = s->debug_ops,
			.bounce = g_malloc(CSA_BOUNCE_SIZE),
			.bounce_size = CSA_BOUNCE_SIZE,
			/* untouched pages of an idle queue cost nothing */
			.scratch = g_malloc(CSA_SCRATCH_SIZE),
			.scratch_size = CSA_SCRATCH_SIZE,
			.dp_lanes = s->lanes,
			.max_k = s->max_k,
			.max_dim = s->max_dim,
			.max_tensor = s->max_tensor,
			.lcache = g_new0(struct csa_layer_cache, 1),
		};
		qemu_cond_init(&q->cond);
		snprintf(name, sizeof(name), "csa-q%u", i);
		qemu_thread_create(&q->thread, name, csa_queue_worker, q,
				   QEMU_THREAD_JOINABLE);
	}
	csa_soft_reset(s);
}

static void csa_exit(PCIDevice *pdev)
{
	CsaCardState *s = CSA_CARD(pdev);
	unsigned int i;

	/* running jobs stop early; nothing is posted any more */
	for (i = 0; i < s->queues; i++) {
		csa_queue_abandon(&s->q[i]);
		s->q[i].quit = true;
		qemu_cond_broadcast(&s->q[i].cond);
	}
	/* a worker needs the BQL to see quit and to finish a DMA */
	qemu_mutex_unlock_iothread();
	for (i = 0; i < s->queues; i++)
		qemu_thread_join(&s->q[i].thread);
	qemu_mutex_lock_iothread();
	for (i = 0; i < s->queues; i++) {
		CsaQueue *q = &s->q[i];

		qemu_cond_destroy(&q->cond);
		timer_free(q->timer);
		q->timer = NULL;
		g_free(q->cp.bounce);
		q->cp.bounce = NULL;
		g_free(q->cp.scratch);
		q->cp.scratch = NULL;
		g_free(q->cp.lcache);
		q->cp.lcache = NULL;
	}
	timer_free(s->fw_timer);
	s->fw_timer = NULL;
	msix_unuse_all_vectors(pdev);
	msix_uninit_exclusive_bar(pdev);
	csa_pcie_exit(s);
}

/* Power-on, bus reset, and the PM reset (D3hot -> D0). */
static void csa_device_reset(DeviceState *dev)
{
	CsaCardState *s = CSA_CARD(dev);

	csa_soft_reset(s);
	pci_set_word(PCI_DEVICE(s)->config + s->pm_cap + PCI_PM_CTRL, CSA_PM_D0);
	if (pci_is_express(PCI_DEVICE(s)))
		pcie_cap_deverr_reset(PCI_DEVICE(s));
}

/* Config space sized for PCIe until realize knows the bus (hybrid device). */
static void csa_instance_init(Object *obj)
{
	PCI_DEVICE(obj)->cap_present |= QEMU_PCI_CAP_EXPRESS;
}

static Property csa_props[] = {
	DEFINE_PROP_UINT32("queues", CsaCardState, queues, 2),
	DEFINE_PROP_UINT32("lanes", CsaCardState, lanes, 64),
	DEFINE_PROP_UINT32("max-k", CsaCardState, max_k, 20),
	DEFINE_PROP_UINT32("max-dim", CsaCardState, max_dim, 65535),
	DEFINE_PROP_UINT32("max-tensor", CsaCardState, max_tensor, 16777216),
	DEFINE_PROP_UINT32("clock-khz", CsaCardState, clock_khz, 250000),
	DEFINE_PROP_UINT64("serial", CsaCardState, serial, 0),
	DEFINE_PROP_UINT32("fw-abi", CsaCardState, fw_abi, CSA_FW_ABI_VERSION),
	DEFINE_PROP_BOOL("debug-ops", CsaCardState, debug_ops, false),
	DEFINE_PROP_UINT32("cmd-latency-us", CsaCardState, cmd_latency_us, 10),
	DEFINE_PROP_END_OF_LIST(),
};

static const VMStateDescription csa_vmstate = {
	.name = TYPE_CSA_CARD,
	.unmigratable = 1,
};

static void csa_class_init(ObjectClass *klass, void *data)
{
	DeviceClass *dc = DEVICE_CLASS(klass);
	PCIDeviceClass *k = PCI_DEVICE_CLASS(klass);

	k->realize = csa_realize;
	k->exit = csa_exit;
	k->config_write = csa_config_write;
	k->vendor_id = CSA_PCI_VENDOR_ID;
	k->device_id = CSA_PCI_DEVICE_ID;
	k->revision = CSA_PCI_REVISION;
	k->class_id = CSA_PCI_CLASS;
	dc->desc = "CSA complementary-sparse accelerator (virtual card)";
	dc->reset = csa_device_reset;
	dc->vmsd = &csa_vmstate;
	device_class_set_props(dc, csa_props);
	set_bit(DEVICE_CATEGORY_MISC, dc->categories);
}

static const TypeInfo csa_card_info = {
	.name = TYPE_CSA_CARD,
	.parent = TYPE_PCI_DEVICE,
	.instance_size = sizeof(CsaCardState),
	.instance_init = csa_instance_init,
	.class_init = csa_class_init,
	.interfaces = (InterfaceInfo[]) {
		{ INTERFACE_CONVENTIONAL_PCI_DEVICE },
		{ INTERFACE_PCIE_DEVICE },
		{ },
	},
};

static void csa_card_register_types(void)
{
	type_register_static(&csa_card_info);
}

type_init(csa_card_register_types)
