/**
 * Boot images: one file holding a machine description (architecture, CPUs, memory, NUMA
 * nodes, tick length, scheduler policy), named user programs as ELF bytes and init's name and
 * argv, sealed by a CRC-32C. Host code: {@link org.tessera.boot.image.ImageWriter} and
 * {@link org.tessera.boot.image.ImageReader}.
 */
package org.tessera.boot.image;
