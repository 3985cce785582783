/* SPDX-License-Identifier: GPL-2.0 */
/*
 * CRC32C (Castagnoli, reflected polynomial 0x82f63b78, initial value and
 * final xor 0xffffffff; the CRC of iSCSI, ext4 and SCTP): the SSE4.2
 * instruction when the CPU has it, a slicing-by-8 table otherwise.
 */
#ifndef BRIDGE_CRC32C_H
#define BRIDGE_CRC32C_H

#include <stddef.h>
#include <stdint.h>

/* Continue a CRC: crc32c(0, ...) starts one; crc32c(crc32c(0, a), b) = crc of a||b. */
uint32_t crc32c(uint32_t crc, const void *buf, size_t len);
/* The two implementations, for the unit tests. */
uint32_t crc32c_sw(uint32_t crc, const void *buf, size_t len);
uint32_t crc32c_hw(uint32_t crc, const void *buf, size_t len);
int crc32c_hw_available(void);

#endif
