package io.servingkit.examples.spring;

/**
 * The digit an image shows, as the controller answers it.
 *
 * @param digit 0 to 9
 * @param probability the network's probability for it
 */
public record Digit(int digit, double probability) {}
