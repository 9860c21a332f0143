import Foundation
import SceneScript

/// Reads a scene file with clear errors for what is not a scene (a directory, unreadable,
/// invalid UTF-8, NUL bytes, too large).
enum SceneLoader {
  static let maxBytes = 8 << 20

  struct LoadError: Error {
    var message: String
  }

  static func load(_ path: String) -> Result<String, LoadError> {
    var isDir: ObjCBool = false
    guard FileManager.default.fileExists(atPath: path, isDirectory: &isDir) else {
      return .failure(LoadError(message: "\(TextSafety.escape(path)): error: no such file"))
    }
    if isDir.boolValue {
      return .failure(LoadError(message: "\(TextSafety.escape(path)): error: is a directory, not a scene file"))
    }
    guard let handle = FileHandle(forReadingAtPath: path) else {
      return .failure(LoadError(message: "\(TextSafety.escape(path)): error: cannot read the file (permission denied?)"))
    }
    defer { try? handle.close() }
    let data: Data
    do {
      data = try handle.read(upToCount: maxBytes + 1) ?? Data()
    } catch {
      return .failure(LoadError(message: "\(TextSafety.escape(path)): error: cannot read the file"))
    }
    if data.count > maxBytes {
      return .failure(LoadError(message: "\(TextSafety.escape(path)): error: larger than \(maxBytes >> 20) MiB; not a scene"))
    }
    return decode(Array(data), name: path)
  }

  /// Decodes UTF-8, reporting the line and column of the first invalid byte or NUL.
  static func decode(_ bytes: [UInt8], name: String) -> Result<String, LoadError> {
    var line = 1
    var column = 1
    var i = 0
    while i < bytes.count {
      let b = bytes[i]
      var length = 1
      if b == 0 {
        return .failure(LoadError(message: "\(TextSafety.escape(name)):\(line):\(column): error: NUL byte in scene file"))
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
        return .failure(LoadError(message: "\(TextSafety.escape(name)):\(line):\(column): error: invalid UTF-8 (byte 0x\(String(b, radix: 16)))"))
      }
      if b == 0x0A {
        line += 1
        column = 1
      } else {
        column += 1
      }
      i += length
    }
    return .success(String(decoding: bytes, as: UTF8.self))
  }
}
