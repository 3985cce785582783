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
 *
 * Revocation.  The ring is mapped page by page from the fault handler
 * (VM_PFNMAP, vmf_insert_pfn()), each fault checking the fd's file_mmap
 * decision (security.h) under map_sem.  get_user_pages() refuses VM_PFNMAP
 * vmas on every architecture, so the ring cannot be pinned (no io_uring
 * fixed buffer, vmsplice() or process_vm_readv() of it): no pin can outlive
 * a revocation.  When a grant is revoked, kstream_ring_unmap_all() zaps
 * every ring mapping of the topic with map_sem held for writing: no fault
 * that saw the old policy can install a page after that.  Readers that
 * still have the right fault their pages back in; a revoked reader gets
 * SIGBUS on its next access to the ring.  The cursor page is the reader's
 * own and stays mapped.
 *
 * The topic's address space.  Every fd of a topic maps the ring through
 * one inode of a private pseudo filesystem that the topic owns (open()
 * points the file's f_mapping at it, as DRM does for its devices), not
 * through the node it was opened by (the devtmpfs node, a node root made
 * with mknod): one unmap_mapping_range() reaches every mapping, and nothing
 * holds an inode the topic does not own.
 */

#include <linux/anon_inodes.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/init.h>
#include <linux/mm.h>
#include <linux/pseudo_fs.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>

#include "compat.h"
#include "file.h"
#include "mmap.h"
#include "security.h"
#include "topic.h"

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
	int err;

	if (vma->vm_pgoff || vma->vm_end - vma->vm_start != PAGE_SIZE)
		return -EINVAL;
	/* mmap_lock held: a denial is audited without waiting. */
	err = kstream_security_access_gfp(kf, KSTREAM_ACCESS_CONSUME,
					  GFP_NOWAIT);
	if (err)
		return err;
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

/*
 * The pseudo filesystem of the topics' address spaces, mounted while the
 * module is loaded.  Its type has no owner: a mount of a type holds the
 * type's module, and this one lives exactly as long as the module (it is
 * unmounted from module exit, after the last topic, and so the last of
 * its inodes, is gone: kstream_topic_wait_all()).
 */
#define KSTREAM_RING_FS_MAGIC	0x6b737472	/* "kstr" */

static struct vfsmount *kstream_ring_mnt;

static int kstream_ring_fs_init_fs_context(struct fs_context *fc)
{
	return init_pseudo(fc, KSTREAM_RING_FS_MAGIC) ? 0 : -ENOMEM;
}

static struct file_system_type kstream_ring_fs_type = {
	.name = "kstream_ring",
	.init_fs_context = kstream_ring_fs_init_fs_context,
	.kill_sb = kill_anon_super,
};

int __init kstream_ring_fs_init(void)
{
	kstream_ring_mnt = kern_mount(&kstream_ring_fs_type);
	return PTR_ERR_OR_ZERO(kstream_ring_mnt);
}

void kstream_ring_fs_exit(void)
{
	kern_unmount(kstream_ring_mnt);
}

int kstream_ring_maps_init(struct kstream_topic *t)
{
	struct inode *inode = alloc_anon_inode(kstream_ring_mnt->mnt_sb);

	if (IS_ERR(inode))
		return PTR_ERR(inode);
	t->map_inode = inode;
	return 0;
}

/* The topic is being freed: no mapping of its ring is left. */
void kstream_ring_maps_free(struct kstream_topic *t)
{
	if (t->map_inode)
		iput(t->map_inode);
}

/* open(): @file maps through the topic's address space. */
void kstream_ring_maps_attach(struct kstream_topic *t, struct file *file)
{
	file->f_mapping = t->map_inode->i_mapping;
}

/*
 * Take down every mapping of @t's ring: later accesses fault, and the
 * fault handler decides again.  Process context, no lock held.
 */
void kstream_ring_unmap_all(struct kstream_topic *t)
{
	down_write(&t->map_sem);
	unmap_mapping_range(t->map_inode->i_mapping, 0, 0, 1);
	up_write(&t->map_sem);
}

static vm_fault_t kstream_ring_fault(struct vm_fault *vmf)
{
	struct vm_area_struct *vma = vmf->vma;
	struct kstream_file *kf = vma->vm_file->private_data;
	struct kstream_topic *t = kf->topic;
	vm_fault_t ret = VM_FAULT_SIGBUS;

	if (vmf->pgoff >= 1 + 2 * (unsigned long)t->ring.nr_pages)
		return VM_FAULT_SIGBUS;
	down_read(&t->map_sem);
	/* mmap_lock held: a denial is audited without waiting. */
	if (!kstream_security_access_gfp(kf, KSTREAM_ACCESS_MMAP, GFP_NOWAIT))
		ret = vmf_insert_pfn(vma, vmf->address,
				     page_to_pfn(t->ring.pages[vmf->pgoff]));
	up_read(&t->map_sem);
	return ret;
}

static const struct vm_operations_struct kstream_ring_vm_ops = {
	.fault = kstream_ring_fault,
};

int kstream_mmap(struct kstream_file *kf, struct vm_area_struct *vma)
{
	struct kstream_topic *t = kf->topic;
	struct kstream_ring *ring = &t->ring;
	int err;

	if (vma->vm_pgoff ||
	    vma->vm_end - vma->vm_start != PAGE_SIZE + 2 * ring->size)
		return -EINVAL;
	if (vma->vm_flags & VM_WRITE)
		return -EPERM;
	err = kstream_security_access_gfp(kf, KSTREAM_ACCESS_MMAP, GFP_NOWAIT);
	if (err)
		return err;
	/*
	 * Populated by faults only: this vma is not yet reachable by
	 * kstream_ring_unmap_all(), so nothing may be mapped before every
	 * fault can be checked against a revocation.  VM_PFNMAP: the fault
	 * handler inserts the ring's pages by pfn, and get_user_pages()
	 * refuses the vma.  Without VM_MAYWRITE it is no COW mapping, which
	 * VM_PFNMAP requires.  The vma holds the file, which holds the topic
	 * and so the pages and the address space.
	 */
	vm_flags_clear(vma, VM_MAYWRITE);
	vm_flags_set(vma, VM_PFNMAP | VM_DONTEXPAND | VM_DONTDUMP);
	vma->vm_ops = &kstream_ring_vm_ops;
	return 0;
}
