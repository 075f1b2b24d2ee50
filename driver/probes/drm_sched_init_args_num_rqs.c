// SPDX-License-Identifier: GPL-2.0
/*
 * &drm_sched_init_args.num_rqs (upstream 6.15): left 0 there, the
 * scheduler has no run queue.  Debian's 6.1 backport of the struct has no
 * such field: its run queues are a fixed array.
 */
#include <drm/gpu_scheduler.h>

u32 csa_probe_num_rqs(struct drm_sched_init_args *args);

u32 csa_probe_num_rqs(struct drm_sched_init_args *args)
{
	return args->num_rqs;
}
