// SPDX-License-Identifier: GPL-2.0
/*
 * fd_fuzz: random file-interface sequences against kstream topics.
 *
 *   fd_fuzz [-s SEED] [-w WORKERS] [-n OPS] [-t TOPICS]
 *
 * WORKERS processes (each with its own seed derived from SEED) run OPS
 * random operations on up to 8 fds each: open (any mode, blocking or not),
 * close, write/writev of any length (empty, too long, bad pointers; in
 * batch mode too, with record headers, some valid, some not),
 * read/readv in any mode and buffer size, lseek with any whence/offset,
 * the topic ioctls and random ones, FIONREAD, poll, mmap of the ring with
 * right and wrong lengths, the cursor fd and its page (scribbled on),
 * munmap, and fork (the child does a few operations and exits).  A timer
 * signal every few milliseconds interrupts blocking calls.  Meanwhile a
 * chaos process deletes and re-creates the topics (random sizes and
 * policies).  Every errno must be one the ABI allows; the kernel side is
 * judged by the VM harness (any splat fails the run) and by unloading the
 * module afterwards.  Exits 1 on a violation or a crashed worker.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/time.h>
#include <sys/uio.h>
#include <sys/wait.h>

#include "fuzz_nl.h"

#define MAX_FDS 8
#define BUF_SIZE (80 * 1024)

static uint64_t rng;
static unsigned int ntopics = 3;
static char buf[BUF_SIZE];
/* Not mapped: the kernel must answer EFAULT (volatile: hide it from gcc). */
static char *volatile bad_ptr = (char *)16;

static unsigned int pick(unsigned int n)
{
	return n ? frand(&rng) % n : 0;
}

static void topic_path(char *p, size_t n, unsigned int i)
{
	snprintf(p, n, "/dev/" KSTREAM_CLASS_NAME "/fuzz%u", i);
}

/* Successful calls, over all processes (shared memory). */
static uint64_t *succeeded;

/* errnos the file interface may return; anything else is a finding */
static void check(const char *op, long r)
{
	if (r >= 0) {
		__atomic_add_fetch(succeeded, 1, __ATOMIC_RELAXED);
		return;
	}
	if (errno < 256)
		__atomic_add_fetch(&succeeded[1 + errno], 1, __ATOMIC_RELAXED);
	switch (errno) {
	case EINVAL: case EMSGSIZE: case EAGAIN: case EINTR: case ENODEV:
	case EFAULT: case EBADF: case ESPIPE: case ENOTTY: case EACCES:
	case EPERM: case EIO: case ENOENT: case ENOMEM: case EUSERS:
	case ENXIO: case EMFILE: case ENFILE: case EPIPE: case ENOSPC:
	case EOVERFLOW:	/* an idempotent producer at 2^64 - 1 */
		return;
	}
	fprintf(stderr, "fd_fuzz[%d]: %s: unexpected errno %d (%s)\n", getpid(),
		op, errno, strerror(errno));
	exit(1);
}

struct slot {
	int fd;
	void *ring;
	size_t ring_len;
	struct kstream_reader_page *page;
};

static void slot_close(struct slot *s)
{
	if (s->ring)
		munmap(s->ring, s->ring_len);
	if (s->page)
		munmap(s->page, 4096);
	if (s->fd >= 0)
		close(s->fd);
	s->fd = -1;
	s->ring = NULL;
	s->page = NULL;
}

static void op_open(struct slot *s)
{
	static const int modes[] = { O_RDONLY, O_WRONLY, O_RDWR };
	char path[64];

	slot_close(s);
	topic_path(path, sizeof(path), pick(ntopics));
	s->fd = open(path, modes[pick(3)] | (pick(3) ? O_NONBLOCK : 0));
	if (s->fd < 0 && errno != ENOENT && errno != ENXIO && errno != ENODEV)
		check("open", -1);
}

static void op_write(struct slot *s)
{
	static const size_t lens[] = { 0, 1, 7, 24, 100, 1023, 1024, 1025,
				       4096, 65536, BUF_SIZE };
	size_t len = lens[pick(sizeof(lens) / sizeof(lens[0]))];
	struct iovec iov[3];

	/* Idempotent producers: few ids, sequences that collide. */
	if (!pick(8)) {
		struct kstream_producer p = {
			.id = pick(4), .next_seq = pick(3) ? pick(32) : frand(&rng),
		};

		check("set_producer", ioctl(s->fd, KSTREAM_IOC_SET_PRODUCER,
					    pick(16) ? (void *)&p : bad_ptr));
	}
	/* Batch publish: the flag on or off, and records, some valid. */
	if (!pick(8)) {
		__u32 flags = pick(2) ? KSTREAM_FD_BATCH : 0;

		check("set_flags(batch)", ioctl(s->fd, KSTREAM_IOC_SET_FLAGS, &flags));
	}
	if (!pick(4)) {
		size_t off = 0;

		while (off + sizeof(struct kstream_msg_hdr) <= len && pick(8)) {
			struct kstream_msg_hdr h = {
				.len = pick(4) ? 1 + pick(200) : frand(&rng),
				.flags = pick(8) ? 0 : frand(&rng) % 4,
			};

			memcpy(buf + off, &h, sizeof(h));
			off += KSTREAM_REC_SIZE(h.len);
		}
	}
	switch (pick(6)) {
	case 0:
		check("write(bad)", write(s->fd, bad_ptr, 1 + pick(64)));
		break;
	case 1:
		iov[0] = (struct iovec){ buf, pick(64) };
		iov[1] = (struct iovec){ pick(4) ? buf : bad_ptr, pick(64) };
		iov[2] = (struct iovec){ buf, len / 2 };
		check("writev", writev(s->fd, iov, 1 + pick(3)));
		break;
	default:
		check("write", write(s->fd, buf, len));
	}
}

static void op_read(struct slot *s)
{
	static const size_t lens[] = { 0, 1, 8, 24, 31, 32, 100, 4096, BUF_SIZE };
	size_t len = lens[pick(sizeof(lens) / sizeof(lens[0]))];
	__u32 flags = (pick(2) ? KSTREAM_FD_RECORDS : 0) |
		      (pick(2) ? KSTREAM_FD_ORIGIN : 0);
	struct iovec iov[2] = { { buf, len / 2 }, { buf + len / 2, len - len / 2 } };

	if (!pick(4))
		check("set_flags", ioctl(s->fd, KSTREAM_IOC_SET_FLAGS, &flags));
	if (pick(5))
		check("read", read(s->fd, buf, len));
	else
		check("readv", readv(s->fd, iov, 2));
}

static void op_misc(struct slot *s)
{
	struct kstream_fd_info info;
	struct pollfd p = { .fd = s->fd, .events = POLLIN | POLLOUT };
	__u32 flags = frand(&rng);
	int n;

	switch (pick(10)) {
	case 0:
		check("lseek", lseek(s->fd, (off_t)(frand(&rng) % 1000) - 500,
				     pick(6)));
		break;
	case 1:
		check("lseek0", lseek(s->fd, 0, pick(3)));
		break;
	case 2:
		check("info", ioctl(s->fd, KSTREAM_IOC_INFO, &info));
		break;
	case 3:
		check("fionread", ioctl(s->fd, FIONREAD, &n));
		break;
	case 4:
		check("set_flags", ioctl(s->fd, KSTREAM_IOC_SET_FLAGS, &flags));
		break;
	case 5:
		check("wakeup", ioctl(s->fd, KSTREAM_IOC_WAKEUP));
		break;
	case 6:
		/* Any of our ioctl numbers with any direction and size. */
		check("ioctl(random)",
		      ioctl(s->fd, _IOC(pick(4), KSTREAM_IOC_MAGIC, pick(16), pick(64)),
			    buf));
		break;
	case 7:
		check("poll", poll(&p, 1, pick(3)));
		break;
	case 8: {
		struct kstream_producer_query q = {
			.id = pick(5), .flags = !pick(8), .pad = !pick(8),
		};

		check("producer_seq", ioctl(s->fd, KSTREAM_IOC_PRODUCER_SEQ, &q));
		break;
	}
	default:
		check("info(bad)", ioctl(s->fd, KSTREAM_IOC_INFO, bad_ptr));
	}
}

static void op_mmap(struct slot *s)
{
	struct kstream_fd_info info;
	size_t len;
	int cfd;

	if (ioctl(s->fd, KSTREAM_IOC_INFO, &info))
		return;
	if (!s->ring && pick(2)) {
		len = 4096 + 2 * info.ring_size;
		if (!pick(4))
			len += 4096 * (pick(3) - 1);
		s->ring = mmap(NULL, len, pick(8) ? PROT_READ : PROT_READ | PROT_WRITE,
			       pick(8) ? MAP_SHARED : MAP_PRIVATE, s->fd,
			       pick(8) ? 0 : 4096);
		if (s->ring == MAP_FAILED) {
			check("mmap(ring)", -1);
			s->ring = NULL;
		} else {
			s->ring_len = len;
		}
	} else if (!s->page) {
		cfd = ioctl(s->fd, KSTREAM_IOC_CURSOR_FD);
		if (cfd < 0) {
			check("cursor_fd", -1);
			return;
		}
		s->page = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
			       pick(8) ? MAP_SHARED : MAP_PRIVATE, cfd, 0);
		close(cfd);
		if (s->page == MAP_FAILED) {
			check("mmap(cursor)", -1);
			s->page = NULL;
		}
	} else {
		/* An untrusted cursor: the kernel must cope with anything. */
		s->page->pos = pick(2) ? frand(&rng) : s->page->pos + 8 * pick(5);
		s->page->lost = frand(&rng) & 0xff;
	}
}

static void noop(int sig)
{
	(void)sig;
}

static void worker(unsigned int id, uint64_t seed, uint64_t ops, int depth)
{
	struct itimerval it = { { 0, 3000 }, { 0, 3000 } };
	struct sigaction sa = { .sa_handler = noop };	/* no SA_RESTART */
	struct slot slots[MAX_FDS];
	uint64_t i;
	pid_t pid;

	rng = frand_seed(seed * 1000 + id);
	sigaction(SIGALRM, &sa, NULL);
	setitimer(ITIMER_REAL, &it, NULL);
	for (i = 0; i < MAX_FDS; i++)
		slots[i] = (struct slot){ .fd = -1 };
	for (i = 0; i < ops; i++) {
		struct slot *s = &slots[pick(MAX_FDS)];

		if (s->fd < 0 || !pick(40)) {
			op_open(s);
			continue;
		}
		switch (pick(12)) {
		case 0: case 1: case 2:
			op_write(s);
			break;
		case 3: case 4: case 5:
			op_read(s);
			break;
		case 6: case 7:
			op_misc(s);
			break;
		case 8: case 9:
			op_mmap(s);
			break;
		case 10:
			slot_close(s);
			break;
		default:
			if (depth < 2 && !pick(20)) {
				pid = fork();
				if (pid == 0) {
					worker(id + 100, seed + i, 50, depth + 1);
					_exit(0);
				}
				if (pid > 0)
					waitpid(pid, NULL, 0);
			}
		}
	}
	for (i = 0; i < MAX_FDS; i++)
		slot_close(&slots[i]);
}

static void chaos(uint64_t seed, volatile int *stop)
{
	static const uint32_t rings[] = { 4096, 8192, 65536 };
	struct fnl nl = { 0 };
	char name[32];
	unsigned int i;

	rng = frand_seed(seed);
	if (fnl_open(&nl))
		exit(1);
	while (!*stop) {
		i = pick(ntopics);
		snprintf(name, sizeof(name), "fuzz%u", i);
		fnl_delete(&nl, name);
		fnl_create(&nl, name, rings[pick(3)], 256 << pick(3), pick(2), 0666);
		usleep(20000 + pick(100000));
	}
}

int main(int argc, char **argv)
{
	uint64_t seed = 1, ops = 20000;
	unsigned int workers = 4, i, failed = 0;
	int opt, status, *stop;
	pid_t chaos_pid, *pids;
	struct fnl nl = { 0 };
	char name[32];
	time_t t0 = time(NULL);

	while ((opt = getopt(argc, argv, "s:w:n:t:")) != -1) {
		switch (opt) {
		case 's': seed = strtoull(optarg, NULL, 0); break;
		case 'w': workers = strtoul(optarg, NULL, 0); break;
		case 'n': ops = strtoull(optarg, NULL, 0); break;
		case 't': ntopics = strtoul(optarg, NULL, 0); break;
		default: return 2;
		}
	}
	memset(buf, 0x5a, sizeof(buf));
	if (fnl_open(&nl)) {
		fprintf(stderr, "fd_fuzz: kstream not loaded\n");
		return 1;
	}
	for (i = 0; i < ntopics; i++) {
		snprintf(name, sizeof(name), "fuzz%u", i);
		fnl_create(&nl, name, 8192, 1024, i % 2, 0666);
	}
	stop = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	pids = calloc(workers, sizeof(*pids));
	if (stop == MAP_FAILED || !pids)
		return 1;
	/* succeeded[0]: calls that worked; [1 + e]: calls failing with e */
	succeeded = (uint64_t *)(stop + 16);
	chaos_pid = fork();
	if (chaos_pid == 0) {
		chaos(seed, stop);
		_exit(0);
	}
	for (i = 0; i < workers; i++) {
		pids[i] = fork();
		if (pids[i] == 0) {
			worker(i, seed, ops, 0);
			_exit(0);
		}
	}
	for (i = 0; i < workers; i++) {
		waitpid(pids[i], &status, 0);
		if (!WIFEXITED(status) || WEXITSTATUS(status)) {
			fprintf(stderr, "fd_fuzz: worker %u failed (status %#x)\n", i, status);
			failed++;
		}
	}
	*stop = 1;
	waitpid(chaos_pid, &status, 0);
	for (i = 0; i < ntopics; i++) {
		snprintf(name, sizeof(name), "fuzz%u", i);
		fnl_delete(&nl, name);
	}
	printf("fd_fuzz: seed %" PRIu64 ", %u workers x %" PRIu64 " ops, %u topics, "
	       "%lds: %s\nfd_fuzz: %" PRIu64 " calls succeeded", seed, workers, ops,
	       ntopics, (long)(time(NULL) - t0), failed ? "FAILED" : "ok", *succeeded);
	for (i = 1; i < 256; i++)
		if (succeeded[1 + i])
			printf(", %" PRIu64 " %s", succeeded[1 + i], strerror(i));
	printf("\n");
	return failed ? 1 : 0;
}
