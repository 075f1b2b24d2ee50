// SPDX-License-Identifier: GPL-2.0 OR MIT
/* Queue contexts: QUEUE_CREATE and QUEUE_DESTROY. */
#include "csa_drm.h"
#include "fuzz.h"

void fz_op_queue_create(struct fz_worker *w)
{
	struct fz_file *f = fz_file_get(w);
	uint32_t nq = (uint32_t)w->ctx->card[f->card].num_queues;
	struct drm_csa_queue_create q = {
		.hw_queue = fz_pct(&w->rng, 90) ? fz_below(&w->rng, nq) :
			    nq + (uint32_t)fz_interesting(&w->rng, 32),
		.priority = fz_pct(&w->rng, 90) ? fz_below(&w->rng, 3) :
			    (uint32_t)fz_interesting(&w->rng, 32),
	};

	if (fz_one_in(&w->rng, 25))
		q.flags = (uint32_t)fz_interesting(&w->rng, 32);
	fz_note("hw_queue %u priority %u flags 0x%x", q.hw_queue, q.priority,
		q.flags);
	if (!fz_ioctl(FZ_QUEUE_CREATE, f->fd, DRM_IOCTL_CSA_QUEUE_CREATE,
		      fz_arg(w, &q, sizeof(q))) && q.queue_id) {
		if (!fz_table_add(f, FZ_TABLE(f, queue), FZ_MAX_QUEUES, &q.queue_id)) {
			/* table full: destroy it again */
			struct drm_csa_queue_destroy d = { .queue_id = q.queue_id };

			fz_note("queue %u (table full)", d.queue_id);
			fz_ioctl(FZ_QUEUE_DESTROY, f->fd, DRM_IOCTL_CSA_QUEUE_DESTROY, &d);
		}
	}
	fz_file_put(f);
}

void fz_op_queue_destroy(struct fz_worker *w)
{
	struct fz_file *f = fz_file_get(w);
	struct drm_csa_queue_destroy d = { .queue_id = fz_queue_pick(w, f) };

	if (fz_one_in(&w->rng, 25))
		d.pad = (uint32_t)fz_interesting(&w->rng, 32);
	fz_note("queue %u pad 0x%x", d.queue_id, d.pad);
	if (!fz_ioctl(FZ_QUEUE_DESTROY, f->fd, DRM_IOCTL_CSA_QUEUE_DESTROY,
		      fz_arg(w, &d, sizeof(d))))
		fz_table_forget(f, FZ_TABLE(f, queue), d.queue_id);
	fz_file_put(f);
}
