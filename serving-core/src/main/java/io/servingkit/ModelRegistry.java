package io.servingkit;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The registered model versions, in registration order. Unversioned lookups return the latest registered
 * version. Threading: every method is safe for concurrent use.
 */
final class ModelRegistry {
  private final ReentrantLock lock = new ReentrantLock();
  private final Map<String, List<ModelEntry>> byName = new LinkedHashMap<>();

  /** Adds an entry, refusing a duplicate name and version. */
  void add(ModelEntry entry) {
    lock.lock();
    try {
      List<ModelEntry> versions = byName.computeIfAbsent(entry.name(), k -> new ArrayList<>());
      for (ModelEntry e : versions) {
        if (Objects.equals(e.version(), entry.version())) {
          throw new ModelAlreadyExistsException("Workflow " + entry.name() + " is already registered.");
        }
      }
      versions.add(entry);
    } finally {
      lock.unlock();
    }
  }

  /** Finds a version, or the latest when {@code version} is null. */
  ModelEntry find(String name, String version) {
    lock.lock();
    try {
      List<ModelEntry> versions = byName.get(name);
      if (versions == null || versions.isEmpty()) {
        throw notFound(name, version);
      }
      if (version == null) {
        return versions.get(versions.size() - 1);
      }
      for (ModelEntry e : versions) {
        if (version.equals(e.version())) {
          return e;
        }
      }
      throw notFound(name, version);
    } finally {
      lock.unlock();
    }
  }

  /** Every version of a model, oldest first. */
  List<ModelEntry> versions(String name) {
    lock.lock();
    try {
      List<ModelEntry> versions = byName.get(name);
      if (versions == null || versions.isEmpty()) {
        throw notFound(name, null);
      }
      return List.copyOf(versions);
    } finally {
      lock.unlock();
    }
  }

  /** Removes an entry if it is still registered. */
  boolean remove(ModelEntry entry) {
    lock.lock();
    try {
      List<ModelEntry> versions = byName.get(entry.name());
      if (versions == null || !versions.remove(entry)) {
        return false;
      }
      if (versions.isEmpty()) {
        byName.remove(entry.name());
      }
      return true;
    } finally {
      lock.unlock();
    }
  }

  List<ModelEntry> all() {
    lock.lock();
    try {
      List<ModelEntry> all = new ArrayList<>();
      byName.values().forEach(all::addAll);
      return all;
    } finally {
      lock.unlock();
    }
  }

  private static ModelNotFoundException notFound(String name, @SuppressWarnings("unused") String version) {
    return new ModelNotFoundException("Model or workflow not found: " + name);
  }
}
