import Foundation
import SceneScript

/// Reads a scene file with clear errors for what is not a scene (a directory, unreadable,
/// invalid UTF-8, NUL bytes, too large).
enum SceneLoader {
  static let maxBytes = 8 << 20

  static func load(_ path: String) -> Result<String, CLIError> {
    let name = TextSafety.escape(path)
    // Opened without blocking and checked with fstat before any read: a FIFO with no writer,
    // a terminal or a device would block or never end. Only a regular file is a scene.
    let fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC)
    guard fd >= 0 else {
      let why: String
      switch errno {
      case ENOENT: why = "no such file"
      case EACCES: why = "cannot read the file (permission denied)"
      case EISDIR: why = "is a directory, not a scene file"
      default: why = "cannot open the file (\(String(cString: strerror(errno))))"
      }
      return .failure(CLIError(message: "\(name): error: \(why)"))
    }
    let handle = FileHandle(fileDescriptor: fd, closeOnDealloc: true)
    defer { try? handle.close() }
    var info = stat()
    guard fstat(fd, &info) == 0 else {
      return .failure(CLIError(message: "\(name): error: cannot read the file"))
    }
    switch info.st_mode & S_IFMT {
    case S_IFREG: break
    case S_IFDIR: return .failure(CLIError(message: "\(name): error: is a directory, not a scene file"))
    case S_IFIFO: return .failure(CLIError(message: "\(name): error: is a FIFO, not a regular file; not a scene"))
    default:
      return .failure(CLIError(message: "\(name): error: is not a regular file (a device or socket); not a scene"))
    }
    let data: Data
    do {
      data = try handle.read(upToCount: maxBytes + 1) ?? Data()
    } catch {
      return .failure(CLIError(message: "\(name): error: cannot read the file"))
    }
    if data.count > maxBytes {
      return .failure(CLIError(message: "\(name): error: larger than \(maxBytes >> 20) MiB; not a scene"))
    }
    return decode(Array(data), name: path).map(normalized)
  }

  /// The text as the lexer and the diagnostics read it: a leading byte order mark dropped and
  /// CRLF line ends as LF (Swift reads "\r\n" as one Character, so a CRLF file's lines would not
  /// split on "\n" where diagnostics quote them). A lone CR stays: it is no line break.
  static func normalized(_ text: String) -> String {
    var scalars = Substring(text).unicodeScalars
    if scalars.first == "\u{FEFF}" { scalars = scalars.dropFirst() }
    var out = String.UnicodeScalarView()
    out.reserveCapacity(scalars.count)
    var previousCR = false
    for s in scalars {
      if previousCR && s != "\n" { out.append("\r") }
      previousCR = s == "\r"
      if !previousCR { out.append(s) }
    }
    if previousCR { out.append("\r") }
    return String(out)
  }

  /// Decodes UTF-8; the first invalid byte or NUL is an error shown as every scene error is: the
  /// line (decoded with each invalid byte as U+FFFD, escaped) and a caret under the column.
  static func decode(_ bytes: [UInt8], name: String) -> Result<String, CLIError> {
    if let d = firstInvalidByte(bytes) {
      let renderer = DiagnosticRenderer(fileName: name, source: String(decoding: bytes, as: UTF8.self))
      return .failure(CLIError(message: renderer.render(d)))
    }
    return .success(String(decoding: bytes, as: UTF8.self))
  }

  /// The first NUL byte (S0001) or byte of invalid UTF-8 (S0002), at its line and column.
  static func firstInvalidByte(_ bytes: [UInt8]) -> Diagnostic? {
    var line = 1
    var column = 1
    var i = 0
    while i < bytes.count {
      let b = bytes[i]
      var length = 1
      if b == 0 {
        return Diagnostic(.nulByte, .error, "NUL byte in scene file", at: SourceLocation(line: line, column: column))
      } else if b < 0x80 {
        length = 1
      } else if b & 0xE0 == 0xC0, b >= 0xC2 {
        length = 2
      } else if b & 0xF0 == 0xE0 {
        length = 3
      } else if b & 0xF8 == 0xF0, b <= 0xF4 {
        length = 4
      } else {
        length = 0
      }
      var valid = length > 0 && i + length <= bytes.count
      if valid {
        for k in 1..<max(1, length) where bytes[i + k] & 0xC0 != 0x80 { valid = false }
      }
      if valid, length > 1 {
        // Reject overlong and surrogate encodings by decoding the sequence.
        valid = String(validating: bytes[i..<(i + length)], as: UTF8.self) != nil
      }
      if !valid {
        return Diagnostic(
          .invalidUTF8, .error, "invalid UTF-8 (byte 0x\(String(b, radix: 16)))",
          at: SourceLocation(line: line, column: column))
      }
      if b == 0x0A {
        line += 1
        column = 1
      } else {
        column += 1
      }
      i += length
    }
    return nil
  }
}
