/**
 * Booting Tessera: the image format and loader (as they arrive), and the {@code tessera}
 * command line in {@link org.tessera.boot.cli}. Host-only code.
 */
package org.tessera.boot;
