// SPDX-License-Identifier: GPL-2.0
/*
 * Segment tables of buffer objects: the list of DMA segments the card
 * walks for a bind slot (struct csa_seg, firmware/csa_hw.h).
 *
 * Built once per object, when it is first mapped for the card, and shared
 * by every job that binds it; a job's own table is just its bind slots.
 * The table is a chain of 4 KiB blocks (CSA_SEG_TABLE_BLOCK), each holding
 * up to 255 segments and a link entry (len 0) to the next block, so no
 * allocation grows with the object: a 4 GiB object of scattered pages
 * needs 4112 single pages, not one 16 MiB contiguous buffer.  The blocks
 * are ordinary pages charged to the memory cgroup of the task that mapped
 * the object, streaming-mapped for the card (DMA_TO_DEVICE).
 */
#include <linux/dma-mapping.h>
#include <linux/error-injection.h>
#include <linux/mm.h>
#include <linux/overflow.h>
#include <linux/scatterlist.h>
#include <linux/slab.h>

#include "csa_drv.h"
#include "csa_gem.h"

#define CSA_SEGS_PER_BLOCK	(CSA_SEG_TABLE_BLOCK / sizeof(struct csa_seg) - 1)

static_assert(CSA_SEG_TABLE_BLOCK <= PAGE_SIZE);

static inline u64 csa_seg_le64(u64 v)
{
	return (__force u64)cpu_to_le64(v);
}

void csa_segtab_free(struct device *dev, struct csa_segtab *tab)
{
	unsigned int b;

	if (!tab)
		return;
	for (b = 0; b < tab->nblocks; b++) {
		if (!tab->blocks[b])
			break;
		dma_unmap_page(dev, tab->dma[b], CSA_SEG_TABLE_BLOCK, DMA_TO_DEVICE);
		__free_page(tab->blocks[b]);
	}
	kvfree(tab->blocks);
	kvfree(tab->dma);
	kfree(tab);
}

static int csa_segtab_alloc_blocks(struct device *dev, struct csa_segtab *tab)
{
	unsigned int b;

	for (b = 0; b < tab->nblocks; b++) {
		struct page *page = alloc_page(GFP_KERNEL_ACCOUNT | __GFP_ZERO);

		if (!page)
			return -ENOMEM;
		tab->dma[b] = dma_map_page(dev, page, 0, CSA_SEG_TABLE_BLOCK,
					   DMA_TO_DEVICE);
		if (dma_mapping_error(dev, tab->dma[b])) {
			__free_page(page);
			return -ENOMEM;
		}
		tab->blocks[b] = page;
		/* the CPU fills it (links need every block's bus address) */
		dma_sync_single_for_cpu(dev, tab->dma[b], CSA_SEG_TABLE_BLOCK,
					DMA_TO_DEVICE);
	}
	return 0;
}

/**
 * csa_segtab_build() - the card's segment table of a mapped scatterlist
 * @dev: the card
 * @sgt: the object's table, mapped for @dev
 *
 * Return: the table (csa_segtab_free()), or ERR_PTR(-ENOMEM), or
 * ERR_PTR(-E2BIG) beyond CSA_SEGTAB_MAX_SEGS segments.
 */
struct csa_segtab *csa_segtab_build(struct device *dev, struct sg_table *sgt)
{
	struct csa_segtab *tab;
	struct scatterlist *sg;
	struct csa_seg *seg = NULL;
	unsigned int k, b = 0, in_block = 0;
	int ret;

	if (!sgt->nents)
		return ERR_PTR(-EINVAL);
	if (sgt->nents > CSA_SEGTAB_MAX_SEGS)
		return ERR_PTR(-E2BIG);
	tab = kzalloc(sizeof(*tab), GFP_KERNEL_ACCOUNT);
	if (!tab)
		return ERR_PTR(-ENOMEM);
	tab->nsegs = sgt->nents;
	tab->nblocks = DIV_ROUND_UP(tab->nsegs, CSA_SEGS_PER_BLOCK);
	tab->blocks = kvcalloc(tab->nblocks, sizeof(*tab->blocks), GFP_KERNEL_ACCOUNT);
	tab->dma = kvcalloc(tab->nblocks, sizeof(*tab->dma), GFP_KERNEL_ACCOUNT);
	ret = tab->blocks && tab->dma ? csa_segtab_alloc_blocks(dev, tab) : -ENOMEM;
	if (ret) {
		csa_segtab_free(dev, tab);
		return ERR_PTR(ret);
	}

	for_each_sgtable_dma_sg(sgt, sg, k) {
		if (!seg || in_block == CSA_SEGS_PER_BLOCK) {
			if (seg) {	/* link to the next block */
				seg->addr = csa_seg_le64(tab->dma[++b]);
				seg->len = 0;
			}
			seg = page_address(tab->blocks[b]);
			in_block = 0;
		}
		seg->addr = csa_seg_le64(sg_dma_address(sg));
		seg->len = csa_seg_le64(sg_dma_len(sg));
		tab->size += sg_dma_len(sg);
		seg++;
		in_block++;
	}
	for (b = 0; b < tab->nblocks; b++)
		dma_sync_single_for_device(dev, tab->dma[b], CSA_SEG_TABLE_BLOCK,
					   DMA_TO_DEVICE);
	return tab;
}

ALLOW_ERROR_INJECTION(csa_segtab_build, ERRNO);
