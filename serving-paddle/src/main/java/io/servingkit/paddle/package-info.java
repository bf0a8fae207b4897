/**
 * PaddlePaddle models in a DJL 0.36 JVM.
 *
 * <p>DJL dropped its PaddlePaddle engine after 0.27, and 0.27's engine does not work next to DJL 0.36's API in one
 * class loader. This package registers a DJL 0.36 engine named {@code PaddlePaddle} ({@link
 * io.servingkit.paddle.PaddleEngineProvider}) whose models run in a <b>worker JVM</b> that holds DJL 0.27, its
 * PaddlePaddle engine and Paddle's native library, shipped inside this jar under {@code
 * io/servingkit/paddle/plugin/} and never put on the serving class path; {@link
 * io.servingkit.paddle.PaddleModeProvider} routes {@code engine=PaddlePaddle} models to it. Translators run in the
 * serving JVM; tensors cross a Unix socket as raw bytes.
 *
 * <p>Why a worker process rather than an isolated class loader in the serving JVM: Paddle reports errors such as
 * a wrong input shape by throwing C++ exceptions through DJL 0.27's JNI code, which has no handler, so the process
 * aborts ({@code terminate called after throwing an instance of 'phi::enforce::EnforceNotMet'}): in-process, one
 * malformed request would kill the whole server. A worker also returns its memory (about 660 MB resident for a
 * tiny model, most of it Paddle's native library) when its model is unregistered, and sidesteps the native
 * library's one-class-loader-per-JVM binding, so any number of servers and models can coexist in one JVM.
 */
package io.servingkit.paddle;
