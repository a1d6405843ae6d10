/*
 * hello: the first program a loader has to get right. Prints a greeting, its argv exactly
 * as received, two environment variables if present, and checks the auxiliary vector
 * against what the program knows about itself (page size, entry, program headers).
 */
#include "libc.h"

extern void _start(void);

/* Elf64_Phdr as the kernel points AT_PHDR at it. */
struct phdr {
    uint32_t type;
    uint32_t flags;
    uint64_t offset, vaddr, paddr, filesz, memsz, align;
};

int main(int argc, char **argv, char **envp)
{
    (void)envp;
    printf("hello, world\n");
    printf("argc = %d\n", argc);
    for (int i = 0; i < argc; i++) {
        printf("argv[%d] = \"%s\"\n", i, argv[i]);
    }
    printf("argv[argc] is %s\n", argv[argc] == NULL ? "NULL" : "not NULL");
    const char *names[] = {"TESSERA_GREETING", "TESSERA_NAME"};
    for (unsigned i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        const char *v = getenv(names[i]);
        if (v != NULL) {
            printf("%s = \"%s\"\n", names[i], v);
        } else {
            printf("%s is not set\n", names[i]);
        }
    }

    printf("auxv: AT_PAGESZ = %lu\n", getauxval(AT_PAGESZ));
    printf("auxv: AT_ENTRY %s _start\n", getauxval(AT_ENTRY) == (unsigned long)&_start ? "==" : "!=");
    const struct phdr *ph = (const struct phdr *)getauxval(AT_PHDR);
    unsigned long phnum = getauxval(AT_PHNUM);
    unsigned long loads = 0;
    if (ph != NULL && getauxval(AT_PHENT) == sizeof(struct phdr)) {
        for (unsigned long i = 0; i < phnum; i++) {
            loads += ph[i].type == 1 ? 1 : 0;
        }
    }
    printf("auxv: AT_PHDR has %lu headers, %lu PT_LOAD\n", phnum, loads);
    const uint8_t *random = (const uint8_t *)getauxval(AT_RANDOM);
    unsigned sum = 0;
    if (random != NULL) {
        for (int i = 0; i < 16; i++) {
            sum |= random[i]; /* readable is all we can check: the bytes are random */
        }
    }
    printf("auxv: AT_RANDOM %s\n", random != NULL ? "present and readable" : "missing");
    (void)sum;
    return 0;
}
