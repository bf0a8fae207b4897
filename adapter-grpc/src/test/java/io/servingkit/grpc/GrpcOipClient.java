package io.servingkit.grpc;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.protobuf.ByteString;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.servingkit.api.InferTensor;
import io.servingkit.api.conformance.OipClient;
import io.servingkit.grpc.proto.GRPCInferenceServiceGrpc;
import io.servingkit.grpc.proto.InferParameter;
import io.servingkit.grpc.proto.InferTensorContents;
import io.servingkit.grpc.proto.ModelInferRequest;
import io.servingkit.grpc.proto.ModelInferResponse;
import io.servingkit.grpc.proto.ModelMetadataRequest;
import io.servingkit.grpc.proto.ModelMetadataResponse;
import io.servingkit.grpc.proto.ModelReadyRequest;
import io.servingkit.grpc.proto.ServerLiveRequest;
import io.servingkit.grpc.proto.ServerMetadataRequest;
import io.servingkit.grpc.proto.ServerMetadataResponse;
import io.servingkit.grpc.proto.ServerReadyRequest;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The protocol over gRPC with grpc-java's own blocking client on a real port: inputs in {@code raw_input_contents},
 * or (typed) in each input's {@code contents} lists, except for a request with an FP16 or BF16 input, which have no
 * typed contents and travel raw.
 */
final class GrpcOipClient implements OipClient {

  private final ManagedChannel channel;
  private final GRPCInferenceServiceGrpc.GRPCInferenceServiceBlockingStub stub;
  private final boolean typed;

  GrpcOipClient(int port) {
    this(port, false);
  }

  GrpcOipClient(int port, boolean typed) {
    this.typed = typed;
    channel = NettyChannelBuilder.forAddress("127.0.0.1", port).usePlaintext().build();
    stub = GRPCInferenceServiceGrpc.newBlockingStub(channel);
  }

  GRPCInferenceServiceGrpc.GRPCInferenceServiceBlockingStub stub() {
    return stub.withDeadlineAfter(60, TimeUnit.SECONDS);
  }

  @Override
  public String describe() {
    return typed ? "gRPC typed contents" : "gRPC";
  }

  private static Failure failure(StatusRuntimeException e) {
    Status.Code code = e.getStatus().getCode();
    int http = switch (code) {
      case INVALID_ARGUMENT -> 400;
      case NOT_FOUND -> 404;
      case UNAVAILABLE -> 503;
      case RESOURCE_EXHAUSTED -> 413;
      default -> 500;
    };
    return new Failure(http, String.valueOf(e.getStatus().getDescription()));
  }

  @Override
  public boolean live() throws Failure {
    try {
      return stub().serverLive(ServerLiveRequest.getDefaultInstance()).getLive();
    } catch (StatusRuntimeException e) {
      throw failure(e);
    }
  }

  @Override
  public boolean ready() throws Failure {
    try {
      return stub().serverReady(ServerReadyRequest.getDefaultInstance()).getReady();
    } catch (StatusRuntimeException e) {
      throw failure(e);
    }
  }

  @Override
  public boolean modelReady(String model, String version) throws Failure {
    try {
      return stub().modelReady(ModelReadyRequest.newBuilder().setName(model).setVersion(version == null ? "" : version)
          .build()).getReady();
    } catch (StatusRuntimeException e) {
      throw failure(e);
    }
  }

  @Override
  public JsonObject serverMetadata() throws Failure {
    try {
      ServerMetadataResponse r = stub().serverMetadata(ServerMetadataRequest.getDefaultInstance());
      JsonObject o = new JsonObject();
      o.addProperty("name", r.getName());
      o.addProperty("version", r.getVersion());
      JsonArray ext = new JsonArray();
      r.getExtensionsList().forEach(ext::add);
      o.add("extensions", ext);
      return o;
    } catch (StatusRuntimeException e) {
      throw failure(e);
    }
  }

  @Override
  public JsonObject modelMetadata(String model, String version) throws Failure {
    try {
      ModelMetadataResponse r = stub().modelMetadata(
          ModelMetadataRequest.newBuilder().setName(model).setVersion(version == null ? "" : version).build());
      JsonObject o = new JsonObject();
      o.addProperty("name", r.getName());
      JsonArray versions = new JsonArray();
      r.getVersionsList().forEach(versions::add);
      o.add("versions", versions);
      o.addProperty("platform", r.getPlatform());
      o.add("inputs", tensors(r.getInputsList()));
      o.add("outputs", tensors(r.getOutputsList()));
      return o;
    } catch (StatusRuntimeException e) {
      throw failure(e);
    }
  }

  private static JsonArray tensors(List<ModelMetadataResponse.TensorMetadata> list) {
    JsonArray a = new JsonArray();
    for (ModelMetadataResponse.TensorMetadata t : list) {
      JsonObject o = new JsonObject();
      o.addProperty("name", t.getName());
      o.addProperty("datatype", t.getDatatype());
      JsonArray shape = new JsonArray();
      t.getShapeList().forEach(shape::add);
      o.add("shape", shape);
      a.add(o);
    }
    return a;
  }

  @Override
  public Result infer(
      String model, String version, String id, List<InferTensor> inputs, List<String> outputs,
      Map<String, String> parameters, Map<String, Map<String, String>> inputParameters) throws Failure {
    ModelInferRequest.Builder b = ModelInferRequest.newBuilder().setModelName(model);
    if (version != null) {
      b.setModelVersion(version);
    }
    if (id != null) {
      b.setId(id);
    }
    parameters.forEach((k, v) -> b.putParameters(k, InferParameter.newBuilder().setStringParam(v).build()));
    boolean raw = !typed || inputs.stream().anyMatch(t -> t.datatype().equals("FP16") || t.datatype().equals("BF16"));
    for (InferTensor t : inputs) {
      ModelInferRequest.InferInputTensor.Builder in =
          ModelInferRequest.InferInputTensor.newBuilder().setName(t.name()).setDatatype(t.datatype());
      for (long d : t.shape()) {
        in.addShape(d);
      }
      inputParameters.getOrDefault(t.name(), Map.of())
          .forEach((k, v) -> in.putParameters(k, InferParameter.newBuilder().setStringParam(v).build()));
      if (raw) {
        b.addRawInputContents(ByteString.copyFrom(t.data()));
      } else {
        in.setContents(contents(t));
      }
      b.addInputs(in);
    }
    outputs.forEach(o -> b.addOutputs(ModelInferRequest.InferRequestedOutputTensor.newBuilder().setName(o)));
    ModelInferResponse r;
    try {
      r = stub().modelInfer(b.build());
    } catch (StatusRuntimeException e) {
      throw failure(e);
    }
    List<InferTensor> out = new ArrayList<>();
    for (int i = 0; i < r.getOutputsCount(); i++) {
      ModelInferResponse.InferOutputTensor t = r.getOutputs(i);
      long[] shape = t.getShapeList().stream().mapToLong(Long::longValue).toArray();
      out.add(InferTensor.of(t.getName(), t.getDatatype(), shape, r.getRawOutputContents(i).asReadOnlyByteBuffer()));
    }
    return new Result(r.getModelName(), r.getId().isEmpty() ? null : r.getId(), out);
  }

  /** A tensor's little-endian bytes as the typed lists of {@code InferTensorContents}. */
  private static InferTensorContents contents(InferTensor t) {
    ByteBuffer d = t.data().order(ByteOrder.LITTLE_ENDIAN);
    InferTensorContents.Builder c = InferTensorContents.newBuilder();
    while (d.hasRemaining()) {
      switch (t.datatype()) {
        case "BOOL" -> c.addBoolContents(d.get() != 0);
        case "INT8" -> c.addIntContents(d.get());
        case "UINT8" -> c.addUintContents(d.get() & 0xff);
        case "INT16" -> c.addIntContents(d.getShort());
        case "UINT16" -> c.addUintContents(d.getShort() & 0xffff);
        case "INT32" -> c.addIntContents(d.getInt());
        case "UINT32" -> c.addUintContents(d.getInt());
        case "INT64" -> c.addInt64Contents(d.getLong());
        case "UINT64" -> c.addUint64Contents(d.getLong());
        case "FP32" -> c.addFp32Contents(d.getFloat());
        case "FP64" -> c.addFp64Contents(d.getDouble());
        case "BYTES" -> {
          byte[] e = new byte[d.getInt()];
          d.get(e);
          c.addBytesContents(ByteString.copyFrom(e));
        }
        default -> throw new IllegalArgumentException("no typed contents for " + t.datatype());
      }
    }
    return c.build();
  }

  @Override
  public void shutdown() throws Exception {
    channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
  }
}
