package dev.streamguard.bench;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

import dev.streamguard.test.NetNs;
import dev.streamguard.test.SendQueues;

import org.springframework.context.ConfigurableApplicationContext;

/**
 * Dead-peer release: N clients in a network namespace stream bulk bytes, then their link goes
 * down (no FIN, no RST). Time from the cut to the release of each stream's upstream, with the
 * transport options (user timeout 2 s) and without them. Needs root and iproute2.
 */
public final class DeadPeerBenchmark {

	private DeadPeerBenchmark() {
	}

	public static void main(String[] args) throws Exception {
		int peers = (args.length > 0) ? Integer.parseInt(args[0]) : 50;
		int waitSeconds = (args.length > 1) ? Integer.parseInt(args[1]) : 20;
		System.out.println(run(peers, Duration.ofSeconds(waitSeconds)).report());
	}

	public static Result run(int peers, Duration wait) throws Exception {
		Variant guarded = measure(peers, wait, true, List.of(), "streamguard.transport.user-timeout=2s");
		Variant unguarded = measure(peers, wait, true, List.of(), "streamguard.transport.user-timeout=0",
				"streamguard.transport.keepalive.enabled=false");
		return new Result(peers, wait, guarded, unguarded);
	}

	/**
	 * Measure one variant.
	 * @param peers clients, one connection and one stream each
	 * @param wait how long releases are waited for after the cut
	 * @param guard whether StreamGuard is on
	 * @param curlOptions more options of each client, such as {@code --http2-prior-knowledge}
	 * @param settings more properties of the server
	 * @return the releases and what the server still held at the end
	 */
	static Variant measure(int peers, Duration wait, boolean guard, List<String> curlOptions, String... settings)
			throws Exception {
		try (NetNs ns = NetNs.createOrSkip()) {
			List<String> properties = new ArrayList<>(List.of(settings));
			properties.add("server.address=" + ns.hostAddress());
			properties.add("streamguard.heartbeat.interval=0");
			ConfigurableApplicationContext server = BenchServer.start(guard, properties.toArray(String[]::new));
			try {
				BenchServer.Streams streams = server.getBean(BenchServer.Streams.class);
				String url = "http://" + ns.hostAddress() + ":" + BenchServer.port(server) + "/bench/bulk?size="
						+ Long.MAX_VALUE / 2;
				long heapBefore = FanOutBenchmark.usedHeapAfterGc();
				long directBefore = SlowReaderBenchmark.usedDirectMemory();
				List<String> curl = new ArrayList<>(List.of("curl", "-sN", "--max-time", "300", "-o", "/dev/null"));
				curl.addAll(curlOptions);
				curl.add(url);
				for (int i = 0; i < peers; i++) {
					ns.start(curl.toArray(String[]::new));
				}
				// Let every stream flow for a moment.
				TimeUnit.SECONDS.sleep(3);
				ns.cut();
				long cut = System.nanoTime();
				long until = cut + wait.toNanos();
				while (streams.finished.size() < peers && System.nanoTime() < until) {
					TimeUnit.MILLISECONDS.sleep(50);
				}
				List<Long> releases = new ArrayList<>();
				for (Long at : streams.finished) {
					releases.add(TimeUnit.NANOSECONDS.toMillis(at - cut));
				}
				Collections.sort(releases);
				// What is held once the releases have had a moment to close their connections.
				TimeUnit.SECONDS.sleep(1);
				int live = peers - streams.finished.size();
				return new Variant(releases, live, FanOutBenchmark.usedHeapAfterGc() - heapBefore,
						SlowReaderBenchmark.usedDirectMemory() - directBefore,
						SendQueues.queuedFrom(ns.hostAddress(), BenchServer.port(server)));
			}
			finally {
				server.close();
			}
		}
	}

	/**
	 * Release times after the cut, in milliseconds, of the streams released within the wait,
	 * and what the server still held a second after the last release or the end of the wait.
	 *
	 * @param releases the sorted release times
	 * @param live streams not released within the wait
	 * @param heapHeld server heap after GC over what it used before the clients came, bytes
	 * @param directHeld Netty direct memory over what it used before the clients came, bytes
	 * @param sendQueued bytes in the kernel's send buffers of the server's own connections (its
	 * address and port), established or closed by it and still sending (FIN-WAIT-1)
	 */
	public record Variant(List<Long> releases, int live, long heapHeld, long directHeld, long sendQueued) {

		long percentile(double p) {
			return this.releases.isEmpty() ? -1
					: this.releases.get(Math.min(this.releases.size() - 1, (int) (this.releases.size() * p)));
		}

		String describe(int peers, Duration wait) {
			if (this.releases.size() < peers) {
				return String.format(Locale.ROOT, "%d of %d not released within %d s", peers - this.releases.size(),
						peers, wait.toSeconds());
			}
			return String.format(Locale.ROOT, "p50=%dms p99=%dms max=%dms", percentile(0.5), percentile(0.99),
					this.releases.get(this.releases.size() - 1));
		}

	}

	/**
	 * Both variants.
	 *
	 * @param peers silent peers
	 * @param waited how long releases were waited for
	 * @param guarded with the transport options
	 * @param unguarded without them
	 */
	public record Result(int peers, Duration waited, Variant guarded, Variant unguarded) {

		public String report() {
			return "dead-peer peers=" + this.peers + " guarded: " + this.guarded.describe(this.peers, this.waited)
					+ " | unguarded: " + this.unguarded.describe(this.peers, this.waited);
		}

	}

}
