package dev.streamguard.demo;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.apache.commons.logging.Log;

import org.springframework.boot.EnvironmentPostProcessor;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.logging.DeferredLogFactory;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.MapPropertySource;
import org.springframework.util.FileSystemUtils;

/**
 * Lets the {@code h2} profile run in one command: when that profile is active and no key store
 * is configured for the {@code demo} SSL bundle, a self-signed certificate for
 * {@code localhost} is made at startup with the JDK's {@code keytool}, in a temporary directory
 * only this user may read, under a random password, and removed when the JVM exits.
 * <p>
 * It is a throwaway key for trying the demo on one's own machine, never trusted by anything;
 * configure {@code spring.ssl.bundle.jks.demo.keystore.location} and {@code .password} (or a
 * bundle of your own and {@code server.ssl.bundle}) for anything else.
 *
 * @since 0.2.0
 */
public class DemoCertificate implements EnvironmentPostProcessor {

	static final String PROFILE = "h2";

	static final String BUNDLE = "spring.ssl.bundle.jks.demo.keystore.";

	private static final String LOCATION = BUNDLE + "location";

	private final Log logger;

	public DemoCertificate(DeferredLogFactory logFactory) {
		this.logger = logFactory.getLog(DemoCertificate.class);
	}

	@Override
	public void postProcessEnvironment(ConfigurableEnvironment environment, SpringApplication application) {
		if (!environment.matchesProfiles(PROFILE) || environment.containsProperty(LOCATION)) {
			return;
		}
		String password = HexFormat.of().formatHex(new SecureRandom().generateSeed(16));
		Path keyStore = makeKeyStore(password);
		// Last: any property source of the user's comes first.
		environment.getPropertySources()
			.addLast(new MapPropertySource("demoCertificate", Map.of(LOCATION, "file:" + keyStore,
					BUNDLE + "password", password, BUNDLE + "type", "PKCS12")));
		this.logger.info("Profile '" + PROFILE + "' without " + LOCATION
				+ ": serving a self-signed demo certificate for localhost made at startup (" + keyStore
				+ "); browsers will warn about it");
	}

	private static Path makeKeyStore(String password) {
		Path keytool = Path.of(System.getProperty("java.home"), "bin", "keytool");
		if (!Files.isExecutable(keytool)) {
			throw new IllegalStateException("Profile '" + PROFILE + "' needs a key store: set " + LOCATION
					+ " and " + BUNDLE + "password, or run on a Java runtime with keytool (none at " + keytool + ")");
		}
		try {
			Path directory = Files.createTempDirectory("streamguard-demo-tls",
					PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
			Runtime.getRuntime().addShutdownHook(new Thread(() -> {
				try {
					FileSystemUtils.deleteRecursively(directory);
				}
				catch (IOException ex) {
					// A temporary directory: the system cleans it up in the end.
				}
			}, "demo-certificate-cleanup"));
			Path file = directory.resolve("demo.p12");
			ProcessBuilder keytoolRun = new ProcessBuilder(List.of(keytool.toString(), "-genkeypair", "-alias", "demo",
					"-keyalg", "EC", "-groupname", "secp256r1", "-dname", "CN=localhost", "-ext",
					"SAN=dns:localhost,ip:127.0.0.1,ip:::1", "-validity", "30", "-storetype", "PKCS12", "-keystore",
					file.toString(), "-storepass:env", "DEMO_STORE_PASSWORD"))
				.redirectErrorStream(true);
			// Through the environment: a password on the command line is visible to every user.
			keytoolRun.environment().put("DEMO_STORE_PASSWORD", password);
			Process process = keytoolRun.start();
			if (!process.waitFor(30, TimeUnit.SECONDS)) {
				process.destroyForcibly();
				throw new IllegalStateException("keytool did not make the demo certificate within 30 s");
			}
			String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
			if (process.exitValue() != 0) {
				throw new IllegalStateException(
						"keytool could not make the demo certificate (exit " + process.exitValue() + "): " + output);
			}
			return file;
		}
		catch (IOException ex) {
			throw new UncheckedIOException("Could not make the demo certificate", ex);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new IllegalStateException("Interrupted while making the demo certificate", ex);
		}
	}

}
