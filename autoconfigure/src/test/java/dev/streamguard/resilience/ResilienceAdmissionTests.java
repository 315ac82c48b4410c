package dev.streamguard.resilience;

import java.time.Duration;

import dev.streamguard.stream.StreamAdmission.Admission;
import dev.streamguard.stream.StreamAdmission.Admitted;
import dev.streamguard.stream.StreamAdmission.Refused;
import dev.streamguard.stream.StreamPolicy;
import io.github.resilience4j.ratelimiter.RateLimiter;
import io.github.resilience4j.ratelimiter.RateLimiterConfig;
import io.github.resilience4j.ratelimiter.RateLimiterRegistry;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

import org.springframework.util.unit.DataSize;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Admission through Resilience4j instances, without a server.
 */
class ResilienceAdmissionTests {

	private static final StreamPolicy LIMITED = new StreamPolicy(null, null, null, null, null, false,
			DataSize.ofKilobytes(1), DataSize.ofKilobytes(2))
		.withResilience(new StreamPolicy.Resilience(null, "opens", null, null));

	@Test
	void refusedOpensReserveNoPermitEvenWhenTheLimiterWouldWait() {
		// A timeout that covers several periods: Resilience4j would reserve permits of later
		// periods for each refused open, and the admitted rate would fall.
		RateLimiterRegistry registry = RateLimiterRegistry.of(RateLimiterConfig.custom()
			.limitForPeriod(2)
			.limitRefreshPeriod(Duration.ofSeconds(2))
			.timeoutDuration(Duration.ofSeconds(10))
			.build());
		RateLimiter limiter = registry.rateLimiter("opens");
		ResilienceAdmission admission = new ResilienceAdmission(null, registry, null, Duration.ofSeconds(1));
		assertThat(admit(admission)).isInstanceOf(Admitted.class);
		assertThat(admit(admission)).isInstanceOf(Admitted.class);
		for (int i = 0; i < 5; i++) {
			Admission refused = admit(admission);
			assertThat(refused).isInstanceOf(Refused.class);
			assertThat(((Refused) refused).status()).isEqualTo(429);
			assertThat(((Refused) refused).retryAfter()).isPositive().isLessThanOrEqualTo(Duration.ofSeconds(2));
		}
		assertThat(limiter.getMetrics().getAvailablePermissions()).isZero();
		// The next period admits its full limit.
		Awaitility.await()
			.atMost(Duration.ofSeconds(3))
			.until(() -> limiter.getMetrics().getAvailablePermissions() == 2);
		assertThat(admit(admission)).isInstanceOf(Admitted.class);
		assertThat(admit(admission)).isInstanceOf(Admitted.class);
		assertThat(admit(admission)).isInstanceOf(Refused.class);
	}

	private static Admission admit(ResilienceAdmission admission) {
		return admission.admit("/limited", LIMITED, null);
	}

}
