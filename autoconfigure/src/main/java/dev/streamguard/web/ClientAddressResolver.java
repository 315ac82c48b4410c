package dev.streamguard.web;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

import org.jspecify.annotations.Nullable;
import reactor.netty.http.server.HttpServerRequest;

import org.springframework.http.server.reactive.ServerHttpRequest;
import org.springframework.http.server.reactive.ServerHttpRequestDecorator;
import org.springframework.util.ClassUtils;

/**
 * Tells which client a request counts for. A request counts for its connection's own address,
 * unless that address belongs to a {@linkplain TrustedProxies trusted proxy}; then for the
 * right-most address of the forwarded header that is not a trusted proxy. Each proxy appends the
 * address it received the request from, so that entry was written by a proxy the operator
 * trusts; anything left of it may have been written by the client. A header entry that is no
 * address literal ({@code unknown}, an obfuscated {@code Forwarded} node, garbage) ends the walk
 * and the nearest trusted hop counts. A direct client's headers are never read.
 * <p>
 * The connection's address is read from Reactor Netty's own request
 * ({@link HttpServerRequest#connectionRemoteAddress()}) and so are the headers: with
 * {@code server.forward-headers-strategy=native} Reactor Netty rewrites the request's remote
 * address from the headers of anyone, and with {@code framework} Spring does so and removes the
 * headers. Neither changes what is counted here. On other servers the request's remote address
 * and headers are used as they arrive.
 *
 * @since 0.2.0
 */
public final class ClientAddressResolver {

	private static final boolean REACTOR_NETTY_PRESENT = ClassUtils
		.isPresent("reactor.netty.http.server.HttpServerRequest", ClientAddressResolver.class.getClassLoader());

	private static final ClientAddressResolver DIRECT = new ClientAddressResolver(TrustedProxies.none(),
			ForwardedHeader.X_FORWARDED_FOR);

	private final TrustedProxies proxies;

	private final ForwardedHeader header;

	/**
	 * Create a resolver.
	 * @param proxies the proxies whose header is believed
	 * @param header the header they append to
	 */
	public ClientAddressResolver(TrustedProxies proxies, ForwardedHeader header) {
		this.proxies = Objects.requireNonNull(proxies, "proxies");
		this.header = Objects.requireNonNull(header, "header");
	}

	/**
	 * Return the resolver that trusts no proxy: every request counts for its connection.
	 * @return the resolver
	 */
	public static ClientAddressResolver direct() {
		return DIRECT;
	}

	/**
	 * Return the address a request counts for.
	 * @param request the request
	 * @return the client's address, its port {@code 0} when a proxy named the client without one,
	 * or {@code null} when the connection has no IP address (a Unix domain socket)
	 */
	public @Nullable InetSocketAddress resolve(ServerHttpRequest request) {
		Object nativeRequest = nativeRequest(request);
		if (REACTOR_NETTY_PRESENT && nativeRequest instanceof HttpServerRequest netty) {
			SocketAddress peer = netty.connectionRemoteAddress();
			return (peer instanceof InetSocketAddress inet)
					? resolve(inet, netty.requestHeaders().getAll(this.header.headerName())) : null;
		}
		InetSocketAddress peer = request.getRemoteAddress();
		if (peer == null) {
			return null;
		}
		List<String> values = request.getHeaders().get(this.header.headerName());
		return resolve(peer, (values != null) ? values : List.of());
	}

	private static @Nullable Object nativeRequest(ServerHttpRequest request) {
		try {
			return ServerHttpRequestDecorator.getNativeRequest(request);
		}
		catch (IllegalArgumentException | IllegalStateException ex) {
			// Not a server's request (a decorator of its own, a mock): read it as it is.
			return null;
		}
	}

	/**
	 * Return the address a request counts for.
	 * @param peer the connection's own address
	 * @param headerValues the values of the forwarded header, in the order they arrived
	 * @return the client's address
	 */
	InetSocketAddress resolve(InetSocketAddress peer, List<String> headerValues) {
		InetSocketAddress current = peer;
		if (peer.getAddress() == null || !this.proxies.contains(peer.getAddress())) {
			return peer;
		}
		List<String> nodes = this.header.nodes(headerValues);
		for (int i = nodes.size() - 1; i >= 0; i--) {
			InetSocketAddress hop = node(nodes.get(i));
			if (hop == null) {
				break;
			}
			current = hop;
			if (!this.proxies.contains(hop.getAddress())) {
				break;
			}
		}
		return current;
	}

	/**
	 * Read one hop: an address literal with an optional port, IPv6 in brackets when it has a
	 * port ({@code 192.0.2.1}, {@code 192.0.2.1:4711}, {@code 2001:db8::1},
	 * {@code [2001:db8::1]:4711}).
	 */
	static @Nullable InetSocketAddress node(String node) {
		String host = node;
		String port = null;
		if (node.startsWith("[")) {
			int close = node.indexOf(']');
			if (close < 0) {
				return null;
			}
			host = node.substring(1, close);
			String rest = node.substring(close + 1);
			if (!rest.isEmpty()) {
				if (!rest.startsWith(":")) {
					return null;
				}
				port = rest.substring(1);
			}
		}
		else if (node.indexOf(':') >= 0 && node.indexOf(':') == node.lastIndexOf(':')) {
			host = node.substring(0, node.indexOf(':'));
			port = node.substring(node.indexOf(':') + 1);
		}
		InetAddress address = InetAddressLiterals.parse(host);
		int portNumber = (port != null) ? port(port) : 0;
		return (address != null && portNumber >= 0) ? new InetSocketAddress(address, portNumber) : null;
	}

	private static int port(String port) {
		if (!port.matches("[0-9]{1,5}")) {
			return -1;
		}
		int number = Integer.parseInt(port);
		return (number <= 65535) ? number : -1;
	}

	/**
	 * The header trusted proxies append the address they received a request from to.
	 */
	public enum ForwardedHeader {

		/**
		 * {@code X-Forwarded-For}: comma-separated addresses, as nginx
		 * ({@code $proxy_add_x_forwarded_for}), HAProxy ({@code option forwardfor}), Envoy,
		 * ingress-nginx and cloud load balancers write it.
		 */
		X_FORWARDED_FOR("X-Forwarded-For") {

			@Override
			List<String> nodes(List<String> values) {
				List<String> nodes = new ArrayList<>();
				for (String value : values) {
					for (String node : value.split(",", -1)) {
						nodes.add(node.trim());
					}
				}
				return nodes;
			}

		},

		/**
		 * RFC 7239 {@code Forwarded}: the {@code for=} parameter of each element, a token or a
		 * quoted string, IPv6 in brackets.
		 */
		FORWARDED("Forwarded") {

			@Override
			List<String> nodes(List<String> values) {
				List<String> nodes = new ArrayList<>();
				for (String value : values) {
					for (String element : splitOutsideQuotes(value, ',')) {
						nodes.add(forOf(element));
					}
				}
				return nodes;
			}

		};

		private final String headerName;

		ForwardedHeader(String headerName) {
			this.headerName = headerName;
		}

		/**
		 * Return the header's name.
		 * @return the name
		 */
		public String headerName() {
			return this.headerName;
		}

		/**
		 * Return the hops of the header's values, left to right, as written (an element without
		 * a hop is an empty string, which no address parses from).
		 */
		abstract List<String> nodes(List<String> values);

		private static String forOf(String element) {
			for (String pair : splitOutsideQuotes(element, ';')) {
				int equals = pair.indexOf('=');
				if (equals > 0 && pair.substring(0, equals).trim().toLowerCase(Locale.ROOT).equals("for")) {
					return unquote(pair.substring(equals + 1).trim());
				}
			}
			return "";
		}

		private static String unquote(String value) {
			if (value.length() < 2 || value.charAt(0) != '"' || value.charAt(value.length() - 1) != '"') {
				return value;
			}
			StringBuilder unquoted = new StringBuilder(value.length());
			for (int i = 1; i < value.length() - 1; i++) {
				char c = value.charAt(i);
				if (c == '\\' && i + 1 < value.length() - 1) {
					c = value.charAt(++i);
				}
				unquoted.append(c);
			}
			return unquoted.toString();
		}

		private static List<String> splitOutsideQuotes(String value, char separator) {
			List<String> parts = new ArrayList<>();
			StringBuilder part = new StringBuilder();
			boolean quoted = false;
			for (int i = 0; i < value.length(); i++) {
				char c = value.charAt(i);
				if (quoted && c == '\\' && i + 1 < value.length()) {
					part.append(c).append(value.charAt(++i));
					continue;
				}
				if (c == '"') {
					quoted = !quoted;
				}
				if (c == separator && !quoted) {
					parts.add(part.toString().trim());
					part.setLength(0);
				}
				else {
					part.append(c);
				}
			}
			parts.add(part.toString().trim());
			return parts;
		}

	}

}
