package org.tessera.kernel.service.console;

import org.agrona.DirectBuffer;

/**
 * Where console output leaves the machine. The host supplies it (standard output and error, a
 * test's byte array); it may be called from every CPU's thread in host mode, so a host
 * implementation serialises writes itself.
 */
public interface ConsoleSink
{
    /**
     * Bytes a guest wrote, exactly as written.
     *
     * @param cpu    the CPU whose console received them.
     * @param pid    writing process.
     * @param fd     1 (standard output) or 2 (standard error).
     * @param buffer the bytes.
     * @param offset first byte.
     * @param length byte count.
     */
    void write(int cpu, int pid, int fd, DirectBuffer buffer, int offset, int length);

    /**
     * A process event for the kernel log.
     *
     * @param cpu    the CPU it happened on.
     * @param pid    the process.
     * @param kind   {@code ProcessEventKind} value.
     * @param status wait status, or negative errno for a failed creation.
     * @param cause  fault cause, when faulted.
     * @param tval   fault address, when faulted.
     * @param pc     fault pc, when faulted.
     */
    void event(int cpu, int pid, int kind, int status, int cause, long tval, long pc);
}
