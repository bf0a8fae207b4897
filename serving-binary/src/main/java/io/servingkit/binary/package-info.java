/**
 * ServingKit's binary mode: tensors in, tensors out.
 *
 * <p>{@link io.servingkit.binary.BinaryModeProvider} serves PyTorch, ONNX Runtime, TensorFlow and MXNet models that
 * have no translator, decoding request bodies (DJL NDList, numpy {@code .npy}/{@code .npz}, safetensors, JSON, CSV)
 * into the model's inputs and encoding its outputs in the format the request asks for.
 * {@link io.servingkit.binary.TensorCodecs} offers the same codecs to code that holds its own DJL model.
 */
package io.servingkit.binary;
