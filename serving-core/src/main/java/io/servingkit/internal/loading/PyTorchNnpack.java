package io.servingkit.internal.loading;

import com.sun.jna.Function;
import com.sun.jna.NativeLibrary;
import com.sun.jna.Pointer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns PyTorch's NNPACK off on CPUs that cannot run it, the equivalent of Python's
 * {@code torch.backends.nnpack.set_flags(False)}. On such a CPU libtorch 2.7 tries NNPACK again for every convolution
 * and prints {@code Could not initialize NNPACK! Reason: Unsupported hardware.} to the process's stderr each time
 * (twice per forward call of a two-convolution network: 36,000 lines in a two-minute load test). With NNPACK off,
 * convolutions go straight to the other kernels they would have used anyway, and nothing is printed.
 *
 * <p>DJL 0.36 exposes no switch for this, so the two libtorch functions behind {@code set_flags} are called through
 * JNA (which DJL itself depends on) on the {@code libtorch_cpu} that DJL has already loaded: {@code
 * at::globalContext().setUserEnabledNNPACK(false)}, after {@code at::_nnpack_available()} has said no (that probe
 * prints the warning once). The setting belongs to libtorch and so to the whole process; it is only ever turned off
 * where NNPACK cannot work, so no model anywhere in the process can lose by it. Nothing is changed when NNPACK works,
 * when it is already off, or when the symbols cannot be found (another libtorch build): then a debug line says why.
 *
 * <p>Threading: may be called from any thread; calls after the first find NNPACK already off and do nothing.
 */
final class PyTorchNnpack {
  private static final Logger LOG = LoggerFactory.getLogger(PyTorchNnpack.class);

  private PyTorchNnpack() {}

  /** Call after DJL has loaded a PyTorch model (so that libtorch is loaded). */
  static void turnOffWhereUnsupported() {
    try {
      NativeLibrary torch = NativeLibrary.getInstance("torch_cpu");
      Pointer context = torch.getFunction("_ZN2at13globalContextEv").invokePointer(new Object[0]);
      Function enabled = torch.getFunction("_ZNK2at7Context17userEnabledNNPACKEv");
      if ((enabled.invokeInt(new Object[] {context}) & 0xff) == 0) {
        return; // already off
      }
      boolean available = (torch.getFunction("_ZN2at6native17_nnpack_availableEv").invokeInt(new Object[0]) & 0xff) != 0;
      if (available) {
        return;
      }
      torch.getFunction("_ZN2at7Context20setUserEnabledNNPACKEb").invokeVoid(new Object[] {context, 0});
      LOG.info("PyTorch: NNPACK does not run on this CPU; turned it off so that convolutions stop warning on every call");
    } catch (UnsatisfiedLinkError | RuntimeException e) {
      LOG.debug("PyTorch: NNPACK setting left as it is: {}", e.toString());
    }
  }
}
