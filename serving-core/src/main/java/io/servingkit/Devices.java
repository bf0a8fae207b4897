package io.servingkit;

import ai.djl.Device;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** Parses {@code load_on_devices} values into DJL devices. */
final class Devices {
  private Devices() {}

  /**
   * Parses {@code *} (every GPU, else the CPU), {@code cpu}, {@code -1}, {@code gpuN}, {@code N}, separated by
   * {@code ;}.
   *
   * @param gpuCount GPUs visible to the engine
   */
  static List<Device> parse(String value, int gpuCount) {
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
}
