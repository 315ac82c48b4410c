package dev.streamguard.helm;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import com.marcnuri.helm.Helm;
import com.marcnuri.helm.InstallCommand;
import com.marcnuri.helm.LintResult;
import com.marcnuri.helm.TemplateCommand;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;
import tools.jackson.dataformat.yaml.YAMLMapper;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;

/**
 * One run of Helm on the streamguard-demo chart ({@code helm template}, {@code lint} or a
 * client-side {@code install --dry-run}) with the chart's values, overridden by values files from
 * the test resources and by {@code --set}s.
 */
final class ChartRendering {

	static final String RELEASE = "demo";

	static final String NAMESPACE = "streams";

	/**
	 * Kubernetes version rendered for, as a cluster would report it; without one Helm assumes a
	 * version older than the chart's kubeVersion allows.
	 */
	static final String KUBERNETES_VERSION = "v1.31.0";

	/** Name of the objects the chart renders for the release; the dashboard's adds a suffix. */
	static final String FULLNAME = "demo-streamguard-demo";

	private static final Path CHART = Path.of(System.getProperty("chart.directory", "streamguard-demo"));

	private static final YAMLMapper YAML = YAMLMapper.builder().build();

	private final List<Path> valuesFiles = new ArrayList<>();

	private final Map<String, Object> values = new LinkedHashMap<>();

	private ChartRendering() {
	}

	static ChartRendering withDefaults() {
		return new ChartRendering();
	}

	static ChartRendering withValuesFile(String resource) {
		return new ChartRendering().valuesFile(resource);
	}

	ChartRendering valuesFile(String resource) {
		this.valuesFiles.add(testResource(resource));
		return this;
	}

	ChartRendering set(String key, Object value) {
		this.values.put(key, value);
		return this;
	}

	Manifests render() {
		return Manifests.parse(template().call());
	}

	/**
	 * Runs {@code helm install --dry-run=client}, which renders NOTES.txt as well.
	 * @return the notes Helm prints after an installation
	 */
	String notes() {
		InstallCommand install = new Helm(CHART).install()
			.withName(RELEASE)
			.withNamespace(NAMESPACE)
			.withKubeVersion(KUBERNETES_VERSION)
			.dryRun()
			.clientOnly();
		this.valuesFiles.forEach(install::withValuesFile);
		this.values.forEach(install::set);
		String output = install.call().getOutput();
		assertThat(output).contains("NOTES:");
		return output.substring(output.indexOf("NOTES:"));
	}

	/**
	 * Runs {@code helm template}, expecting it to fail.
	 * @return Helm's error message
	 */
	String renderFailure() {
		List<String> message = new ArrayList<>();
		assertThatIllegalStateException().isThrownBy(() -> template().call())
			.satisfies((ex) -> message.add(ex.getMessage()));
		return message.get(0);
	}

	/**
	 * Runs {@code helm lint --strict}. helm-java's lint takes no values files, so values other
	 * than the defaults are linted on a copy of the chart whose values.yaml holds the merged
	 * values, which is what Helm lints when given {@code --values}.
	 */
	LintResult lint() {
		if (!this.values.isEmpty()) {
			throw new IllegalStateException("Lint takes values files only, not --set " + this.values.keySet());
		}
		if (this.valuesFiles.isEmpty()) {
			return new Helm(CHART).lint().strict().call();
		}
		Path copy = copyWithMergedValues();
		try {
			return new Helm(copy).lint().strict().call();
		}
		finally {
			deleteRecursively(copy.getParent());
		}
	}

	private TemplateCommand template() {
		TemplateCommand template = new Helm(CHART).template()
			.withName(RELEASE)
			.withNamespace(NAMESPACE)
			.withKubeVersion(KUBERNETES_VERSION);
		this.valuesFiles.forEach(template::withValuesFile);
		this.values.forEach(template::set);
		return template;
	}

	private Path copyWithMergedValues() {
		try {
			Path copy = Files.createTempDirectory("streamguard-chart-").resolve(CHART.getFileName());
			try (Stream<Path> files = Files.walk(CHART)) {
				for (Path file : (Iterable<Path>) files::iterator) {
					Path target = copy.resolve(CHART.relativize(file).toString());
					if (Files.isDirectory(file)) {
						Files.createDirectories(target);
					}
					else {
						Files.copy(file, target);
					}
				}
			}
			JsonNode merged = YAML.readTree(CHART.resolve("values.yaml").toFile());
			for (Path valuesFile : this.valuesFiles) {
				merge((ObjectNode) merged, YAML.readTree(valuesFile.toFile()));
			}
			YAML.writeValue(copy.resolve("values.yaml").toFile(), merged);
			return copy;
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

	private static void deleteRecursively(Path directory) {
		try (Stream<Path> files = Files.walk(directory)) {
			for (Path file : (Iterable<Path>) files.sorted(Comparator.reverseOrder())::iterator) {
				Files.delete(file);
			}
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

	/** Helm's coalescing of values: maps merge key by key, anything else replaces, null deletes. */
	private static void merge(ObjectNode target, JsonNode overrides) {
		for (Iterator<Map.Entry<String, JsonNode>> fields = overrides.properties().iterator(); fields.hasNext();) {
			Map.Entry<String, JsonNode> field = fields.next();
			JsonNode current = target.get(field.getKey());
			if (field.getValue().isNull()) {
				target.remove(field.getKey());
			}
			else if (current instanceof ObjectNode object && field.getValue().isObject()) {
				merge(object, field.getValue());
			}
			else {
				target.set(field.getKey(), field.getValue());
			}
		}
	}

	private static Path testResource(String name) {
		URL url = ChartRendering.class.getResource("/" + name);
		if (url == null) {
			throw new IllegalArgumentException("No test resource '" + name + "' on the classpath");
		}
		try {
			return Path.of(url.toURI());
		}
		catch (URISyntaxException ex) {
			throw new IllegalArgumentException(ex);
		}
	}

}
