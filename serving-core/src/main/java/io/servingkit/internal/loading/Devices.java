package io.servingkit.internal.loading;

import ai.djl.Device;
import io.servingkit.InvalidSpecException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** Parses {@code load_on_devices} values into DJL devices and names devices the way DJL Serving does. */
public final class Devices {
  private Devices() {}

  /**
   * Parses {@code *} (every GPU, else the CPU), {@code cpu}, {@code -1}, {@code gpuN}, {@code N}, separated by
   * {@code ;}.
   *
   * @param gpuCount GPUs visible to the engine
   */
  public static List<Device> parse(String value, int gpuCount) {
    List<Device> devices = new ArrayList<>();
    for (String raw : value.split(";")) {
      String item = raw.strip().toLowerCase(Locale.ROOT);
      if (item.isEmpty()) {
        continue;
      }
      if (item.equals("*")) {
        if (gpuCount == 0) {
          devices.add(Device.cpu());
        }
        for (int i = 0; i < gpuCount; i++) {
          devices.add(Device.gpu(i));
        }
      } else if (item.equals("cpu") || item.equals("-1")) {
        devices.add(Device.cpu());
      } else {
        String id = item.startsWith("gpu") ? item.substring(3) : item;
        int n;
        try {
          n = Integer.parseInt(id);
        } catch (NumberFormatException e) {
          throw new InvalidSpecException("load_on_devices=" + value + ": unknown device " + raw.strip());
        }
        if (n >= gpuCount) {
          throw new InvalidSpecException(
              "load_on_devices=" + value + ": device gpu" + n + " does not exist (" + gpuCount + " GPUs)");
        }
        devices.add(Device.gpu(n));
      }
    }
    if (devices.isEmpty()) {
      throw new InvalidSpecException("load_on_devices=" + value + ": no device");
    }
    return devices.stream().distinct().toList();
  }

  /** {@code cpu} or {@code gpuN}: the name metrics, descriptions and messages give the device. */
  public static String name(Device device) {
    return device.isGpu() ? "gpu" + device.getDeviceId() : device.getDeviceType();
  }
}
