import Glibc
import SafeText

/// Standard output with write(2) behind a buffer of its own, so that a failed write is seen: it
/// ends the process with `PROGRAM: error: cannot write standard output (...)` and exit 2. A closed
/// pipe (`| head`) ends it quietly by SIGPIPE's default action, as other Unix tools end. Only the
/// main thread writes.
public enum StandardOutput {
  /// Bytes not yet written.
  nonisolated(unsafe) private static var pending: [UInt8] = []
  /// The program's name in the failure message; set once by ``flushAtExit(program:)``.
  nonisolated(unsafe) private static var program = ""

  public static func write(_ text: String) {
    pending.append(contentsOf: text.utf8)
    if pending.count >= 1 << 16 { flush() }
  }

  /// Writes what is pending; on failure exits (never returns with bytes lost).
  public static func flush() {
    var offset = 0
    while offset < pending.count {
      let written = pending.withUnsafeBytes { bytes -> Int in
        guard let base = bytes.baseAddress else { return 0 }
        return Glibc.write(STDOUT_FILENO, base + offset, bytes.count - offset)
      }
      if written < 0 {
        let code = errno
        if code == EINTR { continue }
        if code == EPIPE {
          signal(SIGPIPE, SIG_DFL)
          raise(SIGPIPE)
        }
        printError("\(program): error: cannot write standard output (\(String(cString: strerror(code))))")
        _exit(2)
      }
      offset += written
    }
    pending.removeAll(keepingCapacity: true)
  }

  /// Flushes at every exit, after the command chose its exit code (a failed write turns it to 2);
  /// `program` names the program in the failure message. Called once, first thing in `main`.
  public static func flushAtExit(program: String) {
    StandardOutput.program = program
    atexit { StandardOutput.flush() }
  }
}

/// Writes a line to standard error, escaped by the one escaper (keeping line breaks: messages
/// quote outside text), unbuffered. A failure there has nowhere to be reported and is ignored
/// (FileHandle's write trapped: `2>/dev/full` crashed).
public func printError(_ text: String) {
  writeStandardError(TextSafety.escape(text, keepNewlines: true) + "\n")
}

/// Writes bytes to standard error as they are (the progress line's control sequences).
public func writeStandardError(_ text: String) {
  let bytes = Array(text.utf8)
  var offset = 0
  while offset < bytes.count {
    let written = bytes.withUnsafeBytes { b -> Int in
      guard let base = b.baseAddress else { return 0 }
      return Glibc.write(STDERR_FILENO, base + offset, b.count - offset)
    }
    if written < 0 && errno == EINTR { continue }
    if written <= 0 { return }
    offset += written
  }
}

/// Whether standard input and output are both a terminal (the interactive view needs both).
public var isInteractiveTerminal: Bool {
  isatty(STDIN_FILENO) != 0 && isatty(STDOUT_FILENO) != 0
}

extension Duration {
  /// The duration in seconds.
  public var inSeconds: Double {
    Double(components.seconds) + Double(components.attoseconds) / 1e18
  }
}
