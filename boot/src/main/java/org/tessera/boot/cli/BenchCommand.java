package org.tessera.boot.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code tessera bench GROUP}: runs a JMH benchmark group from the shaded benchmark jar in a
 * child JVM and lets it print {@code name value unit} and {@code ratio a/b value} lines.
 */
@Command(name = "bench", description = "Run a benchmark group (runtime, ...) from tests/benchmarks and print each " +
    "figure as 'name value unit' and each comparison as 'ratio a/b value'.")
final class BenchCommand implements Callable<Integer>
{
    @Spec
    CommandSpec spec;

    @Parameters(paramLabel = "GROUP", description = "Benchmark group, e.g. runtime.")
    String group;

    @Option(names = "--quick", description = "Fewer and shorter iterations (under a minute per group).")
    boolean quick;

    public Integer call() throws IOException, InterruptedException
    {
        final String home = System.getProperty("tessera.home", ".");
        final Path jar = Path.of(home, "tests", "benchmarks", "target", "benchmarks.jar");
        if (!Files.isRegularFile(jar))
        {
            spec.commandLine().getErr().println("tessera: " + jar + " is missing: build with " +
                "'mvn -DskipTests package' (the ./tessera launcher does this on first use)");
            return 1;
        }
        final List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.add("--add-opens");
        command.add("java.base/jdk.internal.misc=ALL-UNNAMED");
        command.add("--enable-native-access=ALL-UNNAMED");
        command.add("-cp");
        command.add(jar.toString());
        command.add("org.tessera.bench.BenchMain");
        command.add(group);
        if (quick)
        {
            command.add("--quick");
        }
        final Process p = new ProcessBuilder(command).inheritIO().start();
        return p.waitFor();
    }
}
