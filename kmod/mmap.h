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
/* Module init/exit: the pseudo filesystem of the topics' address spaces. */
int kstream_ring_fs_init(void);
void kstream_ring_fs_exit(void);
/* Topic creation/release: the topic's address space (an inode of it). */
int kstream_ring_maps_init(struct kstream_topic *t);
void kstream_ring_maps_free(struct kstream_topic *t);
/* open(): the file maps the ring through the topic's address space. */
void kstream_ring_maps_attach(struct kstream_topic *t, struct file *file);

#endif /* _KSTREAM_MMAP_H */
