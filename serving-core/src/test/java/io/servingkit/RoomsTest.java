package io.servingkit;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.lang.reflect.Constructor;
import java.lang.reflect.Executable;
import java.lang.reflect.Field;
import java.lang.reflect.GenericArrayType;
import java.lang.reflect.Member;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.Type;
import java.lang.reflect.TypeVariable;
import java.lang.reflect.WildcardType;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The door of serving-core's rooms (see serving-core/README.md, "Rooms"): what a user can reach in the exported
 * packages ({@code io.servingkit}, {@code io.servingkit.api}, {@code io.servingkit.spi}) names only exported types.
 * Every public or protected type, supertype, field, constructor, method, type parameter and thrown exception of an
 * accessible type is walked, generics included; a mention of an {@code io.servingkit.internal} type, or of a
 * ServingKit type that is not public, fails the build. The other half of the door, no other module's main code
 * using {@code io.servingkit.internal}, is the parent pom's {@code no-internal-imports} check.
 */
class RoomsTest {

  private static final List<String> EXPORTED = List.of("io.servingkit", "io.servingkit.api", "io.servingkit.spi");

  @Test
  void exportedSignaturesNameOnlyExportedTypes() throws Exception {
    List<Class<?>> exported = exportedTypes();
    assertThat(exported).contains(ModelServer.class, io.servingkit.api.ServingApi.class, io.servingkit.spi.ModeProvider.class);
    List<String> leaks = new ArrayList<>();
    for (Class<?> type : exported) {
      leaks.addAll(leaks(type));
    }
    assertThat(leaks).as("public signatures naming types a user cannot or must not use").isEmpty();
  }

  @Test
  void theCheckSeesALeak() {
    assertThat(leaks(Leaky.class))
        .containsExactlyInAnyOrder(
            "RoomsTest.Leaky.field: io.servingkit.internal.metrics.MetricsListener",
            "RoomsTest.Leaky.method(): io.servingkit.internal.loading.Devices",
            "RoomsTest.Leaky.generic(): io.servingkit.internal.source.ModelStore",
            "RoomsTest.Leaky supertype: io.servingkit.internal.loading.MemoryProbe",
            "RoomsTest.Leaky.Leaky(): io.servingkit.ModelEntry");
  }

  /** Public top-level and accessible nested types of the exported packages, from serving-core's own classes. */
  private static List<Class<?>> exportedTypes() throws IOException, URISyntaxException, ClassNotFoundException {
    Path classes = Path.of(ModelServer.class.getProtectionDomain().getCodeSource().getLocation().toURI());
    List<Class<?>> types = new ArrayList<>();
    for (String pkg : EXPORTED) {
      Path dir = classes.resolve(pkg.replace('.', '/'));
      try (Stream<Path> files = Files.list(dir)) {
        for (Path file : (Iterable<Path>) files.sorted()::iterator) {
          String name = file.getFileName().toString();
          if (!name.endsWith(".class") || name.equals("package-info.class")) {
            continue;
          }
          Class<?> type = Class.forName(pkg + "." + name.substring(0, name.length() - 6), false, RoomsTest.class.getClassLoader());
          if (reachable(type)) {
            types.add(type);
          }
        }
      }
    }
    return types;
  }

  /** Whether code outside the package can name {@code type}: public, or protected/public nested in such a type. */
  private static boolean reachable(Class<?> type) {
    if (type.isAnonymousClass() || type.isLocalClass() || type.isSynthetic()) {
      return false;
    }
    for (Class<?> t = type; t != null; t = t.getDeclaringClass()) {
      int m = t.getModifiers();
      boolean open = Modifier.isPublic(m) || (t.getDeclaringClass() != null && Modifier.isProtected(m));
      if (!open) {
        return false;
      }
    }
    return true;
  }

  private static List<String> leaks(Class<?> type) {
    List<String> leaks = new ArrayList<>();
    String owner = type.getName().substring(type.getPackageName().length() + 1).replace('$', '.');
    check(owner + " supertype", type.getGenericSuperclass(), leaks);
    for (Type t : type.getGenericInterfaces()) {
      check(owner + " supertype", t, leaks);
    }
    for (TypeVariable<?> v : type.getTypeParameters()) {
      check(owner + " type parameter", v, leaks);
    }
    for (Field f : type.getDeclaredFields()) {
      if (visible(f)) {
        check(owner + "." + f.getName(), f.getGenericType(), leaks);
      }
    }
    for (Constructor<?> c : type.getDeclaredConstructors()) {
      if (visible(c)) {
        checkExecutable(owner + "." + type.getSimpleName() + "()", c, leaks);
      }
    }
    for (Method m : type.getDeclaredMethods()) {
      if (visible(m) && !m.isBridge()) {
        check(owner + "." + m.getName() + "()", m.getGenericReturnType(), leaks);
        checkExecutable(owner + "." + m.getName() + "()", m, leaks);
      }
    }
    return leaks;
  }

  private static boolean visible(Member member) {
    int m = member.getModifiers();
    return !member.isSynthetic() && (Modifier.isPublic(m) || Modifier.isProtected(m));
  }

  private static void checkExecutable(String where, Executable e, List<String> leaks) {
    for (Type t : e.getGenericParameterTypes()) {
      check(where, t, leaks);
    }
    for (Type t : e.getGenericExceptionTypes()) {
      check(where, t, leaks);
    }
    for (TypeVariable<?> v : e.getTypeParameters()) {
      check(where, v, leaks);
    }
  }

  private static void check(String where, Type type, List<String> leaks) {
    Set<Type> seen = new HashSet<>();
    List<Type> todo = new ArrayList<>();
    todo.add(type);
    while (!todo.isEmpty()) {
      Type t = todo.remove(todo.size() - 1);
      if (t == null || !seen.add(t)) {
        continue;
      }
      if (t instanceof Class<?> c) {
        while (c.isArray()) {
          c = c.getComponentType();
        }
        if (hidden(c)) {
          leaks.add(where + ": " + c.getName().replace('$', '.'));
        }
      } else if (t instanceof ParameterizedType p) {
        todo.add(p.getRawType());
        todo.add(p.getOwnerType());
        todo.addAll(List.of(p.getActualTypeArguments()));
      } else if (t instanceof WildcardType w) {
        todo.addAll(List.of(w.getUpperBounds()));
        todo.addAll(List.of(w.getLowerBounds()));
      } else if (t instanceof TypeVariable<?> v) {
        todo.addAll(List.of(v.getBounds()));
      } else if (t instanceof GenericArrayType a) {
        todo.add(a.getGenericComponentType());
      }
    }
  }

  /** A ServingKit type a user must not name: internal, or not reachable from outside its package. */
  private static boolean hidden(Class<?> c) {
    String name = c.getName();
    if (!name.startsWith("io.servingkit.")) {
      return false;
    }
    return name.startsWith("io.servingkit.internal.") || !reachable(c);
  }

  /** A type that breaks every rule once, to show that {@link #leaks} finds each kind of mention. */
  @SuppressWarnings("unused")
  public abstract static class Leaky implements io.servingkit.internal.loading.MemoryProbe {
    public io.servingkit.internal.metrics.MetricsListener field;

    private io.servingkit.internal.metrics.MetricsListener hiddenField;

    public Leaky(ModelEntry entry) {}

    public io.servingkit.internal.loading.Devices method() {
      return null;
    }

    public List<? extends io.servingkit.internal.source.ModelStore> generic() {
      return null;
    }

    private io.servingkit.internal.loading.Devices hiddenMethod() {
      return null;
    }
  }
}
