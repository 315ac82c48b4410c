package dev.streamguard.bench;

import java.lang.management.ManagementFactory;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

import org.springframework.context.ConfigurableApplicationContext;

/**
 * SSE fan-out: N streams of one event a second from one server. Heap per stream is measured in
 * the server's JVM after GC, guarded minus unguarded; latency comes from the clients' process.
 */
public final class FanOutBenchmark {

	private FanOutBenchmark() {
	}

	public static void main(String[] args) throws Exception {
		int clients = (args.length > 0) ? Integer.parseInt(args[0]) : 10_000;
		int seconds = (args.length > 1) ? Integer.parseInt(args[1]) : 30;
		System.out.println(run(clients, seconds).report());
	}

	public static Result run(int clients, int seconds) throws Exception {
		Variant unguarded = measure(false, clients, seconds);
		Variant guarded = measure(true, clients, seconds);
		return new Result(clients, seconds, guarded, unguarded);
	}

	private static Variant measure(boolean guard, int clients, int seconds) throws Exception {
		ConfigurableApplicationContext server = BenchServer.start(guard, "streamguard.max-streams=0");
		try {
			long idle = usedHeapAfterGc();
			FanOutClients.Running running = FanOutClients.start(BenchServer.port(server), clients, seconds);
			long cpuStart = BenchServer.processCpuNanos();
			long wallStart = System.nanoTime();
			TimeUnit.SECONDS.sleep(Math.max(2, seconds / 2));
			long loaded = usedHeapAfterGc();
			String latency = running.await();
			double cpu = (BenchServer.processCpuNanos() - cpuStart) / (double) (System.nanoTime() - wallStart);
			return new Variant((loaded - idle) / (double) clients, value(latency, "p50="), value(latency, "p99="),
					cpu);
		}
		finally {
			server.close();
		}
	}

	private static long value(String line, String key) {
		if (line == null) {
			return -1;
		}
		int at = line.indexOf(key) + key.length();
		int end = line.indexOf(' ', at);
		return Long.parseLong(line.substring(at, (end < 0) ? line.length() : end));
	}

	static long usedHeapAfterGc() throws InterruptedException {
		for (int i = 0; i < 3; i++) {
			System.gc();
			TimeUnit.MILLISECONDS.sleep(200);
		}
		return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
	}

	/**
	 * One variant's figures.
	 *
	 * @param heapPerStream server heap per live stream, bytes
	 * @param p50 median delivery latency, ms
	 * @param p99 99th percentile delivery latency, ms
	 * @param cpu server process CPU, in cores
	 */
	public record Variant(double heapPerStream, long p50, long p99, double cpu) {
	}

	/**
	 * Both variants.
	 *
	 * @param clients streams
	 * @param seconds how long they ran
	 * @param guarded with the guard
	 * @param unguarded without it
	 */
	public record Result(int clients, int seconds, Variant guarded, Variant unguarded) {

		public double guardOverheadPerStream() {
			return this.guarded.heapPerStream() - this.unguarded.heapPerStream();
		}

		public String report() {
			return String.format(Locale.ROOT,
					"fan-out clients=%d seconds=%d heapPerStream guarded=%.0fB unguarded=%.0fB guardOverhead=%.0fB "
							+ "p50 guarded=%dms unguarded=%dms p99 guarded=%dms unguarded=%dms cpu guarded=%.2f unguarded=%.2f cores",
					this.clients, this.seconds, this.guarded.heapPerStream(), this.unguarded.heapPerStream(),
					guardOverheadPerStream(), this.guarded.p50(), this.unguarded.p50(), this.guarded.p99(),
					this.unguarded.p99(), this.guarded.cpu(), this.unguarded.cpu());
		}

	}

}
