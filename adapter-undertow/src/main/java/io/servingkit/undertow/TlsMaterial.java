package io.servingkit.undertow;

import io.servingkit.InvalidSpecException;
import io.servingkit.ServingConfig;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Base64;
import java.util.Collection;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;

/**
 * The server's TLS identity, read the way DJL Serving and TorchServe configure it: a PEM private key
 * ({@code private_key_file}: PKCS#8 {@code BEGIN PRIVATE KEY} with an RSA or EC key, or PKCS#1
 * {@code BEGIN RSA PRIVATE KEY}) and a PEM certificate chain ({@code certificate_file}), or a key store
 * ({@code keystore}, {@code keystore_pass}, {@code keystore_type}, default PKCS12). Encrypted PEM keys are not
 * read: decrypt them, or use a key store.
 */
final class TlsMaterial {

  private static final Pattern PEM =
      Pattern.compile("-----BEGIN ([A-Z0-9 ]+)-----([A-Za-z0-9+/=\\s]+?)-----END \\1-----");

  private final SSLContext context;

  private TlsMaterial(SSLContext context) {
    this.context = context;
  }

  /** An SSL context serving this identity (TLS 1.2 and 1.3, the JDK's defaults otherwise). */
  SSLContext sslContext() {
    return context;
  }

  /**
   * The identity {@code config} names for its {@code https://} addresses: {@code keystore} (with
   * {@code keystore_pass}, {@code keystore_type}), else {@code private_key_file} and {@code certificate_file}.
   *
   * @throws InvalidSpecException naming the keys, their source and the file when they are missing or unreadable
   */
  static TlsMaterial from(ServingConfig config) {
    var keystore = config.find(ServingConfig.KEYSTORE);
    var key = config.find(ServingConfig.PRIVATE_KEY_FILE);
    var cert = config.find(ServingConfig.CERTIFICATE_FILE);
    try {
      if (keystore.isPresent()) {
        return fromKeyStore(
            keystore.get(), config.find(ServingConfig.KEYSTORE_PASS).orElse(""), config.get(ServingConfig.KEYSTORE_TYPE));
      }
      if (key.isPresent() && cert.isPresent()) {
        return fromPem(key.get(), cert.get());
      }
    } catch (InvalidSpecException e) {
      throw new InvalidSpecException(
          source(config, keystore.isPresent() ? ServingConfig.KEYSTORE.key() : ServingConfig.PRIVATE_KEY_FILE.key())
              + e.getMessage(),
          e);
    }
    throw new InvalidSpecException(
        source(config, ServingConfig.INFERENCE_ADDRESS.key())
            + "an https:// address needs private_key_file and certificate_file (PEM), or keystore (with keystore_pass"
            + " and keystore_type)");
  }

  private static String source(ServingConfig config, String key) {
    return config.source(key).map(s -> s + ": ").orElse("");
  }

  static TlsMaterial fromKeyStore(Path file, String password, String type) {
    try (InputStream in = Files.newInputStream(file)) {
      KeyStore store = KeyStore.getInstance(type);
      store.load(in, password.toCharArray());
      return new TlsMaterial(context(store, password.toCharArray()));
    } catch (IOException | GeneralSecurityException e) {
      throw new InvalidSpecException(
          "keystore=" + file + " (keystore_type=" + type + "): cannot be read: " + e.getMessage(), e);
    }
  }

  static TlsMaterial fromPem(Path keyFile, Path certFile) {
    PrivateKey key;
    try {
      key = privateKey(Files.readString(keyFile, StandardCharsets.US_ASCII));
    } catch (IOException | GeneralSecurityException | IllegalArgumentException e) {
      throw new InvalidSpecException("private_key_file=" + keyFile + ": " + e.getMessage(), e);
    }
    Certificate[] chain;
    try (InputStream in = Files.newInputStream(certFile)) {
      Collection<? extends Certificate> certs = CertificateFactory.getInstance("X.509").generateCertificates(in);
      if (certs.isEmpty()) {
        throw new IllegalArgumentException("no certificate in the file");
      }
      chain = certs.toArray(new Certificate[0]);
    } catch (IOException | GeneralSecurityException | IllegalArgumentException e) {
      throw new InvalidSpecException("certificate_file=" + certFile + ": " + e.getMessage(), e);
    }
    try {
      KeyStore store = KeyStore.getInstance("PKCS12");
      store.load(null, null);
      char[] none = new char[0];
      store.setKeyEntry("servingkit", key, none, chain);
      return new TlsMaterial(context(store, none));
    } catch (IOException | GeneralSecurityException e) {
      throw new InvalidSpecException(
          "private_key_file=" + keyFile + ", certificate_file=" + certFile + ": do not make a TLS identity: "
              + e.getMessage(), e);
    }
  }

  private static SSLContext context(KeyStore store, char[] password) throws GeneralSecurityException {
    KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
    kmf.init(store, password);
    SSLContext ssl = SSLContext.getInstance("TLS");
    ssl.init(kmf.getKeyManagers(), null, null);
    return ssl;
  }

  /** The first private key in a PEM text. */
  static PrivateKey privateKey(String pem) throws GeneralSecurityException {
    Matcher m = PEM.matcher(pem);
    while (m.find()) {
      String label = m.group(1);
      byte[] der = Base64.getMimeDecoder().decode(m.group(2));
      switch (label) {
        case "PRIVATE KEY":
          return pkcs8(der);
        case "RSA PRIVATE KEY":
          return KeyFactory.getInstance("RSA").generatePrivate(new PKCS8EncodedKeySpec(rsaPkcs1ToPkcs8(der)));
        case "ENCRYPTED PRIVATE KEY":
          throw new IllegalArgumentException("the key is encrypted; decrypt it or use keystore/keystore_pass");
        default:
          // a certificate or parameters block before the key: skip it
      }
    }
    throw new IllegalArgumentException(
        "no PEM private key found (expected BEGIN PRIVATE KEY or BEGIN RSA PRIVATE KEY)");
  }

  private static PrivateKey pkcs8(byte[] der) throws GeneralSecurityException {
    GeneralSecurityException last = null;
    for (String algorithm : new String[] {"RSA", "EC", "Ed25519"}) {
      try {
        return KeyFactory.getInstance(algorithm).generatePrivate(new PKCS8EncodedKeySpec(der));
      } catch (GeneralSecurityException e) {
        last = e;
      }
    }
    throw new GeneralSecurityException("not an RSA, EC or Ed25519 PKCS#8 key", last);
  }

  /** Wraps a PKCS#1 RSAPrivateKey in a PKCS#8 PrivateKeyInfo (version 0, rsaEncryption, the key). */
  static byte[] rsaPkcs1ToPkcs8(byte[] pkcs1) {
    byte[] algorithm = {
      0x30, 0x0d, 0x06, 0x09, 0x2a, (byte) 0x86, 0x48, (byte) 0x86, (byte) 0xf7, 0x0d, 0x01, 0x01, 0x01, 0x05, 0x00
    };
    ByteArrayOutputStream body = new ByteArrayOutputStream();
    body.writeBytes(new byte[] {0x02, 0x01, 0x00});
    body.writeBytes(algorithm);
    body.write(0x04);
    body.writeBytes(derLength(pkcs1.length));
    body.writeBytes(pkcs1);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.write(0x30);
    out.writeBytes(derLength(body.size()));
    out.writeBytes(body.toByteArray());
    return out.toByteArray();
  }

  private static byte[] derLength(int n) {
    if (n < 0x80) {
      return new byte[] {(byte) n};
    }
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    int bytes = n > 0xffffff ? 4 : n > 0xffff ? 3 : n > 0xff ? 2 : 1;
    b.write(0x80 | bytes);
    for (int i = bytes - 1; i >= 0; i--) {
      b.write(n >>> (8 * i) & 0xff);
    }
    return b.toByteArray();
  }
}
