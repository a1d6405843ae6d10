/**
 * RISC-V RV64: the architecture entry for the SPI; the Sv48 page-table format lives in
 * {@code paging} (kernel subset) and the user-mode RV64GC engine in {@code engine} (host code).
 */
package org.tessera.arch.riscv64;
