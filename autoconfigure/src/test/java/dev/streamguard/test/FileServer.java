package dev.streamguard.test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import org.springframework.boot.WebApplicationType;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * A real server for the tests of files and zero-copy: the given application on a random port of
 * 127.0.0.1, watched by a {@link FileRegionSpy} and a {@link RecordingListener}.
 */
public final class FileServer implements AutoCloseable {

	private final ConfigurableApplicationContext context;

	private FileServer(ConfigurableApplicationContext context) {
		this.context = context;
	}

	public static FileServer start(Class<?> application, String... properties) {
		List<String> all = new ArrayList<>(List.of("server.port=0", "server.address=127.0.0.1",
				"spring.main.banner-mode=off", "server.shutdown=immediate"));
		all.addAll(List.of(properties));
		return new FileServer(new SpringApplicationBuilder(application, Watchers.class).web(WebApplicationType.REACTIVE)
			.properties(all.toArray(String[]::new))
			.run());
	}

	public int port() {
		return Integer.parseInt(this.context.getEnvironment().getRequiredProperty("local.server.port"));
	}

	public FileRegionSpy spy() {
		return this.context.getBean(FileRegionSpy.class);
	}

	public RecordingListener listener() {
		return this.context.getBean(RecordingListener.class);
	}

	/**
	 * Write a file of random bytes, the same for the same length.
	 * @return the bytes written
	 */
	public static byte[] writeRandomFile(Path file, int length) throws IOException {
		byte[] content = new byte[length];
		new Random(length).nextBytes(content);
		Files.createDirectories(file.getParent());
		Files.write(file, content);
		return content;
	}

	/** Forget the file regions and stream ends of earlier requests. */
	public void forgetEarlierRequests() throws InterruptedException {
		spy().reset();
		listener().clear();
	}

	@Override
	public void close() {
		this.context.close();
	}

	@Configuration(proxyBeanMethods = false)
	static class Watchers {

		@Bean
		FileRegionSpy fileRegionSpy() {
			return new FileRegionSpy();
		}

		@Bean
		RecordingListener recordingListener() {
			return new RecordingListener();
		}

	}

}
