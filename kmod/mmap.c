// SPDX-License-Identifier: GPL-2.0
/*
 * Zero-copy readers: mmap of a topic and of a reader's cursor page.
 *
 * The topic fd maps the ring (control page, then the data mapped twice:
 * PAGE_SIZE + 2 * size bytes) read-only for good: VM_MAYWRITE is cleared
 * so mprotect() cannot add write.
 *
 * The cursor page is written by the consumer, so it needs a shared
 * writable mapping, which the VFS only grants on an fd open for writing;
 * the topic fd of a reader is not (and must not need to be: write access
 * to the node means publish rights).  KSTREAM_IOC_CURSOR_FD hands out an
 * anonymous O_RDWR fd for the reader's cursor page instead, as perf and
 * io_uring do for their rings.  It holds a reference to the topic file.
 *
 * A mapping holds its file, the file its topic: the ring and the cursor
 * page outlive a deleted topic until the last mapping and fd are gone.
 */

#include <linux/anon_inodes.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/mm.h>
#include <linux/vmalloc.h>

#include "compat.h"
#include "kstream.h"

/*
 * The reader's cursor page, allocated on first use; the cursor moves into
 * it.  File lock held.
 */
static int kstream_cursor_page_get(struct kstream_file *kf)
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

	/* Under the topic lock, where producers of block topics read it. */
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

static int kstream_cursor_mmap(struct file *file, struct vm_area_struct *vma)
{
	struct file *topic_file = file->private_data;
	struct kstream_file *kf = topic_file->private_data;

	if (vma->vm_pgoff || vma->vm_end - vma->vm_start != PAGE_SIZE)
		return -EINVAL;
	/* The kernel must see what the consumer writes. */
	if (!(vma->vm_flags & VM_SHARED))
		return -EINVAL;
	vm_flags_set(vma, VM_DONTEXPAND | VM_DONTDUMP);
	return vm_insert_page(vma, vma->vm_start, kf->reader.page_pg);
}

static int kstream_cursor_release(struct inode *inode, struct file *file)
{
	fput(file->private_data);
	return 0;
}

static const struct file_operations kstream_cursor_fops = {
	.owner = THIS_MODULE,
	.mmap = kstream_cursor_mmap,
	.release = kstream_cursor_release,
};

/* KSTREAM_IOC_CURSOR_FD: a new fd mapping the cursor page of @file. */
int kstream_cursor_fd(struct file *file)
{
	struct kstream_file *kf = file->private_data;
	int fd, err;

	mutex_lock(&kf->lock);
	err = kstream_cursor_page_get(kf);
	mutex_unlock(&kf->lock);
	if (err)
		return err;

	get_file(file);
	fd = anon_inode_getfd("[kstream-cursor]", &kstream_cursor_fops, file,
			      O_RDWR | O_CLOEXEC);
	if (fd < 0)
		fput(file);
	return fd;
}

int kstream_mmap(struct kstream_file *kf, struct vm_area_struct *vma)
{
	struct kstream_ring *ring = &kf->topic->ring;

	if (vma->vm_pgoff ||
	    vma->vm_end - vma->vm_start != PAGE_SIZE + 2 * ring->size)
		return -EINVAL;
	if (vma->vm_flags & VM_WRITE)
		return -EPERM;
	vm_flags_clear(vma, VM_MAYWRITE);
	return remap_vmalloc_range(vma, ring->ctl, 0);
}
