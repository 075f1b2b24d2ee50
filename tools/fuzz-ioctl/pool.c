// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * The fuzzer's objects: cards found by driver name, the files (fds) open
 * on them with their tables of handles, contexts and syncobjs, mappings,
 * dma-bufs, the userptr arena and the few pointers it passes that the
 * kernel cannot use.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>

#include "csa_drm.h"
#include "fuzz.h"

int64_t fz_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000ll + ts.tv_nsec;
}

static int card_param(int fd, uint32_t param, uint64_t *v)
{
	struct drm_csa_get_param p = { .param = param };

	if (ioctl(fd, DRM_IOCTL_CSA_GET_PARAM, &p))
		return -errno;
	*v = p.value;
	return 0;
}

/*
 * debugfs csa_bos of the card on @node: accel/<PCI address>/ for an accel
 * node, dri/<minor>/ for a render node.
 */
static int card_bos_path(struct fz_card *c, int fd, int accel, int minor)
{
	char link[64], target[256];
	const char *addr;
	struct stat st;
	ssize_t n;

	if (!accel) {
		snprintf(c->bos, sizeof(c->bos),
			 "/sys/kernel/debug/dri/%d/csa_bos", minor);
		return 0;
	}
	if (fstat(fd, &st))
		return -errno;
	snprintf(link, sizeof(link), "/sys/dev/char/%u:%u/device",
		 major(st.st_rdev), minor(st.st_rdev));
	n = readlink(link, target, sizeof(target) - 1);
	if (n < 0)
		return -errno;
	target[n] = 0;
	addr = strrchr(target, '/') ? strrchr(target, '/') + 1 : target;
	snprintf(c->bos, sizeof(c->bos), "/sys/kernel/debug/accel/%.16s/csa_bos",
		 addr);
	return 0;
}

/*
 * Nodes whose driver is "csa", accel nodes (kernels with CONFIG_DRM_ACCEL)
 * then render nodes, each in minor order.
 */
int fz_cards_find(struct fz_ctx *ctx)
{
	ctx->ncards = 0;
	for (int i = 0; i < 128 && ctx->ncards < FZ_MAX_CARDS; i++) {
		struct fz_card *c = &ctx->card[ctx->ncards];
		char name[16] = "";
		struct drm_version v = { .name = name, .name_len = sizeof(name) - 1 };
		int accel = i < 64, minor = accel ? i : 128 + i - 64;
		int fd;

		if (accel)
			snprintf(c->node, sizeof(c->node), "/dev/accel/accel%d", minor);
		else
			snprintf(c->node, sizeof(c->node), "/dev/dri/renderD%d", minor);
		fd = open(c->node, O_RDWR | O_CLOEXEC);
		if (fd < 0)
			continue;
		if (ioctl(fd, DRM_IOCTL_VERSION, &v) || strcmp(name, CSA_DRIVER_NAME) ||
		    card_bos_path(c, fd, accel, minor)) {
			close(fd);
			continue;
		}
		if (card_param(fd, DRM_CSA_PARAM_NUM_QUEUES, &c->num_queues) ||
		    card_param(fd, DRM_CSA_PARAM_MAX_BINDS, &c->max_binds) ||
		    card_param(fd, DRM_CSA_PARAM_MAX_BO_SIZE, &c->max_bo_size) ||
		    card_param(fd, DRM_CSA_PARAM_JOB_TIMEOUT_MS, &c->timeout_ms)) {
			fprintf(stderr, "# %s: GET_PARAM failed: %s\n", c->node,
				strerror(errno));
			close(fd);
			continue;
		}
		close(fd);
		ctx->ncards++;
	}
	return (int)ctx->ncards;
}

/*
 * The arena: FZ_ARENA bytes between two PROT_NONE guard pages; the last
 * eighth is read-only, with a PROT_NONE hole page in the middle.
 */
int fz_ctx_init(struct fz_ctx *ctx)
{
	size_t pg = 4096;
	uint8_t *m = mmap(NULL, FZ_ARENA + 2 * pg, PROT_NONE,
			  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (m == MAP_FAILED)
		return -errno;
	ctx->arena = m + pg;
	if (mprotect(ctx->arena, FZ_ARENA / 8 * 7, PROT_READ | PROT_WRITE) ||
	    mprotect(ctx->arena + FZ_ARENA / 8 * 7, FZ_ARENA / 8, PROT_READ))
		return -errno;
	ctx->hole = ctx->arena + FZ_ARENA / 2;
	if (mprotect(ctx->hole, pg, PROT_NONE))
		return -errno;
	pthread_mutex_init(&ctx->maps_lock, NULL);
	pthread_mutex_init(&ctx->dmabuf_lock, NULL);
	for (unsigned int i = 0; i < FZ_MAX_FILES; i++) {
		pthread_rwlockattr_t a;

		pthread_rwlockattr_init(&a);
		pthread_rwlockattr_setkind_np(&a,
			PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP);
		pthread_rwlock_init(&ctx->file[i].use, &a);
		pthread_rwlockattr_destroy(&a);
		pthread_mutex_init(&ctx->file[i].lock, NULL);
		ctx->file[i].fd = -1;
	}
	return 0;
}

static void file_reset(struct fz_file *f)
{
	f->nbo = f->nqueue = f->nsync = f->nstale = 0;
}

/* cfg.files_per_card fds on every card (a forked child opens its own). */
int fz_files_open(struct fz_ctx *ctx)
{
	unsigned int n = ctx->cfg.files_per_card * ctx->ncards;

	if (n > FZ_MAX_FILES)
		n = FZ_MAX_FILES;
	ctx->nfiles = n;
	for (unsigned int i = 0; i < n; i++) {
		struct fz_file *f = &ctx->file[i];

		f->card = (int)(i % ctx->ncards);
		file_reset(f);
		f->fd = open(ctx->card[f->card].node, O_RDWR | O_CLOEXEC);
		fz_record(FZ_OPEN, f->fd < 0 ? -errno : 0);
		if (f->fd < 0)
			return -errno;
	}
	ctx->nmaps = ctx->ndmabuf = 0;
	return 0;
}

/*
 * Files the kernel made that the fuzzer does not know of: an fd-returning
 * ioctl (PRIME or syncobj export) whose argument was read-only installs
 * the fd and then fails with -EFAULT.  Close every DRM, dma-buf, syncobj
 * and sync_file fd left.
 */
static void close_unknown_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;

	if (!d)
		return;
	while ((e = readdir(d))) {
		char path[64], target[128];
		int fd = atoi(e->d_name);
		ssize_t n;

		if (fd <= 2 || fd == dirfd(d))
			continue;
		snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
		n = readlink(path, target, sizeof(target) - 1);
		if (n <= 0)
			continue;
		target[n] = 0;
		if (!strncmp(target, "/dev/dri/", 9) ||
		    !strncmp(target, "/dev/accel/", 11) ||
		    !strncmp(target, "anon_inode:dmabuf", 17) ||
		    !strncmp(target, "/dmabuf:", 8) ||
		    !strncmp(target, "anon_inode:sync_file", 20) ||
		    !strncmp(target, "anon_inode:syncobj", 18))
			close(fd);
	}
	closedir(d);
}

/*
 * Close everything of the seed, mappings before or after the fds (a
 * mapping keeps its file alive), dma-bufs last, then any such file the
 * fuzzer lost track of.
 */
void fz_files_close(struct fz_ctx *ctx, struct fz_rng *r)
{
	bool maps_first = fz_pct(r, 50);

	if (maps_first)
		for (unsigned int i = 0; i < ctx->nmaps; i++)
			munmap(ctx->maps[i].p, ctx->maps[i].len);
	for (unsigned int i = 0; i < ctx->nfiles; i++) {
		if (ctx->file[i].fd >= 0)
			fz_record(FZ_CLOSE, close(ctx->file[i].fd) ? -errno : 0);
		ctx->file[i].fd = -1;
		file_reset(&ctx->file[i]);
	}
	if (!maps_first)
		for (unsigned int i = 0; i < ctx->nmaps; i++)
			munmap(ctx->maps[i].p, ctx->maps[i].len);
	for (unsigned int i = 0; i < ctx->ndmabuf; i++)
		close(ctx->dmabuf[i]);
	ctx->nmaps = ctx->ndmabuf = 0;
	close_unknown_fds();
}

struct fz_file *fz_file_get(struct fz_worker *w)
{
	struct fz_file *f = &w->ctx->file[fz_below(&w->rng, w->ctx->nfiles)];

	pthread_rwlock_rdlock(&f->use);
	return f;
}

/* Another file (maybe on the other card) for cross-file operations. */
struct fz_file *fz_file_get_other(struct fz_worker *w, const struct fz_file *not)
{
	struct fz_ctx *ctx = w->ctx;
	struct fz_file *f = &ctx->file[fz_below(&w->rng, ctx->nfiles)];

	if (f == not && ctx->nfiles > 1)
		f = &ctx->file[(unsigned int)(f - ctx->file + 1) % ctx->nfiles];
	pthread_rwlock_rdlock(&f->use);
	return f;
}

void fz_file_put(struct fz_file *f)
{
	pthread_rwlock_unlock(&f->use);
}

/*
 * Close a file with whatever it has in flight and open it again: its
 * handles, contexts and syncobjs are gone, its jobs still run.
 */
void fz_file_reopen(struct fz_worker *w)
{
	struct fz_file *f = &w->ctx->file[fz_below(&w->rng, w->ctx->nfiles)];

	pthread_rwlock_wrlock(&f->use);
	pthread_mutex_lock(&f->lock);
	fz_note("file %d (%u BOs, %u contexts)", (int)(f - w->ctx->file),
		f->nbo, f->nqueue);
	if (f->fd >= 0)
		fz_record(FZ_CLOSE, close(f->fd) ? -errno : 0);
	file_reset(f);
	f->fd = open(w->ctx->card[f->card].node, O_RDWR | O_CLOEXEC);
	fz_record(FZ_OPEN, f->fd < 0 ? -errno : 0);
	pthread_mutex_unlock(&f->lock);
	pthread_rwlock_unlock(&f->use);
}

void fz_stale_add(struct fz_file *f, uint32_t v)
{
	f->stale[f->nstale++ % 8] = v;
}

/*
 * The tables of a file are arrays of entries whose first member is the
 * u32 handle or id; f->lock guards them.
 */
static uint32_t id_at(const void *base, size_t stride, unsigned int i)
{
	uint32_t v;

	memcpy(&v, (const uint8_t *)base + i * stride, sizeof(v));
	return v;
}

bool fz_table_add(struct fz_file *f, void *base, size_t stride, unsigned int *n,
		  unsigned int max, const void *entry)
{
	bool added = false;

	pthread_mutex_lock(&f->lock);
	if (*n < max) {
		memcpy((uint8_t *)base + (*n)++ * stride, entry, stride);
		added = true;
	}
	pthread_mutex_unlock(&f->lock);
	return added;
}

void fz_table_forget(struct fz_file *f, void *base, size_t stride,
		     unsigned int *n, uint32_t id)
{
	pthread_mutex_lock(&f->lock);
	for (unsigned int i = 0; i < *n; i++) {
		if (id_at(base, stride, i) == id) {
			(*n)--;
			memcpy((uint8_t *)base + i * stride,
			       (uint8_t *)base + *n * stride, stride);
			break;
		}
	}
	fz_stale_add(f, id);
	pthread_mutex_unlock(&f->lock);
}

int fz_table_pick(struct fz_worker *w, struct fz_file *f, const void *base,
		  size_t stride, const unsigned int *n, void *out)
{
	int ret = -1;

	pthread_mutex_lock(&f->lock);
	if (*n) {
		memcpy(out, (const uint8_t *)base + fz_below(&w->rng, *n) * stride,
		       stride);
		ret = 0;
	}
	pthread_mutex_unlock(&f->lock);
	return ret;
}

/* A value for a handle/id field: junk (closed ids, 0, small, edges). */
static uint32_t junk_id(struct fz_worker *w, struct fz_file *f)
{
	switch (fz_below(&w->rng, 4)) {
	case 0:
		return f->nstale ? f->stale[fz_below(&w->rng, f->nstale < 8 ? f->nstale : 8)] : 0;
	case 1:
		return 0;
	case 2:
		return fz_below(&w->rng, 64);
	default:
		return (uint32_t)fz_interesting(&w->rng, 32);
	}
}

/* An id of the table, one time in twelve junk. */
uint32_t fz_table_id(struct fz_worker *w, struct fz_file *f, const void *base,
		     size_t stride, const unsigned int *n)
{
	uint32_t v;

	pthread_mutex_lock(&f->lock);
	if (*n && !fz_one_in(&w->rng, 12))
		v = id_at(base, stride, fz_below(&w->rng, *n));
	else
		v = junk_id(w, f);
	pthread_mutex_unlock(&f->lock);
	return v;
}

void fz_map_add(struct fz_ctx *ctx, void *p, size_t len)
{
	pthread_mutex_lock(&ctx->maps_lock);
	if (ctx->nmaps < FZ_MAX_MAPS) {
		ctx->maps[ctx->nmaps++] = (struct fz_map){ p, len };
		p = NULL;
	}
	pthread_mutex_unlock(&ctx->maps_lock);
	if (p)
		munmap(p, len);
}

/* Keep a dma-buf fd for later imports; closes it when the table is full. */
int fz_dmabuf_add(struct fz_ctx *ctx, int fd)
{
	pthread_mutex_lock(&ctx->dmabuf_lock);
	if (ctx->ndmabuf < FZ_MAX_DMABUFS) {
		ctx->dmabuf[ctx->ndmabuf++] = fd;
		fd = -1;
	}
	pthread_mutex_unlock(&ctx->dmabuf_lock);
	if (fd >= 0)
		close(fd);
	return 0;
}

/*
 * A pointer the kernel can neither read nor write (or, w->ro, only read):
 * never memory the fuzzer or the card could corrupt.
 */
uint64_t fz_bad_ptr(struct fz_worker *w)
{
	static const uint64_t fixed[] = {
		0, 8, 4096, 1ull << 47, 0xffff888000000000ull,
		0xffffffffffffff00ull, 1ull << 63,
	};
	uint32_t i = fz_below(&w->rng, sizeof(fixed) / sizeof(fixed[0]) + 3);

	if (i < sizeof(fixed) / sizeof(fixed[0]))
		return fixed[i];
	if (i == sizeof(fixed) / sizeof(fixed[0]))
		return (uint64_t)(uintptr_t)w->ctx->hole + fz_below(&w->rng, 4096);
	if (i == sizeof(fixed) / sizeof(fixed[0]) + 1)
		return (uint64_t)(uintptr_t)(w->ctx->arena - 4096);
	return (uint64_t)(uintptr_t)w->ro;
}

/* An absolute CLOCK_MONOTONIC deadline, never more than 50 ms ahead. */
int64_t fz_deadline(struct fz_worker *w)
{
	int64_t now = fz_now_ns();

	switch (fz_below(&w->rng, 7)) {
	case 0: return 0;
	case 1: return -1;
	case 2: return INT64_MIN;
	case 3: return now - 1000000;
	case 4: return now;
	case 5: return now + (int64_t)fz_below(&w->rng, 50000000);
	default: return now + (int64_t)fz_below(&w->rng, 5000000);
	}
}

int fz_worker_init(struct fz_worker *w, struct fz_ctx *ctx, int id,
		   uint64_t seed, uint64_t stream)
{
	int mfd;

	memset(w, 0, sizeof(*w));
	w->ctx = ctx;
	w->id = id;
	fz_rng_init(&w->rng, seed, stream);
	w->scratch = malloc(FZ_SCRATCH);
	mfd = memfd_create("csa-fuzz-ro", MFD_CLOEXEC);
	if (!w->scratch || mfd < 0 || ftruncate(mfd, 4096))
		goto fail;
	w->rw = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, mfd, 0);
	w->ro = mmap(NULL, 4096, PROT_READ, MAP_SHARED, mfd, 0);
	close(mfd);
	w->progmem = mmap(NULL, FZ_PROGMEM, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (w->rw == MAP_FAILED || w->ro == MAP_FAILED || w->progmem == MAP_FAILED)
		return -ENOMEM;
	memset(w->scratch, 0, FZ_SCRATCH);
	return 0;
fail:
	if (mfd >= 0)
		close(mfd);
	return -ENOMEM;
}

void fz_worker_fini(struct fz_worker *w)
{
	free(w->scratch);
	if (w->rw && w->rw != MAP_FAILED)
		munmap(w->rw, 4096);
	if (w->ro && w->ro != MAP_FAILED)
		munmap(w->ro, 4096);
	if (w->progmem && w->progmem != MAP_FAILED)
		munmap(w->progmem, FZ_PROGMEM);
	w->scratch = NULL;
	w->rw = w->ro = w->progmem = NULL;
}

/*
 * The argument pointer of an ioctl whose struct is @s: mostly @s itself,
 * sometimes a read-only copy (the ioctl runs, copying the result back
 * fails with -EFAULT) or a pointer the kernel cannot read.
 */
void *fz_arg(struct fz_worker *w, const void *s, size_t len)
{
	uint32_t r = fz_below(&w->rng, 100);

	if (r < 96 || len > 4096)
		return (void *)s;
	if (r < 99) {
		memcpy(w->rw, s, len);
		return w->ro;
	}
	/*
	 * Not w->ro here: its stale contents would be another ioctl's struct,
	 * and garbage counts trip the DRM core (docs/fuzz-ioctl.md, findings);
	 * the raw ioctls do garbage.
	 */
	for (;;) {
		uint64_t p = fz_bad_ptr(w);

		if (p != (uint64_t)(uintptr_t)w->ro)
			return (void *)(uintptr_t)p;
	}
}
