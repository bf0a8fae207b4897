package io.servingkit.internal.javamode;

import ai.djl.modality.Input;
import ai.djl.ndarray.BytesSupplier;
import io.servingkit.BadInputException;
import io.servingkit.ModelSpec;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.Iterator;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;
import javax.imageio.stream.MemoryCacheImageInputStream;

/**
 * Refuses images too large to decode before any pixel is decoded: for each input entry that starts like a PNG,
 * JPEG, GIF, BMP or TIFF file, the image reader reads only the header's width and height, and an image of more than
 * {@code max_image_pixels} pixels is refused with a {@link BadInputException} (400) naming its size and the limit. A
 * small PNG can claim 30000 × 30000 pixels, which DJL's image factory would decode into gigabytes.
 *
 * <p>Threading: immutable.
 */
final class ImageLimit {

  /** The model property naming the limit. */
  static final String KEY = "max_image_pixels";

  /** 50 million pixels (about 8000 × 6000): a large photograph passes, a decompression bomb does not. */
  static final long DEFAULT = 50_000_000L;

  private final long maxPixels;

  ImageLimit(long maxPixels) {
    this.maxPixels = maxPixels;
  }

  /** The limit of a model: its {@code max_image_pixels}, else {@link #DEFAULT}. */
  static ImageLimit of(ModelSpec spec) {
    return new ImageLimit(spec.property(KEY).map(Long::parseLong).orElse(DEFAULT));
  }

  /** Refuses the first entry of any input that is an image over the limit. */
  void check(Iterable<Input> batch) {
    for (Input input : batch) {
      for (BytesSupplier value : input.getContent().values()) {
        if (value == null) {
          continue;
        }
        byte[] bytes = value.getAsBytes();
        if (looksLikeImage(bytes)) {
          checkSize(bytes);
        }
      }
    }
  }

  private void checkSize(byte[] bytes) {
    try (ImageInputStream in = new MemoryCacheImageInputStream(new ByteArrayInputStream(bytes))) {
      Iterator<ImageReader> readers = ImageIO.getImageReaders(in);
      if (!readers.hasNext()) {
        return;
      }
      ImageReader reader = readers.next();
      try {
        reader.setInput(in, true, true);
        long width = reader.getWidth(0);
        long height = reader.getHeight(0);
        if (width * height > maxPixels) {
          throw new BadInputException(
              "image of "
                  + width
                  + " x "
                  + height
                  + " pixels refused: more than max_image_pixels="
                  + maxPixels
                  + " (checked before decoding)");
        }
      } finally {
        reader.dispose();
      }
    } catch (IOException | RuntimeException e) {
      if (e instanceof BadInputException) {
        throw (BadInputException) e;
      }
      // an unreadable header: the translator reports the malformed image as it always has
    }
  }

  private static boolean looksLikeImage(byte[] b) {
    if (b.length < 8) {
      return false;
    }
    int b0 = b[0] & 0xff;
    int b1 = b[1] & 0xff;
    return (b0 == 0x89 && b1 == 'P' && b[2] == 'N' && b[3] == 'G') // PNG
        || (b0 == 0xff && b1 == 0xd8 && (b[2] & 0xff) == 0xff) // JPEG
        || (b0 == 'G' && b1 == 'I' && b[2] == 'F' && b[3] == '8') // GIF
        || (b0 == 'B' && b1 == 'M') // BMP
        || (b0 == 'I' && b1 == 'I' && b[2] == 42 && b[3] == 0) // TIFF, little-endian
        || (b0 == 'M' && b1 == 'M' && b[2] == 0 && b[3] == 42); // TIFF, big-endian
  }
}
