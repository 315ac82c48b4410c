package dev.streamguard.bench;

import java.util.Locale;
import java.util.concurrent.TimeUnit;

import dev.streamguard.stream.StreamRegistry;

import org.springframework.context.ConfigurableApplicationContext;

/**
 * SSE fan-out over HTTP/2: {@code h2load} opens N streams of one event a second over C
 * connections (N / C concurrent streams on each, h2c with prior knowledge), every stream ending
 * by itself after a bounded number of events; the same N streams over HTTP/1.1 (one connection
 * each) for comparison; guarded and unguarded. Heap per stream is measured in the server's JVM
 * after GC while every stream is live, CPU from the moment all are live to the clients' end, and
 * the events delivered from the body bytes {@code h2load} received.
 *
 * @since 0.2.0
 */
public final class Http2FanOutBenchmark {

	private static final int WARM_UP_EVENTS = 2;

	private Http2FanOutBenchmark() {
	}

	public static void main(String[] args) throws Exception {
		int streams = (args.length > 0) ? Integer.parseInt(args[0]) : 1000;
		int connections = (args.length > 1) ? Integer.parseInt(args[1]) : 10;
		int seconds = (args.length > 2) ? Integer.parseInt(args[2]) : 20;
		System.out.println(run(streams, connections, seconds).report());
	}

	/**
	 * Run the benchmark.
	 * @param streams streams in all
	 * @param connections HTTP/2 connections they share; at most 100 streams each, the
	 * concurrent streams Reactor Netty's server allows by default
	 * @param seconds events per stream, one a second
	 * @return the figures of the four variants
	 */
	public static Result run(int streams, int connections, int seconds) throws Exception {
		if (streams % connections != 0 || streams / connections > 100) {
			throw new IllegalArgumentException("streams must be a multiple of connections, at most 100 per connection: "
					+ streams + " streams over " + connections + " connections");
		}
		String problem = H2Load.problem();
		if (problem != null) {
			throw new IllegalStateException(problem);
		}
		Variant[] unguarded = measure(false, streams, connections, seconds);
		Variant[] guarded = measure(true, streams, connections, seconds);
		return new Result(streams, connections, seconds, guarded[0], unguarded[0], guarded[1], unguarded[1]);
	}

	/** Return the figures over h2 and over HTTP/1.1 of one server, in that order. */
	private static Variant[] measure(boolean guard, int streams, int connections, int seconds) throws Exception {
		ConfigurableApplicationContext server = BenchServer.start(guard, BenchServer.HTTP2, "streamguard.max-streams=0");
		try {
			// An uncounted pass first: what the first streams of a server create once (JIT, class-level
			// caches, pools) would otherwise be billed to the first variant measured, as heap and CPU.
			H2Load.run(60, h2load(true, streams, connections, url(server, WARM_UP_EVENTS)));
			H2Load.run(60, h2load(false, streams, connections, url(server, WARM_UP_EVENTS)));
			return new Variant[] { measure(server, true, streams, connections, seconds),
					measure(server, false, streams, connections, seconds) };
		}
		finally {
			server.close();
		}
	}

	private static Variant measure(ConfigurableApplicationContext server, boolean h2, int streams, int connections,
			int seconds) throws Exception {
		BenchServer.Streams source = server.getBean(BenchServer.Streams.class);
		long sentBefore = source.eventsSent.get();
		long idle = FanOutBenchmark.usedHeapAfterGc();
		long start = System.nanoTime();
		Process clients = H2Load.start(h2load(h2, streams, connections, url(server, seconds)));
		long allLiveBy = start + TimeUnit.SECONDS.toNanos(Math.max(1, seconds / 2));
		while (source.liveEvents.get() < streams && System.nanoTime() < allLiveBy && clients.isAlive()) {
			TimeUnit.MILLISECONDS.sleep(10);
		}
		long rampNanos = System.nanoTime() - start;
		int live = source.liveEvents.get();
		long cpuStart = BenchServer.processCpuNanos();
		long wallStart = System.nanoTime();
		// Heap in the middle of the streams' lives.
		long middle = start + TimeUnit.SECONDS.toNanos(seconds) / 2 - System.nanoTime();
		if (middle > 0) {
			TimeUnit.NANOSECONDS.sleep(middle);
		}
		long loaded = FanOutBenchmark.usedHeapAfterGc();
		int registered = server.getBeanProvider(StreamRegistry.class).stream().mapToInt(StreamRegistry::size).sum();
		H2Load.Summary summary = H2Load.await(clients, seconds + 60L);
		double cpu = (BenchServer.processCpuNanos() - cpuStart) / (double) (System.nanoTime() - wallStart);
		return new Variant(live, registered, TimeUnit.NANOSECONDS.toMillis(rampNanos), summary.succeeded(),
				summary.dataBytes() / BenchServer.EVENT_BYTES, source.eventsSent.get() - sentBefore,
				(loaded - idle) / (double) streams, cpu, summary.maxRequestSeconds());
	}

	private static String url(ConfigurableApplicationContext server, int events) {
		return "http://127.0.0.1:" + BenchServer.port(server) + "/bench/events?count=" + events;
	}

	/** Return the arguments of {@code h2load}: over h2, all streams at once on the connections; over HTTP/1.1, a connection each. */
	private static String[] h2load(boolean h2, int streams, int connections, String url) {
		return h2 ? new String[] { "-c", Integer.toString(connections), "-m", Integer.toString(streams / connections),
				"-n", Integer.toString(streams), url }
				: new String[] { "--h1", "-c", Integer.toString(streams), "-m", "1", "-n", Integer.toString(streams), url };
	}

	/**
	 * One variant's figures.
	 *
	 * @param live streams live at once, at most all of them
	 * @param registered streams the guard held in the middle of their lives (0 without it)
	 * @param rampMillis from the clients' start until every stream was live (or the limit)
	 * @param succeeded streams that ended with their last event
	 * @param delivered events the clients received, from the body bytes
	 * @param sent events the server emitted
	 * @param heapPerStream server heap per live stream, bytes
	 * @param cpu server process CPU, in cores
	 * @param longestSeconds the longest stream, from request to end
	 */
	public record Variant(int live, int registered, long rampMillis, long succeeded, long delivered, long sent, double heapPerStream,
			double cpu, double longestSeconds) {

		String describe(long expected) {
			return String.format(Locale.ROOT,
					"live=%d registered=%d ramp=%dms succeeded=%d delivered=%d/%d heapPerStream=%.0fB cpu=%.2f cores longest=%.1fs",
					this.live, this.registered, this.rampMillis, this.succeeded, this.delivered, expected, this.heapPerStream, this.cpu,
					this.longestSeconds);
		}

	}

	/**
	 * The four variants.
	 *
	 * @param streams streams in all
	 * @param connections HTTP/2 connections
	 * @param seconds events per stream
	 * @param h2Guarded over HTTP/2 with the guard
	 * @param h2Unguarded over HTTP/2 without it
	 * @param h1Guarded over HTTP/1.1, one connection per stream, with the guard
	 * @param h1Unguarded over HTTP/1.1 without it
	 */
	public record Result(int streams, int connections, int seconds, Variant h2Guarded, Variant h2Unguarded,
			Variant h1Guarded, Variant h1Unguarded) {

		public String report() {
			long expected = (long) this.streams * this.seconds;
			return String.format(Locale.ROOT,
					"h2-fan-out streams=%d connections=%d seconds=%d guardOverhead h2=%.0fB h1=%.0fB | "
							+ "h2 guarded: %s | h2 unguarded: %s | h1 guarded: %s | h1 unguarded: %s",
					this.streams, this.connections, this.seconds,
					this.h2Guarded.heapPerStream() - this.h2Unguarded.heapPerStream(),
					this.h1Guarded.heapPerStream() - this.h1Unguarded.heapPerStream(), this.h2Guarded.describe(expected),
					this.h2Unguarded.describe(expected), this.h1Guarded.describe(expected),
					this.h1Unguarded.describe(expected));
		}

	}

}
