/* CRC-32C (Castagnoli), as DSQL uses to check reassembled fragments. */
#ifndef CDCTOP_CRC32C_H
#define CDCTOP_CRC32C_H

#include <stddef.h>
#include <stdint.h>

/* Start with crc = 0; feed the result back in to continue over more bytes. */
uint32_t crc32c(uint32_t crc, const void *data, size_t n);

#endif
