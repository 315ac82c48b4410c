package dev.streamguard.demo;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;

/**
 * A service that streams ticks (SSE), records (NDJSON from a blocking producer) and bulk bytes
 * (octet stream), each guarded by StreamGuard.
 */
@SpringBootApplication
public class DemoApplication {

	public static void main(String[] args) {
		SpringApplication.run(DemoApplication.class, args);
	}

}
