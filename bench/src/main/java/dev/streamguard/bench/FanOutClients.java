package dev.streamguard.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

import org.jspecify.annotations.Nullable;

/**
 * The clients of the fan-out benchmark, in a process of their own: N SSE connections read by one
 * selector; each event's data is the server's send time, so the delivery latency is measured on
 * the same clock.
 */
public final class FanOutClients {

	private FanOutClients() {
	}

	/**
	 * Start the clients in a process of their own, and return once they are all connected.
	 * @param port the server's port
	 * @param clients how many SSE connections
	 * @param seconds how long they read
	 * @return the running clients
	 */
	static Running start(int port, int clients, int seconds) throws IOException {
		Process process = new ProcessBuilder(ProcessHandle.current().info().command().orElse("java"), "-Xmx512m",
				"-cp", System.getProperty("java.class.path"), FanOutClients.class.getName(), Integer.toString(port),
				Integer.toString(clients), Integer.toString(seconds))
			.redirectErrorStream(true)
			.start();
		BufferedReader output = new BufferedReader(
				new InputStreamReader(process.getInputStream(), StandardCharsets.US_ASCII));
		String line;
		while ((line = output.readLine()) != null && !line.startsWith("CONNECTED")) {
			// Client start-up output.
		}
		if (line == null) {
			throw new IllegalStateException("Clients did not connect");
		}
		return new Running(process, output);
	}

	/**
	 * Clients started by {@link #start}.
	 *
	 * @param process their process
	 * @param output what it prints after it connected
	 */
	record Running(Process process, BufferedReader output) {

		/**
		 * Have the clients stop reading now rather than at the end of their time, and wait
		 * for them to finish.
		 * @return their last line starting with {@code LATENCY}, {@code null} if none
		 */
		@Nullable String stop() throws IOException, InterruptedException {
			this.process.getOutputStream().write('\n');
			this.process.getOutputStream().flush();
			return await();
		}

		/**
		 * Wait for the clients to finish.
		 * @return their last line starting with {@code LATENCY}, {@code null} if none
		 */
		@Nullable String await() throws IOException, InterruptedException {
			String latency = null;
			String line;
			while ((line = this.output.readLine()) != null) {
				if (line.startsWith("LATENCY")) {
					latency = line;
				}
			}
			this.process.waitFor(30, TimeUnit.SECONDS);
			return latency;
		}

	}

	public static void main(String[] args) throws Exception {
		int port = Integer.parseInt(args[0]);
		int clients = Integer.parseInt(args[1]);
		int seconds = Integer.parseInt(args[2]);
		byte[] request = "GET /bench/ticks HTTP/1.1\r\nHost: bench\r\nAccept: text/event-stream\r\n\r\n"
			.getBytes(StandardCharsets.US_ASCII);
		List<SocketChannel> channels = new ArrayList<>();
		long[] latencies = new long[clients * (seconds + 2)];
		int count = 0;
		try (Selector selector = Selector.open()) {
			for (int i = 0; i < clients; i++) {
				SocketChannel channel = SocketChannel.open(new InetSocketAddress("127.0.0.1", port));
				channel.write(ByteBuffer.wrap(request));
				channel.configureBlocking(false);
				channel.register(selector, SelectionKey.OP_READ);
				channels.add(channel);
			}
			System.out.println("CONNECTED " + clients);
			System.out.flush();
			ByteBuffer buffer = ByteBuffer.allocate(16 * 1024);
			long end = System.nanoTime() + seconds * 1_000_000_000L;
			// A line on standard input stops the clients early.
			while (System.nanoTime() < end && System.in.available() == 0) {
				selector.select(100);
				for (SelectionKey key : selector.selectedKeys()) {
					buffer.clear();
					int n = ((SocketChannel) key.channel()).read(buffer);
					long now = System.currentTimeMillis();
					if (n <= 0) {
						continue;
					}
					String text = new String(buffer.array(), 0, n, StandardCharsets.US_ASCII);
					for (int at = text.indexOf("data:"); at >= 0; at = text.indexOf("data:", at + 5)) {
						int eol = text.indexOf('\n', at);
						if (eol > at + 5 && count < latencies.length) {
							latencies[count++] = now - Long.parseLong(text.substring(at + 5, eol).trim());
						}
					}
				}
				selector.selectedKeys().clear();
			}
		}
		finally {
			for (SocketChannel channel : channels) {
				channel.close();
			}
		}
		long[] sorted = Arrays.copyOf(latencies, count);
		Arrays.sort(sorted);
		System.out.println(String.format(Locale.ROOT, "LATENCY events=%d p50=%d p99=%d max=%d", count,
				percentile(sorted, 0.50), percentile(sorted, 0.99), (count > 0) ? sorted[count - 1] : -1));
	}

	private static long percentile(long[] sorted, double p) {
		return (sorted.length == 0) ? -1 : sorted[Math.min(sorted.length - 1, (int) (sorted.length * p))];
	}

}
