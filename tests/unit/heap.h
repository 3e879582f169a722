/* What the allocator itself says is in use, for tests that check a memory cap against it rather
 * than against the module's own accounting: glibc's mallinfo2(), or AddressSanitizer's count
 * under ASan (which replaces the allocator, so mallinfo2() says nothing there). */
#ifndef CDCTOP_TEST_HEAP_H
#define CDCTOP_TEST_HEAP_H

#include <stddef.h>
#include <stdint.h>

#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define HEAP_UNDER_ASAN 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__)
#define HEAP_UNDER_ASAN 1
#endif

#if defined(HEAP_UNDER_ASAN)
/* From the sanitizer runtime (sanitizer/allocator_interface.h, which GCC does not install). */
size_t __sanitizer_get_current_allocated_bytes(void);
#elif defined(__GLIBC__)
#include <malloc.h>
#endif

/* Bytes allocated and not freed (heap chunks and mapped blocks), or SIZE_MAX when unknown. */
static inline size_t heap_in_use(void)
{
#if defined(HEAP_UNDER_ASAN)
    return __sanitizer_get_current_allocated_bytes();
#elif defined(__GLIBC__) && (__GLIBC__ > 2 || __GLIBC_MINOR__ >= 33)
    struct mallinfo2 mi = mallinfo2();
    return mi.uordblks + mi.hblkhd;
#else
    return SIZE_MAX;
#endif
}

#endif
