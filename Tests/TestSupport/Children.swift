import Foundation
import Testing

// Child processes and waits that hold no thread of Swift's cooperative pool.
//
// Swift Testing runs the tests on the cooperative pool, one thread a core. A test blocked in
// `Process.waitUntilExit` or `waitpid` holds its thread for as long as its child runs, so on a
// 2-core machine two end-to-end tests waiting for their children left both cores to the children
// and the test process idle. The waits below suspend the test instead: its thread runs other tests
// meanwhile.

/// At most `limit` children of `runChild` run at once: beyond that a test waits (suspended) for a
/// slot, so the end-to-end tests that no longer block the pool do not start hundreds of children
/// at once. One a core: with the test process's own threads beside them, both cores stay busy.
public actor ChildSlots {
  public static let shared = ChildSlots(limit: max(2, ProcessInfo.processInfo.activeProcessorCount))
  private let limit: Int
  private var running = 0
  private var waiting: [CheckedContinuation<Void, Never>] = []

  public init(limit: Int) { self.limit = limit }

  public func acquire() async {
    if running < limit {
      running += 1
      return
    }
    await withCheckedContinuation { waiting.append($0) }
  }

  /// Hands the slot to the first waiter, if any (it then counts as running).
  public func release() {
    if waiting.isEmpty {
      running -= 1
    } else {
      waiting.removeFirst().resume()
    }
  }
}

/// Runs a program to its exit (stdin from /dev/null, stdout and stderr to the given handles) and
/// returns its exit status; the test is suspended, not blocked, while the child runs.
public func runChild(
  _ path: String, _ arguments: [String], in directory: URL, stdout: FileHandle, stderr: FileHandle
) async throws -> Int32 {
  let p = Process()
  p.executableURL = URL(fileURLWithPath: path)
  p.arguments = arguments
  p.currentDirectoryURL = directory
  p.standardOutput = stdout
  p.standardError = stderr
  p.standardInput = FileHandle.nullDevice
  await ChildSlots.shared.acquire()
  do {
    let status = try await start(p).value
    await ChildSlots.shared.release()
    return status
  } catch {
    await ChildSlots.shared.release()
    throw error
  }
}

/// Starts the (configured) process; the task it returns ends with the process's exit status, which
/// Foundation hands to the termination handler once it has reaped the child. Awaiting it suspends
/// the test instead of blocking a thread as `waitUntilExit` does.
public func start(_ process: Process) throws -> Task<Int32, Never> {
  let (exits, exit) = AsyncStream.makeStream(of: Int32.self)
  process.terminationHandler = {
    exit.yield($0.terminationStatus)
    exit.finish()
  }
  try process.run()
  return Task {
    for await status in exits { return status }
    return -1
  }
}

/// Polls `observe` until `done` holds of what it saw. The deadline is on progress, not on the
/// whole wait: it fails (records an issue) only when what it saw stayed the same for `idle`
/// seconds, and the poll that finds that began after the deadline, so a test that was not
/// scheduled for a while (a busy machine) always looks once more before it fails.
@discardableResult
public func pollWhileProgressing<State: Equatable>(
  _ what: String, idle: Double = 60, every: Duration = .milliseconds(20),
  sourceLocation: Testing.SourceLocation = #_sourceLocation,
  observe: () async throws -> State, until done: (State) -> Bool, describe: (State) -> String = { "\($0)" }
) async rethrows -> State {
  var last: State?
  var moved = ContinuousClock.now
  while true {
    let polled = ContinuousClock.now
    let now = try await observe()
    if done(now) { return now }
    if now != last {
      last = now
      moved = polled
    } else if moved.duration(to: polled) >= .seconds(idle) {
      Issue.record(
        "nothing moved for \(Int(idle)) s while waiting for \(what); last seen:\n\(describe(now))",
        sourceLocation: sourceLocation)
      return now
    }
    try? await Task.sleep(for: every)
  }
}

/// Runs a command (found on PATH) with stdout to a file and suspends until it exits.
public func spawnAndWait(_ argv: [String], stdout path: String) async -> Int32 {
  guard let pid = spawn(argv, stdout: path) else { return -1 }
  // waitpid blocks: on a thread of its own, never on one of the pool's.
  return await withCheckedContinuation { (done: CheckedContinuation<Int32, Never>) in
    Thread.detachNewThread { done.resume(returning: reap(pid)) }
  }
}

/// `spawnAndWait` for where a test cannot suspend (a `defer`, a `deinit`): blocks its thread.
public func spawnAndWaitBlocking(_ argv: [String], stdout path: String) -> Int32 {
  guard let pid = spawn(argv, stdout: path) else { return -1 }
  return reap(pid)
}

private func reap(_ pid: pid_t) -> Int32 {
  var status: Int32 = 0
  while waitpid(pid, &status, 0) == -1 && errno == EINTR {}
  return (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
}

private func spawn(_ argv: [String], stdout path: String) -> pid_t? {
  var actions = posix_spawn_file_actions_t()
  posix_spawn_file_actions_init(&actions)
  defer { posix_spawn_file_actions_destroy(&actions) }
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
  posix_spawn_file_actions_addopen(&actions, 1, path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
  posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
  var cArgs: [UnsafeMutablePointer<CChar>?] = argv.map { strdup($0) } + [nil]
  defer { for p in cArgs { free(p) } }
  var pid: pid_t = 0
  let env: [UnsafeMutablePointer<CChar>?] = [strdup("PATH=/usr/bin:/bin:/usr/sbin:/sbin"), nil]
  defer { for p in env { free(p) } }
  // Test runner threads block signals; the spawned tmux server (and so the shell and anonvis)
  // must start with none blocked and default dispositions, as in a person's terminal.
  var attr = posix_spawnattr_t()
  posix_spawnattr_init(&attr)
  defer { posix_spawnattr_destroy(&attr) }
  var empty = sigset_t()
  sigemptyset(&empty)
  posix_spawnattr_setsigmask(&attr, &empty)
  var defaults = sigset_t()
  sigemptyset(&defaults)
  for sig in [SIGINT, SIGTERM, SIGHUP, SIGWINCH, SIGTSTP, SIGCONT, SIGPIPE, SIGCHLD] { sigaddset(&defaults, sig) }
  posix_spawnattr_setsigdefault(&attr, &defaults)
  posix_spawnattr_setflags(&attr, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
  guard posix_spawnp(&pid, argv[0], &actions, &attr, &cArgs, env) == 0 else { return nil }
  return pid
}

/// A directory of its own under the temporary directory for one test, removed by the test:
/// `let scratch = try Scratch("anonvis-e2e"); defer { scratch.remove() }`.
public struct Scratch: Sendable {
  public let url: URL
  public var path: String { url.path }

  public init(_ prefix: String) throws {
    url = FileManager.default.temporaryDirectory.appendingPathComponent("\(prefix)-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
  }

  /// A path in the directory (the file is not created).
  public func file(_ name: String) -> String { url.appendingPathComponent(name).path }

  /// Writes text to a file in the directory and returns its path.
  public func write(_ text: String, to name: String) throws -> String {
    let file = url.appendingPathComponent(name)
    try Data(text.utf8).write(to: file)
    return file.path
  }

  public func remove() { try? FileManager.default.removeItem(at: url) }
}

/// What one test made that must not outlive it: temporary directories and tmux servers. The
/// `.cleansUp` trait gives each test case its own and removes everything in it when the test
/// case ends, passed or failed (a `defer` around the test).
public final class Leftovers: @unchecked Sendable {
  @TaskLocal public static var current: Leftovers?
  private let lock = NSLock()
  private var cleanups: [@Sendable () -> Void] = []

  public init() {}

  /// Registers work for the end of the test (run last registered first). Outside a test with the
  /// trait it records an issue: the test would leave the thing behind.
  public static func atEnd(
    _ what: String, sourceLocation: Testing.SourceLocation = #_sourceLocation, _ cleanup: @escaping @Sendable () -> Void
  ) {
    guard let current else {
      Issue.record("\(what) made outside a .cleansUp test would be left behind", sourceLocation: sourceLocation)
      return
    }
    current.lock.withLock { current.cleanups.append(cleanup) }
  }

  /// A fresh directory under the temporary directory, removed when the test ends.
  public static func directory(
    _ prefix: String, sourceLocation: Testing.SourceLocation = #_sourceLocation
  ) throws -> URL {
    let scratch = try Scratch(prefix)
    atEnd("the directory \(scratch.path)", sourceLocation: sourceLocation) { scratch.remove() }
    return scratch.url
  }

  func clean() {
    let all = lock.withLock {
      defer { cleanups = [] }
      return cleanups
    }
    for cleanup in all.reversed() { cleanup() }
  }
}

/// Each test case of the suite (or the test) cleans up what it made (`Leftovers`), failing or not.
public struct CleansUp: SuiteTrait, TestTrait, TestScoping {
  public var isRecursive: Bool { true }

  public func scopeProvider(for test: Test, testCase: Test.Case?) -> Self? { testCase == nil ? nil : self }

  public func provideScope(
    for test: Test, testCase: Test.Case?, performing function: @Sendable () async throws -> Void
  ) async throws {
    let leftovers = Leftovers()
    defer { leftovers.clean() }
    try await Leftovers.$current.withValue(leftovers) { try await function() }
  }
}

extension Trait where Self == CleansUp {
  /// Every test case removes the temporary directories and tmux servers it made when it ends.
  public static var cleansUp: Self { CleansUp() }
}
