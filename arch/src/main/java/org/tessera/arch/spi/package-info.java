/**
 * The architecture SPI: what generic kernel code uses to reach anything that differs per
 * architecture (physical memory, page-table formats, context layouts, trap decoding, timer and
 * interrupt models, user-mode CPU engines). Generic code imports only this package.
 */
package org.tessera.arch.spi;
