package dev.streamguard.demo;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.security.KeyStore;
import java.security.cert.X509Certificate;

import org.junit.jupiter.api.Test;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.logging.DeferredLogs;
import org.springframework.core.env.StandardEnvironment;
import org.springframework.test.context.support.TestPropertySourceUtils;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The {@code h2} profile's certificate: made when no key store is configured, never in place of
 * one that is, and not at all without the profile.
 */
class DemoCertificateTests {

	private final DemoCertificate certificate = new DemoCertificate(new DeferredLogs());

	@Test
	void profileWithoutAKeyStoreGetsASelfSignedCertificateForLocalhost() throws Exception {
		StandardEnvironment environment = new StandardEnvironment();
		environment.setActiveProfiles(DemoCertificate.PROFILE);
		this.certificate.postProcessEnvironment(environment, new SpringApplication());
		String location = environment.getRequiredProperty(DemoCertificate.BUNDLE + "location");
		String password = environment.getRequiredProperty(DemoCertificate.BUNDLE + "password");
		assertThat(password).hasSize(32);
		Path file = Path.of(location.substring("file:".length()));
		KeyStore store = KeyStore.getInstance("PKCS12");
		try (InputStream in = Files.newInputStream(file)) {
			store.load(in, password.toCharArray());
		}
		X509Certificate served = (X509Certificate) store.getCertificate("demo");
		assertThat(served.getSubjectX500Principal().getName()).isEqualTo("CN=localhost");
		assertThat(served.getSubjectAlternativeNames()).extracting((name) -> (Object) name.get(1))
			.contains("localhost", "127.0.0.1");
		// A private key: only this user may read its directory.
		assertThat(Files.getPosixFilePermissions(file.getParent())).containsExactlyInAnyOrder(
				PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE, PosixFilePermission.OWNER_EXECUTE);
	}

	@Test
	void aConfiguredKeyStoreIsLeftAlone() {
		StandardEnvironment environment = new StandardEnvironment();
		environment.setActiveProfiles(DemoCertificate.PROFILE);
		TestPropertySourceUtils.addInlinedPropertiesToEnvironment(environment,
				DemoCertificate.BUNDLE + "location=file:/etc/demo/own.p12");
		this.certificate.postProcessEnvironment(environment, new SpringApplication());
		assertThat(environment.getProperty(DemoCertificate.BUNDLE + "location")).isEqualTo("file:/etc/demo/own.p12");
		assertThat(environment.getProperty(DemoCertificate.BUNDLE + "password")).isNull();
	}

	@Test
	void withoutTheProfileNothingIsMade() {
		StandardEnvironment environment = new StandardEnvironment();
		this.certificate.postProcessEnvironment(environment, new SpringApplication());
		assertThat(environment.getProperty(DemoCertificate.BUNDLE + "location")).isNull();
	}

}
