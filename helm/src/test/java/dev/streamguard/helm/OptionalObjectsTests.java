package dev.streamguard.helm;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscaler;
import io.fabric8.kubernetes.api.model.autoscaling.v2.MetricSpec;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyIngressRule;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The chart's optional objects: absent by default, rendered as expected when enabled.
 */
class OptionalObjectsTests {

	private static final String FULLNAME = ChartRendering.FULLNAME;

	/** The meters the service publishes, as Prometheus names them. */
	private static final Set<String> STREAMGUARD_METRICS = Set.of("streamguard_streams_active",
			"streamguard_streams_ended_total", "streamguard_stream_duration_seconds_count",
			"streamguard_stream_duration_seconds_sum", "streamguard_stream_duration_seconds_max",
			"streamguard_stream_sent_bytes_total", "streamguard_stream_stalls_total",
			"streamguard_stream_pending_bytes");

	private static final Pattern METRIC_NAME = Pattern.compile("\\bstreamguard_[a-z_]+");

	@Test
	void defaultsRenderOnlyTheWorkloadItsConfigAndItsDisruptionBudget() {
		assertThat(ChartRendering.withDefaults().render().objects()).containsExactly(
				"apps/v1/Deployment/" + FULLNAME, "policy/v1/PodDisruptionBudget/" + FULLNAME,
				"v1/ConfigMap/" + FULLNAME, "v1/Service/" + FULLNAME);
	}

	@Test
	void everyOptionalObjectIsRenderedWhenEnabled() {
		assertThat(ChartRendering.withValuesFile("all-optional-objects-values.yaml").render().objects())
			.containsExactly("apps/v1/Deployment/" + FULLNAME, "autoscaling/v2/HorizontalPodAutoscaler/" + FULLNAME,
					"monitoring.coreos.com/v1/ServiceMonitor/" + FULLNAME,
					"networking.k8s.io/v1/NetworkPolicy/" + FULLNAME, "policy/v1/PodDisruptionBudget/" + FULLNAME,
					"v1/ConfigMap/" + FULLNAME, "v1/ConfigMap/" + FULLNAME + "-dashboard",
					"v1/Service/" + FULLNAME);
	}

	@Test
	void disruptionBudgetCanBeSwitchedOff() {
		assertThat(ChartRendering.withDefaults().set("podDisruptionBudget.enabled", false).render().objects())
			.noneMatch((object) -> object.contains("PodDisruptionBudget"));
	}

	@Test
	void autoscalerScalesTheDeploymentOnCpuOnlyUnlessTheStreamsMetricIsEnabled() {
		HorizontalPodAutoscaler autoscaler = ChartRendering.withDefaults()
			.set("autoscaling.enabled", true)
			.render()
			.get(HorizontalPodAutoscaler.class);
		assertThat(autoscaler.getSpec().getScaleTargetRef().getKind()).isEqualTo("Deployment");
		assertThat(autoscaler.getSpec().getScaleTargetRef().getName()).isEqualTo(FULLNAME);
		assertThat(autoscaler.getSpec().getMinReplicas()).isEqualTo(2);
		assertThat(autoscaler.getSpec().getMaxReplicas()).isEqualTo(10);
		assertThat(autoscaler.getSpec().getMetrics()).singleElement().satisfies((metric) -> {
			assertThat(metric.getType()).isEqualTo("Resource");
			assertThat(metric.getResource().getName()).isEqualTo("cpu");
			assertThat(metric.getResource().getTarget().getType()).isEqualTo("Utilization");
			assertThat(metric.getResource().getTarget().getAverageUtilization()).isEqualTo(70);
		});
		assertThat(autoscaler.getSpec().getBehavior().getScaleDown().getStabilizationWindowSeconds()).isEqualTo(300);
	}

	@Test
	void autoscalerAlsoScalesOnOpenStreamsPerPodWhenEnabled() {
		List<MetricSpec> metrics = ChartRendering.withValuesFile("all-optional-objects-values.yaml")
			.render()
			.get(HorizontalPodAutoscaler.class)
			.getSpec()
			.getMetrics();
		assertThat(metrics).hasSize(2);
		assertThat(metrics.get(0).getResource().getTarget().getAverageUtilization()).isEqualTo(60);
		assertThat(metrics.get(1)).satisfies((metric) -> {
			assertThat(metric.getType()).isEqualTo("Pods");
			assertThat(metric.getPods().getMetric().getName()).isEqualTo("streamguard_streams_active");
			assertThat(metric.getPods().getTarget().getType()).isEqualTo("AverageValue");
			assertThat(metric.getPods().getTarget().getAverageValue().toString()).isEqualTo("800");
		});
	}

	@Test
	void serviceMonitorScrapesThePrometheusEndpointOfTheService() {
		Manifests manifests = ChartRendering.withValuesFile("all-optional-objects-values.yaml").render();
		GenericKubernetesResource monitor = manifests.generic("monitoring.coreos.com/v1", "ServiceMonitor");
		assertThat(monitor.getMetadata().getLabels()).containsEntry("release", "prometheus");
		Map<String, Object> spec = monitor.get("spec");
		assertThat(spec).containsOnlyKeys("selector", "namespaceSelector", "endpoints");
		assertThat(spec.get("selector"))
			.isEqualTo(Map.of("matchLabels", manifests.get(Service.class).getSpec().getSelector()));
		assertThat(spec.get("namespaceSelector")).isEqualTo(Map.of("matchNames", List.of(ChartRendering.NAMESPACE)));
		assertThat(spec.get("endpoints")).isEqualTo(List.of(Map.of("port", "http", "path", "/actuator/prometheus",
				"interval", "15s", "scrapeTimeout", "5s")));
		assertThat(manifests.get(Service.class).getSpec().getPorts()).extracting("name").containsExactly("http");
	}

	@Test
	void networkPolicyLetsOnlyTheGivenPeersReachTheHttpPort() {
		Manifests manifests = ChartRendering.withValuesFile("all-optional-objects-values.yaml").render();
		NetworkPolicy policy = manifests.get(NetworkPolicy.class);
		assertThat(policy.getSpec().getPodSelector().getMatchLabels())
			.isEqualTo(manifests.get(Deployment.class).getSpec().getSelector().getMatchLabels());
		assertThat(policy.getSpec().getPolicyTypes()).containsExactly("Ingress");
		NetworkPolicyIngressRule rule = policy.getSpec().getIngress().get(0);
		assertThat(policy.getSpec().getIngress()).hasSize(1);
		assertThat(rule.getPorts()).singleElement().satisfies((port) -> {
			assertThat(port.getPort().getStrVal()).isEqualTo("http");
			assertThat(port.getProtocol()).isEqualTo("TCP");
		});
		assertThat(rule.getFrom()).extracting((peer) -> peer.getNamespaceSelector().getMatchLabels())
			.containsExactly(Map.of("kubernetes.io/metadata.name", "ingress"),
					Map.of("kubernetes.io/metadata.name", "monitoring"));
	}

	@Test
	void dashboardIsAConfigMapGrafanasSidecarPicksUp() {
		ConfigMap dashboard = ChartRendering.withValuesFile("all-optional-objects-values.yaml")
			.render()
			.get(ConfigMap.class, FULLNAME + "-dashboard");
		assertThat(dashboard.getMetadata().getLabels()).containsEntry("grafana_dashboard", "1");
		assertThat(dashboard.getMetadata().getAnnotations()).containsEntry("grafana_folder", "Streaming");
		assertThat(dashboard.getData()).containsOnlyKeys("streamguard.json");
		JsonNode json = JsonMapper.builder().build().readTree(dashboard.getData().get("streamguard.json"));
		assertThat(json.path("title").asString()).isEqualTo("StreamGuard");
		assertThat(json.path("uid").asString()).isEqualTo("streamguard");
		assertThat(json.path("panels").size()).isGreaterThanOrEqualTo(8);
	}

	@Test
	void dashboardQueriesEveryStreamGuardMetricAndNoOther() {
		ConfigMap dashboard = ChartRendering.withDefaults()
			.set("metrics.dashboard.enabled", true)
			.render()
			.get(ConfigMap.class, FULLNAME + "-dashboard");
		JsonNode json = JsonMapper.builder().build().readTree(dashboard.getData().get("streamguard.json"));
		Set<String> queried = new TreeSet<>();
		for (JsonNode panel : json.path("panels")) {
			assertThat(panel.path("targets").isEmpty()).as("panel %s has queries", panel.path("title")).isFalse();
			for (JsonNode target : panel.path("targets")) {
				Matcher metric = METRIC_NAME.matcher(target.path("expr").asString());
				while (metric.find()) {
					queried.add(metric.group());
				}
			}
		}
		assertThat(queried).containsExactlyInAnyOrderElementsOf(STREAMGUARD_METRICS);
	}

}
