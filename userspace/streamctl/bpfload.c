// SPDX-License-Identifier: GPL-2.0
/*
 * streamctl filter load|unload: eBPF ingress programs through libbpf.
 *
 * The reference programs (bpf/) are embedded as libbpf skeletons; their
 * configuration goes into their read-only data before loading, so the
 * verifier sees it as constants.  Any program is registered the same way:
 * set the name member of its kstream_ingress_ops struct_ops map, load,
 * create the struct_ops link (which registers the filter with kstream)
 * and pin the link at KST_BPF_PIN_DIR/NAME, so it stays registered after
 * streamctl exits.  "bpftool struct_ops register" is not used: it is
 * unreliable with struct_ops types from modules.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "bpfload.h"
#include "streamctl.h"

/* The skeletons use the config structs of bpf/ (via filteropts.h). */
#include "filter.skel.h"
#include "pass.skel.h"
#include "ratelimit.skel.h"
#include "sample.skel.h"

#define KST_OPS_TYPE "kstream_ingress_ops"

/* libbpf's warnings (with the verifier log) go to stderr as they are. */
static int kst_libbpf_print(enum libbpf_print_level level, const char *fmt,
			    va_list ap)
{
	if (level > LIBBPF_WARN)
		return 0;
	return vfprintf(stderr, fmt, ap);
}

static void kst_pin_path(char *buf, size_t len, const char *name)
{
	snprintf(buf, len, "%s/%s", KST_BPF_PIN_DIR, name);
}

/* The only struct_ops map of obj, or NULL (message printed). */
static struct bpf_map *kst_ops_map(struct bpf_object *obj)
{
	struct bpf_map *map, *found = NULL;

	bpf_object__for_each_map(map, obj) {
		if (bpf_map__type(map) != BPF_MAP_TYPE_STRUCT_OPS)
			continue;
		if (found) {
			fprintf(stderr, "streamctl: the object has more than one struct_ops map\n");
			return NULL;
		}
		found = map;
	}
	if (!found)
		fprintf(stderr, "streamctl: the object has no struct " KST_OPS_TYPE
			" (SEC(\".struct_ops.link\"))\n");
	return found;
}

/*
 * Write name into the name member of the map's struct kstream_ingress_ops,
 * found through the object's BTF (so any program's layout works).
 */
static int kst_set_ops_name(struct bpf_object *obj, struct bpf_map *map,
			    const char *name)
{
	const struct btf *btf = bpf_object__btf(obj);
	const struct btf_member *m;
	const struct btf_type *t;
	size_t size = 0;
	char *data;
	int id, i;

	data = bpf_map__initial_value(map, &size);
	id = btf ? btf__find_by_name_kind(btf, KST_OPS_TYPE, BTF_KIND_STRUCT) : -1;
	if (!data || id < 0) {
		fprintf(stderr, "streamctl: the struct_ops map is not a struct "
			KST_OPS_TYPE "\n");
		return -EINVAL;
	}
	t = btf__type_by_id(btf, id);
	if (t->size != size) {
		fprintf(stderr, "streamctl: struct_ops map \"%s\" is not a struct "
			KST_OPS_TYPE "\n", bpf_map__name(map));
		return -EINVAL;
	}
	m = btf_members(t);
	for (i = 0; i < btf_vlen(t); i++, m++) {
		size_t off = btf_member_bit_offset(t, i) / 8;

		if (strcmp(btf__name_by_offset(btf, m->name_off), "name"))
			continue;
		if (off + KSTREAM_NAME_MAX > size)
			break;
		memset(data + off, 0, KSTREAM_NAME_MAX);
		snprintf(data + off, KSTREAM_NAME_MAX, "%s", name);
		return 0;
	}
	fprintf(stderr, "streamctl: struct " KST_OPS_TYPE " has no name[%d] member\n",
		KSTREAM_NAME_MAX);
	return -EINVAL;
}

static int kst_mkdir_pins(void)
{
	if (mkdir(KST_BPF_PIN_DIR, 0700) && errno != EEXIST) {
		fprintf(stderr, "streamctl: cannot create %s: %s (is bpffs mounted on /sys/fs/bpf?)\n",
			KST_BPF_PIN_DIR, strerror(errno));
		return -errno;
	}
	return 0;
}

/* Load obj, register its struct_ops map as filter name, pin the link. */
static int kst_register(struct bpf_object *obj, const char *name)
{
	struct bpf_link *link;
	struct bpf_map *map;
	char path[256];
	int err;

	map = kst_ops_map(obj);
	if (!map || kst_set_ops_name(obj, map, name))
		return EXIT_ERROR;
	/* A real link (pinnable), whatever section the program used. */
	bpf_map__set_map_flags(map, bpf_map__map_flags(map) | BPF_F_LINK);

	err = bpf_object__load(obj);
	if (err) {
		fprintf(stderr, "streamctl: loading the program failed: %s\n",
			strerror(-err));
		return EXIT_ERROR;
	}
	link = bpf_map__attach_struct_ops(map);
	if (!link) {
		err = errno;
		if (err == EEXIST)
			fprintf(stderr, "streamctl: a filter named \"%s\" is already registered\n",
				name);
		else
			fprintf(stderr, "streamctl: registering filter \"%s\" failed: %s\n",
				name, strerror(err));
		return EXIT_ERROR;
	}
	kst_pin_path(path, sizeof(path), name);
	err = bpf_link__pin(link, path);
	if (err) {
		fprintf(stderr, "streamctl: pinning %s failed: %s\n", path,
			strerror(-err));
		bpf_link__destroy(link);	/* unregisters the filter */
		return EXIT_ERROR;
	}
	/* The pin keeps the filter registered. */
	bpf_link__disconnect(link);
	bpf_link__destroy(link);
	return EXIT_OK;
}

/* Open the reference program's skeleton, configure it, register it. */
#define KST_LOAD_SKEL(type, l, setup) ({				\
	struct type *__s = type##__open();				\
	int __ret = EXIT_ERROR;						\
									\
	if (!__s) {							\
		fprintf(stderr, "streamctl: opening the %s program failed: %s\n", \
			filter_prog_name((l)->prog), strerror(errno));	\
	} else {							\
		setup;							\
		__ret = kst_register(__s->obj, (l)->name);		\
		type##__destroy(__s);					\
	}								\
	__ret; })

static int kst_load_file(const struct filter_load *l)
{
	struct bpf_object *obj;
	int ret;

	obj = bpf_object__open_file(l->path, NULL);
	if (!obj) {
		fprintf(stderr, "streamctl: cannot open %s: %s\n", l->path,
			strerror(errno));
		return EXIT_ERROR;
	}
	ret = kst_register(obj, l->name);
	bpf_object__close(obj);
	return ret;
}

int kst_bpf_load(const struct filter_load *l)
{
	char path[256];
	struct stat st;
	int err;

	libbpf_set_print(kst_libbpf_print);
	kst_pin_path(path, sizeof(path), l->name);
	if (!lstat(path, &st)) {
		fprintf(stderr, "streamctl: %s exists: filter \"%s\" is loaded already (streamctl filter unload %s)\n",
			path, l->name, l->name);
		return EXIT_ERROR;
	}
	err = kst_mkdir_pins();
	if (err)
		return EXIT_ERROR;

	switch (l->prog) {
	case FILTER_PROG_PASS:
		return KST_LOAD_SKEL(pass_bpf, l, (void)0);
	case FILTER_PROG_FILTER:
		return KST_LOAD_SKEL(filter_bpf, l,
				     __s->rodata->cfg = l->cfg.filter);
	case FILTER_PROG_SAMPLE:
		return KST_LOAD_SKEL(sample_bpf, l,
				     __s->rodata->cfg = l->cfg.sample);
	case FILTER_PROG_RATELIMIT:
		return KST_LOAD_SKEL(ratelimit_bpf, l, ({
			__s->rodata->cfg = l->cfg.ratelimit;
			bpf_map__set_max_entries(__s->maps.ratelimit_buckets,
						 l->buckets);
		}));
	case FILTER_PROG_FILE:
		return kst_load_file(l);
	}
	return EXIT_ERROR;
}

int kst_bpf_unload(const char *name)
{
	char path[256];
	int fd;

	kst_pin_path(path, sizeof(path), name);
	fd = bpf_obj_get(path);
	if (fd < 0) {
		if (errno == ENOENT)
			fprintf(stderr, "streamctl: no filter \"%s\" loaded by streamctl (nothing at %s)\n",
				name, path);
		else
			fprintf(stderr, "streamctl: %s: %s\n", path, strerror(errno));
		return EXIT_ERROR;
	}
	if (unlink(path)) {
		fprintf(stderr, "streamctl: cannot unpin %s: %s\n", path,
			strerror(errno));
		close(fd);
		return EXIT_ERROR;
	}
	/* Ours was the last reference: closing it unregisters the filter. */
	close(fd);
	return EXIT_OK;
}
