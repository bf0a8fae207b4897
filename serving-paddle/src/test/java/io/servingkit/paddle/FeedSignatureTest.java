package io.servingkit.paddle;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.servingkit.BadInputException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Reading a program's declared inputs and checking requests against them, without a worker. */
class FeedSignatureTest {

  @TempDir Path temp;
  private NDManager manager;

  @BeforeEach
  void open() {
    manager = Engine.getEngine("PaddlePaddle").newBaseManager();
  }

  @AfterEach
  void close() {
    manager.close();
  }

  @Test
  void readsTheFedVariableOfTheProgram() throws IOException {
    Path dir = PaddleModels.write(temp, "inference", PaddleModels.SMALL);
    FeedSignature signature = FeedSignature.read(dir.resolve("inference.pdmodel"));
    assertThat(signature.feeds()).hasSize(1);
    assertThat(signature.feeds().get(0).name()).isEqualTo("x");
    assertThat(signature.feeds().get(0).type()).isEqualTo(DataType.FLOAT32);
    assertThat(signature.feeds().get(0).dims()).containsExactly(-1, 4);
  }

  @Test
  void feedsComeInColumnOrderAndNamedInputsAreReordered() throws IOException {
    ProtoWriter block = new ProtoWriter().varint(1, 0).varint(2, -1);
    block.message(3, var("b", 3, 2)).message(3, var("a", 5, -1, 3));
    block.message(4, feed("b", 1)).message(4, feed("a", 0));
    Path program = Files.write(temp.resolve("two.pdmodel"), new ProtoWriter().message(1, block).toByteArray());
    FeedSignature signature = FeedSignature.read(program);
    assertThat(signature.feeds()).extracting(FeedSignature.Feed::name).containsExactly("a", "b");

    NDArray a = manager.create(new float[6], new Shape(2, 3));
    a.setName("a");
    NDArray b = manager.create(new long[2], new Shape(2));
    b.setName("b");
    NDList ordered = signature.arrange(new NDList(b, a));
    assertThat(ordered).containsExactly(a, b);
    b.setName("other");
    assertThatThrownBy(() -> signature.arrange(new NDList(b, a)))
        .isInstanceOf(BadInputException.class)
        .hasMessage("input a must be float32 [-1, 3] (-1: any size), the request has int64 [2]");
  }

  static Stream<Arguments> badInputs() {
    return Stream.of(
        Arguments.of(new Shape(4), DataType.FLOAT32, "input x must be float32 [-1, 4] (-1: any size), the request has float32 [4]"),
        Arguments.of(new Shape(2, 3), DataType.FLOAT32, "input x must be float32 [-1, 4] (-1: any size), the request has float32 [2, 3]"),
        Arguments.of(new Shape(1, 4, 1), DataType.FLOAT32, "input x must be float32 [-1, 4] (-1: any size), the request has float32 [1, 4, 1]"),
        Arguments.of(new Shape(2, 4), DataType.INT32, "input x must be float32 [-1, 4] (-1: any size), the request has int32 [2, 4]"),
        Arguments.of(new Shape(2, 4), DataType.FLOAT64, "PaddlePaddle takes float32, float16, int64, int32, int8 or uint8 tensors; input 0 is float64"),
        Arguments.of(new Shape(2, 4), DataType.BOOLEAN, "PaddlePaddle takes float32, float16, int64, int32, int8 or uint8 tensors; input 0 is boolean"));
  }

  @ParameterizedTest
  @MethodSource("badInputs")
  void aRequestThatDoesNotFitIsABadInput(Shape shape, DataType type, String message) throws IOException {
    FeedSignature signature = FeedSignature.read(PaddleModels.write(temp, "m", PaddleModels.SMALL).resolve("m.pdmodel"));
    NDArray array = manager.create(shape, type);
    assertThatThrownBy(() -> signature.arrange(new NDList(array))).isInstanceOf(BadInputException.class).hasMessage(message);
  }

  @Test
  void anyBatchSizeFits() throws IOException {
    FeedSignature signature = FeedSignature.read(PaddleModels.write(temp, "m", PaddleModels.SMALL).resolve("m.pdmodel"));
    for (long rows : new long[] {0, 1, 7, 1000}) {
      NDList inputs = new NDList(manager.create(new Shape(rows, 4), DataType.FLOAT32));
      assertThat(signature.arrange(inputs)).isSameAs(inputs);
    }
  }

  @Test
  void malformedProgramsAreIoErrorsNotCrashes() throws IOException {
    byte[] good = PaddleModels.program(PaddleModels.SMALL, new long[] {-1, 4});
    for (int cut : new int[] {1, 5, good.length / 2, good.length - 1}) {
      Path truncated = Files.write(temp.resolve("cut" + cut), java.util.Arrays.copyOf(good, cut));
      assertThatThrownBy(() -> FeedSignature.read(truncated)).isInstanceOf(IOException.class);
    }
    Path text = Files.writeString(temp.resolve("text"), "not a program");
    assertThatThrownBy(() -> FeedSignature.read(text)).isInstanceOf(IOException.class);
    Path empty = Files.write(temp.resolve("empty"), new byte[0]);
    assertThatThrownBy(() -> FeedSignature.read(empty)).isInstanceOf(IOException.class).hasMessageStartingWith("no block 0 in ");
  }

  @Test
  void anUnknownSignatureOnlyChecksTypes() {
    NDList inputs = new NDList(manager.create(new Shape(3, 9), DataType.INT64));
    assertThat(FeedSignature.unknown().arrange(inputs)).isSameAs(inputs);
    assertThat(FeedSignature.unknown().feeds()).isEqualTo(List.of());
  }

  private static ProtoWriter var(String name, int type, long... dims) {
    ProtoWriter desc = new ProtoWriter().varint(1, type);
    for (long d : dims) {
      desc.varint(2, d);
    }
    ProtoWriter varType = new ProtoWriter().varint(1, 7).message(3, new ProtoWriter().message(1, desc));
    return new ProtoWriter().string(1, name).message(2, varType);
  }

  private static ProtoWriter feed(String out, int column) {
    return new ProtoWriter()
        .message(1, new ProtoWriter().string(1, "X").string(2, "feed"))
        .message(2, new ProtoWriter().string(1, "Out").string(2, out))
        .string(3, "feed")
        .message(4, new ProtoWriter().string(1, "col").varint(2, 0).varint(3, column));
  }
}
