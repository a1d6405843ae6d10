/**
 * The RV64GC user-mode interpreter: a pure-Java RISC-V engine (RV64I, M, A, F, D, C, Zicsr,
 * Zifencei) that runs real guest machine code until a trap leaves it.
 *
 * <p>Host code, outside the kernel subset: ordinary Java is allowed, but the instruction loop
 * allocates nothing. Memory is reached through {@link org.tessera.arch.riscv64.engine.GuestMemory}:
 * {@link org.tessera.arch.riscv64.engine.FlatMemory} (identity map with page permissions, for
 * tests) or {@link org.tessera.arch.riscv64.engine.Sv48Mmu} (walks the kernel's Sv48 page tables
 * through an ASID-tagged software TLB). The architectural state is a
 * {@link org.tessera.arch.riscv64.engine.RiscvContext} that the kernel saves and restores.
 *
 * <p>{@link org.tessera.arch.riscv64.engine.RiscvCpu} runs decoded basic blocks
 * ({@link org.tessera.arch.riscv64.engine.Decoder}) cached per physical frame, behind
 * direct-mapped load and store micro-TLBs; see its documentation for when they are dropped.
 */
package org.tessera.arch.riscv64.engine;
