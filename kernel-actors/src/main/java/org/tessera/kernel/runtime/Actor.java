package org.tessera.kernel.runtime;

/**
 * A deterministic state machine. Its state changes only in {@link #onMessage}, and what it
 * does there depends only on its own state, the message and the context (which supplies time,
 * randomness, sending, timers and tracing). It never blocks: a request's reply comes back as
 * another message, correlated by id.
 */
public interface Actor
{
    /**
     * Handle one message. The message view and its buffer are valid only during this call.
     *
     * @param message the message (header and envelope already decoded).
     * @param context the actor's context on its CPU.
     */
    void onMessage(Message message, ActorContext context);
}
