package io.servingkit.binary;

import com.code_intelligence.jazzer.junit.FuzzTest;

/**
 * Jazzer fuzz targets for the decoders. Under plain {@code mvn test} each target replays its corpus in
 * {@code src/test/resources/io/servingkit/binary/DecoderFuzzTestInputs/<target>/}: valid seed bodies of every format
 * and every input that once broke a decoder. To fuzz (one target at a time):
 *
 * <pre>
 * JAZZER_FUZZ=1 mvn -o -pl serving-binary -am test -Djazzer.hooks=true -Dsurefire.failIfNoSpecifiedTests=false \
 *     -Dtest='DecoderFuzzTest#binaryBody'
 * </pre>
 *
 * Jazzer stores new crashing inputs in that directory; keep them there as regression tests.
 */
class DecoderFuzzTest {

  @FuzzTest(maxDuration = "5m")
  void binaryBody(byte[] body) {
    FuzzChecks.check(body, null);
  }

  @FuzzTest(maxDuration = "5m")
  void jsonBody(byte[] body) {
    FuzzChecks.check(body, "application/json");
  }

  @FuzzTest(maxDuration = "5m")
  void csvBody(byte[] body) {
    FuzzChecks.check(body, "text/csv");
  }
}
