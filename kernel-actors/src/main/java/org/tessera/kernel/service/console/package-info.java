/**
 * The console: guests' writes to descriptors 1 and 2 and the kernel's process log leave the
 * machine here, through a {@link org.tessera.kernel.service.console.ConsoleSink} the host
 * supplies (standard output and standard error of {@code tessera run}).
 */
package org.tessera.kernel.service.console;
