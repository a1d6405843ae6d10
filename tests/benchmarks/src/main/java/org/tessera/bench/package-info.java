/**
 * JMH benchmarks, each figure measured beside its baseline in the same run, and {@link
 * org.tessera.bench.BenchMain}, which runs a group and prints {@code name value unit} and
 * {@code ratio a/b value} lines for {@code tessera bench}.
 */
package org.tessera.bench;
