package dev.streamguard.autoconfigure;

import org.springframework.validation.Errors;
import org.springframework.validation.Validator;

/**
 * Checks {@link StreamGuardClientProperties} as they are bound, so that a value that would
 * misbehave at run time fails startup naming the property and the value. Applied by
 * {@link StreamGuardBindHandlerAdvisor}.
 */
final class StreamGuardClientPropertiesValidator implements Validator {

	@Override
	public boolean supports(Class<?> type) {
		return StreamGuardClientProperties.class.isAssignableFrom(type);
	}

	@Override
	public void validate(Object target, Errors errors) {
		StreamGuardClientProperties properties = (StreamGuardClientProperties) target;
		ConfigurationChecks checks = new ConfigurationChecks(errors);
		StreamGuardClientProperties.Retry retry = properties.getRetry();
		checks.positive("client.retry.max-attempts", retry.getMaxAttempts());
		checks.notNegative("client.read-idle-timeout", properties.getReadIdleTimeout());
		checks.notNegative("client.transport.user-timeout", properties.getTransport().getUserTimeout());
		checks.keepalive("client.transport.keepalive", properties.getTransport().getKeepalive());
		checks.positive("client.retry.initial-backoff", retry.getInitialBackoff());
		if (retry.getMultiplier() < 1.0) {
			checks.reject("client.retry.multiplier", retry.getMultiplier(), "must be at least 1.0");
		}
		if (retry.getJitter() < 0 || retry.getJitter() >= 1.0) {
			checks.reject("client.retry.jitter", retry.getJitter(), "must be from 0 up to (not including) 1");
		}
	}

}
