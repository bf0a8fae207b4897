package io.servingkit.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class MultipartParserTest {

  private static List<String> parse(String body, String contentType) {
    List<String> parts = new ArrayList<>();
    MultipartParser.parse(
        ByteBuffer.wrap(body.getBytes(StandardCharsets.ISO_8859_1)),
        contentType,
        (name, content) -> parts.add(name + "=" + StandardCharsets.ISO_8859_1.decode(content)));
    return parts;
  }

  @Test
  void partsKeepTheirOrderAndBytes() {
    String body =
        "preamble\r\n--b\r\nContent-Disposition: form-data; name=\"data\"; filename=\"a;b.png\"\r\n"
            + "Content-Type: image/png\r\n\r\n\u0000\u00ff\r\n--b\r\n\r\nnameless part\r\n"
            + "--b\r\ncontent-disposition: form-data; name=extra\r\n\r\nx\r\n--b--\r\nepilogue";
    assertThat(parse(body, "multipart/form-data; boundary=b")).containsExactly("data=\u0000\u00ff", "extra=x");
  }

  @Test
  void partsAreSlicesOfTheBodyNotCopies() {
    byte[] body = "--b\r\nContent-Disposition: form-data; name=\"f\"\r\n\r\nabc\r\n--b--".getBytes(StandardCharsets.US_ASCII);
    List<ByteBuffer> slices = new ArrayList<>();
    MultipartParser.parse(ByteBuffer.wrap(body), "multipart/form-data; boundary=b", (n, c) -> slices.add(c));
    assertThat(slices).hasSize(1);
    assertThat(slices.get(0).array()).isSameAs(body);
  }

  @Test
  void quotedBoundaryAndEmptyContent() {
    assertThat(parse("--x y\r\nContent-Disposition: form-data; name=\"e\"\r\n\r\n\r\n--x y--", "multipart/form-data; boundary=\"x y\""))
        .containsExactly("e=");
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      value = {
        "no boundary parameter|multipart/form-data|--b--|has no boundary parameter",
        "boundary absent from body|multipart/form-data; boundary=zz|hello|boundary zz not found",
        "no line break after boundary|multipart/form-data; boundary=b|--bXX|no line break after a boundary",
        "unterminated headers|multipart/form-data; boundary=b|--b\\r\\nContent-Disposition: x|part headers do not end",
        "part never closed|multipart/form-data; boundary=b|--b\\r\\nA: b\\r\\n\\r\\ncontent without end|not closed by boundary b",
      })
  void malformedBodiesAreBadRequestsNamingTheProblem(String what, String type, String body, String message) {
    assertThatThrownBy(() -> parse(body.replace("\\r\\n", "\r\n"), type))
        .as(what)
        .isInstanceOf(BadRequestException.class)
        .hasMessageStartingWith("Malformed multipart body: ")
        .hasMessageContaining(message);
  }
}
