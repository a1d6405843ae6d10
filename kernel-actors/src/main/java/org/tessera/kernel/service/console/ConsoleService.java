package org.tessera.kernel.service.console;

import org.agrona.concurrent.UnsafeBuffer;
import org.tessera.kernel.runtime.Actor;
import org.tessera.kernel.runtime.ActorContext;
import org.tessera.kernel.runtime.Message;
import org.tessera.messages.proc.ConsoleWriteDecoder;
import org.tessera.messages.proc.ProcessEventDecoder;

/**
 * One per CPU. Hands {@code ConsoleWrite} bytes and {@code ProcessEvent}s to the host's
 * {@link ConsoleSink} in the order this CPU produced them. Counts the bytes per descriptor.
 */
public final class ConsoleService implements Actor
{
    private final ConsoleSink sink;
    private final ConsoleWriteDecoder write = new ConsoleWriteDecoder();
    private final ProcessEventDecoder event = new ProcessEventDecoder();
    private final UnsafeBuffer bytes = new UnsafeBuffer(0, 0);
    private long stdoutBytes;
    private long stderrBytes;
    private long events;

    /**
     * @param sink where the output goes.
     */
    public ConsoleService(final ConsoleSink sink)
    {
        this.sink = sink;
    }

    public void onMessage(final Message m, final ActorContext ctx)
    {
        if (m.is(ConsoleWriteDecoder.SCHEMA_ID, ConsoleWriteDecoder.TEMPLATE_ID))
        {
            write.wrap(m.buffer(), m.bodyOffset(), m.blockLength(), m.version());
            final int pid = write.pid();
            final int fd = write.fd();
            write.wrapBytes(bytes);
            if (fd == 1)
            {
                stdoutBytes += bytes.capacity();
            }
            else
            {
                stderrBytes += bytes.capacity();
            }
            sink.write(ctx.cpu(), pid, fd, bytes, 0, bytes.capacity());
        }
        else if (m.is(ProcessEventDecoder.SCHEMA_ID, ProcessEventDecoder.TEMPLATE_ID))
        {
            event.wrap(m.buffer(), m.bodyOffset(), m.blockLength(), m.version());
            events++;
            sink.event(ctx.cpu(), event.pid(), event.kindRaw(), event.status(), event.cause(), event.tval(),
                event.pc());
        }
    }

    /** @return bytes written to standard output through this console. */
    public long stdoutBytes()
    {
        return stdoutBytes;
    }

    /** @return bytes written to standard error through this console. */
    public long stderrBytes()
    {
        return stderrBytes;
    }

    /** @return process events logged. */
    public long events()
    {
        return events;
    }
}
