/**
 * Per-CPU inboxes and the few lock-free structures the kernel needs. Everything here is in the
 * kernel subset: memory is allocated only when a structure is built, state lives off-heap in
 * Agrona buffers, and cross-thread ordering goes through the buffers' volatile, release and
 * atomic accessors.
 *
 * <p>{@link org.tessera.lockfree.Inbox} is the multi-producer single-consumer queue of
 * SBE-encoded records that carries every cross-CPU message; its memory layout is drawn in
 * {@link org.tessera.lockfree.InboxDescriptor}.
 */
package org.tessera.lockfree;
