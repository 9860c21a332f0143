import Foundation
import Testing

/// A second terminal in the same private tmux server: `present`'s presenter or follower next to
/// the audience (window 0, which the session's own helpers drive).
extension TmuxSession {
  /// Opens window `index` running a clean shell like window 0's, without switching to it.
  public func openWindow(_ index: Int) async throws {
    try await tmux([
      "new-window", "-d", "-t", "0:\(index)",
      "env -i PATH=/usr/bin:/bin HOME=\(dir.path) TERM=xterm-256color LANG=C.UTF-8 bash --norc --noprofile",
    ])
  }

  public func type(_ text: String, window: Int) async throws {
    try await tmux(["send-keys", "-t", "0:\(window)", "-l", text])
  }
  public func keys(_ keys: String..., window: Int) async throws {
    try await tmux(["send-keys", "-t", "0:\(window)"] + keys)
  }
  public func screen(window: Int) async throws -> String {
    try await tmux(["capture-pane", "-p", "-t", "0:\(window)"])
  }

  /// Polls a window's screen until the condition holds, for as long as the screen keeps changing
  /// (fails when nothing moved for `idle` seconds, as `waitFor` does; no fixed sleeps).
  @discardableResult
  public func waitFor(
    _ what: String, window: Int, idle: Double = TmuxSession.idle,
    sourceLocation: Testing.SourceLocation = #_sourceLocation, _ condition: (String) -> Bool
  ) async throws -> String {
    await pollWhileProgressing(
      "\(what) in window \(window)", idle: idle, sourceLocation: sourceLocation,
      observe: { (try? await screen(window: window)) ?? "" }, until: condition, describe: { "screen:\n\($0)" })
  }

  /// The pid of the program the window's shell runs (by its name), or nil.
  public func childPID(window: Int, named name: String) async throws -> String? {
    let shell = try await tmux(["list-panes", "-t", "0:\(window)", "-F", "#{pane_pid}"])
      .trimmingCharacters(in: .whitespacesAndNewlines)
    let file = dir.appendingPathComponent("pid-\(UUID().uuidString.prefix(6))").path
    _ = await spawnAndWait(["pgrep", "-P", shell, name], stdout: file)
    defer { try? FileManager.default.removeItem(atPath: file) }
    return ((try? String(contentsOfFile: file, encoding: .utf8)) ?? "").split(separator: "\n").first.map(String.init)
  }

  /// `stty -a` of a window's terminal, written to a file by its shell.
  public func stty(window: Int) async throws -> String {
    let file = dir.appendingPathComponent("stty-\(UUID().uuidString.prefix(6)).txt")
    try await type("stty -a > \(file.path); echo STTY-DONE\n", window: window)
    try await waitFor("stty", window: window) { $0.contains("STTY-DONE\n") }
    return await sttyFile(file)
  }
}
