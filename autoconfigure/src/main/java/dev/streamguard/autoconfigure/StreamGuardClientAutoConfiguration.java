package dev.streamguard.autoconfigure;

import java.time.Duration;

import dev.streamguard.client.StreamGuardClient;
import io.github.resilience4j.core.IntervalFunction;
import io.github.resilience4j.retry.Retry;
import io.github.resilience4j.retry.RetryConfig;
import io.github.resilience4j.retry.RetryRegistry;
import reactor.netty.http.client.HttpClient;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;
import org.springframework.http.client.ReactorResourceFactory;
import org.springframework.web.reactive.function.client.WebClient;

/**
 * {@link org.springframework.boot.autoconfigure.EnableAutoConfiguration Auto-configuration}
 * for {@link StreamGuardClient}. Its retry is the Resilience4j instance
 * {@value #RETRY_NAME} when the application's {@link RetryRegistry} configures one, and
 * otherwise built from {@code streamguard.client.retry.*}. It is built from the application's
 * {@link WebClient.Builder} (its customizers, codecs and observation registry) where there is one,
 * and its connections run on the application's {@link ReactorResourceFactory}.
 *
 * @since 0.1.0
 */
@AutoConfiguration(afterName = "io.github.resilience4j.springboot.retry.autoconfigure.RetryAutoConfiguration")
@ConditionalOnClass({ WebClient.class, HttpClient.class, Retry.class })
@ConditionalOnBooleanProperty(name = "streamguard.enabled", matchIfMissing = true)
@EnableConfigurationProperties(StreamGuardClientProperties.class)
@Import(StreamGuardBindHandlerAdvisor.class)
public final class StreamGuardClientAutoConfiguration {

	/** Name of the Resilience4j retry instance the client uses. */
	public static final String RETRY_NAME = "streamguard-client";

	@Bean
	@ConditionalOnMissingBean
	StreamGuardClient streamGuardClient(StreamGuardClientProperties properties,
			ObjectProvider<WebClient.Builder> builders, ObjectProvider<RetryRegistry> registries,
			ObjectProvider<ReactorResourceFactory> resources) {
		RetryConfig config = retryConfig(properties.getRetry());
		RetryRegistry registry = registries.getIfAvailable();
		Retry retry = (registry != null) ? registry.find(RETRY_NAME).orElseGet(() -> registry.retry(RETRY_NAME, config))
				: Retry.of(RETRY_NAME, config);
		// The application's resources: the event loops of its server and WebClients, not a second set.
		return new StreamGuardClient(builders.getIfAvailable(WebClient::builder), resources.getIfAvailable(),
				StreamGuardTransportAutoConfiguration.transportOptions(properties.getTransport().getUserTimeout(),
						properties.getTransport().getKeepalive()),
				properties.getReadIdleTimeout(), retry);
	}

	static RetryConfig retryConfig(StreamGuardClientProperties.Retry retry) {
		Duration initial = retry.getInitialBackoff();
		return RetryConfig.custom()
			.maxAttempts(retry.getMaxAttempts())
			.intervalFunction(IntervalFunction.ofExponentialRandomBackoff(initial, retry.getMultiplier(),
					retry.getJitter(), retry.getMaxBackoff()))
			.retryOnException(StreamGuardClient::isTransient)
			.build();
	}

}
