// SPDX-License-Identifier: GPL-2.0
/*
 * Module lifecycle: load/unload cycles, the class and char region, the
 * generic netlink family, and leaks (kmemleak, where the kernel has it).
 * Runs with kstream unloaded.
 */
#include "kselftest_harness.h"
#include "ksft_kstream.h"

#define CYCLES 50
#define LEAK_CYCLES 10
#define KMEMLEAK "/sys/kernel/debug/kmemleak"

static int proc_devices_has(const char *name)
{
	char line[128], dev[64];
	FILE *f = fopen("/proc/devices", "r");
	int found = 0, major;

	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "%d %63s", &major, dev) == 2 && !strcmp(dev, name))
			found = 1;
	fclose(f);
	return found;
}

static int kmemleak_cmd(const char *cmd)
{
	int fd = open(KMEMLEAK, O_WRONLY);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = write(fd, cmd, strlen(cmd));
	close(fd);
	return n == (ssize_t)strlen(cmd) ? 0 : -EIO;
}

/* Number of kmemleak reports whose backtrace mentions kstream. */
static int kmemleak_kstream_reports(void)
{
	char line[512];
	int n = 0;
	FILE *f = fopen(KMEMLEAK, "r");

	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f))
		if (strstr(line, "[kstream]"))
			n++;
	fclose(f);
	return n;
}

TEST(starts_unloaded)
{
	ASSERT_FALSE(kst_path_exists("/sys/module/kstream"))
		TH_LOG("kstream must not be loaded when this test starts");
}

FIXTURE(cycles) {};
FIXTURE_SETUP(cycles) {}
FIXTURE_TEARDOWN(cycles) {}

/*
 * A cycle takes up to a second on the KCSAN kernel under TCG (module BTF,
 * struct_ops registration): more than the harness's default 30 s for 50.
 */
TEST_F_TIMEOUT(cycles, load_unload, 300)
{
	int i;

	for (i = 0; i < CYCLES; i++) {
		ASSERT_EQ(0, kst_load(NULL)) TH_LOG("load %d", i);
		ASSERT_TRUE(kst_path_exists("/sys/module/kstream"));
		ASSERT_EQ(0, kst_unload()) TH_LOG("unload %d", i);
		ASSERT_FALSE(kst_path_exists("/sys/module/kstream"));
	}
}

TEST(double_load_refused)
{
	ASSERT_EQ(0, kst_load(NULL));
	EXPECT_EQ(-EEXIST, kst_load(NULL));
	ASSERT_EQ(0, kst_unload());
	EXPECT_EQ(-ENOENT, kst_unload());
}

TEST(class_and_char_region)
{
	ASSERT_EQ(0, kst_load(NULL));
	EXPECT_TRUE(kst_path_exists("/sys/class/" KSTREAM_CLASS_NAME));
	EXPECT_EQ(1, proc_devices_has("kstream"));
	ASSERT_EQ(0, kst_unload());
	EXPECT_FALSE(kst_path_exists("/sys/class/" KSTREAM_CLASS_NAME));
	EXPECT_EQ(0, proc_devices_has("kstream"));
}

TEST(genl_family_resolvable)
{
	ASSERT_EQ(0, kst_load(NULL));
	EXPECT_GT(kst_family_id(), 0);
	ASSERT_EQ(0, kst_unload());
	/* Without the module (and no autoload in the VM) it is gone. */
	EXPECT_LT(kst_family_id(), 0);
}

/*
 * Exercise the paths that allocate (topics, rings, readers, writers,
 * deletion with fds open, unload with topics left) and look for leaks.
 */
static void leak_cycle(struct __test_metadata *_metadata)
{
	char buf[64] = "leak check";
	struct kst_nl nl;
	int r, w;

	ASSERT_EQ(0, kst_load(NULL));
	ASSERT_EQ(0, kst_nl_open(&nl));
	ASSERT_EQ(0, kst_create(&nl, "leak-a", 8192, 0, KSTREAM_POLICY_OVERWRITE));
	ASSERT_EQ(0, kst_create(&nl, "leak-b", 4096, 0, KSTREAM_POLICY_BLOCK));
	r = kst_open("leak-a", O_RDONLY | O_NONBLOCK);
	w = kst_open("leak-a", O_WRONLY);
	ASSERT_GE(r, 0);
	ASSERT_GE(w, 0);
	ASSERT_EQ(10, write(w, buf, 10));
	ASSERT_EQ(10, read(r, buf, sizeof(buf)));
	/* Deleted with fds open: freed at the last close. */
	ASSERT_EQ(0, kst_topic_delete(&nl, "leak-a"));
	close(r);
	close(w);
	kst_nl_close(&nl);
	/* leak-b goes with the module. */
	ASSERT_EQ(0, kst_unload());
}

FIXTURE(leak) {};
FIXTURE_SETUP(leak) {}
FIXTURE_TEARDOWN(leak) {}

/* kmemleak scans are slow under KASAN and TCG: minutes, not seconds. */
TEST_F_TIMEOUT(leak, no_leak_over_cycles, 900)
{
	int i, before;

	if (!kst_path_exists(KMEMLEAK))
		SKIP(return, "kmemleak not in this kernel (make check-debug has it)");
	ASSERT_EQ(0, kmemleak_cmd("clear"));
	before = kmemleak_kstream_reports();
	ASSERT_GE(before, 0);
	for (i = 0; i < LEAK_CYCLES; i++)
		leak_cycle(_metadata);
	/* Two scans: kmemleak reports an object only once it looked stale twice. */
	ASSERT_EQ(0, kmemleak_cmd("scan"));
	ASSERT_EQ(0, kmemleak_cmd("scan"));
	EXPECT_EQ(before, kmemleak_kstream_reports());
}

TEST_HARNESS_MAIN
