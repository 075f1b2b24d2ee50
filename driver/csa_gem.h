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

#include <linux/bits.h>
#include <linux/types.h>

struct device;
struct drm_device;
struct drm_gem_object;
struct page;
struct sg_table;
struct dma_buf_attachment;

/* Segments one object may have (a 4 GiB object of single pages). */
#define CSA_SEGTAB_MAX_SEGS	BIT(20)

/**
 * struct csa_segtab - the card's segment table of one buffer object
 * @nsegs: segments (struct csa_seg), links not counted
 * @size: bytes, the sum of the segment lengths
 * @nblocks: 4 KiB blocks of the chain
 * @blocks: their pages
 * @dma: their bus addresses; a bind slot points at @dma[0]
 *
 * csa_segtab.c builds it; immutable afterwards, so jobs share it.
 */
struct csa_segtab {
	u32 nsegs;
	u64 size;
	unsigned int nblocks;
	struct page **blocks;
	dma_addr_t *dma;
};

struct csa_segtab *csa_segtab_build(struct device *dev, struct sg_table *sgt);
void csa_segtab_free(struct device *dev, struct csa_segtab *tab);

const struct csa_segtab *csa_bo_segtab(struct drm_gem_object *obj);
bool csa_bo_is_read_only(struct drm_gem_object *obj);
void csa_bo_sync(struct drm_gem_object *obj, bool for_cpu);

/* internal to csa_gem.c / csa_userptr.c */
struct drm_gem_object *
csa_gem_prime_import_sg_table(struct drm_device *drm,
			      struct dma_buf_attachment *attach,
			      struct sg_table *sgt);
void csa_gem_count(struct drm_gem_object *obj, bool add);
bool csa_bo_is_userptr(struct drm_gem_object *obj);
const struct csa_segtab *csa_userptr_segtab(struct drm_gem_object *obj);
bool csa_userptr_is_read_only(struct drm_gem_object *obj);
void csa_userptr_sync(struct drm_gem_object *obj, bool for_cpu);

#endif /* CSA_GEM_H */
