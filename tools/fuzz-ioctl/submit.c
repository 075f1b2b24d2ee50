// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * SUBMIT of one card command: binds from the file's BOs (sometimes junk,
 * duplicates, WRITE on read-only userptr), in/out syncobjs (binary and
 * timeline points), every opcode with operands mostly inside their slots,
 * a status record now and then; flags, pads, counts and pointers mutated.
 * DEBUG_HANG only while the seed's hang budget lasts.  Some jobs are
 * followed by a short wait and their fence error is counted.
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <linux/sync_file.h>

#include "csa_drm.h"
#include "csa_format.h"
#include "csa_hw.h"
#include "fuzz.h"

#define SYNCS_OFF	(8u << 10)	/* scratch: binds, then in/out syncs */

/* An opcode; DEBUG_HANG only from the hang budget. */
uint32_t fz_opcode(struct fz_worker *w)
{
	static const uint32_t ops[] = {
		CSA_OP_NOP, CSA_OP_FILL, CSA_OP_COPY, CSA_OP_WRITE_VALUE,
		CSA_OP_TIMESTAMP, CSA_OP_PROGRAM, CSA_OP_DEBUG_DMA_ERROR,
	};
	uint32_t op;

	if (fz_pct(&w->rng, 92))
		op = ops[fz_below(&w->rng, sizeof(ops) / sizeof(ops[0]))];
	else
		op = (uint32_t)fz_interesting(&w->rng, fz_pct(&w->rng, 80) ? 8 : 32);
	if (op == CSA_OP_DEBUG_HANG || fz_one_in(&w->rng, 4000)) {
		if (__atomic_sub_fetch(&w->ctx->hangs_left, 1, __ATOMIC_RELAXED) >= 0)
			return CSA_OP_DEBUG_HANG;
		op = CSA_OP_NOP;
	}
	return op;
}

/*
 * Wait up to @wait_ms for the job's binary syncobj, then count its
 * fence's error (through a sync_file).
 */
int fz_fence_record(struct fz_worker *w, int fd, uint32_t syncobj, int wait_ms)
{
	struct drm_syncobj_wait a = {
		.handles = (uint64_t)(uintptr_t)&syncobj, .count_handles = 1,
		.timeout_nsec = fz_now_ns() + (int64_t)wait_ms * 1000000,
	};
	struct drm_syncobj_handle e = {
		.handle = syncobj, .fd = -1,
		.flags = DRM_SYNCOBJ_HANDLE_TO_FD_FLAGS_EXPORT_SYNC_FILE,
	};
	struct sync_file_info info;
	int ret;

	(void)w;
	fz_note("syncobj %u, %d ms", syncobj, wait_ms);
	ret = fz_ioctl(FZ_SYNCOBJ_WAIT, fd, DRM_IOCTL_SYNCOBJ_WAIT, &a);
	if (ret)
		return ret;
	fz_note("syncobj %u", syncobj);
	ret = fz_ioctl(FZ_SYNCOBJ_HANDLE_TO_FD, fd, DRM_IOCTL_SYNCOBJ_HANDLE_TO_FD, &e);
	if (ret)
		return ret;
	memset(&info, 0, sizeof(info));
	ret = fz_ioctl(FZ_SYNC_FILE_INFO, e.fd, SYNC_IOC_FILE_INFO, &info);
	close(e.fd);
	if (!ret && info.status <= 0)
		fz_record(FZ_FENCE, info.status);
	else if (!ret)
		fz_record(FZ_FENCE, 0);
	return ret ? ret : info.status;
}

/* An operand offset in a slot of @size bytes for @len bytes. */
static uint64_t offset_in(struct fz_worker *w, uint64_t size, uint64_t len)
{
	if (fz_one_in(&w->rng, 30))
		return fz_one_in(&w->rng, 3) ? (1ull << 48) + fz_below(&w->rng, 8) :
		       fz_interesting(&w->rng, 48);
	if (len >= size)
		return 0;
	return (fz_below(&w->rng, (uint32_t)(size - len + 1))) & ~3ull;
}

/* @h among the first @n binds already (a handle twice is -EINVAL). */
static bool bound(const struct drm_csa_bind *b, uint32_t n, uint32_t h)
{
	for (uint32_t i = 0; i < n; i++)
		if (b[i].handle == h)
			return true;
	return false;
}

static uint32_t pick_binds(struct fz_worker *w, struct fz_file *f,
			   struct drm_csa_bind *b, uint64_t *sizes)
{
	uint32_t n = fz_pct(&w->rng, 90) ? fz_below(&w->rng, 5) :
		     fz_below(&w->rng, 70);

	for (uint32_t i = 0; i < n && i < 64; i++) {
		struct fz_bo bo;

		sizes[i] = 0;
		if (!fz_one_in(&w->rng, 20) && !fz_bo_pick(w, f, &bo) &&
		    !bound(b, i, bo.handle)) {
			b[i].handle = bo.handle;
			sizes[i] = bo.size;
			b[i].access = bo.flags & FZ_BOF_RO ? DRM_CSA_ACCESS_READ :
				      1 + fz_below(&w->rng, 3);
			if (fz_one_in(&w->rng, 40))
				b[i].access = DRM_CSA_ACCESS_WRITE;
		} else {
			b[i].handle = fz_handle(w, f);
			b[i].access = 1 + fz_below(&w->rng, 3);
		}
		if (fz_one_in(&w->rng, 50))
			b[i].access = (uint32_t)fz_interesting(&w->rng, 32);
	}
	/* a handle twice (-EINVAL) */
	if (n >= 2 && fz_one_in(&w->rng, 40))
		b[n - 1].handle = b[0].handle;
	return n;
}

static uint32_t pick_syncs(struct fz_worker *w, struct fz_file *f,
			   struct drm_csa_sync *s, bool out)
{
	uint32_t n = fz_pct(&w->rng, 60) ? 0 : fz_pct(&w->rng, 90) ?
		     1 + fz_below(&w->rng, 2) : fz_below(&w->rng, 70);

	for (uint32_t i = 0; i < n && i < 64; i++) {
		struct fz_sync sy;

		memset(&s[i], 0, sizeof(s[i]));
		/* in: a fence that exists (a binary one, or a point reached) */
		if (!fz_one_in(&w->rng, 15) && !fz_sync_pick(w, f, &sy) &&
		    (out || sy.fenced || sy.point)) {
			s[i].handle = sy.handle;
			if (out)
				s[i].point = fz_pct(&w->rng, 70) ? 0 : sy.point + 1;
			else
				s[i].point = sy.fenced && (!sy.point || fz_pct(&w->rng, 50)) ?
					     0 : 1 + fz_below(&w->rng, (uint32_t)sy.point);
		} else {
			s[i].handle = fz_sync_handle(w, f);
			s[i].point = fz_interesting(&w->rng, 64);
		}
		if (fz_one_in(&w->rng, 50))
			s[i].flags = (uint32_t)fz_interesting(&w->rng, 32);
	}
	return n;
}

/* Note what a successful submit published on its out-syncobjs. */
static void syncs_published(struct fz_file *f, const struct drm_csa_sync *s,
			    uint32_t n)
{
	pthread_mutex_lock(&f->lock);
	for (uint32_t i = 0; i < n && i < 64; i++) {
		for (unsigned int j = 0; j < f->nsync; j++) {
			if (f->sync[j].handle != s[i].handle)
				continue;
			if (s[i].point > f->sync[j].point)
				f->sync[j].point = s[i].point;
			if (!s[i].point)
				f->sync[j].fenced = true;
		}
	}
	pthread_mutex_unlock(&f->lock);
}

static void make_cmd(struct fz_worker *w, struct drm_csa_cmd *c, uint32_t nb,
		     const uint64_t *sizes)
{
	uint32_t d = fz_below(&w->rng, nb ? nb : 1), s = fz_below(&w->rng, nb ? nb : 1);
	uint64_t dsz = nb ? sizes[d] : 0, ssz = nb ? sizes[s] : 0;
	uint64_t lim = dsz < ssz || !ssz ? dsz : ssz;

	memset(c, 0, sizeof(*c));
	c->opcode = fz_opcode(w);
	c->dst_slot = d;
	c->src_slot = s;
	if (fz_one_in(&w->rng, 30))
		c->dst_slot = (uint32_t)fz_interesting(&w->rng, fz_pct(&w->rng, 50) ? 17 : 32);
	switch (c->opcode) {
	case CSA_OP_FILL:
	case CSA_OP_COPY:
		c->size = lim ? (fz_below(&w->rng, (uint32_t)(lim > (1u << 20) ?
			  1u << 20 : lim)) + 1) & ~3ull : 4;
		break;
	case CSA_OP_PROGRAM:
		c->size = CSA_PROG_SIZE(1 + fz_below(&w->rng, 4));
		break;
	default:
		c->size = 8;
		break;
	}
	if (fz_one_in(&w->rng, 20))
		c->size = fz_interesting(&w->rng, 64);
	c->dst_offset = offset_in(w, dsz, c->size);
	c->src_offset = offset_in(w, ssz, c->size);
	c->value = fz_rand(&w->rng);
	if (fz_pct(&w->rng, 30) && nb) {
		uint32_t st = fz_below(&w->rng, nb);

		c->flags = DRM_CSA_CMD_STATUS;
		c->status_slot = st;
		c->status_offset = offset_in(w, sizes[st], CSA_CPL_SIZE);
	}
	if (fz_one_in(&w->rng, 40))
		c->flags = (uint32_t)fz_interesting(&w->rng, 32);
	if (fz_one_in(&w->rng, 40))
		c->pad = (uint32_t)fz_interesting(&w->rng, 32);
}

void fz_op_submit(struct fz_worker *w)
{
	struct fz_file *f = fz_file_get(w);
	struct drm_csa_bind *b = (struct drm_csa_bind *)w->scratch;
	struct drm_csa_sync *in = (struct drm_csa_sync *)(w->scratch + SYNCS_OFF);
	struct drm_csa_sync *out = in + 64;
	struct drm_csa_submit s = { .queue_id = fz_queue_pick(w, f) };
	uint64_t sizes[64];
	int ret;

	s.num_binds = pick_binds(w, f, b, sizes);
	s.num_in_syncs = pick_syncs(w, f, in, false);
	s.num_out_syncs = pick_syncs(w, f, out, true);
	s.binds = (uint64_t)(uintptr_t)b;
	s.in_syncs = (uint64_t)(uintptr_t)in;
	s.out_syncs = (uint64_t)(uintptr_t)out;
	make_cmd(w, &s.cmd, s.num_binds < 64 ? s.num_binds : 64, sizes);
	if (fz_one_in(&w->rng, 60))
		s.binds = fz_bad_ptr(w);
	if (fz_one_in(&w->rng, 60))
		s.in_syncs = fz_bad_ptr(w);
	if (fz_one_in(&w->rng, 60))
		s.out_syncs = fz_bad_ptr(w);
	if (fz_one_in(&w->rng, 50))
		s.flags = (uint32_t)fz_interesting(&w->rng, 32);
	if (fz_one_in(&w->rng, 50))
		s.pad = (uint32_t)fz_interesting(&w->rng, 32);
	if (fz_one_in(&w->rng, 100))
		s.num_binds = (uint32_t)fz_interesting(&w->rng, 32);
	fz_note("queue %u op 0x%x binds %u (h0 %u) in %u out %u dst %u+%llu src %u+%llu size %llu flags 0x%x",
		s.queue_id, s.cmd.opcode, s.num_binds, s.num_binds ? b[0].handle : 0,
		s.num_in_syncs, s.num_out_syncs, s.cmd.dst_slot,
		(unsigned long long)s.cmd.dst_offset, s.cmd.src_slot,
		(unsigned long long)s.cmd.src_offset,
		(unsigned long long)s.cmd.size, s.cmd.flags);
	ret = fz_ioctl(FZ_SUBMIT, f->fd, DRM_IOCTL_CSA_SUBMIT, fz_arg(w, &s, sizeof(s)));
	if (!ret) {
		syncs_published(f, out, s.num_out_syncs);
		if (s.num_out_syncs && !out[0].point && fz_pct(&w->rng, 10))
			fz_fence_record(w, f->fd, out[0].handle, 20);
	}
	fz_file_put(f);
}
