/**
 * The Java mode (internal): models on DJL engines served in this JVM through DJL translators.
 *
 * <p>{@link io.servingkit.internal.javamode.JavaModeProvider} loads a model with the translator
 * {@code TranslatorResolver} picks (a {@code translatorFactory}, {@code translator}, a translator in {@code libs/}
 * compiled by {@code JavaSourceCompiler} and loaded by {@code LibsClassLoader}, {@code application}, or tensors in,
 * tensors out); {@code JavaModelWorker} runs its batches. The Hugging Face checks refuse bad tokenizer options at
 * load and bad inputs before they reach the engine. {@link io.servingkit.internal.javamode.TypedMode} serves a
 * {@link io.servingkit.TypedModel} with the caller's own translator.
 *
 * <p>Used by serving-core only; other modules reach the Java mode through
 * {@link io.servingkit.spi.ModeProvider#javaMode()}.
 */
package io.servingkit.internal.javamode;
