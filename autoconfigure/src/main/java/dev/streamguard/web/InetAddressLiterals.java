package dev.streamguard.web;

import java.net.InetAddress;
import java.net.UnknownHostException;

import org.jspecify.annotations.Nullable;

/**
 * Strict parser of IP address literals. {@code InetAddress.getByName} looks a name up when the
 * text is not a literal, and forwarded headers are written by whoever sends the request: a
 * header value must never cause a DNS query, so only the two literal forms are read here and the
 * address is built from its bytes. Accepted: dotted-quad IPv4 (no leading zeros, which some
 * parsers read as octal), and RFC 4291 IPv6 with at most one {@code ::} and an optional
 * dotted-quad tail. Not accepted: brackets, ports, zone ids, and anything else.
 */
final class InetAddressLiterals {

	private InetAddressLiterals() {
	}

	/**
	 * Parse an address literal.
	 * @param text the text
	 * @return the address, or {@code null} if the text is no address literal
	 */
	static @Nullable InetAddress parse(String text) {
		byte[] bytes = (text.indexOf(':') >= 0) ? ipv6(text) : ipv4(text, 0, text.length());
		if (bytes == null) {
			return null;
		}
		try {
			// An IPv4-mapped IPv6 address comes back as the Inet4Address it maps.
			return InetAddress.getByAddress(bytes);
		}
		catch (UnknownHostException ex) {
			// Only thrown for a byte array of a wrong length, which cannot happen here.
			return null;
		}
	}

	private static byte @Nullable [] ipv4(String text, int from, int to) {
		byte[] bytes = new byte[4];
		int part = 0;
		int start = from;
		for (int i = from; i <= to; i++) {
			if (i < to && text.charAt(i) != '.') {
				continue;
			}
			int length = i - start;
			if (part == 4 || length < 1 || length > 3 || (length > 1 && text.charAt(start) == '0')) {
				return null;
			}
			int value = 0;
			for (int j = start; j < i; j++) {
				char c = text.charAt(j);
				if (c < '0' || c > '9') {
					return null;
				}
				value = value * 10 + (c - '0');
			}
			if (value > 255) {
				return null;
			}
			bytes[part++] = (byte) value;
			start = i + 1;
		}
		return (part == 4) ? bytes : null;
	}

	private static byte @Nullable [] ipv6(String text) {
		int gap = text.indexOf("::");
		if (gap >= 0 && text.indexOf("::", gap + 1) >= 0) {
			return null;
		}
		String head = (gap >= 0) ? text.substring(0, gap) : text;
		String tail = (gap >= 0) ? text.substring(gap + 2) : "";
		byte[] front = new byte[16];
		int frontLength = groups(head, front, gap < 0);
		byte[] back = new byte[16];
		int backLength = groups(tail, back, true);
		if (frontLength < 0 || backLength < 0) {
			return null;
		}
		// "::" stands for at least one group of zeros; without it the groups fill all 16 bytes.
		int total = frontLength + backLength;
		if ((gap >= 0) ? total > 14 : total != 16) {
			return null;
		}
		byte[] bytes = new byte[16];
		System.arraycopy(front, 0, bytes, 0, frontLength);
		System.arraycopy(back, 0, bytes, 16 - backLength, backLength);
		return bytes;
	}

	/**
	 * Read colon-separated hex groups into {@code out}.
	 * @param last whether these groups end the address, so that a dotted-quad may end them
	 * @return how many bytes were read, or {@code -1} if the text is malformed
	 */
	private static int groups(String text, byte[] out, boolean last) {
		if (text.isEmpty()) {
			return 0;
		}
		int length = 0;
		int start = 0;
		for (int i = 0; i <= text.length(); i++) {
			if (i < text.length() && text.charAt(i) != ':') {
				continue;
			}
			if (i == text.length() && last && text.indexOf('.', start) >= 0) {
				byte[] ipv4 = ipv4(text, start, i);
				if (ipv4 == null || length + 4 > 16) {
					return -1;
				}
				System.arraycopy(ipv4, 0, out, length, 4);
				return length + 4;
			}
			int digits = i - start;
			if (digits < 1 || digits > 4 || length + 2 > 16) {
				return -1;
			}
			int value = 0;
			for (int j = start; j < i; j++) {
				int digit = Character.digit(text.charAt(j), 16);
				// Character.digit also takes non-ASCII digits, which no literal has.
				if (digit < 0 || text.charAt(j) > 'f') {
					return -1;
				}
				value = value * 16 + digit;
			}
			out[length++] = (byte) (value >> 8);
			out[length++] = (byte) value;
			start = i + 1;
		}
		return length;
	}

}
