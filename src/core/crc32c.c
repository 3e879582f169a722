/* CRC-32C (Castagnoli, reflected polynomial 0x82F63B78), slicing-by-one table. */
#include "crc32c.h"

static uint32_t table[256];
static int table_ready;

static void build_table(void)
{
    for (uint32_t i = 0; i < 256; i++) {
        uint32_t c = i;
        for (int k = 0; k < 8; k++)
            c = (c & 1) ? (c >> 1) ^ 0x82f63b78u : c >> 1;
        table[i] = c;
    }
    table_ready = 1;
}

uint32_t crc32c(uint32_t crc, const void *data, size_t n)
{
    const unsigned char *p = data;
    if (!table_ready)
        build_table();
    crc = ~crc;
    while (n--)
        crc = table[(crc ^ *p++) & 0xff] ^ (crc >> 8);
    return ~crc;
}
