package io.servingkit.internal.scheduling;

import ai.djl.Device;
import io.servingkit.ModelDescription;
import io.servingkit.internal.loading.Devices;
import io.servingkit.spi.LoadedModel;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The workers of one model on one device, with their bounds. Its lock is its own: other classes call its methods.
 *
 * <p>Threading: every method is safe for concurrent use.
 */
public final class WorkerGroup {
  private final Device device;
  private final String deviceName;
  private final LoadedModel loaded;
  private final ReentrantLock lock = new ReentrantLock();
  private final List<Worker> workers = new ArrayList<>();
  private int minWorkers;
  private int maxWorkers;
  private int starting;

  /** A group of {@code minWorkers..maxWorkers} workers of {@code loaded}; none is started yet. */
  public WorkerGroup(Device device, LoadedModel loaded, int minWorkers, int maxWorkers) {
    this.device = device;
    this.deviceName = Devices.name(device);
    this.loaded = loaded;
    this.minWorkers = minWorkers;
    this.maxWorkers = maxWorkers;
  }

  /** The loaded model copy whose workers this group runs. */
  public LoadedModel loaded() {
    return loaded;
  }

  /** The device name, {@code cpu} or {@code gpuN}. */
  public String deviceName() {
    return deviceName;
  }

  /** The group as the describe API shows it. */
  public ModelDescription.WorkerGroup describe() {
    lock.lock();
    try {
      List<ModelDescription.Worker> list = new ArrayList<>();
      for (Worker w : workers) {
        list.add(new ModelDescription.Worker(w.id, w.startTime.toString(), w.busy ? "BUSY" : "READY"));
      }
      return new ModelDescription.WorkerGroup(
          deviceName, device.isGpu() ? device.getDeviceId() : -1, minWorkers, maxWorkers, List.copyOf(list));
    } finally {
      lock.unlock();
    }
  }

  /** Workers running or starting. */
  public int liveWorkers() {
    lock.lock();
    try {
      return workers.size() + starting;
    } finally {
      lock.unlock();
    }
  }

  /** Workers whose start is under way (slots reserved, not yet serving). */
  public int startingWorkers() {
    lock.lock();
    try {
      return starting;
    } finally {
      lock.unlock();
    }
  }

  /** Started workers held by a thread (running a batch, or about to) when {@code busy}, else the idle ones. */
  public int startedWorkers(boolean busy) {
    lock.lock();
    try {
      int n = 0;
      for (Worker w : workers) {
        if (w.busy == busy) {
          n++;
        }
      }
      return n;
    } finally {
      lock.unlock();
    }
  }

  int maxWorkers() {
    lock.lock();
    try {
      return maxWorkers;
    } finally {
      lock.unlock();
    }
  }

  /** Workers that have started and not stopped. */
  int startedWorkers() {
    lock.lock();
    try {
      return workers.size();
    } finally {
      lock.unlock();
    }
  }

  void setBounds(int min, int max) {
    lock.lock();
    try {
      minWorkers = min;
      maxWorkers = max;
    } finally {
      lock.unlock();
    }
  }

  /** Workers above the maximum, which must stop. */
  int excess() {
    lock.lock();
    try {
      return Math.max(0, workers.size() + starting - maxWorkers);
    } finally {
      lock.unlock();
    }
  }

  /** Reserves a slot for a new worker if below the maximum, or below the minimum when {@code toMin}. */
  boolean reserveStart(boolean toMin) {
    lock.lock();
    try {
      if (workers.size() + starting < (toMin ? minWorkers : maxWorkers)) {
        starting++;
        return true;
      }
      return false;
    } finally {
      lock.unlock();
    }
  }

  /** Releases a reserved slot whose worker did not start. */
  void startFailed() {
    lock.lock();
    try {
      starting--;
    } finally {
      lock.unlock();
    }
  }

  /** Turns a reserved slot into a started worker; false when the group was scaled below it meanwhile. */
  boolean started(Worker worker) {
    lock.lock();
    try {
      starting--;
      if (workers.size() >= maxWorkers) {
        return false;
      }
      workers.add(worker);
      return true;
    } finally {
      lock.unlock();
    }
  }

  /** The started workers, a snapshot. */
  List<Worker> members() {
    lock.lock();
    try {
      return List.copyOf(workers);
    } finally {
      lock.unlock();
    }
  }

  /** Removes an idle worker if the group stays at or above its minimum. */
  boolean tryRetire(Worker worker) {
    lock.lock();
    try {
      return workers.size() + starting > minWorkers && workers.remove(worker);
    } finally {
      lock.unlock();
    }
  }

  /** Whether the group has workers above its minimum that could retire. */
  boolean hasExtra() {
    lock.lock();
    try {
      return workers.size() + starting > minWorkers;
    } finally {
      lock.unlock();
    }
  }

  void remove(Worker worker) {
    lock.lock();
    try {
      workers.remove(worker);
    } finally {
      lock.unlock();
    }
  }
}
