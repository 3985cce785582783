/* SPDX-License-Identifier: (GPL-2.0 WITH Linux-syscall-note) OR MIT */
/*
 * kstream: in-kernel publish/subscribe topics.
 *
 * Copyright (C) 2026 The kstream authors.
 *
 * This header is the complete userspace ABI of kstream.ko.  Its structures
 * are made of fixed-size types with explicit padding, so they have one
 * layout on every ABI (32- and 64-bit processes share a mapped ring and
 * ioctl arguments; tests/uapi-abi checks x86_64, i386, x32, arm64, armhf
 * and riscv64).
 *
 * Topics
 * ======
 *
 * A topic is a named ring buffer of messages.  Each topic is a character
 * device of class "stream" whose node is /dev/stream/<name> (devtmpfs,
 * mode 0666 with the topic's owner and group: kstream decides every open;
 * the directory exists while at least one topic exists).  Names are 1 to
 * KSTREAM_NAME_MAX - 1 characters of [A-Za-z0-9._-], and neither "." nor
 * "..".
 *
 * Every message committed to a topic gets a sequence number (u64, starting
 * at 0, +1 per committed message, one total order per topic) and an ingress
 * timestamp (CLOCK_REALTIME, ns, taken when the message is committed, so
 * nodes synchronised by PTP/NTP can compare them).  A message dropped by
 * the ingress verdict gets no sequence number: a gap in the sequence seen
 * by a reader always means the reader lost messages.
 *
 * Data plane: /dev/stream/<name>
 * ==============================
 *
 * write(2), writev(2), io_uring/aio writes:
 *   One call publishes one message made of all the bytes of the call,
 *   atomically: the whole message is committed or the call fails and
 *   nothing is.  Errors: EINVAL (zero length), EMSGSIZE (longer than the
 *   topic's msg_max), EOVERFLOW (the fd's producer sequences are used up:
 *   Idempotent producers), EAGAIN (block policy, O_NONBLOCK and no room),
 *   EINTR/ERESTARTSYS (block policy, signal while waiting), ENODEV (the
 *   topic was deleted), EACCES (the fd's opener may no longer publish:
 *   see Authorization), EFAULT.  Returns the number of bytes written.  A
 *   message the ingress verdict drops (a filter) is not an error: the call
 *   succeeds and the message is counted in KSTREAM_STAT_DROPPED.  Nor is
 *   a duplicate of an idempotent producer, counted in
 *   KSTREAM_STAT_DROPPED_DUPLICATE.
 *
 * Batch publish (KSTREAM_FD_BATCH set with KSTREAM_IOC_SET_FLAGS):
 *   one write() carries many messages, as whole records in the framing a
 *   KSTREAM_FD_RECORDS read returns: for each, a struct kstream_msg_hdr,
 *   hdr.len bytes of body, zero or more padding bytes up to
 *   KSTREAM_REC_SIZE(hdr.len) (their value is ignored); the next record
 *   follows.  hdr.seq and hdr.ts_ns are ignored (the kernel assigns
 *   them), so records read from a topic can be written as they are.
 *   hdr.flags is 0 (the body is the payload) or KSTREAM_MSG_ORIGIN (the
 *   body starts with a struct kstream_msg_origin, then the payload; see
 *   Idempotent producers: its producer_id must be the fd's producer id,
 *   and its producer_seq is the record's producer sequence, from which
 *   the fd's next producer sequence goes on, as after
 *   KSTREAM_IOC_SET_PRODUCER; a record without one takes the fd's next
 *   producer sequence, as a write() does).
 *
 *   Each record is one message, judged on its own exactly as a write()
 *   of it would be: the fd's right to publish, an idempotent producer's
 *   duplicate check, the eBPF ingress verdict (a record it drops or
 *   dead-letters, or a duplicate, counts as taken, as write() succeeds
 *   for it); records are committed in order, consecutive in the topic's
 *   sequence when no other producer interleaves, under one hold of the
 *   topic's lock and with one wakeup of waiting readers for the whole
 *   batch (or for each part of it, when a block topic makes the producer
 *   wait for room between records).
 *
 *   The call returns the number of bytes of the records it took, from
 *   the first one on: all of them, or fewer when it stopped at the first
 *   record that failed or because it takes at most max(64 KiB, one
 *   record of msg_max bytes) per call (write the rest again).  It fails
 *   only when not even the first record was taken, with that record's
 *   error: EINVAL (a truncated record: fewer than KSTREAM_REC_SIZE(hdr.len)
 *   bytes left; hdr.len 0, or not above the origin block with
 *   KSTREAM_MSG_ORIGIN; an unknown hdr.flags bit; KSTREAM_MSG_ORIGIN on an
 *   fd without a producer id or with another id than the fd's), EMSGSIZE
 *   (a payload longer than msg_max), and the errors of write() above
 *   (EAGAIN: O_NONBLOCK and no room for the first record; a blocking
 *   producer waits for room record by record; a signal while it waits
 *   returns what was taken before, or EINTR).  Records after the one that
 *   failed are not looked at: retrying from the returned offset gets that
 *   record's error, or succeeds if the cause went away.
 *
 * read(2), readv(2), io_uring/aio reads:
 *   Every reader fd receives every message, with a cursor of its own.  A
 *   new fd starts at the live end (the next message to be published).
 *   By default one call returns the payload of one message.  If the buffer
 *   is smaller than the payload the call fails with EMSGSIZE and the
 *   message stays unread (FIONREAD gives its size).  With
 *   KSTREAM_FD_RECORDS set (KSTREAM_IOC_SET_FLAGS) a call returns as many
 *   whole records (struct kstream_msg_hdr + payload, padded to 8 bytes) as
 *   fit, and fails with EMSGSIZE only when not even the next one fits.
 *   With KSTREAM_FD_ORIGIN also set, messages published by an idempotent
 *   producer come with their origin (Idempotent producers, below).
 *   No data: blocks, or EAGAIN with O_NONBLOCK.  After the topic is
 *   deleted, readers drain what is left and then read 0 (end of file).
 *   EACCES: the fd's opener may no longer subscribe (Authorization).
 *
 * lseek(2) positions the cursor by sequence number and returns the
 *   sequence number of the next message the fd will read:
 *     lseek(fd, seq, SEEK_SET)  replay from seq; if seq is older than the
 *                               oldest message retained, from the oldest
 *                               (so lseek(fd, 0, SEEK_SET) seeks to the
 *                               oldest retained message); EINVAL if seq is
 *                               beyond the live end
 *     lseek(fd, 0, SEEK_CUR)    report the cursor; a non-zero offset moves
 *                               it relative to its position
 *     lseek(fd, 0, SEEK_END)    jump to the live end; lseek(fd, -n,
 *                               SEEK_END) replays the last n messages
 *
 * poll(2)/epoll: EPOLLIN when a message is ready for this fd (or the topic
 *   was deleted and nothing is left), EPOLLOUT when a write of msg_max
 *   bytes would not block, EPOLLHUP once the topic is deleted, EPOLLERR
 *   once the fd's opener lost a right the fd was opened with.  Wakeups
 *   are self-paced: a reader is woken only when a message arrives after
 *   it found nothing to read (in poll or a blocking read), so a consumer
 *   that keeps up without waiting costs producers nothing.
 *
 * mmap(2): zero-copy consumption.  A reader maps two things (PAGE is the
 *   system page size):
 *
 *   The ring: mmap(NULL, PAGE + 2 * ring_size, PROT_READ, MAP_SHARED, fd,
 *     0) on the topic fd (ring_size from KSTREAM_IOC_INFO): one page
 *     holding struct kstream_ring_ctl, then the ring's data mapped twice
 *     back to back, so every record (header, payload) is contiguous even
 *     where it wraps around the end of the ring.  PROT_WRITE fails (EACCES
 *     from the VFS on a read-only fd, EPERM on an O_RDWR one) and
 *     mprotect() cannot add it; another offset or length fails with
 *     EINVAL; an fd not open for reading with EACCES, as does an fd
 *     whose opener may no longer subscribe.
 *
 *   The cursor: cfd = ioctl(fd, KSTREAM_IOC_CURSOR_FD) returns a new fd
 *     (O_RDWR, close-on-exec) for this reader's struct kstream_reader_page;
 *     mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, cfd, 0) maps it
 *     (MAP_PRIVATE: EINVAL).  From the ioctl on, the fd's cursor is the
 *     page's pos field: the consumer advances it, and read(), lseek(),
 *     FIONREAD, poll, the block policy and lag statistics all use it.  The
 *     kernel treats it as untrusted: a position behind the oldest retained
 *     record or beyond the newest is clamped (on block topics a position
 *     behind the oldest holds producers back as a reader at the oldest
 *     does); one that is not on a record boundary makes read() fail with
 *     EIO.  page->lost is the consumer's own report, taken as it is for
 *     the fd's and the topic's lost counters.  A mapped reader that also
 *     uses read() should not: losses read() skips over are not counted.
 *
 *   Mappings and the cursor fd keep the topic (and its memory) alive after
 *   it is deleted, until they are unmapped and closed.  The ring's pages
 *   cannot be pinned on any architecture (a VM_PFNMAP mapping, which
 *   get_user_pages() refuses: O_DIRECT, vmsplice(), process_vm_readv(),
 *   io_uring fixed buffers fail with EFAULT), so that a revocation
 *   (Authorization) leaves no access to them.
 *
 *   Consuming, with pos the consumer's position and ctl, data the maps
 *   (the memory-ordering pairs are documented in Documentation/design.rst):
 *
 *     head = smp_load_acquire(&ctl->head);        // pairs with the kernel's
 *     if (pos == head) -> nothing new;            // release of head
 *     if (pos < READ_ONCE(ctl->tail)) -> lapped: pos = tail
 *     hdr = data + (pos & (ctl->size - 1));       // copy len, flags, seq
 *     smp_rmb(); if (READ_ONCE(ctl->tail) > pos) -> lapped, start again
 *     ... use the payload in place: kstream_msg_payload(hdr),
 *         kstream_msg_payload_len(hdr) bytes (from the copied len and
 *         flags); the origin, if flagged, at hdr + 1 ...
 *     smp_rmb(); if (READ_ONCE(ctl->tail) > pos) -> the payload may have
 *         been overwritten while in use: discard what was computed from
 *         it and count the message as lost
 *     pos += KSTREAM_REC_SIZE(len);
 *     smp_store_release(&page->pos, pos);        // block topics: frees room
 *     smp_mb(); w = READ_ONCE(ctl->wake_pos);
 *     if (READ_ONCE(ctl->writers_waiting) &&     // producers re-check room
 *         (w == 0 || (old_pos < w && pos >= w))) // (0: an older kernel)
 *             ioctl(fd, KSTREAM_IOC_WAKEUP);
 *
 *   Only [tail, head) holds records.  The bytes from head on are free
 *   space a producer may be filling (a message on its way in, which can
 *   still be refused, or zeroes): never interpret them, never read past
 *   the head loaded above.
 *
 *   To sleep, poll() the fd (or use level-triggered epoll): a poll that
 *   finds nothing arms the fd's wakeup.  With EPOLLET, arm by calling
 *   poll() or a non-blocking read() that fails with EAGAIN before waiting.
 *
 *   A sequence number greater than the one expected is loss; the consumer
 *   adds it to page->lost, which the kernel reports in the fd's and the
 *   topic's lost counters.  On block topics producers never overwrite what
 *   page->pos has not passed, so the checks never fail there.
 *
 * Idempotent producers
 * ====================
 *
 * A producer that retries a write (after a timeout, a crash, a lost
 * connection upstream) must not publish the message twice.  A writer fd
 * declares a producer id with KSTREAM_IOC_SET_PRODUCER: a non-zero u64
 * the application chooses, one per logical producer and stable across its
 * restarts (a hash of "node/source", say), and the producer sequence of
 * its next message.  Every message written on the fd then carries the pair
 * (id, seq), and the fd's next producer sequence becomes seq + 1.  The
 * topic keeps, per id, the highest producer sequence it accepted ("last").
 * At the commit, under the lock that assigns topic sequence numbers, so
 * that concurrent writers with the same id are judged in one order:
 *
 *   seq <= last     a duplicate: discarded.  write() succeeds and returns
 *                   the length (the retry is answered as the original
 *                   was); the message is never visible, takes no topic
 *                   sequence number, and KSTREAM_STAT_DROPPED_DUPLICATE
 *                   counts it;
 *   seq == last + 1 committed; last = seq;
 *   seq > last + 1  a jump forward (messages of the producer that never
 *                   reached the topic, or a producer that skips): committed,
 *                   last = seq, and KSTREAM_STAT_PRODUCER_GAPS counts the
 *                   jump (one per jump, whatever its length);
 *   id unknown      committed; the topic learns the id with last = seq.
 *
 * There is no time window: "last" is kept however long the producer stays
 * away, until the topic is deleted or the id is evicted (below).  A message
 * the ingress verdict drops (or dead-letters) is accepted too: last = seq,
 * so its retry is a duplicate and is not judged twice.
 *
 * The fd's next producer sequence advances exactly when write() succeeds
 * (committed, discarded as a duplicate, or dropped by the verdict); a
 * write that fails (EAGAIN, EINTR, EFAULT, ENODEV, ...) leaves it as it
 * was, so retrying the call retries the same sequence.  Threads writing
 * on one fd get consecutive sequences in commit order.  After a message
 * with producer sequence 2^64 - 1, writes fail with EOVERFLOW until the
 * next KSTREAM_IOC_SET_PRODUCER.  Messages written without a producer id
 * (none set, or cleared with id 0) are never deduplicated.
 *
 * A producer that restarts asks the topic where it stands
 * (KSTREAM_IOC_PRODUCER_SEQ on any fd of the topic, or
 * KSTREAM_CMD_PRODUCER_GET) and resumes at last + 1; resending from an
 * older point is harmless, the repeats are discarded.
 *
 * The table is bounded: a topic holds at most producers_max ids
 * (KSTREAM_A_TOPIC_PRODUCERS_MAX at creation, default the max_producers
 * module parameter, 1024), allocated when the first fd of the topic sets
 * a producer id and charged to that process's memory cgroup (about 48
 * bytes an id plus the hash heads).  When a message of a new id arrives
 * with the table full, the least recently used id (the one whose last
 * accepted message is the oldest) is evicted, and
 * KSTREAM_STAT_PRODUCERS_EVICTED counts it.  An evicted id is unknown
 * again: KSTREAM_IOC_PRODUCER_SEQ answers without KSTREAM_PRODUCER_KNOWN,
 * and its next message is accepted whatever its sequence (that one message
 * is not checked), after which deduplication resumes; the fd that was
 * using the id then finds KSTREAM_PRODUCER_EVICTED in its own query, so
 * the eviction is never silent to the producer.  Size producers_max
 * above the number of producers a topic has, and alert on evictions.
 *
 * Producer ids are cooperative, not authenticated (as in Kafka): any fd
 * that may publish may use any id, including one another process uses;
 * Documentation/security.rst says what follows.
 *
 * Origin: each message published with a producer id carries it.  In the
 * ring, its record has KSTREAM_MSG_ORIGIN in hdr.flags, and a struct
 * kstream_msg_origin (16 bytes) between the header and the payload,
 * counted in hdr.len: hdr.len = 16 + payload bytes.  Counting it keeps
 * the record size KSTREAM_REC_SIZE(hdr.len), so every program that walks
 * records with it, whatever flags it knows, finds the next record; the
 * payload stays 8-byte aligned; and messages without an origin are as
 * they always were (flags 0, nothing added).  msg_max bounds the payload:
 * hdr.len may reach msg_max + 16 on flagged records.
 *
 * Readers see what they asked for, so that programs written before
 * origins read exactly what they read before:
 *   read() of one message returns the payload; with KSTREAM_FD_ORIGIN set
 *     (KSTREAM_IOC_SET_FLAGS), a struct kstream_msg_origin followed by the
 *     payload, for every message (producer_id 0 for one without origin);
 *   records mode returns records without origin blocks (the kernel strips
 *     them: flags 0, hdr.len the payload); with KSTREAM_FD_ORIGIN, the
 *     records as they are in the ring;
 *   the mapped ring is the ring: a zero-copy reader must honour hdr.flags
 *     (kstream_msg_payload() and kstream_msg_payload_len() do), and treat
 *     a record with flags it does not know as it treats a corrupt one;
 *   FIONREAD gives the payload size in every case.
 *
 *   KSTREAM_POLICY_OVERWRITE  producers never block; when the ring is full
 *     the oldest messages are evicted and readers that had not read them
 *     lose them.  Every loss is visible: as a gap in the sequence numbers,
 *     in the fd's lost counter (KSTREAM_IOC_INFO) and in the topic's
 *     counters.
 *   KSTREAM_POLICY_BLOCK  lossless: a producer waits (or gets EAGAIN with
 *     O_NONBLOCK) while committing its message would overwrite a message
 *     some reader fd has not read yet.
 *
 * Control plane: generic netlink
 * ==============================
 *
 * Family KSTREAM_GENL_NAME, version KSTREAM_GENL_VERSION, in the initial
 * network namespace only.  Resolve the family id with CTRL_CMD_GETFAMILY.
 * Attribute validation is strict and per command (exact lengths, ranges,
 * no unknown attributes, no attribute the command does not take, nests
 * flagged NLA_F_NESTED, unknown KSTREAM_ACL_* bits EINVAL); every
 * rejection carries an extended-ack message naming the problem, and a
 * missing required attribute is also named by NLMSGERR_ATTR_MISS_TYPE
 * (with NLMSGERR_ATTR_MISS_NEST inside a nest).  A value outside the
 * range its attribute allows (the bounds below) fails with ERANGE, and the
 * extended ack points at the attribute and carries the bounds; other bad
 * values (a ring size that is not a power of two, say) fail with EINVAL.
 * Who may do what is the topic's policy (Authorization, below); a request
 * the policy refuses fails with EPERM and an extended-ack message.
 *
 * KSTREAM_CMD_TOPIC_NEW: create a topic.
 *   KSTREAM_A_TOPIC_NAME          (required)
 *   KSTREAM_A_TOPIC_RING_SIZE     power of two, KSTREAM_RING_SIZE_MIN to
 *                                 KSTREAM_RING_SIZE_MAX (default 1 MiB)
 *   KSTREAM_A_TOPIC_MSG_MAX       1 to min(ring size / 4,
 *                                 KSTREAM_MSG_MAX_LIMIT) (default
 *                                 min(64 KiB, ring size / 4))
 *   KSTREAM_A_TOPIC_POLICY        enum kstream_policy (default overwrite)
 *   KSTREAM_A_TOPIC_MODE          the topic's permission bits, 1 to
 *                                 0777 (default 0600; Authorization)
 *   KSTREAM_A_TOPIC_UID, _GID     owner of the topic and its node, in the
 *                                 caller's user namespace (default: the
 *                                 caller's effective uid and gid)
 *   KSTREAM_A_TOPIC_PRODUCERS_MAX producer ids the deduplication table
 *                                 holds, 1 to KSTREAM_PRODUCERS_MAX_LIMIT
 *                                 (default: the max_producers module
 *                                 parameter)
 *   Replies with the topic, as KSTREAM_CMD_TOPIC_GET does.  Errors: EPERM
 *   (the caller may not create topics, or not with this owner: see
 *   Authorization), EEXIST (name taken), ERANGE or EINVAL (bad value),
 *   ENOSPC (the module's topic count or ring memory cap would be exceeded;
 *   see the max_topics and max_ring_memory module parameters), ENOMEM.
 *
 * KSTREAM_CMD_TOPIC_DEL: delete the topic KSTREAM_A_TOPIC_NAME.  Its node
 *   disappears at once; open fds keep working as described above and the
 *   memory is freed when the last one is closed.  EPERM if the caller does
 *   not administer the topic (whether or not it exists), else ENOENT if no
 *   such topic.
 *
 * KSTREAM_CMD_TOPIC_GET: with KSTREAM_A_TOPIC_NAME, get one topic (ENOENT
 *   if none); as a dump (NLM_F_DUMP), every topic in id order.  Each reply
 *   carries NAME, ID, RING_SIZE, MSG_MAX, POLICY, MODE, UID, GID,
 *   PRODUCERS_MAX, the
 *   KSTREAM_A_TOPIC_STATS nest, the KSTREAM_A_TOPIC_ACL nest (empty
 *   when the topic has no ACL entries) and, while an ingress filter is
 *   attached, KSTREAM_A_FILTER_NAME; a reply to a single-topic get also
 *   carries KSTREAM_A_TOPIC_READERS, one nest per reader fd.  Needs no
 *   privilege.
 *
 * KSTREAM_CMD_STATS_RESET: zero the counters of topic KSTREAM_A_TOPIC_NAME
 *   that count events (published, delivered, dropped, lost, errors, the
 *   latency histogram, the denial counter); gauges (readers, writers,
 *   sequences, ring use, lag) are not counters and stay.  Errors: EPERM
 *   (the caller does not administer the topic, whether or not it exists),
 *   ENOENT (no such topic).
 *
 * KSTREAM_CMD_PRODUCER_GET: the deduplication state of the topic
 *   KSTREAM_A_TOPIC_NAME (required) for the producer id
 *   KSTREAM_A_PRODUCER_ID (required, non-zero).  The reply carries
 *   KSTREAM_A_TOPIC_NAME, KSTREAM_A_PRODUCER_ID, KSTREAM_A_PRODUCER_FLAGS
 *   (KSTREAM_PRODUCER_KNOWN when the topic has state for the id) and, if
 *   known, KSTREAM_A_PRODUCER_LAST_SEQ; an unknown id is not an error.  As
 *   a dump (NLM_F_DUMP, KSTREAM_A_TOPIC_NAME required), one such message
 *   per id the topic holds, in table order; ids the topic learns while
 *   the dump runs may be missed.  Needs what
 *   KSTREAM_CMD_TOPIC_GET needs.  Errors: ENOENT (no such topic), EINVAL.
 *
 * KSTREAM_CMD_EVENT: notifications to the multicast group
 *   KSTREAM_MCGRP_EVENTS ("events"; resolve its id with the controller):
 *   KSTREAM_A_EVENT, KSTREAM_A_TOPIC_NAME, KSTREAM_A_TOPIC_ID, and for
 *   READER_LAPPED KSTREAM_A_EVENT_LOST and KSTREAM_A_EVENT_PID.  Lap events
 *   are rate-limited to one per topic per second; the lost count of a sent
 *   event covers the laps suppressed since the previous one.  TOPIC_CHANGED
 *   follows an ACL_ADD or ACL_DEL that changed the ACL and every
 *   FILTER_ATTACH, FILTER_DETACH, DEADLETTER_SET and TOPIC_SET that
 *   succeeded.  DENIED follows a refused open, read,
 *   write, mmap or admin request about an existing topic, with
 *   KSTREAM_A_EVENT_PID (the refused process), at most one per topic per
 *   second (KSTREAM_STAT_DENIED counts them all).  When the module is
 *   unloaded, every topic still there gets its TOPIC_DEL.
 *
 * The same statistics are readable in sysfs, read-only, one value per
 * file: /sys/class/stream/<name>/stats/<counter> (names as in streamctl's
 * JSON output) and /sys/class/stream/<name>/latency_histogram/bucket<i>,
 * 0 <= i < KSTREAM_LAT_BUCKETS (Documentation/ABI/testing/
 * sysfs-class-stream lists every file).
 * Tracepoints kstream:kstream_publish, kstream_drop, kstream_deliver and
 * kstream_lap let perf and bpftrace follow one message end to end.
 *
 * eBPF ingress filters
 * ====================
 *
 * A filter is an eBPF struct_ops map of type struct kstream_ingress_ops
 * (declared by the module, in its BTF: /sys/kernel/btf/kstream) that is
 * registered with the kernel (a struct_ops link, usually pinned in bpffs
 * by "streamctl filter load").  Registering gives it a unique name (the
 * ops' name member, same rules as topic names) and a filter id; closing or
 * unpinning the last reference to the link unregisters it and detaches it
 * from every topic.  While any filter is registered the module cannot be
 * unloaded.  Filters need Linux 6.9 or later; on older kernels every
 * filter command fails with EOPNOTSUPP and an extended-ack message saying
 * so.
 *
 * A topic has at most one filter.  Its verdict program runs once per
 * message published to the topic, before the message is committed, and
 * returns an enum kstream_ingress_verdict.  The program side (struct
 * kstream_ingress_ops, the kfuncs that read the message) is described in
 * Documentation/bpf.rst; bpf/kstream_ingress.h declares the kfuncs.  Dropped messages get no
 * sequence number; the producer's write(2) still succeeds.  The topic
 * counts drops by reason (KSTREAM_STAT_DROPPED_FILTER, _SAMPLE,
 * _RATELIMIT, _DEADLETTER) and in total (KSTREAM_STAT_DROPPED).
 *
 * Dead-letter topics.  KSTREAM_INGRESS_DEADLETTER rejects a message as
 * invalid: unlike the drops, which stay silent by design, the kernel
 * writes it to the topic's dead-letter topic, if it has one, as a record
 * of its own: the message's payload is the struct kstream_deadletter
 * header (where the message came from, why, when, who sent it) followed
 * by the original payload, truncated to what the dead-letter topic's
 * msg_max leaves (KSTREAM_DL_TRUNCATED then says so).  The record gets a
 * sequence number of the dead-letter topic; readers get it through
 * read(), records mode and the mapped ring like any message.  The kernel
 * writes it whatever the producer's rights on the dead-letter topic (it
 * needs none), without the dead-letter topic's own filter and never
 * waiting: on a block dead-letter topic without room the record is lost
 * and counted in the source's KSTREAM_STAT_DEADLETTER_LOST; the source's
 * producer is never held up.  The source counts what it routed in
 * KSTREAM_STAT_DEADLETTERED, the dead-letter topic what it received in
 * KSTREAM_STAT_DEADLETTER_IN.  Without a dead-letter topic (none set, or
 * it was deleted) the verdict is a drop, counted in
 * KSTREAM_STAT_DROPPED_DEADLETTER.  An idempotent producer's duplicate is
 * discarded before the verdict and never dead-lettered.
 *
 * KSTREAM_CMD_DEADLETTER_SET: the dead-letter topic of the topic
 *   KSTREAM_A_TOPIC_NAME becomes KSTREAM_A_TOPIC_DEADLETTER (a topic
 *   name), or none without that attribute.  Needs the admin right on both
 *   topics (EPERM).  EINVAL (with an extended ack) when the dead-letter
 *   topic is the topic itself, when dead-letter topics would form a loop
 *   (A -> B -> ... -> A), or when its msg_max is not above
 *   sizeof(struct kstream_deadletter); ENOENT if either topic does not
 *   exist.  Followed by KSTREAM_EVENT_TOPIC_CHANGED and audited
 *   (op=deadletter_set).  KSTREAM_CMD_TOPIC_NEW takes the same attribute,
 *   with the same checks.  Topic replies carry KSTREAM_A_TOPIC_DEADLETTER
 *   while one is set.  When a dead-letter topic is deleted, every topic
 *   that used it falls back to having none.
 *
 * KSTREAM_CMD_TOPIC_SET: change the topic KSTREAM_A_TOPIC_NAME (required)
 *   in place, keeping its messages, readers and counters.  Any of
 *   KSTREAM_A_TOPIC_MODE, _UID, _GID (as for TOPIC_NEW; the node follows),
 *   KSTREAM_A_TOPIC_POLICY and KSTREAM_A_TOPIC_MSG_MAX; at least one.
 *   Mode, owner and group change at any time: rights they take away are
 *   revoked from open fds as an ACL_DEL would.  The policy and msg_max
 *   change only while no fd is open on the topic (EBUSY otherwise): open
 *   readers sized their buffers by msg_max (KSTREAM_IOC_INFO), a mapped
 *   ring's header carries both, and producers waiting for room rely on
 *   the policy.  msg_max may be lowered only while the ring is empty
 *   (EBUSY): readers replay retained messages, which must stay within it;
 *   and not on a topic that is another topic's dead-letter topic (EBUSY):
 *   its producers write into it at any time.  The ring size never changes
 *   on a live topic (it is allocated, and mapped, once; delete and create
 *   the topic to resize it): KSTREAM_A_TOPIC_RING_SIZE, like the producer
 *   table size and the dead-letter topic (KSTREAM_CMD_DEADLETTER_SET), is
 *   not an attribute of this command.  Needs the admin right on the topic
 *   (EPERM); without CAP_NET_ADMIN, the new owner must be the caller's
 *   effective uid and the new group one of its groups, as at creation.
 *   Replies with the topic as KSTREAM_CMD_TOPIC_GET does; followed by
 *   KSTREAM_EVENT_TOPIC_CHANGED; audited (op=topic_set, with what was
 *   set).  Errors: ENOENT, EPERM, EBUSY, EINVAL, ERANGE.
 *
 * KSTREAM_CMD_CONFIG_GET: the module's settings, for anyone: the reply
 *   carries KSTREAM_A_CREATOR_GID (the creator_gid module parameter, in
 *   the caller's user namespace; KSTREAM_CREATOR_GID_NONE if none is set
 *   or it does not map there).
 *
 * KSTREAM_CMD_CONFIG_SET: change the module's settings: KSTREAM_A_CREATOR_GID
 *   (required), the group whose members may create topics (Authorization,
 *   below), a gid in the caller's user namespace or
 *   KSTREAM_CREATOR_GID_NONE.  A security policy change: needs
 *   CAP_SYS_ADMIN in the initial user namespace (EPERM) and is audited
 *   (op=config_set, old and new gid).  The creator_gid module parameter is
 *   read-only and shows the current value.
 *
 * KSTREAM_CMD_FILTER_ATTACH: attach the filter KSTREAM_A_FILTER_NAME to
 *   the topic KSTREAM_A_TOPIC_NAME, replacing atomically the filter it
 *   had (every message is judged by the old or the new one).  ENOENT if
 *   there is no such topic or filter.
 *
 * KSTREAM_CMD_FILTER_DETACH: detach the filter of the topic
 *   KSTREAM_A_TOPIC_NAME; when the call returns no message is judged by
 *   it any more.  ENOENT if there is no such topic or it has no filter.
 *
 * KSTREAM_CMD_FILTER_GET: with KSTREAM_A_FILTER_NAME, one registered
 *   filter (ENOENT if none); as a dump, every registered filter in id
 *   order.  Each reply carries KSTREAM_A_FILTER_NAME, KSTREAM_A_FILTER_ID
 *   and KSTREAM_A_FILTER_TOPICS, a nest of one KSTREAM_A_TOPIC_NAME per
 *   topic the filter is attached to.
 *
 * Attaching and detaching need the admin right on the topic (EPERM
 * otherwise, whether or not the topic exists; on kernels without filters
 * EOPNOTSUPP comes first) and nothing on the filter: a registered filter
 * may be attached by the admin of any topic (Documentation/security.rst
 * says why).  Registering a filter needs what loading any struct_ops
 * program needs (CAP_BPF and CAP_PERFMON, or root).
 *
 * KSTREAM_CMD_ACL_ADD: grant rights on the topic KSTREAM_A_TOPIC_NAME.
 *   KSTREAM_A_ACL_ENTRY           (required) nest of enum kstream_acl_attr:
 *     KSTREAM_ACL_A_TYPE          (required) enum kstream_acl_type
 *     KSTREAM_ACL_A_ID            (required) uid or gid, in the caller's
 *                                 user namespace
 *     KSTREAM_ACL_A_RIGHTS        (required) KSTREAM_ACL_* bits, not 0
 *   The rights are added to the entry of that user or group (created if
 *   there is none).  Errors: EPERM (the caller does not administer the
 *   topic), ENOENT (no such topic), EINVAL (missing or bad attribute, an
 *   id that does not map to the initial user namespace), ENOSPC (the topic
 *   has KSTREAM_ACL_MAX_ENTRIES entries already).
 *
 * KSTREAM_CMD_ACL_DEL: revoke rights.  The same attributes; without
 *   KSTREAM_ACL_A_RIGHTS every right of the entry is revoked.  An entry
 *   left with no right is removed.  ENOENT if the topic or the entry does
 *   not exist; otherwise as KSTREAM_CMD_ACL_ADD.  A revocation takes effect
 *   on fds that are already open (Authorization, below).
 *
 * Authorization
 * =============
 *
 * Documentation/security.rst is the full model; in short:
 *
 * A topic has an owner uid, a group gid and a mode (permission bits),
 * plus at most KSTREAM_ACL_MAX_ENTRIES ACL entries, each granting a user
 * or a group some of KSTREAM_ACL_PUBLISH (write), KSTREAM_ACL_SUBSCRIBE
 * (read, mmap) and KSTREAM_ACL_ADMIN (configure the topic: its ACL, its
 * ingress filter, resetting its counters; delete it).  Publish and
 * subscribe rights are decided as the POSIX ACL "mode + entries" would
 * decide them (owner, then a named user, then the owning and named
 * groups, then others; read bits mean subscribe, write bits publish).
 * The topic device's sysfs attribute "acl" shows that POSIX ACL, and a
 * KOBJ_CHANGE uevent announces every change of data rights, mode, owner
 * or group, for udev to display it on the node (getfacl): a display of
 * kstream's decision, never a control.  CAP_DAC_OVERRIDE
 * (CAP_DAC_READ_SEARCH for subscribing) in the initial user namespace
 * overrides it, as it does for files.
 *
 * Device nodes are 0666, so every open reaches kstream, which checks the
 * rights the open mode needs (EACCES), also for nodes created elsewhere
 * with mknod: a node's own permissions never give a right.  Every write,
 * read, lseek, FIONREAD, KSTREAM_IOC_INFO, KSTREAM_IOC_CURSOR_FD and mmap
 * on an open fd checks the rights of the credentials the fd was opened
 * with (not those of the caller: an fd passed to another process, over
 * SCM_RIGHTS for example, delegates its opener's rights), so revoking a
 * grant makes the next such call on fds already open fail with EACCES,
 * poll() report EPOLLERR, blocked readers and writers wake up and fail,
 * and a revoked reader's ring mapping stop being served: its next access
 * to the ring raises SIGBUS.  Rights granted back are regained.
 *
 * Creating a topic needs CAP_NET_ADMIN in the initial user namespace, or
 * membership of the group given by the creator_gid module parameter (set
 * at load time, changed by KSTREAM_CMD_CONFIG_SET);
 * such a creator must own the topic (UID its effective uid, GID one of its
 * groups) and gets an ACL entry granting it KSTREAM_ACL_ADMIN.  Deleting a
 * topic, changing its ACL, attaching or detaching its filter and resetting
 * its counters need CAP_NET_ADMIN in the initial user namespace or the
 * admin right on that topic.  Root in a user namespace
 * has no capability in the initial one and its uid is the one it maps to:
 * it gains nothing.
 *
 * Every denial fails with EPERM (control plane) or EACCES (data plane),
 * is counted in the topic's KSTREAM_STAT_DENIED and is audited (record
 * type AUDIT_KERNEL_OTHER, "kstream op=... res=0"); so is every change of
 * the configuration (create, delete, ACL changes, topic set, filter
 * attach and detach, stats reset, dead-letter links, config set; res=1).  (An open the
 * node's displayed permissions refuse is refused by the VFS before
 * kstream sees it.)
 */

#ifndef _UAPI_LINUX_KSTREAM_H
#define _UAPI_LINUX_KSTREAM_H

#include <linux/types.h>
#include <linux/ioctl.h>

#define KSTREAM_GENL_NAME	"kstream"
#define KSTREAM_GENL_VERSION	1

/* Class of the topic devices: /sys/class/stream/<name>. */
#define KSTREAM_CLASS_NAME	"stream"

/* Topic names: at most KSTREAM_NAME_MAX - 1 characters. */
#define KSTREAM_NAME_MAX	64

#define KSTREAM_RING_SIZE_MIN	0x1000U		/* 4 KiB */
#define KSTREAM_RING_SIZE_MAX	0x40000000U	/* 1 GiB */
#define KSTREAM_RING_SIZE_DEFAULT 0x100000U	/* 1 MiB */
#define KSTREAM_MSG_MAX_LIMIT	0x100000U	/* 1 MiB */
#define KSTREAM_MSG_MAX_DEFAULT	0x10000U	/* 64 KiB */

enum kstream_policy {
	KSTREAM_POLICY_OVERWRITE,
	KSTREAM_POLICY_BLOCK,

	__KSTREAM_POLICY_MAX
};

#define KSTREAM_POLICY_MAX (__KSTREAM_POLICY_MAX - 1)

enum kstream_cmd {
	KSTREAM_CMD_UNSPEC,
	KSTREAM_CMD_TOPIC_NEW,
	KSTREAM_CMD_TOPIC_DEL,
	KSTREAM_CMD_TOPIC_GET,
	KSTREAM_CMD_FILTER_ATTACH,
	KSTREAM_CMD_FILTER_DETACH,
	KSTREAM_CMD_FILTER_GET,
	KSTREAM_CMD_STATS_RESET,
	KSTREAM_CMD_EVENT,
	KSTREAM_CMD_ACL_ADD,
	KSTREAM_CMD_ACL_DEL,
	KSTREAM_CMD_PRODUCER_GET,
	KSTREAM_CMD_DEADLETTER_SET,
	KSTREAM_CMD_TOPIC_SET,
	KSTREAM_CMD_CONFIG_GET,
	KSTREAM_CMD_CONFIG_SET,

	__KSTREAM_CMD_MAX
};

#define KSTREAM_CMD_MAX (__KSTREAM_CMD_MAX - 1)

enum kstream_attr {
	KSTREAM_A_UNSPEC,
	KSTREAM_A_TOPIC_NAME,		/* string, NUL-terminated */
	KSTREAM_A_TOPIC_ID,		/* u32, device minor (read-only) */
	KSTREAM_A_TOPIC_RING_SIZE,	/* u32, bytes */
	KSTREAM_A_TOPIC_MSG_MAX,	/* u32, bytes */
	KSTREAM_A_TOPIC_POLICY,		/* u32, enum kstream_policy */
	KSTREAM_A_TOPIC_MODE,		/* u16, permission bits of the node */
	KSTREAM_A_TOPIC_UID,		/* u32, owner uid of the node */
	KSTREAM_A_TOPIC_GID,		/* u32, owner gid of the node */
	KSTREAM_A_TOPIC_STATS,		/* nest, enum kstream_stat (read-only) */
	KSTREAM_A_PAD,
	KSTREAM_A_FILTER_NAME,		/* string, NUL-terminated */
	KSTREAM_A_FILTER_ID,		/* u32 (read-only) */
	KSTREAM_A_FILTER_TOPICS,	/* nest of KSTREAM_A_TOPIC_NAME (read-only) */
	KSTREAM_A_TOPIC_READERS,	/* nest of nests, enum kstream_reader_attr */
	KSTREAM_A_EVENT,		/* u32, enum kstream_event */
	KSTREAM_A_EVENT_LOST,		/* u64, READER_LAPPED: messages lost */
	KSTREAM_A_EVENT_PID,		/* u32, the process concerned */
	/* Nest of KSTREAM_A_ACL_ENTRY, users by uid then groups by gid. */
	KSTREAM_A_TOPIC_ACL,		/* nest (read-only) */
	KSTREAM_A_ACL_ENTRY,		/* nest, enum kstream_acl_attr */
	KSTREAM_A_TOPIC_PRODUCERS_MAX,	/* u32, ids of the producer table */
	KSTREAM_A_PRODUCER_ID,		/* u64, a producer id (not 0) */
	KSTREAM_A_PRODUCER_LAST_SEQ,	/* u64, its last sequence (read-only) */
	KSTREAM_A_PRODUCER_FLAGS,	/* u32, KSTREAM_PRODUCER_* (read-only) */
	KSTREAM_A_TOPIC_DEADLETTER,	/* string, the dead-letter topic's name */
	KSTREAM_A_CREATOR_GID,		/* u32, KSTREAM_CREATOR_GID_NONE: nobody */

	__KSTREAM_A_MAX
};

#define KSTREAM_A_MAX (__KSTREAM_A_MAX - 1)

/* KSTREAM_A_CREATOR_GID: no creator group (the default). */
#define KSTREAM_CREATOR_GID_NONE	0xffffffffU

/* Attributes inside KSTREAM_A_TOPIC_STATS; all u64 counters. */
enum kstream_stat {
	KSTREAM_STAT_UNSPEC,
	KSTREAM_STAT_PUBLISHED,		/* messages committed */
	KSTREAM_STAT_PUBLISHED_BYTES,	/* payload bytes committed */
	KSTREAM_STAT_DROPPED,		/* dropped by the ingress verdict (total) */
	KSTREAM_STAT_LOST,		/* messages readers lost (overwrite) */
	KSTREAM_STAT_READERS,		/* open reader fds */
	KSTREAM_STAT_WRITERS,		/* open writer fds */
	KSTREAM_STAT_HEAD_SEQ,		/* sequence the next message gets */
	KSTREAM_STAT_TAIL_SEQ,		/* sequence of the oldest retained */
	KSTREAM_STAT_RING_USED,		/* bytes of retained records */
	KSTREAM_STAT_PAD,
	KSTREAM_STAT_DROPPED_FILTER,	/* verdict KSTREAM_INGRESS_DROP (and unknown) */
	KSTREAM_STAT_DROPPED_SAMPLE,	/* verdict KSTREAM_INGRESS_DROP_SAMPLE */
	KSTREAM_STAT_DROPPED_RATELIMIT,	/* verdict KSTREAM_INGRESS_DROP_RATELIMIT */
	KSTREAM_STAT_DELIVERED,		/* messages read() handed to readers */
	KSTREAM_STAT_DELIVERED_BYTES,	/* their payload bytes */
	KSTREAM_STAT_ERR_EMPTY,		/* publishes refused: empty, malformed batch (EINVAL) */
	KSTREAM_STAT_ERR_TOO_BIG,	/* ... longer than msg_max (EMSGSIZE) */
	KSTREAM_STAT_ERR_FULL,		/* ... no room, non-blocking (EAGAIN) */
	KSTREAM_STAT_ERR_INTR,		/* ... signal while waiting (EINTR) */
	KSTREAM_STAT_ERR_FAULT,		/* ... bad buffer (EFAULT) */
	/*
	 * ... topic deleted (ENODEV): only deleted topics count these, and
	 * they are gone from netlink and sysfs, so it reads 0 (reserved).
	 */
	KSTREAM_STAT_ERR_GONE,
	KSTREAM_STAT_MAX_LAG,		/* messages the slowest reader is behind */
	KSTREAM_STAT_MAX_LAG_BYTES,	/* ring bytes (as RING_USED) it is behind */
	KSTREAM_STAT_LATENCY,		/* binary: __u64[KSTREAM_LAT_BUCKETS] */
	KSTREAM_STAT_DENIED,		/* requests the policy refused */
	/* Idempotent producers: duplicates discarded (not in DROPPED). */
	KSTREAM_STAT_DROPPED_DUPLICATE,
	KSTREAM_STAT_PRODUCER_GAPS,	/* forward jumps of producer sequences */
	KSTREAM_STAT_PRODUCERS_EVICTED,	/* ids evicted from a full table */
	KSTREAM_STAT_PRODUCERS,		/* ids the table holds (gauge) */
	/* Dead-letter topics (see eBPF ingress filters). */
	KSTREAM_STAT_DROPPED_DEADLETTER,	/* ... DEADLETTER, no dead-letter topic */
	KSTREAM_STAT_DEADLETTERED,	/* records written to the dead-letter topic */
	KSTREAM_STAT_DEADLETTER_LOST,	/* ... that found no room there */
	KSTREAM_STAT_DEADLETTER_IN,	/* records received as a dead-letter topic */

	__KSTREAM_STAT_MAX
};

#define KSTREAM_STAT_MAX (__KSTREAM_STAT_MAX - 1)

/* Attributes of an ACL entry (KSTREAM_A_ACL_ENTRY); all u32. */
enum kstream_acl_attr {
	KSTREAM_ACL_A_UNSPEC,
	KSTREAM_ACL_A_TYPE,		/* enum kstream_acl_type */
	KSTREAM_ACL_A_ID,		/* uid or gid */
	KSTREAM_ACL_A_RIGHTS,		/* KSTREAM_ACL_* bits */

	__KSTREAM_ACL_A_MAX
};

#define KSTREAM_ACL_A_MAX (__KSTREAM_ACL_A_MAX - 1)

enum kstream_acl_type {
	KSTREAM_ACL_USER,		/* user:UID */
	KSTREAM_ACL_GROUP,		/* group:GID */

	__KSTREAM_ACL_TYPE_MAX
};

#define KSTREAM_ACL_TYPE_MAX (__KSTREAM_ACL_TYPE_MAX - 1)

/* Rights an ACL entry grants. */
#define KSTREAM_ACL_PUBLISH	0x1U	/* open for writing, write */
#define KSTREAM_ACL_SUBSCRIBE	0x2U	/* open for reading, read, mmap */
#define KSTREAM_ACL_ADMIN	0x4U	/* configure (ACL, filter, stats), delete */
#define KSTREAM_ACL_RIGHTS_ALL	0x7U

/* ACL entries per topic. */
#define KSTREAM_ACL_MAX_ENTRIES	32

/*
 * What an ingress filter's verdict program returns for a message.  Any
 * other value drops the message and counts as KSTREAM_INGRESS_DROP.
 */
enum kstream_ingress_verdict {
	KSTREAM_INGRESS_PASS,		/* commit the message */
	KSTREAM_INGRESS_DROP,		/* filtered out */
	KSTREAM_INGRESS_DROP_SAMPLE,	/* not sampled */
	KSTREAM_INGRESS_DROP_RATELIMIT,	/* over the rate limit */
	KSTREAM_INGRESS_DEADLETTER,	/* invalid: to the dead-letter topic */

	__KSTREAM_INGRESS_MAX
};

#define KSTREAM_INGRESS_MAX (__KSTREAM_INGRESS_MAX - 1)

/*
 * KSTREAM_STAT_LATENCY: how long messages waited between their ingress
 * timestamp and a read() that delivered them, as a log2 histogram:
 * bucket i counts deliveries that took [2^i, 2^(i+1)) ns (bucket 0 also
 * counts 0 and 1 ns; the last bucket everything longer).  Its total equals
 * KSTREAM_STAT_DELIVERED.  Readers consuming through the mapping bypass
 * the kernel and are not in it (nor in DELIVERED): their progress shows
 * as lag.
 */
#define KSTREAM_LAT_BUCKETS	40

/*
 * Per reader, in KSTREAM_A_TOPIC_READERS (KSTREAM_CMD_TOPIC_GET only): one
 * nest of attribute type 0 per reader fd.  DELIVERED and LOST are the
 * fd's own, since it was opened (a stats reset does not touch them).
 */
enum kstream_reader_attr {
	KSTREAM_READER_UNSPEC,
	KSTREAM_READER_PID,		/* u32, process that opened the fd */
	KSTREAM_READER_MAPPED,		/* flag: consumes through the mapping */
	KSTREAM_READER_DELIVERED,	/* u64, messages read() gave it */
	KSTREAM_READER_LOST,		/* u64 */
	KSTREAM_READER_LAG,		/* u64, messages behind the newest */
	KSTREAM_READER_LAG_BYTES,	/* u64, ring bytes behind the newest */
	KSTREAM_READER_PAD,

	__KSTREAM_READER_MAX
};

#define KSTREAM_READER_MAX (__KSTREAM_READER_MAX - 1)

/* Events of the "events" multicast group (KSTREAM_CMD_EVENT). */
#define KSTREAM_MCGRP_EVENTS	"events"

enum kstream_event {
	KSTREAM_EVENT_UNSPEC,
	KSTREAM_EVENT_TOPIC_NEW,	/* a topic was created */
	KSTREAM_EVENT_TOPIC_DEL,	/* a topic was deleted */
	KSTREAM_EVENT_TOPIC_CHANGED,	/* a topic was reconfigured */
	KSTREAM_EVENT_READER_LAPPED,	/* a reader lost messages (rate-limited) */
	KSTREAM_EVENT_DENIED,		/* an operation was denied */
	KSTREAM_EVENT_STATS_RESET,	/* a topic's counters were reset */

	__KSTREAM_EVENT_MAX
};

#define KSTREAM_EVENT_MAX (__KSTREAM_EVENT_MAX - 1)

/*
 * A record: what KSTREAM_FD_RECORDS reads return, one after the other, and
 * what the ring holds.  The body (hdr.len bytes: the blocks hdr.flags
 * announces, then the payload) follows the header; the next record starts
 * at the next multiple of 8 bytes (KSTREAM_REC_SIZE(len)), whatever the
 * flags.  Padding bytes are zero.
 */
struct kstream_msg_hdr {
	__u32 len;		/* body bytes: blocks and payload */
	__u32 flags;		/* KSTREAM_MSG_*; 0: the body is the payload */
	__u64 seq;		/* sequence number */
	__u64 ts_ns;		/* ingress time, CLOCK_REALTIME, ns */
};

#define KSTREAM_REC_ALIGN	8
#define KSTREAM_REC_SIZE(len) \
	((sizeof(struct kstream_msg_hdr) + (len) + KSTREAM_REC_ALIGN - 1) & \
	 ~(__u64)(KSTREAM_REC_ALIGN - 1))

/*
 * hdr.flags: a struct kstream_msg_origin precedes the payload (an
 * idempotent producer's message; see Idempotent producers).
 */
#define KSTREAM_MSG_ORIGIN	0x1U
#define KSTREAM_MSG_FLAGS_ALL	KSTREAM_MSG_ORIGIN

/* Who published a message: the producer id and producer sequence. */
struct kstream_msg_origin {
	__u64 producer_id;	/* never 0 in a record */
	__u64 producer_seq;
};

/*
 * Bytes of blocks before the payload of a record with these flags, and
 * the payload of a record (@hdr points at its header).
 */
#define KSTREAM_MSG_BLOCKS(flags) \
	(((flags) & KSTREAM_MSG_ORIGIN) ? \
	 (__u32)sizeof(struct kstream_msg_origin) : 0U)
static inline const void *
kstream_msg_payload(const struct kstream_msg_hdr *hdr)
{
	return (const char *)(hdr + 1) + KSTREAM_MSG_BLOCKS(hdr->flags);
}

static inline __u32
kstream_msg_payload_len(const struct kstream_msg_hdr *hdr)
{
	return hdr->len - KSTREAM_MSG_BLOCKS(hdr->flags);
}

/*
 * The payload of a dead-letter record starts with this header; the
 * original payload follows at hdr_len bytes (today sizeof(struct
 * kstream_deadletter); readers must use hdr_len, later versions may
 * append fields).  ids are in the initial namespaces.
 */
struct kstream_deadletter {
	__u32 hdr_len;		/* bytes of this header */
	__u32 flags;		/* KSTREAM_DL_* */
	__u32 reason;		/* the program's reason code, 0 if none */
	__u32 orig_len;		/* bytes of the original payload */
	__u32 src_topic_id;	/* the source topic's id (minor) */
	__u32 uid;		/* the producer fd's opener: euid, */
	__u32 gid;		/* egid, */
	__u32 pid;		/* process (tgid) */
	__u64 ingress_ns;	/* when the verdict was taken, CLOCK_REALTIME */
	__u64 producer_id;	/* an idempotent producer's origin, else 0 */
	__u64 producer_seq;
	char src_topic[KSTREAM_NAME_MAX];	/* NUL-terminated, zero-padded */
};

/* The payload was cut to fit the dead-letter topic's msg_max. */
#define KSTREAM_DL_TRUNCATED	0x1U

/* Per-fd state, from KSTREAM_IOC_INFO. */
struct kstream_fd_info {
	__u64 next_seq;		/* sequence this fd reads next */
	__u64 lost;		/* messages this fd lost to overwrite */
	__u64 head_seq;		/* sequence the next published message gets */
	__u64 tail_seq;		/* sequence of the oldest retained message */
	__u64 ring_size;	/* ring data bytes (for mmap lengths) */
	__u32 msg_max;		/* largest payload */
	__u32 policy;		/* enum kstream_policy */
	__u32 flags;		/* KSTREAM_FD_* */
	__u32 pad;		/* 0 */
};

/* Per-fd flags (KSTREAM_IOC_SET_FLAGS / KSTREAM_IOC_GET_FLAGS). */
#define KSTREAM_FD_RECORDS	0x1U		/* read() returns records */
#define KSTREAM_FD_ORIGIN	0x2U		/* ... with their origin */
#define KSTREAM_FD_BATCH	0x4U		/* write() takes records */
#define KSTREAM_FD_FLAGS_ALL	(KSTREAM_FD_RECORDS | KSTREAM_FD_ORIGIN | \
				 KSTREAM_FD_BATCH)

/* Offset 0 of the ring mapping; the data starts one page further. */
struct kstream_ring_ctl {
	__u64 head;		/* end of the newest record (release) */
	__u64 tail;		/* start of the oldest retained record */
	__u64 head_seq;		/* sequence the next record gets */
	__u64 tail_seq;		/* sequence of the record at tail */
	__u64 size;		/* ring data bytes, a power of two */
	__u32 msg_max;		/* largest payload */
	__u32 policy;		/* enum kstream_policy */
	/*
	 * Block topics: producers waiting for room.  A consumer that
	 * advanced page->pos and then (after smp_mb()) sees this non-zero
	 * calls ioctl(KSTREAM_IOC_WAKEUP) so they re-check; with wake_pos
	 * (below), only when its advance crossed wake_pos.
	 */
	__u32 writers_waiting;
	/*
	 * KSTREAM_RING_* below, set by the kernel (release).  0 on kernels
	 * before they existed (the field was padding).
	 */
	__u32 flags;
	/*
	 * Block topics, while writers_waiting is not 0: the reader position
	 * at which the first waiting producer may find room (its record
	 * fits once no reader is behind it).  A consumer whose advance took
	 * page->pos from below wake_pos to wake_pos or beyond calls
	 * KSTREAM_IOC_WAKEUP; any other advance wakes nobody.  ~0 when no
	 * producer waits.  0 on kernels before it existed: there, call
	 * KSTREAM_IOC_WAKEUP whenever writers_waiting is not 0.
	 */
	__u64 wake_pos;
};

/*
 * The topic was deleted: no record is committed after this flag is set.  A
 * consumer that reads it (acquire), then finds nothing at its position,
 * has consumed everything the topic held (what poll() reports as POLLHUP,
 * without the call).
 */
#define KSTREAM_RING_DELETED	0x1U

/* The cursor page: written by the consumer, read by the kernel. */
struct kstream_reader_page {
	__u64 pos;		/* position of the next record to consume */
	__u64 lost;		/* messages the consumer found lost */
};

#define KSTREAM_IOC_MAGIC	0xb7
/* struct kstream_fd_info of this fd. */
#define KSTREAM_IOC_INFO	_IOR(KSTREAM_IOC_MAGIC, 1, struct kstream_fd_info)
/* Set the fd's flags (EINVAL on unknown bits). */
#define KSTREAM_IOC_SET_FLAGS	_IOW(KSTREAM_IOC_MAGIC, 2, __u32)
#define KSTREAM_IOC_GET_FLAGS	_IOR(KSTREAM_IOC_MAGIC, 3, __u32)
/* An mmap consumer freed room: wake producers waiting on a block topic. */
#define KSTREAM_IOC_WAKEUP	_IO(KSTREAM_IOC_MAGIC, 4)
/* A new fd mapping this reader's struct kstream_reader_page (see mmap). */
#define KSTREAM_IOC_CURSOR_FD	_IO(KSTREAM_IOC_MAGIC, 5)
/*
 * Wakeup coalescing (__u32 bytes, reader fds): a reader with nothing to
 * read, waiting in poll(2), epoll or a blocking read(2), is woken once at
 * least this many bytes of records (KSTREAM_REC_SIZE() of each message)
 * wait at its cursor, instead of by every message.  Fewer wakeups, bigger
 * batches: what a throughput-bound consumer of small messages wants.  0
 * (the default) wakes it for every message.  Clamped to half the ring.
 * Deletion of the topic, and producers of a block topic that find no
 * room, wake every waiting reader whatever its threshold.  A reader that
 * finds data never waits: the threshold only decides when a sleeping one
 * is woken.
 *
 * With this ioctl the delay the threshold adds has no bound: when the
 * producers stop, the last records below the threshold wait until more
 * arrive.  A poll() timeout bounds it for pollers; nothing bounds it for
 * a blocking read(2).  Prefer KSTREAM_IOC_SET_WAKEUP_DELAY, which also
 * sets the bound; this one sets the threshold and removes any bound.
 */
#define KSTREAM_IOC_SET_WAKEUP	_IOW(KSTREAM_IOC_MAGIC, 6, __u32)

/*
 * Wakeup coalescing with a bounded delay (struct kstream_wakeup, reader
 * fds): as KSTREAM_IOC_SET_WAKEUP, and a reader held back by its
 * threshold is woken at most @max_delay_us after the first record it was
 * held back for, however few bytes wait by then (one timer per reader,
 * started by that record's commit, not pushed out by later ones).  So a
 * reader that sleeps in read(2), poll(2) or epoll sees every record at
 * most @max_delay_us after its commit, plus scheduling.  0: no bound.
 * EINVAL above KSTREAM_WAKEUP_DELAY_MAX_US, EBADF on a producer-only fd,
 * EFAULT if the argument is not readable.
 */
struct kstream_wakeup {
	__u32 bytes;		/* threshold, as KSTREAM_IOC_SET_WAKEUP */
	__u32 max_delay_us;	/* bound on the delay it adds; 0 = none */
};

#define KSTREAM_WAKEUP_DELAY_MAX_US	60000000U	/* 60 s */
#define KSTREAM_IOC_SET_WAKEUP_DELAY \
	_IOW(KSTREAM_IOC_MAGIC, 9, struct kstream_wakeup)

/*
 * Idempotent producers (see above).  KSTREAM_IOC_SET_PRODUCER, on an fd
 * open for writing (EBADF otherwise) whose opener may publish (EACCES):
 * the fd's producer id (@id; 0 clears it and @next_seq is ignored) and the
 * producer sequence of the next message written on it (@next_seq, any
 * value).  Replaces what the fd had; takes effect for the next message
 * committed, including one a concurrent thread is writing.  ENOMEM if the
 * topic's producer table cannot be allocated, ENODEV if the topic was
 * deleted, EFAULT.
 */
struct kstream_producer {
	__u64 id;		/* producer id; 0: none */
	__u64 next_seq;		/* producer sequence of the next message */
};

#define KSTREAM_IOC_SET_PRODUCER \
	_IOW(KSTREAM_IOC_MAGIC, 7, struct kstream_producer)

/*
 * KSTREAM_IOC_PRODUCER_SEQ, on any fd of the topic (reader or writer;
 * EACCES once its opener lost the right it was opened with): the last
 * sequence the topic accepted from producer @id.  In: @id (not 0), @flags
 * and @pad 0 (EINVAL otherwise).  Out: @flags KSTREAM_PRODUCER_KNOWN and
 * @last_seq if the topic has state for @id; else @flags 0 and @last_seq 0
 * (never seen, or evicted: the next message of @id will be accepted
 * whatever its sequence); and KSTREAM_PRODUCER_EVICTED (below) so that a
 * producer learns that its id was evicted under it.
 */
struct kstream_producer_query {
	__u64 id;		/* in */
	__u64 last_seq;		/* out */
	__u32 flags;		/* out: KSTREAM_PRODUCER_* */
	__u32 pad;		/* 0 */
};

#define KSTREAM_PRODUCER_KNOWN	0x1U	/* the topic has state for the id */
/*
 * Asked on the fd that uses @id as its producer id: the topic evicted the
 * id (a full table) while this fd used it, so one of its messages since
 * was accepted without the duplicate check.  Until the next
 * KSTREAM_IOC_SET_PRODUCER on the fd.
 */
#define KSTREAM_PRODUCER_EVICTED 0x2U

#define KSTREAM_IOC_PRODUCER_SEQ \
	_IOWR(KSTREAM_IOC_MAGIC, 8, struct kstream_producer_query)

/* Producer ids a topic's table may hold (KSTREAM_A_TOPIC_PRODUCERS_MAX). */
#define KSTREAM_PRODUCERS_MAX_LIMIT	65536U
#define KSTREAM_PRODUCERS_MAX_DEFAULT	1024U
/* FIONREAD (int): payload size of the next message, 0 if none. */

#endif /* _UAPI_LINUX_KSTREAM_H */
