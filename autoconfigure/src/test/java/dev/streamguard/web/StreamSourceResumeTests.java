package dev.streamguard.web;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import dev.streamguard.test.Http;
import dev.streamguard.test.TestServer;
import dev.streamguard.test.TestSources;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Resume after cuts at random points, for each format: what the client puts together equals the
 * uninterrupted stream, with no gap and no duplicate.
 */
class StreamSourceResumeTests {

	private static final int CUTS = 100;

	private static TestServer server;

	@BeforeAll
	static void start() {
		server = TestServer.start("streamguard.heartbeat.interval=0");
	}

	@AfterAll
	static void stop() {
		server.close();
	}

	@Test
	void sseResumesAfterLastEventIdAcrossRandomCuts() throws Exception {
		Random random = new Random(42);
		List<String> received = new ArrayList<>();
		Long lastId = null;
		for (int attempt = 0; attempt < CUTS * 3 && received.size() < TestSources.NUMBERS; attempt++) {
			String headers = "Accept: text/event-stream\r\n" + ((lastId != null) ? "Last-Event-ID: " + lastId + "\r\n" : "");
			boolean cut = attempt < CUTS;
			String body = exchange("/streams/numbers", headers, cut ? 200 + random.nextInt(2000) : Integer.MAX_VALUE);
			for (String event : body.split("\n\n", -1)) {
				// Only complete events count: the cut may fall inside the last one.
				if (!body.endsWith(event) || !cut) {
					String id = null;
					String data = null;
					for (String line : event.split("\n")) {
						if (line.startsWith("id:")) {
							id = line.substring(3);
						}
						else if (line.startsWith("data:")) {
							data = line.substring(5);
						}
					}
					if (id != null && data != null) {
						received.add(data);
						lastId = Long.parseLong(id);
					}
				}
			}
		}
		assertThat(received).hasSize(TestSources.NUMBERS);
		for (int i = 0; i < TestSources.NUMBERS; i++) {
			assertThat(received.get(i)).isEqualTo("n" + i);
		}
	}

	@Test
	void ndjsonResumesFromAPositionAcrossRandomCuts() throws Exception {
		Random random = new Random(7);
		List<String> received = new ArrayList<>();
		long next = 0;
		for (int attempt = 0; attempt < CUTS * 3 && received.size() < TestSources.NUMBERS; attempt++) {
			boolean cut = attempt < CUTS;
			String body = exchange("/streams/numbers?from=" + next, "Accept: application/x-ndjson\r\n",
					cut ? 100 + random.nextInt(3000) : Integer.MAX_VALUE);
			String[] lines = body.split("\n", -1);
			// The last piece is incomplete (or empty): it is never counted.
			for (int i = 0; i < lines.length - 1; i++) {
				String line = lines[i];
				long position = Long.parseLong(line.substring(line.indexOf(':') + 1, line.indexOf(',')));
				assertThat(position).isEqualTo(next);
				received.add(line.substring(line.indexOf("\"data\":") + 7, line.length() - 1));
				next = position + 1;
			}
		}
		assertThat(received).hasSize(TestSources.NUMBERS);
		for (int i = 0; i < TestSources.NUMBERS; i++) {
			assertThat(received.get(i)).isEqualTo("\"n" + i + "\"");
		}
	}

	@Test
	void byteStreamResumesWithRangesAcrossRandomCuts() throws Exception {
		Random random = new Random(3);
		ByteArrayOutputStream received = new ByteArrayOutputStream();
		for (int attempt = 0; attempt < CUTS * 3 && received.size() < TestSources.BLOB_LENGTH; attempt++) {
			boolean cut = attempt < CUTS;
			String range = (received.size() > 0) ? "Range: bytes=" + received.size() + "-\r\n" : "";
			byte[] body = exchangeBytes("/streams/blob", range, cut ? 1 + random.nextInt(80_000) : Integer.MAX_VALUE);
			received.write(body);
		}
		byte[] all = received.toByteArray();
		assertThat(all).hasSize(TestSources.BLOB_LENGTH);
		for (int i = 0; i < all.length; i++) {
			if (all[i] != TestSources.byteAt(i)) {
				throw new AssertionError("Byte " + i + " differs");
			}
		}
	}

	@Test
	void curlResumesAnInterruptedDownload(@TempDir Path dir) throws Exception {
		Path file = dir.resolve("blob");
		String url = "http://127.0.0.1:" + server.port() + "/streams/blob";
		assertThat(run("curl", "-s", "-r", "0-1000000", "-o", file.toString(), url)).isZero();
		assertThat(Files.size(file)).isEqualTo(1_000_001);
		assertThat(run("curl", "-s", "-C", "-", "-o", file.toString(), url)).isZero();
		byte[] all = Files.readAllBytes(file);
		assertThat(all).hasSize(TestSources.BLOB_LENGTH);
		for (int i = 0; i < all.length; i++) {
			if (all[i] != TestSources.byteAt(i)) {
				throw new AssertionError("Byte " + i + " differs");
			}
		}
	}

	@Test
	void badPositionsAndRangesAreProblemsNotServerErrors() throws Exception {
		Http.Response unknown = Http.get(server.port(), "/streams/nope");
		assertThat(unknown.status()).isEqualTo(404);
		assertThat(unknown.contentType()).startsWith("application/problem+json");
		assertThat(unknown.json().get("detail").asString()).contains("'nope'");
		Http.Response badFrom = Http.get(server.port(), "/streams/numbers?from=-3");
		assertThat(badFrom.status()).isEqualTo(400);
		assertThat(badFrom.json().get("detail").asString()).contains("'from'").contains("-3");
		Http.Response overflow = Http.get(server.port(), "/streams/numbers?from=99999999999999999999");
		assertThat(overflow.status()).isEqualTo(400);
		String unsatisfiable = exchange("/streams/blob", "Range: bytes=" + TestSources.BLOB_LENGTH + "-\r\n", 100_000,
				true);
		assertThat(unsatisfiable).startsWith("HTTP/1.0 416").contains("Content-Range: bytes */" + TestSources.BLOB_LENGTH);
		// RFC 9110 section 14.2: a range set that is not valid is ignored, the whole body served.
		String malformed = exchange("/streams/blob", "Range: bytes=abc\r\n", 100_000, true);
		assertThat(malformed).containsPattern("^HTTP/1\\.[01] 200 ").contains("Content-Length: " + TestSources.BLOB_LENGTH);
		String badLastEventId = exchange("/streams/numbers", "Last-Event-ID: x1\r\n", 100_000, true);
		assertThat(badLastEventId).startsWith("HTTP/1.0 400").contains("Last-Event-ID");
	}

	private static int run(String... command) throws Exception {
		Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
		process.getInputStream().readAllBytes();
		assertThat(process.waitFor(30, TimeUnit.SECONDS)).isTrue();
		return process.exitValue();
	}

	/** Body text of a GET, read up to {@code limit} body bytes and then cut with a reset. */
	private static String exchange(String path, String headers, int limit) throws IOException {
		return new String(exchangeBytes(path, headers, limit), StandardCharsets.UTF_8);
	}

	private static String exchange(String path, String headers, int limit, boolean withHead) throws IOException {
		return new String(raw(path, headers, limit, withHead), StandardCharsets.UTF_8);
	}

	private static byte[] exchangeBytes(String path, String headers, int limit) throws IOException {
		return raw(path, headers, limit, false);
	}

	/** Decode a chunked body that may have been cut anywhere: keep whatever chunk data arrived. */
	private static byte[] dechunk(byte[] raw) {
		ByteArrayOutputStream out = new ByteArrayOutputStream();
		int i = 0;
		while (i < raw.length) {
			int lineEnd = i;
			while (lineEnd + 1 < raw.length && !(raw[lineEnd] == '\r' && raw[lineEnd + 1] == '\n')) {
				lineEnd++;
			}
			if (lineEnd + 1 >= raw.length) {
				break;
			}
			int size = Integer.parseInt(new String(raw, i, lineEnd - i, StandardCharsets.US_ASCII).trim(), 16);
			if (size == 0) {
				break;
			}
			int start = lineEnd + 2;
			int available = Math.min(size, raw.length - start);
			out.write(raw, start, Math.max(0, available));
			i = start + size + 2;
		}
		return out.toByteArray();
	}

	/** A plain socket request, so that the test decides where the cut falls. */
	private static byte[] raw(String path, String headers, int limit, boolean withHead) throws IOException {
		try (Socket socket = new Socket()) {
			socket.connect(new InetSocketAddress("127.0.0.1", server.port()), 5000);
			socket.setSoTimeout(10_000);
			socket.getOutputStream()
				.write(("GET " + path + " HTTP/1.0\r\nHost: localhost\r\n" + headers + "\r\n")
					.getBytes(StandardCharsets.US_ASCII));
			InputStream in = socket.getInputStream();
			ByteArrayOutputStream head = new ByteArrayOutputStream();
			while (!head.toString(StandardCharsets.US_ASCII).endsWith("\r\n\r\n")) {
				int b = in.read();
				if (b < 0) {
					break;
				}
				head.write(b);
			}
			ByteArrayOutputStream body = new ByteArrayOutputStream();
			byte[] buffer = new byte[8192];
			while (body.size() < limit) {
				int n = in.read(buffer, 0, Math.min(buffer.length, limit - body.size()));
				if (n < 0) {
					break;
				}
				body.write(buffer, 0, n);
			}
			if (body.size() >= limit) {
				socket.setSoLinger(true, 0);
			}
			if (withHead) {
				head.write(body.toByteArray());
				return head.toByteArray();
			}
			boolean chunked = head.toString(StandardCharsets.US_ASCII).toLowerCase().contains("transfer-encoding: chunked");
			return chunked ? dechunk(body.toByteArray()) : body.toByteArray();
		}
	}

}
