package dev.streamguard.helm;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * NOTES.txt, printed by {@code helm install}.
 */
class NotesTests {

	@Test
	void notesTellHowToReachTheServiceAndHowTheGracePeriodWasDerived() {
		assertThat(ChartRendering.withDefaults().notes())
			.contains("kubectl --namespace streams port-forward service/demo-streamguard-demo 8080:80")
			.contains("Pods: 2 (--set replicaCount=N, or autoscaling.enabled=true)")
			.contains("preStop sleep 5s, stream drain 20s, shutdown phase 25s, margin 5s")
			.contains("terminationGracePeriodSeconds = 55.")
			.doesNotContain("ServiceMonitor")
			.doesNotContain("/actuator/streams");
	}

	@Test
	void notesFollowTheEnabledOptions() {
		String notes = ChartRendering.withValuesFile("all-optional-objects-values.yaml")
			.valuesFile("production-values.yaml")
			.notes();
		assertThat(notes).contains("Pods: 3 to 12, scaled on CPU and on streamguard_streams_active per pod")
			.contains("terminationGracePeriodSeconds = 112.")
			.contains("ServiceMonitor demo-streamguard-demo")
			.contains("ConfigMap demo-streamguard-demo-dashboard")
			.contains("/actuator/streams");
	}

}
