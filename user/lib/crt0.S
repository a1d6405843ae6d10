/*
 * Process entry for Tessera user programs (and for the same binaries under Linux or
 * qemu-riscv64). The kernel enters _start with sp pointing at the Linux initial stack:
 *
 *     sp ->  argc
 *            argv[0] ... argv[argc-1], NULL
 *            envp[0] ... NULL
 *            auxv pairs (type, value) ... AT_NULL
 *            (padding, AT_RANDOM bytes, strings up to the stack top)
 *
 * a0 may hold a termination function registered by a dynamic linker; a static program
 * has none and ignores it.
 */
    .section .text._start, "ax", @progbits
    .globl _start
    .type _start, @function
_start:
    /* gp must be set before any code the linker relaxed to gp-relative form runs;
       norelax so that this very instruction is not itself relaxed against gp. */
    .option push
    .option norelax
    lla     gp, __global_pointer$
    .option pop
    mv      s0, sp
#ifdef TESSERA_PIE
    /* A static-pie is loaded with a bias and nobody else applies its relocations
       (Linux does not, qemu does not, Tessera's loader follows them): do it first,
       before any code that loads a pointer from the GOT or from initialised data. */
    call    __tessera_self_relocate
#endif
    mv      a0, s0
    andi    sp, sp, -16
    li      ra, 0
    call    __tessera_start
1:  j       1b
    .size _start, . - _start
