package dev.streamguard.helm;

import java.util.Map;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.SecurityContext;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

/**
 * The Deployment (and the Service and disruption budget in front of it) as the chart renders it.
 */
class DeploymentTests {

	private static final long DEFAULT_DRAIN_SECONDS = 20;

	private static final long DEFAULT_SHUTDOWN_PHASE_SECONDS = 25;

	@Test
	void probesAskSpringBootHealthGroupsOnTheHttpPort() {
		Container container = container(ChartRendering.withDefaults().render());
		assertThat(container.getPorts()).singleElement().satisfies((port) -> {
			assertThat(port.getName()).isEqualTo("http");
			assertThat(port.getContainerPort()).isEqualTo(8080);
		});
		assertHttpGet(container.getLivenessProbe(), "/actuator/health/liveness");
		assertHttpGet(container.getReadinessProbe(), "/actuator/health/readiness");
		assertHttpGet(container.getStartupProbe(), "/actuator/health/liveness");
	}

	@Test
	void probeBlocksCanBeOverriddenFieldByField() {
		Probe readiness = container(ChartRendering.withValuesFile("production-values.yaml").render()).getReadinessProbe();
		assertThat(readiness.getPeriodSeconds()).isEqualTo(2);
		assertThat(readiness.getFailureThreshold()).isEqualTo(2);
		assertHttpGet(readiness, "/actuator/health/readiness");
	}

	@Test
	void probeCanBeLeftOut() {
		Container container = container(ChartRendering.withDefaults().set("startupProbe", "null").render());
		assertThat(container.getStartupProbe()).isNull();
		assertThat(container.getLivenessProbe()).isNotNull();
	}

	@Test
	void containerRunsAsAnUnprivilegedUserOnAReadOnlyRootFilesystem() {
		Manifests manifests = ChartRendering.withDefaults().render();
		SecurityContext security = container(manifests).getSecurityContext();
		assertThat(security.getRunAsNonRoot()).isTrue();
		assertThat(security.getRunAsUser()).isEqualTo(10001L);
		assertThat(security.getReadOnlyRootFilesystem()).isTrue();
		assertThat(security.getAllowPrivilegeEscalation()).isFalse();
		assertThat(security.getPrivileged()).isNull();
		assertThat(security.getCapabilities().getDrop()).containsExactly("ALL");
		assertThat(security.getCapabilities().getAdd()).isEmpty();
		assertThat(security.getSeccompProfile().getType()).isEqualTo("RuntimeDefault");
		PodSpec pod = podSpec(manifests);
		assertThat(pod.getSecurityContext().getRunAsNonRoot()).isTrue();
		assertThat(pod.getSecurityContext().getRunAsUser()).isEqualTo(10001L);
		assertThat(pod.getSecurityContext().getSysctls()).isEmpty();
		assertThat(pod.getAutomountServiceAccountToken()).isFalse();
	}

	@Test
	void tmpIsAWritableEmptyDirBecauseTheRootFilesystemIsReadOnly() {
		Manifests manifests = ChartRendering.withDefaults().render();
		assertThat(container(manifests).getVolumeMounts()).filteredOn((mount) -> "/tmp".equals(mount.getMountPath()))
			.singleElement()
			.satisfies((mount) -> {
				assertThat(mount.getReadOnly()).isNull();
				assertThat(volume(manifests, mount).getEmptyDir().getSizeLimit()).isEqualTo(new Quantity("64Mi"));
			});
	}

	@Test
	void gracePeriodCoversPreStopDrainShutdownPhaseAndMargin() {
		Long gracePeriod = podSpec(ChartRendering.withDefaults().render()).getTerminationGracePeriodSeconds();
		// preStop 5s + drain 20s + shutdown phase 25s + margin 5s
		assertThat(gracePeriod).isEqualTo(55L).isGreaterThan(DEFAULT_DRAIN_SECONDS + DEFAULT_SHUTDOWN_PHASE_SECONDS);
	}

	@Test
	void gracePeriodFollowsALongerDrainAndShutdownPhase() {
		Long gracePeriod = podSpec(ChartRendering.withValuesFile("production-values.yaml").render())
			.getTerminationGracePeriodSeconds();
		// preStop 10s + drain 45s + shutdown phase 50s + margin 7s
		assertThat(gracePeriod).isEqualTo(112L).isGreaterThan(45L + 50L);
	}

	@Test
	void gracePeriodReadsEveryDurationUnitAndRoundsMillisecondsUp() {
		// drain 0s, preStop 15s, margin 5s: the phase timeout in whole seconds, plus 20
		assertThat(gracePeriodWithShutdownPhase("1500ms")).isEqualTo(2 + 20);
		assertThat(gracePeriodWithShutdownPhase("1001ms")).isEqualTo(2 + 20);
		assertThat(gracePeriodWithShutdownPhase("1s")).isEqualTo(1 + 20);
		assertThat(gracePeriodWithShutdownPhase("090s")).isEqualTo(90 + 20);
		assertThat(gracePeriodWithShutdownPhase("2m")).isEqualTo(120 + 20);
		assertThat(gracePeriodWithShutdownPhase("1h")).isEqualTo(3600 + 20);
		assertThat(gracePeriodWithShutdownPhase("1d")).isEqualTo(86400 + 20);
		// and the drain timeout the same way: 1ms of drain is a whole second of grace
		assertThat(podSpec(ChartRendering.withDefaults()
			.set("streamguard.drain.timeout", "1ms")
			.set("spring.lifecycle.timeout-per-shutdown-phase", "1001ms")
			.set("lifecycle.preStopSleepSeconds", 15)
			.render()).getTerminationGracePeriodSeconds()).isEqualTo(1 + 2 + 20);
	}

	@Test
	void preStopHookSleepsBeforeTheContainerIsSignalled() {
		assertThat(container(ChartRendering.withDefaults().render()).getLifecycle().getPreStop().getExec().getCommand())
			.containsExactly("sleep", "5");
		assertThat(container(ChartRendering.withValuesFile("production-values.yaml").render()).getLifecycle()
			.getPreStop()
			.getExec()
			.getCommand()).containsExactly("sleep", "10");
	}

	@Test
	void applicationConfigIsMountedAndAddedToSpringsConfigLocations() {
		Manifests manifests = ChartRendering.withDefaults().render();
		Container container = container(manifests);
		assertThat(container.getEnv()).extracting(EnvVar::getName, EnvVar::getValue)
			.contains(tuple("SPRING_CONFIG_ADDITIONAL_LOCATION", "optional:file:/config/"));
		assertThat(container.getVolumeMounts()).filteredOn((mount) -> "/config".equals(mount.getMountPath()))
			.singleElement()
			.satisfies((mount) -> {
				assertThat(mount.getReadOnly()).isTrue();
				assertThat(volume(manifests, mount).getConfigMap().getName()).isEqualTo(ChartRendering.FULLNAME);
			});
	}

	@Test
	void changedApplicationConfigRollsThePods() {
		String checksum = configChecksum(ChartRendering.withDefaults().render());
		assertThat(checksum).matches("[0-9a-f]{64}");
		assertThat(configChecksum(ChartRendering.withDefaults().render())).isEqualTo(checksum);
		assertThat(configChecksum(ChartRendering.withDefaults().set("streamguard.stall-timeout", "30s").render()))
			.isNotEqualTo(checksum);
	}

	@Test
	void imageTagDefaultsToTheChartsAppVersion() {
		Container container = container(ChartRendering.withDefaults().render());
		assertThat(container.getImage()).isEqualTo("streamguard-demo:0.1.0-SNAPSHOT");
		assertThat(container.getImagePullPolicy()).isEqualTo("IfNotPresent");
		Container production = container(ChartRendering.withValuesFile("production-values.yaml").render());
		assertThat(production.getImage()).isEqualTo("registry.example.com/streams/streamguard-demo:1.2.3");
		assertThat(production.getImagePullPolicy()).isEqualTo("Always");
	}

	@Test
	void resourcesComeFromValues() {
		Map<String, Quantity> requests = container(ChartRendering.withDefaults().render()).getResources().getRequests();
		assertThat(requests).containsEntry("cpu", new Quantity("250m")).containsEntry("memory", new Quantity("384Mi"));
		Container production = container(ChartRendering.withValuesFile("production-values.yaml").render());
		assertThat(production.getResources().getRequests()).containsEntry("cpu", new Quantity("1"))
			.containsEntry("memory", new Quantity("1Gi"));
		assertThat(production.getResources().getLimits()).containsOnly(Map.entry("memory", new Quantity("1536Mi")));
	}

	@Test
	void replicaCountComesFromValuesUnlessAutoscaled() {
		assertThat(ChartRendering.withDefaults().render().get(Deployment.class).getSpec().getReplicas()).isEqualTo(2);
		assertThat(ChartRendering.withDefaults().set("replicaCount", 5).render().get(Deployment.class).getSpec()
			.getReplicas()).isEqualTo(5);
		assertThat(ChartRendering.withDefaults().set("autoscaling.enabled", true).render().get(Deployment.class)
			.getSpec()
			.getReplicas()).isNull();
	}

	@Test
	void rolloutKeepsFullCapacity() {
		Deployment deployment = ChartRendering.withDefaults().render().get(Deployment.class);
		assertThat(deployment.getSpec().getStrategy().getType()).isEqualTo("RollingUpdate");
		assertThat(deployment.getSpec().getStrategy().getRollingUpdate().getMaxUnavailable().getIntVal()).isZero();
		assertThat(deployment.getSpec().getStrategy().getRollingUpdate().getMaxSurge().getIntVal()).isEqualTo(1);
	}

	@Test
	void podsAreSelectedByNameAndInstanceOnly() {
		Deployment deployment = ChartRendering.withDefaults().render().get(Deployment.class);
		Map<String, String> selector = Map.of("app.kubernetes.io/name", "streamguard-demo", "app.kubernetes.io/instance",
				ChartRendering.RELEASE);
		assertThat(deployment.getSpec().getSelector().getMatchLabels()).isEqualTo(selector);
		assertThat(deployment.getSpec().getTemplate().getMetadata().getLabels()).containsAllEntriesOf(selector)
			.containsEntry("app.kubernetes.io/version", "0.1.0-SNAPSHOT");
	}

	@Test
	void serviceSendsTrafficToTheHttpPortOfThePods() {
		Manifests manifests = ChartRendering.withDefaults().render();
		Service service = manifests.get(Service.class);
		assertThat(service.getSpec().getType()).isEqualTo("ClusterIP");
		assertThat(service.getSpec().getPorts()).singleElement().satisfies((port) -> {
			assertThat(port.getName()).isEqualTo("http");
			assertThat(port.getPort()).isEqualTo(80);
			assertThat(port.getTargetPort().getStrVal()).isEqualTo("http");
		});
		assertThat(service.getSpec().getSelector())
			.isEqualTo(manifests.get(Deployment.class).getSpec().getSelector().getMatchLabels());
	}

	@Test
	void disruptionBudgetLetsOnePodGoAtATime() {
		Manifests manifests = ChartRendering.withDefaults().render();
		PodDisruptionBudget budget = manifests.get(PodDisruptionBudget.class);
		assertThat(budget.getSpec().getMaxUnavailable().getIntVal()).isEqualTo(1);
		assertThat(budget.getSpec().getMinAvailable()).isNull();
		assertThat(budget.getSpec().getSelector().getMatchLabels())
			.isEqualTo(manifests.get(Deployment.class).getSpec().getSelector().getMatchLabels());
		PodDisruptionBudget byMinimum = ChartRendering.withDefaults()
			.set("podDisruptionBudget.maxUnavailable", "null")
			.set("podDisruptionBudget.minAvailable", "50%")
			.render()
			.get(PodDisruptionBudget.class);
		assertThat(byMinimum.getSpec().getMinAvailable().getStrVal()).isEqualTo("50%");
		assertThat(byMinimum.getSpec().getMaxUnavailable()).isNull();
	}

	private static long gracePeriodWithShutdownPhase(String phase) {
		return podSpec(ChartRendering.withDefaults()
			.set("streamguard.drain.timeout", "0s")
			.set("spring.lifecycle.timeout-per-shutdown-phase", phase)
			.set("lifecycle.preStopSleepSeconds", 15)
			.render()).getTerminationGracePeriodSeconds();
	}

	private static void assertHttpGet(Probe probe, String path) {
		assertThat(probe.getHttpGet().getPath()).isEqualTo(path);
		assertThat(probe.getHttpGet().getPort().getStrVal()).isEqualTo("http");
	}

	private static String configChecksum(Manifests manifests) {
		return manifests.get(Deployment.class).getSpec().getTemplate().getMetadata().getAnnotations()
			.get("checksum/config");
	}

	private static Volume volume(Manifests manifests, VolumeMount mount) {
		return podSpec(manifests).getVolumes()
			.stream()
			.filter((volume) -> volume.getName().equals(mount.getName()))
			.findFirst()
			.orElseThrow();
	}

	private static PodSpec podSpec(Manifests manifests) {
		return manifests.get(Deployment.class).getSpec().getTemplate().getSpec();
	}

	private static Container container(Manifests manifests) {
		assertThat(podSpec(manifests).getContainers()).hasSize(1);
		return podSpec(manifests).getContainers().get(0);
	}

}
