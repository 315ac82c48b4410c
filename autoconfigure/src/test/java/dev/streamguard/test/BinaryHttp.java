package dev.streamguard.test;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/**
 * Byte-exact GET requests to a test server, over HTTP/1.1.
 */
public final class BinaryHttp {

	private static final HttpClient CLIENT = HttpClient.newBuilder()
		.version(HttpClient.Version.HTTP_1_1)
		.connectTimeout(Duration.ofSeconds(5))
		.build();

	private BinaryHttp() {
	}

	/**
	 * GET a path.
	 * @param port the server's port
	 * @param path the path and query
	 * @param headers header names and values, alternating
	 * @return the response, with its body as bytes
	 */
	public static HttpResponse<byte[]> get(int port, String path, String... headers)
			throws IOException, InterruptedException {
		return send(port, "GET", path, headers);
	}

	/**
	 * Send a request without a body.
	 * @param port the server's port
	 * @param method the method, such as {@code HEAD}
	 * @param path the path and query
	 * @param headers header names and values, alternating
	 * @return the response, with its body as bytes
	 */
	public static HttpResponse<byte[]> send(int port, String method, String path, String... headers)
			throws IOException, InterruptedException {
		HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
			.timeout(Duration.ofSeconds(30));
		for (int i = 0; i + 1 < headers.length; i += 2) {
			request.header(headers[i], headers[i + 1]);
		}
		return CLIENT.send(request.method(method, HttpRequest.BodyPublishers.noBody()).build(),
				HttpResponse.BodyHandlers.ofByteArray());
	}

}
