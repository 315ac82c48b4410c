package dev.streamguard.helm;

import io.fabric8.kubernetes.api.model.Probe;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatException;

/**
 * Tests for {@link Manifests}: the typed reading the other tests rely on to catch a misspelled
 * field in a template.
 */
class ManifestsTests {

	@Test
	void knownFieldsAreRead() {
		Probe probe = Manifests.read("httpGet: {path: /actuator/health/liveness, port: http}\nperiodSeconds: 10", Probe.class);
		assertThat(probe.getPeriodSeconds()).isEqualTo(10);
		assertThat(probe.getHttpGet().getPort().getStrVal()).isEqualTo("http");
	}

	@Test
	void misspelledFieldFailsTheRead() {
		assertThatException().isThrownBy(() -> Manifests.read("periodSecond: 10", Probe.class))
			.withMessageContaining("periodSecond");
	}

	@Test
	void misspelledNestedFieldFailsTheRead() {
		assertThatException()
			.isThrownBy(() -> Manifests.read("httpGet: {pth: /actuator/health/liveness, port: http}", Probe.class))
			.withMessageContaining("pth");
	}

}
