/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Module parameters (params.c).  A leaf: it calls nothing.  Read them with
 * READ_ONCE(): the writable ones change whenever root writes them, and
 * creator_gid whenever KSTREAM_CMD_CONFIG_SET changes it.
 */
#ifndef _KSTREAM_PARAMS_H
#define _KSTREAM_PARAMS_H

extern unsigned int kstream_max_topics;
extern unsigned long kstream_max_ring_memory;
extern unsigned int kstream_max_readers;
extern unsigned int kstream_max_producers;
extern int kstream_creator_gid;

/* KSTREAM_CMD_CONFIG_SET (caller checked): the new creator gid; the old. */
int kstream_creator_gid_set(int gid);

void kstream_params_init(void);

#endif /* _KSTREAM_PARAMS_H */
