package dev.streamguard.test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.springframework.util.FileSystemUtils;

/**
 * A PKCS12 key store with a self-signed certificate for {@code localhost} and {@code 127.0.0.1},
 * made by the JDK's {@code keytool} in a temporary directory that {@link #close()} removes.
 */
public final class SelfSignedKeyStore implements AutoCloseable {

	public static final String PASSWORD = "streamguard-test";

	private final Path directory;

	private final Path file;

	private SelfSignedKeyStore(Path directory, Path file) {
		this.directory = directory;
		this.file = file;
	}

	public static SelfSignedKeyStore create() throws IOException, InterruptedException {
		Path directory = Files.createTempDirectory("streamguard-tls");
		Path file = directory.resolve("server.p12");
		Path keytool = Path.of(System.getProperty("java.home"), "bin", "keytool");
		Process process = new ProcessBuilder(List.of(keytool.toString(), "-genkeypair", "-alias", "server",
				"-keyalg", "EC", "-groupname", "secp256r1", "-dname", "CN=localhost", "-ext",
				"SAN=dns:localhost,ip:127.0.0.1", "-validity", "2", "-storetype", "PKCS12", "-keystore",
				file.toString(), "-storepass", PASSWORD, "-keypass", PASSWORD))
			.redirectErrorStream(true)
			.start();
		if (!process.waitFor(30, TimeUnit.SECONDS)) {
			process.destroyForcibly();
			throw new IOException("keytool did not finish within 30 s");
		}
		String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
		if (process.exitValue() != 0) {
			throw new IOException("keytool failed with exit code " + process.exitValue() + ": " + output);
		}
		return new SelfSignedKeyStore(directory, file);
	}

	/** Properties of a Spring Boot SSL bundle named {@code name} that the server then uses. */
	public String[] serverProperties(String name) {
		String prefix = "spring.ssl.bundle.jks." + name + ".keystore.";
		return new String[] { prefix + "location=file:" + this.file, prefix + "password=" + PASSWORD,
				prefix + "type=PKCS12", "server.ssl.bundle=" + name };
	}

	@Override
	public void close() throws IOException {
		FileSystemUtils.deleteRecursively(this.directory);
	}

}
