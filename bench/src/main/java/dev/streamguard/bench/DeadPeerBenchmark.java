package dev.streamguard.bench;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

import dev.streamguard.test.NetNs;

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
		Variant guarded = measure(peers, wait, "streamguard.transport.user-timeout=2s");
		Variant unguarded = measure(peers, wait, "streamguard.transport.user-timeout=0",
				"streamguard.transport.keepalive.enabled=false");
		return new Result(peers, wait, guarded, unguarded);
	}

	private static Variant measure(int peers, Duration wait, String... transport) throws Exception {
		try (NetNs ns = NetNs.createOrSkip()) {
			List<String> properties = new ArrayList<>(List.of(transport));
			properties.add("server.address=" + ns.hostAddress());
			properties.add("streamguard.heartbeat.interval=0");
			ConfigurableApplicationContext server = BenchServer.start(true, properties.toArray(String[]::new));
			try {
				BenchServer.Streams streams = server.getBean(BenchServer.Streams.class);
				String url = "http://" + ns.hostAddress() + ":" + BenchServer.port(server) + "/bench/bulk?size="
						+ Long.MAX_VALUE / 2;
				for (int i = 0; i < peers; i++) {
					ns.start("curl", "-sN", "--max-time", "300", "-o", "/dev/null", url);
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
				return new Variant(releases);
			}
			finally {
				server.close();
			}
		}
	}

	/**
	 * Release times after the cut, in milliseconds, of the streams released within the wait.
	 *
	 * @param releases the sorted release times
	 */
	public record Variant(List<Long> releases) {

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
