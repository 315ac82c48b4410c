package dev.streamguard.bench;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;

import org.springframework.context.ConfigurableApplicationContext;

/**
 * A large file over loopback, side by side in one run: served as a static resource
 * ({@code spring.web.resources.static-locations=file:...}) by a guarded and an unguarded
 * server, and as a file-backed {@code ByteSource} at {@code /streams/file} (a guarded live
 * stream sent with zero-copy), with the same source read through buffers as a reference. The
 * client is {@code curl} in its own process, so the benchmark process's CPU time is the
 * server's. The file is created in the temporary directory and deleted afterwards.
 */
public final class StaticFileBenchmark {

	private static final String STATIC_PATH = "/static.bin";

	private StaticFileBenchmark() {
	}

	public static void main(String[] args) throws Exception {
		long size = (args.length > 0) ? Long.parseLong(args[0]) : 2L * 1024 * 1024 * 1024;
		int rounds = (args.length > 1) ? Integer.parseInt(args[1]) : 3;
		System.out.println("pid=" + ProcessHandle.current().pid());
		System.out.println(run(size, rounds).report());
	}

	/**
	 * Run the benchmark.
	 * @param size bytes of the file
	 * @param rounds rounds of the four variants
	 * @return the medians of every variant
	 */
	public static Result run(long size, int rounds) throws Exception {
		Path directory = Files.createTempDirectory("streamguard-bench-files");
		Path file = directory.resolve(STATIC_PATH.substring(1));
		try {
			write(file, size);
			String[] properties = { "spring.web.resources.static-locations=file:" + directory + "/",
					"bench.file=" + file };
			ConfigurableApplicationContext guarded = BenchServer.start(true, properties);
			ConfigurableApplicationContext unguarded = BenchServer.start(false, properties);
			try {
				Map<String, String> urls = new LinkedHashMap<>();
				urls.put("static-guarded", url(guarded, STATIC_PATH));
				urls.put("static-unguarded", url(unguarded, STATIC_PATH));
				urls.put("source-zero-copy", url(guarded, "/streams/file"));
				urls.put("source-buffered", url(guarded, "/streams/file-buffered"));
				List<String> names = new ArrayList<>(urls.keySet());
				Map<String, List<Fetch>> fetches = new LinkedHashMap<>();
				for (String name : names) {
					// Two warm-up fetches of each, not counted: the JIT compiles during the first.
					fetch(urls.get(name), size);
					fetch(urls.get(name), size);
					fetches.put(name, new ArrayList<>());
				}
				for (int round = 0; round < rounds; round++) {
					for (int i = 0; i < names.size(); i++) {
						String name = names.get((round + i) % names.size());
						Fetch fetch = fetch(urls.get(name), size);
						System.err.println("round " + round + " " + name + " " + fetch.format());
						fetches.get(name).add(fetch);
					}
				}
				return new Result(size, rounds, file, median(fetches.get("static-guarded")),
						median(fetches.get("static-unguarded")), median(fetches.get("source-zero-copy")),
						median(fetches.get("source-buffered")));
			}
			finally {
				guarded.close();
				unguarded.close();
			}
		}
		finally {
			Files.deleteIfExists(file);
			Files.deleteIfExists(directory);
		}
	}

	/** Fill the file with incompressible bytes: one random megabyte, repeated. */
	private static void write(Path file, long size) throws IOException {
		byte[] chunk = new byte[1024 * 1024];
		new Random(42).nextBytes(chunk);
		try (FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
			for (long written = 0; written < size;) {
				ByteBuffer buffer = ByteBuffer.wrap(chunk, 0, (int) Math.min(chunk.length, size - written));
				while (buffer.hasRemaining()) {
					written += channel.write(buffer);
				}
			}
		}
	}

	private static String url(ConfigurableApplicationContext context, String path) {
		return "http://127.0.0.1:" + BenchServer.port(context) + path;
	}

	private static Fetch fetch(String url, long size) throws IOException, InterruptedException {
		// Collect the garbage of the fetch before (the buffered variant makes gigabytes), so
		// that its collection is not counted against this one.
		System.gc();
		long cpuStart = BenchServer.processCpuNanos();
		long start = System.nanoTime();
		Process curl = new ProcessBuilder("curl", "-sS", "--http1.1", "-o", "/dev/null", "-w", "%{size_download}",
				url)
			.redirectErrorStream(true)
			.start();
		String output = new String(curl.getInputStream().readAllBytes(), StandardCharsets.US_ASCII).trim();
		int exit = curl.waitFor();
		long nanos = System.nanoTime() - start;
		long cpu = BenchServer.processCpuNanos() - cpuStart;
		if (exit != 0 || !output.equals(Long.toString(size))) {
			throw new IOException("GET " + url + " received '" + output + "' bytes of " + size + " (curl exit " + exit
					+ "): is curl installed and the server up?");
		}
		return new Fetch(size * 1e9 / nanos, cpu / 1e9);
	}

	private static Fetch median(List<Fetch> fetches) {
		return new Fetch(BenchServer.median(fetches.stream().map(Fetch::rate).toList()),
				BenchServer.median(fetches.stream().map(Fetch::cpuSeconds).toList()));
	}

	/**
	 * One fetch of the whole file, or the medians of several.
	 *
	 * @param rate bytes per second received by the client
	 * @param cpuSeconds CPU time of the server process meanwhile
	 */
	public record Fetch(double rate, double cpuSeconds) {

		String format() {
			return String.format(Locale.ROOT, "%.1fMB/s cpu=%.2fs", this.rate / 1e6, this.cpuSeconds);
		}

	}

	/**
	 * Medians of every variant.
	 *
	 * @param size bytes of the file
	 * @param rounds rounds run
	 * @param file the file served, deleted once the run is over
	 * @param staticGuarded the static file, StreamGuard on
	 * @param staticUnguarded the static file, StreamGuard off
	 * @param sourceZeroCopy the file-backed byte source, sent with zero-copy
	 * @param sourceBuffered the same byte source read through buffers
	 */
	public record Result(long size, int rounds, Path file, Fetch staticGuarded, Fetch staticUnguarded,
			Fetch sourceZeroCopy, Fetch sourceBuffered) {

		public double staticGuardedToUnguarded() {
			return this.staticGuarded.rate() / this.staticUnguarded.rate();
		}

		public double sourceZeroCopyToStaticUnguarded() {
			return this.sourceZeroCopy.rate() / this.staticUnguarded.rate();
		}

		public String report() {
			return String.format(Locale.ROOT,
					"static-files size=%d rounds=%d guarded=%s unguarded=%s guarded/unguarded=%.3f "
							+ "cpu guarded/unguarded=%.2f%n"
							+ "file-byte-source size=%d rounds=%d zero-copy=%s buffered=%s "
							+ "zero-copy/static-unguarded=%.3f buffered/zero-copy=%.3f",
					this.size, this.rounds, this.staticGuarded.format(), this.staticUnguarded.format(),
					staticGuardedToUnguarded(), this.staticGuarded.cpuSeconds() / this.staticUnguarded.cpuSeconds(),
					this.size, this.rounds, this.sourceZeroCopy.format(), this.sourceBuffered.format(),
					sourceZeroCopyToStaticUnguarded(), this.sourceBuffered.rate() / this.sourceZeroCopy.rate());
		}

	}

}
