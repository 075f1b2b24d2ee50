// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * Operations that only ask: GET_PARAM, DRM VERSION and GET_CAP, and raw
 * ioctls of random numbers, directions and sizes over random bytes.
 */
#include <errno.h>
#include <string.h>
#include <sys/ioctl.h>

#include "csa_drm.h"
#include "fuzz.h"

void fz_op_get_param(struct fz_worker *w)
{
	struct fz_file *f = fz_file_get(w);
	struct drm_csa_get_param p = {
		.param = fz_pct(&w->rng, 85) ? fz_below(&w->rng, 17) :
			 (uint32_t)fz_interesting(&w->rng, 32),
	};

	if (fz_one_in(&w->rng, 20))
		p.flags = (uint32_t)fz_interesting(&w->rng, 32);
	if (fz_one_in(&w->rng, 20))
		p.reserved = fz_interesting(&w->rng, 64);
	fz_note("param %u flags 0x%x reserved 0x%llx", p.param, p.flags,
		(unsigned long long)p.reserved);
	fz_ioctl(FZ_GET_PARAM, f->fd, DRM_IOCTL_CSA_GET_PARAM,
		 fz_arg(w, &p, sizeof(p)));
	fz_file_put(f);
}

void fz_op_version(struct fz_worker *w)
{
	struct fz_file *f = fz_file_get(w);
	char *b = (char *)w->scratch;
	struct drm_version v = {
		.name_len = fz_below(&w->rng, 65), .name = b,
		.date_len = fz_below(&w->rng, 65), .date = b + 64,
		.desc_len = fz_below(&w->rng, 65), .desc = b + 128,
	};

	if (fz_one_in(&w->rng, 8)) {
		v.name = (char *)(uintptr_t)fz_bad_ptr(w);
		v.name_len = (size_t)fz_interesting(&w->rng, 32);
	}
	if (fz_one_in(&w->rng, 8)) {
		v.desc = (char *)(uintptr_t)fz_bad_ptr(w);
		v.desc_len = (size_t)fz_interesting(&w->rng, 32);
	}
	fz_note("name_len %zu date_len %zu desc_len %zu", v.name_len,
		v.date_len, v.desc_len);
	fz_ioctl(FZ_VERSION, f->fd, DRM_IOCTL_VERSION, fz_arg(w, &v, sizeof(v)));
	fz_file_put(f);
}

void fz_op_get_cap(struct fz_worker *w)
{
	struct fz_file *f = fz_file_get(w);
	struct drm_get_cap c = {
		.capability = fz_pct(&w->rng, 80) ? fz_below(&w->rng, 0x16) :
			      fz_interesting(&w->rng, 64),
	};

	fz_note("cap 0x%llx", (unsigned long long)c.capability);
	fz_ioctl(FZ_GET_CAP, f->fd, DRM_IOCTL_GET_CAP, fz_arg(w, &c, sizeof(c)));
	fz_file_put(f);
}

/*
 * Core ioctls never given junk: the syncobj ones (0xBF-0xCF) may block
 * until a junk deadline, and with a junk count_handles they trip the
 * DRM core's unbounded kmalloc_array() (docs/fuzz-ioctl.md, findings;
 * --huge-counts does that on purpose).
 */
static bool excluded(const struct fz_worker *w, unsigned int nr)
{
	if (nr == 0xC3 || nr == 0xCA)
		return true;
	return nr >= 0xBF && nr <= 0xCF && !w->ctx->cfg.huge_counts;
}

void fz_op_raw(struct fz_worker *w)
{
	struct fz_file *f = fz_file_get(w);
	uint8_t *buf = w->scratch;	/* >= 16 KiB: any _IOC_SIZE fits */
	unsigned int nr, dir, size;

	if (fz_pct(&w->rng, 70)) {
		nr = DRM_COMMAND_BASE + fz_below(&w->rng, 16);
	} else {
		do
			nr = fz_below(&w->rng, 0x100);
		while (excluded(w, nr));
	}
	dir = fz_below(&w->rng, 4);
	switch (fz_below(&w->rng, 4)) {
	case 0: size = 0; break;
	case 1: size = 8 * fz_below(&w->rng, 12); break;
	case 2: size = fz_below(&w->rng, 128); break;
	default: size = fz_below(&w->rng, 1u << 14); break;
	}
	for (unsigned int i = 0; i < size && i < 256; i++)
		buf[i] = (uint8_t)fz_rand(&w->rng);
	for (unsigned int i = 0; i < size && i < 256; i += 8) {
		/* zero flags/pads often, so deeper checks are reached */
		if (fz_pct(&w->rng, 40))
			memset(buf + i, 0, 8);
	}
	if (nr == DRM_COMMAND_BASE + DRM_CSA_BO_USERPTR && size >= 8) {
		uint64_t p = fz_bad_ptr(w);

		memcpy(buf, &p, 8);
	}
	if (nr == DRM_COMMAND_BASE + DRM_CSA_BO_WAIT && size >= 16)
		memset(buf + 8, 0, 8);	/* deadline 0: a poll */
	fz_note("dir %u nr 0x%x size %u", dir, nr, size);
	fz_ioctl(FZ_RAW_IOCTL, f->fd, _IOC(dir, DRM_IOCTL_BASE, nr, size), buf);
	fz_file_put(f);
}
