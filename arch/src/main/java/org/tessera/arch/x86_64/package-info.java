/**
 * x86_64 paging: the 4-level (PML4, PDPT, PD, PT) page-table format with 4 KiB, 2 MiB and
 * 1 GiB pages (Intel SDM vol. 3A ch. 4.5), behind {@link org.tessera.arch.spi.PageTableFormat}.
 */
package org.tessera.arch.x86_64;
