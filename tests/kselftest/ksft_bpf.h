/* SPDX-License-Identifier: GPL-2.0 */
/*
 * eBPF helpers shared by the kstream kselftests (bpf_test, fault_test).
 *
 * Kernel:   kst_bpf_supported() (struct_ops from modules, Linux 6.9+),
 *           kst_unload_retry() (a struct_ops map lets go of the module a
 *           little after its link is gone)
 * Netlink:  kst_name_request() (FILTER_ATTACH, FILTER_DETACH, FILTER_GET)
 * Programs: tests/bpf/probe.bpf.o through libbpf: kst_probe_open() loads
 *           it, kst_probe_register() creates its struct_ops link (which
 *           registers the filter "probe"), kst_probe_load() does both,
 *           kst_probe_read() reads what it recorded, kst_probe_close()
 *           unregisters and frees it.
 */
#ifndef KSFT_BPF_H
#define KSFT_BPF_H

#include <stdbool.h>
#include <sys/utsname.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "ksft_kstream.h"
#include "probe.h"

/* Does the running kernel have struct_ops from modules (>= 6.9)? */
static inline bool kst_bpf_supported(void)
{
	struct utsname u;
	unsigned int major = 0, minor = 0;

	if (uname(&u) || sscanf(u.release, "%u.%u", &major, &minor) != 2)
		return false;
	return major > 6 || (major == 6 && minor >= 9);
}

/* Path of a build product of this tree: $KSTREAM_SRC/build/<rel>. */
static inline void kst_build_path(char *buf, size_t len, const char *rel)
{
	const char *src = getenv("KSTREAM_SRC");

	snprintf(buf, len, "%s/build/%s", src ? src : ".", rel);
}

/*
 * Unload kstream, retrying for up to ms: a struct_ops map lets go of the
 * module a little after its link is gone (BPF frees maps from a work
 * item, after an RCU grace period).  0 or -errno.
 */
static inline int kst_unload_retry(int ms)
{
	int err;

	for (;;) {
		err = kst_unload();
		if (err != -EWOULDBLOCK && err != -EBUSY)
			return err;
		if (ms <= 0)
			return err;
		usleep(20000);
		ms -= 20;
	}
}

/* tests/bpf/probe.bpf.o, the filter "probe" (probe.h). */
struct kst_probe {
	struct bpf_object *obj;
	struct bpf_link *link;
	struct bpf_map *ops;
	struct bpf_map *rec;
};

/* Open and load the probe (verified, not registered); 0 or -errno. */
static inline int kst_probe_open(struct kst_probe *p)
{
	char path[512];

	memset(p, 0, sizeof(*p));
	kst_build_path(path, sizeof(path), "tests/bpf/probe.bpf.o");
	p->obj = bpf_object__open_file(path, NULL);
	if (!p->obj)
		return -errno;
	p->ops = bpf_object__find_map_by_name(p->obj, "probe");
	p->rec = bpf_object__find_map_by_name(p->obj, "probe_last");
	if (!p->ops || !p->rec)
		return -ENOENT;
	if (bpf_object__load(p->obj))
		return -EINVAL;
	return 0;
}

/*
 * Register the loaded probe: update its struct_ops map and create the
 * link, which registers the filter with kstream.  0 or -errno.
 */
static inline int kst_probe_register(struct kst_probe *p)
{
	p->link = bpf_map__attach_struct_ops(p->ops);
	return p->link ? 0 : -errno;
}

/* Load tests/bpf/probe.bpf.o through libbpf and register it as "probe". */
static inline int kst_probe_load(struct kst_probe *p)
{
	int err = kst_probe_open(p);

	return err ? err : kst_probe_register(p);
}

/* Unregister (if registered) and free; p may be half set up. */
static inline void kst_probe_close(struct kst_probe *p)
{
	bpf_link__destroy(p->link);
	bpf_object__close(p->obj);
	memset(p, 0, sizeof(*p));
}

static inline int kst_probe_read(struct kst_probe *p, struct probe_rec *r)
{
	__u32 zero = 0;

	return bpf_map__lookup_elem(p->rec, &zero, sizeof(zero), r, sizeof(*r), 0);
}

#endif /* KSFT_BPF_H */
