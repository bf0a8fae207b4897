package io.servingkit.internal.loading;

import ai.djl.Device;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;

/** Reports the memory available for loading a model on a device, in MiB. */
public interface MemoryProbe {

  long availableMb(Device device);

  /** CPU: MemAvailable from /proc/meminfo where present, else the OS free memory; GPUs: not checked. */
  MemoryProbe SYSTEM =
      device -> {
        if (device.isGpu()) {
          return Long.MAX_VALUE;
        }
        try {
          for (String line : Files.readAllLines(Path.of("/proc/meminfo"))) {
            if (line.startsWith("MemAvailable:")) {
              return Long.parseLong(line.replaceAll("\\D", "")) / 1024;
            }
          }
        } catch (IOException | NumberFormatException | SecurityException e) {
          // fall through to the JMX view
        }
        java.lang.management.OperatingSystemMXBean os = ManagementFactory.getOperatingSystemMXBean();
        if (os instanceof com.sun.management.OperatingSystemMXBean) {
          return ((com.sun.management.OperatingSystemMXBean) os).getFreeMemorySize() / (1024 * 1024);
        }
        return Long.MAX_VALUE;
      };
}
