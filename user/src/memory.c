/*
 * memory: exercises the VM calls and checks every result, printing only what it verified
 * (never an address, so the output is the same under any loader).
 *   1. brk: query, grow by 1 MiB, touch every page, shrink back, grow again (zeroed?)
 *   2. mmap: 512 anonymous pages, zero on first touch, write a pattern to every page,
 *      read it back, munmap
 *   3. mprotect: map 4 pages read-write, fill, make them read-only, read back, unmap
 *   4. malloc over brk: many blocks, each checked
 */
#include "libc.h"

#define PAGE 4096UL
#define BRK_GROW (1UL << 20)
#define MMAP_PAGES 512

/* Defined by the linker: the first address past .bss. */
extern char _end[];

static int failures;

static void check(int ok, const char *what)
{
    printf("%s: %s\n", ok ? "ok  " : "FAIL", what);
    failures += ok ? 0 : 1;
}

static void test_brk(void)
{
    char *start = (char *)sys_brk(NULL);
    check(start != NULL && start >= _end, "brk(0) returns the current break, past the end of .bss");
    char *want = start + BRK_GROW;
    char *got = (char *)sys_brk(want);
    check(got == want, "brk grows by 1 MiB");
    /* the first page may share the page of .bss, so start at the next page boundary */
    char *first = (char *)(((uintptr_t)start + PAGE - 1) & ~(PAGE - 1));
    int zero = 1;
    long pages = 0;
    for (char *p = first; p + PAGE <= want; p += PAGE) {
        zero &= p[0] == 0 && p[PAGE - 1] == 0;
        p[0] = (char)pages;
        p[PAGE - 1] = (char)~pages;
        pages++;
    }
    check(zero, "grown break memory reads as zero");
    int kept = 1;
    long i = 0;
    for (char *p = first; p + PAGE <= want; p += PAGE, i++) {
        kept &= p[0] == (char)i && p[PAGE - 1] == (char)~i;
    }
    check(kept && pages >= 255, "every page of the grown break keeps what was written");
    got = (char *)sys_brk(start);
    check(got == start, "brk shrinks back to the start");
    got = (char *)sys_brk(want);
    zero = 1;
    for (char *p = first; p + PAGE <= want; p += PAGE) {
        zero &= p[0] == 0 && p[PAGE - 1] == 0;
    }
    check(got == want && zero, "brk grown again gives zeroed pages");
    sys_brk(start);
    got = (char *)sys_brk((void *)0x10);
    check(got == start, "brk below the data segment is refused (break unchanged)");
}

static void test_mmap(void)
{
    size_t len = MMAP_PAGES * PAGE;
    unsigned char *m = sys_mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    check(!MAP_FAILED_CHECK(m) && ((uintptr_t)m & (PAGE - 1)) == 0, "mmap of 512 anonymous pages, page aligned");
    if (MAP_FAILED_CHECK(m)) {
        return;
    }
    int zero = 1;
    for (size_t p = 0; p < MMAP_PAGES; p++) {
        zero &= m[p * PAGE] == 0 && m[p * PAGE + PAGE - 1] == 0;
    }
    check(zero, "anonymous pages read as zero");
    for (size_t p = 0; p < MMAP_PAGES; p++) {
        uint64_t *w = (uint64_t *)(m + p * PAGE);
        for (size_t k = 0; k < PAGE / 8; k += 64) {
            w[k] = p * 0x9e3779b97f4a7c15UL + k;
        }
    }
    int same = 1;
    for (size_t p = 0; p < MMAP_PAGES; p++) {
        const uint64_t *w = (const uint64_t *)(m + p * PAGE);
        for (size_t k = 0; k < PAGE / 8; k += 64) {
            same &= w[k] == p * 0x9e3779b97f4a7c15UL + k;
        }
    }
    check(same, "every mapped page keeps its own pattern");
    check(sys_munmap(m, len) == 0, "munmap of the whole mapping");
    check(sys_munmap(m + 1, PAGE) == -EINVAL, "munmap of an unaligned address is -EINVAL");
    void *bad = sys_mmap(NULL, 0, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    check((long)bad == -EINVAL, "mmap of length 0 is -EINVAL");
}

static void test_mprotect(void)
{
    size_t len = 4 * PAGE;
    unsigned char *m = sys_mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (MAP_FAILED_CHECK(m)) {
        check(0, "mmap for mprotect");
        return;
    }
    for (size_t i = 0; i < len; i++) {
        m[i] = (unsigned char)(i * 7);
    }
    check(sys_mprotect(m, len, PROT_READ) == 0, "mprotect to read-only");
    unsigned sum = 0;
    int same = 1;
    for (size_t i = 0; i < len; i++) {
        same &= m[i] == (unsigned char)(i * 7);
        sum += m[i];
    }
    check(same, "read-only pages still read what was written");
    printf("read-only checksum %u\n", sum);
    check(sys_mprotect(m + 1, PAGE, PROT_READ) == -EINVAL, "mprotect of an unaligned address is -EINVAL");
    check(sys_mprotect(m, len, PROT_READ | PROT_WRITE) == 0, "mprotect back to read-write");
    m[0] = 1;
    check(m[0] == 1, "writable again");
    check(sys_munmap(m, len) == 0, "munmap after mprotect");
}

static void test_malloc(void)
{
    enum { COUNT = 200 };
    unsigned char *blocks[COUNT];
    int ok = 1;
    for (int i = 0; i < COUNT; i++) {
        size_t n = (size_t)(i * 37 % 500 + 1);
        blocks[i] = malloc(n);
        ok &= blocks[i] != NULL && ((uintptr_t)blocks[i] & 15) == 0;
        if (blocks[i] != NULL) {
            memset(blocks[i], i & 0xff, n);
        }
    }
    for (int i = 0; i < COUNT; i++) {
        size_t n = (size_t)(i * 37 % 500 + 1);
        for (size_t k = 0; ok && k < n; k++) {
            ok &= blocks[i][k] == (unsigned char)(i & 0xff);
        }
    }
    for (int i = 0; i < COUNT; i += 2) {
        free(blocks[i]);
    }
    unsigned char *again = malloc(100);
    ok &= again != NULL;
    check(ok, "200 malloc blocks, 16-aligned, each keeps its contents");
}

int main(void)
{
    test_brk();
    test_mmap();
    test_mprotect();
    test_malloc();
    printf("memory: %s\n", failures == 0 ? "all checks passed" : "some checks FAILED");
    return failures == 0 ? 0 : 1;
}
