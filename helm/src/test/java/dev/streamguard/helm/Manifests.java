package dev.streamguard.helm;

import java.util.List;
import java.util.Objects;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import tools.jackson.databind.DeserializationConfig;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.BeanDescription;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.deser.BeanDeserializerBuilder;
import tools.jackson.databind.deser.ValueDeserializerModifier;
import tools.jackson.databind.module.SimpleModule;
import tools.jackson.dataformat.yaml.YAMLMapper;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The objects of one {@code helm template} output, read into fabric8's typed Kubernetes model.
 * Reading is strict: fabric8 keeps unknown fields in {@code additionalProperties}, which would
 * let a misspelled field ({@code periodSecond}) pass, so that catch-all is switched off and an
 * unknown field fails the read.
 */
final class Manifests {

	private static final YAMLMapper STRICT = YAMLMapper.builder()
		.enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
		.addModule(new SimpleModule("strict-kubernetes-model").setDeserializerModifier(new NoCatchAll()))
		.build();

	private final List<JsonNode> documents;

	private Manifests(List<JsonNode> documents) {
		this.documents = documents;
	}

	static Manifests parse(String yaml) {
		List<JsonNode> documents = STRICT.readerFor(JsonNode.class)
			.<JsonNode>readValues(yaml)
			.readAll()
			.stream()
			.filter((document) -> document != null && document.isObject() && !document.isEmpty())
			.toList();
		return new Manifests(documents);
	}

	/** Every object as {@code apiVersion/kind/name}, e.g. {@code apps/v1/Deployment/demo}. */
	List<String> objects() {
		return this.documents.stream()
			.map((document) -> document.path("apiVersion").asString() + "/" + document.path("kind").asString() + "/"
					+ document.path("metadata").path("name").asString())
			.sorted()
			.toList();
	}

	/** The only object of the given type (same apiVersion and kind). */
	<T extends HasMetadata> T get(Class<T> type) {
		List<T> all = all(type);
		assertThat(all).as("objects of kind %s", HasMetadata.getKind(type)).hasSize(1);
		return all.get(0);
	}

	/** The object of the given type and name. */
	<T extends HasMetadata> T get(Class<T> type, String name) {
		List<T> named = all(type).stream().filter((object) -> name.equals(object.getMetadata().getName())).toList();
		assertThat(named).as("objects of kind %s named %s", HasMetadata.getKind(type), name).hasSize(1);
		return named.get(0);
	}

	<T extends HasMetadata> List<T> all(Class<T> type) {
		return documents(HasMetadata.getApiVersion(type), HasMetadata.getKind(type)).stream()
			.map((document) -> STRICT.treeToValue(document, type))
			.toList();
	}

	/** An object for which the test classpath has no model, such as a Prometheus Operator resource. */
	GenericKubernetesResource generic(String apiVersion, String kind) {
		List<JsonNode> matching = documents(apiVersion, kind);
		assertThat(matching).as("objects of kind %s", kind).hasSize(1);
		return STRICT.treeToValue(matching.get(0), GenericKubernetesResource.class);
	}

	private List<JsonNode> documents(String apiVersion, String kind) {
		return this.documents.stream()
			.filter((document) -> apiVersion.equals(document.path("apiVersion").asString())
					&& kind.equals(document.path("kind").asString()))
			.toList();
	}

	static <T> T read(String yaml, Class<T> type) {
		return STRICT.readValue(yaml, type);
	}

	/**
	 * Drops the any-setter of fabric8's model classes; an untyped resource keeps it, its fields
	 * all live there.
	 */
	private static final class NoCatchAll extends ValueDeserializerModifier {

		@Override
		public BeanDeserializerBuilder updateBuilder(DeserializationConfig config, BeanDescription.Supplier description,
				BeanDeserializerBuilder builder) {
			Class<?> type = description.getBeanClass();
			if (type.getName().startsWith("io.fabric8.") && !Objects.equals(type, GenericKubernetesResource.class)) {
				builder.setAnySetter(null);
			}
			return builder;
		}

	}

}
