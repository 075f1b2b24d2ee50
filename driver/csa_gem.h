/* SPDX-License-Identifier: GPL-2.0 */
/*
 * CSA buffer objects: the interface the rest of the driver uses.
 * See docs/driver.md ("Buffer objects").
 *
 * Three kinds of GEM object live in a csa device, all reachable through
 * the same handles:
 *  - shmem objects (BO_CREATE), drm_gem_shmem_helper, mmap through the fd;
 *  - imported dma-bufs of other devices, also shmem-helper objects;
 *  - userptr objects (BO_USERPTR), the caller's own pinned pages.
 *
 * Freeing an object sleeps (DMA unmap, unpinning, shmem): drop the last
 * reference in process context, e.g. from drm_sched's free_job, never
 * from a fence callback or an interrupt handler.
 */
#ifndef CSA_GEM_H
#define CSA_GEM_H

#include <linux/types.h>

struct drm_device;
struct drm_gem_object;
struct sg_table;
struct dma_buf_attachment;

struct sg_table *csa_bo_sgt(struct drm_gem_object *obj);
bool csa_bo_is_read_only(struct drm_gem_object *obj);
void csa_bo_sync(struct drm_gem_object *obj, bool for_cpu);

/* internal to csa_gem.c / csa_userptr.c */
struct drm_gem_object *
csa_gem_prime_import_sg_table(struct drm_device *drm,
			      struct dma_buf_attachment *attach,
			      struct sg_table *sgt);
void csa_gem_count(struct drm_device *drm, size_t size, bool add);
bool csa_bo_is_userptr(struct drm_gem_object *obj);
struct sg_table *csa_userptr_sgt(struct drm_gem_object *obj);
bool csa_userptr_is_read_only(struct drm_gem_object *obj);
void csa_userptr_sync(struct drm_gem_object *obj, bool for_cpu);

#endif /* CSA_GEM_H */
