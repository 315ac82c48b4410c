package dev.streamguard.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import org.springframework.context.ConfigurableApplicationContext;

/**
 * Single-stream throughput over HTTP/2 (h2c with prior knowledge) and HTTP/1.1, side by side in
 * one run: a guarded and an unguarded server, both built with {@code server.http2.enabled=true},
 * each read once over h2 and once over HTTP/1.1 per round by {@code h2load} in its own process.
 * Rounds rotate the order of the four fetches; the report gives median rates, the median of each
 * round's ratios, and the servers' CPU time per gigabyte.
 *
 * @since 0.2.0
 */
public final class Http2ThroughputBenchmark {

	/** The four fetches of a round, in the order of the first round. */
	enum Fetch {

		H2_GUARDED, H2_UNGUARDED, H1_GUARDED, H1_UNGUARDED

	}

	private Http2ThroughputBenchmark() {
	}

	public static void main(String[] args) throws Exception {
		long size = (args.length > 0) ? Long.parseLong(args[0]) : 4L * 1024 * 1024 * 1024;
		int rounds = (args.length > 1) ? Integer.parseInt(args[1]) : 5;
		System.out.println(run(size, rounds).report());
	}

	/**
	 * Run the benchmark.
	 * @param size bytes per stream
	 * @param rounds rounds of the four fetches
	 * @return the medians
	 */
	public static Result run(long size, int rounds) throws Exception {
		String problem = H2Load.problem();
		if (problem != null) {
			throw new IllegalStateException(problem);
		}
		ConfigurableApplicationContext guarded = BenchServer.start(true, BenchServer.HTTP2);
		ConfigurableApplicationContext unguarded = BenchServer.start(false, BenchServer.HTTP2);
		try {
			List<List<Measure>> byFetch = new ArrayList<>();
			for (Fetch fetch : Fetch.values()) {
				byFetch.add(new ArrayList<>());
				// One warm-up fetch of each, not counted.
				fetch(fetch, guarded, unguarded, size);
			}
			for (int round = 0; round < rounds; round++) {
				for (int i = 0; i < Fetch.values().length; i++) {
					Fetch fetch = Fetch.values()[(round + i) % Fetch.values().length];
					byFetch.get(fetch.ordinal()).add(fetch(fetch, guarded, unguarded, size));
				}
			}
			return new Result(size, rounds, byFetch);
		}
		finally {
			guarded.close();
			unguarded.close();
		}
	}

	private static Measure fetch(Fetch fetch, ConfigurableApplicationContext guarded,
			ConfigurableApplicationContext unguarded, long size) throws Exception {
		boolean h2 = fetch == Fetch.H2_GUARDED || fetch == Fetch.H2_UNGUARDED;
		int port = BenchServer.port((fetch == Fetch.H2_GUARDED || fetch == Fetch.H1_GUARDED) ? guarded : unguarded);
		String url = "http://127.0.0.1:" + port + "/bench/bulk?size=" + size;
		// Nothing of the previous fetch left for the collector to bill to this one.
		System.gc();
		long cpu = BenchServer.processCpuNanos();
		// h2load's default windows (2^30 - 1 bytes, stream and connection) never hold the server back.
		H2Load.Summary summary = h2 ? H2Load.run(600, "-n", "1", "-c", "1", "-m", "1", url)
				: H2Load.run(600, "--h1", "-n", "1", "-c", "1", "-m", "1", url);
		long cpuNanos = BenchServer.processCpuNanos() - cpu;
		if (summary.succeeded() != 1 || summary.dataBytes() < size) {
			throw new IllegalStateException(fetch + " received " + summary.dataBytes() + " of " + size + " bytes: "
					+ summary.output());
		}
		return new Measure(summary.rate(), cpuNanos / 1e9 / (summary.dataBytes() / 1e9));
	}

	/**
	 * One fetch.
	 *
	 * @param rate body bytes per second
	 * @param cpuSecondsPerGigabyte the servers' CPU time per 10^9 body bytes
	 */
	record Measure(double rate, double cpuSecondsPerGigabyte) {
	}

	/**
	 * Medians.
	 *
	 * @param size bytes per stream
	 * @param rounds rounds run
	 * @param measures the measures of each {@link Fetch}, by ordinal, in round order
	 */
	public record Result(long size, int rounds, List<List<Measure>> measures) {

		/** Return the median rate of a fetch, in bytes per second. */
		public double rate(Fetch fetch) {
			return BenchServer.median(this.measures.get(fetch.ordinal()).stream().map(Measure::rate).toList());
		}

		double cpu(Fetch fetch) {
			return BenchServer.median(
					this.measures.get(fetch.ordinal()).stream().map(Measure::cpuSecondsPerGigabyte).toList());
		}

		/** Return the median over the rounds of one fetch's rate divided by another's in the same round. */
		public double ratio(Fetch fetch, Fetch baseline) {
			List<Double> ratios = new ArrayList<>();
			for (int round = 0; round < this.rounds; round++) {
				ratios.add(this.measures.get(fetch.ordinal()).get(round).rate()
						/ this.measures.get(baseline.ordinal()).get(round).rate());
			}
			return BenchServer.median(ratios);
		}

		/** Return each round's ratio of one fetch's rate to another's, as {@code [r1,r2,...]}. */
		String ratios(Fetch fetch, Fetch baseline) {
			StringBuilder ratios = new StringBuilder("[");
			for (int round = 0; round < this.rounds; round++) {
				ratios.append((round > 0) ? "," : "")
					.append(String.format(Locale.ROOT, "%.3f", this.measures.get(fetch.ordinal()).get(round).rate()
							/ this.measures.get(baseline.ordinal()).get(round).rate()));
			}
			return ratios.append(']').toString();
		}

		public String report() {
			return String.format(Locale.ROOT,
					"h2-throughput size=%d rounds=%d h2 guarded=%.1fMB/s unguarded=%.1fMB/s h1 guarded=%.1fMB/s "
							+ "unguarded=%.1fMB/s h2 guarded/unguarded=%.3f h1 guarded/unguarded=%.3f "
							+ "h2/h1 guarded=%.3f unguarded=%.3f cpu-s/GB h2 guarded=%.2f unguarded=%.2f h1 guarded=%.2f "
							+ "unguarded=%.2f rounds h2 guarded/unguarded=%s h2/h1 guarded=%s",
					this.size, this.rounds, rate(Fetch.H2_GUARDED) / 1e6, rate(Fetch.H2_UNGUARDED) / 1e6,
					rate(Fetch.H1_GUARDED) / 1e6, rate(Fetch.H1_UNGUARDED) / 1e6,
					ratio(Fetch.H2_GUARDED, Fetch.H2_UNGUARDED), ratio(Fetch.H1_GUARDED, Fetch.H1_UNGUARDED),
					ratio(Fetch.H2_GUARDED, Fetch.H1_GUARDED), ratio(Fetch.H2_UNGUARDED, Fetch.H1_UNGUARDED),
					cpu(Fetch.H2_GUARDED), cpu(Fetch.H2_UNGUARDED), cpu(Fetch.H1_GUARDED), cpu(Fetch.H1_UNGUARDED),
					ratios(Fetch.H2_GUARDED, Fetch.H2_UNGUARDED), ratios(Fetch.H2_GUARDED, Fetch.H1_GUARDED));
		}

	}

}
