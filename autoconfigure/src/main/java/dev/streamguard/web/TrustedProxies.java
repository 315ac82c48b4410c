package dev.streamguard.web;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Objects;

/**
 * The proxies whose forwarded headers are believed: IPv4 and IPv6 addresses and CIDR blocks
 * ({@code 10.0.0.0/8}, {@code 127.0.0.1}, {@code fd00::/8}). Immutable.
 *
 * @since 0.2.0
 */
public final class TrustedProxies {

	private static final TrustedProxies NONE = new TrustedProxies(List.of());

	private final List<Block> blocks;

	private TrustedProxies(List<Block> blocks) {
		this.blocks = blocks;
	}

	/**
	 * Return the empty set: no proxy is trusted, every client counts by its connection's address.
	 * @return the empty set
	 */
	public static TrustedProxies none() {
		return NONE;
	}

	/**
	 * Parse addresses and CIDR blocks. Host bits below a block's prefix are ignored, as nginx
	 * does ({@code 10.1.2.3/8} is {@code 10.0.0.0/8}). Only literals are read: a host name is an
	 * error, never looked up.
	 * @param entries the addresses and blocks, surrounding spaces allowed
	 * @return the set
	 * @throws IllegalArgumentException naming the first entry that is neither an address nor a
	 * block
	 */
	public static TrustedProxies of(Collection<String> entries) {
		Objects.requireNonNull(entries, "entries");
		List<Block> blocks = new ArrayList<>(entries.size());
		for (String entry : entries) {
			blocks.add(Block.parse(Objects.requireNonNull(entry, "entry").trim()));
		}
		return blocks.isEmpty() ? NONE : new TrustedProxies(List.copyOf(blocks));
	}

	/**
	 * Whether an address belongs to a trusted proxy.
	 * @param address the address
	 * @return {@code true} if one of the blocks contains it
	 */
	public boolean contains(InetAddress address) {
		byte[] bytes = address.getAddress();
		for (Block block : this.blocks) {
			if (block.contains(bytes)) {
				return true;
			}
		}
		return false;
	}

	/**
	 * Whether no proxy is trusted.
	 * @return {@code true} for the empty set
	 */
	public boolean isEmpty() {
		return this.blocks.isEmpty();
	}

	@Override
	public String toString() {
		return this.blocks.toString();
	}

	private record Block(byte[] network, int prefix, String text) {

		static Block parse(String entry) {
			int slash = entry.indexOf('/');
			String address = (slash >= 0) ? entry.substring(0, slash) : entry;
			InetAddress parsed = InetAddressLiterals.parse(address);
			if (parsed == null) {
				throw new IllegalArgumentException("'" + entry + "' is neither an IP address nor a CIDR block; "
						+ "write literals such as 10.0.0.0/8, 127.0.0.1 or fd00::/8 (host names are not resolved)");
			}
			int bits = (parsed instanceof Inet4Address) ? 32 : 128;
			int prefix = bits;
			if (slash >= 0) {
				String length = entry.substring(slash + 1);
				prefix = (length.matches("[0-9]{1,3}")) ? Integer.parseInt(length) : -1;
				if (prefix < 0 || prefix > bits) {
					throw new IllegalArgumentException("'" + entry + "' has an invalid prefix length '" + length
							+ "'; it must be from 0 to " + bits + " for an IPv" + ((bits == 32) ? "4" : "6")
							+ " block");
				}
			}
			return new Block(parsed.getAddress(), prefix, entry);
		}

		boolean contains(byte[] address) {
			if (address.length != this.network.length) {
				return false;
			}
			int whole = this.prefix / 8;
			for (int i = 0; i < whole; i++) {
				if (address[i] != this.network[i]) {
					return false;
				}
			}
			int rest = this.prefix % 8;
			if (rest == 0) {
				return true;
			}
			int mask = (0xff << (8 - rest)) & 0xff;
			return (address[whole] & mask) == (this.network[whole] & mask);
		}

		@Override
		public String toString() {
			return this.text;
		}

	}

}
