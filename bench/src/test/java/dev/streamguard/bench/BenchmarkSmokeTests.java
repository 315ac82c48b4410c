package dev.streamguard.bench;

import java.util.Collection;
import java.util.List;
import java.util.concurrent.TimeUnit;

import dev.streamguard.test.Capabilities;
import org.junit.jupiter.api.Test;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Each benchmark runs with tiny parameters and produces numbers; timings are not asserted
 * (they belong to bench/RESULTS.md).
 */
class BenchmarkSmokeTests {

	@Test
	void throughputBenchmarkProducesRatesForEveryVariant() throws Exception {
		ThroughputBenchmark.Result result = ThroughputBenchmark.run(64L * 1024 * 1024, 1);
		assertThat(result.guarded()).isPositive().isFinite();
		assertThat(result.unguarded()).isPositive().isFinite();
		assertThat(result.raw()).isPositive().isFinite();
		assertThat(result.report()).contains("guarded/unguarded=");
	}

	@Test
	void writerServerBenchmarkDeliversEveryItemOfEveryVariant() throws Exception {
		WriterServerBenchmark.Result result = WriterServerBenchmark.run(20_000, 1);
		assertThat(result.guardedWriter()).isPositive();
		assertThat(result.guardedCreate()).isPositive();
		assertThat(result.unguardedWriter()).isPositive();
		assertThat(result.unguardedCreate()).isPositive();
		assertThat(result.report()).startsWith("writer-server items=20000 rounds=1 ");
	}

	@Test
	void heapPerStreamBenchmarkFindsOneGuardedStreamPerClient() throws Exception {
		HeapPerStreamBenchmark.Result result = HeapPerStreamBenchmark.run(200, 4);
		assertThat(result.guardedInstancesPerStream("dev.streamguard.web.GuardedStream")).isEqualTo(1.0);
		assertThat(result.unguarded().getOrDefault("dev.streamguard.web.GuardedStream", new long[2])[0]).isZero();
		assertThat(result.guardOverheadPerStream()).isPositive().isFinite();
		assertThat(result.report(5)).startsWith("heap-per-stream clients=200 seconds=4 guardOverhead=");
	}

	@Test
	void staticFileBenchmarkMeasuresEveryVariantAndDeletesItsFile() throws Exception {
		StaticFileBenchmark.Result result = StaticFileBenchmark.run(64L * 1024 * 1024, 1);
		assertThat(List.of(result.staticGuarded(), result.staticUnguarded(), result.sourceZeroCopy(),
				result.sourceBuffered()))
			.allSatisfy((fetch) -> {
				assertThat(fetch.rate()).isPositive().isFinite();
				assertThat(fetch.cpuSeconds()).isNotNegative().isFinite();
			});
		assertThat(result.file()).doesNotExist();
		assertThat(result.report()).contains("guarded/unguarded=").contains("zero-copy/static-unguarded=");
	}

	@Test
	void slowReaderBenchmarkMeasuresBothVariants() throws Exception {
		SlowReaderBenchmark.Result result = SlowReaderBenchmark.run(20, 2, 10 * 1024);
		assertThat(result.guarded()).isNotNegative();
		assertThat(result.unguarded()).isNotNegative();
		assertThat(result.report()).contains("guarded/bound=");
	}

	@Test
	void fanOutBenchmarkMeasuresHeapLatencyAndCpu() throws Exception {
		FanOutBenchmark.Result result = FanOutBenchmark.run(50, 2);
		for (FanOutBenchmark.Variant variant : new FanOutBenchmark.Variant[] { result.guarded(), result.unguarded() }) {
			assertThat(variant.heapPerStream()).isFinite();
			assertThat(variant.p99()).isNotNegative();
			assertThat(variant.cpu()).isPositive();
		}
		assertThat(result.report()).contains("guardOverhead=");
	}

	@Test
	void deadPeerBenchmarkTimesTheReleases() throws Exception {
		DeadPeerBenchmark.Result result = DeadPeerBenchmark.run(3, java.time.Duration.ofSeconds(5));
		// With a 2 s user timeout every silent peer is released within the 5 s waited for;
		// an empty list would mean none was, and is what the benchmark exists to catch.
		assertThat(result.guarded().releases()).as("guarded releases after the cut, in ms")
			.hasSize(3)
			.allSatisfy((millis) -> assertThat(millis).isBetween(0L, 5000L));
		assertThat(result.report()).startsWith("dead-peer peers=3");
	}

	@Test
	void http2ThroughputBenchmarkProducesRatesForEveryVariant() throws Exception {
		requireH2Load();
		Http2ThroughputBenchmark.Result result = Http2ThroughputBenchmark.run(64L * 1024 * 1024, 1);
		for (Http2ThroughputBenchmark.Fetch fetch : Http2ThroughputBenchmark.Fetch.values()) {
			assertThat(result.rate(fetch)).as(fetch.name()).isPositive().isFinite();
		}
		assertThat(result.report()).startsWith("h2-throughput size=67108864 rounds=1 ")
			.contains("h2 guarded/unguarded=");
	}

	@Test
	void http2FanOutBenchmarkKeepsEveryStreamLiveAndDeliversEveryEvent() throws Exception {
		requireH2Load();
		Http2FanOutBenchmark.Result result = Http2FanOutBenchmark.run(20, 2, 3);
		List<Http2FanOutBenchmark.Variant> variants = List.of(result.h2Guarded(), result.h2Unguarded(),
				result.h1Guarded(), result.h1Unguarded());
		assertThat(variants).allSatisfy((variant) -> {
			assertThat(variant.live()).as("streams live at once").isEqualTo(20);
			assertThat(variant.succeeded()).isEqualTo(20);
			assertThat(variant.sent()).isEqualTo(60);
			assertThat(variant.delivered()).isEqualTo(60);
			assertThat(variant.heapPerStream()).isFinite();
			assertThat(variant.cpu()).isPositive();
		});
		// The guard saw every stream, over h2 as over HTTP/1.1; without it there is nothing to see.
		assertThat(result.h2Guarded().registered()).isEqualTo(20);
		assertThat(result.h1Guarded().registered()).isEqualTo(20);
		assertThat(result.h2Unguarded().registered()).isZero();
		assertThat(result.report()).startsWith("h2-fan-out streams=20 connections=2 seconds=3 ");
	}

	@Test
	void http2DeadPeerBenchmarkTimesTheReleasesAndWhatAPlainServerHolds() throws Exception {
		Http2DeadPeerBenchmark.Result result = Http2DeadPeerBenchmark.run(3, java.time.Duration.ofSeconds(5), false);
		assertThat(result.h2Guarded().releases()).as("guarded h2 releases after the cut, in ms")
			.hasSize(3)
			.allSatisfy((millis) -> assertThat(millis).isBetween(0L, 5000L));
		// The plain server keeps every stream of a silent h2 peer: what the benchmark exists to show.
		assertThat(result.h2Unguarded().releases()).isEmpty();
		assertThat(result.h2Unguarded().live()).isEqualTo(3);
		assertThat(result.report()).startsWith("h2-dead-peer peers=3 ").doesNotContain("h1 guarded");
	}

	private static void requireH2Load() {
		String problem = H2Load.problem();
		Capabilities.require(problem == null, "The HTTP/2 benchmarks need h2load: " + problem);
	}

	@Test
	void writerBenchmarkDeliversEveryItemAndProducesScores() throws Exception {
		WriterBenchmark benchmark = new WriterBenchmark();
		assertThat(benchmark.streamWriter()).isEqualTo(WriterBenchmark.ITEMS);
		assertThat(benchmark.fluxCreate()).isEqualTo(WriterBenchmark.ITEMS);
		Collection<RunResult> results = new Runner(new OptionsBuilder().include(WriterBenchmark.class.getName())
			.forks(0)
			.warmupIterations(0)
			.measurementIterations(1)
			.measurementTime(TimeValue.milliseconds(300))
			.timeUnit(TimeUnit.SECONDS)
			.shouldFailOnError(true)
			.build()).run();
		assertThat(results).hasSize(2)
			.allSatisfy((result) -> assertThat(result.getPrimaryResult().getScore()).isPositive());
	}

}
