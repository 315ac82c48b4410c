package dev.streamguard.bench;

import java.awt.image.BufferedImage;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import javax.imageio.ImageIO;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

/**
 * The chart is drawn from the committed report's raw lines, so a report the chart cannot read
 * fails the build.
 */
class ResultsChartTests {

	@BeforeAll
	static void headless() {
		System.setProperty("java.awt.headless", "true");
	}

	@Test
	void everyPanelOfTheCommittedReportIsDrawn(@TempDir Path dir) throws Exception {
		List<String> report = Files.readAllLines(Path.of("RESULTS.md"), StandardCharsets.UTF_8);
		Path png = dir.resolve("results.png");
		assertThat(ResultsChart.chart(report).write(png)).isEqualTo(6);
		BufferedImage image = ImageIO.read(png.toFile());
		assertThat(image.getWidth()).isGreaterThan(1000);
		assertThat(countPixels(image, Chart.GUARDED.getRGB())).as("guarded bars").isGreaterThan(5000);
		assertThat(countPixels(image, Chart.UNGUARDED.getRGB())).as("baseline bars").isGreaterThan(5000);
	}

	@Test
	void aRunWithoutResultsDrawsEmptyPanels(@TempDir Path dir) throws Exception {
		Path png = dir.resolve("results.png");
		assertThat(ResultsChart.chart(List.of("# Benchmark results")).write(png)).isZero();
		assertThat(countPixels(ImageIO.read(png.toFile()), Chart.GUARDED.getRGB())).isZero();
	}

	@Test
	void fanOutRunsAreOrderedByGuardOverheadSoTheMiddleOneIsTheMedian() {
		List<String> runs = ResultsChart.fanOutRuns(List.of("fan-out a guardOverhead=1691B", "throughput x",
				"fan-out b guardOverhead=1291B", "fan-out c guardOverhead=1298B"));
		assertThat(runs).extracting((line) -> line.substring(8, 9)).containsExactly("b", "c", "a");
	}

	@Test
	void aMalformedResultLineIsNamed() {
		assertThatIllegalArgumentException()
			.isThrownBy(() -> ResultsChart.chart(List.of("throughput size=1 guarded=fast")))
			.withMessageContaining("throughput size=1 guarded=fast");
	}

	private static int countPixels(BufferedImage image, int rgb) {
		int count = 0;
		for (int x = 0; x < image.getWidth(); x++) {
			for (int y = 0; y < image.getHeight(); y++) {
				if (image.getRGB(x, y) == rgb) {
					count++;
				}
			}
		}
		return count;
	}

}
