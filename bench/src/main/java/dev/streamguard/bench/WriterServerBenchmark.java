package dev.streamguard.bench;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

import org.springframework.context.ConfigurableApplicationContext;

/**
 * Small items (100 bytes) over a real connection, side by side in one run: a blocking producer
 * ({@code StreamWriter}) and a demand-bounded {@code Flux.create}, each guarded and unguarded.
 * The report gives items per second (medians) and the ratios; what the guard costs a blocking
 * producer is the guarded writer against the unguarded one.
 */
public final class WriterServerBenchmark {

	private static final int ITEM = 100;

	private WriterServerBenchmark() {
	}

	public static void main(String[] args) throws Exception {
		long count = (args.length > 0) ? Long.parseLong(args[0]) : 2_000_000;
		int rounds = (args.length > 1) ? Integer.parseInt(args[1]) : 3;
		System.out.println(run(count, rounds).report());
	}

	public static Result run(long count, int rounds) throws Exception {
		ConfigurableApplicationContext guarded = BenchServer.start(true);
		ConfigurableApplicationContext unguarded = BenchServer.start(false);
		try {
			int g = BenchServer.port(guarded);
			int u = BenchServer.port(unguarded);
			String writer = "/bench/writer?size=" + ITEM + "&count=" + count;
			String create = "/bench/create?size=" + ITEM + "&count=" + count;
			List<List<Double>> rates = List.of(new ArrayList<>(), new ArrayList<>(), new ArrayList<>(),
					new ArrayList<>());
			int[] ports = { g, g, u, u };
			String[] paths = { writer, create, writer, create };
			for (int i = 0; i < 4; i++) {
				items(ports[i], paths[i], count);
			}
			for (int round = 0; round < rounds; round++) {
				for (int i = 0; i < 4; i++) {
					int variant = (round + i) % 4;
					rates.get(variant).add(items(ports[variant], paths[variant], count));
				}
			}
			return new Result(count, rounds, BenchServer.median(rates.get(0)), BenchServer.median(rates.get(1)),
					BenchServer.median(rates.get(2)), BenchServer.median(rates.get(3)));
		}
		finally {
			guarded.close();
			unguarded.close();
		}
	}

	private static double items(int port, String path, long count) throws IOException {
		// The same reader as the throughput benchmark; it fails if fewer bytes arrive.
		return ThroughputBenchmark.http(port, path, count * ITEM) / ITEM;
	}

	/**
	 * Items per second of each variant.
	 */
	public record Result(long count, int rounds, double guardedWriter, double guardedCreate, double unguardedWriter,
			double unguardedCreate) {

		public String report() {
			return String.format(java.util.Locale.ROOT,
					"writer-server items=%d rounds=%d guardedWriter=%.0f/s guardedCreate=%.0f/s unguardedWriter=%.0f/s"
							+ " unguardedCreate=%.0f/s writer/create guarded=%.3f unguarded=%.3f"
							+ " writer guarded/unguarded=%.3f",
					this.count, this.rounds, this.guardedWriter, this.guardedCreate, this.unguardedWriter,
					this.unguardedCreate, this.guardedWriter / this.guardedCreate,
					this.unguardedWriter / this.unguardedCreate, this.guardedWriter / this.unguardedWriter);
		}

	}

}
