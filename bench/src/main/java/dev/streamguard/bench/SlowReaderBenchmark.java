package dev.streamguard.bench;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import io.netty.buffer.PooledByteBufAllocator;
import io.netty.util.internal.PlatformDependent;

import org.springframework.context.ConfigurableApplicationContext;

/**
 * Slow readers: many clients reading a fast endless source at a fixed rate. What the server
 * holds for them (Netty's direct memory) is measured with the guard on and off, in the same run.
 */
public final class SlowReaderBenchmark {

	static final int CHUNK = 8 * 1024;

	private SlowReaderBenchmark() {
	}

	public static void main(String[] args) throws Exception {
		int clients = (args.length > 0) ? Integer.parseInt(args[0]) : 1000;
		int seconds = (args.length > 1) ? Integer.parseInt(args[1]) : 20;
		System.out.println(run(clients, seconds, 10 * 1024).report());
	}

	/**
	 * Run the benchmark.
	 * @param clients how many slow readers
	 * @param seconds how long they read
	 * @param bytesPerSecond each reader's rate
	 * @return the direct memory held, guarded and unguarded
	 */
	public static Result run(int clients, int seconds, int bytesPerSecond) throws Exception {
		long unguarded = measure(false, clients, seconds, bytesPerSecond);
		long guarded = measure(true, clients, seconds, bytesPerSecond);
		return new Result(clients, seconds, bytesPerSecond, guarded, unguarded, 64 * 1024 + 9L * CHUNK);
	}

	private static long measure(boolean guard, int clients, int seconds, int bytesPerSecond) throws Exception {
		ConfigurableApplicationContext server = BenchServer.start(guard, "streamguard.window.low=16KB",
				"streamguard.window.high=64KB");
		try {
			return readSlowly(BenchServer.port(server), clients, seconds, bytesPerSecond);
		}
		finally {
			server.close();
		}
	}

	private static long readSlowly(int port, int clients, int seconds, int bytesPerSecond) throws IOException {
		List<SocketChannel> channels = new ArrayList<>();
		try (Selector selector = Selector.open()) {
			byte[] request = ("GET /bench/fresh?chunk=" + CHUNK + " HTTP/1.1\r\nHost: bench\r\n\r\n")
				.getBytes(StandardCharsets.US_ASCII);
			for (int i = 0; i < clients; i++) {
				SocketChannel channel = SocketChannel.open();
				channel.setOption(StandardSocketOptions.SO_RCVBUF, 16 * 1024);
				channel.connect(new InetSocketAddress("127.0.0.1", port));
				channel.write(ByteBuffer.wrap(request));
				channel.configureBlocking(false);
				channel.register(selector, SelectionKey.OP_READ);
				channels.add(channel);
			}
			ByteBuffer buffer = ByteBuffer.allocateDirect(64 * 1024);
			int tickMillis = 100;
			int perTick = Math.max(1, bytesPerSecond * tickMillis / 1000);
			long end = System.nanoTime() + seconds * 1_000_000_000L;
			long peak = 0;
			while (System.nanoTime() < end) {
				for (SocketChannel channel : channels) {
					buffer.clear().limit(perTick);
					channel.read(buffer);
				}
				peak = Math.max(peak, usedDirectMemory());
				try {
					Thread.sleep(tickMillis);
				}
				catch (InterruptedException ex) {
					Thread.currentThread().interrupt();
					break;
				}
			}
			return peak;
		}
		finally {
			for (SocketChannel channel : channels) {
				channel.close();
			}
		}
	}

	static long usedDirectMemory() {
		return Math.max(PooledByteBufAllocator.DEFAULT.metric().usedDirectMemory(),
				PlatformDependent.usedDirectMemory());
	}

	/**
	 * Peak direct memory held by the server.
	 *
	 * @param clients slow readers
	 * @param seconds how long they read
	 * @param bytesPerSecond each reader's rate
	 * @param guarded peak with the guard
	 * @param unguarded peak without it
	 * @param perStreamBound the documented bound per stream (window.high + 9 chunks)
	 */
	public record Result(int clients, int seconds, int bytesPerSecond, long guarded, long unguarded,
			long perStreamBound) {

		public String report() {
			return String.format(Locale.ROOT,
					"slow-readers clients=%d seconds=%d rate=%dB/s guarded=%.1fMB (%.1fKB/stream) unguarded=%.1fMB "
							+ "(%.1fKB/stream) bound=%.1fMB (%.1fKB/stream) guarded/bound=%.3f unguarded/guarded=%.2f heapMax=%dMB",
					this.clients, this.seconds, this.bytesPerSecond, this.guarded / 1e6,
					this.guarded / 1024.0 / this.clients, this.unguarded / 1e6, this.unguarded / 1024.0 / this.clients,
					this.perStreamBound * (double) this.clients / 1e6, this.perStreamBound / 1024.0,
					this.guarded / (double) (this.perStreamBound * this.clients),
					this.unguarded / (double) Math.max(1, this.guarded),
					ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getMax() / (1024 * 1024));
		}

	}

}
