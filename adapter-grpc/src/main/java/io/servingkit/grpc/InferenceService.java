package io.servingkit.grpc;

import com.google.protobuf.ByteString;
import com.google.protobuf.UnsafeByteOperations;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import io.servingkit.BadInputException;
import io.servingkit.ModelServer;
import io.servingkit.ModelSignature;
import io.servingkit.api.InferTensor;
import io.servingkit.api.OpenInference;
import io.servingkit.grpc.proto.GRPCInferenceServiceGrpc;
import io.servingkit.grpc.proto.InferParameter;
import io.servingkit.grpc.proto.InferTensorContents;
import io.servingkit.grpc.proto.ModelInferRequest;
import io.servingkit.grpc.proto.ModelInferResponse;
import io.servingkit.grpc.proto.ModelMetadataRequest;
import io.servingkit.grpc.proto.ModelMetadataResponse;
import io.servingkit.grpc.proto.ModelReadyRequest;
import io.servingkit.grpc.proto.ModelReadyResponse;
import io.servingkit.grpc.proto.ServerLiveRequest;
import io.servingkit.grpc.proto.ServerLiveResponse;
import io.servingkit.grpc.proto.ServerMetadataRequest;
import io.servingkit.grpc.proto.ServerMetadataResponse;
import io.servingkit.grpc.proto.ServerReadyRequest;
import io.servingkit.grpc.proto.ServerReadyResponse;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.BooleanSupplier;

/**
 * The Open Inference Protocol's {@code inference.GRPCInferenceService} over a {@link ModelServer}: ServerLive,
 * ServerReady, ModelReady, ServerMetadata, ModelMetadata and ModelInfer, answered by the same
 * {@link OpenInference} as the REST endpoints. A {@link io.grpc.BindableService}: add it to your own gRPC server
 * ({@code ServerBuilder.addService(new InferenceService(server))}), or let {@link GrpcServer} serve it.
 *
 * <p>ModelInfer takes inputs as {@code raw_input_contents} (one entry per input, little-endian, BYTES elements
 * length-prefixed) or as typed {@code contents}, and answers every output in {@code raw_output_contents}. Failures
 * are gRPC statuses: {@code INVALID_ARGUMENT} (the REST 400), {@code NOT_FOUND} (404), {@code UNAVAILABLE} (503:
 * not ready, queue full), {@code RESOURCE_EXHAUSTED} (413, 507), else {@code INTERNAL}, with the message.
 *
 * <p>Threading: every call returns at once (inference completes on the model server's threads), so the service may
 * run on the transport's event loop ({@code directExecutor()}). Closing the {@link ModelServer} is the caller's.
 */
public final class InferenceService extends GRPCInferenceServiceGrpc.GRPCInferenceServiceImplBase {

  private final OpenInference oip;

  /** Serves {@code server}; the models registered now are the ones ServerReady waits for. */
  public InferenceService(ModelServer server) {
    this(server, () -> true);
  }

  /**
   * Serves {@code server}; the models registered now are the ones ServerReady waits for, and ServerReady is false
   * while {@code takingTraffic} says false (the embedding server drains, say; see {@link OpenInference}).
   */
  public InferenceService(ModelServer server, BooleanSupplier takingTraffic) {
    this.oip = new OpenInference(Objects.requireNonNull(server, "server"), takingTraffic);
  }

  @Override
  public void serverLive(ServerLiveRequest request, StreamObserver<ServerLiveResponse> out) {
    answer(out, () -> ServerLiveResponse.newBuilder().setLive(oip.live()).build());
  }

  @Override
  public void serverReady(ServerReadyRequest request, StreamObserver<ServerReadyResponse> out) {
    answer(out, () -> ServerReadyResponse.newBuilder().setReady(oip.ready()).build());
  }

  @Override
  public void modelReady(ModelReadyRequest request, StreamObserver<ModelReadyResponse> out) {
    answer(out, () -> ModelReadyResponse.newBuilder()
        .setReady(oip.modelReady(request.getName(), version(request.getVersion()))).build());
  }

  @Override
  public void serverMetadata(ServerMetadataRequest request, StreamObserver<ServerMetadataResponse> out) {
    answer(out, () -> {
      OpenInference.ServerMetadata m = oip.serverMetadata();
      return ServerMetadataResponse.newBuilder()
          .setName(m.name()).setVersion(m.version()).addAllExtensions(m.extensions()).build();
    });
  }

  @Override
  public void modelMetadata(ModelMetadataRequest request, StreamObserver<ModelMetadataResponse> out) {
    answer(out, () -> {
      OpenInference.ModelMetadata m = oip.modelMetadata(request.getName(), version(request.getVersion()));
      ModelMetadataResponse.Builder b =
          ModelMetadataResponse.newBuilder().setName(m.name()).addAllVersions(m.versions()).setPlatform(m.platform());
      m.inputs().forEach(t -> b.addInputs(tensor(t)));
      m.outputs().forEach(t -> b.addOutputs(tensor(t)));
      return b.build();
    });
  }

  @Override
  public void modelInfer(ModelInferRequest request, StreamObserver<ModelInferResponse> out) {
    OpenInference.InferRequest infer;
    try {
      infer = toRequest(request);
    } catch (RuntimeException e) {
      out.onError(status(e));
      return;
    }
    oip.infer(request.getModelName(), version(request.getModelVersion()), infer)
        .whenComplete((result, failure) -> {
          if (failure != null) {
            out.onError(status(failure));
            return;
          }
          ModelInferResponse response;
          try {
            response = toResponse(result);
          } catch (RuntimeException e) {
            out.onError(status(e));
            return;
          }
          out.onNext(response);
          out.onCompleted();
        });
  }

  private static String version(String version) {
    return version == null || version.isEmpty() ? null : version;
  }

  private static ModelMetadataResponse.TensorMetadata tensor(ModelSignature.Tensor t) {
    return ModelMetadataResponse.TensorMetadata.newBuilder()
        .setName(t.name()).setDatatype(t.datatype()).addAllShape(t.shape()).build();
  }

  static OpenInference.InferRequest toRequest(ModelInferRequest request) {
    int n = request.getInputsCount();
    int raw = request.getRawInputContentsCount();
    if (raw != 0 && raw != n) {
      throw new BadInputException(
          "raw_input_contents has " + raw + " entries but the request has " + n + " inputs (one each, in order)");
    }
    List<InferTensor> inputs = new ArrayList<>(n);
    Map<String, Map<String, String>> inputParameters = new HashMap<>();
    for (int i = 0; i < n; i++) {
      ModelInferRequest.InferInputTensor t = request.getInputs(i);
      if (t.getParametersCount() > 0) {
        inputParameters.put(t.getName(), texts(t.getParametersMap()));
      }
      long[] shape = new long[t.getShapeCount()];
      for (int d = 0; d < shape.length; d++) {
        shape[d] = t.getShape(d);
      }
      ByteBuffer data;
      if (raw != 0) {
        if (t.hasContents()) {
          throw new BadInputException("input " + t.getName() + " has contents although raw_input_contents is used");
        }
        data = request.getRawInputContents(i).asReadOnlyByteBuffer();
      } else {
        data = TypedContents.toBytes(t.getName(), t.getDatatype(), t.getContents());
      }
      inputs.add(InferTensor.of(t.getName(), t.getDatatype(), shape, data));
    }
    List<String> outputs = new ArrayList<>(request.getOutputsCount());
    request.getOutputsList().forEach(o -> outputs.add(o.getName()));
    return new OpenInference.InferRequest(
        request.getId().isEmpty() ? null : request.getId(), inputs, outputs, texts(request.getParametersMap()),
        inputParameters);
  }

  /** Parameters as the model gets them: each value as text. */
  static Map<String, String> texts(Map<String, InferParameter> parameters) {
    Map<String, String> texts = new LinkedHashMap<>();
    parameters.forEach((k, p) -> texts.put(k, switch (p.getParameterChoiceCase()) {
      case BOOL_PARAM -> Boolean.toString(p.getBoolParam());
      case INT64_PARAM -> Long.toString(p.getInt64Param());
      case STRING_PARAM -> p.getStringParam();
      case DOUBLE_PARAM -> Double.toString(p.getDoubleParam());
      case UINT64_PARAM -> Long.toUnsignedString(p.getUint64Param());
      case PARAMETERCHOICE_NOT_SET -> throw new BadInputException("parameter " + k + " has no value");
    }));
    return texts;
  }

  static ModelInferResponse toResponse(OpenInference.InferResult result) {
    ModelInferResponse.Builder b = ModelInferResponse.newBuilder().setModelName(result.modelName());
    if (result.modelVersion() != null) {
      b.setModelVersion(result.modelVersion());
    }
    if (result.id() != null) {
      b.setId(result.id());
    }
    for (InferTensor t : result.outputs()) {
      ModelInferResponse.InferOutputTensor.Builder o =
          ModelInferResponse.InferOutputTensor.newBuilder().setName(t.name()).setDatatype(t.datatype());
      for (long d : t.shape()) {
        o.addShape(d);
      }
      b.addOutputs(o);
      // the tensor's bytes are not changed after this: no copy
      b.addRawOutputContents(UnsafeByteOperations.unsafeWrap(t.data()));
    }
    return b.build();
  }

  private static <T> void answer(StreamObserver<T> out, java.util.function.Supplier<T> call) {
    T value;
    try {
      value = call.get();
    } catch (RuntimeException e) {
      out.onError(status(e));
      return;
    }
    out.onNext(value);
    out.onCompleted();
  }

  /** The gRPC status for a failure, from the HTTP status of the one error table. */
  static StatusRuntimeException status(Throwable failure) {
    int http = OpenInference.httpStatus(failure);
    Status status = switch (http) {
      case 400 -> Status.INVALID_ARGUMENT;
      case 404 -> Status.NOT_FOUND;
      case 503 -> Status.UNAVAILABLE;
      case 413, 507 -> Status.RESOURCE_EXHAUSTED;
      default -> Status.INTERNAL;
    };
    return status.withDescription(OpenInference.message(failure)).asRuntimeException();
  }

  /** Typed {@code contents} to raw little-endian bytes. */
  static final class TypedContents {
    private TypedContents() {}

    static ByteBuffer toBytes(String name, String datatype, InferTensorContents c) {
      ByteBuffer b;
      switch (datatype) {
        case "BOOL" -> {
          b = allocate(c.getBoolContentsCount());
          c.getBoolContentsList().forEach(v -> b.put((byte) (v ? 1 : 0)));
        }
        case "INT8", "UINT8" -> {
          b = allocate(c.getIntContentsCount() + c.getUintContentsCount());
          c.getIntContentsList().forEach(v -> b.put(v.byteValue()));
          c.getUintContentsList().forEach(v -> b.put(v.byteValue()));
        }
        case "INT16", "UINT16" -> {
          b = allocate(2 * (c.getIntContentsCount() + c.getUintContentsCount()));
          c.getIntContentsList().forEach(v -> b.putShort(v.shortValue()));
          c.getUintContentsList().forEach(v -> b.putShort(v.shortValue()));
        }
        case "INT32" -> {
          b = allocate(4 * c.getIntContentsCount());
          c.getIntContentsList().forEach(b::putInt);
        }
        case "UINT32" -> {
          b = allocate(4 * c.getUintContentsCount());
          c.getUintContentsList().forEach(b::putInt);
        }
        case "INT64" -> {
          b = allocate(8 * c.getInt64ContentsCount());
          c.getInt64ContentsList().forEach(b::putLong);
        }
        case "UINT64" -> {
          b = allocate(8 * c.getUint64ContentsCount());
          c.getUint64ContentsList().forEach(b::putLong);
        }
        case "FP32" -> {
          b = allocate(4 * c.getFp32ContentsCount());
          c.getFp32ContentsList().forEach(b::putFloat);
        }
        case "FP64" -> {
          b = allocate(8 * c.getFp64ContentsCount());
          c.getFp64ContentsList().forEach(b::putDouble);
        }
        case "BYTES" -> {
          long total = 0;
          for (ByteString s : c.getBytesContentsList()) {
            total += 4 + s.size();
          }
          b = allocate(Math.toIntExact(total));
          for (ByteString s : c.getBytesContentsList()) {
            b.putInt(s.size());
            s.copyTo(b);
          }
        }
        default -> throw new BadInputException(
            "input " + name + ": datatype " + datatype + " travels only in raw_input_contents (FP16 and BF16 have no"
                + " typed contents), or is unknown");
      }
      return b.flip();
    }

    private static ByteBuffer allocate(int bytes) {
      return ByteBuffer.allocate(bytes).order(ByteOrder.LITTLE_ENDIAN);
    }
  }
}
