package dev.streamguard.autoconfigure;

import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Import;

/**
 * Binds {@link StreamGuardProperties} and checks them as they are bound. Imported by every
 * auto-configuration that reads them, so that each of them, on its own, fails startup on the
 * same values.
 *
 * @since 0.2.0
 */
@Configuration(proxyBeanMethods = false)
@EnableConfigurationProperties(StreamGuardProperties.class)
@Import(StreamGuardBindHandlerAdvisor.class)
public final class StreamGuardPropertiesConfiguration {

}
