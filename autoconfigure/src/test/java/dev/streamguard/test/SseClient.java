package dev.streamguard.test;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads a text stream line by line with the JDK's HTTP client.
 */
public final class SseClient {

	private SseClient() {
	}

	/** Read every line until the server ends the response or {@code maxLines} have come. */
	public static Result read(int port, String path, int maxLines) throws IOException, InterruptedException {
		HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
		HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
			.timeout(Duration.ofSeconds(20))
			.build();
		HttpResponse<java.io.InputStream> response = client.send(request, HttpResponse.BodyHandlers.ofInputStream());
		List<String> lines = new ArrayList<>();
		boolean cleanEnd = false;
		try (BufferedReader reader = new BufferedReader(
				new InputStreamReader(response.body(), StandardCharsets.UTF_8))) {
			for (String line; lines.size() < maxLines;) {
				line = reader.readLine();
				if (line == null) {
					cleanEnd = true;
					break;
				}
				lines.add(line);
			}
		}
		catch (IOException ex) {
			// Response cut short.
		}
		return new Result(response.statusCode(), response.headers().firstValue("StreamGuard-Stream-Id").orElse(null),
				lines, cleanEnd);
	}

	public record Result(int status, String streamId, List<String> lines, boolean cleanEnd) {
	}

}
