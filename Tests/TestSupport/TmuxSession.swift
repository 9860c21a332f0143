import Foundation
import Testing

/// A tmux server on a private socket running a shell, driven like a person at a terminal.
public final class TmuxSession {
  public let socket = "anonvis-test-\(UUID().uuidString.prefix(8))"
  public let dir: URL

  /// Starts the server and waits for its shell. The server and the session's directory go when
  /// the test ends, passed or failed (the suite's `.cleansUp` trait), or when the session does.
  public init(width: Int = 100, height: Int = 30) async throws {
    dir = FileManager.default.temporaryDirectory.appendingPathComponent(socket)
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    let (socket, dir) = (socket, dir)
    Leftovers.atEnd("the tmux server \(socket)") { Self.close(socket: socket, dir: dir) }
    // A clean environment, but sanitizer options pass through (CI runs the suite under ASan).
    let asan = ProcessInfo.processInfo.environment["ASAN_OPTIONS"].map { " ASAN_OPTIONS=\($0)" } ?? ""
    try await tmux([
      "new-session", "-d", "-x", "\(width)", "-y", "\(height)",
      "env -i PATH=/usr/bin:/bin HOME=\(dir.path) TERM=xterm-256color LANG=C.UTF-8\(asan) bash --norc --noprofile",
    ])
    try await waitFor { _ in true }
  }

  /// Kills the server (and so the shell and whatever it runs) and removes the session's directory.
  private static func close(socket: String, dir: URL) {
    guard FileManager.default.fileExists(atPath: dir.path) else { return }
    _ = spawnAndWaitBlocking(["tmux", "-L", socket, "kill-server"], stdout: "/dev/null")
    // The server's socket can outlive it (it was left under /tmp/tmux-UID by earlier runs).
    unlink("/tmp/tmux-\(getuid())/\(socket)")
    try? FileManager.default.removeItem(at: dir)
  }

  deinit { Self.close(socket: socket, dir: dir) }

  @discardableResult
  public func tmux(_ args: [String]) async throws -> String {
    // Foundation's Process notices a child's exit through an inherited socket, which the tmux
    // server (forked from the client) would keep open forever: spawn and reap by hand.
    let file = dir.appendingPathComponent("out-\(UUID().uuidString.prefix(8))").path
    let status = await spawnAndWait(["tmux", "-L", socket] + args, stdout: file)
    let text = (try? String(contentsOfFile: file, encoding: .utf8)) ?? ""
    try? FileManager.default.removeItem(atPath: file)
    if status != 0, args.first != "kill-server" { Issue.record("tmux \(args) exited \(status)") }
    return text
  }

  public func type(_ text: String) async throws { try await tmux(["send-keys", "-t", "0", "-l", text]) }
  /// Sends a signal to the anonvis process running in the pane's shell.
  public func signalAnonvis(_ signal: String, sourceLocation: Testing.SourceLocation = #_sourceLocation) async throws {
    let shellPID = try await tmux(["list-panes", "-F", "#{pane_pid}"]).trimmingCharacters(in: .whitespacesAndNewlines)
    let pidFile = dir.appendingPathComponent("pid").path
    _ = await spawnAndWait(["pgrep", "-P", shellPID, "anonvis"], stdout: pidFile)
    let pid =
      ((try? String(contentsOfFile: pidFile, encoding: .utf8)) ?? "").split(separator: "\n").first.map(String.init)
      ?? ""
    #expect(!pid.isEmpty, sourceLocation: sourceLocation)
    let killed = await spawnAndWait(["kill", "-\(signal)", pid], stdout: "/dev/null")
    #expect(killed == 0, sourceLocation: sourceLocation)
  }

  /// After a killed full-screen program the shell's terminal may be raw: reset it.
  public func resetTerminal() async { try? await type("stty sane\n") }
  public func keys(_ keys: String...) async throws { try await tmux(["send-keys", "-t", "0"] + keys) }
  public func screen() async throws -> String { try await tmux(["capture-pane", "-p", "-t", "0"]) }

  /// How long the screen may stay the same before a wait fails. Every wait is a deadline on
  /// progress (nothing on the screen moved for this long), never a budget for the whole job,
  /// which a slow or busy machine (CI under AddressSanitizer, a test not scheduled for a while)
  /// may need; the poll that fails began after the deadline.
  public static let idle: Double = 60

  /// Polls the screen until the condition holds, for as long as the screen keeps changing (fails
  /// when nothing moved for `idle` seconds; no fixed sleeps).
  @discardableResult
  public func waitFor(
    _ what: String = "condition", idle: Double = TmuxSession.idle,
    sourceLocation: Testing.SourceLocation = #_sourceLocation, _ condition: (String) -> Bool
  ) async throws -> String {
    await pollWhileProgressing(
      what, idle: idle, sourceLocation: sourceLocation, observe: { (try? await screen()) ?? "" }, until: condition,
      describe: { "screen:\n\($0)" })
  }

  /// `waitFor` under the name the long waits use (a progress line that keeps moving).
  @discardableResult
  public func waitWhileProgressing(
    _ what: String, idle: Double = TmuxSession.idle, sourceLocation: Testing.SourceLocation = #_sourceLocation,
    _ condition: (String) -> Bool
  ) async throws -> String {
    try await waitFor(what, idle: idle, sourceLocation: sourceLocation, condition)
  }

  public func waitFor(text: String, sourceLocation: Testing.SourceLocation = #_sourceLocation) async throws {
    try await waitFor("'\(text)'", sourceLocation: sourceLocation) { $0.contains(text) }
  }

  /// `stty -a` of the shell's terminal, written to a file by the shell itself.
  public func stty() async throws -> String {
    let file = dir.appendingPathComponent("stty-\(UUID().uuidString.prefix(6)).txt")
    try await type("stty -a > \(file.path); echo STTY-DONE\n")
    try await waitFor(text: "STTY-DONE\n")
    return await sttyFile(file)
  }
}

/// The file a shell wrote `stty -a` to (complete once the shell echoed after it; polled for as
/// long as it grows, in case the write is seen late).
func sttyFile(_ file: URL) async -> String {
  await pollWhileProgressing(
    "the stty file", observe: { (try? String(contentsOf: file, encoding: .utf8)) ?? "" },
    until: { $0.contains("echo") })
}

/// Whether tmux is installed (the tmux suites are skipped without it).
public let tmuxAvailable = FileManager.default.isExecutableFile(atPath: "/usr/bin/tmux")
