package io.servingkit.binary;

import static io.servingkit.binary.TestTensors.shape;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * A seeded mutation fuzzer that runs in every build (Jazzer's engine runs only on demand, see
 * {@link DecoderFuzzTest}): valid bodies of every format are mutated (bit flips, interesting values written over
 * length and size fields, truncation, insertion, splicing) and every mutant must pass {@link FuzzChecks}. The seed is
 * fixed, so a failure reproduces; its input is printed in hex for the corpus.
 */
class MutationFuzzTest {
  private static final long SEED = 20261125L;
  private static final int MUTANTS_PER_BODY = 2000;
  private static final long[] INTERESTING = {
    0, 1, -1, 2, 7, 8, 0x7f, 0x80, 0xff, 0x100, 0x7fff, 0x8000, 0xffff, 0x10000, Integer.MAX_VALUE,
    Integer.MIN_VALUE, 0xffffffffL, Long.MAX_VALUE, Long.MIN_VALUE, 1L << 31, 1L << 40
  };

  static List<byte[]> seeds() {
    List<byte[]> seeds = new ArrayList<>();
    List<Tensor> mixed =
        List.of(TestTensors.random(null, DType.FLOAT32, shape(2, 3), 1), TestTensors.random("ids", DType.INT64, shape(3), 2),
            TestTensors.random("mask", DType.BOOLEAN, shape(2, 2), 3));
    List<Tensor> withStrings = List.of(TestTensors.random("words", DType.STRING, shape(3), 4),
        TestTensors.random(null, DType.FLOAT16, shape(), 5));
    seeds.add(NdListCodec.encode(mixed));
    seeds.add(NdListCodec.encode(withStrings));
    seeds.add(NpzCodec.encode(mixed));
    seeds.add(NpzCodec.encode(withStrings));
    seeds.add(NpyCodec.encode(mixed.get(0)));
    seeds.add(NpyCodec.encode(withStrings.get(0)));
    seeds.add(SafetensorsCodec.encode(mixed));
    seeds.add(Bodies.deflatedNpz(new String[] {"x.npy", "arr_0.npy"},
        new byte[][] {NpyCodec.encode(mixed.get(0)), NpyCodec.encode(mixed.get(1))}));
    seeds.add(Bodies.ndList().i32(1).utf("NDAR").i32(1).utf("DENSE").utf("INT32").i32(1).i64(2).i32(0).i32(8)
        .raw(new byte[8]).bytes());
    seeds.add(Bodies.ndList().i32(1).utf("NDAR").i32(2).u8(1).utf("n").utf("default").utf("BOOL").i32(1).i64(2)
        .i32(1).u16('?').i32(2).raw(new byte[] {1, 0}).bytes());
    seeds.add(Bodies.ndList().i32(1).header("FLOAT64", 2).u8('>').i32(16).raw(new byte[16]).bytes());
    return seeds;
  }

  static List<byte[]> textSeeds() {
    return List.of(
        "{\"inputs\": [[1.5, 2], [3e2, -4]], \"other\": {\"a\": [\"x\"]}}".getBytes(StandardCharsets.UTF_8),
        "[[[1],[2]],[[3],[4]]]".getBytes(StandardCharsets.UTF_8),
        "{\"instances\": [0.5, 1, 2]}".getBytes(StandardCharsets.UTF_8));
  }

  @Test
  void mutatedBinaryBodies() {
    run(seeds(), null);
  }

  @Test
  void mutatedJsonBodies() {
    run(textSeeds(), "application/json");
  }

  @Test
  void mutatedCsvBodies() {
    run(List.of("a,b\n1,2\n3.5,-4e3\n".getBytes(StandardCharsets.UTF_8)), "text/csv");
  }

  private static void run(List<byte[]> seeds, String contentType) {
    Random random = new Random(SEED);
    for (byte[] seed : seeds) {
      FuzzChecks.check(seed, contentType);
      for (int i = 0; i < MUTANTS_PER_BODY; i++) {
        byte[] mutant = mutate(seed, seeds, random);
        try {
          FuzzChecks.check(mutant, contentType);
        } catch (RuntimeException | AssertionError e) {
          throw new AssertionError("mutant fails (hex " + CodecRoundTripTest.hex(mutant) + ")", e);
        }
      }
    }
  }

  static byte[] mutate(byte[] seed, List<byte[]> all, Random random) {
    byte[] b = seed.clone();
    int rounds = 1 + random.nextInt(3);
    for (int r = 0; r < rounds && b.length > 0; r++) {
      int at = random.nextInt(b.length);
      switch (random.nextInt(8)) {
        case 0:
          b[at] ^= (byte) (1 << random.nextInt(8));
          break;
        case 1:
          b[at] = (byte) INTERESTING[random.nextInt(INTERESTING.length)];
          break;
        case 2:
          b = writeValue(b, at, 4, random);
          break;
        case 3:
          b = writeValue(b, at, 8, random);
          break;
        case 4:
          b = Arrays.copyOf(b, random.nextInt(b.length));
          break;
        case 5:
          {
            byte[] extra = new byte[1 + random.nextInt(16)];
            random.nextBytes(extra);
            byte[] c = new byte[b.length + extra.length];
            System.arraycopy(b, 0, c, 0, at);
            System.arraycopy(extra, 0, c, at, extra.length);
            System.arraycopy(b, at, c, at + extra.length, b.length - at);
            b = c;
            break;
          }
        case 6:
          {
            byte[] other = all.get(random.nextInt(all.size()));
            int from = random.nextInt(other.length);
            int len = Math.min(other.length - from, 1 + random.nextInt(32));
            byte[] c = Arrays.copyOf(b, Math.max(b.length, at + len));
            System.arraycopy(other, from, c, at, len);
            b = c;
            break;
          }
        default:
          {
            int len = Math.min(b.length - at, 1 + random.nextInt(8));
            byte[] c = new byte[b.length - len];
            System.arraycopy(b, 0, c, 0, at);
            System.arraycopy(b, at + len, c, at, b.length - at - len);
            b = c;
          }
      }
    }
    return b;
  }

  private static byte[] writeValue(byte[] b, int at, int width, Random random) {
    if (at + width > b.length) {
      return b;
    }
    long v = INTERESTING[random.nextInt(INTERESTING.length)];
    if (random.nextBoolean()) {
      v += random.nextInt(5) - 2;
    }
    ByteBuffer buf = ByteBuffer.wrap(b).order(random.nextBoolean() ? ByteOrder.BIG_ENDIAN : ByteOrder.LITTLE_ENDIAN);
    if (width == 4) {
      buf.putInt(at, (int) v);
    } else {
      buf.putLong(at, v);
    }
    return b;
  }
}
