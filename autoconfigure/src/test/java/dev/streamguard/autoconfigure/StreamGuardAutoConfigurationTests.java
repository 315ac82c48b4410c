package dev.streamguard.autoconfigure;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;

import dev.streamguard.stream.StreamEndLogger;
import dev.streamguard.stream.StreamRegistry;
import dev.streamguard.stream.TerminationReason;
import dev.streamguard.web.ClientAddressResolver;
import dev.streamguard.web.StreamGuardWebFilter;
import dev.streamguard.web.StreamPolicyResolver;
import org.junit.jupiter.api.Test;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ReactiveWebApplicationContextRunner;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.http.server.PathContainer;
import org.springframework.mock.http.server.reactive.MockServerHttpRequest;
import org.springframework.web.server.WebFilter;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for {@link StreamGuardAutoConfiguration}.
 */
class StreamGuardAutoConfigurationTests {

	private final ReactiveWebApplicationContextRunner contextRunner = new ReactiveWebApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(StreamGuardAutoConfiguration.class));

	@Test
	void guardsStreamsByDefault() {
		this.contextRunner.run((context) -> assertThat(context).hasSingleBean(StreamGuardWebFilter.class)
			.hasSingleBean(StreamRegistry.class)
			.hasSingleBean(StreamPolicyResolver.class)
			.hasSingleBean(StreamEndLogger.class));
	}

	@Test
	void backsOffWhenDisabled() {
		this.contextRunner.withPropertyValues("streamguard.enabled=false")
			.run((context) -> assertThat(context).doesNotHaveBean(StreamGuardWebFilter.class)
				.doesNotHaveBean(StreamRegistry.class));
	}

	@Test
	void backsOffOutsideWebApplications() {
		new ApplicationContextRunner().withConfiguration(AutoConfigurations.of(StreamGuardAutoConfiguration.class))
			.run((context) -> assertThat(context).doesNotHaveBean(StreamGuardWebFilter.class));
	}

	@Test
	void backsOffWithoutWebFlux() {
		this.contextRunner.withClassLoader(new FilteredClassLoader(WebFilter.class))
			.run((context) -> assertThat(context).doesNotHaveBean(StreamGuardWebFilter.class));
	}

	@Test
	void userBeansReplaceOurs() {
		this.contextRunner.withUserConfiguration(UserConfiguration.class).run((context) -> {
			assertThat(context).hasSingleBean(StreamRegistry.class).hasSingleBean(StreamPolicyResolver.class);
			assertThat(context.getBean(StreamRegistry.class)).isSameAs(UserConfiguration.REGISTRY);
			assertThat(context.getBean(StreamPolicyResolver.class)).isSameAs(UserConfiguration.RESOLVER);
		});
	}

	@Test
	void routesAndDefaultsBindIntoThePolicyResolver() {
		this.contextRunner
			.withPropertyValues("streamguard.stall-timeout=5s", "streamguard.routes[/export/**].stall-timeout=5m",
					"streamguard.routes[/export/**].window-high=2MB", "streamguard.routes[/export/**].window-low=1MB")
			.run((context) -> {
				StreamPolicyResolver resolver = context.getBean(StreamPolicyResolver.class);
				assertThat(resolver.resolve(PathContainer.parsePath("/export/all")).stallTimeout())
					.isEqualTo(Duration.ofMinutes(5));
				assertThat(resolver.resolve(PathContainer.parsePath("/export/all")).windowHigh().toMegabytes())
					.isEqualTo(2);
				assertThat(resolver.resolve(PathContainer.parsePath("/other")).stallTimeout())
					.isEqualTo(Duration.ofSeconds(5));
			});
	}

	@Test
	void negativeDurationFailsStartupNamingPropertyAndValue() {
		this.contextRunner.withPropertyValues("streamguard.stall-timeout=-5s")
			.run((context) -> assertThat(context).hasFailed()
				.getFailure()
				.rootCause()
				.hasMessageContaining("streamguard.stall-timeout (PT-5S) must not be negative"));
	}

	@Test
	void leaseIsFiveMinutesUnlessARouteSetsItsOwnOrTurnsItOff() {
		this.contextRunner
			.withPropertyValues("streamguard.routes[/short/**].lease=30", "streamguard.routes[/export/**].lease=0")
			.run((context) -> {
				StreamPolicyResolver policies = context.getBean(StreamPolicyResolver.class);
				assertThat(policies.resolve(PathContainer.parsePath("/ticks")).lease()).isEqualTo(Duration.ofMinutes(5));
				assertThat(policies.resolve(PathContainer.parsePath("/short/a")).lease())
					.isEqualTo(Duration.ofSeconds(30));
				assertThat(policies.resolve(PathContainer.parsePath("/export/a")).lease()).isNull();
			});
	}

	@Test
	void badTrustedProxyFailsStartupNamingPropertyAndValue() {
		this.contextRunner.withPropertyValues("streamguard.trusted-proxies=10.0.0.0/8, 10.0.0.0/33")
			.run((context) -> assertThat(context).hasFailed()
				.getFailure()
				.rootCause()
				.hasMessageContaining("streamguard.trusted-proxies[1] (10.0.0.0/33) is invalid: '10.0.0.0/33' has an "
						+ "invalid prefix length '33'; it must be from 0 to 32 for an IPv4 block"));
	}

	@Test
	void trustedProxiesConfigureTheClientAddressResolver() {
		this.contextRunner
			.withPropertyValues("streamguard.trusted-proxies=127.0.0.1", "streamguard.forwarded-header=forwarded")
			.run((context) -> {
				ClientAddressResolver resolver = context.getBean(ClientAddressResolver.class);
				InetSocketAddress proxy = new InetSocketAddress(InetAddress.getLoopbackAddress(), 1234);
				assertThat(resolver.resolve(MockServerHttpRequest.get("/")
					.remoteAddress(proxy)
					.header("Forwarded", "for=203.0.113.7")
					.header("X-Forwarded-For", "192.0.2.1")
					.build())).isEqualTo(new InetSocketAddress(InetAddress.getByName("203.0.113.7"), 0));
			});
	}

	@Test
	void negativeLeaseFailsStartupNamingPropertyAndValue() {
		this.contextRunner.withPropertyValues("streamguard.routes[/export/**].lease=-1s")
			.run((context) -> assertThat(context).hasFailed()
				.getFailure()
				.rootCause()
				.hasMessageContaining("streamguard.routes[/export/**].lease (PT-1S) must not be negative"));
	}

	@Test
	void windowLowAboveHighFailsStartupNamingBoth() {
		this.contextRunner.withPropertyValues("streamguard.window.low=2MB", "streamguard.window.high=1MB")
			.run((context) -> assertThat(context).hasFailed()
				.getFailure()
				.rootCause()
				.hasMessageContaining("streamguard.window.low (2097152B) must not be greater than "
						+ "streamguard.window.high (1048576B)"));
	}

	@Test
	void routeWithNegativeDurationFailsStartupNamingTheRoute() {
		this.contextRunner.withPropertyValues("streamguard.routes[/export/**].idle-timeout=-1s")
			.run((context) -> assertThat(context).hasFailed()
				.getFailure()
				.rootCause()
				.hasMessageContaining("streamguard.routes[/export/**].idle-timeout (PT-1S) must not be negative"));
	}

	@Test
	void invalidRoutePatternFailsStartup() {
		this.contextRunner.withPropertyValues("streamguard.routes[/export/{bad].idle-timeout=1s")
			.run((context) -> assertThat(context).hasFailed()
				.getFailure()
				.rootCause()
				.hasMessageContaining("/export/{bad")
				.hasMessageContaining("is not a valid path pattern"));
	}

	@Test
	void routeKeyThatLostItsSlashesFailsStartupExplainingTheBrackets() {
		this.contextRunner.withPropertyValues("streamguard.routes.exportall.idle-timeout=1s")
			.run((context) -> assertThat(context).hasFailed()
				.getFailure()
				.rootCause()
				.hasMessageContaining("streamguard.routes (exportall) is not a path pattern")
				.hasMessageContaining("[/export/**]"));
	}

	@Test
	void unknownReasonNameFailsStartupNamingPropertyAndValue() {
		this.contextRunner.withPropertyValues("streamguard.logging.debug-reasons=COMPLETED,FINISHED")
			.run((context) -> {
				assertThat(context).hasFailed();
				assertThat(context.getStartupFailure()).hasStackTraceContaining("streamguard.logging.debug-reasons")
					.rootCause()
					.hasMessageContaining("FINISHED");
			});
	}

	@Test
	void reasonNamesBindInAnyCase() {
		this.contextRunner.withPropertyValues("streamguard.logging.debug-reasons=completed,client-closed")
			.run((context) -> assertThat(context.getBean(StreamGuardProperties.class).getLogging().getDebugReasons())
				.containsExactlyInAnyOrder(TerminationReason.COMPLETED, TerminationReason.CLIENT_CLOSED));
	}

	@Configuration(proxyBeanMethods = false)
	static class UserConfiguration {

		static final StreamRegistry REGISTRY = new StreamRegistry(List.of());

		static final StreamPolicyResolver RESOLVER = new StreamPolicyResolver(
				StreamPolicies.resolver(new StreamGuardProperties()).defaults(), java.util.Map.of());

		@Bean
		StreamRegistry userRegistry() {
			return REGISTRY;
		}

		@Bean
		StreamPolicyResolver userResolver() {
			return RESOLVER;
		}

	}

}
