// SPDX-License-Identifier: GPL-2.0
/*
 * drm_sched_job_init() takes the credits and the submitting file's
 * &drm_file.client_id, for the scheduler's trace events.
 */
#include <drm/drm_file.h>
#include <drm/gpu_scheduler.h>

int csa_probe_job_init(struct drm_sched_job *job,
		       struct drm_sched_entity *entity, struct drm_file *file);

int csa_probe_job_init(struct drm_sched_job *job,
		       struct drm_sched_entity *entity, struct drm_file *file)
{
	return drm_sched_job_init(job, entity, 1, file, file->client_id);
}
