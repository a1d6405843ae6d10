/**
 * jcstress tests of the memory-ordering outcomes of the lock-free structures in
 * {@code org.tessera.lockfree}: what a consumer may observe of records that producers publish
 * concurrently. Built into {@code tests/stress/target/jcstress.jar}; run with
 * {@code java --add-opens java.base/jdk.internal.misc=ALL-UNNAMED -jar tests/stress/target/jcstress.jar -t Inbox}.
 */
package org.tessera.stress;
