// SPDX-License-Identifier: GPL-2.0
/*
 * File operations of /dev/stream/<name>.
 *
 * An fd opened for reading is a reader with its own cursor (consume.c);
 * one opened for writing is a producer (publish.c); O_RDWR is both.  The
 * fd holds a reference to its topic, so a deleted topic lives on (without
 * its node) until its last fd is closed, and the module cannot be unloaded
 * while fds are open (the char device's owner is this module).
 *
 * Authorization (security.h): open() asks the file_open hook for what the
 * open mode needs; afterwards every operation that reads the topic checks
 * the fd's consume decision, writes check publish (at the ingress verdict,
 * publish.c) and mmap checks mmap, each against the credentials the fd
 * was opened with.  poll() reports a lost right as EPOLLERR.  After a
 * policy change, kstream_security_enforce() makes it bite on the open
 * files of the topic.
 *
 * May call: registry (open finds its topic), consume, publish, mmap,
 * dedup (producer ids) and security.  Locks: the fd's lock (flags, info),
 * the topic's recheck_lock (a reader's release against the recheck pass
 * of kstream_security_enforce()), the topic lock (info, the readers walk),
 * map_sem through mmap.  Order: recheck_lock -> topic lock.
 */

#include <linux/cred.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/poll.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <asm/ioctls.h>

#include "compat.h"
#include "consume.h"
#include "file.h"
#include "mmap.h"
#include "publish.h"
#include "registry.h"
#include "security.h"
#include "topic.h"

static int kstream_open(struct inode *inode, struct file *file)
{
	struct kstream_topic *t;
	struct kstream_file *kf;
	int err;

	t = kstream_topic_get_by_minor(iminor(inode));
	if (!t)
		return -ENODEV;

	kf = kzalloc(sizeof(*kf), GFP_KERNEL_ACCOUNT);
	if (!kf) {
		err = -ENOMEM;
		goto err_put;
	}
	mutex_init(&kf->lock);
	mutex_init(&kf->stage.lock);
	kf->topic = t;
	kf->file = file;

	err = kstream_security_file_open(kf);
	if (err)
		goto err_free;

	if (file->f_mode & FMODE_READ) {
		err = kstream_reader_attach(t, &kf->reader);
		if (err)
			goto err_free;
	}
	if (file->f_mode & FMODE_WRITE) {
		kf->producer.uid = file->f_cred->euid;
		kf->producer.gid = file->f_cred->egid;
		kf->producer.tgid = task_tgid_nr(current);
		/* Under the lock: TOPIC_SET's limits wait for no fd (topic.c). */
		spin_lock(&t->lock);
		atomic_inc(&t->nr_writers);
		spin_unlock(&t->lock);
	}

	file->private_data = kf;
	kstream_ring_maps_attach(t, file);
	/* Reads and writes honour IOCB_NOWAIT (io_uring). */
	file->f_mode |= FMODE_NOWAIT;
	return 0;

err_free:
	kfree(kf);
err_put:
	kstream_topic_put(t);
	return err;
}

static int kstream_release(struct inode *inode, struct file *file)
{
	struct kstream_file *kf = file->private_data;
	struct kstream_topic *t = kf->topic;

	if (file->f_mode & FMODE_READ) {
		/* Not while a recheck pass looks at this file (file.c, below). */
		mutex_lock(&t->sec.recheck_lock);
		kstream_reader_detach(t, &kf->reader);
		mutex_unlock(&t->sec.recheck_lock);
		kstream_reader_page_free(&kf->reader);
	}
	if (file->f_mode & FMODE_WRITE)
		atomic_dec(&t->nr_writers);
	kvfree(kf->stage.buf);
	mutex_destroy(&kf->stage.lock);
	mutex_destroy(&kf->lock);
	kfree(kf);
	kstream_topic_put(t);
	return 0;
}

static bool kstream_nonblock(struct kiocb *iocb)
{
	return (iocb->ki_filp->f_flags & O_NONBLOCK) ||
	       (iocb->ki_flags & IOCB_NOWAIT);
}

static ssize_t kstream_read_iter(struct kiocb *iocb, struct iov_iter *to)
{
	struct kstream_file *kf = iocb->ki_filp->private_data;

	if (!(iocb->ki_filp->f_mode & FMODE_READ))
		return -EBADF;
	return kstream_consume(kf, to, kstream_nonblock(iocb),
			       iocb->ki_flags & IOCB_NOWAIT);
}

static ssize_t kstream_write_iter(struct kiocb *iocb, struct iov_iter *from)
{
	struct kstream_file *kf = iocb->ki_filp->private_data;

	if (!(iocb->ki_filp->f_mode & FMODE_WRITE))
		return -EBADF;
	return kstream_publish(kf, from, kstream_nonblock(iocb));
}

static __poll_t kstream_poll(struct file *file, poll_table *wait)
{
	struct kstream_file *kf = file->private_data;
	struct kstream_topic *t = kf->topic;
	__poll_t mask = 0;
	bool dead;

	if (file->f_mode & FMODE_READ)
		poll_wait(file, &kf->reader.wq, wait);
	if (file->f_mode & FMODE_WRITE)
		poll_wait(file, &t->wwq, wait);

	dead = READ_ONCE(t->dead);
	if (dead)
		mask |= EPOLLHUP;
	/*
	 * Deleted topics are readable: the rest of the data, then EOF.  A
	 * reader with nothing to read is armed for the next commit.
	 */
	if ((file->f_mode & FMODE_READ) && kstream_reader_arm(t, &kf->reader))
		mask |= EPOLLIN | EPOLLRDNORM;
	/* An idempotent producer's records carry their origin too. */
	if ((file->f_mode & FMODE_WRITE) && !dead &&
	    kstream_writable(t, KSTREAM_REC_SIZE(t->msg_max +
						 (READ_ONCE(kf->prod.id) ?
						  sizeof(struct kstream_msg_origin) : 0))))
		mask |= EPOLLOUT | EPOLLWRNORM;
	/* A right the fd was opened with was revoked: its calls fail. */
	if (((file->f_mode & FMODE_READ) &&
	     !kstream_security_may(kf, KSTREAM_ACCESS_CONSUME)) ||
	    ((file->f_mode & FMODE_WRITE) &&
	     !kstream_security_may(kf, KSTREAM_ACCESS_PUBLISH)))
		mask |= EPOLLERR;
	return mask;
}

static long kstream_info(struct kstream_file *kf, void __user *arg)
{
	struct kstream_topic *t = kf->topic;
	struct kstream_fd_info info;

	memset(&info, 0, sizeof(info));
	if (mutex_lock_interruptible(&kf->lock))
		return -ERESTARTSYS;
	info.next_seq = kstream_reader_next_seq(t, &kf->reader);
	info.lost = kstream_reader_lost(&kf->reader);
	info.flags = kf->flags;
	mutex_unlock(&kf->lock);
	info.ring_size = t->ring.size;
	info.msg_max = t->msg_max;
	info.policy = t->policy;
	spin_lock(&t->lock);
	info.head_seq = t->ring.ctl->head_seq;
	info.tail_seq = t->ring.ctl->tail_seq;
	spin_unlock(&t->lock);
	return copy_to_user(arg, &info, sizeof(info)) ? -EFAULT : 0;
}

/* KSTREAM_IOC_SET_PRODUCER: writers whose opener may publish. */
static long kstream_ioc_set_producer(struct kstream_file *kf, void __user *arg)
{
	struct kstream_producer p;
	int err;

	if (!(kf->file->f_mode & FMODE_WRITE))
		return -EBADF;
	if (copy_from_user(&p, arg, sizeof(p)))
		return -EFAULT;
	err = kstream_security_access(kf, KSTREAM_ACCESS_PUBLISH);
	if (err)
		return err;
	return kstream_dedup_set_producer(kf, &p);
}

/*
 * KSTREAM_IOC_PRODUCER_SEQ: any fd whose opener still has the right it
 * was opened with (subscribe for readers, publish for writers).
 */
static long kstream_ioc_producer_seq(struct kstream_file *kf, void __user *arg)
{
	struct kstream_producer_query q;
	int err;

	if (copy_from_user(&q, arg, sizeof(q)))
		return -EFAULT;
	if (!q.id || q.flags || q.pad)
		return -EINVAL;
	err = kstream_security_access(kf, kf->file->f_mode & FMODE_READ ?
				      KSTREAM_ACCESS_CONSUME :
				      KSTREAM_ACCESS_PUBLISH);
	if (err)
		return err;
	q.flags = kstream_dedup_query_flags(kf, q.id, &q.last_seq);
	return copy_to_user(arg, &q, sizeof(q)) ? -EFAULT : 0;
}

static long kstream_ioctl(struct file *file, unsigned int cmd,
			  unsigned long arg)
{
	struct kstream_file *kf = file->private_data;
	void __user *uarg = (void __user *)arg;
	bool reader = file->f_mode & FMODE_READ;
	u32 flags, len;
	int err;

	/* What reads the topic needs the right to consume it. */
	switch (cmd) {
	case FIONREAD:
	case KSTREAM_IOC_INFO:
	case KSTREAM_IOC_CURSOR_FD:
		if (!reader)
			return -EBADF;
		err = kstream_security_access(kf, KSTREAM_ACCESS_CONSUME);
		if (err)
			return err;
		break;
	}

	switch (cmd) {
	case FIONREAD:
		err = kstream_next_len(kf, &len);
		if (err)
			return err;
		return put_user((int)len, (int __user *)uarg);
	case KSTREAM_IOC_INFO:
		return kstream_info(kf, uarg);
	case KSTREAM_IOC_SET_FLAGS:
		if (get_user(flags, (u32 __user *)uarg))
			return -EFAULT;
		if (flags & ~KSTREAM_FD_FLAGS_ALL)
			return -EINVAL;
		if (mutex_lock_interruptible(&kf->lock))
			return -ERESTARTSYS;
		/* write() reads KSTREAM_FD_BATCH without the lock. */
		WRITE_ONCE(kf->flags, flags);
		mutex_unlock(&kf->lock);
		return 0;
	case KSTREAM_IOC_GET_FLAGS:
		return put_user(READ_ONCE(kf->flags), (u32 __user *)uarg);
	case KSTREAM_IOC_WAKEUP:
		if (!reader)
			return -EBADF;
		kstream_wake_writers(kf->topic);
		return 0;
	case KSTREAM_IOC_SET_WAKEUP:
		if (!reader)
			return -EBADF;
		if (get_user(len, (u32 __user *)uarg))
			return -EFAULT;
		return kstream_set_wakeup(kf, len, 0);
	case KSTREAM_IOC_SET_WAKEUP_DELAY: {
		struct kstream_wakeup w;

		if (!reader)
			return -EBADF;
		if (copy_from_user(&w, uarg, sizeof(w)))
			return -EFAULT;
		return kstream_set_wakeup(kf, w.bytes, w.max_delay_us);
	}
	case KSTREAM_IOC_CURSOR_FD:
		return kstream_cursor_fd(file);
	case KSTREAM_IOC_SET_PRODUCER:
		return kstream_ioc_set_producer(kf, uarg);
	case KSTREAM_IOC_PRODUCER_SEQ:
		return kstream_ioc_producer_seq(kf, uarg);
	default:
		return -ENOTTY;
	}
}

static int kstream_mmap_op(struct file *file, struct vm_area_struct *vma)
{
	/* Only readers map: a producer-only fd may not see the ring. */
	if (!(file->f_mode & FMODE_READ))
		return -EACCES;
	return kstream_mmap(file->private_data, vma);
}

static loff_t kstream_llseek(struct file *file, loff_t off, int whence)
{
	int err;

	if (!(file->f_mode & FMODE_READ))
		return -ESPIPE;
	err = kstream_security_access(file->private_data,
				      KSTREAM_ACCESS_CONSUME);
	if (err)
		return err;
	return kstream_seek(file->private_data, off, whence);
}

const struct file_operations kstream_fops = {
	.owner = THIS_MODULE,
	.open = kstream_open,
	.release = kstream_release,
	.read_iter = kstream_read_iter,
	.write_iter = kstream_write_iter,
	.poll = kstream_poll,
	.unlocked_ioctl = kstream_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
	.llseek = kstream_llseek,
	.mmap = kstream_mmap_op,
};

/* ------------------------------------------- policy changes on open fds */

/*
 * Decide again, for every reader of @t, whether it may subscribe, and
 * mark those that may not as revoked: kstream_min_reader_pos() skips
 * them, so a reader that lost its right cannot stall a block topic.
 *
 * Nothing here can fail, so no revocation is ever skipped: the readers are
 * linked into the pass through a node of their own (kstream_file.recheck),
 * nothing is allocated, and no file reference is taken.  The hooks run
 * outside the topic lock (they may ask for capabilities, which may audit),
 * on files that stay alive because a reader leaves the list only under
 * the topic's recheck_lock (kstream_release()), which the pass holds.  A
 * decision older than the one recorded is dropped.
 */
static void kstream_recheck_readers(struct kstream_topic *t)
{
	struct kstream_reader *rd;
	struct kstream_file *kf;
	LIST_HEAD(pass);
	unsigned long gen;

	mutex_lock(&t->sec.recheck_lock);
	spin_lock(&t->lock);
	list_for_each_entry(rd, &t->readers, node) {
		kf = container_of(rd, struct kstream_file, reader);
		list_add_tail(&kf->recheck, &pass);
	}
	spin_unlock(&t->lock);

	/* Readers that come now start allowed, at this generation or later. */
	gen = atomic_long_read_acquire(&t->sec.gen);
	list_for_each_entry(kf, &pass, recheck)
		kf->recheck_allowed = kstream_security_may(kf,
							   KSTREAM_ACCESS_CONSUME);

	spin_lock(&t->lock);
	list_for_each_entry(kf, &pass, recheck) {
		rd = &kf->reader;
		if (gen < rd->revoked_gen)
			continue;
		rd->revoked_gen = gen;
		rd->revoked = !kf->recheck_allowed;
	}
	spin_unlock(&t->lock);
	mutex_unlock(&t->sec.recheck_lock);
}

void kstream_security_enforce(struct kstream_topic *t, bool revoked)
{
	struct kstream_reader *rd;

	kstream_recheck_readers(t);
	if (!revoked)
		return;
	/* Blocked readers and pollers re-check (see kstream_consume()). */
	spin_lock(&t->lock);
	list_for_each_entry(rd, &t->readers, node)
		wake_up_interruptible_poll(&rd->wq, EPOLLERR);
	spin_unlock(&t->lock);
	/*
	 * Producers waiting for room re-check too (kstream_commit()), and
	 * may find room that revoked readers no longer hold.
	 */
	wake_up_interruptible_poll(&t->wwq, EPOLLERR | EPOLLOUT);
	/* Ring mappings refault through the file_mmap check. */
	kstream_ring_unmap_all(t);
}
