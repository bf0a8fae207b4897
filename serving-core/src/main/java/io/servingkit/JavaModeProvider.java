package io.servingkit;
import ai.djl.Device;
import io.servingkit.spi.*;
final class JavaModeProvider implements ModeProvider {
  public String name() { return "java"; }
  public int priority() { return 0; }
  public boolean supports(ModelContext c) { return false; }
  public LoadedModel load(ModelContext c, Device d) { throw new UnsupportedOperationException(); }
}
