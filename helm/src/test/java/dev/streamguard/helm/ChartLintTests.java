package dev.streamguard.helm;

import com.marcnuri.helm.LintResult;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code helm lint --strict} on the chart.
 */
class ChartLintTests {

	@Test
	void lintPassesWithDefaultValues() {
		assertPasses(ChartRendering.withDefaults().lint());
	}

	@Test
	void lintPassesWithProductionValues() {
		assertPasses(ChartRendering.withValuesFile("production-values.yaml").lint());
	}

	@Test
	void lintPassesWithEveryOptionalObjectEnabled() {
		assertPasses(ChartRendering.withValuesFile("all-optional-objects-values.yaml").lint());
	}

	@Test
	void lintFailsOnValuesTheSchemaRejects() {
		LintResult lint = ChartRendering.withValuesFile("invalid-values.yaml").lint();
		assertThat(lint.isFailed()).isTrue();
		assertThat(String.join("\n", lint.getMessages())).contains("replicaCount").contains("drain");
	}

	private static void assertPasses(LintResult lint) {
		assertThat(lint.isFailed()).as("helm lint failed: %s", lint.getMessages()).isFalse();
		assertThat(lint.getMessages()).noneMatch((message) -> message.contains("[WARNING]"));
	}

}
