package dev.streamguard.autoconfigure;

import java.time.Duration;

import dev.streamguard.stream.StreamAdmission;
import dev.streamguard.stream.StreamDrainer;
import dev.streamguard.stream.StreamEndLogger;
import dev.streamguard.stream.StreamGate;
import dev.streamguard.stream.StreamListener;
import dev.streamguard.stream.StreamRegistry;
import dev.streamguard.stream.StreamWriterPool;
import dev.streamguard.web.ClientAddressResolver;
import dev.streamguard.web.Http2GoAway;
import dev.streamguard.web.StreamGuardWebFilter;
import dev.streamguard.web.StreamPolicyCustomizer;
import dev.streamguard.web.StreamPolicyResolver;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import reactor.core.publisher.Flux;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.boot.autoconfigure.context.LifecycleProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;
import org.springframework.core.env.Environment;
import org.springframework.util.ClassUtils;
import org.springframework.web.server.WebFilter;

/**
 * {@link org.springframework.boot.autoconfigure.EnableAutoConfiguration Auto-configuration}
 * for StreamGuard: guards every streaming response of a reactive web application.
 *
 * @since 0.1.0
 */
@AutoConfiguration
@ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.REACTIVE)
@ConditionalOnClass({ WebFilter.class, Flux.class })
@ConditionalOnBooleanProperty(name = "streamguard.enabled", matchIfMissing = true)
@Import(StreamGuardPropertiesConfiguration.class)
public final class StreamGuardAutoConfiguration {

	private static final Log logger = LogFactory.getLog(StreamGuardAutoConfiguration.class);

	@Bean
	@ConditionalOnMissingBean
	StreamEndLogger streamEndLogger(StreamGuardProperties properties) {
		return new StreamEndLogger(properties.getLogging().getDebugReasons());
	}

	@Bean
	@ConditionalOnMissingBean
	StreamRegistry streamRegistry(ObjectProvider<StreamListener> listeners) {
		return new StreamRegistry(listeners.orderedStream().toList());
	}

	@Bean
	@ConditionalOnMissingBean
	StreamGate streamGate(StreamGuardProperties properties) {
		StreamGate gate = new StreamGate(properties.getMaxStreams(), properties.getMaxStreamsPerClient());
		gate.setRetryAfter(properties.getDrain().getReconnectDelay());
		return gate;
	}

	@Bean
	@ConditionalOnMissingBean
	StreamPolicyResolver streamPolicyResolver(StreamGuardProperties properties,
			ObjectProvider<StreamPolicyCustomizer> customizers) {
		return StreamPolicies.resolver(properties, customizers.orderedStream().toList());
	}

	@Bean
	@ConditionalOnMissingBean
	StreamWriterPool streamWriterPool(StreamGuardProperties properties) {
		StreamGuardProperties.Writer writer = properties.getWriter();
		StreamWriterPool pool = StreamWriterPool.create(writer.isVirtualThreads(), writer.getMaxThreads(),
				properties.getDrain().getReconnectDelay());
		logger.info("StreamGuard blocking producers run on " + (pool.virtualThreads() ? "virtual threads"
				: "platform threads") + ((pool.maxThreads() > 0) ? ", at most " + pool.maxThreads() + " at once" : ""));
		return pool;
	}

	@Bean
	@ConditionalOnMissingBean
	ClientAddressResolver streamGuardClientAddressResolver(StreamGuardProperties properties, Environment environment) {
		String strategy = environment.getProperty("server.forward-headers-strategy", "none");
		if (properties.getTrustedProxies().isEmpty() && !"none".equalsIgnoreCase(strategy)) {
			// The server believes the headers of anyone; the limit per client must not.
			logger.warn("server.forward-headers-strategy=" + strategy + " does not change which client "
					+ "streamguard.max-streams-per-client counts: every stream counts for its connection's address. "
					+ "Behind a proxy, set streamguard.trusted-proxies to the proxy's addresses or CIDR blocks");
		}
		return properties.clientAddressResolver();
	}

	@Bean
	@ConditionalOnMissingBean
	StreamGuardWebFilter streamGuardWebFilter(StreamRegistry registry, StreamPolicyResolver policies,
			ObjectProvider<StreamAdmission> admissions, StreamGuardProperties properties,
			ObjectProvider<StreamWriterPool> writerPool, ObjectProvider<ClientAddressResolver> clientAddresses) {
		if (!ClassUtils.isPresent("io.github.resilience4j.bulkhead.BulkheadRegistry", getClass().getClassLoader())) {
			logger.info("StreamGuard resilience is off: Resilience4j is not on the class path (add "
					+ "io.github.resilience4j:resilience4j-spring-boot4 for bulkheads, rate limiters, time limiters and "
					+ "circuit breakers per route)");
		}
		StreamGuardWebFilter filter = new StreamGuardWebFilter(registry, policies, admissions.orderedStream().toList(),
				properties.streamMediaTypes(), properties.getDrain().getReconnectDelay());
		filter.setWriterPool(writerPool.getIfAvailable());
		filter.setClientAddressResolver(clientAddresses.getIfAvailable());
		return filter;
	}

	@Bean
	@ConditionalOnMissingBean
	StreamDrainer streamDrainer(StreamRegistry registry, StreamGate gate) {
		return new StreamDrainer(registry, gate, Http2GoAway::announce);
	}

	@Bean
	@ConditionalOnMissingBean
	StreamDrainLifecycle streamDrainLifecycle(StreamDrainer drainer, StreamGuardProperties properties,
			ObjectProvider<LifecycleProperties> lifecycleProperties) {
		Duration drainTimeout = properties.getDrain().getTimeout();
		// Without Boot's lifecycle properties the application has its own lifecycle processor,
		// whose timeouts cannot be read: only Boot's spring.lifecycle.* can be checked here.
		lifecycleProperties.ifAvailable((lifecycle) -> ShutdownPhaseTooShortException.throwIfTooShort(drainTimeout,
				lifecycle.getTimeoutPerShutdownPhase()));
		return new StreamDrainLifecycle(drainer, drainTimeout);
	}

}
