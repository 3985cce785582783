/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Internal interfaces between the parts of kstream.ko.
 *
 * Locking (Documentation/design.rst has the full story):
 *
 *   kstream_topics_lock (mutex, topic.c)
 *     The topic registry: creation, deletion, lookup by name or minor,
 *     dumps, the topic count.  Control plane only; may sleep.
 *
 *   kstream_file.lock (mutex, per open file)
 *     Serialises the cursor operations of one fd (read, lseek, ioctl), so
 *     threads sharing an fd see one cursor.  Never held while waiting.
 *
 *   kstream_topic.lock (spinlock_t, per topic)
 *     Producers' commit section (room, eviction, sequence, timestamp, copy
 *     of at most msg_max bytes from kernel memory, publication of head),
 *     the readers list and the dead flag.  Never taken from interrupt
 *     context, never held across anything that sleeps on !PREEMPT_RT.  On
 *     PREEMPT_RT it is a sleeping lock: nothing in kstream runs with
 *     preemption or interrupts disabled, and there are no raw spinlocks.
 *
 *   kstream_topic.map_sem (rw_semaphore, per topic)
 *     Ring faults (read) against the take-down of every ring mapping
 *     after a revocation (write), and the list of inodes the ring is
 *     mapped through.  Taken under mmap_lock by faults and mmap().
 *
 * The ingress filter of a topic (bpf.c) is an RCU-protected pointer,
 * changed under kstream_topics_lock, read by producers under
 * rcu_read_lock() only.
 *
 *   Order: kstream_topics_lock -> kstream_file.lock -> kstream_topic.lock;
 *   mmap_lock -> kstream_topic.map_sem -> i_mmap_rwsem.
 *
 * The ACL of a topic is RCU-protected; it changes under kstream_topics_lock
 * (acl.c).
 * Readers never take the topic lock to read messages: they validate what
 * they copied against the ring's tail (ring.c explains the protocol).
 */
#ifndef _KSTREAM_H
#define _KSTREAM_H

#include <linux/device.h>
#include <linux/hrtimer.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/rcupdate.h>
#include <linux/ratelimit.h>
#include <linux/rwsem.h>
#include <linux/spinlock.h>
#include <linux/types.h>
#include <linux/uio.h>
#include <linux/wait.h>
#include <linux/kstream.h>

#include "compat.h"
#include "security.h"

/* ring.c: the message ring. */
struct kstream_ring {
	/*
	 * The control page, shared read-only with mmap readers.  Its byte
	 * positions grow monotonically and never wrap (2^64 bytes); pos &
	 * mask is the offset in data.  Written under the topic lock:
	 * head: end of the newest committed record (smp_store_release).
	 * tail: start of the oldest retained record (WRITE_ONCE, then
	 *       smp_wmb() before the space is reused).
	 * head_seq, tail_seq: sequences of the next and the oldest record.
	 */
	struct kstream_ring_ctl *ctl;
	void *data;		/* ctl + PAGE_SIZE: size bytes, mapped twice */
	struct page **pages;	/* ctl page, data pages, data pages again */
	unsigned int nr_pages;	/* data pages */
	u64 size;		/* power of two (also in ctl) */
	u64 mask;		/* size - 1 */
};

int kstream_ring_alloc(struct kstream_ring *ring, u32 size, u32 msg_max,
		       u32 policy);
void kstream_ring_free(struct kstream_ring *ring);

static inline void *kstream_ring_ptr(const struct kstream_ring *ring, u64 pos)
{
	return ring->data + (pos & ring->mask);
}

#define KSTREAM_HDR_SIZE sizeof(struct kstream_msg_hdr)

/* One reader fd's cursor; lives in struct kstream_file. */
struct kstream_reader {
	struct list_head node;	/* topic->readers, under topic->lock */
	/*
	 * *posp is the position of the next record to read: &pos, or the
	 * pos field of the reader page once it is mapped (then userspace
	 * writes it and it is untrusted: see kstream_cursor()).  Advanced
	 * with smp_store_release() after the copy out is done; producers of
	 * block topics read it with smp_load_acquire() under the topic
	 * lock.  The kernel moves it backwards (lseek) only under that lock.
	 */
	u64 *posp;
	u64 pos;
	struct kstream_reader_page *page;	/* mapped reader page or NULL */
	struct page *page_pg;
	u64 next_seq;		/* sequence expected next (file lock) */
	u64 lost;		/* messages lost to overwrite (file lock) */
	u64 delivered;		/* messages read() gave it (file lock) */
	u64 lost_base;		/* page->lost at the last stats reset (lock) */
	pid_t pid;		/* process that opened it (tgid) */
	wait_queue_head_t wq;	/* this reader waiting for data */
	bool armed;		/* wake on the next commit (topic lock) */
	/*
	 * Wakeup coalescing (KSTREAM_IOC_SET_WAKEUP; topic lock): an armed
	 * reader is woken once this many record bytes wait at its cursor,
	 * 0 = by every commit.  At most half the ring.
	 */
	u32 wake_bytes;
	/*
	 * Its bound (KSTREAM_IOC_SET_WAKEUP_DELAY; topic lock), 0 = none:
	 * the first commit that leaves an armed reader asleep under its
	 * threshold starts wake_timer, which wakes it wake_delay_ns later
	 * whatever is pending.  The timer only wakes: the woken reader
	 * re-checks (kstream_reader_arm()) as after any wakeup.
	 */
	u64 wake_delay_ns;
	struct hrtimer wake_timer;
	/*
	 * The fd lost its right to subscribe (topic lock): it no longer
	 * holds a block topic's producers back.  revoked_gen is the policy
	 * generation that decision was taken at.
	 */
	bool revoked;
	unsigned long revoked_gen;
};

/* Kinds of refused publishes, counted per topic. */
enum kstream_err {
	KSTREAM_ERR_EMPTY,
	KSTREAM_ERR_TOO_BIG,
	KSTREAM_ERR_FULL,
	KSTREAM_ERR_INTR,
	KSTREAM_ERR_FAULT,
	KSTREAM_ERR_GONE,
	KSTREAM_ERR_NR
};

struct kstream_pcpu_stats;

struct kstream_topic {
	struct device dev;	/* refcount of the topic; devtmpfs node */
	char name[KSTREAM_NAME_MAX];
	u32 id;			/* minor number */

	/* Configuration, fixed at creation. */
	u32 msg_max;
	enum kstream_policy policy;
	umode_t mode;
	kuid_t uid;
	kgid_t gid;

	/* Authorization: the ACL (acl.c) and the hook layer's state. */
	struct kstream_acl __rcu *acl;
	struct kstream_topic_sec sec;
	struct rw_semaphore map_sem;	/* ring faults vs. take-down */
	struct list_head map_inodes;	/* map_sem: inodes mapped through */

	spinlock_t lock;		/* commit section, readers, dead */
	struct kstream_ring ring;
	struct list_head readers;	/* lock */
	unsigned int nr_readers;	/* lock */
	unsigned int nr_armed;		/* readers to wake on commit; lock */
	unsigned int nr_writers_waiting;	/* block producers; lock */
	bool wpoll_armed;		/* a poller waits for room; lock */
	atomic_t nr_writers;
	bool dead;		/* set under lock, read with READ_ONCE */

	wait_queue_head_t wwq;	/* block-policy producers waiting for room */

#ifdef KSTREAM_HAVE_BPF_INGRESS
	/* Ingress filter (bpf.c); set under kstream_topics_lock. */
	struct kstream_filter __rcu *filter;
#endif

	/* Statistics (stats.c). */
	u64 published;		/* lock */
	u64 published_bytes;	/* lock */
	/* Dropped by the ingress verdict, by enum kstream_ingress_verdict. */
	atomic64_t dropped[KSTREAM_INGRESS_MAX + 1];
	atomic64_t lost;
	atomic64_t errors[KSTREAM_ERR_NR];
	struct kstream_pcpu_stats __percpu *pcpu;
	struct ratelimit_state lap_rs;	/* lap events */
	atomic64_t lap_pending;		/* lost in laps not yet announced */

	u32 ring_charged;	/* bytes counted against max_ring_memory */
};

static inline struct kstream_topic *to_topic(struct device *dev)
{
	return container_of(dev, struct kstream_topic, dev);
}

/*
 * Who opened a file for writing, as the ingress verdict sees its
 * messages: the file's credentials (f_cred) and the opener's process.
 */
struct kstream_producer {
	kuid_t uid;		/* f_cred->euid */
	kgid_t gid;		/* f_cred->egid */
	pid_t tgid;		/* opener's thread group, initial pid namespace */
};

/* Per open file of a topic. */
/*
 * A producer fd's staging buffer for messages too big for the stack,
 * kept and reused: allocating (and, with init_on_alloc, zeroing) one per
 * message cost more than copying it.  Whoever holds @lock uses it; a
 * concurrent writer on the same fd allocates its own (publish.c).
 */
struct kstream_stage {
	struct mutex lock;	/* held while a writer uses buf */
	void *buf;
	size_t size;
};

struct kstream_file {
	struct kstream_topic *topic;	/* holds a reference */
	struct file *file;		/* ours; f_cred is the fd's subject */
	struct kstream_file_sec sec;	/* cached decisions (security.c) */
	struct mutex lock;
	u32 flags;			/* KSTREAM_FD_*, under lock */
	struct kstream_reader reader;	/* when opened for reading */
	struct kstream_producer producer;	/* set at open, then constant */
	struct kstream_stage stage;
};

static inline unsigned long kstream_sec_gen(const struct kstream_topic *t)
{
	return atomic_long_read(&t->sec.gen);
}

/*
 * May the fd @kf do @a?  0 or -EACCES.  The hot path: two loads and a
 * compare while the policy of the topic has not changed since the fd's
 * last decision.  May sleep otherwise (the policies are asked, a denial
 * audited, with @gfp).
 */
static inline int kstream_security_access_gfp(struct kstream_file *kf,
					      enum kstream_access a, gfp_t gfp)
{
	unsigned long want = (kstream_sec_gen(kf->topic) << 1) | 1;

	if (likely(READ_ONCE(kf->sec.cache[a]) == want))
		return 0;
	return kstream_security_access_slow(kf, a, gfp);
}

static inline int kstream_security_access(struct kstream_file *kf,
					  enum kstream_access a)
{
	return kstream_security_access_gfp(kf, a, GFP_KERNEL);
}

/* Has the policy changed since the fd's last decision about @a? */
static inline bool kstream_security_stale(struct kstream_file *kf,
					  enum kstream_access a)
{
	return READ_ONCE(kf->sec.cache[a]) >> 1 != kstream_sec_gen(kf->topic);
}

/* main.c: module parameters. */
extern unsigned int kstream_max_topics;
extern unsigned long kstream_max_ring_memory;
extern unsigned int kstream_max_readers;
extern int kstream_creator_gid;

/* chardev.c: class "stream", char major, /dev/stream/ nodes. */
int kstream_chrdev_init(void);
void kstream_chrdev_exit(void);
void kstream_topic_device_init(struct kstream_topic *t);
dev_t kstream_topic_devt(u32 id);
struct posix_acl;
int kstream_node_set_acl(struct kstream_topic *t, struct posix_acl *acl);

/* topic.c: the topic registry and topic lifetime. */
struct kstream_topic_config {
	const char *name;
	u32 ring_size;
	u32 msg_max;
	enum kstream_policy policy;
	umode_t mode;
	kuid_t uid;
	kgid_t gid;
	kuid_t admin_uid;	/* an initial ACL admin entry, or INVALID_UID */
};

struct netlink_ext_ack;
struct kstream_topic *
kstream_topic_create(const struct kstream_topic_config *cfg,
		     struct netlink_ext_ack *extack);
void kstream_topic_unregister(struct kstream_topic *t);
void kstream_topic_delete_all(void);
struct kstream_topic *kstream_topic_get_by_minor(unsigned int minor);
void kstream_topic_put(struct kstream_topic *t);
void kstream_topic_release(struct kstream_topic *t);
void kstream_topics_lock(void);
void kstream_topics_unlock(void);
bool kstream_topics_held(void);
struct kstream_topic *kstream_topic_find(const char *name);
struct kstream_topic *kstream_topic_next(unsigned long *id);
bool kstream_topic_name_valid(const char *name);

/* stats.c: counters, latency histogram, lag, reset, sysfs. */
struct kstream_topic_stats {
	u64 published, published_bytes, delivered, delivered_bytes;
	u64 dropped, lost, errors[KSTREAM_ERR_NR];
	u64 readers, writers, head_seq, tail_seq, ring_used;
	u64 dropped_filter, dropped_sample, dropped_ratelimit;
	u64 max_lag, max_lag_bytes;
	u64 latency[KSTREAM_LAT_BUCKETS];
	u64 denied;
};

struct kstream_reader_stats {
	pid_t pid;
	bool mapped;
	u64 delivered, lost, lag, lag_bytes;
};

/* What one read() delivered, counted once the copy is known good. */
struct kstream_delivery {
	u64 now_ns;
	u32 msgs;
	u64 bytes;
	u32 latency[KSTREAM_LAT_BUCKETS];
};

int kstream_stats_init(struct kstream_topic *t);
void kstream_stats_free(struct kstream_topic *t);
void kstream_delivery_add(struct kstream_delivery *d, u64 ts_ns, u32 len);
void kstream_stats_delivered(struct kstream_topic *t, struct kstream_reader *rd,
			     const struct kstream_delivery *d);
int kstream_stats_error(struct kstream_topic *t, int err);
void kstream_topic_stats(struct kstream_topic *t,
			 struct kstream_topic_stats *st);
struct kstream_reader_visitor {
	int (*fn)(void *arg, const struct kstream_reader_stats *rs);
	void *arg;
};

int kstream_visit_readers(struct kstream_topic *t,
			  const struct kstream_reader_visitor *v);
void kstream_stats_reset(struct kstream_topic *t);
extern const struct attribute_group *kstream_topic_groups[];

/* acl.c: the default security policy. */
extern const struct kstream_security_ops kstream_acl_policy;
int kstream_acl_init(struct kstream_topic *t,
		     const struct kstream_topic_config *cfg);
void kstream_acl_free(struct kstream_topic *t);
unsigned int kstream_acl_snapshot(struct kstream_topic *t,
				  struct kstream_acl_entry *out);
int kstream_acl_change(struct kstream_topic *t,
		       const struct kstream_topic_change *c, bool *changed,
		       bool *revoked, struct netlink_ext_ack *extack);

/* publish.c: the write path. */
ssize_t kstream_publish(struct kstream_file *kf, struct iov_iter *from,
			bool nonblock);
bool kstream_writable(struct kstream_topic *t, u64 need);

/* consume.c: the read path. */
int kstream_reader_attach(struct kstream_topic *t, struct kstream_reader *rd);
void kstream_reader_detach(struct kstream_topic *t, struct kstream_reader *rd);
ssize_t kstream_consume(struct kstream_file *kf, struct iov_iter *to,
			bool nonblock);
loff_t kstream_seek(struct kstream_file *kf, loff_t off, int whence);
int kstream_next_len(struct kstream_file *kf, u32 *len);
int kstream_set_wakeup(struct kstream_file *kf, u32 bytes, u32 delay_us);
bool kstream_reader_arm(struct kstream_topic *t, struct kstream_reader *rd);
void kstream_wake_readers(struct kstream_topic *t, bool all);
void kstream_wake_writers(struct kstream_topic *t);
u64 kstream_reader_lost(struct kstream_reader *rd);
u64 kstream_reader_page_lost(struct kstream_reader *rd);
u64 kstream_reader_next_seq(struct kstream_topic *t, struct kstream_reader *rd);
u64 kstream_reader_seq_locked(struct kstream_topic *t, struct kstream_reader *rd,
			      u64 pos);

/* mmap.c: zero-copy readers. */
int kstream_mmap(struct kstream_file *kf, struct vm_area_struct *vma);
int kstream_cursor_fd(struct file *file);
void kstream_reader_page_free(struct kstream_reader *rd);
void kstream_ring_unmap_all(struct kstream_topic *t);
void kstream_ring_maps_free(struct kstream_topic *t);

/* file.c: file operations of /dev/stream/<name>. */
extern const struct file_operations kstream_fops;

/*
 * bpf.c: eBPF ingress filters (struct_ops kstream_ingress_ops).  All but
 * kstream_filter_run(), kstream_filter_attached() and
 * kstream_topic_filter_name() need the registry lock held.  Without
 * KSTREAM_HAVE_BPF_INGRESS the requests fail with EOPNOTSUPP.
 */
struct kstream_filter;

void kstream_bpf_init(void);
/* 0, or -EOPNOTSUPP with an extack message naming the kernel needed. */
int kstream_filter_supported(struct netlink_ext_ack *extack);
/*
 * Registry locked, @t live and the caller past topic_configure: attach
 * @filter to @t (replacing its filter) or detach @t's filter.  0 or
 * -ENOENT with an extack message.  *@sync is set when a filter that was
 * attached may still be judging messages: once unlocked, synchronize_rcu()
 * makes sure none does.
 */
int kstream_filter_attach(struct kstream_topic *t, const char *filter,
			  bool *sync, struct netlink_ext_ack *extack);
int kstream_filter_detach(struct kstream_topic *t, bool *sync,
			  struct netlink_ext_ack *extack);
/* Registry locked: next registered filter with id >= *@id, or NULL. */
struct kstream_filter *kstream_filter_next(unsigned long *id);
/* Registry locked: the registered filter named @name, or NULL. */
struct kstream_filter *kstream_filter_find(const char *name);
const char *kstream_filter_name(const struct kstream_filter *f);
u32 kstream_filter_id(const struct kstream_filter *f);
/* Registry locked: is @f attached to @t? */
bool kstream_filter_of(struct kstream_topic *t, const struct kstream_filter *f);
/* Copy the name of @t's filter to @name; false if it has none. */
bool kstream_topic_filter_name(struct kstream_topic *t,
			       char name[KSTREAM_NAME_MAX]);
/* Registry locked: @t is being deleted, detach its filter. */
void kstream_topic_filter_clear(struct kstream_topic *t);
enum kstream_ingress_verdict
kstream_filter_run(struct kstream_topic *t,
		   const struct kstream_producer *producer,
		   const void *data, u32 len);

/* The whole cost of ingress filtering for a topic without one. */
static inline bool kstream_filter_attached(struct kstream_topic *t)
{
#ifdef KSTREAM_HAVE_BPF_INGRESS
	return rcu_access_pointer(t->filter);
#else
	return false;
#endif
}

/* netlink.c: generic netlink family "kstream". */
int kstream_genl_init(void);
void kstream_genl_exit(void);
void kstream_notify(struct kstream_topic *t, enum kstream_event event,
		    u64 lost, pid_t pid);
void kstream_notify_lapped(struct kstream_topic *t, u64 lost);

#endif /* _KSTREAM_H */
