package dev.streamguard.web;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import dev.streamguard.source.ByteSource;
import dev.streamguard.test.FileServer;
import dev.streamguard.test.TestSources;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;
import org.springframework.core.env.Environment;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The byte source endpoint as RFC 9110 sections 13 (conditional requests) and 14 (range
 * requests) define it, asked by curl: a generated source with a fixed entity tag and
 * last-modified date, and a file whose validators follow the file.
 */
class ByteSourceHttpSemanticsTests {

	private static final int LENGTH = TestSources.BLOB_LENGTH;

	private static final String TAG = TestSources.BLOB_TAG.formattedTag();

	private static final String MODIFIED = httpDate(TestSources.BLOB_MODIFIED);

	@TempDir
	static Path files;

	@TempDir
	Path downloads;

	private static FileServer server;

	@BeforeAll
	static void start() throws IOException {
		writeFile(1);
		server = FileServer.start(SourcesApplication.class, "streamguard.heartbeat.interval=0", "test.files=" + files);
	}

	@AfterAll
	static void stop() {
		server.close();
	}

	// HEAD (section 9.3.2)

	@Test
	void headAnswersTheHeadersOfGetWithoutABody() throws Exception {
		server.forgetEarlierRequests();
		Answer head = curl("-I", url("blob"));
		assertThat(head.status()).isEqualTo(200);
		assertThat(head.header("Content-Length")).isEqualTo(Integer.toString(LENGTH));
		assertThat(head.header("Accept-Ranges")).isEqualTo("bytes");
		assertThat(head.header("Content-Type")).isEqualTo("application/octet-stream");
		assertThat(head.header("ETag")).isEqualTo(TAG);
		assertThat(head.header("Last-Modified")).isEqualTo(MODIFIED);
		assertThat(rawHead("/streams/blob")).endsWith("\r\n\r\n");
		// A HEAD is no live stream: nothing was opened, nothing ends.
		assertThat(server.listener().pollEnd(Duration.ofMillis(200))).isNull();
	}

	@Test
	void headOfAnEndlessPositionedSourceEndsWithItsHeaders() throws Exception {
		Answer head = curl("-I", "-H", "Accept: text/event-stream", url("paced"));
		assertThat(head.status()).isEqualTo(200);
		assertThat(head.header("Content-Type")).startsWith("text/event-stream");
	}

	// Ranges (section 14)

	@Test
	void suffixRangeServesTheLastBytes() throws Exception {
		Answer answer = curl("-r", "-100", url("blob"));
		assertThat(answer.status()).isEqualTo(206);
		assertThat(answer.header("Content-Range")).isEqualTo("bytes " + (LENGTH - 100) + "-" + (LENGTH - 1) + "/" + LENGTH);
		assertThat(answer.header("ETag")).isEqualTo(TAG);
		assertBlob(answer.body(), LENGTH - 100);
	}

	@Test
	void suffixLongerThanTheBodyServesTheWholeBody() throws Exception {
		Answer answer = curl("-r", "-99999999999999999999", url("blob"));
		assertThat(answer.status()).isEqualTo(206);
		assertThat(answer.header("Content-Range")).isEqualTo("bytes 0-" + (LENGTH - 1) + "/" + LENGTH);
		assertBlob(answer.body(), 0);
	}

	@Test
	void disjointRangesGetTheWholeBody() throws Exception {
		Answer answer = curl("-r", "0-9,20-29", url("blob"));
		assertThat(answer.status()).isEqualTo(200);
		assertThat(answer.header("Content-Range")).isNull();
		assertThat(answer.body()).hasSize(LENGTH);
		assertBlob(answer.body(), 0);
	}

	@Test
	void overlappingAndAdjacentRangesAreServedAsOne() throws Exception {
		Answer answer = curl("-H", "Range: bytes=10-19,0-9, 5-24", url("blob"));
		assertThat(answer.status()).isEqualTo(206);
		assertThat(answer.header("Content-Range")).isEqualTo("bytes 0-24/" + LENGTH);
		assertBlob(answer.body(), 0);
		assertThat(answer.body()).hasSize(25);
	}

	@Test
	void rangeOfAnUnknownUnitIsIgnored() throws Exception {
		Answer answer = curl("-H", "Range: items=0-", url("blob"));
		assertThat(answer.status()).isEqualTo(200);
		assertThat(answer.body()).hasSize(LENGTH);
	}

	@Test
	void rangeUnitIsReadWithoutRegardToCase() throws Exception {
		Answer answer = curl("-H", "Range: BYTES=0-9", url("blob"));
		assertThat(answer.status()).isEqualTo(206);
		assertThat(answer.body()).hasSize(10);
	}

	@Test
	void invalidRangesAreIgnored() throws Exception {
		for (String range : List.of("bytes=abc", "bytes=5-3", "bytes=", "bytes=-", "bytes 0-9", "bytes=0-9;x")) {
			Answer answer = curl("-H", "Range: " + range, url("blob"));
			assertThat(answer.status()).as(range).isEqualTo(200);
			assertThat(answer.body()).as(range).hasSize(LENGTH);
		}
	}

	@Test
	void rangeOfAHeadIsIgnored() throws Exception {
		Answer head = curl("-I", "-r", "0-9", url("blob"));
		assertThat(head.status()).isEqualTo(200);
		assertThat(head.header("Content-Length")).isEqualTo(Integer.toString(LENGTH));
	}

	@Test
	void unsatisfiableRangesAreAProblemNamingTheLength() throws Exception {
		for (String range : List.of(LENGTH + "-", LENGTH + "-" + (LENGTH + 10), "-0", "99999999999999999999-")) {
			Answer answer = curl("-r", range, url("blob"));
			assertThat(answer.status()).as(range).isEqualTo(416);
			assertThat(answer.header("Content-Range")).as(range).isEqualTo("bytes */" + LENGTH);
			assertThat(answer.header("Content-Type")).as(range).startsWith("application/problem+json");
			assertThat(new String(answer.body(), StandardCharsets.UTF_8)).as(range).contains(LENGTH + " bytes");
		}
	}

	@Test
	void satisfiableRangesAreServedWhenOthersAreNot() throws Exception {
		Answer answer = curl("-r", "100-199," + LENGTH + "-", url("blob"));
		assertThat(answer.status()).isEqualTo(206);
		assertThat(answer.header("Content-Range")).isEqualTo("bytes 100-199/" + LENGTH);
	}

	// If-Range (section 13.1.5)

	@Test
	void ifRangeWithTheCurrentEntityTagServesTheRange() throws Exception {
		Answer answer = curl("-r", "1000-", "-H", "If-Range: " + TAG, url("blob"));
		assertThat(answer.status()).isEqualTo(206);
		assertBlob(answer.body(), 1000);
	}

	@Test
	void ifRangeWithAStaleOrWeakEntityTagServesTheWholeBody() throws Exception {
		for (String validator : List.of("\"blob-v0\"", "W/" + TAG, "garbage")) {
			Answer answer = curl("-r", "1000-", "-H", "If-Range: " + validator, url("blob"));
			assertThat(answer.status()).as(validator).isEqualTo(200);
			assertThat(answer.header("Content-Range")).as(validator).isNull();
			assertThat(answer.body()).as(validator).hasSize(LENGTH);
		}
	}

	@Test
	void ifRangeWithExactlyTheLastModifiedDateServesTheRange() throws Exception {
		assertThat(curl("-r", "1000-", "-H", "If-Range: " + MODIFIED, url("blob")).status()).isEqualTo(206);
		String later = httpDate(TestSources.BLOB_MODIFIED.plusSeconds(1));
		Answer answer = curl("-r", "1000-", "-H", "If-Range: " + later, url("blob"));
		assertThat(answer.status()).isEqualTo(200);
		assertThat(answer.body()).hasSize(LENGTH);
	}

	// If-None-Match and If-Modified-Since (sections 13.1.2, 13.1.3)

	@Test
	void ifNoneMatchWithTheCurrentEntityTagIsNotModified() throws Exception {
		for (String tags : List.of(TAG, "\"other\", W/" + TAG, "*")) {
			for (String method : List.of("GET", "HEAD")) {
				Answer answer = curl("-X", method, "-H", "If-None-Match: " + tags, url("blob"));
				assertThat(answer.status()).as(method + " " + tags).isEqualTo(304);
				assertThat(answer.header("ETag")).as(method + " " + tags).isEqualTo(TAG);
				assertThat(answer.body()).as(method + " " + tags).isEmpty();
			}
		}
		Answer other = curl("-H", "If-None-Match: \"other\"", url("blob"));
		assertThat(other.status()).isEqualTo(200);
		assertThat(other.body()).hasSize(LENGTH);
	}

	@Test
	void ifModifiedSinceTheLastChangeIsNotModified() throws Exception {
		// curl -z <date> sends If-Modified-Since.
		Answer notModified = curl("-z", MODIFIED, url("blob"));
		assertThat(notModified.status()).isEqualTo(304);
		assertThat(notModified.body()).isEmpty();
		Answer modified = curl("-z", httpDate(TestSources.BLOB_MODIFIED.minusSeconds(1)), url("blob"));
		assertThat(modified.status()).isEqualTo(200);
		assertThat(modified.body()).hasSize(LENGTH);
		assertThat(curl("-H", "If-Modified-Since: yesterday", url("blob")).status()).isEqualTo(200);
	}

	@Test
	void ifModifiedSinceIsIgnoredWhenIfNoneMatchIsSent() throws Exception {
		Answer answer = curl("-H", "If-None-Match: \"other\"", "-H", "If-Modified-Since: " + MODIFIED, url("blob"));
		assertThat(answer.status()).isEqualTo(200);
	}

	// If-Match and If-Unmodified-Since (sections 13.1.1, 13.1.4)

	@Test
	void ifMatchWithAnotherEntityTagFailsAsAProblem() throws Exception {
		for (String tags : List.of("\"blob-v0\"", "W/" + TAG)) {
			for (String method : List.of("GET", "HEAD")) {
				Answer answer = curl("-X", method, "-r", "0-9", "-H", "If-Match: " + tags, url("blob"));
				assertThat(answer.status()).as(method + " " + tags).isEqualTo(412);
				assertThat(answer.header("Content-Type")).startsWith("application/problem+json");
			}
		}
		Answer failed = curl("-H", "If-Match: \"blob-v0\"", url("blob"));
		assertThat(new String(failed.body(), StandardCharsets.UTF_8)).contains("'blob'").contains("If-Match");
		assertThat(curl("-r", "0-9", "-H", "If-Match: \"blob-v0\", " + TAG, url("blob")).status()).isEqualTo(206);
		assertThat(curl("-r", "0-9", "-H", "If-Match: *", url("blob")).status()).isEqualTo(206);
	}

	@Test
	void ifUnmodifiedSinceBeforeTheLastChangeFails() throws Exception {
		String before = httpDate(TestSources.BLOB_MODIFIED.minusSeconds(1));
		// curl -z -<date> sends If-Unmodified-Since.
		assertThat(curl("-z", "-" + before, url("blob")).status()).isEqualTo(412);
		assertThat(curl("-r", "0-9", "-z", "-" + MODIFIED, url("blob")).status()).isEqualTo(206);
		// If-Match, when sent, decides alone: for ranges and whole bodies alike.
		assertThat(curl("-r", "0-9", "-H", "If-Match: " + TAG, "-z", "-" + before, url("blob")).status())
			.isEqualTo(206);
		// (As a header: with -z, curl itself drops a body whose Last-Modified misses the condition.)
		Answer whole = curl("-H", "If-Match: " + TAG, "-H", "If-Unmodified-Since: " + before, url("blob"));
		assertThat(whole.status()).isEqualTo(200);
		assertThat(whole.body()).hasSize(LENGTH);
	}

	@Test
	void preconditionsComeBeforeTheRange() throws Exception {
		Answer answer = curl("-r", LENGTH + "-", "-H", "If-None-Match: " + TAG, url("blob"));
		assertThat(answer.status()).isEqualTo(304);
	}

	// Resuming downloads of a file

	@Test
	void fileSourceHasValidatorsThatFollowTheFile() throws Exception {
		Answer head = curl("-I", url("file"));
		assertThat(head.header("ETag")).startsWith("\"").doesNotStartWith("W/");
		assertThat(head.header("Last-Modified")).isEqualTo(httpDate(Files.getLastModifiedTime(file()).toInstant()));
		assertThat(curl("-H", "If-None-Match: " + head.header("ETag"), url("file")).status()).isEqualTo(304);
		assertThat(curl("-z", head.header("Last-Modified"), url("file")).status()).isEqualTo(304);
	}

	@Test
	void curlResumesAFileWithIfRange() throws Exception {
		Path download = this.downloads.resolve("file.bin");
		Answer first = curl("-r", "0-99999", "-o", download.toString(), url("file"));
		assertThat(first.status()).isEqualTo(206);
		int exit = run("curl", "-s", "--max-time", "20", "-C", "-", "-H", "If-Range: " + first.header("ETag"), "-o",
				download.toString(), url("file"));
		assertThat(exit).isZero();
		assertThat(Files.readAllBytes(download)).isEqualTo(Files.readAllBytes(file()));
	}

	@Test
	void fileChangedSinceADownloadStartedIsNotSpliced() throws Exception {
		Path download = this.downloads.resolve("file.bin");
		Answer first = curl("-r", "0-99999", "-o", download.toString(), url("file"));
		assertThat(first.status()).isEqualTo(206);
		byte[] part = Files.readAllBytes(download);
		try {
			writeFile(2);
			// The server answers 200, the whole new file; curl then refuses to resume (exit 33)
			// rather than append it to the old part.
			int exit = run("curl", "-s", "--max-time", "20", "-C", "-", "-H", "If-Range: " + first.header("ETag"), "-o",
					download.toString(), url("file"));
			assertThat(exit).isEqualTo(33);
			assertThat(Files.readAllBytes(download)).isEqualTo(part);
			Answer whole = curl("-r", "100000-", "-H", "If-Range: " + first.header("ETag"), url("file"));
			assertThat(whole.status()).isEqualTo(200);
			assertThat(whole.body()).isEqualTo(Files.readAllBytes(file()));
			assertThat(whole.header("ETag")).isNotEqualTo(first.header("ETag"));
		}
		finally {
			writeFile(1);
		}
	}

	/** Everything the server sends for a HEAD, up to its close: the header block, no body. */
	private static String rawHead(String path) throws IOException {
		try (Socket socket = new Socket()) {
			socket.connect(new InetSocketAddress("127.0.0.1", server.port()), 5000);
			socket.setSoTimeout(10_000);
			socket.getOutputStream()
				.write(("HEAD " + path + " HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n")
					.getBytes(StandardCharsets.US_ASCII));
			return new String(socket.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
		}
	}

	private static Path file() {
		return files.resolve("file.bin");
	}

	/** Write the file's version {@code n}: its own bytes and a modification time well past. */
	private static void writeFile(int version) throws IOException {
		byte[] content = new byte[300_000 + version];
		new Random(version).nextBytes(content);
		Files.write(file(), content);
		Files.setLastModifiedTime(file(), FileTime.from(Instant.parse("2025-06-01T00:00:00Z").plusSeconds(version)));
	}

	private static void assertBlob(byte[] body, long offset) {
		for (int i = 0; i < body.length; i++) {
			if (body[i] != TestSources.byteAt(offset + i)) {
				throw new AssertionError("Byte " + (offset + i) + " differs");
			}
		}
	}

	private static String url(String name) {
		return "http://127.0.0.1:" + server.port() + "/streams/" + name;
	}

	private static String httpDate(Instant instant) {
		// IMF-fixdate (RFC 9110 section 5.6.7), as servers send it.
		return DateTimeFormatter.ofPattern("EEE, dd MMM yyyy HH:mm:ss 'GMT'", Locale.US)
			.format(instant.atZone(ZoneOffset.UTC));
	}

	/**
	 * One curl request: the status and headers of its answer, and its body unless
	 * {@code -o} sends it elsewhere.
	 */
	private Answer curl(String... arguments) throws Exception {
		Path head = Files.createTempFile(this.downloads, "head", ".txt");
		Path body = Files.createTempFile(this.downloads, "body", ".bin");
		List<String> command = new ArrayList<>(
				List.of("curl", "-s", "-S", "--max-time", "20", "-D", head.toString()));
		List<String> given = Arrays.asList(arguments);
		// curl -X HEAD would wait for the body that Content-Length announces; -I does not.
		boolean headOnly = given.contains("-I") || given.contains("HEAD");
		if (headOnly && !given.contains("-I")) {
			command.add("-I");
		}
		if (!headOnly && !given.contains("-o")) {
			command.addAll(List.of("-o", body.toString()));
		}
		command.addAll(given);
		assertThat(run(command.toArray(String[]::new))).as(command.toString()).isZero();
		return new Answer(Files.readAllLines(head, StandardCharsets.ISO_8859_1), Files.readAllBytes(body));
	}

	private static int run(String... command) throws Exception {
		Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
		process.getInputStream().readAllBytes();
		assertThat(process.waitFor(30, TimeUnit.SECONDS)).isTrue();
		return process.exitValue();
	}

	record Answer(List<String> head, byte[] body) {

		int status() {
			return Integer.parseInt(this.head.get(0).split(" ")[1]);
		}

		String header(String name) {
			for (String line : this.head) {
				int colon = line.indexOf(':');
				if (colon > 0 && line.substring(0, colon).equalsIgnoreCase(name)) {
					return line.substring(colon + 1).strip();
				}
			}
			return null;
		}

	}

	@SpringBootConfiguration(proxyBeanMethods = false)
	@EnableAutoConfiguration
	@Import(TestSources.class)
	static class SourcesApplication {

		@Bean
		ByteSource file(Environment environment) {
			return ByteSource.ofFile("file", Path.of(environment.getRequiredProperty("test.files"), "file.bin"));
		}

	}

}
