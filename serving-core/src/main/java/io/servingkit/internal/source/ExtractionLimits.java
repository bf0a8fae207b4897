package io.servingkit.internal.source;

/**
 * How much one archive may expand to: bytes written in all, entries (files, folders and links), and the ratio of
 * bytes written to the archive's own size (checked once more than {@link #RATIO_FLOOR} bytes are written, so that
 * small, well-compressed archives pass).
 *
 * @param maxBytes the most bytes one extraction may write
 * @param maxEntries the most entries one archive may hold
 * @param maxRatio the most bytes written per byte of archive
 */
public record ExtractionLimits(long maxBytes, int maxEntries, int maxRatio) {

  /** Bytes an extraction may write before the expansion ratio is checked. */
  static final long RATIO_FLOOR = 16L << 20;

  /** 10 GiB, 10,000 entries, 100 times the archive's size. */
  static final ExtractionLimits DEFAULT = new ExtractionLimits(10L << 30, 10_000, 100);

  public ExtractionLimits {
    if (maxBytes < 1 || maxEntries < 1 || maxRatio < 1) {
      throw new IllegalArgumentException(
          "extraction limits must be positive: bytes=" + maxBytes + ", entries=" + maxEntries + ", ratio=" + maxRatio);
    }
  }
}
