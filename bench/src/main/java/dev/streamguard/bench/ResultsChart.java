package dev.streamguard.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Draws the raw result lines of a benchmark run (as {@code ./bench/run.sh} collects them in
 * {@code bench/RESULTS.md}) into one PNG, guarded next to its baseline in every panel. A
 * benchmark missing from the run leaves its panel saying so.
 *
 * <p>Usage: {@code ResultsChart <results file> <png file>}.
 */
public final class ResultsChart {

	private ResultsChart() {
	}

	public static void main(String[] args) throws IOException {
		if (args.length != 2) {
			throw new IllegalArgumentException("Usage: ResultsChart <results file> <png file>");
		}
		System.setProperty("java.awt.headless", "true");
		List<String> lines = Files.readAllLines(Path.of(args[0]), StandardCharsets.UTF_8);
		int panels = chart(lines).write(Path.of(args[1]));
		System.out.println("chart panels=" + panels + " file=" + args[1]);
	}

	/**
	 * Build the chart of the given raw result lines.
	 */
	static Results chart(List<String> lines) {
		Chart chart = new Chart("StreamGuard benchmarks: guarded vs baseline, same run");
		int drawn = 0;
		String throughput = line(lines, "throughput ");
		Chart.Panel rate = chart.panel("1. One stream over loopback", "MB/s, median of rounds");
		if (throughput != null) {
			double guarded = number(throughput, "guarded=([\\d.]+)MB/s");
			double unguarded = number(throughput, "unguarded=([\\d.]+)MB/s");
			double raw = number(throughput, "raw=([\\d.]+)MB/s");
			rate.bar("guarded", guarded, Double.NaN, Chart.GUARDED, format("%.0f", guarded))
				.bar("unguarded", unguarded, Double.NaN, Chart.UNGUARDED, format("%.0f", unguarded))
				.bar("raw TCP", raw, Double.NaN, Chart.LIMIT, format("%.0f", raw))
				.note(format("guarded = %.3fx unguarded (target >= 0.97x)", guarded / unguarded));
			drawn++;
		}
		List<String> fanOuts = fanOutRuns(lines);
		String fanOut = fanOuts.isEmpty() ? null : fanOuts.get(fanOuts.size() / 2);
		Chart.Panel heap = chart.panel("2. SSE fan-out: server heap per stream", "bytes per stream, after GC");
		Chart.Panel latency = chart.panel("2. SSE fan-out: p99 delivery latency", "milliseconds");
		if (fanOut != null) {
			double guarded = number(fanOut, "heapPerStream guarded=(\\d+)B");
			double unguarded = number(fanOut, "heapPerStream guarded=\\d+B unguarded=(\\d+)B");
			heap.bar("guarded", guarded, Double.NaN, Chart.GUARDED, format("%,.0f", guarded))
				.bar("unguarded", unguarded, Double.NaN, Chart.UNGUARDED, format("%,.0f", unguarded))
				.note(format("guard overhead %,.0f B per stream (target < 2 KB)%s", guarded - unguarded,
						(fanOuts.size() > 1) ? ", median of " + fanOuts.size() + " runs" : ""));
			double guardedP99 = number(fanOut, "p99 guarded=(\\d+)ms");
			double unguardedP99 = number(fanOut, "p99 guarded=\\d+ms unguarded=(\\d+)ms");
			latency.bar("guarded", guardedP99, Double.NaN, Chart.GUARDED, format("%,.0f", guardedP99))
				.bar("unguarded", unguardedP99, Double.NaN, Chart.UNGUARDED, format("%,.0f", unguardedP99))
				.note(format("%s streams; CPU %s vs %s cores", text(fanOut, "clients=(\\d+)"),
						text(fanOut, "cpu guarded=([\\d.]+)"), text(fanOut, "cpu guarded=[\\d.]+ unguarded=([\\d.]+)")));
			drawn += 2;
		}
		String deadPeer = line(lines, "dead-peer ");
		Chart.Panel release = chart.panel("3. Silent peers: link cut to release", "milliseconds after the cut");
		if (deadPeer != null) {
			double p50 = number(deadPeer, "guarded: p50=(\\d+)ms");
			double p99 = number(deadPeer, "guarded: p50=\\d+ms p99=(\\d+)ms");
			double max = number(deadPeer, "guarded: p50=\\d+ms p99=\\d+ms max=(\\d+)ms");
			release.bar("guarded\np50", p50, Double.NaN, Chart.GUARDED, format("%,.0f", p50))
				.bar("guarded\np99", p99, Double.NaN, Chart.GUARDED, format("%,.0f", p99))
				.bar("guarded\nmax", max, Double.NaN, Chart.GUARDED, format("%,.0f", max));
			Matcher held = Pattern.compile("unguarded: (\\d+) of (\\d+) not released within (\\d+) s").matcher(deadPeer);
			if (held.find()) {
				release.openBar("unguarded", Double.parseDouble(held.group(3)) * 1000, Chart.UNGUARDED,
						"> " + held.group(3) + " s")
					.note(held.group(1) + " of " + held.group(2) + " unguarded streams not released within " + held.group(3) + " s");
			}
			else {
				double unguardedMax = number(deadPeer, "unguarded: p50=\\d+ms p99=\\d+ms max=(\\d+)ms");
				release.bar("unguarded\nmax", unguardedMax, Double.NaN, Chart.UNGUARDED, format("%,.0f", unguardedMax));
			}
			drawn++;
		}
		Chart.Panel writer = chart.panel("4. StreamWriter vs Flux.create (JMH)", "million 100-byte items/s, ± error");
		String streamWriter = line(lines, "WriterBenchmark.streamWriter ");
		String fluxCreate = line(lines, "WriterBenchmark.fluxCreate ");
		if (streamWriter != null && fluxCreate != null) {
			double[] sw = score(streamWriter);
			double[] fc = score(fluxCreate);
			writer.bar("StreamWriter", sw[0] / 1e6, sw[1] / 1e6, Chart.GUARDED, format("%.1f", sw[0] / 1e6))
				.bar("Flux.create", fc[0] / 1e6, fc[1] / 1e6, Chart.UNGUARDED, format("%.1f", fc[0] / 1e6))
				.note(format("StreamWriter = %.2fx Flux.create (target >= 1.0x)", sw[0] / fc[0]));
			drawn++;
		}
		String slow = line(lines, "slow-readers ");
		Chart.Panel held = chart.panel("5. Slow readers: memory held per stream", "KB per stream");
		if (slow != null) {
			double guarded = number(slow, "guarded=[\\d.]+MB \\(([\\d.]+)KB/stream\\)");
			double unguarded = number(slow, "unguarded=[\\d.]+MB \\(([\\d.]+)KB/stream\\)");
			double bound = number(slow, "bound=[\\d.]+MB \\(([\\d.]+)KB/stream\\)");
			held.bar("guarded", guarded, Double.NaN, Chart.GUARDED, format("%.0f", guarded))
				.bar("unguarded", unguarded, Double.NaN, Chart.UNGUARDED, format("%.0f", unguarded))
				.reference(bound, format("documented bound %.0f KB", bound))
				.note(text(slow, "clients=(\\d+)") + " clients reading " + text(slow, "rate=(\\d+)B/s") + " B/s each");
			drawn++;
		}
		return new Results(chart, drawn);
	}

	/**
	 * Return the fan-out runs, by guard overhead: the middle one is the median run.
	 */
	static List<String> fanOutRuns(List<String> lines) {
		return lines.stream()
			.filter((line) -> line.startsWith("fan-out "))
			.sorted(Comparator.comparingDouble((line) -> number(line, "guardOverhead=(-?\\d+)B")))
			.toList();
	}

	private static String line(List<String> lines, String prefix) {
		return lines.stream().filter((line) -> line.startsWith(prefix)).findFirst().orElse(null);
	}

	private static double number(String line, String regex) {
		return Double.parseDouble(text(line, regex));
	}

	private static String text(String line, String regex) {
		Matcher matcher = Pattern.compile(regex).matcher(line);
		if (!matcher.find()) {
			throw new IllegalArgumentException("No /" + regex + "/ in: " + line);
		}
		return matcher.group(1);
	}

	private static double[] score(String jmhLine) {
		Matcher matcher = Pattern.compile("thrpt\\s+\\d+\\s+([\\d.]+)\\s+±\\s+([\\d.]+)").matcher(jmhLine);
		if (!matcher.find()) {
			throw new IllegalArgumentException("No JMH score in: " + jmhLine);
		}
		return new double[] { Double.parseDouble(matcher.group(1)), Double.parseDouble(matcher.group(2)) };
	}

	private static String format(String pattern, Object... values) {
		return String.format(Locale.ROOT, pattern, values);
	}

	/**
	 * A chart and how many of its panels have results.
	 */
	record Results(Chart chart, int panelsDrawn) {

		int write(Path file) throws IOException {
			this.chart.write(file);
			return this.panelsDrawn;
		}

	}

}
