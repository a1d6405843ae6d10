/**
 * The boot self-check workload: every CPU exchanges windowed ping requests with every CPU
 * (itself included, which exercises in-place dispatch), checks every reply, reports its
 * totals to the coordinator on CPU 0, which then shuts the machine down.
 */
package org.tessera.kernel.service.selfcheck;
