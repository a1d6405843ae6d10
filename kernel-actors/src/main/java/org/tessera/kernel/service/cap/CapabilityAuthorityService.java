package org.tessera.kernel.service.cap;

import java.nio.ByteBuffer;

import org.agrona.concurrent.UnsafeBuffer;
import org.tessera.kernel.runtime.Actor;
import org.tessera.kernel.runtime.ActorContext;
import org.tessera.kernel.runtime.Message;
import org.tessera.messages.cap.CacheInvalidateAckDecoder;
import org.tessera.messages.cap.CacheInvalidateEncoder;
import org.tessera.messages.cap.CapCreateDecoder;
import org.tessera.messages.cap.CapDeleteDecoder;
import org.tessera.messages.cap.CapDeriveDecoder;
import org.tessera.messages.cap.CapGrantDecoder;
import org.tessera.messages.cap.CapGrantInstallDecoder;
import org.tessera.messages.cap.CapGrantInstallEncoder;
import org.tessera.messages.cap.CapGrantInstalledDecoder;
import org.tessera.messages.cap.CapGrantInstalledEncoder;
import org.tessera.messages.cap.CapReplyEncoder;
import org.tessera.messages.cap.CapRevokeCompleteEncoder;
import org.tessera.messages.cap.CapRevokeDecoder;
import org.tessera.messages.cap.CapRevokeRemoteDecoder;
import org.tessera.messages.cap.CapRevokeRemoteDoneDecoder;
import org.tessera.messages.cap.CapRevokeRemoteDoneEncoder;
import org.tessera.messages.cap.CapRevokeRemoteEncoder;
import org.tessera.messages.cap.CapValidateDecoder;
import org.tessera.messages.cap.CapValidateReplyEncoder;
import org.tessera.messages.cap.FlushFlag;
import org.tessera.messages.cap.SpaceCreateDecoder;
import org.tessera.messages.cap.SpaceDestroyDecoder;
import org.tessera.messages.cap.SpaceExecDecoder;
import org.tessera.messages.cap.SpaceForkDecoder;
import org.tessera.messages.cap.SpaceOpenDecoder;
import org.tessera.messages.cap.SpaceOpenedEncoder;
import org.tessera.messages.cap.SpaceReplyEncoder;
import org.tessera.messages.runtime.ErrorCode;
import org.tessera.messages.runtime.TimerFiredDecoder;

/**
 * One shard of the capability authority, at {@code (shardCpu, CAP, 1 + shard)}: it owns the
 * capability spaces whose id maps to it ({@link CapabilityShards#shardOf}), their L2 page pool
 * and the shard's derivation tree, and is the only actor that changes them.
 *
 * <p><b>Requests</b> (reply in brackets): CapCreate, CapDerive, CapGrant [CapReply]; CapRevoke,
 * CapDelete [CapRevokeComplete]; CapValidate [CapValidateReply]; SpaceCreate, SpaceDestroy,
 * SpaceFork, SpaceExec [SpaceReply]; from other shards CapRevokeRemote [CapRevokeRemoteDone]
 * and CapGrantInstall [CapGrantInstalled]. Anything else gets an ErrorReply(UNSUPPORTED). Every
 * token is resolved in the space the request names as the caller's (set by the kernel from the
 * trapping thread), so a process acts only on what it holds.
 *
 * <p><b>Revocation</b> ({@link RevocationSession}): the shard revokes in its tree and spaces at
 * once (from then on it refuses the tokens, including CapValidate from caches), sends
 * CacheInvalidate to the cache service of every CPU (itself included) and CapRevokeRemote for
 * every copy granted to another shard, and replies only when every CPU acknowledged and every
 * other shard reported its own completion. Invalidations of more than {@link #MAX_BATCH_PAIRS}
 * pairs, and those retried after back-pressure, flush the caches instead.
 *
 * <p><b>Grants across shards</b> ({@link GrantSession}): the granting shard records the copy as
 * a tree child naming a remote entry (the copy's token, once the owning shard installed it),
 * asks the owning shard to install it, and relays the answer. A revocation reaching a remote
 * entry forwards CapRevokeRemote with the exact token, so a later occupant of that slot is never
 * touched; one reaching a grant still in flight revokes the copy as soon as it is installed.
 *
 * <p>Replies refused by back-pressure wait in a ring and are retried from a timer, in order.
 */
public final class CapabilityAuthorityService implements Actor
{
    /** Retry delay after back-pressure, nanoseconds. */
    public static final long RETRY_NANOS = 2_000;
    /** Most (space, slot) pairs a CacheInvalidate lists; larger batches flush. */
    public static final int MAX_BATCH_PAIRS = 64;
    /** Tree slot values from here up name remote entries, not slots (slot indices are below 2^14). */
    static final int REMOTE_MARKER_BASE = 1 << CapabilityToken.SLOT_BITS;

    private static final int REMOTE_FREE = 0;
    private static final int REMOTE_PENDING = 1;
    private static final int REMOTE_INSTALLED = 2;
    private static final int REMOTE_PENDING_REVOKED = 3;
    private static final int REMOTE_TO_SEND = 4;
    private static final int REMOTE_SENT = 5;
    private static final int REMOTE_INDEX_BITS = 20;
    private static final long REMOTE_INDEX_MASK = (1L << REMOTE_INDEX_BITS) - 1;
    private static final int SESSION_INDEX_BITS = 8;
    private static final long SESSION_INDEX_MASK = (1L << SESSION_INDEX_BITS) - 1;

    private static final int K_CAP_REPLY = 1;
    private static final int K_VALIDATE_REPLY = 2;
    private static final int K_SPACE_REPLY = 3;
    private static final int K_REVOKE_COMPLETE = 4;
    private static final int K_GRANT_INSTALLED = 5;
    private static final int K_REMOTE_DONE = 6;
    private static final int K_SPACE_OPENED = 7;
    /** Initial capabilities a SpaceOpen may carry (their slots are packed 14 bits each in a reply's backlog word). */
    public static final int MAX_INITIAL_CAPS = 4;

    private final CapabilityShards shards;
    private final int shard;
    private final int cpuCount;
    private final int spaceCapacity;
    private final CapabilityPagePool pool;
    private final DerivationTree tree;
    private final CapabilitySpaceTable table;
    private final RevocationLog log;
    private final int[] salts;
    private final ForeignCopies foreign;

    private final int[] remoteState;
    private final long[] remoteToken;
    private final int[] remoteSpace;
    private final int[] remoteNode;
    private final int[] remoteSession;
    private final int[] remoteNext;
    private final long[] remoteCorrelation;
    private int remoteFreeHead;
    private long remoteSerial;

    private final RevocationSession[] revocations;
    private final GrantSession[] grants;
    private long sessionSerial;
    private RevocationSession current;

    private final int[] deferredKind;
    private final long[] deferredDestination;
    private final long[] deferredCorrelation;
    private final int[] deferredStatus;
    private final long[] deferredA;
    private final long[] deferredB;
    private final long[] deferredC;
    private final long[] deferredD;
    private final long[] deferredE;
    private int deferredHead;
    private int deferredCount;
    private boolean retryPending;

    private final CapCreateDecoder createDecoder = new CapCreateDecoder();
    private final CapDeriveDecoder deriveDecoder = new CapDeriveDecoder();
    private final CapGrantDecoder grantDecoder = new CapGrantDecoder();
    private final CapRevokeDecoder revokeDecoder = new CapRevokeDecoder();
    private final CapDeleteDecoder deleteDecoder = new CapDeleteDecoder();
    private final CapValidateDecoder validateDecoder = new CapValidateDecoder();
    private final SpaceCreateDecoder spaceCreateDecoder = new SpaceCreateDecoder();
    private final SpaceDestroyDecoder spaceDestroyDecoder = new SpaceDestroyDecoder();
    private final SpaceForkDecoder spaceForkDecoder = new SpaceForkDecoder();
    private final SpaceExecDecoder spaceExecDecoder = new SpaceExecDecoder();
    private final CacheInvalidateAckDecoder ackDecoder = new CacheInvalidateAckDecoder();
    private final CapRevokeRemoteDecoder remoteDecoder = new CapRevokeRemoteDecoder();
    private final CapRevokeRemoteDoneDecoder remoteDoneDecoder = new CapRevokeRemoteDoneDecoder();
    private final CapGrantInstallDecoder installDecoder = new CapGrantInstallDecoder();
    private final CapGrantInstalledDecoder installedDecoder = new CapGrantInstalledDecoder();
    private final CapReplyEncoder capReply = new CapReplyEncoder();
    private final CapValidateReplyEncoder validateReply = new CapValidateReplyEncoder();
    private final SpaceReplyEncoder spaceReply = new SpaceReplyEncoder();
    private final SpaceOpenDecoder spaceOpenDecoder = new SpaceOpenDecoder();
    private final SpaceOpenedEncoder spaceOpened = new SpaceOpenedEncoder();
    private final CapRevokeCompleteEncoder revokeComplete = new CapRevokeCompleteEncoder();
    private final CapGrantInstalledEncoder installedEncoder = new CapGrantInstalledEncoder();
    private final CapRevokeRemoteDoneEncoder remoteDoneEncoder = new CapRevokeRemoteDoneEncoder();
    private final CacheInvalidateEncoder invalidateEncoder = new CacheInvalidateEncoder();
    private final CapRevokeRemoteEncoder remoteEncoder = new CapRevokeRemoteEncoder();
    private final CapGrantInstallEncoder installEncoder = new CapGrantInstallEncoder();

    private long validations;
    private long validationFailures;
    private long revocationsCompleted;
    private long invalidationsSent;
    private long flushesSent;
    private long repliesDeferred;
    private long busyRefusals;
    private long errorsReceived;

    /**
     * Build a shard with its page pool, tree and one closed {@link CapabilitySpace} per owned
     * space id (opened by SpaceCreate or SpaceFork).
     *
     * @param shards        the machine's capability topology.
     * @param shard         this shard's index.
     * @param spaceCapacity space ids 0 to spaceCapacity - 1 exist; this shard owns those mapping to it.
     * @param poolPages     4 KiB L2 pages shared by the shard's spaces.
     * @param treeCapacity  derivation-tree nodes (and remote entries).
     * @param sessions      revocations and cross-shard grants in progress at once (each), at most 256.
     * @param replyBacklog  replies that may wait for room at once.
     */
    public CapabilityAuthorityService(
        final CapabilityShards shards, final int shard, final int spaceCapacity, final int poolPages,
        final int treeCapacity, final int sessions, final int replyBacklog)
    {
        this(shards, shard, spaceCapacity, new UnsafeBuffer(
            ByteBuffer.allocateDirect(poolPages * CapabilityPagePool.PAGE_SIZE)), treeCapacity, sessions, replyBacklog);
    }

    /**
     * Build a shard whose capability tables live in the given memory (on a machine: frames of
     * the shard's node, taken from the frame allocator at boot).
     *
     * @param shards        the machine's capability topology.
     * @param shard         this shard's index.
     * @param spaceCapacity space ids 0 to spaceCapacity - 1 exist; this shard owns those mapping to it.
     * @param poolMemory    memory for the 4 KiB L2 pages shared by the shard's spaces.
     * @param treeCapacity  derivation-tree nodes (and remote entries).
     * @param sessions      revocations and cross-shard grants in progress at once (each), at most 256.
     * @param replyBacklog  replies that may wait for room at once.
     */
    public CapabilityAuthorityService(
        final CapabilityShards shards, final int shard, final int spaceCapacity, final UnsafeBuffer poolMemory,
        final int treeCapacity, final int sessions, final int replyBacklog)
    {
        if (sessions <= 0 || sessions > (1 << SESSION_INDEX_BITS) || treeCapacity > (1 << REMOTE_INDEX_BITS))
        {
            throw new IllegalArgumentException("1 to 256 sessions and at most 2^20 tree nodes");
        }
        this.shards = shards;
        this.shard = shard;
        this.cpuCount = shards.cpuCount();
        this.spaceCapacity = spaceCapacity;
        this.pool = new CapabilityPagePool(poolMemory);
        this.tree = new DerivationTree(treeCapacity);
        this.table = new CapabilitySpaceTable(spaceCapacity, tree, shards.shardCount(), shard);
        this.foreign = new ForeignCopies(this);
        this.table.foreignListener(foreign);
        this.log = new RevocationLog(treeCapacity + CapabilitySpace.MAX_SLOTS);
        this.salts = new int[spaceCapacity];
        for (int id = 0; id < spaceCapacity; id++)
        {
            if (shards.shardOf(id) == shard)
            {
                // Built open under salt 1 and closed at once: every incarnation gets a salt > 1.
                final CapabilitySpace space = new CapabilitySpace(id, 1, pool);
                space.destroy(tree, log);
                salts[id] = 1;
                table.register(space);
            }
        }
        log.clear();

        this.remoteState = new int[treeCapacity];
        this.remoteToken = new long[treeCapacity];
        this.remoteSpace = new int[treeCapacity];
        this.remoteNode = new int[treeCapacity];
        this.remoteSession = new int[treeCapacity];
        this.remoteNext = new int[treeCapacity];
        this.remoteCorrelation = new long[treeCapacity];
        for (int i = 0; i < treeCapacity; i++)
        {
            remoteNext[i] = i + 1 < treeCapacity ? i + 1 : CapabilitySpace.NONE;
        }
        this.remoteFreeHead = 0;

        this.revocations = new RevocationSession[sessions];
        this.grants = new GrantSession[sessions];
        for (int i = 0; i < sessions; i++)
        {
            revocations[i] = new RevocationSession(i);
            grants[i] = new GrantSession(i);
        }

        this.deferredKind = new int[replyBacklog];
        this.deferredDestination = new long[replyBacklog];
        this.deferredCorrelation = new long[replyBacklog];
        this.deferredStatus = new int[replyBacklog];
        this.deferredA = new long[replyBacklog];
        this.deferredB = new long[replyBacklog];
        this.deferredC = new long[replyBacklog];
        this.deferredD = new long[replyBacklog];
        this.deferredE = new long[replyBacklog];
    }

    public void onMessage(final Message m, final ActorContext ctx)
    {
        if (m.schemaId() == CapCreateDecoder.SCHEMA_ID)
        {
            switch (m.templateId())
            {
                case CapCreateDecoder.TEMPLATE_ID -> onCreate(m, ctx);
                case CapDeriveDecoder.TEMPLATE_ID -> onDerive(m, ctx);
                case CapGrantDecoder.TEMPLATE_ID -> onGrant(m, ctx);
                case CapRevokeDecoder.TEMPLATE_ID -> onRevoke(m, ctx);
                case CapDeleteDecoder.TEMPLATE_ID -> onDelete(m, ctx);
                case CapValidateDecoder.TEMPLATE_ID -> onValidate(m, ctx);
                case SpaceCreateDecoder.TEMPLATE_ID -> onSpaceCreate(m, ctx);
                case SpaceOpenDecoder.TEMPLATE_ID -> onSpaceOpen(m, ctx);
                case SpaceDestroyDecoder.TEMPLATE_ID -> onSpaceDestroy(m, ctx);
                case SpaceForkDecoder.TEMPLATE_ID -> onSpaceFork(m, ctx);
                case SpaceExecDecoder.TEMPLATE_ID -> onSpaceExec(m, ctx);
                case CacheInvalidateAckDecoder.TEMPLATE_ID -> onAck(m, ctx);
                case CapRevokeRemoteDecoder.TEMPLATE_ID -> onRevokeRemote(m, ctx);
                case CapRevokeRemoteDoneDecoder.TEMPLATE_ID -> onRevokeRemoteDone(m, ctx);
                case CapGrantInstallDecoder.TEMPLATE_ID -> onGrantInstall(m, ctx);
                case CapGrantInstalledDecoder.TEMPLATE_ID -> onGrantInstalled(m, ctx);
                default -> ctx.replyError(m, ErrorCode.UNSUPPORTED);
            }
        }
        else if (m.is(TimerFiredDecoder.SCHEMA_ID, TimerFiredDecoder.TEMPLATE_ID))
        {
            retryPending = false;
            retryAll(ctx);
        }
        else if (m.schemaId() == TimerFiredDecoder.SCHEMA_ID)
        {
            // Start needs nothing; an ErrorReply to one of our sends is counted (a boot misconfiguration).
            errorsReceived++;
        }
        else
        {
            ctx.replyError(m, ErrorCode.UNSUPPORTED);
        }
    }

    // ---- capability requests ----

    private void onCreate(final Message m, final ActorContext ctx)
    {
        final CapCreateDecoder d = createDecoder;
        d.wrap(m.buffer(), m.bodyOffset(), m.blockLength(), m.version());
        createAndReply(ctx, m, K_CAP_REPLY, d.space(), d.objectId(), d.capType(), d.rights(), d.flags(), d.badge());
    }

    /** Create a root capability in {@code spaceId} and answer with its token (or why not). */
    private void createAndReply(
        final ActorContext ctx, final Message m, final int kind, final int spaceId, final long objectId,
        final int type, final int rights, final int flags, final long badge)
    {
        final CapabilitySpace space = openSpace(spaceId);
        int code = spaceError(spaceId);
        long token = 0;
        if (space != null)
        {
            final int slot = space.create(objectId, type, rights, flags, badge, tree);
            code = slot < 0 ? slot : CapabilityError.OK;
            token = slot < 0 ? 0 : space.token(slot);
        }
        reply(ctx, kind, m.source(), m.correlationId(), code, token, 0, 0, 0, 0);
    }

    private void onDerive(final Message m, final ActorContext ctx)
    {
        final CapDeriveDecoder d = deriveDecoder;
        d.wrap(m.buffer(), m.bodyOffset(), m.blockLength(), m.version());
        final CapabilitySpace space = openSpace(d.space());
        int code = spaceError(d.space());
        long token = 0;
        if (space != null)
        {
            final int slot = space.lookup(d.token());
            final int derived = slot < 0 ? slot : space.derive(slot, d.rights(), d.flags(), tree);
            code = derived < 0 ? derived : CapabilityError.OK;
            token = derived < 0 ? 0 : space.token(derived);
        }
        reply(ctx, K_CAP_REPLY, m.source(), m.correlationId(), code, token, 0, 0, 0, 0);
    }

    private void onGrant(final Message m, final ActorContext ctx)
    {
        final CapGrantDecoder d = grantDecoder;
        d.wrap(m.buffer(), m.bodyOffset(), m.blockLength(), m.version());
        final int fromId = d.fromSpace();
        final long parentToken = d.token();
        final int toId = d.toSpace();
        final int rights = d.rights();
        final int flags = d.flags();
        final CapabilitySpace from = openSpace(fromId);
        if (from == null)
        {
            reply(ctx, K_CAP_REPLY, m.source(), m.correlationId(), spaceError(fromId), 0, 0, 0, 0, 0);
            return;
        }
        final int slot = from.lookup(parentToken);
        if (slot < 0)
        {
            reply(ctx, K_CAP_REPLY, m.source(), m.correlationId(), slot, 0, 0, 0, 0, 0);
            return;
        }
        if (toId >= spaceCapacity)
        {
            reply(ctx, K_CAP_REPLY, m.source(), m.correlationId(), CapabilityError.NO_SUCH_SPACE, 0, 0, 0, 0, 0);
            return;
        }
        if (table.isLocal(toId))
        {
            final CapabilitySpace to = openSpace(toId);
            if (to == null)
            {
                reply(ctx, K_CAP_REPLY, m.source(), m.correlationId(), CapabilityError.NO_SUCH_SPACE, 0, 0, 0, 0, 0);
                return;
            }
            final int granted = from.grant(slot, to, rights, flags, tree);
            reply(ctx, K_CAP_REPLY, m.source(), m.correlationId(),
                granted < 0 ? granted : CapabilityError.OK, granted < 0 ? 0 : to.token(granted), 0, 0, 0, 0);
            return;
        }
        grantAcrossShards(m, ctx, from, slot, toId, rights, flags);
    }

    private void grantAcrossShards(
        final Message m, final ActorContext ctx, final CapabilitySpace from, final int slot, final int toId,
        final int rights, final int flags)
    {
        final GrantSession g = freeGrant();
        final int remote = remoteFreeHead;
        if (g == null || remote == CapabilitySpace.NONE)
        {
            busyRefusals++;
            reply(ctx, K_CAP_REPLY, m.source(), m.correlationId(), CapabilityStatus.BUSY, 0, 0, 0, 0, 0);
            return;
        }
        final int node = from.grantRemote(slot, toId, REMOTE_MARKER_BASE + remote, rights, flags, tree);
        if (node < 0)
        {
            reply(ctx, K_CAP_REPLY, m.source(), m.correlationId(), node, 0, 0, 0, 0, 0);
            return;
        }
        remoteFreeHead = remoteNext[remote];
        remoteNext[remote] = CapabilitySpace.NONE;
        remoteState[remote] = REMOTE_PENDING;
        remoteToken[remote] = 0;
        remoteSpace[remote] = toId;
        remoteNode[remote] = node;
        remoteSession[remote] = g.index;
        g.id = nextSessionId(g.index);
        g.requester = m.source();
        g.requestCorrelation = m.correlationId();
        g.remote = remote;
        g.toSpace = toId;
        g.objectId = from.objectId(slot);
        g.badge = from.badge(slot);
        g.type = from.type(slot);
        g.rights = rights;
        g.flags = flags;
        g.state(GrantSession.State.SENDING, GrantSession.REASON_START, ctx);
        pumpGrant(g, ctx);
    }

    private void pumpGrant(final GrantSession g, final ActorContext ctx)
    {
        if (ctx.claim(shards.authorityOfSpace(g.toSpace), g.id, installEncoder, 0) < 0)
        {
            scheduleRetry(ctx);
            return;
        }
        installEncoder.toSpace(g.toSpace).objectId(g.objectId).badge(g.badge).capType((short)g.type)
            .rights(g.rights).flags((short)g.flags);
        ctx.commit();
        g.state(GrantSession.State.AWAITING, GrantSession.REASON_SENT, ctx);
    }

    private void onGrantInstall(final Message m, final ActorContext ctx)
    {
        final CapGrantInstallDecoder d = installDecoder;
        d.wrap(m.buffer(), m.bodyOffset(), m.blockLength(), m.version());
        // A root of this shard's tree: copies made from it here are revoked with it.
        createAndReply(ctx, m, K_GRANT_INSTALLED, d.toSpace(), d.objectId(), d.capType(), d.rights(), d.flags(),
            d.badge());
    }

    private void onGrantInstalled(final Message m, final ActorContext ctx)
    {
        final CapGrantInstalledDecoder d = installedDecoder;
        d.wrap(m.buffer(), m.bodyOffset(), m.blockLength(), m.version());
        final long id = m.correlationId();
        final GrantSession g = grants[(int)(id & SESSION_INDEX_MASK)];
        if (g.state != GrantSession.State.AWAITING || g.id != id)
        {
            return;
        }
        final int code = CapabilityStatus.toCode(d.statusRaw());
        final long token = d.token();
        final int remote = g.remote;
        int replyCode = code;
        if (remoteState[remote] == REMOTE_PENDING)
        {
            if (code == CapabilityError.OK)
            {
                remoteToken[remote] = token;
                remoteState[remote] = REMOTE_INSTALLED;
                remoteSession[remote] = CapabilitySpace.NONE;
            }
            else
            {
                tree.remove(remoteNode[remote]);
                freeRemote(remote);
            }
        }
        else if (remoteState[remote] == REMOTE_PENDING_REVOKED)
        {
            // Revoked while the install was in flight: revoke the copy now, for that revocation.
            final RevocationSession r = revocations[remoteSession[remote]];
            if (code == CapabilityError.OK)
            {
                remoteToken[remote] = token;
                queueRemote(r, remote);
                replyCode = CapabilityError.REVOKED;
            }
            else
            {
                r.pendingRemote--;
                freeRemote(remote);
            }
            pumpRevocation(r, ctx);
        }
        else
        {
            throw new IllegalStateException("grant session without its pending remote entry");
        }
        reply(ctx, K_CAP_REPLY, g.requester, g.requestCorrelation, replyCode,
            replyCode == CapabilityError.OK ? token : 0, 0, 0, 0, 0);
        g.state(GrantSession.State.FREE, GrantSession.REASON_DONE, ctx);
    }

    private void onValidate(final Message m, final ActorContext ctx)
    {
        final CapValidateDecoder d = validateDecoder;
        d.wrap(m.buffer(), m.bodyOffset(), m.blockLength(), m.version());
        final int spaceId = d.space();
        final long token = d.token();
        final int type = d.capType();
        final int required = d.rights();
        final long epoch = d.cacheEpoch();
        validations++;
        final CapabilitySpace space = openSpace(spaceId);
        int code = spaceError(spaceId);
        long rights = 0;
        long badge = 0;
        if (space != null)
        {
            code = space.check(token, type, required);
            if (code == CapabilityError.OK)
            {
                final int slot = CapabilityToken.slotIndex(token);
                rights = space.rights(slot);
                badge = space.badge(slot);
            }
        }
        if (code != CapabilityError.OK)
        {
            validationFailures++;
        }
        reply(ctx, K_VALIDATE_REPLY, m.source(), m.correlationId(), code, spaceId, token, rights, badge, epoch);
    }

    private void onRevoke(final Message m, final ActorContext ctx)
    {
        final CapRevokeDecoder d = revokeDecoder;
        d.wrap(m.buffer(), m.bodyOffset(), m.blockLength(), m.version());
        final int spaceId = d.space();
        final CapabilitySpace space = openSpace(spaceId);
        revokeInSession(m, ctx, spaceId, space == null ? spaceError(spaceId) : space.lookup(d.token()),
            RevocationSession.KIND_REVOKE, K_REVOKE_COMPLETE);
    }

    /**
     * Revoke {@code slot} of {@code spaceId} and every copy made from it, answered with
     * {@code replyKind} once every CPU acknowledged; a negative {@code slot} (the token's
     * lookup failed: already gone) is answered at once.
     */
    private void revokeInSession(final Message m, final ActorContext ctx, final int spaceId, final int slot,
        final int sessionKind, final int replyKind)
    {
        if (slot < 0)
        {
            reply(ctx, replyKind, m.source(), m.correlationId(), slot, 0, 0, 0, 0, 0);
            return;
        }
        final RevocationSession r = startRevocation(m, ctx, sessionKind, replyKind);
        if (r == null)
        {
            return;
        }
        r.count = table.revoke(spaceId, slot, log);
        pumpRevocation(r, ctx);
        current = null;
    }

    private void onDelete(final Message m, final ActorContext ctx)
    {
        final CapDeleteDecoder d = deleteDecoder;
        d.wrap(m.buffer(), m.bodyOffset(), m.blockLength(), m.version());
        final int spaceId = d.space();
        final long token = d.token();
        final CapabilitySpace space = openSpace(spaceId);
        final int slot = space == null ? spaceError(spaceId) : space.lookup(token);
        if (slot == CapabilityError.REVOKED && CapabilityToken.key(token) == space.key() &&
            space.state(CapabilityToken.slotIndex(token)) == CapabilitySpace.REVOKED)
        {
            // Already refused everywhere: freeing the slot needs no invalidation.
            space.delete(CapabilityToken.slotIndex(token), tree);
            reply(ctx, K_REVOKE_COMPLETE, m.source(), m.correlationId(), CapabilityError.OK, 0, 0, 0, 0, 0);
            return;
        }
        if (slot < 0)
        {
            reply(ctx, K_REVOKE_COMPLETE, m.source(), m.correlationId(), slot, 0, 0, 0, 0, 0);
            return;
        }
        final RevocationSession r = startRevocation(m, ctx, RevocationSession.KIND_DELETE, K_REVOKE_COMPLETE);
        if (r == null)
        {
            return;
        }
        space.delete(slot, tree);
        log.onRevoked(spaceId, slot);
        r.count = 1;
        pumpRevocation(r, ctx);
        current = null;
    }

    private void onRevokeRemote(final Message m, final ActorContext ctx)
    {
        final CapRevokeRemoteDecoder d = remoteDecoder;
        d.wrap(m.buffer(), m.bodyOffset(), m.blockLength(), m.version());
        final long token = d.token();
        final int spaceId = CapabilityToken.spaceId(token);
        final CapabilitySpace space = openSpace(spaceId);
        // a copy already gone (deleted by its holder, or its space destroyed) needs no revoking
        revokeInSession(m, ctx, spaceId, space == null ? spaceError(spaceId) : space.lookup(token),
            RevocationSession.KIND_REMOTE, K_REMOTE_DONE);
    }

    // ---- space requests ----

    private void onSpaceCreate(final Message m, final ActorContext ctx)
    {
        final SpaceCreateDecoder d = spaceCreateDecoder;
        d.wrap(m.buffer(), m.bodyOffset(), m.blockLength(), m.version());
        final int spaceId = d.space();
        final int code = open(spaceId);
        final long key = code == CapabilityError.OK ? table.space(spaceId).key() : 0;
        reply(ctx, K_SPACE_REPLY, m.source(), m.correlationId(), code, spaceId, key, 0, 0, 0);
    }

    /**
     * Open a space with its initial capabilities, all or nothing: on any error the space is
     * closed again before a token could escape, so nothing needs revoking.
     */
    private void onSpaceOpen(final Message m, final ActorContext ctx)
    {
        final SpaceOpenDecoder d = spaceOpenDecoder;
        d.wrap(m.buffer(), m.bodyOffset(), m.blockLength(), m.version());
        final int spaceId = d.space();
        final SpaceOpenDecoder.CapsDecoder caps = d.caps();
        final int count = caps.count();
        int code = count > MAX_INITIAL_CAPS ? CapabilityError.INVALID_TYPE : open(spaceId);
        long slots = 0;
        if (code == CapabilityError.OK)
        {
            final CapabilitySpace space = table.space(spaceId);
            for (int i = 0; i < count && code == CapabilityError.OK; i++)
            {
                caps.next();
                final int slot = space.create(caps.objectId(), caps.capType(), caps.rights(), caps.flags(),
                    caps.badge(), tree);
                if (slot < 0)
                {
                    code = slot;
                }
                else
                {
                    slots |= (long)slot << (CapabilityToken.SLOT_BITS * i);
                }
            }
            if (code != CapabilityError.OK)
            {
                log.clear();
                space.destroy(tree, log);
                log.clear();
            }
        }
        final boolean ok = code == CapabilityError.OK;
        reply(ctx, K_SPACE_OPENED, m.source(), m.correlationId(), code, spaceId,
            ok ? table.space(spaceId).key() : 0, ok ? count : 0, slots, 0);
    }

    private void onSpaceFork(final Message m, final ActorContext ctx)
    {
        final SpaceForkDecoder d = spaceForkDecoder;
        d.wrap(m.buffer(), m.bodyOffset(), m.blockLength(), m.version());
        final int parentId = d.parentSpace();
        final int childId = d.childSpace();
        final CapabilitySpace parent = openSpace(parentId);
        int code = spaceError(parentId);
        int copied = 0;
        long key = 0;
        if (parent != null)
        {
            code = open(childId);
            if (code == CapabilityError.OK)
            {
                final CapabilitySpace child = table.space(childId);
                copied = parent.copyInheritable(child, tree);
                if (copied < 0)
                {
                    // No token of the child escaped yet: closing it undoes the copies.
                    code = copied;
                    copied = 0;
                    log.clear();
                    child.destroy(tree, log);
                    log.clear();
                }
                else
                {
                    key = child.key();
                }
            }
        }
        reply(ctx, K_SPACE_REPLY, m.source(), m.correlationId(), code, childId, key, copied, 0, 0);
    }

    private void onSpaceExec(final Message m, final ActorContext ctx)
    {
        final SpaceExecDecoder d = spaceExecDecoder;
        d.wrap(m.buffer(), m.bodyOffset(), m.blockLength(), m.version());
        final int spaceId = d.space();
        final CapabilitySpace space = openSpace(spaceId);
        if (space == null)
        {
            reply(ctx, K_SPACE_REPLY, m.source(), m.correlationId(), spaceError(spaceId), spaceId, 0, 0, 0, 0);
            return;
        }
        final RevocationSession r = startRevocation(m, ctx, RevocationSession.KIND_SPACE, K_SPACE_REPLY);
        if (r == null)
        {
            return;
        }
        r.count = space.retainOnExec(tree, log);
        r.space = spaceId;
        r.key = space.key();
        pumpRevocation(r, ctx);
        current = null;
    }

    private void onSpaceDestroy(final Message m, final ActorContext ctx)
    {
        final SpaceDestroyDecoder d = spaceDestroyDecoder;
        d.wrap(m.buffer(), m.bodyOffset(), m.blockLength(), m.version());
        final int spaceId = d.space();
        final CapabilitySpace space = openSpace(spaceId);
        if (space == null)
        {
            reply(ctx, K_SPACE_REPLY, m.source(), m.correlationId(), spaceError(spaceId), spaceId, 0, 0, 0, 0);
            return;
        }
        final RevocationSession r = startRevocation(m, ctx, RevocationSession.KIND_SPACE, K_SPACE_REPLY);
        if (r == null)
        {
            return;
        }
        r.count = space.destroy(tree, log);
        r.space = spaceId;
        r.key = 0;
        pumpRevocation(r, ctx);
        current = null;
    }

    private int open(final int spaceId)
    {
        if (spaceId >= spaceCapacity)
        {
            return CapabilityError.NO_SUCH_SPACE;
        }
        if (!table.isLocal(spaceId))
        {
            return CapabilityStatus.WRONG_SHARD;
        }
        final CapabilitySpace space = table.space(spaceId);
        if (space.key() != CapabilitySpace.NONE)
        {
            return CapabilityStatus.SPACE_EXISTS;
        }
        final int salt = salts[spaceId] + 1;
        if (salt > CapabilityToken.SALT_MASK)
        {
            return CapabilityStatus.SPACE_RETIRED;
        }
        salts[spaceId] = salt;
        space.reopen(salt);
        return CapabilityError.OK;
    }

    /** @return the open space {@code spaceId} of this shard, or null. */
    private CapabilitySpace openSpace(final int spaceId)
    {
        if (spaceId >= spaceCapacity || !table.isLocal(spaceId))
        {
            return null;
        }
        final CapabilitySpace space = table.space(spaceId);
        return space.key() == CapabilitySpace.NONE ? null : space;
    }

    /** @return why {@link #openSpace} returned null. */
    private int spaceError(final int spaceId)
    {
        return spaceId < spaceCapacity && !table.isLocal(spaceId) ?
            CapabilityStatus.WRONG_SHARD : CapabilityError.NO_SUCH_SPACE;
    }

    // ---- revocation sessions ----

    /**
     * Take a session for a request that will invalidate capabilities; the log is cleared and
     * {@link #current} set for the foreign listener. Replies BUSY and returns null when none is free.
     */
    private RevocationSession startRevocation(final Message m, final ActorContext ctx, final int kind, final int replyKind)
    {
        RevocationSession r = null;
        for (int i = 0; i < revocations.length && r == null; i++)
        {
            if (revocations[i].state == RevocationSession.State.FREE)
            {
                r = revocations[i];
            }
        }
        if (r == null)
        {
            busyRefusals++;
            reply(ctx, replyKind, m.source(), m.correlationId(), CapabilityStatus.BUSY, 0, 0, 0, 0, 0);
            return null;
        }
        r.id = nextSessionId(r.index);
        r.kind = kind;
        r.requester = m.source();
        r.requestCorrelation = m.correlationId();
        r.nextCpu = 0;
        r.flush = false;
        r.pendingAcks = 0;
        r.pendingRemote = 0;
        r.remoteHead = CapabilitySpace.NONE;
        r.count = 0;
        r.space = 0;
        r.key = 0;
        r.state(RevocationSession.State.BROADCASTING, RevocationSession.REASON_START, ctx);
        log.clear();
        current = r;
        return r;
    }

    /** Send what remains to be sent; reply and free the session once everything is acknowledged. */
    private void pumpRevocation(final RevocationSession r, final ActorContext ctx)
    {
        if (r.state == RevocationSession.State.FREE)
        {
            return;
        }
        if (current == r && r.nextCpu == 0 && log.size() == 0)
        {
            // Nothing was invalidated on this shard: no CPU has anything to drop.
            r.nextCpu = cpuCount;
        }
        while (r.nextCpu < cpuCount)
        {
            if (!sendInvalidate(r, ctx))
            {
                r.flush = true;
                scheduleRetry(ctx);
                return;
            }
            r.nextCpu++;
            r.pendingAcks++;
        }
        while (r.remoteHead != CapabilitySpace.NONE)
        {
            final int remote = r.remoteHead;
            final long correlation = (++remoteSerial << REMOTE_INDEX_BITS) | remote;
            if (ctx.claim(shards.authorityOfSpace(remoteSpace[remote]), correlation, remoteEncoder, 0) < 0)
            {
                scheduleRetry(ctx);
                return;
            }
            remoteEncoder.token(remoteToken[remote]);
            ctx.commit();
            r.remoteHead = remoteNext[remote];
            remoteNext[remote] = CapabilitySpace.NONE;
            remoteState[remote] = REMOTE_SENT;
            remoteCorrelation[remote] = correlation;
        }
        if (r.state == RevocationSession.State.BROADCASTING)
        {
            r.state(RevocationSession.State.AWAITING, RevocationSession.REASON_SENT, ctx);
        }
        if (r.pendingAcks == 0 && r.pendingRemote == 0)
        {
            finish(r, ctx);
        }
    }

    private boolean sendInvalidate(final RevocationSession r, final ActorContext ctx)
    {
        // The log holds this session's pairs only during the handler that started it; any later
        // send (a retry) flushes instead.
        final boolean flush = r.flush || current != r || log.size() > MAX_BATCH_PAIRS;
        final int pairs = flush ? 0 : log.size();
        final int varLength = CacheInvalidateEncoder.PairsEncoder.sbeHeaderSize() +
            pairs * CacheInvalidateEncoder.PairsEncoder.sbeBlockLength();
        if (ctx.claim(shards.cacheService(r.nextCpu), r.id, invalidateEncoder, varLength) < 0)
        {
            return false;
        }
        invalidateEncoder.batchId(r.id).flush(flush ? FlushFlag.FLUSH : FlushFlag.PAIRS);
        final CacheInvalidateEncoder.PairsEncoder group = invalidateEncoder.pairsCount(pairs);
        for (int i = 0; i < pairs; i++)
        {
            group.next().space(log.spaceId(i)).slot(log.slotIndex(i));
        }
        ctx.commit();
        invalidationsSent++;
        if (flush)
        {
            flushesSent++;
        }
        return true;
    }

    private void onAck(final Message m, final ActorContext ctx)
    {
        final CacheInvalidateAckDecoder d = ackDecoder;
        d.wrap(m.buffer(), m.bodyOffset(), m.blockLength(), m.version());
        final long id = d.batchId();
        final RevocationSession r = revocations[(int)(id & SESSION_INDEX_MASK)];
        if (r.state == RevocationSession.State.FREE || r.id != id || r.pendingAcks == 0)
        {
            return;
        }
        r.pendingAcks--;
        pumpRevocation(r, ctx);
    }

    private void onRevokeRemoteDone(final Message m, final ActorContext ctx)
    {
        final CapRevokeRemoteDoneDecoder d = remoteDoneDecoder;
        d.wrap(m.buffer(), m.bodyOffset(), m.blockLength(), m.version());
        final long correlation = m.correlationId();
        final int remote = (int)(correlation & REMOTE_INDEX_MASK);
        if (remote >= remoteState.length || remoteState[remote] != REMOTE_SENT ||
            remoteCorrelation[remote] != correlation)
        {
            return;
        }
        final RevocationSession r = revocations[remoteSession[remote]];
        final int code = CapabilityStatus.toCode(d.statusRaw());
        if (code == CapabilityStatus.BUSY)
        {
            // The other shard had no free session: send again later.
            queueRemote(r, remote);
            scheduleRetry(ctx);
            return;
        }
        r.count += (int)d.revoked();
        r.pendingRemote--;
        freeRemote(remote);
        pumpRevocation(r, ctx);
    }

    private void finish(final RevocationSession r, final ActorContext ctx)
    {
        final int kind = r.kind == RevocationSession.KIND_REMOTE ? K_REMOTE_DONE :
            r.kind == RevocationSession.KIND_SPACE ? K_SPACE_REPLY : K_REVOKE_COMPLETE;
        if (kind == K_SPACE_REPLY)
        {
            reply(ctx, kind, r.requester, r.requestCorrelation, CapabilityError.OK, r.space, r.key, r.count, 0, 0);
        }
        else
        {
            reply(ctx, kind, r.requester, r.requestCorrelation, CapabilityError.OK, r.count, 0, 0, 0, 0);
        }
        revocationsCompleted++;
        r.state(RevocationSession.State.FREE, RevocationSession.REASON_DONE, ctx);
    }

    /** Told by the table of every tree node of a revoked subtree naming a space of another shard. */
    private static final class ForeignCopies implements RevocationListener
    {
        private final CapabilityAuthorityService owner;

        ForeignCopies(final CapabilityAuthorityService owner)
        {
            this.owner = owner;
        }

        public void onRevoked(final int spaceId, final int marker)
        {
            owner.onForeignRevoked(marker);
        }
    }

    private void onForeignRevoked(final int marker)
    {
        final int remote = marker - REMOTE_MARKER_BASE;
        final RevocationSession r = current;
        if (remote < 0 || remote >= remoteState.length || r == null)
        {
            throw new IllegalStateException("derivation tree names a foreign slot without a remote entry");
        }
        if (remoteState[remote] == REMOTE_INSTALLED)
        {
            r.pendingRemote++;
            queueRemote(r, remote);
        }
        else if (remoteState[remote] == REMOTE_PENDING)
        {
            r.pendingRemote++;
            remoteState[remote] = REMOTE_PENDING_REVOKED;
            remoteSession[remote] = r.index;
        }
        else
        {
            throw new IllegalStateException("remote capability entry revoked twice");
        }
    }

    private void queueRemote(final RevocationSession r, final int remote)
    {
        remoteState[remote] = REMOTE_TO_SEND;
        remoteSession[remote] = r.index;
        remoteNext[remote] = r.remoteHead;
        r.remoteHead = remote;
    }

    private void freeRemote(final int remote)
    {
        remoteState[remote] = REMOTE_FREE;
        remoteToken[remote] = 0;
        remoteSession[remote] = CapabilitySpace.NONE;
        remoteNext[remote] = remoteFreeHead;
        remoteFreeHead = remote;
    }

    private GrantSession freeGrant()
    {
        for (int i = 0; i < grants.length; i++)
        {
            if (grants[i].state == GrantSession.State.FREE)
            {
                return grants[i];
            }
        }
        return null;
    }

    private long nextSessionId(final int index)
    {
        return (++sessionSerial << SESSION_INDEX_BITS) | index;
    }

    // ---- replies, with a backlog for back-pressure ----

    private void reply(
        final ActorContext ctx, final int kind, final long destination, final long correlation, final int code,
        final long a, final long b, final long c, final long d, final long e)
    {
        if (deferredCount == 0 && encodeReply(ctx, kind, destination, correlation, code, a, b, c, d, e))
        {
            return;
        }
        if (deferredCount == deferredKind.length)
        {
            throw new IllegalStateException("capability authority: reply backlog overflow");
        }
        final int tail = (deferredHead + deferredCount) % deferredKind.length;
        deferredKind[tail] = kind;
        deferredDestination[tail] = destination;
        deferredCorrelation[tail] = correlation;
        deferredStatus[tail] = code;
        deferredA[tail] = a;
        deferredB[tail] = b;
        deferredC[tail] = c;
        deferredD[tail] = d;
        deferredE[tail] = e;
        deferredCount++;
        repliesDeferred++;
        scheduleRetry(ctx);
    }

    private boolean encodeReply(
        final ActorContext ctx, final int kind, final long destination, final long correlation, final int code,
        final long a, final long b, final long c, final long d, final long e)
    {
        switch (kind)
        {
            case K_CAP_REPLY:
                if (ctx.claim(destination, correlation, capReply, 0) < 0)
                {
                    return false;
                }
                capReply.status(CapabilityStatus.toStatus(code)).token(a);
                break;
            case K_VALIDATE_REPLY:
                if (ctx.claim(destination, correlation, validateReply, 0) < 0)
                {
                    return false;
                }
                validateReply.status(CapabilityStatus.toStatus(code)).space((int)a).token(b).rights((int)c)
                    .badge(d).cacheEpoch(e);
                break;
            case K_SPACE_REPLY:
                if (ctx.claim(destination, correlation, spaceReply, 0) < 0)
                {
                    return false;
                }
                spaceReply.status(CapabilityStatus.toStatus(code)).space((int)a).key(b).count(c);
                break;
            case K_REVOKE_COMPLETE:
                if (ctx.claim(destination, correlation, revokeComplete, 0) < 0)
                {
                    return false;
                }
                revokeComplete.status(CapabilityStatus.toStatus(code)).revoked(a);
                break;
            case K_GRANT_INSTALLED:
                if (ctx.claim(destination, correlation, installedEncoder, 0) < 0)
                {
                    return false;
                }
                installedEncoder.status(CapabilityStatus.toStatus(code)).token(a);
                break;
            case K_REMOTE_DONE:
                if (ctx.claim(destination, correlation, remoteDoneEncoder, 0) < 0)
                {
                    return false;
                }
                remoteDoneEncoder.status(CapabilityStatus.toStatus(code)).revoked(a);
                break;
            case K_SPACE_OPENED:
            {
                // the tokens are read from the space when the reply goes out: no other request
                // can reach the space before its owner has them
                if (ctx.claim(destination, correlation, spaceOpened,
                    SpaceOpenedEncoder.TokensEncoder.sbeHeaderSize() +
                    (int)c * SpaceOpenedEncoder.TokensEncoder.sbeBlockLength()) < 0)
                {
                    return false;
                }
                spaceOpened.status(CapabilityStatus.toStatus(code)).space((int)a).key(b);
                final SpaceOpenedEncoder.TokensEncoder tokens = spaceOpened.tokensCount((int)c);
                for (int i = 0; i < (int)c; i++)
                {
                    final CapabilitySpace space = table.space((int)a);
                    tokens.next().token(space.token((int)(d >>> (CapabilityToken.SLOT_BITS * i)) &
                        CapabilityToken.SLOT_MASK));
                }
                break;
            }
            default:
                throw new IllegalStateException("unknown reply kind");
        }
        ctx.commit();
        return true;
    }

    private void retryAll(final ActorContext ctx)
    {
        while (deferredCount > 0)
        {
            final int h = deferredHead;
            if (!encodeReply(ctx, deferredKind[h], deferredDestination[h], deferredCorrelation[h], deferredStatus[h],
                deferredA[h], deferredB[h], deferredC[h], deferredD[h], deferredE[h]))
            {
                scheduleRetry(ctx);
                return;
            }
            deferredHead = (h + 1) % deferredKind.length;
            deferredCount--;
        }
        for (int i = 0; i < grants.length; i++)
        {
            if (grants[i].state == GrantSession.State.SENDING)
            {
                pumpGrant(grants[i], ctx);
            }
        }
        for (int i = 0; i < revocations.length; i++)
        {
            pumpRevocation(revocations[i], ctx);
        }
    }

    private void scheduleRetry(final ActorContext ctx)
    {
        if (!retryPending && ctx.setTimer(ctx.nanoTime() + RETRY_NANOS, 0) >= 0)
        {
            retryPending = true;
        }
    }

    // ---- inspection (tests, statistics, benchmarks on the shard's own thread) ----

    /**
     * @param fromId lowest space id counted.
     * @return spaces of this shard open now with an id of at least {@code fromId}.
     */
    public int openSpaces(final int fromId)
    {
        int n = 0;
        for (int id = fromId; id < spaceCapacity; id++)
        {
            if (table.isLocal(id) && table.space(id).key() != CapabilitySpace.NONE)
            {
                n++;
            }
        }
        return n;
    }

    /** @return this shard's index. */
    public int shard()
    {
        return shard;
    }

    /** @return the shard's spaces and tree (for statistics and benchmarks; not for other actors). */
    public CapabilitySpaceTable table()
    {
        return table;
    }

    /** @return the shard's page pool. */
    public CapabilityPagePool pool()
    {
        return pool;
    }

    /** @return CapValidate requests handled. */
    public long validations()
    {
        return validations;
    }

    /** @return CapValidate requests refused. */
    public long validationFailures()
    {
        return validationFailures;
    }

    /** @return revocations, deletes, execs and destroys completed (replied). */
    public long revocationsCompleted()
    {
        return revocationsCompleted;
    }

    /** @return CacheInvalidate messages sent. */
    public long invalidationsSent()
    {
        return invalidationsSent;
    }

    /** @return CacheInvalidate messages sent as flushes. */
    public long flushesSent()
    {
        return flushesSent;
    }

    /** @return replies that waited for room. */
    public long repliesDeferred()
    {
        return repliesDeferred;
    }

    /** @return requests refused BUSY for want of a session. */
    public long busyRefusals()
    {
        return busyRefusals;
    }

    /** @return runtime messages (errors) received that were not timers. */
    public long errorsReceived()
    {
        return errorsReceived;
    }

    /** @return revocation sessions in progress. */
    public int revocationsInProgress()
    {
        int count = 0;
        for (int i = 0; i < revocations.length; i++)
        {
            if (revocations[i].state != RevocationSession.State.FREE)
            {
                count++;
            }
        }
        return count;
    }
}
