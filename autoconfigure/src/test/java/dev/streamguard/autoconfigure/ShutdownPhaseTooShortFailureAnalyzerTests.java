package dev.streamguard.autoconfigure;

import org.junit.jupiter.api.Test;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.context.LifecycleAutoConfiguration;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.boot.diagnostics.FailureAnalyzer;
import org.springframework.boot.test.context.runner.ReactiveWebApplicationContextRunner;
import org.springframework.core.io.support.SpringFactoriesLoader;
import org.springframework.core.io.support.SpringFactoriesLoader.FailureHandler;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for {@link ShutdownPhaseTooShortFailureAnalyzer} and the startup check behind it.
 */
class ShutdownPhaseTooShortFailureAnalyzerTests {

	private final ReactiveWebApplicationContextRunner contextRunner = new ReactiveWebApplicationContextRunner()
		.withConfiguration(
				AutoConfigurations.of(LifecycleAutoConfiguration.class, StreamGuardAutoConfiguration.class));

	@Test
	void startupFailsWhenTheShutdownPhaseEndsBeforeTheDrain() {
		this.contextRunner
			.withPropertyValues("streamguard.drain.timeout=20s", "spring.lifecycle.timeout-per-shutdown-phase=10s")
			.run((context) -> assertThat(context).getFailure()
				.rootCause()
				.isInstanceOf(ShutdownPhaseTooShortException.class)
				.hasMessage("spring.lifecycle.timeout-per-shutdown-phase (10s) must be at least "
						+ "streamguard.drain.timeout (20s) plus 1s, or Spring gives up on the stream drain before it "
						+ "ends; set spring.lifecycle.timeout-per-shutdown-phase to 21s or more, or lower "
						+ "streamguard.drain.timeout"));
	}

	@Test
	void shutdownPhaseAsLongAsTheDrainIsStillTooShort() {
		this.contextRunner
			.withPropertyValues("streamguard.drain.timeout=20s", "spring.lifecycle.timeout-per-shutdown-phase=20s")
			.run((context) -> assertThat(context).getFailure()
				.rootCause()
				.isInstanceOf(ShutdownPhaseTooShortException.class));
	}

	@Test
	void analysisNamesBothPropertiesTheirValuesAndWhatToDo() {
		this.contextRunner
			.withPropertyValues("streamguard.drain.timeout=20s", "spring.lifecycle.timeout-per-shutdown-phase=10s")
			.run((context) -> {
				FailureAnalysis analysis = new ShutdownPhaseTooShortFailureAnalyzer()
					.analyze(context.getStartupFailure());
				assertThat(analysis).isNotNull();
				assertThat(analysis.getDescription()).contains("streamguard.drain.timeout=20s")
					.contains("spring.lifecycle.timeout-per-shutdown-phase=10s")
					.contains("give up on the drain after 10s");
				assertThat(analysis.getAction())
					.startsWith("Set spring.lifecycle.timeout-per-shutdown-phase to 21s or more")
					.contains("or lower streamguard.drain.timeout to 9s or less")
					.contains("terminationGracePeriodSeconds");
			});
	}

	@Test
	void analysisKeepsMillisecondsAndOffersNoNegativeDrain() {
		this.contextRunner
			.withPropertyValues("streamguard.drain.timeout=1500ms",
					"spring.lifecycle.timeout-per-shutdown-phase=500ms")
			.run((context) -> {
				FailureAnalysis analysis = new ShutdownPhaseTooShortFailureAnalyzer()
					.analyze(context.getStartupFailure());
				assertThat(analysis).isNotNull();
				assertThat(analysis.getDescription()).contains("streamguard.drain.timeout=1500ms")
					.contains("spring.lifecycle.timeout-per-shutdown-phase=500ms");
				assertThat(analysis.getAction()).contains("to 2500ms or more").doesNotContain("or lower");
			});
	}

	@Test
	void shutdownPhaseThatCoversTheDrainAndItsMarginStarts() {
		this.contextRunner
			.withPropertyValues("streamguard.drain.timeout=20s", "spring.lifecycle.timeout-per-shutdown-phase=21s")
			.run((context) -> assertThat(context).hasNotFailed().hasSingleBean(StreamDrainLifecycle.class));
	}

	@Test
	void defaultsAgree() {
		this.contextRunner.run((context) -> assertThat(context).hasNotFailed());
	}

	@Test
	void applicationsWithTheirOwnLifecycleProcessorAreNotChecked() {
		new ReactiveWebApplicationContextRunner()
			.withConfiguration(AutoConfigurations.of(StreamGuardAutoConfiguration.class))
			.withPropertyValues("streamguard.drain.timeout=20s", "spring.lifecycle.timeout-per-shutdown-phase=10s")
			.run((context) -> assertThat(context).hasNotFailed());
	}

	@Test
	void analyzerIsRegisteredWithSpringBoot() {
		// Boot's own analyzers need the bean factory as an argument: leave them out.
		FailureHandler skipOthers = FailureHandler.handleMessage((message, failure) -> {
		});
		assertThat(SpringFactoriesLoader.forDefaultResourceLocation(getClass().getClassLoader())
			.load(FailureAnalyzer.class, null, skipOthers))
			.hasAtLeastOneElementOfType(ShutdownPhaseTooShortFailureAnalyzer.class);
	}

}
