package dev.streamguard.helm;

import io.fabric8.kubernetes.api.model.apps.Deployment;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * values.schema.json and the template checks: bad values fail {@code helm template} (and so
 * {@code helm install}) with a message that names the key.
 */
class ValuesSchemaTests {

	@Test
	void negativeReplicaCountIsRejected() {
		assertThat(ChartRendering.withDefaults().set("replicaCount", -1).renderFailure()).contains("/replicaCount")
			.contains("minimum");
	}

	@Test
	void replicaCountOfTheWrongTypeIsRejected() {
		assertThat(ChartRendering.withDefaults().set("replicaCount", "two").renderFailure()).contains("/replicaCount")
			.contains("want integer");
	}

	@Test
	void drainTimeoutThatIsNotADurationIsRejected() {
		assertThat(ChartRendering.withDefaults().set("streamguard.drain.timeout", "soon").renderFailure())
			.contains("/streamguard/drain/timeout")
			.contains("'soon'");
	}

	@Test
	void durationWithoutAUnitIsRejected() {
		assertThat(ChartRendering.withDefaults()
			.set("spring.lifecycle.timeout-per-shutdown-phase", "\"30\"")
			.renderFailure()).contains("/spring/lifecycle/timeout-per-shutdown-phase");
		assertThat(ChartRendering.withDefaults().set("streamguard.transport.user-timeout", 30).renderFailure())
			.contains("/streamguard/transport/user-timeout");
	}

	@Test
	void shutdownPhaseThatEndsBeforeTheDrainIsRejected() {
		assertThat(ChartRendering.withDefaults()
			.set("streamguard.drain.timeout", "20s")
			.set("spring.lifecycle.timeout-per-shutdown-phase", "10s")
			.renderFailure()).contains("spring.lifecycle.timeout-per-shutdown-phase (10s) must be at least "
					+ "streamguard.drain.timeout (20s) plus 1s")
			.contains("set spring.lifecycle.timeout-per-shutdown-phase to 21s or more, or lower streamguard.drain.timeout");
		assertThat(ChartRendering.withDefaults()
			.set("streamguard.drain.timeout", "1500ms")
			.set("spring.lifecycle.timeout-per-shutdown-phase", "2499ms")
			.renderFailure()).contains("to 2500ms or more");
	}

	@Test
	void shutdownPhaseOfTheDrainPlusOneSecondIsAccepted() {
		assertThat(ChartRendering.withDefaults()
			.set("streamguard.drain.timeout", "20s")
			.set("spring.lifecycle.timeout-per-shutdown-phase", "21000ms")
			.render()
			.get(Deployment.class)).isNotNull();
	}

	@Test
	void windowSizeThatIsNotADataSizeIsRejected() {
		assertThat(ChartRendering.withDefaults().set("streamguard.window.high", "1 megabyte").renderFailure())
			.contains("/streamguard/window/high");
	}

	@Test
	void trustedProxyThatIsAHostNameIsRejected() {
		assertThat(ChartRendering.withDefaults().set("streamguard.trusted-proxies[0]", "ingress.example.com")
			.renderFailure()).contains("/streamguard/trusted-proxies/0");
	}

	@Test
	void misspelledStreamGuardPropertyIsRejected() {
		assertThat(ChartRendering.withDefaults().set("streamguard.stall-timout", "5s").renderFailure())
			.contains("/streamguard")
			.contains("stall-timout");
	}

	@Test
	void routeThatNamesItsBulkheadOutsideItsResilienceGroupIsRejected() {
		assertThat(ChartRendering.withValuesFile("flat-resilience-route-values.yaml").renderFailure())
			.contains("/streamguard/routes/~1export~1**")
			.contains("bulkhead");
	}

	@Test
	void misspelledTopLevelKeyIsRejected() {
		assertThat(ChartRendering.withDefaults().set("replicaCont", 3).renderFailure()).contains("replicaCont");
	}

	@Test
	void negativePreStopSleepIsRejected() {
		assertThat(ChartRendering.withDefaults().set("lifecycle.preStopSleepSeconds", -5).renderFailure())
			.contains("/lifecycle/preStopSleepSeconds");
	}

	@Test
	void unknownPullPolicyIsRejected() {
		assertThat(ChartRendering.withDefaults().set("image.pullPolicy", "Sometimes").renderFailure())
			.contains("/image/pullPolicy");
	}

	@Test
	void disruptionBudgetWithBothMinAvailableAndMaxUnavailableIsRejected() {
		assertThat(ChartRendering.withDefaults().set("podDisruptionBudget.minAvailable", 1).renderFailure())
			.contains("podDisruptionBudget sets both minAvailable (1) and maxUnavailable (1)");
	}

}
