/**
 * AArch64 paging: VMSAv8-64 stage-1 translation tables with the 4 KiB granule, 4 levels
 * (L0 to L3, 48-bit TTBR0 user range), behind {@link org.tessera.arch.spi.PageTableFormat}
 * (Arm ARM D8, "VMSAv8-64 translation table format descriptors").
 */
package org.tessera.arch.aarch64;
