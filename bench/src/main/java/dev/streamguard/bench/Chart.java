package dev.streamguard.bench;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import javax.imageio.ImageIO;

/**
 * Small multiples of bar charts, drawn with java.awt (headless) into a PNG.
 */
final class Chart {

	static final Color GUARDED = new Color(0x2b, 0x6c, 0xb0);

	static final Color UNGUARDED = new Color(0xc0, 0x5a, 0x2a);

	static final Color LIMIT = new Color(0x7a, 0x7a, 0x7a);

	static final Color REFERENCE = new Color(0xa8, 0xb8, 0x7c);

	private static final int PANEL_WIDTH = 520;

	private static final int PANEL_HEIGHT = 340;

	private static final int COLUMNS = 3;

	private final String title;

	private final List<Panel> panels = new ArrayList<>();

	Chart(String title) {
		this.title = title;
	}

	Panel panel(String title, String unit) {
		Panel panel = new Panel(title, unit);
		this.panels.add(panel);
		return panel;
	}

	void write(Path file) throws IOException {
		int rows = Math.max(1, (this.panels.size() + COLUMNS - 1) / COLUMNS);
		int width = COLUMNS * PANEL_WIDTH;
		int height = 50 + rows * PANEL_HEIGHT;
		BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
		Graphics2D g = image.createGraphics();
		try {
			g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
			g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
			g.setColor(Color.WHITE);
			g.fillRect(0, 0, width, height);
			g.setColor(Color.BLACK);
			g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 20));
			g.drawString(this.title, 20, 32);
			for (int i = 0; i < this.panels.size(); i++) {
				int x = (i % COLUMNS) * PANEL_WIDTH;
				int y = 50 + (i / COLUMNS) * PANEL_HEIGHT;
				this.panels.get(i).draw(g, x, y);
			}
		}
		finally {
			g.dispose();
		}
		ImageIO.write(image, "png", file.toFile());
	}

	static final class Panel {

		private final String title;

		private final String unit;

		private final List<Bar> bars = new ArrayList<>();

		private final List<String> notes = new ArrayList<>();

		private double referenceValue = Double.NaN;

		private String referenceLabel = "";

		Panel(String title, String unit) {
			this.title = title;
			this.unit = unit;
		}

		/** Add a bar; {@code error} may be NaN, {@code label} is written above it. */
		Panel bar(String name, double value, double error, Color color, String label) {
			this.bars.add(new Bar(name, value, error, color, label, false));
			return this;
		}

		/** A bar that stands for "at least this much" (drawn hollow, with the label above). */
		Panel openBar(String name, double value, Color color, String label) {
			this.bars.add(new Bar(name, value, Double.NaN, color, label, true));
			return this;
		}

		Panel reference(double value, String label) {
			this.referenceValue = value;
			this.referenceLabel = label;
			return this;
		}

		Panel note(String note) {
			this.notes.add(note);
			return this;
		}

		void draw(Graphics2D g, int x, int y) {
			int left = x + 70;
			int right = x + PANEL_WIDTH - 20;
			int top = y + 50;
			int bottom = y + PANEL_HEIGHT - 60 - 14 * Math.max(0, this.notes.size() - 1);
			g.setColor(Color.BLACK);
			g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 14));
			g.drawString(this.title, x + 20, y + 22);
			g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 11));
			g.setColor(Color.DARK_GRAY);
			g.drawString(this.unit, x + 20, y + 40);
			if (this.bars.isEmpty()) {
				g.drawString("no result in this run", left, (top + bottom) / 2);
				return;
			}
			double max = 0;
			for (Bar bar : this.bars) {
				double v = bar.value + (Double.isNaN(bar.error) ? 0 : bar.error);
				if (Double.isFinite(v)) {
					max = Math.max(max, v);
				}
			}
			if (Double.isFinite(this.referenceValue)) {
				max = Math.max(max, this.referenceValue);
			}
			max = niceCeiling((max > 0) ? max * 1.12 : 1);
			// Axis and grid
			g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 11));
			for (int tick = 0; tick <= 4; tick++) {
				double value = max * tick / 4;
				int ty = bottom - (int) Math.round((bottom - top) * tick / 4.0);
				g.setColor(new Color(0xe6, 0xe6, 0xe6));
				g.drawLine(left, ty, right, ty);
				g.setColor(Color.DARK_GRAY);
				String text = number(value);
				g.drawString(text, left - 8 - g.getFontMetrics().stringWidth(text), ty + 4);
			}
			g.setColor(Color.BLACK);
			g.drawLine(left, bottom, right, bottom);
			int slot = (right - left) / this.bars.size();
			int barWidth = Math.min(90, (int) (slot * 0.6));
			for (int i = 0; i < this.bars.size(); i++) {
				Bar bar = this.bars.get(i);
				int cx = left + slot * i + slot / 2;
				double value = Double.isFinite(bar.value) ? Math.max(0, bar.value) : 0;
				int h = (int) Math.round((bottom - top) * value / max);
				if (bar.open) {
					g.setColor(bar.color);
					g.setStroke(new BasicStroke(2f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10f,
							new float[] { 6f, 4f }, 0f));
					g.drawRect(cx - barWidth / 2, bottom - h, barWidth, h);
					g.setStroke(new BasicStroke(1f));
				}
				else {
					g.setColor(bar.color);
					g.fillRect(cx - barWidth / 2, bottom - h, barWidth, h);
				}
				if (Double.isFinite(bar.error) && bar.error > 0) {
					int eh = (int) Math.round((bottom - top) * bar.error / max);
					g.setColor(Color.BLACK);
					g.drawLine(cx, bottom - h - eh, cx, Math.min(bottom, bottom - h + eh));
					g.drawLine(cx - 6, bottom - h - eh, cx + 6, bottom - h - eh);
					g.drawLine(cx - 6, Math.min(bottom, bottom - h + eh), cx + 6, Math.min(bottom, bottom - h + eh));
				}
				g.setColor(Color.BLACK);
				g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 11));
				int labelY = bottom - h - 6
						- ((Double.isFinite(bar.error) && bar.error > 0) ? (int) ((bottom - top) * bar.error / max) : 0);
				centered(g, bar.label, cx, Math.max(top - 4, labelY));
				g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 11));
				String[] name = bar.name.split("\n");
				for (int line = 0; line < name.length; line++) {
					centered(g, name[line], cx, bottom + 16 + 13 * line);
				}
			}
			if (Double.isFinite(this.referenceValue)) {
				int ry = bottom - (int) Math.round((bottom - top) * this.referenceValue / max);
				g.setColor(new Color(0xb0, 0x20, 0x20));
				g.setStroke(new BasicStroke(1.5f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10f,
						new float[] { 8f, 5f }, 0f));
				g.drawLine(left, ry, right, ry);
				g.setStroke(new BasicStroke(1f));
				g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 11));
				g.drawString(this.referenceLabel, right - g.getFontMetrics().stringWidth(this.referenceLabel), ry - 4);
			}
			g.setColor(Color.DARK_GRAY);
			g.setFont(new Font(Font.SANS_SERIF, Font.ITALIC, 11));
			for (int i = 0; i < this.notes.size(); i++) {
				g.drawString(this.notes.get(i), x + 20, y + PANEL_HEIGHT - 14 - 14 * (this.notes.size() - 1 - i));
			}
		}

		private static void centered(Graphics2D g, String text, int cx, int baseline) {
			FontMetrics metrics = g.getFontMetrics();
			g.drawString(text, cx - metrics.stringWidth(text) / 2, baseline);
		}

	}

	private record Bar(String name, double value, double error, Color color, String label, boolean open) {
	}

	static double niceCeiling(double value) {
		double magnitude = Math.pow(10, Math.floor(Math.log10(value)));
		for (double step : new double[] { 1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10 }) {
			if (step * magnitude >= value) {
				return step * magnitude;
			}
		}
		return 10 * magnitude;
	}

	static String number(double value) {
		if (value == 0) {
			return "0";
		}
		if (Math.abs(value) >= 100 || value == Math.rint(value)) {
			return String.format(Locale.ROOT, "%,.0f", value);
		}
		return String.format(Locale.ROOT, "%.2f", value);
	}

}
