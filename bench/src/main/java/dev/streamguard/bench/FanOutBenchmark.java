package dev.streamguard.bench;

import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import org.springframework.context.ConfigurableApplicationContext;

/**
 * SSE fan-out: N streams of one event a second from one server. Heap per stream is measured in
 * the server's JVM after GC, guarded minus unguarded; latency comes from the clients' process.
 * <p>
 * Each variant runs in a server JVM of its own, with this JVM's options. Its CPU is measured
 * once every stream is live, after half the window's length of warm-up and after the heap was
 * measured, so that neither the requests' set-up nor the forced collections of the heap
 * measurement fall in its window: it is what serving the streams costs. Allocation per event
 * is measured in the same window, and the CPU is split by thread. With several rounds the
 * variants alternate which runs first; the report gives each round's CPU ratio and their
 * median.
 */
public final class FanOutBenchmark {

	/** The longest the clients read beyond the CPU window (connect, settle, heap) unless stopped. */
	private static final int CLIENT_EXTRA_SECONDS = 120;

	private static final long SETTLE_MILLIS = 3000;

	private static final String VARIANT = "--variant";

	/** Kinds of Java threads whose CPU is told apart: event loops, Reactor's parallel workers, the rest. */
	private static final int THREAD_KINDS = 3;

	private FanOutBenchmark() {
	}

	public static void main(String[] args) throws Exception {
		if (args.length > 0 && args[0].equals(VARIANT)) {
			Variant variant = measureHere(Boolean.parseBoolean(args[1]), Integer.parseInt(args[2]),
					Integer.parseInt(args[3]));
			System.out.println(VARIANT + " " + variant.heapPerStream() + " " + variant.p50() + " " + variant.p99() + " "
					+ variant.cpu() + " " + variant.allocatedPerEvent() + " " + variant.cpuSplit()[0] + " "
					+ variant.cpuSplit()[1] + " " + variant.cpuSplit()[2] + " " + variant.cpuSplit()[3]);
			return;
		}
		int clients = (args.length > 0) ? Integer.parseInt(args[0]) : 10_000;
		int seconds = (args.length > 1) ? Integer.parseInt(args[1]) : 30;
		int rounds = (args.length > 2) ? Integer.parseInt(args[2]) : 1;
		List<Result> results = run(clients, seconds, rounds);
		for (Result result : results) {
			System.out.println(result.report());
		}
		System.out.println(summary(results));
	}

	public static Result run(int clients, int seconds) throws Exception {
		return run(clients, seconds, 1).get(0);
	}

	/**
	 * Run both variants the given number of times, alternating which runs first.
	 * @param clients streams
	 * @param seconds the CPU window
	 * @param rounds how many times
	 * @return one result per round
	 */
	public static List<Result> run(int clients, int seconds, int rounds) throws Exception {
		List<Result> results = new ArrayList<>();
		for (int round = 0; round < rounds; round++) {
			Variant unguarded;
			Variant guarded;
			if (round % 2 == 0) {
				unguarded = measure(false, clients, seconds);
				guarded = measure(true, clients, seconds);
			}
			else {
				guarded = measure(true, clients, seconds);
				unguarded = measure(false, clients, seconds);
			}
			results.add(new Result(clients, seconds, guarded, unguarded));
		}
		return results;
	}

	/**
	 * Return the line that sums the rounds up: each round's CPU ratio and their median, and
	 * the median allocation per event of each variant.
	 */
	static String summary(List<Result> results) {
		List<Double> ratios = results.stream().map(Result::cpuRatio).toList();
		return String.format(Locale.ROOT,
				"fan-out-cpu clients=%d seconds=%d rounds=%d guarded/unguarded=%s median=%.3f "
						+ "alloc-per-event guarded=%.0fB unguarded=%.0fB",
				results.get(0).clients(), results.get(0).seconds(), results.size(),
				ratios.stream().map((ratio) -> String.format(Locale.ROOT, "%.3f", ratio)).collect(Collectors.joining(",")),
				BenchServer.median(ratios),
				BenchServer.median(results.stream().map((result) -> result.guarded().allocatedPerEvent()).toList()),
				BenchServer.median(results.stream().map((result) -> result.unguarded().allocatedPerEvent()).toList()));
	}

	/**
	 * Measure a variant in a JVM of its own, started with this one's JVM options: one process
	 * for both variants measures the second with the JIT's and the heap's state left by the
	 * first, which moved the ratio by half between runs.
	 */
	private static Variant measure(boolean guard, int clients, int seconds) throws Exception {
		List<String> command = new ArrayList<>();
		command.add(ProcessHandle.current().info().command().orElse("java"));
		command.addAll(ManagementFactory.getRuntimeMXBean().getInputArguments());
		command.addAll(List.of("-cp", System.getProperty("java.class.path"), FanOutBenchmark.class.getName(), VARIANT,
				Boolean.toString(guard), Integer.toString(clients), Integer.toString(seconds)));
		Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
		List<String> output = new ArrayList<>();
		String figures = null;
		try (java.io.BufferedReader lines = new java.io.BufferedReader(
				new java.io.InputStreamReader(process.getInputStream(), java.nio.charset.StandardCharsets.UTF_8))) {
			String line;
			while ((line = lines.readLine()) != null) {
				if (line.startsWith(VARIANT + " ")) {
					figures = line;
				}
				else if (output.size() < 50) {
					output.add(line);
				}
			}
		}
		finally {
			if (!process.waitFor(60, TimeUnit.SECONDS)) {
				process.destroyForcibly();
			}
		}
		if (figures == null) {
			throw new IllegalStateException("The " + (guard ? "guarded" : "unguarded") + " server measured nothing:\n"
					+ String.join("\n", output));
		}
		String[] values = figures.split(" ");
		double[] split = { Double.parseDouble(values[6]), Double.parseDouble(values[7]), Double.parseDouble(values[8]),
				Double.parseDouble(values[9]) };
		return new Variant(Double.parseDouble(values[1]), Long.parseLong(values[2]), Long.parseLong(values[3]),
				Double.parseDouble(values[4]), Double.parseDouble(values[5]), split);
	}

	private static Variant measureHere(boolean guard, int clients, int seconds) throws Exception {
		ConfigurableApplicationContext server = BenchServer.start(guard, "streamguard.max-streams=0");
		try {
			long idle = usedHeapAfterGc();
			FanOutClients.Running running = FanOutClients.start(BenchServer.port(server), clients,
					seconds + CLIENT_EXTRA_SECONDS);
			try {
				return measure(server, idle, running, clients, seconds);
			}
			finally {
				running.process().destroy();
			}
		}
		finally {
			server.close();
		}
	}

	private static Variant measure(ConfigurableApplicationContext server, long idle, FanOutClients.Running running,
			int clients, int seconds) throws Exception {
		BenchServer.Streams streams = server.getBean(BenchServer.Streams.class);
		long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
		while (streams.liveTicks.get() < clients && System.nanoTime() < deadline) {
			TimeUnit.MILLISECONDS.sleep(100);
		}
		int live = streams.liveTicks.get();
		if (live < clients) {
			throw new IllegalStateException("Only " + live + " of " + clients + " streams went live");
		}
		// Warm-up: the JIT compiles the paths the streams take.
		TimeUnit.MILLISECONDS.sleep(seconds * 500L);
		long loaded = usedHeapAfterGc();
		TimeUnit.MILLISECONDS.sleep(Math.min(SETTLE_MILLIS, seconds * 500L));
		long cpuStart = BenchServer.processCpuNanos();
		long[] threadsStart = threadCpuNanos();
		long allocatedStart = allocatedBytes();
		long wallStart = System.nanoTime();
		TimeUnit.SECONDS.sleep(seconds);
		long wall = System.nanoTime() - wallStart;
		long processCpu = BenchServer.processCpuNanos() - cpuStart;
		long[] threads = threadCpuNanos();
		double[] split = new double[THREAD_KINDS + 1];
		long javaThreads = 0;
		for (int kind = 0; kind < THREAD_KINDS; kind++) {
			long used = threads[kind] - threadsStart[kind];
			split[kind] = used / (double) wall;
			javaThreads += used;
		}
		split[THREAD_KINDS] = (processCpu - javaThreads) / (double) wall;
		double cpu = processCpu / (double) wall;
		double events = clients * (wall / 1e9);
		double allocatedPerEvent = (allocatedBytes() - allocatedStart) / events;
		if (streams.liveTicks.get() < clients) {
			throw new IllegalStateException("Streams ended during the window: " + streams.liveTicks.get() + " of "
					+ clients + " left");
		}
		String latency = running.stop();
		return new Variant((loaded - idle) / (double) clients, value(latency, "p50="), value(latency, "p99="),
				cpu, allocatedPerEvent, split);
	}

	/**
	 * Return the CPU time of this process's Java threads so far, by kind: event loops (which
	 * write), Reactor's parallel workers (which emit the events), every other Java thread.
	 * Threads that ended meanwhile are not counted; none of these end during a window.
	 */
	private static long[] threadCpuNanos() {
		java.lang.management.ThreadMXBean threads = ManagementFactory.getThreadMXBean();
		long[] used = new long[THREAD_KINDS];
		for (java.lang.management.ThreadInfo info : threads.getThreadInfo(threads.getAllThreadIds())) {
			if (info == null) {
				continue;
			}
			long cpu = threads.getThreadCpuTime(info.getThreadId());
			if (cpu < 0) {
				continue;
			}
			String name = info.getThreadName();
			int kind = (name.startsWith("reactor-http-")) ? 0 : name.startsWith("parallel-") ? 1 : 2;
			used[kind] += cpu;
		}
		return used;
	}

	private static long allocatedBytes() {
		return ((com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean()).getTotalThreadAllocatedBytes();
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
	 * @param p50 median delivery latency, ms, over the clients' whole run
	 * @param p99 99th percentile delivery latency, ms, over the clients' whole run
	 * @param cpu server process CPU, in cores, while every stream was live
	 * @param allocatedPerEvent bytes the server allocated per event in that window
	 * @param cpuSplit that CPU by thread, in cores: event loops, Reactor's parallel workers (the
	 * events' producers), other Java threads, and the JVM's own (GC, JIT)
	 */
	public record Variant(double heapPerStream, long p50, long p99, double cpu, double allocatedPerEvent,
			double[] cpuSplit) {

		String split() {
			return String.format(Locale.ROOT, "loops=%.3f producers=%.3f other=%.3f jvm=%.3f", this.cpuSplit[0],
					this.cpuSplit[1], this.cpuSplit[2], this.cpuSplit[3]);
		}

	}

	/**
	 * Both variants.
	 *
	 * @param clients streams
	 * @param seconds how long the CPU window was
	 * @param guarded with the guard
	 * @param unguarded without it
	 */
	public record Result(int clients, int seconds, Variant guarded, Variant unguarded) {

		public double guardOverheadPerStream() {
			return this.guarded.heapPerStream() - this.unguarded.heapPerStream();
		}

		/** Server CPU guarded over unguarded. */
		public double cpuRatio() {
			return this.guarded.cpu() / this.unguarded.cpu();
		}

		public String report() {
			return String.format(Locale.ROOT,
					"fan-out clients=%d seconds=%d heapPerStream guarded=%.0fB unguarded=%.0fB guardOverhead=%.0fB "
							+ "p50 guarded=%dms unguarded=%dms p99 guarded=%dms unguarded=%dms cpu guarded=%.3f unguarded=%.3f cores "
							+ "alloc-per-event guarded=%.0fB unguarded=%.0fB cpu-split guarded %s unguarded %s",
					this.clients, this.seconds, this.guarded.heapPerStream(), this.unguarded.heapPerStream(),
					guardOverheadPerStream(), this.guarded.p50(), this.unguarded.p50(), this.guarded.p99(),
					this.unguarded.p99(), this.guarded.cpu(), this.unguarded.cpu(), this.guarded.allocatedPerEvent(),
					this.unguarded.allocatedPerEvent(), this.guarded.split(), this.unguarded.split());
		}

	}

}
