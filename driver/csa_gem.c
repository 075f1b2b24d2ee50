// SPDX-License-Identifier: GPL-2.0
/*
 * CSA buffer objects: GEM shmem objects (BO_CREATE), mmap through the
 * DRM fake offset, PRIME import/export through the DRM core, BO_INFO,
 * BO_WAIT and the debugfs BO counter.  Userptr objects are in
 * csa_userptr.c.  docs/uapi.md documents every error path.
 */
#include <linux/dma-mapping.h>
#include <linux/dma-resv.h>
#include <linux/mm.h>
#include <linux/seq_file.h>
#include <linux/sizes.h>
#include <drm/drm_debugfs.h>
#include <drm/drm_drv.h>
#include <drm/drm_file.h>
#include <drm/drm_gem.h>
#include <drm/drm_gem_shmem_helper.h>
#include <drm/drm_prime.h>
#include <drm/drm_utils.h>

#include "csa_drm.h"
#include "csa_drv.h"
#include "csa_gem.h"
#include "csa_trace.h"

/**
 * csa_gem_count() - account a buffer object in the device's BO statistics
 * @obj: the object
 * @add: true when the object was created, false when it is freed
 *
 * Every object that was successfully created is counted exactly once and
 * uncounted from its &drm_gem_object_funcs.free; debugfs "csa_bos" shows
 * the totals.  Also the BO trace events and debug messages.
 */
void csa_gem_count(struct drm_gem_object *obj, bool add)
{
	struct csa_device *csa = to_csa(obj->dev);

	if (add) {
		atomic_inc(&csa->bo_count);
		atomic64_add(obj->size, &csa->bo_bytes);
		trace_csa_bo_create(obj);
	} else {
		atomic_dec(&csa->bo_count);
		atomic64_sub(obj->size, &csa->bo_bytes);
		trace_csa_bo_free(obj);
	}
	csa_dbg(obj->dev->dev, BO, "%s %p, %zu bytes%s\n", add ? "created" : "freed",
		obj, obj->size, obj->import_attach ? " (imported)" : "");
}

/**
 * struct csa_bo - a shmem-helper object (BO_CREATE or imported dma-buf)
 * @shmem: the helper's object; first, the helper kfree()s it
 * @sgt: the DMA-mapped table csa_bo_segtab() made (pages pinned); the
 *       driver's own, not the helper's, so that it can be unmapped at
 *       unbind while the object lives on (@dma); NULL before the first
 *       job and after the unbind.  Imported objects use the helper's.
 * @segtab: the card's segment table of the mapping, published with
 *          smp_store_release() once complete
 * @dma: @sgt and @segtab are a device DMA resource (csa_dma.c)
 */
struct csa_bo {
	struct drm_gem_shmem_object shmem;
	struct sg_table *sgt;
	struct csa_segtab *segtab;
	struct csa_dma_res dma;
};

static struct csa_bo *to_csa_bo(struct drm_gem_object *obj)
{
	return container_of(obj, struct csa_bo, shmem.base);
}

static void csa_shmem_free(struct drm_gem_object *obj)
{
	csa_gem_count(obj, false);
	csa_dma_release(to_csa(obj->dev), &to_csa_bo(obj)->dma);
	drm_gem_shmem_object_free(obj);
}

/* drm_gem_shmem_funcs with a counting .free */
static const struct drm_gem_object_funcs csa_shmem_funcs = {
	.free = csa_shmem_free,
	.print_info = drm_gem_shmem_object_print_info,
	.pin = drm_gem_shmem_object_pin,
	.unpin = drm_gem_shmem_object_unpin,
	.get_sg_table = drm_gem_shmem_object_get_sg_table,
	.vmap = drm_gem_shmem_object_vmap,
	.vunmap = drm_gem_shmem_object_vunmap,
	.mmap = drm_gem_shmem_object_mmap,
	.vm_ops = &drm_gem_shmem_vm_ops,
};

/**
 * csa_gem_init() - buffer object setup at probe time
 * @csa: the device (zeroed by devm_drm_dev_alloc(): no BOs counted yet)
 *
 * One object may use at most half of RAM and never more than 4 GiB
 * (DRM_CSA_PARAM_MAX_BO_SIZE), for BO_CREATE and BO_USERPTR alike.
 */
void csa_gem_init(struct csa_device *csa)
{
	u64 half_ram = ((u64)totalram_pages() << PAGE_SHIFT) / 2;

	csa->max_bo_size = min_t(u64, SZ_4G, half_ram) & PAGE_MASK;
	csa->features |= DRM_CSA_FEATURE_BO | DRM_CSA_FEATURE_USERPTR;
}

/**
 * csa_gem_create_object() - &drm_driver.gem_create_object for the shmem helper
 * @drm: DRM device
 * @size: page-aligned object size
 *
 * Used for BO_CREATE objects and imported dma-bufs.  The object is counted
 * by its creator once the helper succeeded (the helper frees failed objects
 * without calling &drm_gem_object_funcs.free).
 *
 * Return: the new object, or ERR_PTR(-ENOMEM).
 */
struct drm_gem_object *csa_gem_create_object(struct drm_device *drm, size_t size)
{
	struct csa_bo *bo;

	/* the helper frees objects with kfree(shmem): shmem comes first */
	BUILD_BUG_ON(offsetof(struct csa_bo, shmem) != 0);
	bo = kzalloc(sizeof(*bo), GFP_KERNEL_ACCOUNT);
	if (!bo)
		return ERR_PTR(-ENOMEM);
	bo->shmem.base.funcs = &csa_shmem_funcs;
	INIT_LIST_HEAD(&bo->dma.node);
	/* the card may have written the pages: never drop them as clean */
	bo->shmem.pages_mark_dirty_on_put = true;
	bo->shmem.pages_mark_accessed_on_put = true;
	return &bo->shmem.base;
}

/**
 * csa_gem_prime_import_sg_table() - &drm_driver.gem_prime_import_sg_table
 * @drm: importing DRM device
 * @attach: dma-buf attachment
 * @sgt: the exporter's mapping of the buffer for this device
 *
 * Return: a counted shmem-helper object wrapping @sgt, or an ERR_PTR.
 */
struct drm_gem_object *
csa_gem_prime_import_sg_table(struct drm_device *drm,
			      struct dma_buf_attachment *attach,
			      struct sg_table *sgt)
{
	struct drm_gem_object *obj;

	obj = drm_gem_shmem_prime_import_sg_table(drm, attach, sgt);
	if (!IS_ERR(obj))
		csa_gem_count(obj, true);
	return obj;
}

/*
 * Pin the pages, map them for the card and build the card's segment table
 * (under the device's DMA lock).
 */
static int csa_bo_map(struct csa_dma_res *res)
{
	struct csa_bo *bo = container_of(res, struct csa_bo, dma);
	struct device *dev = bo->shmem.base.dev->dev;
	struct csa_segtab *tab;
	struct sg_table *sgt;
	int ret;

	ret = drm_gem_shmem_pin(&bo->shmem);
	if (ret)
		return ret;
	sgt = drm_gem_shmem_get_sg_table(&bo->shmem);
	if (IS_ERR(sgt)) {
		ret = PTR_ERR(sgt);
		goto err_unpin;
	}
	/* jobs sync explicitly at start and end (csa_bo_sync()) */
	ret = dma_map_sgtable(dev, sgt, DMA_BIDIRECTIONAL, DMA_ATTR_SKIP_CPU_SYNC);
	if (ret)
		goto err_free;
	tab = csa_segtab_build(dev, sgt);
	if (IS_ERR(tab)) {
		ret = PTR_ERR(tab);
		goto err_unmap;
	}
	bo->sgt = sgt;
	/* pairs with smp_load_acquire() in csa_bo_segtab(): a filled table */
	smp_store_release(&bo->segtab, tab);
	return 0;

err_unmap:
	dma_unmap_sgtable(dev, sgt, DMA_BIDIRECTIONAL, DMA_ATTR_SKIP_CPU_SYNC);
err_free:
	sg_free_table(sgt);
	kfree(sgt);
err_unpin:
	drm_gem_shmem_unpin(&bo->shmem);
	return ret;
}

static void csa_bo_unmap(struct csa_dma_res *res)
{
	struct csa_bo *bo = container_of(res, struct csa_bo, dma);
	struct device *dev = bo->shmem.base.dev->dev;
	struct sg_table *sgt = bo->sgt;

	csa_segtab_free(dev, bo->segtab);
	WRITE_ONCE(bo->segtab, NULL);
	WRITE_ONCE(bo->sgt, NULL);
	dma_unmap_sgtable(dev, sgt, DMA_BIDIRECTIONAL, DMA_ATTR_SKIP_CPU_SYNC);
	sg_free_table(sgt);
	kfree(sgt);
	drm_gem_shmem_unpin(&bo->shmem);
}

/* An imported object: its exporter mapped it, the segment table is ours. */
static int csa_bo_map_imported(struct csa_dma_res *res)
{
	struct csa_bo *bo = container_of(res, struct csa_bo, dma);
	struct csa_segtab *tab;

	tab = csa_segtab_build(bo->shmem.base.dev->dev, bo->shmem.sgt);
	if (IS_ERR(tab))
		return PTR_ERR(tab);
	/* pairs with smp_load_acquire() in csa_bo_segtab(): a filled table */
	smp_store_release(&bo->segtab, tab);
	return 0;
}

static void csa_bo_unmap_imported(struct csa_dma_res *res)
{
	struct csa_bo *bo = container_of(res, struct csa_bo, dma);

	csa_segtab_free(bo->shmem.base.dev->dev, bo->segtab);
	WRITE_ONCE(bo->segtab, NULL);
}

/**
 * csa_bo_segtab() - the card's segment table of a buffer object
 * @obj: a GEM object of a csa device (shmem, userptr or imported)
 *
 * The first call for a shmem object pins all its pages, maps them for the
 * device (DMA_BIDIRECTIONAL) and builds the table; later calls return the
 * same one.  Userptr objects got theirs at creation; imported ones (mapped
 * by their exporter) at their first call.  The table stays valid while the
 * caller holds a reference and the device is bound (drm_dev_enter()); the
 * unbind releases it.  May sleep.
 *
 * Return: the table, or an ERR_PTR (-ENOMEM, -E2BIG, -ENODEV, ...).
 */
const struct csa_segtab *csa_bo_segtab(struct drm_gem_object *obj)
{
	struct csa_bo *bo;
	int ret;

	if (csa_bo_is_userptr(obj))
		return csa_userptr_segtab(obj);
	bo = to_csa_bo(obj);
	/* pairs with smp_store_release() in csa_bo_map*() */
	if (smp_load_acquire(&bo->segtab))
		return bo->segtab;
	if (obj->import_attach)
		ret = csa_dma_setup(to_csa(obj->dev), &bo->dma,
				    csa_bo_map_imported, csa_bo_unmap_imported);
	else
		ret = csa_dma_setup(to_csa(obj->dev), &bo->dma, csa_bo_map,
				    csa_bo_unmap);
	if (ret == -EEXIST)	/* set up by a racing first job */
		return bo->segtab;
	return ret ? ERR_PTR(ret) : bo->segtab;
}

/**
 * csa_bo_is_read_only() - may the card only read this object?
 * @obj: a GEM object of a csa device
 *
 * Return: true for userptr objects created with DRM_CSA_USERPTR_READ_ONLY.
 */
bool csa_bo_is_read_only(struct drm_gem_object *obj)
{
	return csa_bo_is_userptr(obj) && csa_userptr_is_read_only(obj);
}

/**
 * csa_ioctl_bo_create() - DRM_IOCTL_CSA_BO_CREATE
 * @drm: DRM device
 * @data: &struct drm_csa_bo_create, copied in and out by the DRM core
 * @file: the caller's file, which gets the handle
 *
 * Return: 0 or a negative errno (docs/uapi.md, "Buffers").
 */
int csa_ioctl_bo_create(struct drm_device *drm, void *data, struct drm_file *file)
{
	struct drm_csa_bo_create *args = data;
	struct drm_gem_shmem_object *shmem;
	u32 handle;
	u64 size;
	int idx, ret;

	if (args->flags)
		return -EINVAL;
	if (!args->size)
		return -EINVAL;
	if (args->size > to_csa(drm)->max_bo_size)
		return -E2BIG;
	size = PAGE_ALIGN(args->size);	/* max_bo_size is page aligned */

	if (!drm_dev_enter(drm, &idx))
		return -ENODEV;
	shmem = drm_gem_shmem_create(drm, size);
	if (IS_ERR(shmem)) {
		ret = PTR_ERR(shmem);
		goto out;
	}
	csa_gem_count(&shmem->base, true);

	ret = drm_gem_handle_create(file, &shmem->base, &handle);
	/* the handle holds the only reference now (or the object is gone) */
	drm_gem_object_put(&shmem->base);
	if (!ret) {
		args->size = size;
		args->handle = handle;
	}
out:
	drm_dev_exit(idx);
	return ret;
}

/* Look up @handle of @file while the device is present. */
static int csa_bo_lookup(struct drm_device *drm, struct drm_file *file,
			 u32 handle, struct drm_gem_object **obj)
{
	int idx;

	if (!drm_dev_enter(drm, &idx))
		return -ENODEV;
	*obj = drm_gem_object_lookup(file, handle);
	drm_dev_exit(idx);
	return *obj ? 0 : -ENOENT;
}

static u32 csa_bo_flags(struct drm_gem_object *obj)
{
	u32 flags = 0;

	if (csa_bo_is_userptr(obj)) {
		flags |= DRM_CSA_BO_FLAG_USERPTR;
		if (csa_userptr_is_read_only(obj))
			flags |= DRM_CSA_BO_FLAG_READ_ONLY;
	}
	if (obj->import_attach)
		flags |= DRM_CSA_BO_FLAG_IMPORTED;
	return flags;
}

/**
 * csa_ioctl_bo_info() - DRM_IOCTL_CSA_BO_INFO
 * @drm: DRM device
 * @data: &struct drm_csa_bo_info
 * @file: the caller's file, whose handle is described
 *
 * Return: 0 or a negative errno (docs/uapi.md, "Buffers").
 */
int csa_ioctl_bo_info(struct drm_device *drm, void *data, struct drm_file *file)
{
	struct drm_csa_bo_info *args = data;
	struct drm_gem_object *obj;
	int ret;

	if (args->flags || args->pad)
		return -EINVAL;
	ret = csa_bo_lookup(drm, file, args->handle, &obj);
	if (ret)
		return ret;

	args->size = obj->size;
	/* userptr objects have no fake offset: the node is empty, offset 0 */
	args->mmap_offset = drm_vma_node_offset_addr(&obj->vma_node);
	args->bo_flags = csa_bo_flags(obj);
	drm_gem_object_put(obj);
	return 0;
}

/**
 * csa_bo_sync() - hand a buffer object's memory to the CPU or the card
 * @obj: a GEM object of a csa device
 * @for_cpu: true after the card is done with it (BO_WAIT does this),
 *           false before a job lets the card access it
 *
 * dma_sync_sgtable_for_{cpu,device}() on the object's mapped table, with
 * the direction it was mapped with.  A no-op for objects that were never
 * mapped and for imported dma-bufs (their exporter syncs).  On x86 the
 * card's DMA is cache coherent and this costs nothing.
 */
void csa_bo_sync(struct drm_gem_object *obj, bool for_cpu)
{
	struct sg_table *sgt;

	if (csa_bo_is_userptr(obj)) {
		csa_userptr_sync(obj, for_cpu);
		return;
	}
	if (obj->import_attach)
		return;

	/* set before the segment table is published, cleared at unbind */
	sgt = READ_ONCE(to_csa_bo(obj)->sgt);
	if (!sgt)
		return;
	if (for_cpu)
		dma_sync_sgtable_for_cpu(obj->dev->dev, sgt, DMA_BIDIRECTIONAL);
	else
		dma_sync_sgtable_for_device(obj->dev->dev, sgt, DMA_BIDIRECTIONAL);
}

/**
 * csa_ioctl_bo_wait() - DRM_IOCTL_CSA_BO_WAIT
 * @drm: DRM device
 * @data: &struct drm_csa_bo_wait
 * @file: the caller's file
 *
 * Waits interruptibly; -ERESTARTSYS makes the DRM core restart the ioctl
 * with the same absolute deadline.
 *
 * Return: 0, -ETIMEDOUT or another negative errno (docs/uapi.md).
 */
int csa_ioctl_bo_wait(struct drm_device *drm, void *data, struct drm_file *file)
{
	struct drm_csa_bo_wait *args = data;
	enum dma_resv_usage usage;
	struct drm_gem_object *obj;
	signed long timeout;
	long ret;
	int idx;

	if (args->flags & ~DRM_CSA_BO_WAIT_READ)
		return -EINVAL;
	/* CPU reads wait for card writers, CPU writes for every card access */
	usage = dma_resv_usage_rw(!(args->flags & DRM_CSA_BO_WAIT_READ));

	/* drm_dev_enter() only around the lookup: unplug must not wait for us */
	ret = csa_bo_lookup(drm, file, args->handle, &obj);
	if (ret)
		return ret;

	/*
	 * Restarts after a signal see the same absolute deadline.  A jiffy
	 * timeout may end up to a jiffy early: wait again until the deadline
	 * has really passed, then poll once more.
	 */
	do {
		timeout = drm_timeout_abs_to_jiffies(args->timeout_ns);
		if (!timeout)
			ret = dma_resv_test_signaled(obj->resv, usage) ? 1 : 0;
		else
			ret = dma_resv_wait_timeout(obj->resv, usage, true, timeout);
	} while (!ret && timeout);
	if (ret > 0) {
		/* the unbind unmaps (and frees) the tables: not after it */
		if (drm_dev_enter(drm, &idx)) {
			csa_bo_sync(obj, true);
			drm_dev_exit(idx);
		}
		ret = 0;
	} else if (!ret) {
		ret = -ETIMEDOUT;
	}
	drm_gem_object_put(obj);
	return ret;
}

/* debugfs "csa_bos": live BOs of the device and their total size. */
int csa_bos_show(struct seq_file *m, void *data)
{
	struct drm_info_node *node = m->private;
	struct csa_device *csa = to_csa(node->minor->dev);

	seq_printf(m, "count %d\nbytes %lld\n", atomic_read(&csa->bo_count),
		   (long long)atomic64_read(&csa->bo_bytes));
	return 0;
}
