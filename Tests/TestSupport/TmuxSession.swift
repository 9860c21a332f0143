import Foundation
import Testing

/// A tmux server on a private socket running a shell, driven like a person at a terminal.
public final class TmuxSession {
  public let socket = "anonvis-test-\(UUID().uuidString.prefix(8))"
  public let dir: URL

  public init(width: Int = 100, height: Int = 30) throws {
    dir = FileManager.default.temporaryDirectory.appendingPathComponent(socket)
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    // A clean environment, but sanitizer options pass through (CI runs the suite under ASan).
    let asan = ProcessInfo.processInfo.environment["ASAN_OPTIONS"].map { " ASAN_OPTIONS=\($0)" } ?? ""
    try tmux([
      "new-session", "-d", "-x", "\(width)", "-y", "\(height)",
      "env -i PATH=/usr/bin:/bin HOME=\(dir.path) TERM=xterm-256color LANG=C.UTF-8\(asan) bash --norc --noprofile",
    ])
    try waitFor { _ in true }
  }

  deinit { _ = try? tmux(["kill-server"]) }

  @discardableResult
  public func tmux(_ args: [String]) throws -> String {
    // Foundation's Process notices a child's exit through an inherited socket, which the tmux
    // server (forked from the client) would keep open forever: spawn and reap by hand.
    let file = dir.appendingPathComponent("out-\(UUID().uuidString.prefix(8))").path
    let status = spawnAndWait(["tmux", "-L", socket] + args, stdout: file)
    let text = (try? String(contentsOfFile: file, encoding: .utf8)) ?? ""
    try? FileManager.default.removeItem(atPath: file)
    if status != 0, args.first != "kill-server" { Issue.record("tmux \(args) exited \(status)") }
    return text
  }

  public func type(_ text: String) throws { try tmux(["send-keys", "-t", "0", "-l", text]) }
  /// Sends a signal to the anonvis process running in the pane's shell.
  public func signalAnonvis(_ signal: String, sourceLocation: Testing.SourceLocation = #_sourceLocation) throws {
    let shellPID = try tmux(["list-panes", "-F", "#{pane_pid}"]).trimmingCharacters(in: .whitespacesAndNewlines)
    let pidFile = dir.appendingPathComponent("pid").path
    _ = spawnAndWait(["pgrep", "-P", shellPID, "anonvis"], stdout: pidFile)
    let pid =
      ((try? String(contentsOfFile: pidFile, encoding: .utf8)) ?? "").split(separator: "\n").first.map(String.init)
      ?? ""
    #expect(!pid.isEmpty, sourceLocation: sourceLocation)
    #expect(spawnAndWait(["kill", "-\(signal)", pid], stdout: "/dev/null") == 0, sourceLocation: sourceLocation)
  }

  /// After a killed full-screen program the shell's terminal may be raw: reset it.
  public func resetTerminal() { try? type("stty sane\n") }
  public func keys(_ keys: String...) throws { try tmux(["send-keys", "-t", "0"] + keys) }
  public func screen() throws -> String { try tmux(["capture-pane", "-p", "-t", "0"]) }

  /// Polls the screen until the condition holds (deadline 10 s unless told; no fixed sleeps).
  @discardableResult
  public func waitFor(
    _ what: String = "condition", seconds: Double = 10, sourceLocation: Testing.SourceLocation = #_sourceLocation,
    _ condition: (String) -> Bool
  ) throws -> String {
    let deadline = Date().addingTimeInterval(seconds)
    var last = ""
    while Date() < deadline {
      last = (try? screen()) ?? ""
      if condition(last) { return last }
      usleep(20_000)
    }
    Issue.record("timed out waiting for \(what); screen:\n\(last)", sourceLocation: sourceLocation)
    return last
  }

  /// Polls the screen until the condition holds, for as long as the screen keeps changing: a
  /// deadline on progress (fails when nothing moved for `idle` seconds), not a budget for the
  /// whole job, which a slow or busy machine (CI under AddressSanitizer) may need.
  @discardableResult
  public func waitWhileProgressing(
    _ what: String, idle: Double = 60, sourceLocation: Testing.SourceLocation = #_sourceLocation,
    _ condition: (String) -> Bool
  ) throws -> String {
    var last = ""
    var moved = Date()
    while Date().timeIntervalSince(moved) < idle {
      let now = (try? screen()) ?? ""
      if condition(now) { return now }
      if now != last {
        last = now
        moved = Date()
      }
      usleep(50_000)
    }
    Issue.record(
      "nothing moved for \(Int(idle)) s while waiting for \(what); screen:\n\(last)", sourceLocation: sourceLocation)
    return last
  }

  public func waitFor(text: String, sourceLocation: Testing.SourceLocation = #_sourceLocation) throws {
    try waitFor("'\(text)'", sourceLocation: sourceLocation) { $0.contains(text) }
  }

  /// `stty -a` of the shell's terminal, written to a file by the shell itself.
  public func stty() throws -> String {
    let file = dir.appendingPathComponent("stty-\(UUID().uuidString.prefix(6)).txt")
    try type("stty -a > \(file.path); echo STTY-DONE\n")
    try waitFor(text: "STTY-DONE\n")
    let deadline = Date().addingTimeInterval(5)
    while Date() < deadline {
      if let s = try? String(contentsOf: file, encoding: .utf8), s.contains("echo") { return s }
      usleep(20_000)
    }
    return ""
  }
}

/// Whether tmux is installed (the tmux suites are skipped without it).
public let tmuxAvailable = FileManager.default.isExecutableFile(atPath: "/usr/bin/tmux")

/// Runs a command (found on PATH) with stdout to a file and waits for it with waitpid.
public func spawnAndWait(_ argv: [String], stdout path: String) -> Int32 {
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
  guard posix_spawnp(&pid, argv[0], &actions, &attr, &cArgs, env) == 0 else { return -1 }
  var status: Int32 = 0
  while waitpid(pid, &status, 0) == -1 && errno == EINTR {}
  return (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
}
