package dev.streamguard.test;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Plain JSON requests to a test server.
 */
public final class Http {

	private static final HttpClient CLIENT = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

	private static final JsonMapper JSON = JsonMapper.builder().build();

	private Http() {
	}

	public static Response get(int port, String path) throws IOException, InterruptedException {
		return send(port, path, "GET");
	}

	public static Response delete(int port, String path) throws IOException, InterruptedException {
		return send(port, path, "DELETE");
	}

	private static Response send(int port, String path, String method) throws IOException, InterruptedException {
		HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
			.method(method, HttpRequest.BodyPublishers.noBody())
			.timeout(Duration.ofSeconds(10))
			.build();
		HttpResponse<String> response = CLIENT.send(request, HttpResponse.BodyHandlers.ofString());
		return new Response(response.statusCode(), response.body(),
				response.headers().firstValue("Content-Type").orElse(""),
				response.headers().firstValue("Retry-After").orElse(null));
	}

	public record Response(int status, String body, String contentType, String retryAfter) {

		public JsonNode json() {
			return JSON.readTree(this.body);
		}

	}

}
