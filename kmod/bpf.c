// SPDX-License-Identifier: GPL-2.0
/*
 * eBPF ingress filters: the struct_ops type kstream_ingress_ops, the
 * registry of filters, binding filters to topics, the verdict call and the
 * kfuncs verdict programs use to look at a message.
 *
 * A filter is a struct_ops map of type kstream_ingress_ops: a verdict
 * program and a name.  Registering the map (a struct_ops link, or a map
 * update without BPF_F_LINK) calls kstream_ops_reg(), which gives it an
 * entry (struct kstream_filter) in kstream_filters, an xarray by id; names
 * are unique.  A topic points at the entry of its filter with an RCU
 * pointer (topic->filter).  The registry and every topic's pointer change
 * only under kstream_topics_lock (attach, detach, topic deletion,
 * registration, unregistration); producers read the pointer under
 * rcu_read_lock() and call the program, without any lock.
 *
 * Unregistering detaches the filter from every topic that has it, waits
 * for a grace period (so no producer still runs it) and frees the entry;
 * BPF frees the map after another grace period.  The map holds a
 * reference on this module until it is freed, so the module cannot be
 * unloaded while a filter is registered, attached or not.
 *
 * Verdict programs run in process context, with migration disabled by
 * their trampoline and inside our RCU read-side section, so they must not
 * sleep (sleepable programs are refused).  They see the message through
 * the kfuncs below and cannot write it: the payload kfunc returns
 * read-only memory the verifier bounds.
 *
 * May call: the registry (its lock, the topics).  Locks: the registry
 * lock for everything but the verdict, which runs under RCU only.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/netlink.h>

#include "bpf.h"
#include "file.h"
#include "registry.h"
#include "topic.h"

#define KSTREAM_BPF_UNSUPPORTED \
	"eBPF ingress filters need Linux 6.9 or later (struct_ops from modules)"

#ifdef KSTREAM_HAVE_BPF_INGRESS

#include <linux/bpf.h>
#include <linux/bpf_verifier.h>
#include <linux/btf.h>
#include <linux/btf_ids.h>
#include <linux/cred.h>
#include <linux/slab.h>
#include <linux/timekeeping.h>
#include <linux/xarray.h>

#include "kfuncs.h"

/*
 * One message on its way into a topic, as a verdict program gets it.
 * Programs read it only through the bpf_kstream_*() kfuncs; the layout is
 * not ABI.
 */
struct kstream_ingress_ctx {
	struct kstream_topic *topic;
	const struct kstream_producer_cred *producer;
	const void *data;
	u32 len;
	u32 reason;		/* bpf_kstream_set_reason() */
	u64 ingress_ns;		/* CLOCK_REALTIME; 0 until a program asks */
};

/* The struct_ops type: what a filter's struct_ops map holds. */
struct kstream_ingress_ops {
	/* Returns an enum kstream_ingress_verdict. */
	u32 (*verdict)(struct kstream_ingress_ctx *ctx);
	/* Unique among registered filters; the rules of topic names. */
	char name[KSTREAM_NAME_MAX];
};

/* A registered filter. */
struct kstream_filter {
	/* Copied from ops: one load less per message. */
	u32 (*verdict)(struct kstream_ingress_ctx *ctx);
	const struct kstream_ingress_ops *ops;	/* in the struct_ops map */
	u32 id;
	char name[KSTREAM_NAME_MAX];
};

/* Registered filters by id; kstream_topics_lock. */
static DEFINE_XARRAY_ALLOC1(kstream_filters);
static u32 kstream_filter_next_id;		/* kstream_topics_lock */
static bool kstream_bpf_ready;			/* registration succeeded */
static const struct btf *kstream_btf;		/* this module's BTF */

static struct kstream_filter *
kstream_topic_filter(struct kstream_topic *t)
{
	return rcu_dereference_protected(t->filter, kstream_topics_held());
}

/* ------------------------------------------------------------ verdict */

enum kstream_ingress_verdict
kstream_filter_run(struct kstream_topic *t,
		   const struct kstream_producer_cred *producer,
		   const void *data, u32 len, u32 *reason)
{
	struct kstream_ingress_ctx ctx = {
		.topic = t,
		.producer = producer,
		.data = data,
		.len = len,
	};
	struct kstream_filter *f;
	u32 v = KSTREAM_INGRESS_PASS;

	rcu_read_lock();
	f = rcu_dereference(t->filter);
	if (f)
		v = f->verdict(&ctx);
	rcu_read_unlock();
	*reason = ctx.reason;
	return v <= KSTREAM_INGRESS_MAX ? v : KSTREAM_INGRESS_DROP;
}

/* ------------------------------------------------------------- kfuncs */

__bpf_kfunc_start_defs();

/* Payload length in bytes (1 to the topic's msg_max). */
__bpf_kfunc u32 bpf_kstream_msg_len(struct kstream_ingress_ctx *ctx)
{
	return ctx->len;
}

/*
 * Read-only pointer to payload bytes [offset, offset + rdonly_buf_size),
 * or NULL if that is not inside the payload.  rdonly_buf_size must be a
 * constant: the verifier bounds the program's accesses by it.
 */
__bpf_kfunc const u8 *bpf_kstream_msg_bytes(struct kstream_ingress_ctx *ctx,
					    u32 offset,
					    const u32 rdonly_buf_size)
{
	if (!rdonly_buf_size || (u64)offset + rdonly_buf_size > ctx->len)
		return NULL;
	return ctx->data + offset;
}

/* The topic's id (its device minor, KSTREAM_A_TOPIC_ID). */
__bpf_kfunc u32 bpf_kstream_topic_id(struct kstream_ingress_ctx *ctx)
{
	return ctx->topic->id;
}

/*
 * Copy the topic's name, NUL-terminated, to @name.  Returns its length,
 * or -E2BIG if it had to be truncated.
 */
__bpf_kfunc int bpf_kstream_topic_name(struct kstream_ingress_ctx *ctx,
				       char *name, u32 name__sz)
{
	return strscpy(name, ctx->topic->name, name__sz);
}

/*
 * The sequence number the message gets if it passes and no other producer
 * of the topic commits first: the verdict runs before the commit, without
 * the topic lock, so concurrent producers may take it (the message then
 * gets a higher one).  Exact with a single producer.
 */
__bpf_kfunc u64 bpf_kstream_seq_hint(struct kstream_ingress_ctx *ctx)
{
	return READ_ONCE(ctx->topic->ring.ctl->head_seq);
}

/*
 * Ingress time, CLOCK_REALTIME ns: read once per message, when a program
 * first asks, so every call for the message returns the same value.  The
 * record's ts_ns is taken later, at commit, and is not earlier (barring
 * clock steps).
 */
__bpf_kfunc u64 bpf_kstream_ingress_ns(struct kstream_ingress_ctx *ctx)
{
	if (!ctx->ingress_ns)
		ctx->ingress_ns = ktime_get_real_ns();
	return ctx->ingress_ns;
}

/*
 * The reason code a KSTREAM_INGRESS_DEADLETTER verdict gives (the reason
 * field of the dead-letter record; 0 unless set).  The last call wins.
 */
__bpf_kfunc void bpf_kstream_set_reason(struct kstream_ingress_ctx *ctx,
					u32 reason)
{
	ctx->reason = reason;
}

/* The producer's effective uid/gid when it opened the topic (init ns). */
__bpf_kfunc u32 bpf_kstream_producer_uid(struct kstream_ingress_ctx *ctx)
{
	return from_kuid_munged(&init_user_ns, ctx->producer->uid);
}

__bpf_kfunc u32 bpf_kstream_producer_gid(struct kstream_ingress_ctx *ctx)
{
	return from_kgid_munged(&init_user_ns, ctx->producer->gid);
}

/* The process (thread group id, init ns) that opened the topic. */
__bpf_kfunc u32 bpf_kstream_producer_pid(struct kstream_ingress_ctx *ctx)
{
	return ctx->producer->tgid;
}

__bpf_kfunc_end_defs();

BTF_KFUNCS_START(kstream_kfunc_ids)
BTF_ID_FLAGS(func, bpf_kstream_msg_len, KF_TRUSTED_ARGS)
BTF_ID_FLAGS(func, bpf_kstream_msg_bytes, KF_TRUSTED_ARGS | KF_RET_NULL)
BTF_ID_FLAGS(func, bpf_kstream_topic_id, KF_TRUSTED_ARGS)
BTF_ID_FLAGS(func, bpf_kstream_topic_name, KF_TRUSTED_ARGS)
BTF_ID_FLAGS(func, bpf_kstream_seq_hint, KF_TRUSTED_ARGS)
BTF_ID_FLAGS(func, bpf_kstream_ingress_ns, KF_TRUSTED_ARGS)
BTF_ID_FLAGS(func, bpf_kstream_set_reason, KF_TRUSTED_ARGS)
BTF_ID_FLAGS(func, bpf_kstream_producer_uid, KF_TRUSTED_ARGS)
BTF_ID_FLAGS(func, bpf_kstream_producer_gid, KF_TRUSTED_ARGS)
BTF_ID_FLAGS(func, bpf_kstream_producer_pid, KF_TRUSTED_ARGS)
BTF_KFUNCS_END(kstream_kfunc_ids)

BTF_ID_LIST_SINGLE(kstream_ops_btf_ids, struct, kstream_ingress_ops)

/*
 * The kfuncs are registered for every struct_ops program; only ours may
 * call them (others could not get a trusted context anyway).
 */
static int kstream_kfunc_filter(const struct bpf_prog *prog, u32 kfunc_id)
{
	if (!btf_id_set8_contains(&kstream_kfunc_ids, kfunc_id))
		return 0;
	if (prog->type != BPF_PROG_TYPE_STRUCT_OPS ||
	    prog->aux->attach_btf != kstream_btf ||
	    prog->aux->attach_btf_id != kstream_ops_btf_ids[0])
		return -EACCES;
	return 0;
}

static const struct btf_kfunc_id_set kstream_kfunc_set = {
	.owner = THIS_MODULE,
	.set = &kstream_kfunc_ids,
	.filter = kstream_kfunc_filter,
};

/* ---------------------------------------------------------- struct_ops */

static const struct bpf_func_proto *
kstream_ops_func_proto(enum bpf_func_id func_id, const struct bpf_prog *prog)
{
	return bpf_base_func_proto(func_id, prog);
}

/*
 * No btf_struct_access: programs may read what the context points to but
 * never write it.
 */
static const struct bpf_verifier_ops kstream_ops_verifier_ops = {
	.get_func_proto = kstream_ops_func_proto,
	.is_valid_access = bpf_tracing_btf_ctx_access,
};

static int kstream_ops_init(struct btf *btf)
{
	kstream_btf = btf;
	return 0;
}

/* The verdict runs inside an RCU read-side section: it must not sleep. */
static int kstream_ops_check_member(const struct btf_type *t,
				    const struct btf_member *member,
				    const struct bpf_prog *prog)
{
	return prog->sleepable ? -EINVAL : 0;
}

static int kstream_ops_init_member(const struct btf_type *t,
				   const struct btf_member *member,
				   void *kdata, const void *udata)
{
	const struct kstream_ingress_ops *uops = udata;
	struct kstream_ingress_ops *ops = kdata;

	if (__btf_member_bit_offset(t, member) !=
	    offsetof(struct kstream_ingress_ops, name) * BITS_PER_BYTE)
		return 0;
	if (!kstream_topic_name_valid(uops->name))
		return -EINVAL;
	strscpy(ops->name, uops->name, sizeof(ops->name));
	return 1;
}

static int kstream_ops_validate(void *kdata)
{
	const struct kstream_ingress_ops *ops = kdata;

	return ops->verdict && ops->name[0] ? 0 : -EINVAL;
}

/* Registry locked. */
struct kstream_filter *kstream_filter_find(const char *name)
{
	struct kstream_filter *f;
	unsigned long id;

	WARN_ON_ONCE(!kstream_topics_held());
	xa_for_each(&kstream_filters, id, f)
		if (!strcmp(f->name, name))
			return f;
	return NULL;
}

static int kstream_ops_reg(void *kdata, struct bpf_link *link)
{
	const struct kstream_ingress_ops *ops = kdata;
	struct kstream_filter *f;
	int err;

	f = kzalloc(sizeof(*f), GFP_KERNEL);
	if (!f)
		return -ENOMEM;
	f->verdict = ops->verdict;
	f->ops = ops;
	strscpy(f->name, ops->name, sizeof(f->name));

	kstream_topics_lock();
	if (kstream_filter_find(f->name))
		err = -EEXIST;
	else
		err = xa_alloc_cyclic(&kstream_filters, &f->id, f,
				      XA_LIMIT(1, INT_MAX),
				      &kstream_filter_next_id, GFP_KERNEL);
	kstream_topics_unlock();
	if (err < 0) {
		kfree(f);
		return err;
	}
	return 0;
}

static void kstream_ops_unreg(void *kdata, struct bpf_link *link)
{
	struct kstream_filter *f = NULL, *it;
	struct kstream_topic *t;
	unsigned long id;

	kstream_topics_lock();
	xa_for_each(&kstream_filters, id, it) {
		if (it->ops == kdata) {
			f = it;
			break;
		}
	}
	if (f) {
		xa_erase(&kstream_filters, f->id);
		id = 0;
		while ((t = kstream_topic_next(&id))) {
			if (kstream_topic_filter(t) == f)
				RCU_INIT_POINTER(t->filter, NULL);
			id++;
		}
	}
	kstream_topics_unlock();
	if (WARN_ON_ONCE(!f))
		return;
	/* No producer runs the program any more once this returns. */
	synchronize_rcu();
	kfree(f);
}

static u32 kstream_ingress_verdict_stub(struct kstream_ingress_ctx *ctx)
{
	return KSTREAM_INGRESS_PASS;
}

static struct kstream_ingress_ops kstream_ingress_cfi_stubs = {
	.verdict = kstream_ingress_verdict_stub,
};

static struct bpf_struct_ops kstream_ingress_struct_ops = {
	.verifier_ops = &kstream_ops_verifier_ops,
	.init = kstream_ops_init,
	.check_member = kstream_ops_check_member,
	.init_member = kstream_ops_init_member,
	.validate = kstream_ops_validate,
	.reg = kstream_ops_reg,
	.unreg = kstream_ops_unreg,
	.cfi_stubs = &kstream_ingress_cfi_stubs,
	.name = "kstream_ingress_ops",
	.owner = THIS_MODULE,
};

/*
 * Neither registration can be undone: the kernel drops both when the
 * module goes away.  If they fail (module BTF rejected, say) kstream still
 * works, without filters.
 */
void __init kstream_bpf_init(void)
{
	int err;

	err = register_btf_kfunc_id_set(BPF_PROG_TYPE_STRUCT_OPS,
					&kstream_kfunc_set);
	if (!err)
		err = register_bpf_struct_ops(&kstream_ingress_struct_ops,
					      kstream_ingress_ops);
	if (err)
		pr_warn("eBPF ingress filters unavailable: error %d\n", err);
	else
		kstream_bpf_ready = true;
}

/* ------------------------------------------------- topics and filters */

int kstream_filter_supported(struct netlink_ext_ack *extack)
{
	if (kstream_bpf_ready)
		return 0;
	NL_SET_ERR_MSG(extack,
		       "eBPF ingress filters failed to register at module load (see the kernel log)");
	return -EOPNOTSUPP;
}

int kstream_filter_attach(struct kstream_topic *t, const char *filter,
			  bool *sync, struct netlink_ext_ack *extack)
{
	struct kstream_filter *f = kstream_filter_find(filter), *old;

	if (!f) {
		NL_SET_ERR_MSG(extack, "no such filter (see streamctl filter list)");
		return -ENOENT;
	}
	old = kstream_topic_filter(t);
	rcu_assign_pointer(t->filter, f);
	/* Like detach: once the request returns, the old filter judges nothing. */
	*sync = old && old != f;
	return 0;
}

int kstream_filter_detach(struct kstream_topic *t, bool *sync,
			  struct netlink_ext_ack *extack)
{
	if (!kstream_topic_filter(t)) {
		NL_SET_ERR_MSG(extack, "the topic has no filter");
		return -ENOENT;
	}
	RCU_INIT_POINTER(t->filter, NULL);
	*sync = true;
	return 0;
}

struct kstream_filter *kstream_filter_next(unsigned long *id)
{
	WARN_ON_ONCE(!kstream_topics_held());
	return xa_find(&kstream_filters, id, ULONG_MAX, XA_PRESENT);
}

const char *kstream_filter_name(const struct kstream_filter *f)
{
	return f->name;
}

u32 kstream_filter_id(const struct kstream_filter *f)
{
	return f->id;
}

bool kstream_filter_of(struct kstream_topic *t, const struct kstream_filter *f)
{
	return kstream_topic_filter(t) == f;
}

bool kstream_topic_filter_name(struct kstream_topic *t,
			       char name[KSTREAM_NAME_MAX])
{
	struct kstream_filter *f;

	rcu_read_lock();
	f = rcu_dereference(t->filter);
	if (f)
		strscpy(name, f->name, KSTREAM_NAME_MAX);
	rcu_read_unlock();
	return f;
}

/*
 * @t is leaving the registry: unregistration will not find it there, so
 * drop its filter now.  Producers still in the verdict keep the entry
 * alive through RCU (unregistration waits for them before freeing it).
 */
void kstream_topic_filter_clear(struct kstream_topic *t)
{
	WARN_ON_ONCE(!kstream_topics_held());
	RCU_INIT_POINTER(t->filter, NULL);
}

#else /* !KSTREAM_HAVE_BPF_INGRESS */

void __init kstream_bpf_init(void)
{
}

int kstream_filter_supported(struct netlink_ext_ack *extack)
{
	NL_SET_ERR_MSG(extack, KSTREAM_BPF_UNSUPPORTED);
	return -EOPNOTSUPP;
}

int kstream_filter_attach(struct kstream_topic *t, const char *filter,
			  bool *sync, struct netlink_ext_ack *extack)
{
	return kstream_filter_supported(extack);
}

int kstream_filter_detach(struct kstream_topic *t, bool *sync,
			  struct netlink_ext_ack *extack)
{
	return kstream_filter_supported(extack);
}

struct kstream_filter *kstream_filter_next(unsigned long *id)
{
	return NULL;
}

struct kstream_filter *kstream_filter_find(const char *name)
{
	return NULL;
}

const char *kstream_filter_name(const struct kstream_filter *f)
{
	return "";
}

u32 kstream_filter_id(const struct kstream_filter *f)
{
	return 0;
}

bool kstream_filter_of(struct kstream_topic *t, const struct kstream_filter *f)
{
	return false;
}

bool kstream_topic_filter_name(struct kstream_topic *t,
			       char name[KSTREAM_NAME_MAX])
{
	return false;
}

void kstream_topic_filter_clear(struct kstream_topic *t)
{
}

enum kstream_ingress_verdict
kstream_filter_run(struct kstream_topic *t,
		   const struct kstream_producer_cred *producer,
		   const void *data, u32 len, u32 *reason)
{
	*reason = 0;
	return KSTREAM_INGRESS_PASS;
}

#endif /* KSTREAM_HAVE_BPF_INGRESS */
