import AppCore
import Foundation

/// The Unix-domain sockets of `anonvis present`: where they live, and the few system calls
/// around them. A lecture's socket is owner-only (0600) in a directory only its user can enter
/// (`$XDG_RUNTIME_DIR/anonvis`, else `/tmp/anonvis-UID`, 0700), and both ends check that the
/// other runs as the same user (`SO_PEERCRED`).
enum LectureSocket {
  /// The directory of this user's lectures, created 0700 if missing; refused when it is not a
  /// directory of this user's with no access for others (a symlink or another user's planted
  /// directory under /tmp).
  static func directory(create: Bool) throws(CLIError) -> String {
    let env = ProcessInfo.processInfo.environment
    let base =
      env["XDG_RUNTIME_DIR"].flatMap { $0.hasPrefix("/") ? $0 + "/anonvis" : nil } ?? "/tmp/anonvis-\(getuid())"
    if create, mkdir(base, 0o700) != 0, errno != EEXIST {
      throw CLIError.error("cannot create \(base): \(String(cString: strerror(errno)))")
    }
    var st = stat()
    guard lstat(base, &st) == 0 else { throw CLIError.error("no lecture is running (no \(base))") }
    guard st.st_mode & S_IFMT == S_IFDIR, st.st_uid == getuid(), st.st_mode & 0o077 == 0 else {
      throw CLIError.error("\(base) is not a private directory of this user's; refusing to use it")
    }
    return base
  }

  /// The socket of the lecture this process runs: one per process, named after the scene.
  static func path(scene: String) throws(CLIError) -> String {
    let name = String(
      baseName(scene).replacingOccurrences(of: ".scene", with: "").unicodeScalars.map {
        CharacterSet.alphanumerics.contains($0) && $0.isASCII || $0 == "-" || $0 == "_" ? Character($0) : "_"
      }.prefix(40))
    return try directory(create: true) + "/lecture-\(getpid())-\(name).sock"
  }

  /// The lectures that answer, for `--attach` without a path. The socket of a lecture whose
  /// process died without removing it (SIGKILL) refuses connections: it is removed.
  static func running() throws(CLIError) -> [String] {
    let dir = try directory(create: false)
    let names = (try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []
    return names.filter { $0.hasPrefix("lecture-") && $0.hasSuffix(".sock") }.sorted().map { dir + "/" + $0 }
      .filter { path in
        guard let addr = try? address(path) else { return false }
        let (fd, code) = open(addr)
        if code == ECONNREFUSED { unlink(path) }
        guard fd >= 0 else { return false }
        close(fd)
        return true
      }
  }

  static func address(_ path: String) throws(CLIError) -> sockaddr_un {
    var addr = sockaddr_un()
    addr.sun_family = sa_family_t(AF_UNIX)
    let bytes = Array(path.utf8)
    let room = MemoryLayout.size(ofValue: addr.sun_path)
    guard bytes.count < room else { throw CLIError.error("socket path too long: \(path)") }
    withUnsafeMutableBytes(of: &addr.sun_path) { raw in
      for (i, b) in bytes.enumerated() { raw[i] = b }
    }
    return addr
  }

  /// A listening socket at `path`, 0600, non-blocking.
  static func listen(_ path: String) throws(CLIError) -> Int32 {
    var addr = try address(path)
    let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
    guard fd >= 0 else { throw CLIError.error("socket: \(String(cString: strerror(errno)))") }
    unlink(path)
    // Created 0600: no moment at which another user could connect.
    let old = umask(0o177)
    let bound = withUnsafePointer(to: &addr) {
      $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
    }
    umask(old)
    guard bound == 0, Glibc.listen(fd, 8) == 0 else {
      let message = String(cString: strerror(errno))
      close(fd)
      throw CLIError.error("cannot listen on \(path): \(message)")
    }
    chmod(path, 0o600)
    _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
    return fd
  }

  /// A connected socket, or -1 and the error.
  static func open(_ address: sockaddr_un) -> (fd: Int32, error: Int32) {
    var addr = address
    let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
    guard fd >= 0 else { return (-1, errno) }
    let ok = withUnsafePointer(to: &addr) {
      $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
        Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
      }
    }
    guard ok == 0 else {
      let code = errno
      close(fd)
      return (-1, code)
    }
    return (fd, 0)
  }

  /// A connection to the lecture at `path`, checked to be run by this user.
  static func connect(_ path: String) throws(CLIError) -> Int32 {
    let (fd, code) = open(try address(path))
    guard fd >= 0 else { throw CLIError.error("cannot attach to \(path): \(String(cString: strerror(code)))") }
    guard peerUID(fd) == getuid() else {
      close(fd)
      throw CLIError.error("\(path) is served by another user; refusing it")
    }
    return fd
  }

  /// The user id of the process at the other end (`SO_PEERCRED`), nil if unknown.
  static func peerUID(_ fd: Int32) -> uid_t? {
    // struct ucred: pid_t pid, uid_t uid, gid_t gid.
    var cred: (Int32, UInt32, UInt32) = (0, 0, 0)
    var len = socklen_t(MemoryLayout.size(ofValue: cred))
    guard getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) == 0 else { return nil }
    return cred.1
  }

  /// Sends all of `bytes` (never raising SIGPIPE); false when the peer is gone.
  static func sendAll(_ fd: Int32, _ bytes: [UInt8]) -> Bool {
    var sent = 0
    while sent < bytes.count {
      let n = bytes[sent...].withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
      if n < 0, errno == EINTR { continue }
      guard n > 0 else { return false }
      sent += n
    }
    return true
  }

  /// Reads what is waiting (up to 64 KiB); nil at the end of the stream or on an error.
  static func receive(_ fd: Int32) -> [UInt8]? {
    var buffer = [UInt8](repeating: 0, count: 65536)
    while true {
      let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, Int32(MSG_DONTWAIT)) }
      if n < 0, errno == EINTR { continue }
      if n < 0, errno == EAGAIN || errno == EWOULDBLOCK { return [] }
      guard n > 0 else { return nil }
      return Array(buffer.prefix(n))
    }
  }

  /// Waits up to `milliseconds` for any of `fds` to be readable; the readable ones.
  static func poll(_ fds: [Int32], milliseconds: Int) -> Set<Int32> {
    var set = fds.map { pollfd(fd: $0, events: Int16(POLLIN), revents: 0) }
    let n = Glibc.poll(&set, nfds_t(set.count), Int32(milliseconds))
    guard n > 0 else { return [] }
    return Set(set.filter { $0.revents != 0 }.map(\.fd))
  }
}
