import Foundation
import TestSupport
import Testing

@Suite(
  "Colours in a real terminal (tmux): the cells' colours as tmux holds them", .cleansUp, .enabled(if: tmuxAvailable),
  .serialized)
struct ColorTmuxTests {
  /// What the frame's cells are drawn with, read from `capture-pane -e`: the 256-colour
  /// foregrounds (`38;5;n`), whether any cell is faint (SGR 2), whether any has a colour at all.
  struct Seen {
    var indexed: Set<Int> = []
    var faint = false
    var colored = false
  }

  /// Runs `play` on E2 at step 2 in the matrix view (its hints and the `·` of no link are dim)
  /// under `env`, and reads the pane's cells.
  static func cells(env: String) async throws -> Seen {
    let binary = try #require(anonvisBinary)
    let t = try await TmuxSession(width: 120, height: 40)
    try await t.type(
      "\(env) \(binary.path) play --view matrix \(repoRoot.path)/scenes/e2-fork-cow.scene; echo EXIT=$?\n")
    try await t.waitFor(text: "step 0/11")
    try await t.keys("Right", "Right")
    try await t.waitFor(text: "step 2/11")
    let captured = try await t.tmux(["capture-pane", "-e", "-p", "-t", "0"])
    try await t.keys("q")
    try await t.waitFor(text: "EXIT=0")
    var seen = Seen()
    let sgr = try Regex("\u{1b}\\[([0-9;]*)m")
    for match in captured.matches(of: sgr) {
      var params = match.output[1].substring.map { $0.split(separator: ";").compactMap { Int($0) } } ?? []
      while !params.isEmpty {
        let p = params.removeFirst()
        switch p {
        case 38, 48:
          guard params.count >= 2, params[0] == 5 else { break }
          if p == 38 { seen.indexed.insert(params[1]) }
          seen.colored = true
          params.removeFirst(2)
        case 2: seen.faint = true
        case 30...37, 40...47, 90...97, 100...107: seen.colored = true
        default: break
        }
      }
    }
    return seen
  }

  @Test("TERM=tmux-256color: dim text is grey 243 and nothing is faint")
  func colors256() async throws {
    let seen = try await Self.cells(env: "TERM=tmux-256color")
    #expect(seen.indexed.contains(243), "\(seen)")
    #expect(!seen.faint, "\(seen)")
  }

  @Test("TERM=screen-256color: the same grey")
  func screen256() async throws {
    let seen = try await Self.cells(env: "TERM=screen-256color")
    #expect(seen.indexed == [243], "\(seen)")
    #expect(!seen.faint, "\(seen)")
  }

  @Test("TERM=xterm (8 colours): dim text is faint, and no 256-colour grey is sent")
  func colors8() async throws {
    let seen = try await Self.cells(env: "TERM=xterm")
    #expect(seen.faint && seen.colored, "\(seen)")
    #expect(seen.indexed.isEmpty, "\(seen)")
  }

  @Test("NO_COLOR on a 256-colour terminal: no colour at all, dim text faint")
  func noColor() async throws {
    let seen = try await Self.cells(env: "NO_COLOR=1 TERM=tmux-256color")
    #expect(seen.faint, "\(seen)")
    #expect(!seen.colored, "\(seen)")
  }
}
