package dev.streamguard.demo;

import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import dev.streamguard.web.StreamPolicyResolver;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry;
import io.github.resilience4j.timelimiter.TimeLimiterRegistry;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.core.env.Environment;
import org.springframework.http.server.PathContainer;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The demo's Resilience4j instances, from the starter alone, guard its routes as its
 * application.yml says (two limits lowered so that a test can reach them).
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
		properties = { "resilience4j.bulkhead.instances.downloads.max-concurrent-calls=2",
				"resilience4j.ratelimiter.instances.tick-opens.limit-for-period=1",
				"resilience4j.ratelimiter.instances.tick-opens.limit-refresh-period=1m" })
class DemoResilienceTests {

	private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

	@Autowired
	private Environment environment;

	@Autowired
	private StreamPolicyResolver policies;

	@Autowired
	private TimeLimiterRegistry timeLimiters;

	@Autowired
	private CircuitBreakerRegistry circuitBreakers;

	@Test
	void bulkheadRefusesTheThirdConcurrentDownload() throws Exception {
		List<InputStream> downloads = new ArrayList<>();
		try {
			for (int i = 0; i < 2; i++) {
				HttpResponse<InputStream> download = this.client.send(request("/demo/bulk?size=1GB"),
						HttpResponse.BodyHandlers.ofInputStream());
				assertThat(download.statusCode()).isEqualTo(200);
				downloads.add(download.body());
			}
			HttpResponse<String> refused = this.client.send(request("/demo/bulk?size=1GB"),
					HttpResponse.BodyHandlers.ofString());
			assertThat(refused.statusCode()).isEqualTo(503);
			assertThat(refused.headers().firstValue("Content-Type")).hasValue("application/problem+json");
			assertThat(refused.headers().firstValue("Retry-After")).isPresent();
			assertThat(refused.body()).contains("bulkhead 'downloads'");
		}
		finally {
			for (InputStream download : downloads) {
				download.close();
			}
		}
	}

	@Test
	void rateLimiterAnswersTooManyRequestsBeyondItsOpens() throws Exception {
		HttpResponse<InputStream> first = this.client.send(request("/demo/ticks"),
				HttpResponse.BodyHandlers.ofInputStream());
		try (InputStream body = first.body()) {
			assertThat(first.statusCode()).isEqualTo(200);
			HttpResponse<String> limited = this.client.send(request("/demo/ticks"),
					HttpResponse.BodyHandlers.ofString());
			assertThat(limited.statusCode()).isEqualTo(429);
			assertThat(limited.body()).contains("rate limiter 'tick-opens'");
		}
	}

	@Test
	void timeLimiterBoundsTheFirstRecordAndTheCircuitBreakerCountsTheSource() throws Exception {
		assertThat(this.policies.resolve(PathContainer.parsePath("/demo/records")).firstElementTimeout())
			.isEqualTo(this.timeLimiters.timeLimiter("first-record").getTimeLimiterConfig().getTimeoutDuration());
		CircuitBreaker breaker = this.circuitBreakers.circuitBreaker("records-source");
		int before = breaker.getMetrics().getNumberOfSuccessfulCalls();
		HttpResponse<String> records = this.client.send(request("/demo/records?count=3"),
				HttpResponse.BodyHandlers.ofString());
		assertThat(records.statusCode()).isEqualTo(200);
		assertThat(breaker.getMetrics().getNumberOfSuccessfulCalls()).isEqualTo(before + 1);
	}

	private HttpRequest request(String path) {
		return HttpRequest
			.newBuilder(URI.create("http://127.0.0.1:" + this.environment.getProperty("local.server.port") + path))
			.timeout(Duration.ofSeconds(20))
			.build();
	}

}
