import Foundation
import Testing

/// A second terminal in the same private tmux server: `present`'s presenter or follower next to
/// the audience (window 0, which the session's own helpers drive).
extension TmuxSession {
  /// Opens window `index` running a clean shell like window 0's, without switching to it.
  public func openWindow(_ index: Int) throws {
    try tmux([
      "new-window", "-d", "-t", "0:\(index)",
      "env -i PATH=/usr/bin:/bin HOME=\(dir.path) TERM=xterm-256color LANG=C.UTF-8 bash --norc --noprofile",
    ])
  }

  public func type(_ text: String, window: Int) throws { try tmux(["send-keys", "-t", "0:\(window)", "-l", text]) }
  public func keys(_ keys: String..., window: Int) throws { try tmux(["send-keys", "-t", "0:\(window)"] + keys) }
  public func screen(window: Int) throws -> String { try tmux(["capture-pane", "-p", "-t", "0:\(window)"]) }

  /// Polls a window's screen until the condition holds (deadline `seconds`, polled, no sleeps).
  @discardableResult
  public func waitFor(
    _ what: String, window: Int, seconds: Double = 10, sourceLocation: Testing.SourceLocation = #_sourceLocation,
    _ condition: (String) -> Bool
  ) throws -> String {
    let deadline = Date().addingTimeInterval(seconds)
    var last = ""
    while Date() < deadline {
      last = (try? screen(window: window)) ?? ""
      if condition(last) { return last }
      usleep(20_000)
    }
    Issue.record("timed out waiting for \(what) in window \(window); screen:\n\(last)", sourceLocation: sourceLocation)
    return last
  }

  /// The pid of the program the window's shell runs (by its name), or nil.
  public func childPID(window: Int, named name: String) throws -> String? {
    let shell = try tmux(["list-panes", "-t", "0:\(window)", "-F", "#{pane_pid}"])
      .trimmingCharacters(in: .whitespacesAndNewlines)
    let file = dir.appendingPathComponent("pid-\(UUID().uuidString.prefix(6))").path
    _ = spawnAndWait(["pgrep", "-P", shell, name], stdout: file)
    defer { try? FileManager.default.removeItem(atPath: file) }
    return ((try? String(contentsOfFile: file, encoding: .utf8)) ?? "").split(separator: "\n").first.map(String.init)
  }

  /// `stty -a` of a window's terminal, written to a file by its shell.
  public func stty(window: Int) throws -> String {
    let file = dir.appendingPathComponent("stty-\(UUID().uuidString.prefix(6)).txt")
    try type("stty -a > \(file.path); echo STTY-DONE\n", window: window)
    try waitFor("stty", window: window) { $0.contains("STTY-DONE\n") }
    let deadline = Date().addingTimeInterval(5)
    while Date() < deadline {
      if let s = try? String(contentsOf: file, encoding: .utf8), s.contains("echo") { return s }
      usleep(20_000)
    }
    return ""
  }
}
