package io.servingkit.paddle;

import java.io.FileNotFoundException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The program and parameters files of a PaddlePaddle inference model in a folder: the first pair present of
 * {@code <prefix>.pdmodel}/{@code <prefix>.pdiparams}, {@code inference.pdmodel}/{@code inference.pdiparams},
 * {@code model}/{@code params} and {@code __model__}/{@code __params__}, looked for in the folder and then in its
 * subfolder {@code <prefix>} (DJL 0.27 looked at the last three names only).
 */
record ModelFiles(Path program, Path params) {

  /**
   * Finds the files.
   *
   * @throws FileNotFoundException naming the pairs looked for, or the program file whose parameters are missing
   */
  static ModelFiles find(Path dir, String prefix) throws FileNotFoundException {
    List<String[]> pairs = new ArrayList<>();
    if (prefix != null && !prefix.isBlank()) {
      pairs.add(new String[] {prefix + ".pdmodel", prefix + ".pdiparams"});
    }
    pairs.add(new String[] {"inference.pdmodel", "inference.pdiparams"});
    pairs.add(new String[] {"model", "params"});
    pairs.add(new String[] {"__model__", "__params__"});
    List<Path> dirs = new ArrayList<>(List.of(dir));
    if (prefix != null && !prefix.isBlank() && Files.isDirectory(dir.resolve(prefix))) {
      dirs.add(dir.resolve(prefix));
    }
    for (Path folder : dirs) {
      for (String[] pair : pairs) {
        Path program = folder.resolve(pair[0]);
        if (Files.isRegularFile(program)) {
          Path params = folder.resolve(pair[1]);
          if (!Files.isRegularFile(params)) {
            throw new FileNotFoundException(
                "PaddlePaddle model " + program + " has no parameters file " + pair[1] + " next to it");
          }
          return new ModelFiles(program.toAbsolutePath(), params.toAbsolutePath());
        }
      }
    }
    StringBuilder names = new StringBuilder();
    for (String[] pair : pairs) {
      names.append(names.length() == 0 ? "" : ", ").append(pair[0]).append(" + ").append(pair[1]);
    }
    throw new FileNotFoundException("no PaddlePaddle model in " + dir + ": expected one of " + names);
  }
}
