/**
 * Host-only assembly of a machine from its description, and the two ways of driving it: host
 * mode (one pinned platform thread per virtual CPU, host clock) and simulation mode (one
 * thread, seeded scheduler, virtual time, seeded message flight times). The same actors and
 * messages run in both.
 */
package org.tessera.kernel.runtime.machine;
