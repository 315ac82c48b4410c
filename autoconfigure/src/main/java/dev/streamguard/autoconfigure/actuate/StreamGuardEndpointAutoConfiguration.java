package dev.streamguard.autoconfigure.actuate;

import dev.streamguard.actuate.StreamsEndpoint;
import dev.streamguard.autoconfigure.StreamGuardAutoConfiguration;
import dev.streamguard.stream.StreamRegistry;

import org.springframework.boot.actuate.autoconfigure.endpoint.condition.ConditionalOnAvailableEndpoint;
import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;

/**
 * {@link org.springframework.boot.autoconfigure.EnableAutoConfiguration Auto-configuration}
 * for the {@code streams} Actuator endpoint. Like every endpoint but health, it is reachable
 * over HTTP only once listed in {@code management.endpoints.web.exposure.include}.
 *
 * @since 0.1.0
 */
@AutoConfiguration(after = StreamGuardAutoConfiguration.class)
@ConditionalOnClass(Endpoint.class)
@ConditionalOnBean(StreamRegistry.class)
@ConditionalOnAvailableEndpoint(StreamsEndpoint.class)
@EnableConfigurationProperties(StreamsEndpointProperties.class)
public final class StreamGuardEndpointAutoConfiguration {

	@Bean
	@ConditionalOnMissingBean
	StreamsEndpoint streamsEndpoint(StreamRegistry registry, StreamsEndpointProperties properties) {
		return new StreamsEndpoint(registry, properties.getShowDetails(), properties.getRoles());
	}

}
