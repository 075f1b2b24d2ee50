// SPDX-License-Identifier: GPL-2.0
/* DRM_SCHED_PRIORITY_MIN became DRM_SCHED_PRIORITY_LOW in 6.8. */
#include <drm/gpu_scheduler.h>

int csa_probe_priority(void);

int csa_probe_priority(void)
{
	return DRM_SCHED_PRIORITY_LOW;
}
