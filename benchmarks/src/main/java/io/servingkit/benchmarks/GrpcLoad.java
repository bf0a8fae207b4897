package io.servingkit.benchmarks;

import com.google.protobuf.ByteString;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.StreamObserver;
import io.servingkit.grpc.proto.GRPCInferenceServiceGrpc;
import io.servingkit.grpc.proto.ModelInferRequest;
import io.servingkit.grpc.proto.ModelInferResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A closed-loop gRPC load client for the Open Inference Protocol, wrk's counterpart for {@code ModelInfer}: C calls
 * in flight on one HTTP/2 connection (grpc-java's async stub), each answered call immediately followed by the next,
 * for a warm-up and then a measured period; prints requests/s, p50 and p99 in wrk's spirit.
 *
 * <pre>
 * java -cp ... io.servingkit.benchmarks.GrpcLoad HOST:PORT MODEL INPUT_NAME DATATYPE SHAPE RAW_FILE CONNECTIONS SECONDS
 * java -cp ... io.servingkit.benchmarks.GrpcLoad 127.0.0.1:18081 m input FP32 1,1,8,8 digits.raw 16 10
 * </pre>
 */
public final class GrpcLoad {
  private GrpcLoad() {}

  public static void main(String[] args) throws Exception {
    if (args.length != 8) {
      System.err.println("usage: GrpcLoad HOST:PORT MODEL INPUT_NAME DATATYPE SHAPE RAW_FILE CONNECTIONS SECONDS");
      System.exit(2);
    }
    String[] hostPort = args[0].split(":");
    int concurrency = Integer.parseInt(args[6]);
    int seconds = Integer.parseInt(args[7]);
    ModelInferRequest.InferInputTensor.Builder input =
        ModelInferRequest.InferInputTensor.newBuilder().setName(args[2]).setDatatype(args[3]);
    for (String d : args[4].split(",")) {
      input.addShape(Long.parseLong(d));
    }
    ModelInferRequest request =
        ModelInferRequest.newBuilder()
            .setModelName(args[1])
            .addInputs(input)
            .addRawInputContents(ByteString.copyFrom(Files.readAllBytes(Path.of(args[5]))))
            .build();
    ManagedChannel channel =
        NettyChannelBuilder.forAddress(hostPort[0], Integer.parseInt(hostPort[1])).usePlaintext().build();
    try {
      GRPCInferenceServiceGrpc.GRPCInferenceServiceStub stub = GRPCInferenceServiceGrpc.newStub(channel);
      run(stub, request, concurrency, 3, null);
      long[] latencies = new long[4_000_000];
      AtomicLong count = new AtomicLong();
      long errors = run(stub, request, concurrency, seconds, new Recorder(latencies, count));
      int n = (int) Math.min(count.get(), latencies.length);
      long[] sorted = Arrays.copyOf(latencies, n);
      Arrays.sort(sorted);
      System.out.printf(
          "gRPC ModelInfer: %d calls in flight, %d s: %.0f req/s, p50 %.3f ms, p99 %.3f ms, %d errors%n",
          concurrency, seconds, count.get() / (double) seconds, sorted[n / 2] / 1e6, sorted[(int) (n * 0.99)] / 1e6,
          errors);
    } finally {
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
  }

  /** Records each call's latency. */
  private record Recorder(long[] latencies, AtomicLong count) {
    void record(long nanos) {
      long i = count.getAndIncrement();
      if (i < latencies.length) {
        latencies[(int) i] = nanos;
      }
    }
  }

  private static long run(
      GRPCInferenceServiceGrpc.GRPCInferenceServiceStub stub, ModelInferRequest request, int concurrency, int seconds,
      Recorder recorder) throws InterruptedException {
    long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    CountDownLatch done = new CountDownLatch(concurrency);
    AtomicLong errors = new AtomicLong();
    for (int i = 0; i < concurrency; i++) {
      new Loop(stub, request, end, done, errors, recorder).next();
    }
    done.await();
    return errors.get();
  }

  /** One call in flight: sends the next when the last one answered, until the end time. */
  private static final class Loop implements StreamObserver<ModelInferResponse> {
    private final GRPCInferenceServiceGrpc.GRPCInferenceServiceStub stub;
    private final ModelInferRequest request;
    private final long end;
    private final CountDownLatch done;
    private final AtomicLong errors;
    private final Recorder recorder;
    private long started;

    Loop(GRPCInferenceServiceGrpc.GRPCInferenceServiceStub stub, ModelInferRequest request, long end,
        CountDownLatch done, AtomicLong errors, Recorder recorder) {
      this.stub = stub;
      this.request = request;
      this.end = end;
      this.done = done;
      this.errors = errors;
      this.recorder = recorder;
    }

    void next() {
      started = System.nanoTime();
      if (started >= end) {
        done.countDown();
        return;
      }
      stub.modelInfer(request, this);
    }

    @Override
    public void onNext(ModelInferResponse value) {}

    @Override
    public void onError(Throwable t) {
      errors.incrementAndGet();
      next();
    }

    @Override
    public void onCompleted() {
      if (recorder != null) {
        recorder.record(System.nanoTime() - started);
      }
      next();
    }
  }
}
