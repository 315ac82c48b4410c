package dev.streamguard.test;

import java.io.IOException;
import java.util.concurrent.TimeUnit;

import io.netty.channel.epoll.Epoll;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;

/**
 * What a test needs from the machine it runs on. A missing capability skips the test on a
 * developer's machine, but fails it under {@code CI=true}: CI provides everything (see
 * {@code .ci/run}), so a skip there would hide a test that never ran.
 */
public final class Capabilities {

	private static final long COMMAND_TIMEOUT_SECONDS = 10;

	private Capabilities() {
	}

	/** Native epoll, which TCP_USER_TIMEOUT, TCP_INFO and Netty's native errors need. */
	public static void requireEpoll() {
		Throwable cause = Epoll.unavailabilityCause();
		require(Epoll.isAvailable(), "native epoll is not available on this machine"
				+ ((cause != null) ? " (" + cause + ")" : ""));
	}

	/** nftables' {@code nft}, with which fault tests drop packets inside a namespace. */
	public static void requireNft() {
		require(commandProblem("nft", "--version") == null, "nftables is not installed ('nft --version' failed)");
	}

	/** Debian nghttp2-client's {@code nghttp}, an HTTP/2 client that multiplexes streams. */
	public static void requireNghttp() {
		require(commandProblem("nghttp", "--version") == null,
				"nghttp is not installed ('nghttp --version' failed; Debian package nghttp2-client)");
	}

	/**
	 * Skip the calling test when {@code present} is false, or fail it under {@code CI=true}.
	 * @param present whether the capability is there
	 * @param problem what is missing, for the report
	 */
	public static void require(boolean present, String problem) {
		if (present) {
			return;
		}
		if (isCi()) {
			Assertions.fail(problem + "; CI must provide it (see .ci/run)");
		}
		Assumptions.abort(problem);
	}

	static boolean isCi() {
		return "true".equalsIgnoreCase(System.getenv("CI"));
	}

	/**
	 * Run a command that only reports on the machine.
	 * @return why it failed, or {@code null} when it exited with 0
	 */
	static @Nullable String commandProblem(String... command) {
		try {
			Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
			process.getInputStream().readAllBytes();
			if (!process.waitFor(COMMAND_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
				process.destroyForcibly();
				return "'" + String.join(" ", command) + "' timed out";
			}
			return (process.exitValue() != 0) ? "'" + String.join(" ", command) + "' failed" : null;
		}
		catch (IOException ex) {
			return ex.getMessage();
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			return "interrupted";
		}
	}

}
