/*
 * C half of process start: decode the initial stack, run main, exit with its result.
 */
#include "libc.h"

char **environ;
static unsigned long *auxv_start;

unsigned long getauxval(unsigned long type)
{
    if (auxv_start == 0) {
        return 0;
    }
    for (unsigned long *p = auxv_start; p[0] != AT_NULL; p += 2) {
        if (p[0] == type) {
            return p[1];
        }
    }
    return 0;
}

int main(int argc, char **argv, char **envp);

/*
 * Thread-local storage for the main thread, as glibc's static startup sets it up: Linux
 * leaves tp alone, so the program does it. RISC-V uses TLS variant I with no TCB in front
 * of the block: the linker computes tp-relative offsets from the start of the PT_TLS
 * segment, so tp points at a copy of the template (.tdata) followed by zeros (.tbss).
 */
struct elf_phdr {
    uint32_t p_type;
    uint32_t p_flags;
    uint64_t p_offset, p_vaddr, p_paddr, p_filesz, p_memsz, p_align;
};

#define PT_TLS 7
#define TLS_STATIC_SIZE 512
#define TLS_STATIC_ALIGN 64

extern const char __ehdr_start[] __attribute__((visibility("hidden")));
static unsigned char tls_static[TLS_STATIC_SIZE] __attribute__((aligned(TLS_STATIC_ALIGN)));

static void setup_tls(void)
{
    const struct elf_phdr *ph = (const struct elf_phdr *)getauxval(AT_PHDR);
    unsigned long phnum = getauxval(AT_PHNUM);
    const struct elf_phdr *tls = NULL;
    for (unsigned long i = 0; ph != NULL && i < phnum; i++) {
        if (ph[i].p_type == PT_TLS) {
            tls = &ph[i];
        }
    }
    if (tls == NULL) {
        return;
    }
    /* e_entry (offset 24 of the ELF header) is the link-time entry, AT_ENTRY the run-time one. */
    unsigned long bias = getauxval(AT_ENTRY) - *(const unsigned long *)(__ehdr_start + 24);
    unsigned long align = tls->p_align > 1 ? tls->p_align : 1;
    unsigned char *block = tls_static;
    if (tls->p_memsz > TLS_STATIC_SIZE || align > TLS_STATIC_ALIGN) {
        unsigned char *raw = malloc(tls->p_memsz + align);
        if (raw == NULL) {
            sys_exit_group(127);
        }
        block = (unsigned char *)(((uintptr_t)raw + align - 1) & ~(align - 1));
    }
    memcpy(block, (const void *)(tls->p_vaddr + bias), tls->p_filesz);
    memset(block + tls->p_filesz, 0, tls->p_memsz - tls->p_filesz);
    __asm__ volatile("mv tp, %0" : : "r"(block) : "memory");
}

__attribute__((noreturn, used)) void __tessera_start(long *sp)
{
    int argc = (int)sp[0];
    char **argv = (char **)(sp + 1);
    char **envp = argv + argc + 1;
    char **e = envp;
    while (*e != 0) {
        e++;
    }
    environ = envp;
    auxv_start = (unsigned long *)(e + 1);
    setup_tls();
    exit(main(argc, argv, envp));
}

#ifdef TESSERA_PIE
/*
 * Static-pie self-relocation. Runs before anything is relocated, so it may touch only
 * locals and hidden symbols, which -fPIE addresses pc-relatively (auipc), never via the GOT.
 * The link-time base of a PIE is 0, so the run-time address of the ELF header is the bias.
 */
typedef struct {
    long d_tag;
    unsigned long d_val;
} Elf64_Dyn;

typedef struct {
    unsigned long r_offset;
    unsigned long r_info;
    long r_addend;
} Elf64_Rela;

#define DT_NULL 0
#define DT_RELA 7
#define DT_RELASZ 8
#define DT_RELAENT 9
#define R_RISCV_RELATIVE 3

__attribute__((used)) void __tessera_self_relocate(void)
{
    unsigned long bias = (unsigned long)__ehdr_start;
    Elf64_Dyn *dynamic;
    /* _DYNAMIC is defined by the linker, which will not satisfy a hidden reference to it;
       lla still gives its run-time address pc-relatively, with no GOT load. */
    __asm__("lla %0, _DYNAMIC" : "=r"(dynamic));
    unsigned long rela = 0;
    unsigned long relasz = 0;
    unsigned long relaent = sizeof(Elf64_Rela);
    for (Elf64_Dyn *d = dynamic; d->d_tag != DT_NULL; d++) {
        if (d->d_tag == DT_RELA) {
            rela = d->d_val;
        } else if (d->d_tag == DT_RELASZ) {
            relasz = d->d_val;
        } else if (d->d_tag == DT_RELAENT) {
            relaent = d->d_val;
        }
    }
    for (unsigned long off = 0; off + relaent <= relasz; off += relaent) {
        const Elf64_Rela *r = (const Elf64_Rela *)(bias + rela + off);
        if ((r->r_info & 0xffffffffUL) == R_RISCV_RELATIVE) {
            *(unsigned long *)(bias + r->r_offset) = bias + (unsigned long)r->r_addend;
        } else {
            /* Anything else needs symbols a static program does not have. */
            sys_exit_group(127);
        }
    }
}
#endif
