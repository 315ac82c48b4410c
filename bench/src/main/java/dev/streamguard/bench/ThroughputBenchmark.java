package dev.streamguard.bench;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import org.springframework.context.ConfigurableApplicationContext;

/**
 * Single-stream throughput over loopback, side by side in one run: the guarded endpoint, the
 * same endpoint with StreamGuard off, and a raw TCP sender writing the same chunk (the practical
 * limit). Rounds rotate the order; the report gives medians and ratios.
 */
public final class ThroughputBenchmark {

	private ThroughputBenchmark() {
	}

	public static void main(String[] args) throws Exception {
		long size = (args.length > 0) ? Long.parseLong(args[0]) : 8L * 1024 * 1024 * 1024;
		int rounds = (args.length > 1) ? Integer.parseInt(args[1]) : 3;
		Result result = run(size, rounds);
		System.out.println(result.report());
	}

	/**
	 * Run the benchmark.
	 * @param size bytes per stream
	 * @param rounds rounds of the three variants
	 * @return the medians in bytes per second
	 */
	public static Result run(long size, int rounds) throws Exception {
		ConfigurableApplicationContext guarded = BenchServer.start(true);
		ConfigurableApplicationContext unguarded = BenchServer.start(false);
		try (RawSender raw = new RawSender(size)) {
			List<Double> guardedRates = new ArrayList<>();
			List<Double> unguardedRates = new ArrayList<>();
			List<Double> rawRates = new ArrayList<>();
			String path = "/bench/bulk?size=" + size;
			// One warm-up pass of each, not counted.
			http(BenchServer.port(guarded), path, size);
			http(BenchServer.port(unguarded), path, size);
			raw.read();
			for (int round = 0; round < rounds; round++) {
				for (int i = 0; i < 3; i++) {
					switch ((round + i) % 3) {
						case 0 -> guardedRates.add(http(BenchServer.port(guarded), path, size));
						case 1 -> unguardedRates.add(http(BenchServer.port(unguarded), path, size));
						default -> rawRates.add(raw.read());
					}
				}
			}
			return new Result(size, rounds, BenchServer.median(guardedRates), BenchServer.median(unguardedRates), BenchServer.median(rawRates));
		}
		finally {
			guarded.close();
			unguarded.close();
		}
	}

	static double http(int port, String path, long size) throws IOException {
		try (SocketChannel channel = SocketChannel.open(new InetSocketAddress("127.0.0.1", port))) {
			channel.write(ByteBuffer.wrap(("GET " + path + " HTTP/1.1\r\nHost: bench\r\nConnection: close\r\n\r\n")
				.getBytes(StandardCharsets.US_ASCII)));
			return drain(channel, size);
		}
	}

	private static double drain(SocketChannel channel, long size) throws IOException {
		ByteBuffer buffer = ByteBuffer.allocateDirect(1024 * 1024);
		long start = System.nanoTime();
		long received = 0;
		for (int n; (n = channel.read(buffer)) >= 0;) {
			received += n;
			buffer.clear();
		}
		long nanos = System.nanoTime() - start;
		if (received < size) {
			throw new IOException("Received " + received + " of " + size + " bytes");
		}
		return received * 1e9 / nanos;
	}

	/**
	 * A plain socket server that writes {@code size} bytes of the same chunk to each client.
	 */
	static final class RawSender implements AutoCloseable {

		private final ServerSocket server;

		private final long size;

		private final Thread thread;

		RawSender(long size) throws IOException {
			this.size = size;
			this.server = new ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress());
			this.thread = new Thread(this::serve, "raw-sender");
			this.thread.setDaemon(true);
			this.thread.start();
		}

		private void serve() {
			byte[] chunk = new byte[BenchServer.CHUNK];
			while (!this.server.isClosed()) {
				try (Socket socket = this.server.accept(); OutputStream out = socket.getOutputStream()) {
					for (long sent = 0; sent < this.size;) {
						int length = (int) Math.min(chunk.length, this.size - sent);
						out.write(chunk, 0, length);
						sent += length;
					}
				}
				catch (IOException ex) {
					// Closed, or the reader went away.
				}
			}
		}

		double read() throws IOException {
			try (SocketChannel channel = SocketChannel
				.open(new InetSocketAddress("127.0.0.1", this.server.getLocalPort()))) {
				return drain(channel, this.size);
			}
		}

		@Override
		public void close() throws IOException {
			this.server.close();
		}

	}

	/**
	 * Medians in bytes per second.
	 *
	 * @param size bytes per stream
	 * @param rounds rounds run
	 * @param guarded the guarded endpoint
	 * @param unguarded the same endpoint without StreamGuard
	 * @param raw the raw TCP sender
	 */
	public record Result(long size, int rounds, double guarded, double unguarded, double raw) {

		public double guardedToUnguarded() {
			return this.guarded / this.unguarded;
		}

		public double guardedToRaw() {
			return this.guarded / this.raw;
		}

		public String report() {
			return String.format(Locale.ROOT,
					"throughput size=%d rounds=%d guarded=%.1fMB/s unguarded=%.1fMB/s raw=%.1fMB/s "
							+ "guarded/unguarded=%.3f guarded/raw=%.3f",
					this.size, this.rounds, this.guarded / 1e6, this.unguarded / 1e6, this.raw / 1e6,
					guardedToUnguarded(), guardedToRaw());
		}

	}

}
