// SPDX-License-Identifier: MIT
/*
 * Packed layers of uapi/csa_format.h: build one from int8 weights and a
 * grouping, check one completely, unpack one back to int8 weights.
 *
 * Layout written here: header (64 bytes), weights at 64 (cols x G
 * elements {int8 value, uint8 tag}, column-major), then the tag map, the
 * requantisation records and the boost array, each at an 8-byte aligned
 * offset; total_size is the end of the last section rounded up to 8.
 */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "pack_internal.h"

/* The header goes through its struct with memcpy, as container.c does. */
_Static_assert(sizeof(struct csa_layer_hdr) == CSA_LAYER_HDR_SIZE, "csa_layer_hdr size");

static uint16_t rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static void wr32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v, p[1] = (uint8_t)(v >> 8), p[2] = (uint8_t)(v >> 16), p[3] = (uint8_t)(v >> 24);
}

static void wr16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v, p[1] = (uint8_t)(v >> 8);
}

int csa_pack_layer(const int8_t *w, const struct csa_grouping *g,
		   const struct csa_requant *requant, const uint16_t *boost,
		   void **blobp, size_t *sizep)
{
	uint64_t weights_off = CSA_LAYER_HDR_SIZE;
	uint64_t tagmap_off = csa_align_up(weights_off + (uint64_t)g->cols * g->groups * 2, 8);
	uint64_t requant_off = csa_align_up(tagmap_off + (uint64_t)g->groups * g->k * 2, 8);
	uint64_t boost_off = boost ? csa_align_up(requant_off + (uint64_t)g->units * CSA_REQUANT_SIZE, 8) : 0;
	uint64_t end = boost ? boost_off + (uint64_t)g->units * 2 :
		requant_off + (uint64_t)g->units * CSA_REQUANT_SIZE;
	uint64_t total = csa_align_up(end, 8);
	struct csa_layer_hdr h;
	uint8_t *blob, *p;

	if (!g->groups || !g->k || g->k > 255 || (uint64_t)g->groups * g->k < g->units)
		return csa_error(EINVAL, "grouping of %u units in %u groups of %u is inconsistent",
				 g->units, g->groups, g->k);
	if (total > UINT32_MAX)
		return csa_error(EFBIG, "packed layer of %llu bytes exceeds 4 GiB",
				 (unsigned long long)total);
	blob = calloc(1, total);
	if (!blob)
		return csa_error(ENOMEM, "out of memory for a packed layer of %llu bytes",
				 (unsigned long long)total);
	h = (struct csa_layer_hdr){
		.magic = CSA_LAYER_MAGIC,
		.version = CSA_FORMAT_VERSION,
		.hdr_size = CSA_LAYER_HDR_SIZE,
		.units = g->units,
		.cols = g->cols,
		.k = (uint16_t)g->k,
		.groups = (uint16_t)g->groups,
		.weights_off = (uint32_t)weights_off,
		.tagmap_off = (uint32_t)tagmap_off,
		.requant_off = (uint32_t)requant_off,
		.boost_off = (uint32_t)boost_off,
		.total_size = (uint32_t)total,
	};
	memcpy(blob, &h, sizeof(h));

	for (uint32_t grp = 0; grp < g->groups; grp++) {
		for (uint32_t t = 0; t < g->k; t++) {
			uint16_t unit = g->tagmap[(size_t)grp * g->k + t];

			wr16(blob + tagmap_off + ((size_t)grp * g->k + t) * 2, unit);
			if (unit == CSA_TAGMAP_NONE)
				continue;
			for (uint32_t col = 0; col < g->cols; col++) {
				int8_t v = w[(size_t)unit * g->cols + col];

				if (!v)
					continue;
				p = blob + weights_off + ((size_t)col * g->groups + grp) * 2;
				if (p[0]) {
					free(blob);
					return csa_error(EINVAL, "units %u and %u of group %u overlap "
							 "at column %u: not complementary", unit,
							 g->tagmap[(size_t)grp * g->k + p[1]], grp, col);
				}
				p[0] = (uint8_t)v;
				p[1] = (uint8_t)t;
			}
		}
	}
	for (uint32_t u = 0; u < g->units; u++) {
		p = blob + requant_off + (size_t)u * CSA_REQUANT_SIZE;
		wr32(p, (uint32_t)requant[u].bias);
		wr32(p + 4, (uint32_t)requant[u].multiplier);
		p[8] = requant[u].shift;
		if (boost)
			wr16(blob + boost_off + (size_t)u * 2, boost[u]);
	}
	*blobp = blob;
	*sizep = total;
	return 0;
}

struct section {
	uint64_t off, size;
	const char *name;
};

int csa_packed_layer_check(const void *data, size_t size)
{
	const uint8_t *b = data;
	uint32_t units, cols, k, groups, total;
	struct csa_layer_hdr h;
	struct section s[4];
	unsigned int n = 0;
	uint8_t *seen;

	if (size < CSA_LAYER_HDR_SIZE)
		return csa_error(EINVAL, "packed layer: %zu bytes, shorter than its %d-byte header",
				 size, CSA_LAYER_HDR_SIZE);
	memcpy(&h, b, sizeof(h));
	if (h.magic != CSA_LAYER_MAGIC)
		return csa_error(EINVAL, "packed layer: bad magic 0x%08x", h.magic);
	if (h.version != CSA_FORMAT_VERSION)
		return csa_error(EINVAL, "packed layer: format version %u, expected %u",
				 h.version, CSA_FORMAT_VERSION);
	if (h.hdr_size != CSA_LAYER_HDR_SIZE)
		return csa_error(EINVAL, "packed layer: hdr_size %u, expected %u", h.hdr_size,
				 CSA_LAYER_HDR_SIZE);
	if (h.flags)
		return csa_error(EINVAL, "packed layer: flags 0x%x, none are defined", h.flags);
	for (unsigned int i = offsetof(struct csa_layer_hdr, reserved); i < CSA_LAYER_HDR_SIZE; i++)
		if (b[i])
			return csa_error(EINVAL, "packed layer: reserved header byte %u is not zero", i);
	units = h.units, cols = h.cols, k = h.k, groups = h.groups;
	total = h.total_size;
	if (!units || units >= CSA_TAGMAP_NONE)
		return csa_error(EINVAL, "packed layer: %u units (1..%u)", units, CSA_TAGMAP_NONE - 1);
	if (!cols || cols > CSA_LAYER_MAX_COLS)
		return csa_error(EINVAL, "packed layer: %u columns (1..%u)", cols, CSA_LAYER_MAX_COLS);
	if (!k || k > 255 || !groups || (uint64_t)groups * k < units)
		return csa_error(EINVAL, "packed layer: k %u and %u groups cannot hold %u units",
				 k, groups, units);
	if (total > size || total < CSA_LAYER_HDR_SIZE)
		return csa_error(EINVAL, "packed layer: total_size %u outside [%d, %zu]", total,
				 CSA_LAYER_HDR_SIZE, size);
	s[n++] = (struct section){ h.weights_off, (uint64_t)cols * groups * 2, "weights" };
	s[n++] = (struct section){ h.tagmap_off, (uint64_t)groups * k * 2, "tag map" };
	s[n++] = (struct section){ h.requant_off, (uint64_t)units * CSA_REQUANT_SIZE, "requant" };
	if (h.boost_off)
		s[n++] = (struct section){ h.boost_off, (uint64_t)units * 2, "boost" };
	for (unsigned int i = 0; i < n; i++) {
		if (s[i].off < CSA_LAYER_HDR_SIZE || s[i].off > total || s[i].size > total - s[i].off)
			return csa_error(EINVAL, "packed layer: %s [%llu, +%llu) outside [%d, %u)",
					 s[i].name, (unsigned long long)s[i].off,
					 (unsigned long long)s[i].size, CSA_LAYER_HDR_SIZE, total);
		for (unsigned int j = 0; j < i; j++)
			if (s[i].off < s[j].off + s[j].size && s[j].off < s[i].off + s[i].size)
				return csa_error(EINVAL, "packed layer: sections %s and %s overlap",
						 s[j].name, s[i].name);
	}
	for (uint64_t e = 0; e < (uint64_t)cols * groups; e++) {
		uint8_t tag = b[s[0].off + e * 2 + 1];

		if (tag >= k)
			return csa_error(EINVAL, "packed layer: element %llu (column %llu, group %llu) "
					 "has tag %u >= k %u", (unsigned long long)e,
					 (unsigned long long)(e / groups),
					 (unsigned long long)(e % groups), tag, k);
	}
	seen = calloc(units, 1);
	if (!seen)
		return csa_error(ENOMEM, "out of memory");
	for (uint64_t i = 0; i < (uint64_t)groups * k; i++) {
		uint16_t unit = rd16(b + s[1].off + i * 2);

		if (unit == CSA_TAGMAP_NONE)
			continue;
		if (unit >= units || seen[unit]) {
			free(seen);
			return csa_error(EINVAL, "packed layer: tag map entry %llu names unit %u %s",
					 (unsigned long long)i, unit,
					 unit >= units ? "beyond the layer" : "a second time");
		}
		seen[unit] = 1;
	}
	for (uint32_t u = 0; u < units; u++) {
		if (!seen[u]) {
			free(seen);
			return csa_error(EINVAL, "packed layer: unit %u is missing from the tag map", u);
		}
	}
	free(seen);
	for (uint32_t u = 0; u < units; u++) {
		const uint8_t *r = b + s[2].off + (uint64_t)u * CSA_REQUANT_SIZE;

		if (r[8] > CSA_REQUANT_MAX_SHIFT || r[9] || r[10] || r[11])
			return csa_error(EINVAL, "packed layer: requantisation of unit %u: shift %u "
					 "(max %d) or reserved bytes set", u, r[8],
					 CSA_REQUANT_MAX_SHIFT);
	}
	return 0;
}

int csa_unpack_layer(const void *data, size_t size, int8_t *w)
{
	const uint8_t *b = data;
	uint32_t units, cols, k, groups, woff, toff;
	struct csa_layer_hdr h;
	int ret = csa_packed_layer_check(data, size);

	if (ret)
		return ret;
	memcpy(&h, b, sizeof(h));
	units = h.units, cols = h.cols, k = h.k, groups = h.groups;
	woff = h.weights_off, toff = h.tagmap_off;
	memset(w, 0, (size_t)units * cols);
	for (uint32_t col = 0; col < cols; col++) {
		for (uint32_t grp = 0; grp < groups; grp++) {
			const uint8_t *e = b + woff + ((size_t)col * groups + grp) * 2;
			uint16_t unit;

			if (!e[0])
				continue;
			unit = rd16(b + toff + ((size_t)grp * k + e[1]) * 2);
			if (unit == CSA_TAGMAP_NONE)
				return csa_error(EINVAL, "packed layer: weight at column %u, group %u "
						 "feeds an unused accumulator (tag %u)", col, grp, e[1]);
			w[(size_t)unit * cols + col] = (int8_t)e[0];
		}
	}
	return 0;
}
