package dev.streamguard.autoconfigure;

import dev.streamguard.source.ByteSource;
import dev.streamguard.source.StreamSource;
import dev.streamguard.web.StreamSourceRoutes;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.AnyNestedCondition;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Conditional;
import org.springframework.context.annotation.Import;
import org.springframework.web.reactive.function.server.RouterFunction;
import org.springframework.web.reactive.function.server.ServerResponse;

/**
 * {@link org.springframework.boot.autoconfigure.EnableAutoConfiguration Auto-configuration}
 * that serves {@link StreamSource} and {@link ByteSource} beans with resume.
 *
 * @since 0.1.0
 */
@AutoConfiguration(after = StreamGuardAutoConfiguration.class)
@ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.REACTIVE)
@ConditionalOnClass(RouterFunction.class)
@Conditional(StreamSourceAutoConfiguration.AnySource.class)
@ConditionalOnBooleanProperty(name = { "streamguard.enabled", "streamguard.endpoint.enabled" }, matchIfMissing = true)
@Import(StreamGuardPropertiesConfiguration.class)
public final class StreamSourceAutoConfiguration {

	@Bean
	@ConditionalOnMissingBean
	StreamSourceRoutes streamSourceRoutes(StreamGuardProperties properties, ObjectProvider<StreamSource<?>> sources,
			ObjectProvider<ByteSource> byteSources) {
		return new StreamSourceRoutes(properties.getEndpoint().getBasePath(), sources.orderedStream().toList(),
				byteSources.orderedStream().toList());
	}

	@Bean
	RouterFunction<ServerResponse> streamSourceRouterFunction(StreamSourceRoutes routes) {
		return routes.routes();
	}

	/**
	 * Matches when there is at least one source of either kind.
	 */
	static final class AnySource extends AnyNestedCondition {

		AnySource() {
			super(ConfigurationPhase.REGISTER_BEAN);
		}

		@ConditionalOnBean(StreamSource.class)
		static final class Positioned {

		}

		@ConditionalOnBean(ByteSource.class)
		static final class Bytes {

		}

	}

}
