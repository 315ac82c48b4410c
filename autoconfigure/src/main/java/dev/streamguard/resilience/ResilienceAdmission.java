package dev.streamguard.resilience;

import java.net.InetAddress;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;

import dev.streamguard.stream.StreamAdmission;
import dev.streamguard.stream.StreamPolicy;
import dev.streamguard.stream.TerminationReason;
import io.github.resilience4j.bulkhead.Bulkhead;
import io.github.resilience4j.bulkhead.BulkheadRegistry;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry;
import io.github.resilience4j.ratelimiter.RateLimiter;
import io.github.resilience4j.ratelimiter.RateLimiterRegistry;
import io.github.resilience4j.ratelimiter.internal.AtomicRateLimiter;
import org.jspecify.annotations.Nullable;

/**
 * Admits streams through the Resilience4j instances their policy names:
 * <ul>
 * <li>a rate limiter bounds stream opens: an open takes a permit of the current period or is
 * refused, and a refusal reserves none of a later period, whatever the limiter's
 * {@code timeout-duration} (refusal: 429 with the time to the next permit as
 * {@code Retry-After});</li>
 * <li>a bulkhead bounds concurrent streams: a stream holds its permit from open to its single
 * end, whatever the reason (refusal: 503);</li>
 * <li>a circuit breaker guards opening the source: the first element is a success, an upstream
 * error or a first-element timeout before it a failure, and a stream that ends otherwise before
 * its first element (a client that leaves) releases its permit without counting (refusal while
 * open: 503).</li>
 * </ul>
 * Permits are never waited for: an open is refused at once rather than holding an event loop.
 *
 * @since 0.1.0
 */
public class ResilienceAdmission implements StreamAdmission {

	private final @Nullable BulkheadRegistry bulkheads;

	private final @Nullable RateLimiterRegistry rateLimiters;

	private final @Nullable CircuitBreakerRegistry circuitBreakers;

	private final Duration retryAfter;

	private final Object rateLimiterLock = new Object();

	/**
	 * Create an admission over the given registries; a missing registry switches its kind off.
	 * @param bulkheads the bulkheads
	 * @param rateLimiters the rate limiters
	 * @param circuitBreakers the circuit breakers
	 * @param retryAfter when clients refused by a bulkhead may try again
	 */
	public ResilienceAdmission(@Nullable BulkheadRegistry bulkheads, @Nullable RateLimiterRegistry rateLimiters,
			@Nullable CircuitBreakerRegistry circuitBreakers, Duration retryAfter) {
		this.bulkheads = bulkheads;
		this.rateLimiters = rateLimiters;
		this.circuitBreakers = circuitBreakers;
		this.retryAfter = retryAfter;
	}

	@Override
	public Admission admit(String route, StreamPolicy policy, @Nullable InetAddress client) {
		StreamPolicy.Resilience names = policy.resilience();
		Admitted admitted = (Admitted) Admission.ADMITTED;
		if (names.rateLimiter() != null && this.rateLimiters != null) {
			RateLimiter limiter = this.rateLimiters.rateLimiter(names.rateLimiter());
			if (!tryAcquireNow(limiter)) {
				return Admission.refused(429, untilNextPermit(limiter), "Too many streams opened on " + route
						+ " (rate limiter '" + limiter.getName() + "'); retry later");
			}
		}
		CircuitBreaker breaker = null;
		if (names.circuitBreaker() != null && this.circuitBreakers != null) {
			breaker = this.circuitBreakers.circuitBreaker(names.circuitBreaker());
			if (!breaker.tryAcquirePermission()) {
				Duration wait = Duration
					.ofMillis(breaker.getCircuitBreakerConfig().getWaitIntervalFunctionInOpenState().apply(1));
				return Admission.refused(503, wait, "The source of " + route + " is failing (circuit breaker '"
						+ breaker.getName() + "' is " + breaker.getState() + "); retry later");
			}
		}
		if (names.bulkhead() != null && this.bulkheads != null) {
			Bulkhead bulkhead = this.bulkheads.bulkhead(names.bulkhead());
			if (!bulkhead.tryAcquirePermission()) {
				if (breaker != null) {
					breaker.releasePermission();
				}
				return Admission.refused(503, this.retryAfter, "Too many concurrent streams on " + route
						+ " (bulkhead '" + bulkhead.getName() + "'); retry later");
			}
			admitted = admitted.and((Admitted) Admission.admitted(bulkhead::onComplete));
		}
		if (breaker != null) {
			admitted = admitted.and(circuitBreakerAround(breaker));
		}
		return admitted;
	}

	/**
	 * Take a permit of the current period, or none: Resilience4j's own acquisition would wait
	 * (or reserve a permit of a later period) for up to the limiter's {@code timeout-duration},
	 * and a refused open that still consumed a permit would lower the admitted rate under load.
	 */
	private boolean tryAcquireNow(RateLimiter limiter) {
		// Opens through this admission check and take under one lock, so none of them can take
		// the last permit between another's check and take (which would reserve a later one).
		synchronized (this.rateLimiterLock) {
			if (limiter.getMetrics().getAvailablePermissions() < 1) {
				return false;
			}
			// Zero unless a caller outside StreamGuard took the permit meanwhile; a permit of the
			// next period reserved then is spent on this open rather than wasted on a refusal.
			return limiter.reservePermission() >= 0;
		}
	}

	private static Duration untilNextPermit(RateLimiter limiter) {
		if (limiter instanceof AtomicRateLimiter atomic) {
			long nanos = atomic.getDetailedMetrics().getNanosToWait();
			if (nanos > 0) {
				return Duration.ofNanos(nanos);
			}
		}
		return limiter.getRateLimiterConfig().getLimitRefreshPeriod();
	}

	private static Admitted circuitBreakerAround(CircuitBreaker breaker) {
		long start = breaker.getCurrentTimestamp();
		AtomicBoolean recorded = new AtomicBoolean();
		return (Admitted) Admission.admitted((stream) -> {
			if (recorded.compareAndSet(false, true)) {
				breaker.onSuccess(breaker.getCurrentTimestamp() - start, breaker.getTimestampUnit());
			}
		}, (stream) -> {
			if (!recorded.compareAndSet(false, true)) {
				return;
			}
			TerminationReason reason = stream.terminationReason().orElse(null);
			long duration = breaker.getCurrentTimestamp() - start;
			if (reason == TerminationReason.UPSTREAM_ERROR || reason == TerminationReason.FIRST_ELEMENT_TIMEOUT) {
				breaker.onError(duration, breaker.getTimestampUnit(), new SourceFailure(reason));
			}
			else if (reason == TerminationReason.COMPLETED) {
				breaker.onSuccess(duration, breaker.getTimestampUnit());
			}
			else {
				// The client left, or the server ended the stream: nothing to say about the source.
				breaker.releasePermission();
			}
		});
	}

	/**
	 * What a circuit breaker records when a source fails to produce its first element.
	 */
	static final class SourceFailure extends RuntimeException {

		private static final long serialVersionUID = 1L;

		SourceFailure(TerminationReason reason) {
			super("Stream source failed before its first element: " + reason.code(), null, false, false);
		}

	}

}
