package org.tessera.bench;

import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import org.openjdk.jmh.profile.GCProfiler;
import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

/**
 * Runs one benchmark group and prints every figure as {@code name value unit}, its allocation
 * as {@code name_alloc value B/op}, and every comparison the group defines as
 * {@code ratio a/b value}. Usage: {@code BenchMain GROUP [--quick]}.
 */
public final class BenchMain
{
    /**
     * A group: the benchmark classes it runs and the ratios it reports.
     *
     * @param include regular expression of benchmarks to run.
     * @param ratios  (ratio name, numerator figure, denominator figure) triples.
     */
    record Group(String include, String[][] ratios, String[][] differences)
    {
        Group(final String include, final String[][] ratios)
        {
            this(include, ratios, new String[0][]);
        }
    }

    static final Map<String, Group> GROUPS = new LinkedHashMap<>();

    static
    {
        GROUPS.put("runtime", new Group("org\\.tessera\\.bench\\.RuntimeBenchmark\\..*", new String[][] {
            {"actor/spin", "actor_rtt", "spin_rtt"},
            {"actor/agrona", "actor_rtt", "agrona_o2o_rtt"}}));
        // issue 3's group: frames, heap, page mapping and TLB shootdown, beside the runtime's round trip
        GROUPS.put("memory", new Group("org\\.tessera\\.bench\\.(MemoryBenchmark\\..*|VmBenchmark\\." +
            "(pageMapUnmap|remotePageMapUnmap|tlbShootdownPerCpu))", new String[][] {
            {"remote_frame_bitmap_alloc_free/actor_rtt", "remote_frame_bitmap_alloc_free", "actor_rtt"},
            {"remote_frame_buddy_alloc_free/actor_rtt", "remote_frame_buddy_alloc_free", "actor_rtt"},
            {"remote_heap_alloc_free/actor_rtt", "remote_heap_alloc_free", "actor_rtt"},
            {"remote_page_map_unmap/actor_rtt", "remote_page_map_unmap", "actor_rtt"},
            {"tlb_shootdown_per_cpu/actor_rtt", "tlb_shootdown_per_cpu", "actor_rtt"}}));
        GROUPS.put("caps", new Group("org\\.tessera\\.bench\\.CapBenchmark\\..*", new String[][] {
            {"cap_check_hit max/min", "cap_check_hit_*", "cap_check_hit_*"},
            {"cap_check_space_hit max/min", "cap_check_space_hit_*", "cap_check_space_hit_*"},
            {"cap_check_miss max/min", "cap_check_miss_*", "cap_check_miss_*"}}));
        GROUPS.put("vm", new Group("org\\.tessera\\.bench\\.VmBenchmark\\..*", new String[][] {
            {"tlb_shootdown_per_cpu/actor_rtt", "tlb_shootdown_per_cpu", "actor_rtt"}}));
        GROUPS.put("cpu", new Group("org\\.tessera\\.bench\\.CpuBenchmark\\..*",
            new String[][] {{"engine/qemu", "engine_mips", "qemu_mips"}},
            new String[][] {
                {"null_syscall_net", "null_syscall", "null_syscall_boot"},
                {"context_switch_net", "context_switch", "context_switch_boot"},
                {"spawn_exit_reap_net", "spawn_exit_reap", "spawn_exit_reap_boot"}}));
    }

    private BenchMain()
    {
    }

    public static void main(final String[] args) throws RunnerException
    {
        if (args.length < 1 || !GROUPS.containsKey(args[0]))
        {
            System.err.println("usage: tessera bench GROUP [--quick]   (groups: " + String.join(", ", GROUPS.keySet()) + ")");
            System.exit(2);
        }
        final boolean quick = args.length > 1 && "--quick".equals(args[1]);
        final Group group = GROUPS.get(args[0]);
        final ChainedOptionsBuilder options = new OptionsBuilder()
            .include(group.include())
            .addProfiler(GCProfiler.class)
            .jvmArgsAppend("--add-opens", "java.base/jdk.internal.misc=ALL-UNNAMED", "--enable-native-access=ALL-UNNAMED",
                // as the launcher runs the kernel: SBE's field-order checks are for the tests
                "-Dsbe.enable.precedence.checks=false")
            .shouldFailOnError(true);
        if (quick)
        {
            options.forks(1).warmupIterations(2).warmupTime(TimeValue.seconds(1))
                .measurementIterations(3).measurementTime(TimeValue.seconds(1));
        }
        else
        {
            options.forks(2).warmupIterations(5).warmupTime(TimeValue.seconds(1))
                .measurementIterations(5).measurementTime(TimeValue.seconds(2));
        }
        final Collection<RunResult> results = new Runner(options.build()).run();
        final Map<String, Double> figures = new LinkedHashMap<>();
        final Map<String, String> units = new LinkedHashMap<>();
        final List<String> lines = new ArrayList<>();
        for (final RunResult r : results)
        {
            final String method = r.getParams().getBenchmark();
            final String name = snake(method.substring(method.lastIndexOf('.') + 1));
            final Result<?> primary = r.getPrimaryResult();
            figures.put(name, primary.getScore());
            units.put(name, unit(primary.getScoreUnit()));
            lines.add(String.format(Locale.ROOT, "%s %.1f %s", name, primary.getScore(), unit(primary.getScoreUnit())));
            for (final String key : r.getSecondaryResults().keySet())
            {
                if (key.endsWith("gc.alloc.rate.norm"))
                {
                    final double bytes = r.getSecondaryResults().get(key).getScore();
                    lines.add(String.format(Locale.ROOT, "%s_alloc %.1f B/op", name, bytes));
                }
            }
        }
        System.out.println();
        lines.forEach(System.out::println);
        for (final String[] difference : group.differences())
        {
            final Double a = figures.get(difference[1]);
            final Double b = figures.get(difference[2]);
            if (a != null && b != null)
            {
                System.out.printf(Locale.ROOT, "%s %.1f %s%n", difference[0], a - b, units.get(difference[1]));
            }
        }
        for (final String[] ratio : group.ratios())
        {
            final Double a = figure(figures, ratio[1], true);
            final Double b = figure(figures, ratio[2], false);
            if (a != null && b != null && b > 0)
            {
                System.out.printf(Locale.ROOT, "ratio %s %.2f%n", ratio[0], a / b);
            }
        }
    }

    /** A figure by name; a name ending in {@code *} is the max (or min) of the figures it prefixes. */
    static Double figure(final Map<String, Double> figures, final String name, final boolean max)
    {
        if (!name.endsWith("*"))
        {
            return figures.get(name);
        }
        final String prefix = name.substring(0, name.length() - 1);
        Double best = null;
        for (final Map.Entry<String, Double> e : figures.entrySet())
        {
            if (e.getKey().startsWith(prefix) && (best == null || (max ? e.getValue() > best : e.getValue() < best)))
            {
                best = e.getValue();
            }
        }
        return best;
    }

    static String snake(final String camel)
    {
        final StringBuilder b = new StringBuilder();
        for (final char c : camel.toCharArray())
        {
            if (Character.isUpperCase(c))
            {
                b.append('_').append(Character.toLowerCase(c));
            }
            else
            {
                b.append(c);
            }
        }
        return b.toString();
    }

    static String unit(final String jmhUnit)
    {
        return switch (jmhUnit)
        {
            case "ns/op" -> "ns";
            case "us/op" -> "us";
            case "ms/op" -> "ms";
            default -> jmhUnit;
        };
    }
}
