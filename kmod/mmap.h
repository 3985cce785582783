/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Zero-copy readers (mmap.c): the ring mapping, the cursor page and its
 * fd, and the take-down of a topic's ring mappings after a revocation.
 */
#ifndef _KSTREAM_MMAP_H
#define _KSTREAM_MMAP_H

struct file;
struct kstream_file;
struct kstream_reader;
struct kstream_topic;
struct vm_area_struct;

int kstream_mmap(struct kstream_file *kf, struct vm_area_struct *vma);
int kstream_cursor_fd(struct file *file);
void kstream_reader_page_free(struct kstream_reader *rd);
/* Process context, no lock held: zap every mapping of @t's ring. */
void kstream_ring_unmap_all(struct kstream_topic *t);
/* The topic is being freed: drop the inodes its ring was mapped through. */
void kstream_ring_maps_free(struct kstream_topic *t);

#endif /* _KSTREAM_MMAP_H */
