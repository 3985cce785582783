// SPDX-License-Identifier: GPL-2.0
/*
 * Zero-copy readers: mmap of a topic.
 *
 *   offset 0          the reader page (struct kstream_reader_page), one
 *                     page, read-write, MAP_SHARED only: the fd's cursor
 *                     moves into it on the first such mapping
 *   offset PAGE_SIZE  the ring's control page and data (mapped twice),
 *                     PAGE_SIZE + 2 * size bytes, read-only for good
 *                     (VM_MAYWRITE cleared, so mprotect cannot add write)
 *
 * A mapping holds its file, the file its topic: the ring and the reader
 * page outlive a deleted topic until the last mapping and fd are gone.
 */

#include <linux/mm.h>
#include <linux/vmalloc.h>

#include "compat.h"
#include "kstream.h"

/* The fd's reader page, allocated on first use.  File lock held. */
static int kstream_reader_page_get(struct kstream_file *kf)
{
	struct kstream_reader *rd = &kf->reader;
	struct kstream_topic *t = kf->topic;
	struct page *pg;

	if (rd->page)
		return 0;
	pg = alloc_page(GFP_KERNEL_ACCOUNT | __GFP_ZERO);
	if (!pg)
		return -ENOMEM;
	rd->page_pg = pg;

	/*
	 * Move the cursor into the page under the topic lock, where
	 * producers of block topics read it.
	 */
	spin_lock(&t->lock);
	rd->page = page_address(pg);
	rd->page->pos = rd->pos;
	WRITE_ONCE(rd->posp, &rd->page->pos);
	spin_unlock(&t->lock);
	return 0;
}

void kstream_reader_page_free(struct kstream_reader *rd)
{
	if (rd->page_pg)
		__free_page(rd->page_pg);
}

static int kstream_mmap_reader_page(struct kstream_file *kf,
				    struct vm_area_struct *vma)
{
	int err;

	if (vma->vm_end - vma->vm_start != PAGE_SIZE)
		return -EINVAL;
	/* The kernel must see what the consumer writes. */
	if (!(vma->vm_flags & VM_SHARED))
		return -EINVAL;

	mutex_lock(&kf->lock);
	err = kstream_reader_page_get(kf);
	mutex_unlock(&kf->lock);
	if (err)
		return err;
	vm_flags_set(vma, VM_DONTEXPAND | VM_DONTDUMP);
	return vm_insert_page(vma, vma->vm_start, kf->reader.page_pg);
}

static int kstream_mmap_ring(struct kstream_file *kf,
			     struct vm_area_struct *vma)
{
	struct kstream_ring *ring = &kf->topic->ring;

	if (vma->vm_end - vma->vm_start != PAGE_SIZE + 2 * ring->size)
		return -EINVAL;
	if (vma->vm_flags & VM_WRITE)
		return -EPERM;
	vm_flags_clear(vma, VM_MAYWRITE);
	return remap_vmalloc_range(vma, ring->ctl, 0);
}

int kstream_mmap(struct kstream_file *kf, struct vm_area_struct *vma)
{
	switch (vma->vm_pgoff) {
	case 0:
		return kstream_mmap_reader_page(kf, vma);
	case 1:
		return kstream_mmap_ring(kf, vma);
	default:
		return -EINVAL;
	}
}
