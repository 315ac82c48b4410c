package dev.streamguard.stream;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import dev.streamguard.stream.StreamAdmission.Admitted;
import org.junit.jupiter.api.Test;
import org.springframework.util.unit.DataSize;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mockito.Mockito.mock;

/**
 * The gate's limits hold exactly while many threads open and close streams at once.
 */
class StreamGateTests {

	private static final StreamPolicy POLICY = new StreamPolicy(null, null, null, null, null, false,
			DataSize.ofKilobytes(1), DataSize.ofKilobytes(2));

	private static final int THREADS = 8;

	private static final int ITERATIONS = 50_000;

	private static final int MAX_STREAMS = 3;

	private static final int MAX_PER_CLIENT = 1;

	@Test
	void limitsAreNeverExceededUnderConcurrentOpenAndCloseAndEveryPermitIsReturned() throws Exception {
		StreamGate gate = new StreamGate(MAX_STREAMS, MAX_PER_CLIENT);
		List<InetAddress> clients = List.of(InetAddress.getByName("127.0.0.1"), InetAddress.getByName("127.0.0.2"));
		// What the test itself counts as live: raised after an admission, lowered before its release,
		// so it can only undercount what the gate holds.
		AtomicInteger[] livePerClient = { new AtomicInteger(), new AtomicInteger() };
		AtomicInteger live = new AtomicInteger();
		AtomicInteger maxPerClientSeen = new AtomicInteger();
		AtomicInteger maxSeen = new AtomicInteger();
		AtomicInteger admittedCount = new AtomicInteger();
		LiveStream stream = mock(LiveStream.class);
		CyclicBarrier start = new CyclicBarrier(THREADS);
		ExecutorService threads = Executors.newFixedThreadPool(THREADS);
		try {
			List<Future<?>> workers = new ArrayList<>();
			for (int t = 0; t < THREADS; t++) {
				int worker = t;
				workers.add(threads.submit(() -> {
					start.await();
					for (int i = 0; i < ITERATIONS; i++) {
						int client = (worker + i) % clients.size();
						StreamAdmission.Admission admission = gate.admit("/r", POLICY, clients.get(client));
						if (admission instanceof Admitted admitted) {
							admittedCount.incrementAndGet();
							maxPerClientSeen.accumulateAndGet(livePerClient[client].incrementAndGet(), Math::max);
							maxSeen.accumulateAndGet(live.incrementAndGet(), Math::max);
							Thread.onSpinWait();
							live.decrementAndGet();
							livePerClient[client].decrementAndGet();
							admitted.onEnd().accept(stream);
						}
					}
					return null;
				}));
			}
			for (Future<?> worker : workers) {
				worker.get(60, TimeUnit.SECONDS);
			}
		}
		finally {
			threads.shutdownNow();
		}
		assertThat(maxPerClientSeen.get()).as("most live streams seen for one client").isLessThanOrEqualTo(MAX_PER_CLIENT);
		assertThat(maxSeen.get()).as("most live streams seen").isLessThanOrEqualTo(MAX_STREAMS);
		assertThat(admittedCount.get()).as("admitted opens").isPositive();
		assertThat(gate.admitted()).isZero();
		for (InetAddress client : clients) {
			assertThat(gate.streamsOf(client)).as("streams of %s", client).isZero();
		}
		// The same client can still open up to its limit: no permit was lost on the way.
		for (int i = 0; i < MAX_PER_CLIENT; i++) {
			assertThat(gate.admit("/r", POLICY, clients.get(0))).isInstanceOf(Admitted.class);
		}
		assertThat(gate.admit("/r", POLICY, clients.get(0))).isInstanceOf(StreamAdmission.Refused.class);
	}

}
