package io.servingkit.binary;

import io.servingkit.BadInputException;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.util.List;

/**
 * The properties every decoder must have on any input, checked by the fuzz tests: it either returns tensors or throws
 * {@link BadInputException} with a message (never another exception); it allocates no more than the body can
 * justify; and what it returns survives re-encoding in every output format.
 */
final class FuzzChecks {
  private static final com.sun.management.ThreadMXBean THREADS =
      (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

  /** Whether Jazzer is fuzzing (rather than replaying the corpus): its instrumentation distorts allocation counts. */
  private static final boolean FUZZING =
      System.getenv("JAZZER_FUZZ") != null && !System.getenv("JAZZER_FUZZ").isEmpty();

  private FuzzChecks() {}

  /** Decodes {@code body}; throws {@link AssertionError} (or the unexpected exception) when a property fails. */
  static void check(byte[] body, String contentType) {
    try {
      // a first run loads and initialises classes; the second is measured
      InputDecoder.decode(ByteBuffer.wrap(body), contentType);
    } catch (BadInputException e) {
      // checked below
    }
    long before = THREADS.getCurrentThreadAllocatedBytes();
    List<Tensor> tensors;
    try {
      tensors = InputDecoder.decode(ByteBuffer.wrap(body), contentType);
    } catch (BadInputException e) {
      if (e.getMessage() == null || e.getMessage().isBlank()) {
        throw new AssertionError("BadInputException without a message", e);
      }
      checkAllocation(before, body);
      return;
    }
    checkAllocation(before, body);
    List<Tensor> again = InputDecoder.decode(ByteBuffer.wrap(NdListCodec.encode(tensors)), null);
    if (again.size() != tensors.size()) {
      throw new AssertionError("NDList round trip changed the array count");
    }
    for (int i = 0; i < tensors.size(); i++) {
      if (!again.get(i).sameAs(tensors.get(i))) {
        throw new AssertionError("NDList round trip changed array " + i + ": " + tensors.get(i));
      }
    }
    for (OutputFormat format : OutputFormat.values()) {
      try {
        format.encode(tensors);
      } catch (BadInputException e) {
        // the format cannot hold these tensors (e.g. a 3-D array as CSV): a clear refusal is fine
      }
    }
  }

  private static void checkAllocation(long before, byte[] body) {
    if (FUZZING) {
      // Jazzer's coverage and hook instrumentation allocate on this thread too (megabytes around regular
      // expressions): the bound is checked when the corpus is replayed, by MutationFuzzTest and MalformedInputTest
      return;
    }
    long allocated = THREADS.getCurrentThreadAllocatedBytes() - before;
    // strings and deflate legitimately expand; a decoder trusting a declared size would allocate far more
    long bound = (8L << 20) + 1100L * body.length;
    if (allocated > bound) {
      throw new AssertionError("decoding " + body.length + " bytes allocated " + allocated + " bytes");
    }
  }
}
