/* SPDX-License-Identifier: GPL-2.0 */
/*
 * eBPF helpers shared by the kstream kselftests (bpf_test, fault_test).
 *
 * Kernel:   kst_bpf_supported() (struct_ops from modules, Linux 6.9+),
 *           kst_run() (a shell command, e.g. streamctl filter load),
 *           kst_unpin_all() (unregister what streamctl pinned),
 *           kst_drain() (every record a reader fd has now),
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

#include <dirent.h>
#include <stdarg.h>
#include <stdbool.h>
#include <sys/utsname.h>
#include <sys/wait.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "ksft_kstream.h"
#include "probe.h"

/* Where streamctl pins the filters it loads. */
#define PIN_DIR "/sys/fs/bpf/kstream"

/*
 * Run a shell command (stdout and stderr into out, NUL-terminated).
 * Returns its exit status, or -1 if it did not exit normally.
 */
__attribute__((format(printf, 3, 4)))
static inline int kst_run(char *out, size_t outlen, const char *fmt, ...)
{
	char cmd[1024], scratch[256];
	size_t n = 0;
	va_list ap;
	FILE *p;
	int st;

	if (!out) {
		out = scratch;
		outlen = sizeof(scratch);
	}
	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd) - 8, fmt, ap);
	va_end(ap);
	strcat(cmd, " 2>&1");
	out[0] = '\0';
	p = popen(cmd, "r");
	if (!p)
		return -1;
	for (;;) {
		size_t got = fread(out + n, 1, outlen - 1 - n, p);

		if (!got) {
			if (n == outlen - 1) {	/* full: drain the rest */
				if (fread(scratch, 1, sizeof(scratch), p))
					continue;
			}
			break;
		}
		n += got;
	}
	out[n] = '\0';
	st = pclose(p);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* Drop every filter streamctl pinned (each goes when its link does). */
static inline void kst_unpin_all(void)
{
	struct dirent *d;
	char path[512];
	DIR *dir = opendir(PIN_DIR);

	if (!dir)
		return;
	while ((d = readdir(dir))) {
		if (d->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), PIN_DIR "/%s", d->d_name);
		unlink(path);
	}
	closedir(dir);
}

/*
 * Read every record fd has now (records mode, nonblocking) and call fn
 * on each; returns the number read or -errno (0 at the end of a deleted
 * topic).
 */
static inline int kst_drain(int fd, void (*fn)(const struct kstream_msg_hdr *h,
					const void *payload, void *arg),
			    void *arg)
{
	static unsigned char buf[1 << 20];
	int n = 0;

	if (kst_set_flags(fd, KSTREAM_FD_RECORDS))
		return -errno;
	for (;;) {
		ssize_t got = read(fd, buf, sizeof(buf));
		size_t off = 0;

		if (got < 0)
			return errno == EAGAIN ? n : -errno;
		if (!got)	/* a deleted topic, drained */
			return n;
		while (off < (size_t)got) {
			const struct kstream_msg_hdr *h = (void *)(buf + off);

			if (fn)
				fn(h, h + 1, arg);
			off += KSTREAM_REC_SIZE(h->len);
			n++;
		}
	}
}

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

#ifdef __KSELFTEST_HARNESS_H
/*
 * FIXTURE_SETUP of the suites that load filters: no filter pinned, no
 * topic left, the module freshly loaded, nl open.
 */
static inline void kst_bpf_fixture_load(struct __test_metadata *_metadata,
					struct kst_nl *nl)
{
	kst_unpin_all();
	if (kst_loaded()) {
		ASSERT_EQ(0, kst_nl_open(nl));
		kst_delete_all(nl);
		kst_nl_close(nl);
		ASSERT_EQ(0, kst_unload_retry(10000));
	}
	ASSERT_EQ(0, kst_load(NULL));
	ASSERT_EQ(0, kst_nl_open(nl));
}

/* FIXTURE_TEARDOWN of those suites: topics, filters, then the module. */
static inline void kst_bpf_fixture_unload(struct __test_metadata *_metadata,
					  struct kst_nl *nl)
{
	if (!kst_fixture_close(_metadata, nl))
		return;
	kst_unpin_all();
	EXPECT_EQ(0, kst_unload_retry(10000));
}

/* streamctl ARGS must succeed (fixtures holding a struct kst_nl nl). */
#define CTL(...) do {							\
	char __cmd[512], __out[4096];					\
	snprintf(__cmd, sizeof(__cmd), __VA_ARGS__);			\
	ASSERT_EQ(0, kst_run(__out, sizeof(__out), "streamctl %s", __cmd)) \
		TH_LOG("streamctl %s: %s", __cmd, __out);		\
} while (0)

#define ATTACH(topic, filter) \
	ASSERT_EQ(0, kst_name_request(&self->nl, KSTREAM_CMD_FILTER_ATTACH, (topic), (filter))) \
		TH_LOG("attach %s %s: %s", (topic), (filter), self->nl.extack)
#endif

#endif /* KSFT_BPF_H */
