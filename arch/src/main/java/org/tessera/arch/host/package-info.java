/**
 * What the hosted build takes from the host operating system itself (memory for a machine's
 * RAM). Outside the kernel subset: a bare-metal build has no host.
 */
package org.tessera.arch.host;
