/**
 * Host-side tools of the arch module (outside the kernel subset): page-table export for
 * checking our binary formats with independent MMU models.
 */
package org.tessera.arch.tools;
