package dev.streamguard.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Runs nghttp2's {@code h2load} (Debian's {@code nghttp2-client}) in a process of its own, so
 * that the client neither shares the server's JVM nor becomes its bottleneck, and reads its
 * summary. {@code h2load} speaks h2c with prior knowledge by default and HTTP/1.1 with
 * {@code --h1}.
 */
final class H2Load {

	private static final Pattern FINISHED = Pattern.compile("finished in ([\\d.]+)(us|ms|s),");

	private static final Pattern REQUESTS = Pattern
		.compile("requests: (\\d+) total, (\\d+) started, (\\d+) done, (\\d+) succeeded, (\\d+) failed, (\\d+) errored");

	private static final Pattern DATA = Pattern.compile("traffic: .*\\((\\d+)\\) data");

	private static final Pattern REQUEST_TIME = Pattern
		.compile("time for request:\\s+([\\d.]+)(us|ms|s)\\s+([\\d.]+)(us|ms|s)");

	private H2Load() {
	}

	/**
	 * Return why {@code h2load} cannot run here, or {@code null} when it can.
	 */
	static String problem() {
		try {
			Process process = new ProcessBuilder("h2load", "--version").redirectErrorStream(true).start();
			process.getInputStream().readAllBytes();
			if (!process.waitFor(10, TimeUnit.SECONDS) || process.exitValue() != 0) {
				return "'h2load --version' failed";
			}
			return null;
		}
		catch (IOException ex) {
			return "h2load is not installed (Debian package nghttp2-client): " + ex.getMessage();
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			return "interrupted";
		}
	}

	/**
	 * Start {@code h2load} with the given arguments; read its summary with {@link #await}.
	 */
	static Process start(String... arguments) throws IOException {
		List<String> command = new ArrayList<>(List.of("h2load"));
		command.addAll(List.of(arguments));
		return new ProcessBuilder(command).redirectErrorStream(true).start();
	}

	/**
	 * Wait for a started {@code h2load} to finish and parse its summary.
	 * @param process the process from {@link #start}
	 * @param timeoutSeconds how long it may run; it is destroyed after that
	 * @return the summary
	 * @throws IOException when it did not finish in time or printed no summary
	 */
	static Summary await(Process process, long timeoutSeconds) throws IOException, InterruptedException {
		// Reading the output to its end is what waits; a watchdog bounds it.
		AtomicBoolean timedOut = new AtomicBoolean();
		Thread watchdog = new Thread(() -> {
			try {
				if (!process.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
					timedOut.set(true);
					process.destroyForcibly();
				}
			}
			catch (InterruptedException ex) {
				// The process ended first.
			}
		}, "h2load-watchdog");
		watchdog.setDaemon(true);
		watchdog.start();
		String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
		watchdog.interrupt();
		if (!process.waitFor(10, TimeUnit.SECONDS) || timedOut.get()) {
			process.destroyForcibly();
			throw new IOException("h2load did not finish within " + timeoutSeconds + " s: " + output);
		}
		return Summary.parse(output);
	}

	/**
	 * Run {@code h2load} to its end.
	 * @see #await
	 */
	static Summary run(long timeoutSeconds, String... arguments) throws IOException, InterruptedException {
		return await(start(arguments), timeoutSeconds);
	}

	private static double toSeconds(String value, String unit) {
		double number = Double.parseDouble(value);
		return switch (unit) {
			case "us" -> number / 1e6;
			case "ms" -> number / 1e3;
			default -> number;
		};
	}

	/**
	 * What {@code h2load} reported.
	 *
	 * @param seconds wall time from the first connection to the last response
	 * @param succeeded responses that ended with a status below 400
	 * @param failed responses that failed, errored included
	 * @param dataBytes response body bytes received, all streams together
	 * @param minRequestSeconds the shortest stream, from request to its last byte
	 * @param maxRequestSeconds the longest stream
	 * @param output the whole output, for an error message
	 */
	record Summary(double seconds, long succeeded, long failed, long dataBytes, double minRequestSeconds,
			double maxRequestSeconds, String output) {

		static Summary parse(String output) throws IOException {
			Matcher finished = FINISHED.matcher(output);
			Matcher requests = REQUESTS.matcher(output);
			Matcher data = DATA.matcher(output);
			if (!finished.find() || !requests.find() || !data.find()) {
				throw new IOException("Unexpected h2load output: " + output);
			}
			Matcher requestTime = REQUEST_TIME.matcher(output);
			boolean timed = requestTime.find();
			return new Summary(toSeconds(finished.group(1), finished.group(2)), Long.parseLong(requests.group(4)),
					Long.parseLong(requests.group(5)) + Long.parseLong(requests.group(6)),
					Long.parseLong(data.group(1)), timed ? toSeconds(requestTime.group(1), requestTime.group(2)) : -1,
					timed ? toSeconds(requestTime.group(3), requestTime.group(4)) : -1, output);
		}

		/** Body bytes per second over the whole run. */
		double rate() {
			return this.dataBytes / this.seconds;
		}

	}

}
