import Foundation
import SceneScript

/// Every file anonvis writes goes through here, by one rule: a symlink at the target is refused
/// (name the real path), so is anything there that is not a regular file (even with `--force`),
/// and an existing regular file is replaced only with `--force`. A whole file is written to a
/// temporary file beside the target (unpredictable name, `O_CREAT|O_EXCL|O_NOFOLLOW`, mode 0644
/// minus the umask), synced and renamed over the target. A refusal or an I/O error is a
/// ``CLIError`` (the path escaped).
enum OutputFile {
  /// Makes the directory files will be written into (`--frames DIR`, `races --out DIR`), by the
  /// same rule: a symlink there is refused (name the real directory), so is anything that is not a
  /// directory.
  static func directory(_ path: String) throws(CLIError) {
    var info = stat()
    if lstat(path, &info) == 0 {
      switch info.st_mode & S_IFMT {
      case S_IFDIR: return
      case S_IFLNK: throw CLIError.error("\(path) is a symlink; name the real directory to write there")
      default: throw CLIError.error("\(path) exists and is not a directory")
      }
    }
    do {
      try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    } catch {
      throw CLIError.error("cannot create \(path): \(error.localizedDescription)")
    }
  }

  /// Writes `text` to `path` atomically.
  static func write(_ text: String, to path: String, force: Bool) throws(CLIError) {
    try replace(path, with: Array(text.utf8), force: force)
  }

  /// Writes `bytes` to `path` atomically: readers see the old file or the complete new one.
  static func replace(_ path: String, with bytes: [UInt8], force: Bool) throws(CLIError) {
    try check(path, force: force)
    let temp = try createTemporary(beside: path)
    var failed = writeAll(temp.fd, bytes)
    if failed == nil && fsync(temp.fd) != 0 { failed = errno }
    if close(temp.fd) != 0 && failed == nil { failed = errno }
    // rename(2) replaces the directory entry; it never follows a symlink there.
    if failed == nil && rename(temp.path, path) != 0 { failed = errno }
    if let failed {
      unlink(temp.path)
      throw cannotWrite(path, failed)
    }
  }

  /// Creates `path` for a file written as it goes (a live recording) and returns its
  /// descriptor; an existing regular file (with `force`) is replaced by a new empty one.
  static func create(_ path: String, force: Bool) throws(CLIError) -> Int32 {
    guard try check(path, force: force) else {
      let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o644)
      guard fd >= 0 else { throw cannotWrite(path, errno) }
      return fd
    }
    let temp = try createTemporary(beside: path)
    guard rename(temp.path, path) == 0 else {
      let e = errno
      close(temp.fd)
      unlink(temp.path)
      throw cannotWrite(path, e)
    }
    return temp.fd
  }

  /// Applies the rule to what is at `path` now; returns whether a regular file is there.
  @discardableResult
  static func check(_ path: String, force: Bool) throws(CLIError) -> Bool {
    let name = TextSafety.escape(path)
    var info = stat()
    guard lstat(path, &info) == 0 else {
      if errno == ENOENT { return false }
      throw cannotWrite(path, errno)
    }
    switch info.st_mode & S_IFMT {
    case S_IFREG:
      guard force else { throw CLIError(message: "error: \(name) exists; use --force to overwrite it") }
      return true
    case S_IFLNK:
      let to =
        (try? FileManager.default.destinationOfSymbolicLink(atPath: path)).map { " (to \(TextSafety.escape($0)))" }
        ?? ""
      throw CLIError(message: "error: \(name) is a symlink\(to); name the real path to write there")
    case S_IFDIR:
      throw CLIError(message: "error: \(name) is a directory")
    default:
      let what =
        info.st_mode & S_IFMT == S_IFIFO ? "a FIFO" : info.st_mode & S_IFMT == S_IFSOCK ? "a socket" : "a device"
      throw CLIError(
        message: "error: \(name) exists and is not a regular file (\(what)); it is not replaced, even with --force")
    }
  }

  /// Writes all of `bytes` to `fd` (short writes and EINTR retried); returns errno on failure.
  static func writeAll(_ fd: Int32, _ bytes: [UInt8]) -> Int32? {
    var done = 0
    while done < bytes.count {
      let n = bytes.withUnsafeBytes { buffer in
        buffer.baseAddress.map { Foundation.write(fd, $0 + done, buffer.count - done) } ?? -1
      }
      if n > 0 {
        done += n
      } else if n < 0 && errno == EINTR {
        continue
      } else {
        return n < 0 ? errno : EIO
      }
    }
    return nil
  }

  /// The message for an I/O error on `path`.
  static func cannotWrite(_ path: String, _ code: Int32) -> CLIError {
    CLIError(message: "error: cannot write \(TextSafety.escape(path)): \(String(cString: strerror(code)))")
  }

  /// Creates an empty file with an unpredictable name in the directory of `path`.
  private static func createTemporary(beside path: String) throws(CLIError) -> (fd: Int32, path: String) {
    let directory: Substring
    switch path.lastIndex(of: "/") {
    case nil: directory = "."
    case path.startIndex?: directory = "/"
    case let slash?: directory = path[..<slash]
    }
    var random = SystemRandomNumberGenerator()
    for _ in 0..<16 {
      let token = String(random.next(), radix: 36)
      let temp = "\(directory)/.anonvis-\(token).tmp"
      let fd = open(temp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o644)
      if fd >= 0 { return (fd, temp) }
      if errno != EEXIST { throw cannotWrite(path, errno) }
    }
    throw cannotWrite(path, EEXIST)
  }
}
