package dev.streamguard.autoconfigure;

import org.jspecify.annotations.Nullable;

import org.springframework.boot.context.properties.ConfigurationPropertiesBindHandlerAdvisor;
import org.springframework.boot.context.properties.bind.AbstractBindHandler;
import org.springframework.boot.context.properties.bind.BindContext;
import org.springframework.boot.context.properties.bind.BindHandler;
import org.springframework.boot.context.properties.bind.Bindable;
import org.springframework.boot.context.properties.bind.validation.ValidationBindHandler;
import org.springframework.boot.context.properties.source.ConfigurationProperty;
import org.springframework.boot.context.properties.source.ConfigurationPropertyName;
import org.springframework.boot.context.properties.source.ConfigurationPropertySource;
import org.springframework.boot.context.properties.source.IterableConfigurationPropertySource;

/**
 * Applies StreamGuard's rules to the binding of its properties: {@link StreamGuardPropertiesValidator}
 * and {@link StreamGuardClientPropertiesValidator} check the values, and the strict binding of
 * {@link StreamGuardProperties} (every key under {@code streamguard.} must name a property) leaves
 * the keys under {@code streamguard.client.} to {@link StreamGuardClientProperties}, which binds
 * them just as strictly. Each validator supports only its own type, so the binding of every
 * other bean is left as it is.
 */
final class StreamGuardBindHandlerAdvisor implements ConfigurationPropertiesBindHandlerAdvisor {

	@Override
	public BindHandler apply(BindHandler handler) {
		return new ValidationBindHandler(new ClientKeysLeftToTheClient(handler), new StreamGuardPropertiesValidator(),
				new StreamGuardClientPropertiesValidator());
	}

	/**
	 * Reports the keys under {@code streamguard.client.} as bound once StreamGuardProperties is,
	 * so that the check of unknown keys, which runs next, passes over them.
	 */
	private static final class ClientKeysLeftToTheClient extends AbstractBindHandler {

		private static final ConfigurationPropertyName CLIENT = ConfigurationPropertyName.of("streamguard.client");

		ClientKeysLeftToTheClient(BindHandler parent) {
			super(parent);
		}

		@Override
		public void onFinish(ConfigurationPropertyName name, Bindable<?> target, BindContext context,
				@Nullable Object result) throws Exception {
			if (context.getDepth() == 0 && StreamGuardProperties.class.equals(target.getType().resolve())) {
				for (ConfigurationPropertySource source : context.getSources()) {
					if (source instanceof IterableConfigurationPropertySource iterable) {
						iterable.filter(CLIENT::isAncestorOf).forEach((key) -> markBound(key, source, target, context));
					}
				}
			}
			super.onFinish(name, target, context, result);
		}

		private void markBound(ConfigurationPropertyName key, ConfigurationPropertySource source, Bindable<?> target,
				BindContext context) {
			ConfigurationProperty property = source.getConfigurationProperty(key);
			if (property != null) {
				super.onSuccess(key, target, context, property.getValue());
			}
		}

	}

}
