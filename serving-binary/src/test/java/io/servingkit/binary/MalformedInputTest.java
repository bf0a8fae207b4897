package io.servingkit.binary;

import static io.servingkit.binary.Bodies.concat;
import static io.servingkit.binary.Bodies.ndList;
import static io.servingkit.binary.Bodies.npy;
import static io.servingkit.binary.Bodies.npyFloat32;
import static io.servingkit.binary.Bodies.putU16;
import static io.servingkit.binary.Bodies.putU32;
import static io.servingkit.binary.Bodies.safetensors;
import static io.servingkit.binary.Bodies.utf8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.servingkit.BadInputException;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every kind of broken body fails with a {@link BadInputException} whose message names the problem, and decoding it
 * allocates no more than a small multiple of the body, whatever sizes the body claims.
 */
class MalformedInputTest {

  private static final com.sun.management.ThreadMXBean THREADS =
      (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

  static Stream<Arguments> cases() {
    List<Arguments> c = new ArrayList<>();
    byte[] valid = NdListCodec.encode(List.of(TestTensors.floats(null, new long[] {2, 3}, 1, 2, 3, 4, 5, 6)));

    // ---- any body
    c.add(of("empty body", new byte[0], null, "Invalid input length: 0"));
    c.add(of("five bytes", new byte[5], "tensor/ndlist", "Invalid input length: 5"));

    // ---- NDList
    c.add(of("ndlist negative count", ndList().i32(-1).raw(new byte[8]).bytes(), null, "negative array count -1"));
    c.add(of("ndlist huge count", ndList().i32(Integer.MAX_VALUE).raw(new byte[40]).bytes(), null,
        "declares 2147483647 arrays"));
    c.add(of("ndlist bad magic", ndList().i32(1).utf("NDAX").raw(new byte[30]).bytes(), null,
        "array 0 starts with 'NDAX' instead of 'NDAR'"));
    c.add(of("ndlist version 9", ndList().i32(1).utf("NDAR").i32(9).raw(new byte[30]).bytes(), null,
        "unsupported encoding version 9"));
    c.add(of("ndlist unknown dtype", ndList().i32(1).header("FLOAT128", 1).u8('<').i32(16).raw(new byte[16]).bytes(),
        null, "unknown dtype 'FLOAT128'"));
    c.add(of("ndlist negative ndim",
        ndList().i32(1).utf("NDAR").i32(3).u8(0).utf("DENSE").utf("FLOAT32").i32(-1).raw(new byte[30]).bytes(), null,
        "has -1 dimensions"));
    c.add(of("ndlist ndim 1000",
        ndList().i32(1).utf("NDAR").i32(3).u8(0).utf("DENSE").utf("FLOAT32").i32(1000).raw(new byte[30]).bytes(),
        null, "has 1000 dimensions"));
    c.add(of("ndlist ndim beyond body",
        ndList().i32(1).utf("NDAR").i32(3).u8(0).utf("DENSE").utf("FLOAT32").i32(60).raw(new byte[30]).bytes(), null,
        "body ends inside array 0 dimension"));
    c.add(of("ndlist negative dimension", ndList().i32(1).header("FLOAT32", 2, -3).u8('<').i32(0).bytes(), null,
        "negative dimension -3"));
    c.add(of("ndlist shape overflow", ndList().i32(1).header("FLOAT32", 1L << 40, 1L << 40).u8('<').i32(4).raw(new byte[4]).bytes(),
        null, "whose element count overflows"));
    c.add(of("ndlist negative length", ndList().i32(1).header("FLOAT32", 2).u8('<').i32(-8).raw(new byte[8]).bytes(),
        null, "negative data length -8"));
    c.add(of("ndlist length larger than body",
        ndList().i32(1).header("FLOAT32", 536870911).u8('<').i32(2147483644).raw(new byte[64]).bytes(), null,
        "array 0 data declares 2147483644 bytes but only 64 remain"));
    c.add(of("ndlist length disagrees with shape", ndList().i32(1).header("FLOAT32", 2, 3).u8('<').i32(20).raw(new byte[20]).bytes(),
        null, "FLOAT32 (2, 3) (24 bytes) but declares 20 data bytes"));
    c.add(of("ndlist shape larger than 2 GiB", ndList().i32(1).header("FLOAT64", 1L << 40).u8('<').i32(8).raw(new byte[8]).bytes(),
        null, "(over 2^31 bytes) but declares 8"));
    c.add(of("ndlist truncated", Arrays.copyOf(valid, valid.length - 5), null, "array 0 data declares 24 bytes but only 19 remain"));
    c.add(of("ndlist trailing bytes", concat(valid, new byte[3]), null, "3 unexpected bytes after the last of 1 arrays"));
    c.add(of("ndlist string count mismatch", ndList().i32(1).header("STRING", 2).i32(5).utf("a").utf("b").bytes(), null,
        "has shape (2,) but holds 5 strings"));
    c.add(of("ndlist string count beyond body", ndList().i32(1).header("STRING", 100000).i32(100000).utf("a").bytes(), null,
        "declares 100000 strings but only"));
    c.add(of("ndlist bad byte order", ndList().i32(1).header("FLOAT32", 1).u8('X').i32(4).raw(new byte[4]).bytes(), null,
        "unknown byte order mark 0x58"));
    c.add(of("ndlist bad name flag", ndList().i32(1).utf("NDAR").i32(3).u8(7).raw(new byte[30]).bytes(), null,
        "name flag 7"));
    c.add(of("ndlist bad utf", ndList().i32(1).utf("NDAR").i32(2).u8(0).utf("DENSE").u16(2).u8(0xff).u8(0xfe).raw(new byte[20]).bytes(),
        null, "array 0 dtype is not valid modified UTF-8"));
    c.add(of("ndlist huge layout", ndList().i32(1).utf("NDAR").i32(3).u8(0).utf("DENSE").utf("FLOAT32").i32(0).i32(1 << 30).raw(new byte[9]).bytes(),
        null, "body ends inside array 0 layout"));

    // ---- .npy
    c.add(of("npy version 4", npy(1, "{}", new byte[0]).clone(), null, "header keys are []"));
    byte[] v4 = npyFloat32("(1,)", 4);
    v4[6] = 4;
    c.add(of("npy version 4.0", v4, null, "unsupported format version 4.0"));
    byte[] longHeader = npyFloat32("(1,)", 4);
    longHeader = putU16(longHeader, 8, 60000);
    c.add(of("npy header longer than body", longHeader, null, "header declares 60000 bytes but only"));
    byte[] v2Header = npy(2, "{'descr': '<f4', 'fortran_order': False, 'shape': (1,), }", new byte[4]);
    v2Header = putU32(v2Header, 8, 0xfffffff0L);
    c.add(of("npy v2 header length 4 GiB", v2Header, null, "header declares 4294967280 bytes"));
    c.add(of("npy header is a list", npy(1, "[1, 2]", new byte[0]), null, "header is a list or tuple, not a dict"));
    c.add(of("npy header garbage", npy(1, "{'descr': <f4}", new byte[0]), null, "header is not a valid dict literal"));
    c.add(of("npy header unterminated", npy(1, "{'descr': '<f4", new byte[0]), null, "unterminated string"));
    c.add(of("npy missing key", npy(1, "{'descr': '<f4', 'shape': (1,), }", new byte[4]), null,
        "header keys are [descr, shape], expected [descr, fortran_order, shape]"));
    c.add(of("npy fortran order", npy(1, "{'descr': '<f4', 'fortran_order': True, 'shape': (2, 2), }", new byte[16]),
        null, "Fortran-order arrays are not supported"));
    c.add(of("npy unknown dtype", npy(1, "{'descr': '<f16', 'fortran_order': False, 'shape': (1,), }", new byte[16]),
        null, "unsupported dtype '<f16'"));
    c.add(of("npy object dtype", npy(1, "{'descr': '|O', 'fortran_order': False, 'shape': (1,), }", new byte[8]),
        null, "unsupported dtype '|O'"));
    c.add(of("npy structured dtype",
        npy(1, "{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (1,), }", new byte[4]), null,
        "structured dtypes are not supported"));
    c.add(of("npy negative dimension", npyFloat32("(2, -3)", 0), null, "shape dimension 1 is negative (-3)"));
    c.add(of("npy shape overflow", npyFloat32("(4611686018427387904, 4611686018427387904)", 0), null,
        "more elements than a long can count"));
    c.add(of("npy dimension too large", npyFloat32("(1180591620717411303424,)", 0), null, "is too large"));
    c.add(of("npy shape larger than body", npyFloat32("(1000000,)", 8), null,
        "FLOAT32 (1000000,) needs 4000000 data bytes but 8 follow the header"));
    c.add(of("npy shape larger than 2 GiB", npyFloat32("(1099511627776,)", 8), null, "needs over 2^31 data bytes but 8 follow"));
    c.add(of("npy trailing data", npyFloat32("(1,)", 8), null, "needs 4 data bytes but 8 follow"));
    c.add(of("npy too many dims", npyFloat32("(" + "1, ".repeat(70) + ")", 4), null, "70 dimensions, more than 64"));
    c.add(of("npy dims not integers", npyFloat32("('a',)", 4), null, "shape dimension 0 is a string, not an integer"));
    c.add(of("npy bad code point", npy(1, "{'descr': '<U1', 'fortran_order': False, 'shape': (1,), }", new byte[] {0, 0, 0x11, 0}),
        null, "invalid code point 0x110000"));
    c.add(of("npy zero-width string", npy(1, "{'descr': '<U0', 'fortran_order': False, 'shape': (1000000000,), }", new byte[0]),
        null, "zero-width string dtype 'U0'"));
    c.add(of("npy many strings", npy(1, "{'descr': '|S1', 'fortran_order': False, 'shape': (2000000,), }", new byte[8]),
        null, "holds 2000000 strings, more than the limit"));
    c.add(of("npy nested too deep", npy(1, "{'descr': " + "(".repeat(40) + ")".repeat(40) + "}", new byte[0]), null,
        "nested deeper than 16"));

    // ---- .npz
    byte[] npz = Bodies.npz();
    int cd = Bodies.centralDirectory(npz);
    int end = Bodies.endRecord(npz);
    byte[] garbage = new byte[1000];
    new java.util.Random(7).nextBytes(garbage);
    garbage[0] = 'P';
    garbage[1] = 'K';
    c.add(of("npz random bytes", garbage, "tensor/npz", "no end-of-central-directory record (is the body truncated?)"));
    c.add(of("npz truncated", Arrays.copyOf(npz, npz.length - 30), "tensor/npz", "no end-of-central-directory record"));
    c.add(of("npz lying entry count", putU16(putU16(npz, end + 8, 1000), end + 10, 1000), null,
        "declares 1000 entries but its"));
    c.add(of("npz zero entries", putU16(putU16(npz, end + 8, 0), end + 10, 0), null, "archive holds no arrays"));
    c.add(of("npz directory beyond end", putU32(npz, end + 16, 0x7fffff00L), null, "overruns the end record"));
    c.add(of("npz local header outside", putU32(npz, cd + 42, 0x7fffff00L), null, "local header offset 2147483392 outside the archive"));
    c.add(of("npz local header not at offset", putU32(npz, cd + 42, 4), null, "has no local header at offset 4"));
    c.add(of("npz encrypted", putU16(npz, cd + 8, 1), null, "entry 'arr_0.npy' is encrypted"));
    c.add(of("npz bzip2", putU16(npz, cd + 10, 12), null, "uses compression method 12"));
    c.add(of("npz stored sizes differ", putU32(npz, cd + 24, 5), null, "is stored but its sizes differ"));
    c.add(of("npz crc mismatch", putU32(npz, cd + 16, 12345), null, "fails its CRC check"));
    c.add(of("npz not npy entry", Bodies.storedZip(new String[] {"notes.txt"}, new byte[][] {utf8("hello")}), null,
        "entry 'notes.txt' is not a .npy file"));
    byte[] one = NpyCodec.encode(TestTensors.floats(null, new long[] {1}, 1f));
    c.add(of("npz duplicate names", Bodies.storedZip(new String[] {"a.npy", "b.npy"}, new byte[][] {one, one}), null,
        null));
    byte[] dup = Bodies.storedZip(new String[] {"a.npy", "b.npy"}, new byte[][] {one, one});
    int cd2 = Bodies.centralDirectory(dup);
    int secondName = cd2 + 46 + 5 + 46;
    dup[secondName] = 'a';
    c.add(of("npz duplicate entry", dup, null, "entry 'a.npy' appears twice"));
    c.add(of("npz bad npy inside", Bodies.storedZip(new String[] {"x.npy"}, new byte[][] {npyFloat32("(5,)", 4)}), null,
        "npz entry 'x.npy': FLOAT32 (5,) needs 20 data bytes but 4 follow the header"));
    byte[] deflated = Bodies.deflatedNpz(new String[] {"x.npy"}, new byte[][] {npyFloat32("(1000,)", 4000)});
    int dcd = Bodies.centralDirectory(deflated);
    c.add(of("npz deflate bomb claim", putU32(deflated, dcd + 24, 0x10000000L), null, "more than deflate can produce"));
    c.add(of("npz deflate shorter than declared", putU32(deflated, dcd + 24, 5000), null,
        "inflates to 4071 bytes, fewer than the 5000 declared"));
    c.add(of("npz deflate longer than declared", putU32(deflated, dcd + 24, 100), null,
        "inflates to more than the 100 bytes declared"));
    byte[] corrupt = deflated.clone();
    for (int i = 40; i < 60; i++) {
      corrupt[i] = (byte) 0xff;
    }
    c.add(of("npz corrupt deflate data", corrupt, null, "entry 'x.npy'"));

    // ---- safetensors
    c.add(of("safetensors header length beyond body", putU32(safetensors("{}", 0), 0, 1000), null,
        "header length 1000 does not fit the 2 bytes that follow"));
    byte[] negative = safetensors("{}", 0);
    ByteBuffer.wrap(negative).order(java.nio.ByteOrder.LITTLE_ENDIAN).putLong(0, -5);
    c.add(of("safetensors negative header length", concat(negative, utf8("{} ")), null, "header length -5 does not fit"));
    c.add(of("safetensors bad json", safetensors("{\"a\": [", 0), null, "header is not valid JSON"));
    c.add(of("safetensors unknown dtype", safetensors("{\"a\":{\"dtype\":\"F8_E4M3\",\"shape\":[1],\"data_offsets\":[0,1]}}", 1), null,
        "tensor 'a' has unsupported dtype 'F8_E4M3'"));
    c.add(of("safetensors offsets outside", safetensors("{\"a\":{\"dtype\":\"F32\",\"shape\":[1000],\"data_offsets\":[0,4000]}}", 4), null,
        "data_offsets [0, 4000] lie outside the 4 data bytes"));
    c.add(of("safetensors offsets disagree with shape", safetensors("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,4]}}", 4), null,
        "is FLOAT32 (2,) (8 bytes) but its offsets span 4"));
    c.add(of("safetensors negative dim", safetensors("{\"a\":{\"dtype\":\"F32\",\"shape\":[-1],\"data_offsets\":[0,4]}}", 4), null,
        "'shape' entry 0 is negative (-1)"));
    c.add(of("safetensors fractional dim", safetensors("{\"a\":{\"dtype\":\"F32\",\"shape\":[1.5],\"data_offsets\":[0,4]}}", 4), null,
        "(1.5) is not a 64-bit integer"));
    c.add(of("safetensors shape overflow", safetensors("{\"a\":{\"dtype\":\"F32\",\"shape\":[4611686018427387904,4],\"data_offsets\":[0,4]}}", 4),
        null, "has more bytes than a long can count"));
    c.add(of("safetensors duplicate name", safetensors("{\"a\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[0,1]},\"a\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[0,1]}}", 1),
        null, "header names 'a' twice"));
    c.add(of("safetensors metadata not strings", safetensors("{\"__metadata__\":{\"k\":1},\"a\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[0,1]}}", 1),
        null, "__metadata__ value 'k' is not a string"));
    c.add(of("safetensors no tensors", safetensors("{\"__metadata__\":{}}", 0), null, "header lists no tensors"));
    c.add(of("safetensors missing dtype", safetensors("{\"a\":{\"shape\":[1],\"data_offsets\":[0,1]}}", 1), null,
        "tensor 'a' has no string 'dtype'"));

    // ---- JSON
    c.add(of("json without inputs", utf8("{\"foo\":1}"), "application/json", "Input is not a supported json format"));
    c.add(of("json truncated", utf8("{\"inputs\": [1,"), "application/json", "End of input at line 1 column 15 path $.inputs[1]"));
    c.add(of("json ragged", utf8("[[1,2],[3]]"), "application/json", "ragged"));
    c.add(of("json mixed depth", utf8("[1,[2]]"), "application/json", "ragged"));
    c.add(of("json deeper first", utf8("[[[]],[1]]"), "application/json", "ragged"));
    c.add(of("json strings", utf8("[\"a\"]"), "application/json", "holds string at $[0] where a number or an array is expected"));
    c.add(of("json too deep", utf8("[".repeat(100) + "]".repeat(100)), "application/json", "deeper than 64"));
    c.add(of("json scalar", utf8("3"), "application/json", "Input is not a supported json format"));
    c.add(of("json not utf8", new byte[] {'[', (byte) 0xff, ']'}, "application/json", null));

    // ---- CSV
    c.add(of("csv ragged", utf8("1,2\n3\n"), "text/csv", "CSV line 2 has 1 columns, expected 2"));
    c.add(of("csv not a number", utf8("1,x\n"), "text/csv", "CSV line 1, column 2: 'x' is not a number"));
    c.add(of("csv empty", utf8(""), "text/csv", "CSV input holds no rows of numbers"));
    c.add(of("csv header only", utf8("a,b\n"), "text/csv", "CSV input holds no rows of numbers"));
    c.add(of("csv bad utf8", new byte[] {'1', (byte) 0xff}, "text/csv", "CSV input is not valid UTF-8"));
    return c.stream();
  }

  private static Arguments of(String name, byte[] body, String contentType, String message) {
    return Arguments.of(name, body, contentType, message);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void failsWithMessageAndBoundedAllocation(String name, byte[] body, String contentType, String message) {
    if (message == null) {
      // valid inputs listed for contrast, or inputs whose exact message is the parser's own
      try {
        InputDecoder.decode(ByteBuffer.wrap(body), contentType);
      } catch (BadInputException e) {
        assertThat(e.getMessage()).isNotBlank();
      }
      return;
    }
    assertThatThrownBy(() -> InputDecoder.decode(ByteBuffer.wrap(body), contentType))
        .isInstanceOf(BadInputException.class)
        .hasMessageContaining(message);
    // measure a second run, after classes are loaded
    long before = THREADS.getCurrentThreadAllocatedBytes();
    try {
      InputDecoder.decode(ByteBuffer.wrap(body), contentType);
    } catch (BadInputException expected) {
      // measured below
    }
    long allocated = THREADS.getCurrentThreadAllocatedBytes() - before;
    assertThat(allocated)
        .as("bytes allocated decoding a %d-byte body", body.length)
        .isLessThan(512 * 1024 + 16L * body.length);
  }
}
