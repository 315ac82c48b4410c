package dev.streamguard.bench;

import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

import javax.management.ObjectName;

import org.springframework.context.ConfigurableApplicationContext;

/**
 * The heap the guard adds to every SSE stream, class by class: N streams of one event a second,
 * a class histogram of the server's JVM (a full GC first, live objects only) with the streams
 * open minus one before they opened, guarded minus unguarded. Steadier than the used heap after
 * GC of {@link FanOutBenchmark}, which moves by hundreds of bytes per stream between runs, and it
 * says where the bytes go.
 */
public final class HeapPerStreamBenchmark {

	private static final Pattern LAMBDA_ADDRESS = Pattern.compile("\\$\\$Lambda[/$0-9a-fx.]*");

	private HeapPerStreamBenchmark() {
	}

	public static void main(String[] args) throws Exception {
		int clients = (args.length > 0) ? Integer.parseInt(args[0]) : 10_000;
		int seconds = (args.length > 1) ? Integer.parseInt(args[1]) : 20;
		System.out.println(run(clients, seconds).report(25));
	}

	public static Result run(int clients, int seconds) throws Exception {
		// Not measured: what a process loads once, on its first server and connections (classes,
		// JFR's event types among them), would count as the first variant's.
		measure(false, Math.min(clients, 20), 2);
		Map<String, long[]> unguarded = measure(false, clients, seconds);
		Map<String, long[]> guarded = measure(true, clients, seconds);
		return new Result(clients, seconds, guarded, unguarded);
	}

	private static Map<String, long[]> measure(boolean guard, int clients, int seconds) throws Exception {
		ConfigurableApplicationContext server = BenchServer.start(guard, "streamguard.max-streams=0");
		try {
			Map<String, long[]> idle = histogram();
			FanOutClients.Running running = FanOutClients.start(BenchServer.port(server), clients, seconds);
			TimeUnit.SECONDS.sleep(Math.max(2, seconds / 2));
			Map<String, long[]> loaded = histogram();
			running.await();
			return minus(loaded, idle);
		}
		finally {
			server.close();
		}
	}

	/** Instances and bytes of each class live in this JVM, from {@code GC.class_histogram}. */
	static Map<String, long[]> histogram() throws Exception {
		String text = (String) ManagementFactory.getPlatformMBeanServer()
			.invoke(new ObjectName("com.sun.management:type=DiagnosticCommand"), "gcClassHistogram",
					new Object[] { new String[0] }, new String[] { String[].class.getName() });
		Map<String, long[]> classes = new HashMap<>();
		for (String row : text.split("\n")) {
			String[] columns = row.trim().split("\\s+");
			if (columns.length >= 4 && columns[0].endsWith(":")) {
				// One lambda class per capture site, named after its address: keep the site.
				String name = LAMBDA_ADDRESS.matcher(columns[3]).replaceAll("\\$\\$Lambda");
				long[] counts = classes.computeIfAbsent(name, (key) -> new long[2]);
				counts[0] += Long.parseLong(columns[1]);
				counts[1] += Long.parseLong(columns[2]);
			}
		}
		return classes;
	}

	static Map<String, long[]> minus(Map<String, long[]> a, Map<String, long[]> b) {
		Set<String> names = new HashSet<>(a.keySet());
		names.addAll(b.keySet());
		Map<String, long[]> difference = new HashMap<>();
		for (String name : names) {
			long[] x = a.getOrDefault(name, new long[2]);
			long[] y = b.getOrDefault(name, new long[2]);
			difference.put(name, new long[] { x[0] - y[0], x[1] - y[1] });
		}
		return difference;
	}

	/**
	 * Both variants: per class, instances and bytes added by the open streams.
	 *
	 * @param clients streams
	 * @param seconds how long they ran
	 * @param guarded with the guard
	 * @param unguarded without it
	 */
	public record Result(int clients, int seconds, Map<String, long[]> guarded, Map<String, long[]> unguarded) {

		/** Return the bytes per stream of the guard: guarded minus unguarded, all classes. */
		public double guardOverheadPerStream() {
			return minus(this.guarded, this.unguarded).values().stream().mapToLong((counts) -> counts[1]).sum()
					/ (double) this.clients;
		}

		/** Return the instances per stream of the given class in the guarded variant. */
		public double guardedInstancesPerStream(String className) {
			return this.guarded.getOrDefault(className, new long[2])[0] / (double) this.clients;
		}

		public String report(int top) {
			StringBuilder report = new StringBuilder(String.format(Locale.ROOT,
					"heap-per-stream clients=%d seconds=%d guardOverhead=%.0fB%n", this.clients, this.seconds,
					guardOverheadPerStream()));
			List<Map.Entry<String, long[]>> rows = new ArrayList<>(minus(this.guarded, this.unguarded).entrySet());
			rows.sort((x, y) -> Long.compare(Math.abs(y.getValue()[1]), Math.abs(x.getValue()[1])));
			for (Map.Entry<String, long[]> row : rows.subList(0, Math.min(top, rows.size()))) {
				report.append(String.format(Locale.ROOT, "  %7.1f B %5.2f instances per stream  %s%n",
						row.getValue()[1] / (double) this.clients, row.getValue()[0] / (double) this.clients,
						row.getKey()));
			}
			return report.toString();
		}

	}

}
