package org.tessera.arch.riscv64.engine;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.function.LongSupplier;

import org.agrona.UnsafeApi;
import org.tessera.arch.spi.PhysicalMemory;

/**
 * One RV64GC hart in user mode: interprets guest instructions on a {@link RiscvContext} until a
 * trap leaves the engine.
 *
 * <p>{@link #run(long)} returns a cause from {@link RiscvTrap}; {@link #tval()} holds the
 * faulting address or instruction bits. On an exception the context's pc points at the
 * instruction that trapped (the kernel advances it past an {@code ecall}); on an interrupt it
 * points at the next instruction to execute. A trapping instruction is not counted as retired.
 *
 * <p>Preemption is exact: {@code run(n)} retires exactly {@code n} instructions and then
 * returns {@link RiscvTrap#TIMER_INTERRUPT}, unless something else traps first. The
 * pending-interrupt word ({@link #raiseInterrupt(int)}, callable from any thread) is checked on
 * entry and after every taken branch or jump, so at least once per basic block.
 *
 * <p>Atomics are atomic across engines on different threads that share one
 * {@link PhysicalMemory}: AMOs are compare-and-set loops or atomic read-modify-writes on the
 * backing memory, and {@code sc} succeeds only if a compare-and-set from the value its
 * {@code lr} read succeeds (a store by another hart that changed the word breaks the
 * reservation; one that wrote back the same value is not observed, as in QEMU).
 *
 * <p>The instruction loop allocates nothing. A trap unwinds out of the loop with one
 * preallocated, stackless signal; cause and tval live in fields.
 *
 * <p>Decode cache. Instructions are decoded once into basic blocks ({@link Decoder} entries,
 * consecutive in a trace), cached per physical frame in {@value #SLOTS} direct-mapped slots;
 * each block remembers the block that followed it on the same page. The block loop calls
 * nothing, so the compiler keeps its state in registers; an instruction beyond its common case
 * leaves it and runs the original way, fetched and decoded afresh. Loads and stores translate
 * through direct-mapped micro-TLBs in front of {@link GuestMemory#translate}. What keeps it
 * exact:
 * <ul>
 *   <li>every {@link #run(long)} starts with nothing cached for loads and stores and nothing
 *       decoded (in O(1): an epoch and keys change), since the kernel changes mappings,
 *       flushes TLBs and writes frames only between runs, unless {@link #keepDecodedAcrossRuns}
 *       is on: then decoded code stays, and cached translations stay while the memory's
 *       {@link GuestMemory#mappingVersion} does; a kernel keeping decoded code calls
 *       {@link #invalidateCode} whenever it drops translations of a space (Riscv64UserEngine
 *       does so on every TLB flush);</li>
 *   <li>{@code fence.i} drops every decoded block, so stores of other harts become visible;</li>
 *   <li>a store, SC or AMO by this hart to a frame with decoded code drops that frame's blocks
 *       at once (decoding a frame flushes the store micro-TLB, so stores that hit it never
 *       target code), so self-modifying code runs as without the cache, fence.i or not;</li>
 *   <li>a block is cut to the remaining budget, and interrupts are checked after the last
 *       instruction run in a block, the only one that can have jumped (a taken conditional
 *       branch leaves its block): retired counts and preemption points are those of the
 *       undecoded engine.</li>
 * </ul>
 */
public final class RiscvCpu
{
    private static final VarHandle LONG_HANDLE = ValueLayout.JAVA_LONG.varHandle();
    private static final VarHandle INT_HANDLE = ValueLayout.JAVA_INT.varHandle();
    private static final VarHandle PENDING;
    private static final ValueLayout.OfLong LONG = ValueLayout.JAVA_LONG_UNALIGNED;
    private static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT_UNALIGNED;
    private static final ValueLayout.OfShort SHORT = ValueLayout.JAVA_SHORT_UNALIGNED;

    static
    {
        try
        {
            PENDING = MethodHandles.lookup().findVarHandle(RiscvCpu.class, "pending", int.class);
        }
        catch (final ReflectiveOperationException ex)
        {
            throw new ExceptionInInitializerError(ex);
        }
    }

    /** Unwinds the instruction loop on a trap; preallocated and without a stack trace. */
    private static final class TrapSignal extends RuntimeException
    {
        private static final long serialVersionUID = 1L;

        TrapSignal()
        {
            super(null, null, false, false);
        }
    }

    private static final TrapSignal TRAP = new TrapSignal();
    /** What {@link #step} returns for an ecall: odd, so never the address of an instruction. */
    private static final long ECALL_EXIT = 1L;
    /** {@link #slowStep}: the run goes on (never a trap cause: no cause has all 32 bits set). */
    private static final int GO_ON = -1;
    private static final long NO_PAGE = -1L;
    private static final int SLOTS = 64;
    private static final int SLOT_SHIFT = 11;
    private static final int MICRO_TLB = 64;
    private static final int TRACE_CAPACITY = 1 << 16;
    // A block ends after this many instructions even without a jump: every taken branch starts
    // a block of its own that is decoded afresh, so straight-line code is decoded a bounded
    // number of times.
    private static final int BLOCK_LIMIT = 128;
    private static final int MAX_BLOCK = BLOCK_LIMIT;
    private static final int EXIT_BUDGET = 0;
    private static final int EXIT_INTERRUPT = 1;
    private static final int EXIT_LOOKUP = 2;
    private static final int EXIT_SLOW = 3;
    private static final int EXIT_ECALL = 4;
    private static final long KEY_STEP = 1L << 52;
    // The range in which RiscvFpu's fast paths hold (no overflow or underflow possible).
    private static final double SAFE_LOW = 0x1p-960;
    private static final double SAFE_HIGH = 0x1p1020;

    private final GuestMemory memory;
    private final PhysicalMemory physical;
    private final MemorySegment segment;
    // host address of physical memory, for the block loop's plain loads and stores
    private final long memoryBase;
    private final RiscvFpu fpu = new RiscvFpu();

    private RiscvContext context;
    private long[] x;
    private long[] f;

    private volatile int pending;
    private LongSupplier clock;

    private int cause;
    private long tval;
    private boolean keepDecoded;
    private long blocksDecoded;
    private long instret;
    private long cycle;

    // The fetch page: its translation and the decode-cache slot holding its instructions.
    private long fetchPage = NO_PAGE;
    private long fetchBase;
    private long fetchFrame = NO_PAGE;
    private int fetchSlotBase;
    private int fetchGeneration;

    // Decode cache: SLOTS physical frames (slotFrame; a slot is live while its epoch is the
    // current one, and each claim gives it a new generation). Per halfword of a slot, the block
    // starting there: start in trace << 32 | number of instructions << 8 | the slot generation
    // it was decoded in (0: none).
    private final long[] blocks = new long[SLOTS << SLOT_SHIFT];
    // Decoded blocks, each a run of consecutive entries (see Decoder), filled from traceTop;
    // emptied when every decoded instruction is dropped, or when full.
    private final long[] trace = new long[TRACE_CAPACITY];
    private int traceTop;
    // Indexed by a block's start in the trace: the pc and block that followed it last time
    // (a hint, checked before use; -1 when none).
    private final long[] chainPc = new long[TRACE_CAPACITY];
    private final long[] chainBlock = new long[TRACE_CAPACITY];
    private final long[] slotFrame = new long[SLOTS];
    private final int[] slotEpoch = new int[SLOTS];
    private final int[] slotGeneration = new int[SLOTS];
    private int epoch = 1;

    // Micro-TLBs in front of GuestMemory.translate: tag = virtual page | key, where the key (bits
    // 63:52, never 0) changes at every run and drops every entry at once.
    private final long[] loadTag = new long[MICRO_TLB];
    private final long[] loadFrame = new long[MICRO_TLB];
    private final long[] storeTag = new long[MICRO_TLB];
    private final long[] storeFrame = new long[MICRO_TLB];
    private long loadKey = KEY_STEP;
    private long storeKey = KEY_STEP;
    // the GuestMemory.mappingVersion the cached translations were taken under
    private long mappingSeen = Long.MIN_VALUE;

    private long reservationAddress;
    private long reservationValue;
    private int reservationSize;
    // See fcsrChanged.
    private int fpFast;
    // bit rm set when rounding-mode field rm is valid now (static 0-4; 7, dynamic, if frm is)
    private int fpValid;
    private boolean decodeCache = true;
    // Where runBlocks stopped.
    private long exitPc;
    private long exitDone;

    /**
     * @param memory how this hart translates and reaches memory.
     */
    public RiscvCpu(final GuestMemory memory)
    {
        this.memory = memory;
        this.physical = memory.physical();
        this.segment = physical.segment();
        this.memoryBase = segment.address();
        for (int i = 0; i < SLOTS; i++)
        {
            slotFrame[i] = NO_PAGE;
        }
        context(new RiscvContext());
    }

    /** @return the context the engine runs on. */
    public RiscvContext context()
    {
        return context;
    }

    /**
     * Attach a context (a context switch without copying); clears the LR reservation.
     */
    public void context(final RiscvContext context)
    {
        this.context = context;
        this.x = context.x;
        this.f = context.f;
        clearReservation();
    }

    /**
     * Tests only: with {@code false}, {@link #run(long)} fetches, expands and decodes every
     * instruction afresh, the reference the decode cache must agree with.
     */
    void decodeCache(final boolean enabled)
    {
        this.decodeCache = enabled;
    }

    /** @return the memory this hart uses. */
    public GuestMemory memory()
    {
        return memory;
    }

    /** Drop any LR reservation, as a context switch must. */
    public void clearReservation()
    {
        reservationSize = 0;
    }

    /**
     * Set the source of the {@code time} CSR; {@code null} (the default) makes {@code time}
     * read the cycle count, which keeps runs deterministic.
     */
    public void clock(final LongSupplier clock)
    {
        this.clock = clock;
    }

    /** Set pending-interrupt bits; safe from any thread. The engine leaves at the next check. */
    public void raiseInterrupt(final int bits)
    {
        PENDING.getAndBitwiseOr(this, bits);
    }

    /** @return and clear the pending-interrupt bits. */
    public int takeInterrupts()
    {
        return (int)PENDING.getAndSet(this, 0);
    }

    /** @return the pending-interrupt bits without clearing them. */
    public int pendingInterrupts()
    {
        return pending;
    }

    /** @return the cause of the last trap (same as the last {@link #run(long)} result). */
    public int cause()
    {
        return cause;
    }

    /**
     * Keep decoded instructions from one run to the next (they are keyed by physical frame, so
     * address-space switches do not matter). The owner then promises to call
     * {@link #invalidateCode} whenever a frame may have been unmapped, freed and reused, or
     * written with code by someone else than this hart without a {@code fence.i} by the guest:
     * a kernel does it when it drops an address space's translations from the TLB, the only way
     * a mapped frame can go away. Off by default: every run then starts with nothing decoded.
     */
    public void keepDecodedAcrossRuns(final boolean keep)
    {
        this.keepDecoded = keep;
    }

    /** Forget every decoded instruction now (as fence.i does). */
    public void invalidateCode()
    {
        dropDecoded();
    }

    /** @return basic blocks decoded since construction (statistics, tests). */
    public long blocksDecoded()
    {
        return blocksDecoded;
    }

    /** @return the faulting virtual address, instruction bits, pc (ebreak) or pending bits. */
    public long tval()
    {
        return tval;
    }

    /** @return instructions retired by this hart since construction. */
    public long instret()
    {
        return instret;
    }

    /** @return cycles: retired instructions plus instructions that trapped. */
    public long cycle()
    {
        return cycle;
    }

    /**
     * Run the attached context until a trap.
     *
     * @param maxInstructions the instruction budget; when exactly this many instructions have
     *                        retired the engine returns {@link RiscvTrap#TIMER_INTERRUPT} (a
     *                        negative budget never expires).
     * @return the trap cause ({@link RiscvTrap}).
     */
    public int run(final long maxInstructions)
    {
        newRun();
        fcsrChanged();
        final RiscvContext ctx = context;
        if ((ctx.pc & 1) != 0 || !decodeCache)
        {
            // An odd pc is never reached by guest code (every jump clears bit 0); the decode
            // cache holds instructions at even addresses only, so a kernel-set odd pc runs
            // undecoded.
            return runUndecoded(maxInstructions);
        }
        long pc = ctx.pc;
        long done = 0;
        int result;
        if (pending != 0)
        {
            result = interrupted();
        }
        else
        {
            // a negative budget never expires
            final long budget = maxInstructions < 0 ? Long.MAX_VALUE : maxInstructions;
            try
            {
                while (true)
                {
                    final int exit = runBlocks(pc, done, budget);
                    pc = exitPc;
                    done = exitDone;
                    if (exit == EXIT_BUDGET)
                    {
                        cause = RiscvTrap.TIMER_INTERRUPT;
                        tval = 0;
                        result = RiscvTrap.TIMER_INTERRUPT;
                        break;
                    }
                    if (exit == EXIT_INTERRUPT)
                    {
                        result = interrupted();
                        break;
                    }
                    if (exit == EXIT_ECALL)
                    {
                        result = ecall();
                        break;
                    }
                    if (exit == EXIT_LOOKUP)
                    {
                        if ((pc >>> 12) != fetchPage)
                        {
                            enterPage(pc);
                        }
                        final int index = fetchSlotBase + (((int)pc & 0xFFF) >>> 1);
                        if ((int)(blocks[index] & 0xFF) != fetchGeneration)
                        {
                            decodeBlock(pc, index);
                        }
                        continue;
                    }
                    // EXIT_SLOW: this one instruction goes the whole way, fetched and decoded
                    // afresh, exactly as without the decode cache.
                    final int stepped = slowStep(pc, done);
                    pc = exitPc;
                    done = exitDone;
                    if (stepped != GO_ON)
                    {
                        result = stepped;
                        break;
                    }
                }
            }
            catch (final TrapSignal signal)
            {
                result = cause;
                cycle++;
            }
        }
        ctx.pc = pc;
        instret += done;
        cycle += done;
        return result;
    }

    /**
     * The fast loop: runs decoded blocks from {@code pc} until the budget is spent, an
     * interrupt is pending after a jump, the next block is not decoded or on another page, or
     * an instruction needs more than its common case (a micro-TLB miss, an access crossing a
     * page, an FP result that needs flags or is not of round-to-nearest, anything undecoded).
     * It calls nothing and throws nothing, so the compiler can keep its state in registers.
     * The instruction at {@link #exitPc} has not run; {@link #exitDone} have retired.
     *
     * @return {@link #EXIT_BUDGET}, {@link #EXIT_INTERRUPT}, {@link #EXIT_LOOKUP},
     * {@link #EXIT_SLOW} or {@link #EXIT_ECALL}.
     */
    private int runBlocks(final long startPc, final long startDone, final long budget)
    {
        final long[] x = this.x;
        final long[] f = this.f;
        final long[] trace = this.trace;
        final long[] blocks = this.blocks;
        final long[] chainPc = this.chainPc;
        final long[] chainBlock = this.chainBlock;
        // physical memory's host address: every pa below comes from a translation, which gives
        // only frames inside physical memory, and an access never leaves its page
        final long memoryBase = this.memoryBase;
        final long[] loadTag = this.loadTag;
        final long[] loadFrame = this.loadFrame;
        final long[] storeTag = this.storeTag;
        final long[] storeFrame = this.storeFrame;
        // none of these change while this method runs
        final long loadKey = this.loadKey;
        final long storeKey = this.storeKey;
        final long page = fetchPage;
        final int slotBase = fetchSlotBase;
        final int generation = fetchGeneration;
        final int fpFast = this.fpFast;
        final int fpValid = this.fpValid;
        long pc = startPc;
        long done = startDone;
        long block = 0;
        int previous = -1;
        int exit;
        blocks:
        while (true)
        {
            if (done == budget)
            {
                exit = EXIT_BUDGET;
                break;
            }
            if (block == 0)
            {
                if ((pc >>> 12) != page)
                {
                    exit = EXIT_LOOKUP;
                    break;
                }
                block = blocks[slotBase + (((int)pc & 0xFFF) >>> 1)];
                if ((int)(block & 0xFF) != generation)
                {
                    exit = EXIT_LOOKUP;
                    break;
                }
                if (previous >= 0)
                {
                    chainPc[previous] = pc;
                    chainBlock[previous] = block;
                }
            }
            // The block's instructions run without the checks above: all of them were decoded
            // with the slot's generation, and the budget is cut to fit. They are consecutive in
            // the trace, so the next one is known before this one is decoded.
            int t = (int)(block >>> 32);
            final int first = t;
            final int end = t + (int)Math.min((block >>> 8) & 0xFFFF, budget - done);
            long next;
            while (true)
            {
                final long e = trace[t];
                final int rd = ((int)e >>> 8) & 31;
                final int rs1 = ((int)e >>> 13) & 31;
                final int rs2 = ((int)e >>> 18) & 31;
                final int imm = (int)(e >> 32);
                next = pc + 4 - (((int)e >>> 22) & 2);
                switch ((int)e & 0xFF)
                {
                    case Decoder.NOP ->
                    {
                    }
                    case Decoder.ADDI -> x[rd] = x[rs1] + imm;
                    case Decoder.SLTI -> x[rd] = x[rs1] < imm ? 1 : 0;
                    case Decoder.SLTIU -> x[rd] = Long.compareUnsigned(x[rs1], imm) < 0 ? 1 : 0;
                    case Decoder.XORI -> x[rd] = x[rs1] ^ imm;
                    case Decoder.ORI -> x[rd] = x[rs1] | imm;
                    case Decoder.ANDI -> x[rd] = x[rs1] & imm;
                    case Decoder.SLLI -> x[rd] = x[rs1] << imm;
                    case Decoder.SRLI -> x[rd] = x[rs1] >>> imm;
                    case Decoder.SRAI -> x[rd] = x[rs1] >> imm;
                    case Decoder.ADDIW -> x[rd] = (int)x[rs1] + imm;
                    case Decoder.SLLIW -> x[rd] = (int)x[rs1] << imm;
                    case Decoder.SRLIW -> x[rd] = (int)x[rs1] >>> imm;
                    case Decoder.SRAIW -> x[rd] = (int)x[rs1] >> imm;
                    case Decoder.LI -> x[rd] = imm;
                    case Decoder.AUIPC -> x[rd] = pc + imm;
                    case Decoder.ADD -> x[rd] = x[rs1] + x[rs2];
                    case Decoder.SUB -> x[rd] = x[rs1] - x[rs2];
                    case Decoder.SLL -> x[rd] = x[rs1] << x[rs2];
                    case Decoder.SLT -> x[rd] = x[rs1] < x[rs2] ? 1 : 0;
                    case Decoder.SLTU -> x[rd] = Long.compareUnsigned(x[rs1], x[rs2]) < 0 ? 1 : 0;
                    case Decoder.XOR -> x[rd] = x[rs1] ^ x[rs2];
                    case Decoder.SRL -> x[rd] = x[rs1] >>> x[rs2];
                    case Decoder.SRA -> x[rd] = x[rs1] >> x[rs2];
                    case Decoder.OR -> x[rd] = x[rs1] | x[rs2];
                    case Decoder.AND -> x[rd] = x[rs1] & x[rs2];
                    case Decoder.MUL -> x[rd] = x[rs1] * x[rs2];
                    case Decoder.MULH -> x[rd] = Math.multiplyHigh(x[rs1], x[rs2]);
                    case Decoder.MULHSU -> x[rd] = Math.multiplyHigh(x[rs1], x[rs2]) + (x[rs2] < 0 ? x[rs1] : 0);
                    case Decoder.MULHU -> x[rd] = Math.unsignedMultiplyHigh(x[rs1], x[rs2]);
                    case Decoder.DIV -> x[rd] = divide(x[rs1], x[rs2]);
                    case Decoder.DIVU -> x[rd] = x[rs2] == 0 ? -1 : Long.divideUnsigned(x[rs1], x[rs2]);
                    case Decoder.REM -> x[rd] = remainder(x[rs1], x[rs2]);
                    case Decoder.REMU -> x[rd] = x[rs2] == 0 ? x[rs1] : Long.remainderUnsigned(x[rs1], x[rs2]);
                    case Decoder.ADDW -> x[rd] = (int)x[rs1] + (int)x[rs2];
                    case Decoder.SUBW -> x[rd] = (int)x[rs1] - (int)x[rs2];
                    case Decoder.SLLW -> x[rd] = (int)x[rs1] << (int)x[rs2];
                    case Decoder.SRLW -> x[rd] = (int)x[rs1] >>> (int)x[rs2];
                    case Decoder.SRAW -> x[rd] = (int)x[rs1] >> (int)x[rs2];
                    case Decoder.MULW -> x[rd] = (int)x[rs1] * (int)x[rs2];
                    case Decoder.DIVW -> x[rd] = divideWord((int)x[rs1], (int)x[rs2]);
                    case Decoder.DIVUW -> x[rd] = (int)x[rs2] == 0 ? -1 :
                        Integer.divideUnsigned((int)x[rs1], (int)x[rs2]);
                    case Decoder.REMW -> x[rd] = remainderWord((int)x[rs1], (int)x[rs2]);
                    case Decoder.REMUW -> x[rd] = (int)x[rs2] == 0 ? (int)x[rs1] :
                        Integer.remainderUnsigned((int)x[rs1], (int)x[rs2]);
                    case Decoder.LB, Decoder.LBU ->
                    {
                        final long va = x[rs1] + imm;
                        final int i = (int)(va >>> 12) & (MICRO_TLB - 1);
                        if (loadTag[i] != ((va >>> 12) | loadKey))
                        {
                            exit = EXIT_SLOW;
                            break blocks;
                        }
                        final long pa = loadFrame[i] + (va & 0xFFF);
                        final byte value = UnsafeApi.getByte(null, memoryBase + pa);
                        x[rd] = ((int)e & 0xFF) == Decoder.LB ? value : value & 0xFFL;
                    }
                    case Decoder.LH, Decoder.LHU ->
                    {
                        final long va = x[rs1] + imm;
                        final int i = (int)(va >>> 12) & (MICRO_TLB - 1);
                        if (loadTag[i] != ((va >>> 12) | loadKey) || (va & 0xFFF) > 0xFFE)
                        {
                            exit = EXIT_SLOW;
                            break blocks;
                        }
                        final long pa = loadFrame[i] + (va & 0xFFF);
                        final short value = UnsafeApi.getShortUnaligned(null, memoryBase + pa, false);
                        x[rd] = ((int)e & 0xFF) == Decoder.LH ? value : value & 0xFFFFL;
                    }
                    case Decoder.LW, Decoder.LWU ->
                    {
                        final long va = x[rs1] + imm;
                        final int i = (int)(va >>> 12) & (MICRO_TLB - 1);
                        if (loadTag[i] != ((va >>> 12) | loadKey) || (va & 0xFFF) > 0xFFC)
                        {
                            exit = EXIT_SLOW;
                            break blocks;
                        }
                        final long pa = loadFrame[i] + (va & 0xFFF);
                        final int value = UnsafeApi.getIntUnaligned(null, memoryBase + pa, false);
                        x[rd] = ((int)e & 0xFF) == Decoder.LW ? value : value & 0xFFFF_FFFFL;
                    }
                    case Decoder.LD ->
                    {
                        final long va = x[rs1] + imm;
                        final int i = (int)(va >>> 12) & (MICRO_TLB - 1);
                        if (loadTag[i] != ((va >>> 12) | loadKey) || (va & 0xFFF) > 0xFF8)
                        {
                            exit = EXIT_SLOW;
                            break blocks;
                        }
                        final long pa = loadFrame[i] + (va & 0xFFF);
                        x[rd] = UnsafeApi.getLongUnaligned(null, memoryBase + pa, false);
                    }
                    case Decoder.FLW ->
                    {
                        final long va = x[rs1] + imm;
                        final int i = (int)(va >>> 12) & (MICRO_TLB - 1);
                        if (loadTag[i] != ((va >>> 12) | loadKey) || (va & 0xFFF) > 0xFFC)
                        {
                            exit = EXIT_SLOW;
                            break blocks;
                        }
                        final long pa = loadFrame[i] + (va & 0xFFF);
                        f[rd] = 0xFFFF_FFFF_0000_0000L |
                            (UnsafeApi.getIntUnaligned(null, memoryBase + pa, false) & 0xFFFF_FFFFL);
                    }
                    case Decoder.FLD ->
                    {
                        final long va = x[rs1] + imm;
                        final int i = (int)(va >>> 12) & (MICRO_TLB - 1);
                        if (loadTag[i] != ((va >>> 12) | loadKey) || (va & 0xFFF) > 0xFF8)
                        {
                            exit = EXIT_SLOW;
                            break blocks;
                        }
                        final long pa = loadFrame[i] + (va & 0xFFF);
                        f[rd] = UnsafeApi.getLongUnaligned(null, memoryBase + pa, false);
                    }
                    // A store that hits the micro-TLB cannot touch decoded code: every frame that
                    // gets decoded flushes the store micro-TLB, and a miss checks the frame.
                    case Decoder.SB ->
                    {
                        final long va = x[rs1] + imm;
                        final int i = (int)(va >>> 12) & (MICRO_TLB - 1);
                        if (storeTag[i] != ((va >>> 12) | storeKey))
                        {
                            exit = EXIT_SLOW;
                            break blocks;
                        }
                        final long pa = storeFrame[i] + (va & 0xFFF);
                        UnsafeApi.putByte(null, memoryBase + pa, (byte)x[rs2]);
                    }
                    case Decoder.SH ->
                    {
                        final long va = x[rs1] + imm;
                        final int i = (int)(va >>> 12) & (MICRO_TLB - 1);
                        if (storeTag[i] != ((va >>> 12) | storeKey) || (va & 0xFFF) > 0xFFE)
                        {
                            exit = EXIT_SLOW;
                            break blocks;
                        }
                        final long pa = storeFrame[i] + (va & 0xFFF);
                        UnsafeApi.putShortUnaligned(null, memoryBase + pa, (short)x[rs2], false);
                    }
                    case Decoder.SW, Decoder.FSW ->
                    {
                        final long va = x[rs1] + imm;
                        final int i = (int)(va >>> 12) & (MICRO_TLB - 1);
                        if (storeTag[i] != ((va >>> 12) | storeKey) || (va & 0xFFF) > 0xFFC)
                        {
                            exit = EXIT_SLOW;
                            break blocks;
                        }
                        final long pa = storeFrame[i] + (va & 0xFFF);
                        UnsafeApi.putIntUnaligned(null, memoryBase + pa,
                            (int)(((int)e & 0xFF) == Decoder.SW ? x[rs2] : f[rs2]), false);
                    }
                    case Decoder.SD, Decoder.FSD ->
                    {
                        final long va = x[rs1] + imm;
                        final int i = (int)(va >>> 12) & (MICRO_TLB - 1);
                        if (storeTag[i] != ((va >>> 12) | storeKey) || (va & 0xFFF) > 0xFF8)
                        {
                            exit = EXIT_SLOW;
                            break blocks;
                        }
                        final long pa = storeFrame[i] + (va & 0xFFF);
                        UnsafeApi.putLongUnaligned(null, memoryBase + pa,
                            ((int)e & 0xFF) == Decoder.SD ? x[rs2] : f[rs2], false);
                    }
                    // A conditional branch does not end a block: taken, it leaves it (a side exit).
                    case Decoder.BEQ ->
                    {
                        if (x[rs1] == x[rs2])
                        {
                            next = pc + imm;
                            t = end;
                        }
                    }
                    case Decoder.BNE ->
                    {
                        if (x[rs1] != x[rs2])
                        {
                            next = pc + imm;
                            t = end;
                        }
                    }
                    case Decoder.BLT ->
                    {
                        if (x[rs1] < x[rs2])
                        {
                            next = pc + imm;
                            t = end;
                        }
                    }
                    case Decoder.BGE ->
                    {
                        if (x[rs1] >= x[rs2])
                        {
                            next = pc + imm;
                            t = end;
                        }
                    }
                    case Decoder.BLTU ->
                    {
                        if (Long.compareUnsigned(x[rs1], x[rs2]) < 0)
                        {
                            next = pc + imm;
                            t = end;
                        }
                    }
                    case Decoder.BGEU ->
                    {
                        if (Long.compareUnsigned(x[rs1], x[rs2]) >= 0)
                        {
                            next = pc + imm;
                            t = end;
                        }
                    }
                    case Decoder.JAL ->
                    {
                        x[rd] = next;
                        next = pc + imm;
                    }
                    case Decoder.J -> next = pc + imm;
                    case Decoder.JALR ->
                    {
                        final long target = (x[rs1] + imm) & ~1L;
                        x[rd] = next;
                        next = target;
                    }
                    case Decoder.JR -> next = (x[rs1] + imm) & ~1L;
                    // FP: round-to-nearest-even with NX already set in fcsr, and a result that is
                    // neither NaN, infinite, tiny nor huge, is the host's result and changes no
                    // flag; anything else goes the whole way through RiscvFpu.
                    case Decoder.FADD_D, Decoder.FSUB_D ->
                    {
                        final double a = Double.longBitsToDouble(f[rs1]);
                        final double b = ((int)e & 0xFF) == Decoder.FADD_D ? Double.longBitsToDouble(f[rs2]) :
                            -Double.longBitsToDouble(f[rs2]);
                        final double r = a + b;
                        if ((fpFast & imm) == 0 || !(Math.abs(r) < SAFE_HIGH))
                        {
                            // Also without NX set or in another valid mode: a sum that is exact
                            // (TwoSum's error term is zero), neither tiny nor huge, is the same
                            // in every rounding mode and raises no flag at all.
                            final double bv = r - a;
                            final double magnitude = Math.abs(r);
                            if ((fpValid & imm) == 0 || !(magnitude >= SAFE_LOW && magnitude < SAFE_HIGH) ||
                                (a - (r - bv)) + (b - bv) != 0)
                            {
                                exit = EXIT_SLOW;
                                break blocks;
                            }
                        }
                        f[rd] = Double.doubleToRawLongBits(r);
                    }
                    case Decoder.FMUL_D ->
                    {
                        final double a = Double.longBitsToDouble(f[rs1]);
                        final double b = Double.longBitsToDouble(f[rs2]);
                        final double r = a * b;
                        final double magnitude = Math.abs(r);
                        // In range, so both operands were finite and not zero; or an exact zero
                        // from a zero operand (not inf * 0, which is NaN), which raises nothing.
                        if ((fpFast & imm) == 0 ||
                            !(magnitude >= SAFE_LOW && magnitude < SAFE_HIGH || r == 0 && (a == 0 || b == 0)))
                        {
                            exit = EXIT_SLOW;
                            break blocks;
                        }
                        f[rd] = Double.doubleToRawLongBits(r);
                    }
                    case Decoder.FDIV_D ->
                    {
                        final double a = Double.longBitsToDouble(f[rs1]);
                        final double r = a / Double.longBitsToDouble(f[rs2]);
                        final double magnitude = Math.abs(r);
                        // in range with a dividend not tiny: both finite, divisor not zero
                        if ((fpFast & imm) == 0 ||
                            !(magnitude >= SAFE_LOW && magnitude < SAFE_HIGH && Math.abs(a) >= SAFE_LOW))
                        {
                            exit = EXIT_SLOW;
                            break blocks;
                        }
                        f[rd] = Double.doubleToRawLongBits(r);
                    }
                    case Decoder.FCVT_D_W ->
                    {
                        // every int is exact in a double; the rounding mode must still be valid
                        if ((fpFast & imm) == 0)
                        {
                            exit = EXIT_SLOW;
                            break blocks;
                        }
                        f[rd] = Double.doubleToRawLongBits((int)x[rs1]);
                    }
                    case Decoder.FMADD_D ->
                    {
                        // The host's fused multiply-add is correctly rounded; in range, every
                        // operand was finite and nothing overflowed, underflowed or was invalid.
                        final double a = Double.longBitsToDouble(f[rs1]);
                        final double c = Double.longBitsToDouble(f[(imm >>> 8) & 31]);
                        final double r = Math.fma((imm & 1 << 16) != 0 ? -a : a, Double.longBitsToDouble(f[rs2]),
                            (imm & 1 << 17) != 0 ? -c : c);
                        final double magnitude = Math.abs(r);
                        if ((fpFast & imm) == 0 || !(magnitude >= SAFE_LOW && magnitude < SAFE_HIGH))
                        {
                            exit = EXIT_SLOW;
                            break blocks;
                        }
                        f[rd] = Double.doubleToRawLongBits(r);
                    }
                    case Decoder.FCMP_D ->
                    {
                        final double a = Double.longBitsToDouble(f[rs1]);
                        final double b = Double.longBitsToDouble(f[rs2]);
                        if (a != a || b != b)
                        {
                            // NaN: flags depend on the kind
                            exit = EXIT_SLOW;
                            break blocks;
                        }
                        x[rd] = imm == 0 ? (a <= b ? 1 : 0) : imm == 1 ? (a < b ? 1 : 0) : (a == b ? 1 : 0);
                    }
                    case Decoder.FSGNJ_D ->
                    {
                        final long a = f[rs1];
                        final long b = f[rs2];
                        final long sign = imm == 0 ? b : imm == 1 ? ~b : a ^ b;
                        f[rd] = (a & Long.MAX_VALUE) | (sign & Long.MIN_VALUE);
                    }
                    case Decoder.FMV_D_X -> f[rd] = x[rs1];
                    case Decoder.ECALL ->
                    {
                        // the system call trap: pc stays on the ecall, which does not retire
                        exit = EXIT_ECALL;
                        break blocks;
                    }
                    default ->
                    {
                        // GENERIC, FP_OP, FP_FUSED, ILLEGAL_COMPRESSED, CROSS_PAGE
                        exit = EXIT_SLOW;
                        break blocks;
                    }
                }
                done++;
                if (++t >= end)
                {
                    break;
                }
                // not the last instruction run in this block, so not a jump
                pc = next;
            }
            // Only the last instruction run in a block can have jumped: check for interrupts
            // after it exactly as after every instruction.
            final long fallThrough = pc + 4;
            pc = next;
            if (next != fallThrough && next != fallThrough - 2 && (int)PENDING.getOpaque(this) != 0)
            {
                exit = EXIT_INTERRUPT;
                break;
            }
            // The block that followed this one last time, if it is the one to run now and on
            // the same page. Same page means same slot, and this block is live (its slot kept
            // the generation it was decoded in), so the successor, looked up in that same
            // generation, is live too.
            block = chainBlock[first];
            if (chainPc[first] == pc && (pc >>> 12) == page)
            {
                previous = -1;
            }
            else
            {
                block = 0;
                previous = first;
            }
        }
        exitPc = pc;
        exitDone = done;
        return exit;
    }

    /** The loop without the decode cache: fetch, expand and decode every instruction afresh. */
    private int runUndecoded(final long maxInstructions)
    {
        final RiscvContext ctx = context;
        long pc = ctx.pc;
        long done = 0;
        int result;
        if (pending != 0)
        {
            result = interrupted();
        }
        else
        {
            try
            {
                while (true)
                {
                    if (done == maxInstructions)
                    {
                        cause = RiscvTrap.TIMER_INTERRUPT;
                        tval = 0;
                        result = RiscvTrap.TIMER_INTERRUPT;
                        break;
                    }
                    final int stepped = slowStep(pc, done);
                    pc = exitPc;
                    done = exitDone;
                    if (stepped != GO_ON)
                    {
                        result = stepped;
                        break;
                    }
                }
            }
            catch (final TrapSignal signal)
            {
                result = cause;
                cycle++;
            }
        }
        ctx.pc = pc;
        instret += done;
        cycle += done;
        return result;
    }

    /** The system-call trap, from the block loop or the full decoder: it takes a cycle, it does not retire. */
    private int ecall()
    {
        cause = RiscvTrap.ECALL_FROM_U;
        tval = 0;
        cycle++;
        return cause;
    }

    /**
     * Run the instruction at {@code pc} the whole way ({@link #step}), as both loops do for
     * anything beyond the decoded common case. {@link #exitPc} and {@link #exitDone} say where
     * the run stands afterwards (unchanged for an ecall, which does not retire).
     *
     * @return {@link #GO_ON}, or the run's result: an ecall's cause, or a pending interrupt
     *         seen after a jump. Other traps unwind as {@link TrapSignal}.
     */
    private int slowStep(final long pc, final long done)
    {
        exitPc = pc;
        exitDone = done;
        final long next = step(pc, done);
        if (next == ECALL_EXIT)
        {
            return ecall();
        }
        final long fallThrough = pc + 4;
        exitPc = next;
        exitDone = done + 1;
        if (next != fallThrough && next != fallThrough - 2 && (int)PENDING.getOpaque(this) != 0)
        {
            return interrupted();
        }
        return GO_ON;
    }

    private static long divide(final long a, final long b)
    {
        return b == 0 ? -1 : (b == -1 ? -a : a / b);
    }

    private static long remainder(final long a, final long b)
    {
        return b == 0 ? a : (b == -1 ? 0 : a % b);
    }

    private static int divideWord(final int a, final int b)
    {
        return b == 0 ? -1 : (b == -1 ? -a : a / b);
    }

    private static int remainderWord(final int a, final int b)
    {
        return b == 0 ? a : (b == -1 ? 0 : a % b);
    }

    // ---------------------------------------------------------------- decode cache

    /**
     * Start a run: the kernel may have changed mappings or written memory (a program loaded
     * into a reused frame) since the last one. Without {@link #keepDecodedAcrossRuns} every
     * cached translation and decoded instruction is dropped, each in O(1). With it, decoded
     * code stays (its owner drops it with every TLB flush) and cached translations stay too
     * while the memory's {@link GuestMemory#mappingVersion} is the one they were taken under:
     * a thread coming back from a system call in the same address space goes on without a
     * single table walk.
     */
    private void newRun()
    {
        if (keepDecoded)
        {
            final long version = memory.mappingVersion();
            if (version == mappingSeen)
            {
                return;
            }
            mappingSeen = version;
            // the fetch page's translation is the only part of the code cache tied to mappings
            fetchPage = NO_PAGE;
            fetchFrame = NO_PAGE;
        }
        else
        {
            dropDecoded();
        }
        loadKey += KEY_STEP;
        if (loadKey == 0)
        {
            for (int i = 0; i < MICRO_TLB; i++)
            {
                loadTag[i] = 0;
            }
            loadKey = KEY_STEP;
        }
        flushStores();
    }

    /** Forget every decoded instruction (fence.i, a new run). */
    private void dropDecoded()
    {
        fetchPage = NO_PAGE;
        fetchFrame = NO_PAGE;
        traceTop = 0;
        epoch++;
        if (epoch == 0)
        {
            for (int i = 0; i < SLOTS; i++)
            {
                slotFrame[i] = NO_PAGE;
            }
            epoch = 1;
        }
    }

    private void flushStores()
    {
        storeKey += KEY_STEP;
        if (storeKey == 0)
        {
            for (int i = 0; i < MICRO_TLB; i++)
            {
                storeTag[i] = 0;
            }
            storeKey = KEY_STEP;
        }
    }

    private static int slotOf(final long frame)
    {
        return (int)(frame ^ (frame >>> 6)) & (SLOTS - 1);
    }

    /**
     * Make {@code pc}'s page the fetch page: translate it (a fetch fault leaves with tval =
     * pc) and find or claim the decode-cache slot of its physical frame. A claimed slot gets a
     * new generation, which invalidates whatever it held.
     */
    private void enterPage(final long pc)
    {
        final long base = translate(pc & ~0xFFFL, GuestMemory.FETCH, pc);
        final long frame = base >>> 12;
        final int slot = slotOf(frame);
        if (slotFrame[slot] != frame || slotEpoch[slot] != epoch)
        {
            int generation = slotGeneration[slot] + 1;
            if (generation > 0xFF)
            {
                final int first = slot << SLOT_SHIFT;
                for (int i = 0; i < (1 << SLOT_SHIFT); i++)
                {
                    blocks[first + i] = 0;
                }
                generation = 1;
                // chain hints may name blocks of the slot's old generations: start the trace
                // (and every slot) afresh
                dropDecoded();
            }
            slotGeneration[slot] = generation;
            slotFrame[slot] = frame;
            slotEpoch[slot] = epoch;
            // This frame now holds decoded instructions: a store translation cached before
            // would skip the check that drops them, so forget them all.
            flushStores();
        }
        fetchBase = base;
        fetchFrame = frame;
        fetchSlotBase = slot << SLOT_SHIFT;
        fetchGeneration = slotGeneration[slot];
        fetchPage = pc >>> 12;
    }

    /**
     * Decode the block starting at {@code pc} into the trace: instructions up to and including
     * the first that always jumps or leaves the loop (a jump, anything the full decoder runs, an
     * instruction crossing the page), up to the end of the page, or {@value #BLOCK_LIMIT}
     * instructions. Conditional branches stay inside: where one is taken the block loop leaves
     * the block. A 4-byte
     * instruction whose upper half is on the next page is decoded as a marker that sends it
     * through {@link #step}, which fetches it afresh every time.
     *
     * @return the block's entry in {@link #blocks}, also stored at {@code index}.
     */
    private long decodeBlock(final long pc, final int index)
    {
        blocksDecoded++;
        if (traceTop > TRACE_CAPACITY - MAX_BLOCK)
        {
            // Full: start again with nothing decoded. The current page is claimed afresh, in
            // the same slot, with a new generation.
            dropDecoded();
            enterPage(pc);
        }
        final int start = traceTop;
        int count = 0;
        int offset = (int)pc & 0xFFF;
        while (true)
        {
            final long e;
            if (offset <= 0xFFC)
            {
                final int insn = physical.getInt(fetchBase + offset);
                e = (insn & 3) != 3 ? Decoder.decodeCompressed(insn) : Decoder.decode(insn);
            }
            else
            {
                final int half = physical.getShort(fetchBase + offset) & 0xFFFF;
                e = (half & 3) == 3 ? Decoder.CROSSING : Decoder.decodeCompressed(half);
            }
            trace[start + count] = e;
            count++;
            offset += 4 - (((int)e >>> 22) & 2);
            if (Decoder.endsBlock((int)e & 0xFF) || offset >= 0x1000 || count == BLOCK_LIMIT)
            {
                break;
            }
        }
        traceTop = start + count;
        chainPc[start] = -1;
        final long block = ((long)start << 32) | ((long)count << 8) | fetchGeneration;
        blocks[index] = block;
        return block;
    }

    /**
     * A store, SC or AMO is about to write physical frame {@code pa >>> 12}: if the decode
     * cache holds instructions of that frame they are dropped, so self-modifying code sees its
     * stores at the next fetch (as without the cache), fence.i or not.
     */
    private void codeWritten(final long pa)
    {
        final long frame = pa >>> 12;
        final int slot = slotOf(frame);
        if (slotFrame[slot] == frame)
        {
            slotFrame[slot] = NO_PAGE;
            if (fetchFrame == frame)
            {
                fetchPage = NO_PAGE;
                fetchFrame = NO_PAGE;
            }
        }
    }

    private int interrupted()
    {
        cause = RiscvTrap.EXTERNAL_INTERRUPT;
        tval = pending;
        return RiscvTrap.EXTERNAL_INTERRUPT;
    }

    private TrapSignal trap(final int trapCause, final long trapValue)
    {
        cause = trapCause;
        tval = trapValue;
        return TRAP;
    }

    private TrapSignal illegal(final int insn)
    {
        return trap(RiscvTrap.ILLEGAL_INSTRUCTION, insn & 0xFFFF_FFFFL);
    }

    // ---------------------------------------------------------------- fetch and decode

    private long step(final long pc, final long done)
    {
        if ((pc >>> 12) != fetchPage)
        {
            enterPage(pc);
        }
        final int offset = (int)pc & 0xFFF;
        int insn;
        final int length;
        if (offset <= 0xFFC)
        {
            insn = physical.getInt(fetchBase + offset);
            if ((insn & 3) != 3)
            {
                insn &= 0xFFFF;
                length = 2;
            }
            else
            {
                length = 4;
            }
        }
        else
        {
            insn = physical.getShort(fetchBase + offset) & 0xFFFF;
            if ((insn & 3) == 3)
            {
                final long nextPage = translate(pc + 2, GuestMemory.FETCH, pc + 2);
                insn |= (physical.getShort(nextPage) & 0xFFFF) << 16;
                length = 4;
            }
            else
            {
                length = 2;
            }
        }
        if (length == 2)
        {
            final int expanded = Rvc.expand(insn);
            if (expanded == 0)
            {
                throw illegal(insn);
            }
            return execute(expanded, pc, 2, done);
        }
        return execute(insn, pc, 4, done);
    }

    private long execute(final int insn, final long pc, final int length, final long done)
    {
        final long[] x = this.x;
        final int rd = (insn >>> 7) & 31;
        final int rs1 = (insn >>> 15) & 31;
        switch (insn & 0x7F)
        {
            case 0x13:
                opImm(insn, rd, x[rs1]);
                return pc + length;
            case 0x33:
                op(insn, rd, x[rs1], x[(insn >>> 20) & 31]);
                return pc + length;
            case 0x03:
                load(insn, rd, x[rs1] + (insn >> 20));
                return pc + length;
            case 0x23:
                store(insn, x[rs1] + (((insn >> 20) & ~31) | rd), x[(insn >>> 20) & 31]);
                return pc + length;
            case 0x63:
                return branch(insn, pc, length, x[rs1], x[(insn >>> 20) & 31]);
            case 0x37:
                if (rd != 0)
                {
                    x[rd] = insn & 0xFFFF_F000;
                }
                return pc + length;
            case 0x17:
                if (rd != 0)
                {
                    x[rd] = pc + (insn & 0xFFFF_F000);
                }
                return pc + length;
            case 0x6F:
            {
                final int imm = ((insn >> 31) << 20) | (insn & 0xFF000) | (((insn >>> 20) & 1) << 11) |
                    (((insn >>> 21) & 0x3FF) << 1);
                if (rd != 0)
                {
                    x[rd] = pc + length;
                }
                return pc + imm;
            }
            case 0x67:
            {
                if (((insn >>> 12) & 7) != 0)
                {
                    throw illegal(insn);
                }
                final long target = (x[rs1] + (insn >> 20)) & ~1L;
                if (rd != 0)
                {
                    x[rd] = pc + length;
                }
                return target;
            }
            case 0x1B:
                opImm32(insn, rd, x[rs1]);
                return pc + length;
            case 0x3B:
                op32(insn, rd, x[rs1], x[(insn >>> 20) & 31]);
                return pc + length;
            case 0x0F:
                miscMem(insn);
                return pc + length;
            case 0x73:
                if (insn == 0x00000073)
                {
                    // ecall, the hot trap: returned as a marker instead of thrown, so a system
                    // call does not unwind the stack (pc stays on the ecall, it does not retire)
                    return ECALL_EXIT;
                }
                system(insn, pc, done);
                return pc + length;
            case 0x2F:
                atomic(insn, rd, rs1);
                return pc + length;
            case 0x07:
                loadFp(insn, rd, x[rs1] + (insn >> 20));
                return pc + length;
            case 0x27:
                storeFp(insn, x[rs1] + (((insn >> 20) & ~31) | rd), (insn >>> 20) & 31);
                return pc + length;
            case 0x43:
            case 0x47:
            case 0x4B:
            case 0x4F:
                fused(insn, rd);
                return pc + length;
            case 0x53:
                opFp(insn, rd, rs1);
                return pc + length;
            default:
                throw illegal(insn);
        }
    }

    // ---------------------------------------------------------------- integer

    private void opImm(final int insn, final int rd, final long a)
    {
        final long imm = insn >> 20;
        final long value;
        switch ((insn >>> 12) & 7)
        {
            case 0:
                value = a + imm;
                break;
            case 1:
                if ((insn >>> 26) != 0)
                {
                    throw illegal(insn);
                }
                value = a << imm;
                break;
            case 2:
                value = a < imm ? 1 : 0;
                break;
            case 3:
                value = Long.compareUnsigned(a, imm) < 0 ? 1 : 0;
                break;
            case 4:
                value = a ^ imm;
                break;
            case 5:
            {
                final int top = insn >>> 26;
                if (top == 0)
                {
                    value = a >>> imm;
                }
                else if (top == 0x10)
                {
                    value = a >> imm;
                }
                else
                {
                    throw illegal(insn);
                }
                break;
            }
            case 6:
                value = a | imm;
                break;
            default:
                value = a & imm;
                break;
        }
        if (rd != 0)
        {
            x[rd] = value;
        }
    }

    private void opImm32(final int insn, final int rd, final long a)
    {
        final int imm = insn >> 20;
        final int value;
        final int f7 = insn >>> 25;
        switch ((insn >>> 12) & 7)
        {
            case 0:
                value = (int)a + imm;
                break;
            case 1:
                if (f7 != 0)
                {
                    throw illegal(insn);
                }
                value = (int)a << imm;
                break;
            case 5:
                if (f7 == 0)
                {
                    value = (int)a >>> imm;
                }
                else if (f7 == 0x20)
                {
                    value = (int)a >> imm;
                }
                else
                {
                    throw illegal(insn);
                }
                break;
            default:
                throw illegal(insn);
        }
        if (rd != 0)
        {
            x[rd] = value;
        }
    }

    private void op(final int insn, final int rd, final long a, final long b)
    {
        final int f7 = insn >>> 25;
        final int f3 = (insn >>> 12) & 7;
        final long value;
        if (f7 == 0)
        {
            value = switch (f3)
            {
                case 0 -> a + b;
                case 1 -> a << b;
                case 2 -> a < b ? 1 : 0;
                case 3 -> Long.compareUnsigned(a, b) < 0 ? 1 : 0;
                case 4 -> a ^ b;
                case 5 -> a >>> b;
                case 6 -> a | b;
                default -> a & b;
            };
        }
        else if (f7 == 0x20 && f3 == 0)
        {
            value = a - b;
        }
        else if (f7 == 0x20 && f3 == 5)
        {
            value = a >> b;
        }
        else if (f7 == 1)
        {
            value = switch (f3)
            {
                case 0 -> a * b;
                case 1 -> Math.multiplyHigh(a, b);
                case 2 -> Math.multiplyHigh(a, b) + (b < 0 ? a : 0);
                case 3 -> Math.unsignedMultiplyHigh(a, b);
                case 4 -> b == 0 ? -1 : (b == -1 ? -a : a / b);
                case 5 -> b == 0 ? -1 : Long.divideUnsigned(a, b);
                case 6 -> b == 0 ? a : (b == -1 ? 0 : a % b);
                default -> b == 0 ? a : Long.remainderUnsigned(a, b);
            };
        }
        else
        {
            throw illegal(insn);
        }
        if (rd != 0)
        {
            x[rd] = value;
        }
    }

    private void op32(final int insn, final int rd, final long al, final long bl)
    {
        final int f7 = insn >>> 25;
        final int f3 = (insn >>> 12) & 7;
        final int a = (int)al;
        final int b = (int)bl;
        final int value;
        if (f7 == 0 && f3 == 0)
        {
            value = a + b;
        }
        else if (f7 == 0 && f3 == 1)
        {
            value = a << b;
        }
        else if (f7 == 0 && f3 == 5)
        {
            value = a >>> b;
        }
        else if (f7 == 0x20 && f3 == 0)
        {
            value = a - b;
        }
        else if (f7 == 0x20 && f3 == 5)
        {
            value = a >> b;
        }
        else if (f7 == 1)
        {
            value = switch (f3)
            {
                case 0 -> a * b;
                case 4 -> b == 0 ? -1 : (b == -1 ? -a : a / b);
                case 5 -> b == 0 ? -1 : Integer.divideUnsigned(a, b);
                case 6 -> b == 0 ? a : (b == -1 ? 0 : a % b);
                case 7 -> b == 0 ? a : Integer.remainderUnsigned(a, b);
                default -> throw illegal(insn);
            };
        }
        else
        {
            throw illegal(insn);
        }
        if (rd != 0)
        {
            x[rd] = value;
        }
    }

    private long branch(final int insn, final long pc, final int length, final long a, final long b)
    {
        final boolean taken = switch ((insn >>> 12) & 7)
        {
            case 0 -> a == b;
            case 1 -> a != b;
            case 4 -> a < b;
            case 5 -> a >= b;
            case 6 -> Long.compareUnsigned(a, b) < 0;
            case 7 -> Long.compareUnsigned(a, b) >= 0;
            default -> throw illegal(insn);
        };
        if (!taken)
        {
            return pc + length;
        }
        final int imm = ((insn >> 31) << 12) | (((insn >>> 7) & 1) << 11) | (((insn >>> 25) & 0x3F) << 5) |
            (((insn >>> 8) & 0xF) << 1);
        return pc + imm;
    }

    private void miscMem(final int insn)
    {
        final int f3 = (insn >>> 12) & 7;
        // fence orders memory against other harts: every access here is already performed in
        // program order on the shared segment, so a full fence is all that is left to do.
        if (f3 == 0)
        {
            VarHandle.fullFence();
        }
        else if (f3 == 1)
        {
            // fence.i: stores by other harts become visible to this hart's fetches: drop every
            // decoded instruction (this hart's own stores already dropped theirs).
            VarHandle.fullFence();
            dropDecoded();
        }
        else
        {
            throw illegal(insn);
        }
    }

    private void system(final int insn, final long pc, final long done)
    {
        final int f3 = (insn >>> 12) & 7;
        if (f3 == 0)
        {
            if (insn == 0x00000073)
            {
                throw trap(RiscvTrap.ECALL_FROM_U, 0);
            }
            if (insn == 0x00100073)
            {
                throw trap(RiscvTrap.BREAKPOINT, pc);
            }
            throw illegal(insn);
        }
        if (f3 == 4)
        {
            throw illegal(insn);
        }
        final int csr = insn >>> 20;
        final int rs1 = (insn >>> 15) & 31;
        final int rd = (insn >>> 7) & 31;
        final long source = f3 >= 5 ? rs1 : x[rs1];
        final boolean writes = (f3 & 3) == 1 || rs1 != 0;
        final RiscvContext ctx = context;
        final long old;
        switch (csr)
        {
            case 0x001:
                old = ctx.fcsr & 0x1F;
                break;
            case 0x002:
                old = (ctx.fcsr >>> 5) & 7;
                break;
            case 0x003:
                old = ctx.fcsr & 0xFF;
                break;
            case 0xC00:
                old = cycle + done;
                break;
            case 0xC01:
                old = clock == null ? cycle + done : clock.getAsLong();
                break;
            case 0xC02:
                old = instret + done;
                break;
            default:
                throw illegal(insn);
        }
        if (writes)
        {
            if ((csr >>> 10) == 3)
            {
                throw illegal(insn);
            }
            final long value = switch (f3 & 3)
            {
                case 1 -> source;
                case 2 -> old | source;
                default -> old & ~source;
            };
            final int v = (int)value;
            switch (csr)
            {
                case 0x001 -> ctx.fcsr = (ctx.fcsr & ~0x1F) | (v & 0x1F);
                case 0x002 -> ctx.fcsr = (ctx.fcsr & 0x1F) | ((v & 7) << 5);
                default -> ctx.fcsr = v & 0xFF;
            }
            fcsrChanged();
        }
        if (rd != 0)
        {
            x[rd] = old;
        }
    }

    // ---------------------------------------------------------------- memory

    private long translate(final long va, final int access, final long faultAddress)
    {
        final long pa = memory.translate(va, access);
        if (pa < 0)
        {
            throw fault(access, pa, faultAddress);
        }
        return pa;
    }

    private TrapSignal fault(final int access, final long kind, final long va)
    {
        final boolean page = kind == GuestMemory.PAGE_FAULT;
        final int code = switch (access)
        {
            case GuestMemory.FETCH -> page ? RiscvTrap.INSTRUCTION_PAGE_FAULT : RiscvTrap.INSTRUCTION_ACCESS_FAULT;
            case GuestMemory.LOAD -> page ? RiscvTrap.LOAD_PAGE_FAULT : RiscvTrap.LOAD_ACCESS_FAULT;
            default -> page ? RiscvTrap.STORE_PAGE_FAULT : RiscvTrap.STORE_ACCESS_FAULT;
        };
        return trap(code, va);
    }

    private long loadAddress(final long va)
    {
        final long page = va >>> 12;
        final int i = (int)page & (MICRO_TLB - 1);
        if (loadTag[i] == (page | loadKey))
        {
            return loadFrame[i] + (va & 0xFFF);
        }
        final long base = translate(va & ~0xFFFL, GuestMemory.LOAD, va);
        loadTag[i] = page | loadKey;
        loadFrame[i] = base;
        return base + (va & 0xFFF);
    }

    private long storeAddress(final long va)
    {
        final long page = va >>> 12;
        final int i = (int)page & (MICRO_TLB - 1);
        if (storeTag[i] == (page | storeKey))
        {
            return storeFrame[i] + (va & 0xFFF);
        }
        final long base = translate(va & ~0xFFFL, GuestMemory.STORE, va);
        codeWritten(base);
        storeTag[i] = page | storeKey;
        storeFrame[i] = base;
        return base + (va & 0xFFF);
    }

    /** Load {@code size} bytes (1, 2, 4, 8) little-endian, zero-extended. */
    private long read(final long va, final int size)
    {
        if ((va & 0xFFF) <= 0x1000 - size)
        {
            final long pa = loadAddress(va);
            return switch (size)
            {
                case 1 -> physical.getByte(pa) & 0xFFL;
                case 2 -> physical.getShort(pa) & 0xFFFFL;
                case 4 -> physical.getInt(pa) & 0xFFFF_FFFFL;
                default -> physical.getLong(pa);
            };
        }
        // Crosses a page: translate both parts before touching either; tval is the start of the
        // part that faulted.
        long value = 0;
        final long firstPart = loadAddress(va);
        final long secondPart = loadAddress((va | 0xFFF) + 1);
        final int split = 0x1000 - (int)(va & 0xFFF);
        for (int i = 0; i < size; i++)
        {
            final long pa = i < split ? firstPart + i : secondPart + (i - split);
            value |= (physical.getByte(pa) & 0xFFL) << (8 * i);
        }
        return value;
    }

    /** Store the low {@code size} bytes of {@code value} little-endian. */
    private void write(final long va, final int size, final long value)
    {
        if ((va & 0xFFF) <= 0x1000 - size)
        {
            final long pa = storeAddress(va);
            switch (size)
            {
                case 1 -> physical.putByte(pa, (byte)value);
                case 2 -> physical.putShort(pa, (short)value);
                case 4 -> physical.putInt(pa, (int)value);
                default -> physical.putLong(pa, value);
            }
            return;
        }
        final long firstPart = storeAddress(va);
        final long secondPart = storeAddress((va | 0xFFF) + 1);
        final int split = 0x1000 - (int)(va & 0xFFF);
        for (int i = 0; i < size; i++)
        {
            final long pa = i < split ? firstPart + i : secondPart + (i - split);
            physical.putByte(pa, (byte)(value >>> (8 * i)));
        }
    }

    private void load(final int insn, final int rd, final long va)
    {
        final long value = switch ((insn >>> 12) & 7)
        {
            case 0 -> (byte)read(va, 1);
            case 1 -> (short)read(va, 2);
            case 2 -> (int)read(va, 4);
            case 3 -> read(va, 8);
            case 4 -> read(va, 1);
            case 5 -> read(va, 2);
            case 6 -> read(va, 4);
            default -> throw illegal(insn);
        };
        if (rd != 0)
        {
            x[rd] = value;
        }
    }

    private void store(final int insn, final long va, final long value)
    {
        final int f3 = (insn >>> 12) & 7;
        if (f3 > 3)
        {
            throw illegal(insn);
        }
        write(va, 1 << f3, value);
    }

    // ---------------------------------------------------------------- A

    private void atomic(final int insn, final int rd, final int rs1)
    {
        final int f3 = (insn >>> 12) & 7;
        if (f3 != 2 && f3 != 3)
        {
            throw illegal(insn);
        }
        final boolean word = f3 == 2;
        final int size = word ? 4 : 8;
        final int op = insn >>> 27;
        final long va = x[rs1];
        final long b = x[(insn >>> 20) & 31];
        final long value;
        if (op == 2)
        {
            if (((insn >>> 20) & 31) != 0)
            {
                throw illegal(insn);
            }
            if ((va & (size - 1)) != 0)
            {
                throw trap(RiscvTrap.LOAD_ACCESS_FAULT, va);
            }
            final long pa = translate(va, GuestMemory.LOAD, va);
            value = word ? (int)INT_HANDLE.getVolatile(segment, pa) : (long)LONG_HANDLE.getVolatile(segment, pa);
            reservationAddress = pa;
            reservationValue = value;
            reservationSize = size;
        }
        else if (op == 3)
        {
            if ((va & (size - 1)) != 0)
            {
                throw trap(RiscvTrap.STORE_ACCESS_FAULT, va);
            }
            final long pa = translate(va, GuestMemory.STORE, va);
            codeWritten(pa);
            final boolean held = reservationSize == size && reservationAddress == pa;
            reservationSize = 0;
            final boolean stored;
            if (!held)
            {
                stored = false;
            }
            else if (word)
            {
                stored = INT_HANDLE.compareAndSet(segment, pa, (int)reservationValue, (int)b);
            }
            else
            {
                stored = LONG_HANDLE.compareAndSet(segment, pa, reservationValue, b);
            }
            value = stored ? 0 : 1;
        }
        else
        {
            if ((va & (size - 1)) != 0)
            {
                throw trap(RiscvTrap.STORE_ACCESS_FAULT, va);
            }
            if (!isAmo(op))
            {
                throw illegal(insn);
            }
            final long pa = translate(va, GuestMemory.AMO, va);
            codeWritten(pa);
            value = word ? amoWord(op, pa, (int)b) : amoDouble(op, pa, b);
        }
        if (rd != 0)
        {
            x[rd] = value;
        }
    }

    private static boolean isAmo(final int op)
    {
        return switch (op)
        {
            case 0x00, 0x01, 0x04, 0x08, 0x0C, 0x10, 0x14, 0x18, 0x1C -> true;
            default -> false;
        };
    }

    private long amoDouble(final int op, final long pa, final long b)
    {
        final MemorySegment s = segment;
        switch (op)
        {
            case 0x00:
                return (long)LONG_HANDLE.getAndAdd(s, pa, b);
            case 0x01:
                return (long)LONG_HANDLE.getAndSet(s, pa, b);
            case 0x04:
                return (long)LONG_HANDLE.getAndBitwiseXor(s, pa, b);
            case 0x08:
                return (long)LONG_HANDLE.getAndBitwiseOr(s, pa, b);
            case 0x0C:
                return (long)LONG_HANDLE.getAndBitwiseAnd(s, pa, b);
            default:
                while (true)
                {
                    final long old = (long)LONG_HANDLE.getVolatile(s, pa);
                    final long value = switch (op)
                    {
                        case 0x10 -> Math.min(old, b);
                        case 0x14 -> Math.max(old, b);
                        case 0x18 -> Long.compareUnsigned(old, b) <= 0 ? old : b;
                        default -> Long.compareUnsigned(old, b) >= 0 ? old : b;
                    };
                    if (LONG_HANDLE.compareAndSet(s, pa, old, value))
                    {
                        return old;
                    }
                }
        }
    }

    private long amoWord(final int op, final long pa, final int b)
    {
        final MemorySegment s = segment;
        switch (op)
        {
            case 0x00:
                return (int)INT_HANDLE.getAndAdd(s, pa, b);
            case 0x01:
                return (int)INT_HANDLE.getAndSet(s, pa, b);
            case 0x04:
                return (int)INT_HANDLE.getAndBitwiseXor(s, pa, b);
            case 0x08:
                return (int)INT_HANDLE.getAndBitwiseOr(s, pa, b);
            case 0x0C:
                return (int)INT_HANDLE.getAndBitwiseAnd(s, pa, b);
            default:
                while (true)
                {
                    final int old = (int)INT_HANDLE.getVolatile(s, pa);
                    final int value = switch (op)
                    {
                        case 0x10 -> Math.min(old, b);
                        case 0x14 -> Math.max(old, b);
                        case 0x18 -> Integer.compareUnsigned(old, b) <= 0 ? old : b;
                        default -> Integer.compareUnsigned(old, b) >= 0 ? old : b;
                    };
                    if (INT_HANDLE.compareAndSet(s, pa, old, value))
                    {
                        return old;
                    }
                }
        }
    }

    // ---------------------------------------------------------------- F and D

    private void loadFp(final int insn, final int rd, final long va)
    {
        final int f3 = (insn >>> 12) & 7;
        if (f3 == 2)
        {
            f[rd] = RiscvFpu.box((int)read(va, 4));
        }
        else if (f3 == 3)
        {
            f[rd] = read(va, 8);
        }
        else
        {
            throw illegal(insn);
        }
    }

    private void storeFp(final int insn, final long va, final int rs2)
    {
        final int f3 = (insn >>> 12) & 7;
        if (f3 == 2)
        {
            write(va, 4, f[rs2]);
        }
        else if (f3 == 3)
        {
            write(va, 8, f[rs2]);
        }
        else
        {
            throw illegal(insn);
        }
    }

    private int roundingMode(final int insn)
    {
        int rm = (insn >>> 12) & 7;
        if (rm == 7)
        {
            rm = (context.fcsr >>> 5) & 7;
        }
        if (rm > 4)
        {
            throw illegal(insn);
        }
        return rm;
    }

    private void accrue()
    {
        final int flags = fpu.flags;
        if (flags != 0)
        {
            context.fcsr |= flags;
            fpu.flags = 0;
            fcsrChanged();
        }
    }

    /**
     * Recompute {@link #fpFast} and {@link #fpValid} from fcsr: in fpFast, bit rm is set when an
     * operation with rounding-mode field rm rounds to nearest-even with NX already set, so a
     * result that is neither tiny nor huge needs no flag work at all; in fpValid, when the field
     * names a valid mode (the dynamic one only while frm does).
     */
    private void fcsrChanged()
    {
        final int fcsr = context.fcsr;
        fpValid = 0x1F | (((fcsr >>> 5) & 7) <= RiscvFpu.RMM ? 1 << 7 : 0);
        if ((fcsr & RiscvFpu.NX) == 0)
        {
            fpFast = 0;
        }
        else
        {
            fpFast = 1 << RiscvFpu.RNE | (((fcsr >>> 5) & 7) == RiscvFpu.RNE ? 1 << 7 : 0);
        }
    }

    private void fused(final int insn, final int rd)
    {
        final int fmt = (insn >>> 25) & 3;
        if (fmt > 1)
        {
            throw illegal(insn);
        }
        final int rm = roundingMode(insn);
        final long a = f[(insn >>> 15) & 31];
        final long b = f[(insn >>> 20) & 31];
        final long c = f[insn >>> 27];
        final boolean negateProduct = (insn & 0x7F) == 0x4B || (insn & 0x7F) == 0x4F;
        final boolean negateAddend = (insn & 0x7F) == 0x47 || (insn & 0x7F) == 0x4F;
        f[rd] = fmt == 0 ?
            fpu.fmaS(a, b, c, negateProduct, negateAddend, rm) :
            fpu.fmaD(a, b, c, negateProduct, negateAddend, rm);
        accrue();
    }

    private void opFp(final int insn, final int rd, final int rs1)
    {
        final int rs2 = (insn >>> 20) & 31;
        final int f7 = insn >>> 25;
        final int f3 = (insn >>> 12) & 7;
        final long[] f = this.f;
        final long a = f[rs1];
        final long b = f[rs2];
        final boolean dbl = (f7 & 3) == 1;
        if ((f7 & 3) > 1)
        {
            throw illegal(insn);
        }
        switch (f7 >>> 2)
        {
            case 0x00:
            case 0x01:
            case 0x02:
            case 0x03:
            {
                final int rm = roundingMode(insn);
                final int operation = f7 >>> 2;
                f[rd] = dbl ? fpu.arithD(operation, a, b, rm) : fpu.arithS(operation, a, b, rm);
                accrue();
                return;
            }
            case 0x0B:
            {
                if (rs2 != 0)
                {
                    throw illegal(insn);
                }
                final int rm = roundingMode(insn);
                f[rd] = dbl ? fpu.sqrtD(a, rm) : fpu.sqrtS(a, rm);
                accrue();
                return;
            }
            case 0x04:
                if (f3 > 2)
                {
                    throw illegal(insn);
                }
                f[rd] = dbl ? RiscvFpu.signInjectD(f3, a, b) : RiscvFpu.signInjectS(f3, a, b);
                return;
            case 0x05:
                if (f3 > 1)
                {
                    throw illegal(insn);
                }
                f[rd] = dbl ? fpu.minMaxD(f3 == 1, a, b) : fpu.minMaxS(f3 == 1, a, b);
                accrue();
                return;
            case 0x08:
            {
                final int rm = roundingMode(insn);
                if (dbl && rs2 == 0)
                {
                    f[rd] = fpu.singleToDouble(a);
                }
                else if (!dbl && rs2 == 1)
                {
                    f[rd] = fpu.doubleToSingle(a, rm);
                }
                else
                {
                    throw illegal(insn);
                }
                accrue();
                return;
            }
            case 0x14:
            {
                if (f3 > 2)
                {
                    throw illegal(insn);
                }
                final long value = dbl ? fpu.compareD(f3, a, b) : fpu.compareS(f3, a, b);
                accrue();
                if (rd != 0)
                {
                    x[rd] = value;
                }
                return;
            }
            case 0x18:
            {
                if (rs2 > 3)
                {
                    throw illegal(insn);
                }
                final int rm = roundingMode(insn);
                final double value = dbl ? Double.longBitsToDouble(a) : RiscvFpu.unboxAsDouble(a);
                final long result = fpu.toInteger(value, rs2, rm);
                accrue();
                if (rd != 0)
                {
                    x[rd] = result;
                }
                return;
            }
            case 0x1A:
            {
                if (rs2 > 3)
                {
                    throw illegal(insn);
                }
                final int rm = roundingMode(insn);
                f[rd] = fpu.fromInteger(x[rs1], rs2, dbl, rm);
                accrue();
                return;
            }
            case 0x1C:
            {
                if (rs2 != 0)
                {
                    throw illegal(insn);
                }
                final long value;
                if (f3 == 0)
                {
                    value = dbl ? a : (int)a;
                }
                else if (f3 == 1)
                {
                    value = dbl ? RiscvFpu.classifyD(a) : RiscvFpu.classifyS(a);
                }
                else
                {
                    throw illegal(insn);
                }
                if (rd != 0)
                {
                    x[rd] = value;
                }
                return;
            }
            case 0x1E:
                if (rs2 != 0 || f3 != 0)
                {
                    throw illegal(insn);
                }
                f[rd] = dbl ? x[rs1] : RiscvFpu.box((int)x[rs1]);
                return;
            default:
                throw illegal(insn);
        }
    }
}
