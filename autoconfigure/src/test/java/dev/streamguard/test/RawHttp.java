package dev.streamguard.test;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/**
 * A plain socket HTTP/1.1 client, so that a test decides exactly when it reads, stops reading
 * or resets the connection.
 */
public final class RawHttp implements AutoCloseable {

	private final Socket socket;

	private final InputStream in;

	private RawHttp(Socket socket) throws IOException {
		this.socket = socket;
		this.in = socket.getInputStream();
	}

	/**
	 * Open a connection with a small receive buffer and send a GET request.
	 */
	public static RawHttp get(int port, String path, int receiveBuffer) throws IOException {
		return get(port, path, receiveBuffer, new String[0]);
	}

	/**
	 * Open a connection with a small receive buffer and send a GET request with extra header
	 * lines ({@code "Name: value"}).
	 */
	public static RawHttp get(int port, String path, int receiveBuffer, String... headers) throws IOException {
		Socket socket = new Socket();
		socket.setReceiveBufferSize(receiveBuffer);
		socket.connect(new InetSocketAddress("127.0.0.1", port), 5000);
		socket.setSoTimeout(10_000);
		StringBuilder request = new StringBuilder("GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: */*\r\n");
		for (String header : headers) {
			request.append(header).append("\r\n");
		}
		request.append("\r\n");
		socket.getOutputStream().write(request.toString().getBytes(StandardCharsets.US_ASCII));
		socket.getOutputStream().flush();
		return new RawHttp(socket);
	}

	/**
	 * Read the status line and headers, waiting at most the given time for them.
	 * @return the head, lines separated by CRLF, without the blank line that ends it
	 * @throws java.net.SocketTimeoutException when the head does not arrive in time
	 */
	public String head(java.time.Duration wait) throws IOException {
		int timeout = this.socket.getSoTimeout();
		this.socket.setSoTimeout((int) wait.toMillis());
		try {
			StringBuilder head = new StringBuilder();
			while (head.length() < 4 || !head.substring(head.length() - 4).equals("\r\n\r\n")) {
				int b = this.in.read();
				if (b < 0) {
					throw new java.io.EOFException("Connection closed after " + head.length() + " bytes of head");
				}
				head.append((char) b);
			}
			return head.substring(0, head.length() - 4);
		}
		finally {
			this.socket.setSoTimeout(timeout);
		}
	}

	/** Read and drop exactly {@code count} bytes (headers and framing included). */
	public void read(long count) throws IOException {
		byte[] buffer = new byte[8192];
		long left = count;
		while (left > 0) {
			int n = this.in.read(buffer, 0, (int) Math.min(buffer.length, left));
			if (n < 0) {
				throw new IOException("Stream ended after " + (count - left) + " of " + count + " bytes");
			}
			left -= n;
		}
	}

	/** Read the response's status line, without its line break. */
	public String readStatusLine() throws IOException {
		StringBuilder line = new StringBuilder();
		for (int c; (c = this.in.read()) != '\n';) {
			if (c < 0) {
				throw new IOException("Connection closed after '" + line + "'");
			}
			if (c != '\r') {
				line.append((char) c);
			}
		}
		return line.toString();
	}

	/** Read whatever has arrived, up to {@code max} bytes, waiting up to a second for one. */
	public int readSome(int max) throws IOException {
		int timeout = this.socket.getSoTimeout();
		this.socket.setSoTimeout(1000);
		try {
			return this.in.read(new byte[max]);
		}
		finally {
			this.socket.setSoTimeout(timeout);
		}
	}

	/** Read until the server closes the connection; return how many bytes came. */
	public long readToEnd() throws IOException {
		byte[] buffer = new byte[8192];
		long total = 0;
		try {
			for (int n; (n = this.in.read(buffer)) >= 0;) {
				total += n;
			}
		}
		catch (IOException ex) {
			// A reset ends the stream as well.
		}
		return total;
	}

	/** Close with RST rather than FIN. */
	public void reset() throws IOException {
		this.socket.setSoLinger(true, 0);
		this.socket.close();
	}

	@Override
	public void close() throws IOException {
		this.socket.close();
	}

}
