import Conformance
import Foundation
import StandardStreams

#if canImport(Glibc)
import Glibc
#endif

/// The executor's pid while it runs, for the signal handlers (0 when none).
nonisolated(unsafe) private var runningExecutor: pid_t = 0
/// The signal that stopped `conform` (0 when none).
nonisolated(unsafe) private var stopSignal: Int32 = 0

/// The running `anonvis-conform-exec`: started with pipes, one command a line, one answer a
/// line. SIGINT and SIGTERM tell it to stop (it kills and reaps every scene process) and
/// `conform` then exits with 128 + the signal; if anonvis dies, its PR_SET_PDEATHSIG does the same.
final class ConformExecutor {
  let pid: pid_t
  private let input: Int32
  private let output: Int32
  private var buffer: [UInt8] = []
  /// How long an answer may take (the executor's own limit per step, plus a margin).
  private let answerTimeoutMS: Int32

  /// Where the executor is: next to this binary (`ANONVIS_CONFORM_EXEC` overrides).
  static var path: String? {
    if let p = ProcessInfo.processInfo.environment["ANONVIS_CONFORM_EXEC"] { return p }
    guard let exe = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") else { return nil }
    let candidate = URL(fileURLWithPath: exe).deletingLastPathComponent().appendingPathComponent("anonvis-conform-exec")
    return FileManager.default.isExecutableFile(atPath: candidate.path) ? candidate.path : nil
  }

  init(path: String, stepTimeoutMS: Int) throws {
    var toChild: [Int32] = [0, 0]
    var fromChild: [Int32] = [0, 0]
    guard pipe(&toChild) == 0, pipe(&fromChild) == 0 else {
      throw CLIError.error("conform: cannot make pipes for the executor")
    }
    // Not inherited by anything else anonvis starts (the executor gets them through dup2).
    for fd in toChild + fromChild { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    posix_spawn_file_actions_adddup2(&actions, toChild[0], 0)
    posix_spawn_file_actions_adddup2(&actions, fromChild[1], 1)
    var attributes = posix_spawnattr_t()
    posix_spawnattr_init(&attributes)
    defer { posix_spawnattr_destroy(&attributes) }
    // Its own process group: a ctrl-C at the terminal reaches anonvis, which stops it in order.
    // No signal blocked or ignored from whoever started anonvis (a test runner's thread may block
    // some): the executor must see the SIGTERM that stops it.
    var none = sigset_t()
    sigemptyset(&none)
    var handled = sigset_t()
    sigemptyset(&handled)
    for sig in [SIGINT, SIGTERM, SIGHUP, SIGPIPE] { sigaddset(&handled, sig) }
    posix_spawnattr_setsigmask(&attributes, &none)
    posix_spawnattr_setsigdefault(&attributes, &handled)
    posix_spawnattr_setflags(
      &attributes, Int16(POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
    posix_spawnattr_setpgroup(&attributes, 0)
    let args = [path, "\(getpid())", "\(stepTimeoutMS)"]
    let argv: [UnsafeMutablePointer<CChar>?] = args.map { strdup($0) } + [nil]
    defer { for arg in argv { free(arg) } }
    var child: pid_t = 0
    let status = posix_spawn(&child, path, &actions, &attributes, argv, environ)
    close(toChild[0])
    close(fromChild[1])
    guard status == 0 else {
      close(toChild[1])
      close(fromChild[0])
      throw CLIError.error("conform: cannot start \(path): \(String(cString: strerror(status)))")
    }
    pid = child
    input = toChild[1]
    output = fromChild[0]
    // A safety net only (the executor keeps the step's limit): ksm-scan waits for three scans.
    answerTimeoutMS = Int32(clamping: 4 * stepTimeoutMS + 10_000)
    runningExecutor = child
    let handler: @convention(c) (Int32) -> Void = { sig in
      stopSignal = sig
      if runningExecutor > 0 { kill(runningExecutor, SIGTERM) }
    }
    signal(SIGINT, handler)
    signal(SIGTERM, handler)
    signal(SIGPIPE, SIG_IGN)
    pthread_sigmask(SIG_UNBLOCK, &handled, nil)
  }

  /// After a signal stopped the run (and the executor was stopped): says so and exits 128 + the signal.
  static func exitIfInterrupted(_ executor: ConformExecutor) {
    guard executor.interruptedBy != 0 else { return }
    printError("conform: stopped by signal \(executor.interruptedBy); every scene process was killed")
    Foundation.exit(128 + executor.interruptedBy)
  }

  /// The signal that stopped the run, if one did.
  var interruptedBy: Int32 { stopSignal }

  /// Sends a command and returns the executor's answer line ("ok", "ok PID", "err ...",
  /// "timeout N", "died N"), or nil when it is gone or did not answer in time.
  func send(_ line: String) -> String? {
    let bytes = Array((line + "\n").utf8)
    var sent = 0
    while sent < bytes.count {
      let n = bytes[sent...].withUnsafeBytes { write(input, $0.baseAddress, $0.count) }
      if n < 0 && errno == EINTR { continue }
      guard n > 0 else { return nil }
      sent += n
    }
    return readLine()
  }

  private func readLine() -> String? {
    var chunk = [UInt8](repeating: 0, count: 256)
    while true {
      if let nl = buffer.firstIndex(of: UInt8(ascii: "\n")) {
        let line = String(decoding: buffer[..<nl], as: UTF8.self)
        buffer.removeSubrange(...nl)
        return line
      }
      var p = pollfd(fd: output, events: Int16(POLLIN), revents: 0)
      let k = poll(&p, 1, answerTimeoutMS)
      if k < 0 && errno == EINTR { continue }
      guard k > 0 else { return nil }
      let n = read(output, &chunk, chunk.count)
      if n < 0 && errno == EINTR { continue }
      guard n > 0 else { return nil }
      buffer += chunk[..<n]
    }
  }

  /// Asks the executor to kill and reap every scene process, and reaps the executor. Safe to
  /// call more than once.
  func stop() {
    guard runningExecutor == pid else { return }
    _ = send("quit")
    close(input)
    close(output)
    var status: Int32 = 0
    // It kills and reaps its scene processes, then exits; if it does not, it is killed.
    var waited = 0
    while waitpid(pid, &status, WNOHANG) == 0 {
      if waited >= 100 {
        kill(pid, SIGKILL)
        _ = waitpid(pid, &status, 0)
        break
      }
      usleep(100_000)
      waited += 1
    }
    runningExecutor = 0
  }

  deinit { stop() }
}

/// The thin layer that reads the kernel's facts (root: PFNs, /proc/kpagecount, /proc/kpageflags).
enum KernelFactReader {
  /// The files that need root, for the message when not root.
  static let rootFiles = ["/proc/kpagecount", "/proc/kpageflags", "/proc/PID/pagemap (its PFNs need CAP_SYS_ADMIN)"]

  /// The whole text of a /proc file (their size is 0 until read).
  static func text(_ path: String) -> String? {
    let fd = open(path, O_RDONLY | O_CLOEXEC)
    guard fd >= 0 else { return nil }
    defer { close(fd) }
    var result: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 65536)
    while true {
      let n = read(fd, &chunk, chunk.count)
      if n < 0 && errno == EINTR { continue }
      guard n > 0 else { break }
      result += chunk[..<n]
    }
    return String(decoding: result, as: UTF8.self)
  }

  /// `count` 64-bit words of a file from word `index`.
  static func words(_ fd: Int32, at index: UInt64, count: Int) -> [UInt64]? {
    var words = [UInt64](repeating: 0, count: count)
    let want = count * 8
    let n = words.withUnsafeMutableBytes { pread(fd, $0.baseAddress, want, off_t(index * 8)) }
    return n == want ? words : nil
  }

  /// One process's facts: its maps text, then pagemap for every page of its VMAs in the window,
  /// then kpagecount and kpageflags for every PFN.
  static func process(pid: Int32) throws -> ProcessFacts {
    guard let maps = text("/proc/\(pid)/maps") else {
      throw CLIError.error("conform: cannot read /proc/\(pid)/maps")
    }
    let pagemapFD = open("/proc/\(pid)/pagemap", O_RDONLY | O_CLOEXEC)
    let countFD = open("/proc/kpagecount", O_RDONLY | O_CLOEXEC)
    let flagsFD = open("/proc/kpageflags", O_RDONLY | O_CLOEXEC)
    defer { for fd in [pagemapFD, countFD, flagsFD] where fd >= 0 { close(fd) } }
    guard pagemapFD >= 0, countFD >= 0, flagsFD >= 0 else {
      throw CLIError.error("conform: cannot open /proc/\(pid)/pagemap, /proc/kpagecount or /proc/kpageflags")
    }
    var pagemap: [Int: PagemapEntry] = [:]
    for vma in ProcMaps.parse(maps) {
      let first = ExecutorLayout.address(ofPage: vma.start) / UInt64(ExecutorLayout.pageSize)
      guard let entries = words(pagemapFD, at: first, count: vma.end - vma.start) else {
        throw CLIError.error("conform: cannot read /proc/\(pid)/pagemap")
      }
      for (i, raw) in entries.enumerated() { pagemap[vma.start + i] = PagemapEntry(raw) }
    }
    var pages: [UInt64: KernelPage] = [:]
    for entry in pagemap.values where entry.present && !entry.swapped && pages[entry.pfn] == nil {
      guard let count = words(countFD, at: entry.pfn, count: 1), let flags = words(flagsFD, at: entry.pfn, count: 1)
      else { throw CLIError.error("conform: cannot read /proc/kpagecount or /proc/kpageflags") }
      pages[entry.pfn] = KernelPage(count: count[0], flags: KPageFlags(flags[0]))
    }
    return ProcessFacts.kernel(maps: maps, pagemap: pagemap, pages: pages)
  }
}
