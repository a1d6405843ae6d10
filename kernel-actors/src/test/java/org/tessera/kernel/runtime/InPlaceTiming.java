package org.tessera.kernel.runtime;

import org.tessera.lockfree.Inbox;
import org.tessera.messages.runtime.PingReplyEncoder;
import org.tessera.messages.runtime.PingRequestDecoder;
import org.tessera.messages.runtime.PingRequestEncoder;

/**
 * A quick measurement, not a test: one CPU loop whose user execution sends a ping to an actor of
 * its own CPU and has it handled in place (request and reply), as a system call trap is; prints
 * nanoseconds per round (two messages).
 */
public final class InPlaceTiming
{
    private InPlaceTiming()
    {
    }

    public static void main(final String[] args)
    {
        final int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 2_000_000;
        final Inbox inbox = new Inbox(1 << 16);
        final CpuAgent cpu = new CpuAgent(0, 1, inbox, 1 << 18, new InboxTransport(new Inbox[] {inbox}),
            System::nanoTime, null, 1, 16);
        final PingRequestDecoder requestDecoder = new PingRequestDecoder();
        final PingReplyEncoder reply = new PingReplyEncoder();
        final long peer = cpu.register(ServiceIds.FIRST_USER_SERVICE, 1, (m, ctx) ->
        {
            requestDecoder.wrap(m.buffer(), m.bodyOffset(), m.blockLength(), m.version());
            ctx.reply(m, reply, 0);
            reply.sequence(requestDecoder.sequence()).value(requestDecoder.value()).handledBy(0);
            ctx.commit();
        });
        final long[] replies = new long[1];
        final long owner = cpu.register(ServiceIds.FIRST_USER_SERVICE, 0, (m, ctx) -> replies[0]++);
        final PingRequestEncoder request = new PingRequestEncoder();
        final int[] left = new int[1];
        cpu.attachUserExecution(owner, new UserExecution()
        {
            public boolean runnable()
            {
                return left[0] > 0;
            }

            public long run(final ActorContext ctx)
            {
                for (int i = 0; i < 32 && left[0] > 0; i++)
                {
                    left[0]--;
                    ctx.claim(peer, 1, request, 0);
                    request.sequence(i).value(i);
                    ctx.commit();
                    ctx.handleLocalNow(0);
                }
                return 0;
            }
        });
        for (int r = 0; r < 8; r++)
        {
            left[0] = rounds;
            final long start = System.nanoTime();
            while (left[0] > 0)
            {
                cpu.doWork();
            }
            final long elapsed = System.nanoTime() - start;
            System.out.printf("%.1f ns per request and reply handled in place%n", (double)elapsed / rounds);
        }
        System.out.println(replies[0]);
    }
}
