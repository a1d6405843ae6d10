package org.tessera.subset;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.lang.classfile.ClassFile;
import java.lang.classfile.ClassModel;
import java.lang.classfile.MethodModel;
import java.lang.classfile.attribute.CodeAttribute;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Compiles small sample classes with the system Java compiler and checks that the subset check
 * finds each violation (class, method, rule, instruction position) and nothing else.
 */
class SubsetCheckTest
{
    private static final String PKG = "sample.kernel";

    /** Sample sources, by binary class name. */
    private static final Map<String, String> SOURCES = Map.ofEntries(
        Map.entry("sample.kernel.Lambda", """
            package sample.kernel;
            public final class Lambda
            {
                Runnable task()
                {
                    return () -> {};
                }
            }
            """),
        Map.entry("sample.kernel.UtilField", """
            package sample.kernel;
            public final class UtilField
            {
                private final java.util.ArrayList<String> items = new java.util.ArrayList<>();
                int count()
                {
                    return items.size();
                }
            }
            """),
        Map.entry("sample.kernel.Concat", """
            package sample.kernel;
            public final class Concat
            {
                String describe(final int x)
                {
                    return "x=" + x;
                }
            }
            """),
        Map.entry("sample.kernel.Boxing", """
            package sample.kernel;
            public final class Boxing
            {
                Object box(final long x)
                {
                    return x;
                }
                int unbox(final Integer x)
                {
                    return x;
                }
            }
            """),
        Map.entry("sample.kernel.Locked", """
            package sample.kernel;
            public final class Locked
            {
                private int count;
                synchronized void increment()
                {
                    count++;
                }
                void decrement()
                {
                    synchronized (this)
                    {
                        count--;
                    }
                }
            }
            """),
        Map.entry("sample.kernel.TryCatch", """
            package sample.kernel;
            public final class TryCatch
            {
                int narrow(final long x)
                {
                    try
                    {
                        return Math.toIntExact(x);
                    }
                    catch (final ArithmeticException ex)
                    {
                        return -1;
                    }
                }
            }
            """),
        Map.entry("sample.kernel.Allocation", """
            package sample.kernel;
            public final class Allocation
            {
                long[] table(final int n)
                {
                    return new long[n];
                }
                Object object()
                {
                    return new Object();
                }
                int afterSwitch(final int x)
                {
                    int y;
                    switch (x)
                    {
                        case 0: y = 3; break;
                        case 1: y = 5; break;
                        case 2: y = 7; break;
                        case 3: y = 11; break;
                        default: y = 1; break;
                    }
                    final Object[] four = new Object[y];
                    return four.length;
                }
            }
            """),
        Map.entry("sample.kernel.BootAllocation", """
            package sample.kernel;
            import org.tessera.subset.Boot;
            public final class BootAllocation
            {
                private final int[][] grid = new int[2][3];
                private static final long[] PRIMES = {2, 3, 5, 7};
                @Boot
                long[] table(final int n)
                {
                    return new long[n + grid.length + PRIMES.length];
                }
                @Boot
                int narrow(final long x)
                {
                    try
                    {
                        return Math.toIntExact(x);
                    }
                    catch (final ArithmeticException ex)
                    {
                        return -1;
                    }
                }
            }
            """),
        Map.entry("sample.kernel.KernelPanic", """
            package sample.kernel;
            public final class KernelPanic extends IllegalStateException
            {
                private static final long serialVersionUID = 1L;
                public KernelPanic(final String message)
                {
                    super(message);
                }
            }
            """),
        Map.entry("sample.kernel.Panics", """
            package sample.kernel;
            public final class Panics
            {
                void check(final int x)
                {
                    if (x < 0)
                    {
                        throw new IllegalStateException("negative");
                    }
                    if (x > 100)
                    {
                        throw new KernelPanic("too large");
                    }
                    assert x != 50 : "fifty";
                }
            }
            """),
        Map.entry("sample.kernel.HostToString", """
            package sample.kernel;
            import org.tessera.subset.HostOnly;
            public final class HostToString
            {
                private int value;
                void set(final int value)
                {
                    this.value = value;
                }
                @HostOnly
                @Override
                public String toString()
                {
                    final StringBuilder builder = new StringBuilder();
                    builder.append("HostToString{value=").append(value).append('}');
                    return builder.toString();
                }
                @HostOnly
                Runnable printer()
                {
                    return () -> System.out.println(new java.util.ArrayList<>(java.util.List.of(value)));
                }
                @HostOnly
                Object anonymous()
                {
                    return new Object()
                    {
                        @Override
                        public String toString()
                        {
                            return "anonymous " + value;
                        }
                    };
                }
            }
            """),
        Map.entry("sample.kernel.HostTools", """
            package sample.kernel;
            import org.tessera.subset.HostOnly;
            @HostOnly
            public final class HostTools
            {
                public static String dump(final Object value)
                {
                    return String.valueOf(value) + java.util.List.of(value);
                }
                static final class Nested
                {
                    java.util.Map<String, Integer> map = new java.util.HashMap<>();
                }
            }
            """),
        Map.entry("sample.kernel.HostCall", """
            package sample.kernel;
            public final class HostCall
            {
                String show(final HostToString value)
                {
                    return value.toString();
                }
                int clean(final HostToString value)
                {
                    value.set(3);
                    return 3;
                }
                void tool(final Object value)
                {
                    HostTools.dump(value);
                }
            }
            """),
        Map.entry("sample.kernel.Point", """
            package sample.kernel;
            public record Point(int x, int y)
            {
            }
            """),
        Map.entry("sample.kernel.Reflection", """
            package sample.kernel;
            public final class Reflection
            {
                int fieldCount(final Class<?> type)
                {
                    return type.getDeclaredFields().length;
                }
                Class<?> load(final String name) throws ClassNotFoundException
                {
                    return Class.forName(name);
                }
            }
            """),
        Map.entry("sample.kernel.clean.Clean", """
            package sample.kernel.clean;
            import java.lang.invoke.MethodHandles;
            import java.lang.invoke.VarHandle;
            import org.tessera.subset.Boot;
            public final class Clean
            {
                private static final VarHandle COUNT;
                static
                {
                    try
                    {
                        COUNT = MethodHandles.lookup().findVarHandle(Clean.class, "count", long.class);
                    }
                    catch (final ReflectiveOperationException ex)
                    {
                        throw new ExceptionInInitializerError(ex);
                    }
                }
                private final int[] free;
                private volatile long count;
                private State state = State.IDLE;
                public Clean(final int capacity)
                {
                    free = new int[capacity];
                }
                @Boot
                public static Clean create(final int capacity)
                {
                    return new Clean(capacity);
                }
                public long increment()
                {
                    return (long)COUNT.getAndAdd(this, 1L) + 1;
                }
                public int next(final int index)
                {
                    if (index < 0 || index >= free.length)
                    {
                        throw new IndexOutOfBoundsException("index");
                    }
                    return free[index];
                }
                public int step()
                {
                    switch (state)
                    {
                        case IDLE: state = State.RUNNING; return 1;
                        case RUNNING: state = State.DONE; return 2;
                        default: return 0;
                    }
                }
                public int weight(final State value)
                {
                    return switch (value)
                    {
                        case IDLE -> 1;
                        case RUNNING -> 2;
                        case DONE -> 3;
                    };
                }
                public int code(final String name)
                {
                    switch (name)
                    {
                        case "idle": return 0;
                        case "running": return 1;
                        default: return -1;
                    }
                }
            }
            """),
        Map.entry("sample.kernel.clean.State", """
            package sample.kernel.clean;
            public enum State { IDLE, RUNNING, DONE }
            """),
        Map.entry("sample.kernel.host.Shell", """
            package sample.kernel.host;
            public final class Shell
            {
                java.util.List<String> lines = new java.util.ArrayList<>();
                String join() { return String.join(",", lines) + lines.size(); }
            }
            """),
        Map.entry("sample.tools.Tool", """
            package sample.tools;
            public final class Tool
            {
                Runnable task() { return () -> System.out.println(new java.util.HashMap<String, Integer>()); }
            }
            """));

    @TempDir
    static Path classes;

    @TempDir
    static Path sources;

    private static List<Violation> violations;

    @BeforeAll
    static void compileSamples() throws Exception
    {
        final List<String> arguments = new ArrayList<>(List.of(
            "-d", classes.toString(),
            "-classpath", Path.of(Boot.class.getProtectionDomain().getCodeSource().getLocation().toURI()).toString(),
            "-proc:none", "-nowarn"));
        for (final Map.Entry<String, String> entry : SOURCES.entrySet())
        {
            final Path file = sources.resolve(entry.getKey().replace('.', '/') + ".java");
            Files.createDirectories(file.getParent());
            Files.writeString(file, entry.getValue());
            arguments.add(file.toString());
        }

        final JavaCompiler compiler = ToolProvider.getSystemJavaCompiler();
        final ByteArrayOutputStream errors = new ByteArrayOutputStream();
        final int status = compiler.run(null, null, errors, arguments.toArray(new String[0]));
        assertEquals(0, status, () -> "sample compilation failed:\n" + errors.toString(StandardCharsets.UTF_8));

        violations = SubsetCheck.check(classes, List.of(PKG), List.of("sample.kernel.host"),
            ClassLoader.getPlatformClassLoader());
    }

    @Test
    void shouldReportLambda()
    {
        assertOnly("Lambda", Rule.INVOKEDYNAMIC, "task");
    }

    @Test
    void shouldReportJavaUtilFieldUse()
    {
        assertOnly("UtilField", Rule.JAVA_UTIL, "<init>", "count");
        final List<Violation> count = of("UtilField", "count");
        assertTrue(count.stream().anyMatch(v -> v.instruction().equals(
            "getfield sample/kernel/UtilField.items:Ljava/util/ArrayList;")), count::toString);
        assertTrue(count.stream().anyMatch(v -> v.instruction().equals(
            "invokevirtual java/util/ArrayList.size()I")), count::toString);
        assertTrue(of("UtilField", "<init>").stream().anyMatch(
            v -> v.instruction().equals("new java/util/ArrayList")), () -> of("UtilField", "<init>").toString());
    }

    @Test
    void shouldReportStringConcatenation()
    {
        assertOnly("Concat", Rule.INVOKEDYNAMIC, "describe");
        assertTrue(of("Concat", "describe").getFirst().instruction().startsWith(
            "invokedynamic makeConcatWithConstants(I)Ljava/lang/String;"));
    }

    @Test
    void shouldReportBoxingAndUnboxing()
    {
        assertOnly("Boxing", Rule.BOXING, "box", "unbox");
        assertEquals("invokestatic java/lang/Long.valueOf(J)Ljava/lang/Long;", of("Boxing", "box").getFirst().instruction());
        assertEquals("invokevirtual java/lang/Integer.intValue()I", of("Boxing", "unbox").getFirst().instruction());
    }

    @Test
    void shouldReportSynchronized()
    {
        final List<Violation> increment = of("Locked", "increment");
        assertEquals(1, increment.size(), increment::toString);
        assertEquals(Rule.MONITOR, increment.getFirst().rule());
        assertEquals("ACC_SYNCHRONIZED", increment.getFirst().instruction());

        final Set<String> decrement = of("Locked", "decrement").stream()
            .map(v -> v.rule() + " " + v.instruction().split(" ")[0]).collect(Collectors.toSet());
        assertTrue(decrement.contains("MONITOR monitorenter"), decrement::toString);
        assertTrue(decrement.contains("MONITOR monitorexit"), decrement::toString);
        // javac protects the block with an "any" handler that releases the monitor
        assertTrue(decrement.contains("EXCEPTION_HANDLER try"), decrement::toString);
    }

    @Test
    void shouldReportTryCatch()
    {
        assertOnly("TryCatch", Rule.EXCEPTION_HANDLER, "narrow");
        final Violation violation = of("TryCatch", "narrow").getFirst();
        assertEquals(0, violation.bci());
        assertTrue(violation.instruction().contains("catch java/lang/ArithmeticException"), violation::toString);
    }

    @Test
    void shouldReportAllocationInNormalMethod()
    {
        assertOnly("Allocation", Rule.ALLOCATION, "table", "object", "afterSwitch");
        assertEquals("newarray long", of("Allocation", "table").getFirst().instruction());
        assertEquals(1, of("Allocation", "table").getFirst().bci());
        assertEquals("new java/lang/Object", of("Allocation", "object").getFirst().instruction());
    }

    @Test
    void shouldPointAtTheOffendingInstructionAfterSwitchPadding() throws IOException
    {
        final Violation violation = of("Allocation", "afterSwitch").getFirst();
        assertEquals("anewarray java/lang/Object", violation.instruction());
        final ClassModel model = ClassFile.of().parse(classes.resolve("sample/kernel/Allocation.class"));
        final MethodModel method = model.methods().stream()
            .filter(m -> m.methodName().equalsString("afterSwitch")).findFirst().orElseThrow();
        final byte[] code = ((CodeAttribute)method.code().orElseThrow()).codeArray();
        assertEquals((byte)0xBD, code[violation.bci()], "anewarray opcode at the reported bci " + violation.bci());
    }

    @Test
    void shouldAllowAllocationAndHandlersInBootMethodsConstructorsAndStaticInitialisers()
    {
        assertEquals(List.of(), of("BootAllocation"));
    }

    @Test
    void shouldAllowPanics()
    {
        assertEquals(List.of(), of("Panics"));
        assertEquals(List.of(), of("KernelPanic"));
    }

    @Test
    void shouldResolvePanicsThroughTheClassLoader() throws Exception
    {
        try (URLClassLoader loader = new URLClassLoader(
            new URL[]{classes.toUri().toURL()}, SubsetCheckTest.class.getClassLoader()))
        {
            final List<Violation> withLoader = SubsetCheck.check(classes, List.of(PKG), List.of("sample.kernel.host"), loader);
            assertEquals(violations, withLoader);
        }
    }

    @Test
    void shouldSkipHostOnlyMethodsTypesAndTheirLambdas()
    {
        assertEquals(List.of(), of("HostToString"));
        assertEquals(List.of(), of("HostToString$1"));
        assertEquals(List.of(), of("HostTools"));
        assertEquals(List.of(), of("HostTools$Nested"));
    }

    @Test
    void shouldReportCallToHostOnlyMethod()
    {
        assertOnly("HostCall", Rule.HOST_ONLY_CALL, "show", "tool");
        assertEquals("invokevirtual sample/kernel/HostToString.toString()Ljava/lang/String;",
            of("HostCall", "show").getFirst().instruction());
        assertEquals(List.of(), of("HostCall", "clean"));
    }

    @Test
    void shouldReportRecordMethods()
    {
        assertOnly("Point", Rule.INVOKEDYNAMIC, "toString", "hashCode", "equals");
        assertTrue(of("Point", "toString").getFirst().instruction().endsWith("java/lang/runtime/ObjectMethods.bootstrap"));
    }

    @Test
    void shouldReportReflection()
    {
        assertOnly("Reflection", Rule.REFLECTION, "fieldCount", "load");
        assertEquals("invokevirtual java/lang/Class.getDeclaredFields()[Ljava/lang/reflect/Field;",
            of("Reflection", "fieldCount").getFirst().instruction());
    }

    @Test
    void shouldPassCleanClasses()
    {
        assertEquals(List.of(), SubsetCheck.check(classes, List.of("sample.kernel.clean"), List.of(), null));
        assertTrue(Files.exists(classes.resolve("sample/kernel/clean/Clean$1.class")), "enum switch map compiled");
    }

    @Test
    void shouldSkipExcludedAndUnlistedPackages()
    {
        assertEquals(List.of(), violations.stream().filter(
            v -> v.className().startsWith("sample.kernel.host.") || v.className().startsWith("sample.tools.")).toList());
        assertTrue(SubsetCheck.check(classes, List.of("sample.tools"), List.of(), null).stream()
            .anyMatch(v -> v.className().equals("sample.tools.Tool") && v.rule() == Rule.INVOKEDYNAMIC));
        assertEquals(List.of(), SubsetCheck.check(classes, List.of("sample.kern"), List.of(), null),
            "a prefix matches whole package names only");
    }

    @Test
    void shouldReportExactlyTheExpectedClassesMethodsAndRules()
    {
        final Set<String> found = new TreeSet<>();
        for (final Violation v : violations)
        {
            found.add(v.className().substring(PKG.length() + 1) + "." + v.methodName() + " " + v.rule());
        }
        final Set<String> expected = new TreeSet<>(List.of(
            "Allocation.afterSwitch ALLOCATION",
            "Allocation.object ALLOCATION",
            "Allocation.table ALLOCATION",
            "Boxing.box BOXING",
            "Boxing.unbox BOXING",
            "Concat.describe INVOKEDYNAMIC",
            "HostCall.show HOST_ONLY_CALL",
            "HostCall.tool HOST_ONLY_CALL",
            "Lambda.task INVOKEDYNAMIC",
            "Locked.decrement EXCEPTION_HANDLER",
            "Locked.decrement MONITOR",
            "Locked.increment MONITOR",
            "Point.equals INVOKEDYNAMIC",
            "Point.hashCode INVOKEDYNAMIC",
            "Point.toString INVOKEDYNAMIC",
            "Reflection.fieldCount REFLECTION",
            "Reflection.load REFLECTION",
            "TryCatch.narrow EXCEPTION_HANDLER",
            "UtilField.<init> JAVA_UTIL",
            "UtilField.count JAVA_UTIL"));
        assertEquals(expected, found);
    }

    @Test
    void shouldFormatOneLinePerViolation()
    {
        final Violation violation = of("Allocation", "table").getFirst();
        assertEquals("subset violation: sample.kernel.Allocation.table(I)[J @1: newarray long - " +
            Rule.ALLOCATION.text(), violation.toString());
    }

    @Test
    void shouldFailFromMainNamingTheCount()
    {
        final PrintStream err = System.err;
        final ByteArrayOutputStream captured = new ByteArrayOutputStream();
        System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
        final IllegalStateException ex;
        try
        {
            ex = assertThrows(IllegalStateException.class,
                () -> SubsetCheck.main(new String[]{classes.toString(), PKG, "sample.kernel.host"}));
        }
        finally
        {
            System.setErr(err);
        }
        assertTrue(ex.getMessage().contains(violations.size() + " violation(s)"), ex.getMessage());
        final List<String> lines = captured.toString(StandardCharsets.UTF_8).lines().toList();
        assertEquals(violations.stream().map(Violation::toString).toList(), lines);
    }

    @Test
    void shouldPrintSummaryWhenClean()
    {
        final PrintStream out = System.out;
        final ByteArrayOutputStream captured = new ByteArrayOutputStream();
        System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
        try
        {
            SubsetCheck.main(new String[]{classes.toString(), "sample.kernel.clean", "-"});
        }
        finally
        {
            System.setOut(out);
        }
        final String summary = captured.toString(StandardCharsets.UTF_8).trim();
        assertTrue(summary.matches("subset check: 3 classes, \\d+ methods in sample\\.kernel\\.clean: ok"), summary);
    }

    @Test
    void shouldDoNothingWithoutPackages()
    {
        final PrintStream out = System.out;
        final ByteArrayOutputStream captured = new ByteArrayOutputStream();
        System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
        try
        {
            SubsetCheck.main(new String[]{classes.toString(), "-", "-"});
            SubsetCheck.main(new String[]{classes.resolve("missing").toString(), "-", "-"});
        }
        finally
        {
            System.setOut(out);
        }
        assertEquals("", captured.toString(StandardCharsets.UTF_8));
        assertThrows(IllegalArgumentException.class, () -> SubsetCheck.main(new String[]{classes.toString()}));
    }

    private static List<Violation> of(final String simpleName)
    {
        return violations.stream().filter(v -> v.className().equals(PKG + "." + simpleName)).toList();
    }

    private static List<Violation> of(final String simpleName, final String method)
    {
        return of(simpleName).stream().filter(v -> v.methodName().equals(method)).toList();
    }

    /** Every violation of the class breaks {@code rule}, in exactly the given methods. */
    private static void assertOnly(final String simpleName, final Rule rule, final String... methods)
    {
        final List<Violation> found = of(simpleName);
        if (found.isEmpty())
        {
            fail("no violation reported for " + simpleName);
        }
        for (final Violation violation : found)
        {
            assertEquals(rule, violation.rule(), violation::toString);
        }
        assertEquals(new TreeSet<>(List.of(methods)),
            found.stream().map(Violation::methodName).collect(Collectors.toCollection(TreeSet::new)));
    }
}
