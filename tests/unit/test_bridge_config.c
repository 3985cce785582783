// SPDX-License-Identifier: GPL-2.0
/* cmocka tests for userspace/bridge/config.c (streambridge -c FILE). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "config.h"
#include "bridge_conf.h"

#define PIN_HEX "sha256:00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"

static const char good[] =
	"# a full configuration\n"
	"[node]\n"
	"name = edge-7\n"
	"id = 7\n"
	"cert = /etc/sb/node.crt\n"
	"key = /etc/sb/node.key\n"
	"ca = /etc/sb/ca.crt\n"
	"keepalive_ms = 500\n"
	"\n"
	"[route imu]\n"
	"source = imu\n"
	"destination = kstream://10.0.0.2:7000/imu.edge-7\n"
	"start = oldest\n"
	"batch_bytes = 128K\n"
	"linger_ms = 3\n"
	"compression = zstd\n"
	"spool_dir = /var/spool/sb\n"
	"spool_size = 256M\n"
	"spool_fsync = batch\n"
	"pin = " PIN_HEX "\n"
	"\n"
	"[route gps]\n"
	"source = gps\n"
	"destination = kstream://[fd00::2]:7001/gps\n"
	"start = 12345\n"
	"insecure = yes\n"
	"\n"
	"[listener main]\n"
	"listen = *:7000\n"
	"grant = cn=plant-1 imu.plant-1, gps.plant-1\n"
	"grant = " PIN_HEX " cmd\n"
	"grant = * public\n";

static void test_good(void **state)
{
	struct bc_config *c = load_ok(good);
	const struct bc_route *r;
	const struct bc_listener *l;

	(void)state;
	assert_string_equal("edge-7", c->node.name);
	assert_true(c->node.id == 7);
	assert_int_equal(500, c->node.keepalive_ms);
	assert_int_equal(1500, c->node.dead_ms);		/* 3 x keepalive */
	assert_int_equal(BF_MAX_FRAME_DEFAULT, c->node.max_frame);
	assert_string_equal("/run/streambridge/edge-7.sock", c->node.control);
	assert_int_equal(2, c->nroutes);
	r = &c->routes[0];
	assert_string_equal("imu", r->name);
	assert_int_equal(10, r->line);
	assert_string_equal("imu", r->source);
	assert_string_equal("10.0.0.2", r->host);
	assert_string_equal("7000", r->port);
	assert_string_equal("imu.edge-7", r->topic);
	assert_int_equal(BC_START_OLDEST, r->start);
	assert_int_equal(128 * 1024, r->batch_bytes);
	assert_int_equal(3, r->linger_ms);
	assert_int_equal(BF_CODEC_ZSTD, r->compression);
	assert_int_equal(3, r->compression_level);
	assert_string_equal("/var/spool/sb", r->spool_dir);
	assert_true(r->spool_size == 256ULL << 20);
	assert_int_equal(BC_FSYNC_BATCH, r->spool_fsync);
	assert_true(r->tls.has_pin);
	assert_int_equal(0x00, r->tls.pin[0]);
	assert_int_equal(0xff, r->tls.pin[31]);
	assert_string_equal("/etc/sb/node.crt", r->tls.cert);	/* inherited */
	assert_false(r->tls.insecure);
	r = &c->routes[1];
	assert_string_equal("fd00::2", r->host);
	assert_string_equal("7001", r->port);
	assert_int_equal(BC_START_SEQ, r->start);
	assert_true(r->start_seq == 12345);
	assert_true(r->tls.insecure);
	assert_int_equal(BF_CODEC_NONE, r->compression);
	assert_int_equal(64 * 1024, r->batch_bytes);
	assert_int_equal(1, c->nlisteners);
	l = &c->listeners[0];
	assert_string_equal("", l->host);
	assert_string_equal("7000", l->port);
	assert_int_equal(3, l->ngrants);
	assert_int_equal(2, l->grants[0].ntopics);
	assert_true(bc_granted(l, "plant-1", NULL, "gps.plant-1"));
	assert_false(bc_granted(l, "plant-2", NULL, "gps.plant-1"));
	assert_false(bc_granted(l, "plant-1", NULL, "cmd"));
	assert_true(bc_granted(l, NULL, c->routes[0].tls.pin, "cmd"));
	assert_true(bc_granted(l, "anyone", NULL, "public"));
	assert_false(bc_granted(l, NULL, NULL, "imu.plant-1"));
	bc_free(c);
}

static void test_defaults(void **state)
{
	struct bc_config *c = load_ok("[node]\nname=n\ninsecure=yes\n[route r]\nsource=a\n"
				      "destination=kstream://h:1/b\n");

	(void)state;
	assert_true(c->node.id != 0);
	assert_true(c->node.id == (bc_producer_id(0, "n") | 1));
	assert_int_equal(2000, c->node.keepalive_ms);
	assert_int_equal(6000, c->node.dead_ms);
	assert_int_equal(100, c->node.reconnect_min_ms);
	assert_int_equal(10000, c->node.reconnect_max_ms);
	assert_int_equal(BC_START_LIVE, c->routes[0].start);
	assert_true(c->routes[0].window_bytes == 4ULL << 20);
	assert_string_equal("", c->routes[0].spool_dir);
	assert_true(c->routes[0].tls.insecure);
	bc_free(c);
}

static void test_errors(void **state)
{
	(void)state;
	expect_err("[node]\nname = a/b\n", "t.conf:2: [node] name: 1 to 63 characters of A-Z a-z 0-9 . _ -");
	expect_err("name = x\n", "t.conf:1: key 'name' outside any section");
	expect_err("[node]\nname=x\n[nodes]\na=b\n",
		   "t.conf:3: [nodes]: unknown section (expected node, route NAME, listener NAME)");
	expect_err("[node]\nname=x\ncolour=blue\n", "t.conf:3: [node] colour: unknown key");
	expect_err("[node]\nname=x\nname=y\n", "t.conf:3: [node] name: given twice in this section");
	expect_err("[node]\nname=x\n[route a]\nsource=s\n[node]\nid=3\n",
		   "t.conf:5: [node]: section given twice");
	expect_err("[node]\nname=x\ninsecure=yes\n[route a]\nsource=s\n"
		   "destination=kstream://h:1/t\n[route b]\nsource=s\n[route a]\nlinger_ms=1\n",
		   "t.conf:9: [route a]: route defined twice");
	expect_err("[node]\nname=x\n[route a]\ndestination=http://h:1/t\n",
		   "t.conf:4: [route a] destination: expected kstream://HOST:PORT/TOPIC");
	expect_err("[node]\nname=x\n[route a]\nstart=yesterday\n",
		   "t.conf:4: [route a] start: expected live, oldest or a sequence number");
	expect_err("[node]\nname=x\n[route a]\ncompression=gzip\n",
		   "t.conf:4: [route a] compression: expected none, lz4 or zstd");
	expect_err("[node]\nname=x\n[route a]\nlinger_ms=60001\n",
		   "t.conf:4: [route a] linger_ms: expected a number from 0 to 60000");
	expect_err("[node]\nname=x\n[route a]\nbatch_bytes=12Q\n",
		   "t.conf:4: [route a] batch_bytes: expected a size from 1 to 16777216");
	expect_err("[node]\nname=x\n[route a]\npin=sha256:abcd\n",
		   "t.conf:4: [route a] pin: expected sha256: and 64 hex digits (openssl pkey -pubout -outform DER | sha256sum)");
	expect_err("[node]\nname=x\n[route a]\nspool_dir=relative\n",
		   "t.conf:4: [route a] spool_dir: expected an absolute path");
	expect_err("[node]\nname=x\n[route a]\ninsecure=maybe\n",
		   "t.conf:4: [route a] insecure: expected yes or no");
	expect_err("[node]\nname=x\ninsecure=1\n\n[route a]\n  linger_ms=1\ndestination=kstream://h:1/t\n",
		   "t.conf:5: [route a] source: required");
	expect_err("[node]\nname=x\n[route a]\nsource=s\ndestination=kstream://h:1/t\n",
		   "t.conf:3: [route a]: TLS needs cert and key (here or in [node]), or insecure = yes");
	expect_err("[node]\nname=x\ncert=/c\nkey=/k\n[route a]\nsource=s\ndestination=kstream://h:1/t\n",
		   "t.conf:5: [route a]: TLS needs ca or pin (to verify the server), or insecure = yes");
	expect_err("[node]\nname=x\ncert=/c\nkey=/k\n[listener l]\nlisten=:1\ngrant=* t\n",
		   "t.conf:5: [listener l]: TLS needs ca (to verify client certificates), or insecure = yes");
	expect_err("[node]\nname=x\n[listener l]\nlisten=:1\n",
		   "t.conf:3: [listener l] grant: none: this listener would refuse every peer");
	expect_err("[node]\nname=x\n[listener l]\ngrant=cn=a\n",
		   "t.conf:4: [listener l] grant: no topic granted to cn=a");
	expect_err("[node]\nname=x\n[listener l]\ngrant=bob t\n",
		   "t.conf:4: [listener l] grant: identity 'bob': expected cn=NAME, sha256:HEX (64 digits) or *");
	expect_err("[node]\nname=x\n[listener l]\ngrant=* t/x\n",
		   "t.conf:4: [listener l] grant: 't/x' is not a topic name");
	expect_err("[node]\nname=x\n[listener l]\nlisten=7000\n",
		   "t.conf:4: [listener l] listen: expected HOST:PORT, [V6]:PORT or *:PORT");
	expect_err("[node]\nname=x\nkeepalive_ms=1000\ndead_ms=1000\ninsecure=1\n",
		   "t.conf:1: [node] dead_ms: must be above keepalive_ms (1000)");
	expect_err("[node]\nid=5\n", "t.conf:1: [node] name: required");
	expect_err("[node]\nname=x\ninsecure=1\n[route a]\nsource=s\ndestination=kstream://h:1/t\n"
		   "[route b]\nsource=s\ndestination=kstream://h:1/t\n",
		   "t.conf:7: [route b] destination: route a already carries s there");
	expect_err("[node]\nname=x\n", "t.conf:1: no [route NAME] and no [listener NAME]: nothing to do");
	expect_err("[node]\nname=x\nthis is not ini\n",
		   "t.conf:3: syntax error (expected [section], key = value or a comment)");
	expect_err("[route ../x]\nsource=a\n",
		   "t.conf:1: [route ../x]: route name: 1 to 63 of A-Z a-z 0-9 . _ -");
}

static void test_long_line(void **state)
{
	char text[2048];

	(void)state;
	memset(text, 'a', sizeof(text));
	memcpy(text, "[node]\nname=", 12);
	text[sizeof(text) - 1] = 0;
	{
		struct bc_config *c = NULL;
		char err[BC_ERR_MAX];

		assert_int_equal(-1, bc_load_string(text, "t.conf", &c, err, sizeof(err)));
		assert_non_null(strstr(err, "t.conf:2: line longer than"));
	}
}

static void test_file(void **state)
{
	char path[] = "/tmp/test_bridge_config.XXXXXX", err[BC_ERR_MAX];
	struct bc_config *c = NULL;
	int fd = mkstemp(path);

	(void)state;
	assert_true(fd >= 0);
	assert_int_equal((ssize_t)strlen(good), write(fd, good, strlen(good)));
	close(fd);
	assert_int_equal(0, bc_load(path, &c, err, sizeof(err)));
	assert_int_equal(2, c->nroutes);
	assert_string_equal(path, c->path);
	bc_free(c);
	unlink(path);
	assert_int_equal(-1, bc_load(path, &c, err, sizeof(err)));
	assert_non_null(strstr(err, "No such file or directory"));
}

static void test_values(void **state)
{
	char host[64], port[8], topic[64];
	uint8_t pin[32];
	uint64_t v;
	bool b;

	(void)state;
	assert_int_equal(0, bc_parse_size("64M", &v));
	assert_true(v == 64ULL << 20);
	assert_int_equal(0, bc_parse_size("1GiB", &v));
	assert_true(v == 1ULL << 30);
	assert_int_equal(0, bc_parse_size("4096", &v));
	assert_true(v == 4096);
	assert_int_equal(-EINVAL, bc_parse_size("-1", &v));
	assert_int_equal(-EINVAL, bc_parse_size("99999999999999999999G", &v));
	assert_int_equal(-EINVAL, bc_parse_size("1T", &v));
	assert_int_equal(0, bc_parse_bool("Yes", &b));
	assert_true(b);
	assert_int_equal(0, bc_parse_bool("off", &b));
	assert_false(b);
	assert_int_equal(-EINVAL, bc_parse_bool("2", &b));
	assert_int_equal(0, bc_parse_dest("kstream://a.example:65535/t-1", host, sizeof(host),
					  port, sizeof(port), topic, sizeof(topic)));
	assert_string_equal("a.example", host);
	assert_string_equal("65535", port);
	assert_string_equal("t-1", topic);
	assert_int_equal(-EINVAL, bc_parse_dest("kstream://h:65536/t", host, sizeof(host), port,
						sizeof(port), topic, sizeof(topic)));
	assert_int_equal(-EINVAL, bc_parse_dest("kstream://h:1/", host, sizeof(host), port,
						sizeof(port), topic, sizeof(topic)));
	assert_int_equal(-EINVAL, bc_parse_dest("kstream://:1/t", host, sizeof(host), port,
						sizeof(port), topic, sizeof(topic)));
	assert_int_equal(-EINVAL, bc_parse_dest("kstream://[::1/t", host, sizeof(host), port,
						sizeof(port), topic, sizeof(topic)));
	assert_int_equal(0, bc_parse_pin("SHA256:00:11:22:33:44:55:66:77:88:99:aa:bb:cc:dd:ee:ff:"
					 "00:11:22:33:44:55:66:77:88:99:aa:bb:cc:dd:ee:ff", pin));
	assert_int_equal(0x11, pin[1]);
	assert_int_equal(-EINVAL, bc_parse_pin(PIN_HEX "00", pin));
	assert_int_equal(-EINVAL, bc_parse_pin("sha256:zz", pin));
}

/* The id of bridge-protocol.rst, computed independently with sha256sum. */
static void test_producer_id(void **state)
{
	(void)state;
	assert_true(bc_producer_id(1, "imu") == bc_producer_id(1, "imu"));
	assert_true(bc_producer_id(1, "imu") != bc_producer_id(2, "imu"));
	assert_true(bc_producer_id(1, "imu") != bc_producer_id(1, "imu2"));
	/* printf 'kstream-bridge/1\0\0\0\0\0\0\0\1imu' | sha256sum | cut -c1-16 */
	assert_true(bc_producer_id(1, "imu") == 0x3ea7d447b6419afeULL);
}

static void test_equal(void **state)
{
	struct bc_config *a = load_ok(good), *b = load_ok(good);

	(void)state;
	assert_true(bc_route_equal(&a->routes[0], &b->routes[0]));
	b->routes[1].line += 3;	/* a comment inserted above: still the same route */
	assert_true(bc_route_equal(&a->routes[1], &b->routes[1]));
	b->routes[1].linger_ms = 9;
	assert_false(bc_route_equal(&a->routes[1], &b->routes[1]));
	assert_true(bc_listener_equal(&a->listeners[0], &b->listeners[0]));
	b->listeners[0].grants[1].topics[0][0] = 'X';
	assert_false(bc_listener_equal(&a->listeners[0], &b->listeners[0]));
	bc_free(a);
	bc_free(b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good),
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_long_line),
		cmocka_unit_test(test_file),
		cmocka_unit_test(test_values),
		cmocka_unit_test(test_producer_id),
		cmocka_unit_test(test_equal),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
