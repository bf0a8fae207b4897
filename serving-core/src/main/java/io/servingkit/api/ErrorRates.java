package io.servingkit.api;

import io.servingkit.ErrorRateLimit;
import io.servingkit.ServingConfig;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * DJL Serving's error-rate health: counts failed inference answers by kind against the {@code error_rate_*}
 * limits, and tells {@code /ping} which limits are exceeded.
 *
 * <p>Each limit counts in fixed windows: a window opens at the first failure after the previous one ended; the
 * failure that makes the count pass {@code errors} marks the limit exceeded until that window ends. So a burst
 * turns {@code /ping} to 503 at once and it heals by itself one window after the burst began, the way DJL Serving's
 * token bucket (refilled once per window) behaves.
 *
 * <p>Threading: thread-safe; each limit has its own lock, held for a few arithmetic operations.
 */
final class ErrorRates {

  private static final Logger logger = LoggerFactory.getLogger(ErrorRates.class);

  /** The settings read, in the order {@code /ping} names them. */
  static final List<ServingConfig.Setting<ErrorRateLimit>> SETTINGS =
      List.of(
          ServingConfig.ERROR_RATE_ANY, ServingConfig.ERROR_RATE_MODEL, ServingConfig.ERROR_RATE_WORKER,
          ServingConfig.ERROR_RATE_WLM, ServingConfig.ERROR_RATE_SERVER);

  /** What failed. */
  enum Kind {
    /** The model answered a failure itself: a failing handler, an output with a 5xx code. */
    MODEL,
    /** A worker could not answer: queue full, no worker, worker died, predict timeout, out of memory. */
    WORKER,
    /** Anything else that became a 5xx. */
    SERVER
  }

  private final List<Budget> budgets = new ArrayList<>();
  private final LongSupplier nanoClock;

  ErrorRates(Map<ServingConfig.Setting<ErrorRateLimit>, ErrorRateLimit> limits, LongSupplier nanoClock) {
    this.nanoClock = nanoClock;
    for (ServingConfig.Setting<ErrorRateLimit> s : SETTINGS) {
      ErrorRateLimit limit = limits.get(s);
      if (limit != null) {
        budgets.add(new Budget(s, limit));
      }
    }
  }

  static boolean counts(ServingConfig.Setting<ErrorRateLimit> setting) {
    return SETTINGS.contains(setting);
  }

  /** Counts an inference answer with {@code status}; {@code fromModel}: the model's own output carried it. */
  void answered(int status, boolean fromModel) {
    if (budgets.isEmpty()) {
      return;
    }
    Kind kind = kindOf(status, fromModel);
    if (kind == null) {
      return;
    }
    long now = nanoClock.getAsLong();
    for (Budget b : budgets) {
      if (b.counts(kind)) {
        b.failure(now);
      }
    }
  }

  /** The keys of the limits exceeded now; empty when healthy. */
  List<String> exceeded() {
    if (budgets.isEmpty()) {
      return List.of();
    }
    long now = nanoClock.getAsLong();
    List<String> out = new ArrayList<>(0);
    for (Budget b : budgets) {
      if (b.exceeded(now)) {
        out.add(b.setting.key());
      }
    }
    return out;
  }

  /** Which kind a failed answer is; null when the answer is not a failure (2xx-4xx but 424). */
  static Kind kindOf(int status, boolean fromModel) {
    if (fromModel) {
      return status >= 500 ? Kind.MODEL : null;
    }
    if (status == 424) {
      return Kind.MODEL;
    }
    if (status == 503 || status == 507) {
      return Kind.WORKER;
    }
    return status >= 500 ? Kind.SERVER : null;
  }

  /** One limit's window. */
  private static final class Budget {
    private final ServingConfig.Setting<ErrorRateLimit> setting;
    private final ErrorRateLimit limit;
    private final long windowNanos;
    private boolean open;
    private long windowStart;
    private int failures;
    private boolean exceeded;

    Budget(ServingConfig.Setting<ErrorRateLimit> setting, ErrorRateLimit limit) {
      this.setting = setting;
      this.limit = limit;
      this.windowNanos = limit.window().toNanos();
    }

    boolean counts(Kind kind) {
      if (setting == ServingConfig.ERROR_RATE_ANY) {
        return true;
      }
      if (setting == ServingConfig.ERROR_RATE_MODEL) {
        return kind == Kind.MODEL;
      }
      if (setting == ServingConfig.ERROR_RATE_SERVER) {
        return kind == Kind.SERVER;
      }
      return kind == Kind.WORKER; // error_rate_worker, error_rate_wlm
    }

    void failure(long now) {
      boolean newlyExceeded;
      synchronized (this) {
        if (!open || now - windowStart >= windowNanos) {
          open = true;
          windowStart = now;
          failures = 0;
          exceeded = false;
        }
        failures++;
        newlyExceeded = !exceeded && failures > limit.errors();
        exceeded |= newlyExceeded;
      }
      if (newlyExceeded) {
        logger.warn("{} exceeded: more than {} failed inference answers within {}; /ping answers 503 until the window"
            + " ends", setting.key(), limit.errors(), limit.window());
      }
    }

    synchronized boolean exceeded(long now) {
      return exceeded && now - windowStart < windowNanos;
    }
  }
}
