/** The {@code tessera} command line (picocli): boot, sim, trace, bench. */
package org.tessera.boot.cli;
