// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * PRIME: export BOs as dma-bufs (kept for later, sometimes mmap'ed) and
 * import them into any file of either card, or import things that are
 * not dma-bufs.
 */
#include <errno.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "csa_drm.h"
#include "fuzz.h"

void fz_op_prime_export(struct fz_worker *w)
{
	struct fz_file *f = fz_file_get(w);
	struct drm_prime_handle p = {
		.handle = fz_handle(w, f),
		.flags = DRM_CLOEXEC | (fz_pct(&w->rng, 70) ? DRM_RDWR : 0),
		.fd = -1,
	};
	struct fz_bo bo;

	if (fz_one_in(&w->rng, 20))
		p.flags = (uint32_t)fz_interesting(&w->rng, 32) | DRM_CLOEXEC;
	fz_note("handle %u flags 0x%x", p.handle, p.flags);
	if (fz_ioctl(FZ_PRIME_HANDLE_TO_FD, f->fd, DRM_IOCTL_PRIME_HANDLE_TO_FD,
		     fz_arg(w, &p, sizeof(p))) || p.fd < 0)
		goto out;
	/* map the dma-buf itself now and then, at most the BO's size */
	if (fz_pct(&w->rng, 20) && !fz_bo_pick(w, f, &bo) && bo.handle == p.handle &&
	    bo.size) {
		void *m = mmap(NULL, bo.size, PROT_READ | PROT_WRITE, MAP_SHARED,
			       p.fd, 0);

		fz_note("dma-buf of handle %u, %llu bytes", p.handle,
			(unsigned long long)bo.size);
		fz_record(FZ_MMAP, m == MAP_FAILED ? -errno : 0);
		if (m != MAP_FAILED)
			fz_map_add(w->ctx, m, bo.size);
	}
	fz_dmabuf_add(w->ctx, p.fd);
out:
	fz_file_put(f);
}

/* A dma-buf from the table (taken out of it when @take), or junk. */
static int some_fd(struct fz_worker *w, bool take, struct fz_file *f)
{
	struct fz_ctx *ctx = w->ctx;
	int fd = -1;

	pthread_mutex_lock(&ctx->dmabuf_lock);
	if (ctx->ndmabuf && fz_pct(&w->rng, 90)) {
		unsigned int i = fz_below(&w->rng, ctx->ndmabuf);

		fd = ctx->dmabuf[i];
		if (take)
			ctx->dmabuf[i] = ctx->dmabuf[--ctx->ndmabuf];
	}
	pthread_mutex_unlock(&ctx->dmabuf_lock);
	if (fd >= 0)
		return fd;
	switch (fz_below(&w->rng, 4)) {
	case 0: return -1;
	case 1: return f->fd;		/* a DRM fd: not a dma-buf */
	case 2: return 0;		/* stdin */
	default: return 100000;		/* not open */
	}
}

void fz_op_prime_import(struct fz_worker *w)
{
	struct fz_file *f = fz_file_get(w);
	bool take = fz_pct(&w->rng, 30);
	int fd = some_fd(w, take, f);
	struct drm_prime_handle p = { .fd = fd };
	struct drm_csa_bo_info i = { 0 };

	if (fz_one_in(&w->rng, 20))
		p.flags = (uint32_t)fz_interesting(&w->rng, 32);
	fz_note("fd %d flags 0x%x", p.fd, p.flags);
	if (!fz_ioctl(FZ_PRIME_FD_TO_HANDLE, f->fd, DRM_IOCTL_PRIME_FD_TO_HANDLE,
		      fz_arg(w, &p, sizeof(p))) && p.handle) {
		i.handle = p.handle;
		fz_note("imported handle %u", p.handle);
		if (!fz_ioctl(FZ_BO_INFO, f->fd, DRM_IOCTL_CSA_BO_INFO, &i))
			fz_bo_add(f, &((struct fz_bo){ p.handle,
				  i.bo_flags & DRM_CSA_BO_FLAG_IMPORTED ?
				  FZ_BOF_IMPORTED : 0, i.size }));
	}
	/* a dma-buf taken out of the table is ours to close */
	if (take && fd > 2 && fd != f->fd && fd != 100000)
		close(fd);
	fz_file_put(f);
}
