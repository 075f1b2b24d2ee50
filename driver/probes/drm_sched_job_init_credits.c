// SPDX-License-Identifier: GPL-2.0
/* drm_sched_job_init() takes the job's credits (6.7). */
#include <drm/gpu_scheduler.h>

int csa_probe_job_init(struct drm_sched_job *job,
		       struct drm_sched_entity *entity);

int csa_probe_job_init(struct drm_sched_job *job,
		       struct drm_sched_entity *entity)
{
	return drm_sched_job_init(job, entity, 1, NULL);
}
