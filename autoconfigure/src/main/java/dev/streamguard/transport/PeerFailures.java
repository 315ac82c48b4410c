package dev.streamguard.transport;

import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.netty.channel.ConnectTimeoutException;
import io.netty.channel.unix.Errors;
import org.jspecify.annotations.Nullable;

import org.springframework.util.ClassUtils;

/**
 * Tells a peer that stopped responding from one that closed its connection, by the error the
 * transport reported. The kernel reports ETIMEDOUT when TCP_USER_TIMEOUT or keepalive gives up
 * on a peer, and EHOSTUNREACH/ENETUNREACH when ICMP says the peer cannot be reached; a peer that
 * closed or reset its end gives EOF, ECONNRESET or EPIPE.
 * <p>
 * The native transports (epoll and io_uring, which share Netty's
 * {@link Errors.NativeIoException}) carry the errno, which decides alone: their messages come
 * from the C library's {@code strerror} and are translated under the process's locale. So do
 * the exception types {@link NoRouteToHostException} (EHOSTUNREACH/ENETUNREACH on connect) and
 * Netty's {@link ConnectTimeoutException}, and the failure of an HTTP/2 connection closed
 * because its peer left a PING unanswered ({@link Http2PingLiveness.PingTimeoutException}).
 * Only the NIO transport, where the JDK reports a failed write as a plain {@code IOException}
 * with no code, is classified by its message, and that fallback recognises English messages
 * only: on NIO in another locale a timed-out peer counts as one that closed its connection.
 *
 * @since 0.1.0
 */
public final class PeerFailures {

	private static final boolean NATIVE_ERRORS_PRESENT = ClassUtils
		.isPresent("io.netty.channel.unix.Errors$NativeIoException", PeerFailures.class.getClassLoader());

	/**
	 * Netty's native connect failures are plain {@link ConnectException}s whose message carries
	 * the negated errno: {@code connect(..) failed with error(-110): ...}.
	 */
	private static final Pattern NATIVE_ERRNO = Pattern.compile("failed with error\\((-?\\d+)\\)");

	private static final String[] UNRESPONSIVE_MESSAGES = { "connection timed out", "no route to host",
			"host is unreachable", "network is unreachable", "host unreachable", "network unreachable" };

	private PeerFailures() {
	}

	/**
	 * Whether the given failure, or one of its causes, says the peer stopped responding.
	 * @param failure the failure, may be {@code null}
	 * @return {@code true} for a timed-out or unreachable peer
	 */
	public static boolean isPeerUnresponsive(@Nullable Throwable failure) {
		for (Throwable t = failure; t != null; t = (t.getCause() != t) ? t.getCause() : null) {
			if (t instanceof NoRouteToHostException || t instanceof ConnectTimeoutException
					|| t instanceof Http2PingLiveness.PingTimeoutException) {
				return true;
			}
			Integer errno = errno(t);
			if (errno != null) {
				if (Errno.isUnresponsive(errno)) {
					return true;
				}
			}
			else if (hasUnresponsiveMessage(t)) {
				return true;
			}
		}
		return false;
	}

	/**
	 * Return the errno the failure carries, positive, or {@code null} when it carries none.
	 */
	private static @Nullable Integer errno(Throwable failure) {
		if (NATIVE_ERRORS_PRESENT && NativeErrors.isNative(failure)) {
			return NativeErrors.errno(failure);
		}
		if (failure instanceof ConnectException && failure.getMessage() != null) {
			Matcher matcher = NATIVE_ERRNO.matcher(failure.getMessage());
			if (matcher.find()) {
				return Math.abs(Integer.parseInt(matcher.group(1)));
			}
		}
		return null;
	}

	private static boolean hasUnresponsiveMessage(Throwable failure) {
		String message = failure.getMessage();
		if (message == null) {
			return false;
		}
		String lower = message.toLowerCase(Locale.ROOT);
		for (String unresponsive : UNRESPONSIVE_MESSAGES) {
			if (lower.contains(unresponsive)) {
				return true;
			}
		}
		return false;
	}

	/**
	 * Netty's native error type, kept in a class of its own so that it is only loaded when the
	 * native transport classes are on the class path.
	 */
	private static final class NativeErrors {

		static boolean isNative(Throwable failure) {
			return failure instanceof Errors.NativeIoException;
		}

		static int errno(Throwable failure) {
			// Netty keeps the negated errno, as the system calls return it.
			return Math.abs(((Errors.NativeIoException) failure).expectedErr());
		}

	}

	/**
	 * The errnos of an unresponsive peer. The native transports StreamGuard configures run on
	 * Linux; Netty's kqueue transport, on macOS and the BSDs, reports the BSD numbers.
	 */
	private static final class Errno {

		private static final boolean LINUX = System.getProperty("os.name", "").toLowerCase(Locale.ROOT)
			.startsWith("linux");

		/** ETIMEDOUT, EHOSTUNREACH, ENETUNREACH on Linux. */
		private static final int[] LINUX_UNRESPONSIVE = { 110, 113, 101 };

		/** ETIMEDOUT, EHOSTUNREACH, ENETUNREACH on macOS and the BSDs. */
		private static final int[] BSD_UNRESPONSIVE = { 60, 65, 51 };

		static boolean isUnresponsive(int errno) {
			for (int unresponsive : (LINUX ? LINUX_UNRESPONSIVE : BSD_UNRESPONSIVE)) {
				if (errno == unresponsive) {
					return true;
				}
			}
			return false;
		}

	}

}
