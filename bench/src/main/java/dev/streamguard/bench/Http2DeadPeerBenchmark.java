package dev.streamguard.bench;

import java.time.Duration;
import java.util.List;
import java.util.Locale;

import org.jspecify.annotations.Nullable;

/**
 * Dead-peer release over HTTP/2: N {@code curl --http2-prior-knowledge} clients in a network
 * namespace, each on a connection of its own with a bulk stream being written, then their link
 * goes down (no FIN, no RST, no GOAWAY). Time from the cut to the release of each stream's
 * upstream, and what the server still holds at the end of the wait: guarded (user timeout
 * 2 s), a plain server ({@code streamguard.enabled=false}), and the guarded server's HTTP/1.1
 * streams for comparison. Needs root, iproute2 and curl.
 *
 * @since 0.2.0
 */
public final class Http2DeadPeerBenchmark {

	private static final List<String> H2C = List.of("--http2-prior-knowledge");

	private Http2DeadPeerBenchmark() {
	}

	public static void main(String[] args) throws Exception {
		int peers = (args.length > 0) ? Integer.parseInt(args[0]) : 50;
		int waitSeconds = (args.length > 1) ? Integer.parseInt(args[1]) : 20;
		System.out.println(run(peers, Duration.ofSeconds(waitSeconds)).report());
	}

	public static Result run(int peers, Duration wait) throws Exception {
		return run(peers, wait, true);
	}

	/**
	 * Run the benchmark.
	 * @param peers silent peers, one connection each
	 * @param wait how long releases are waited for after the cut
	 * @param compareHttp1 whether to measure the guarded server's HTTP/1.1 streams too
	 * @return the releases; {@code h1Guarded} is {@code null} without the comparison
	 */
	public static Result run(int peers, Duration wait, boolean compareHttp1) throws Exception {
		String userTimeout = "streamguard.transport.user-timeout=2s";
		DeadPeerBenchmark.Variant h2Guarded = DeadPeerBenchmark.measure(peers, wait, true, H2C, BenchServer.HTTP2,
				userTimeout);
		DeadPeerBenchmark.Variant h2Unguarded = DeadPeerBenchmark.measure(peers, wait, false, H2C, BenchServer.HTTP2,
				// Without the guard's drain, a graceful shutdown would wait for the stuck streams.
				"server.shutdown=immediate");
		DeadPeerBenchmark.Variant h1Guarded = compareHttp1
				? DeadPeerBenchmark.measure(peers, wait, true, List.of(), BenchServer.HTTP2, userTimeout) : null;
		return new Result(peers, wait, h2Guarded, h2Unguarded, h1Guarded);
	}

	private static String held(DeadPeerBenchmark.Variant variant) {
		return String.format(Locale.ROOT, "held: live=%d heap=%.1fMB direct=%.1fMB kernelSendQueue=%.1fMB",
				variant.live(), variant.heapHeld() / 1e6, variant.directHeld() / 1e6, variant.sendQueued() / 1e6);
	}

	/**
	 * The three variants.
	 *
	 * @param peers silent peers
	 * @param waited how long releases were waited for
	 * @param h2Guarded h2c streams with the transport options
	 * @param h2Unguarded h2c streams of a plain server
	 * @param h1Guarded HTTP/1.1 streams of the guarded server, or {@code null} when not compared
	 */
	public record Result(int peers, Duration waited, DeadPeerBenchmark.Variant h2Guarded,
			DeadPeerBenchmark.Variant h2Unguarded, DeadPeerBenchmark.@Nullable Variant h1Guarded) {

		public String report() {
			return "h2-dead-peer peers=" + this.peers + " h2 guarded: " + this.h2Guarded.describe(this.peers, this.waited)
					+ " " + held(this.h2Guarded) + " | h2 unguarded: "
					+ this.h2Unguarded.describe(this.peers, this.waited) + " " + held(this.h2Unguarded)
					+ ((this.h1Guarded != null) ? " | h1 guarded: " + this.h1Guarded.describe(this.peers, this.waited)
							+ " " + held(this.h1Guarded) : "");
		}

	}

}
