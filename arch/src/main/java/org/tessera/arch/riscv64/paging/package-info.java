/**
 * RISC-V Sv48 paging: the 4-level page-table format of the privileged architecture (satp
 * MODE=9) with 4 KiB pages and 2 MiB mega, 1 GiB giga and 512 GiB tera pages, behind
 * {@link org.tessera.arch.spi.PageTableFormat}.
 */
package org.tessera.arch.riscv64.paging;
