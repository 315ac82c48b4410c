package dev.streamguard.demo;

import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.support.ui.WebDriverWait;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.core.env.Environment;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The demo page in headless Chromium: its EventSource reconnects each time the server ends the
 * tick stream and resumes from Last-Event-ID, with no gap and no duplicate.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
		properties = { "demo.ticks.period=50ms", "streamguard.routes[/streams/ticks].max-duration=1500ms" })
class BrowserReconnectTests {

	@Autowired
	private Environment environment;

	private Chromium chromium;

	private WebDriver driver;

	@Test
	void pageReconnectsAndResumesFromTheLastEventId() throws Exception {
		this.chromium = Chromium.start();
		this.driver = this.chromium.driver();
		this.driver.get("http://127.0.0.1:" + this.environment.getProperty("local.server.port") + "/");
		// A listener of the test's own, as applications write them: every error event counts,
		// and one that carries data is a server frame mistaken for a failed connection.
		((JavascriptExecutor) this.driver).executeScript("window.probe = { errors: 0, serverErrors: 0, ends: [] };"
				+ "const source = new EventSource('/streams/ticks');"
				+ "source.onerror = (event) => { probe.errors++; if (event.data !== undefined) { probe.serverErrors++; } };"
				+ "source.addEventListener('end', (event) => probe.ends.push(event.data));");
		// Two reconnects, and a tick received after each of them.
		new WebDriverWait(this.driver, Duration.ofSeconds(30)).pollingEvery(Duration.ofMillis(200))
			.until((page) -> number("reconnects") >= 2 && text("resumes").split(", ").length >= 2);
		assertThat(number("gaps")).isZero();
		// One stream carries about 1500 ms / 50 ms = 30 ticks: the feed went on across reconnects.
		assertThat(number("last-id")).isGreaterThan(30);
		String[] resumes = text("resumes").split(", ");
		assertThat(resumes).hasSizeGreaterThanOrEqualTo(2);
		// Each reconnect sent Last-Event-ID: its first tick follows the last one seen before it.
		for (String resume : resumes) {
			String[] ends = resume.split(" -> ");
			assertThat(Long.parseLong(ends[1])).as(resume).isEqualTo(Long.parseLong(ends[0]) + 1);
		}
		// Read the live feed in one go: it changes between separate element lookups.
		List<?> shown = (List<?>) ((JavascriptExecutor) this.driver).executeScript(
				"return Array.from(document.querySelectorAll('#feed li')).map((li) => li.dataset.seq)");
		assertThat(shown).hasSizeGreaterThan(5);
		for (int i = 1; i < shown.size(); i++) {
			assertThat(Long.parseLong((String) shown.get(i - 1))).isEqualTo(Long.parseLong((String) shown.get(i)) + 1);
		}
		assertThat(text("last-end")).isEqualTo("max-duration");
		assertThat(text("server-errors")).isEqualTo("0");
		Map<?, ?> probe = (Map<?, ?>) ((JavascriptExecutor) this.driver).executeScript("return window.probe");
		assertThat((List<?>) probe.get("ends")).isNotEmpty().allSatisfy((end) -> assertThat(end).isEqualTo("max-duration"));
		assertThat(((Number) probe.get("serverErrors")).longValue()).isZero();
	}

	@AfterEach
	void quit() throws IOException {
		if (this.chromium != null) {
			this.chromium.close();
		}
	}

	private long number(String id) {
		String value = text(id);
		return value.matches("\\d+") ? Long.parseLong(value) : -1;
	}

	private String text(String id) {
		return this.driver.findElement(By.id(id)).getText();
	}

}
