package io.servingkit.api;

/** Standard reason phrases and the cleaning of free-text ones. */
final class Reasons {

  private static final int MAX_REASON = 512;

  private Reasons() {}

  /** The standard reason phrase of a status (Netty's spelling, as DJL Serving sends). */
  static String standard(int status) {
    return switch (status) {
      case 200 -> "OK";
      case 201 -> "Created";
      case 202 -> "Accepted";
      case 204 -> "No Content";
      case 206 -> "Partial Content";
      case 207 -> "Multi-Status";
      case 400 -> "Bad Request";
      case 401 -> "Unauthorized";
      case 403 -> "Forbidden";
      case 404 -> "Not Found";
      case 405 -> "Method Not Allowed";
      case 408 -> "Request Timeout";
      case 409 -> "Conflict";
      case 413 -> "Request Entity Too Large";
      case 415 -> "Unsupported Media Type";
      case 422 -> "Unprocessable Entity";
      case 424 -> "Failed Dependency";
      case 429 -> "Too Many Requests";
      case 500 -> "Internal Server Error";
      case 501 -> "Not Implemented";
      case 502 -> "Bad Gateway";
      case 503 -> "Service Unavailable";
      case 504 -> "Gateway Timeout";
      case 507 -> "Insufficient Storage";
      default -> status >= 500 ? "Server Error" : status >= 400 ? "Client Error" : "Status " + status;
    };
  }

  /**
   * Makes free text safe for a status line: control and non-ASCII characters become spaces, the length is
   * capped. An empty result falls back to the standard phrase's absence (the caller decides).
   */
  static String sanitize(String text) {
    if (text == null) {
      return "";
    }
    int n = Math.min(text.length(), MAX_REASON);
    StringBuilder sb = new StringBuilder(n);
    for (int i = 0; i < n; i++) {
      char c = text.charAt(i);
      sb.append(c >= 0x20 && c < 0x7f ? c : ' ');
    }
    return sb.toString().strip();
  }

  /** The reason for an output's code and message: its message when usable, else the standard phrase. */
  static String forOutput(int status, String message) {
    String clean = sanitize(message);
    return clean.isEmpty() ? standard(status) : clean;
  }
}
