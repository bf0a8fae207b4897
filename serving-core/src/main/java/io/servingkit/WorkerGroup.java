package io.servingkit;

import ai.djl.Device;
import io.servingkit.internal.loading.Devices;
import io.servingkit.spi.LoadedModel;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The workers of one model on one device, with their bounds. Mutable state is guarded by {@link #lock}; the
 * worker list is copy-on-write so that a caller looking for an idle worker may read it without the lock.
 */
final class WorkerGroup {
  final Device device;
  final String deviceName;
  final LoadedModel loaded;
  final ReentrantLock lock = new ReentrantLock();
  final List<WorkerLoop> workers = new CopyOnWriteArrayList<>();
  int minWorkers;
  int maxWorkers;
  int starting;
  int consecutiveFailures;

  WorkerGroup(Device device, LoadedModel loaded, int minWorkers, int maxWorkers) {
    this.device = device;
    this.deviceName = deviceName(device);
    this.loaded = loaded;
    this.minWorkers = minWorkers;
    this.maxWorkers = maxWorkers;
  }

  static String deviceName(Device device) {
    return Devices.name(device);
  }

  /** Reserves a slot for a new worker if below max (or below min when {@code toMin}). */
  boolean reserveStart(boolean toMin) {
    lock.lock();
    try {
      int count = workers.size() + starting;
      if (count < (toMin ? minWorkers : maxWorkers)) {
        starting++;
        return true;
      }
      return false;
    } finally {
      lock.unlock();
    }
  }

  /** Removes an idle worker if the group stays at or above its minimum. */
  boolean tryRetire(WorkerLoop loop) {
    lock.lock();
    try {
      if (workers.size() > minWorkers && workers.remove(loop)) {
        return true;
      }
      return false;
    } finally {
      lock.unlock();
    }
  }

  void remove(WorkerLoop loop) {
    lock.lock();
    try {
      workers.remove(loop);
    } finally {
      lock.unlock();
    }
  }

  List<WorkerLoop> snapshot() {
    lock.lock();
    try {
      return List.copyOf(workers);
    } finally {
      lock.unlock();
    }
  }

  int liveWorkers() {
    lock.lock();
    try {
      return workers.size() + starting;
    } finally {
      lock.unlock();
    }
  }
}
