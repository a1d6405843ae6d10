/**
 * The kernel-subset check: reads compiled classes with {@code java.lang.classfile} and fails
 * the build when a class in a kernel package uses something a class-file-to-C translator could
 * not take (allocation after boot, java.util, invokedynamic, reflection, boxing, string
 * building, monitors, exception handlers). {@link org.tessera.subset.Boot} and
 * {@link org.tessera.subset.HostOnly} mark the permitted exceptions.
 */
package org.tessera.subset;
