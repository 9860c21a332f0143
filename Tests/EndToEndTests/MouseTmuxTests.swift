import Foundation
import TestSupport
import Testing

/// The bytes an xterm-compatible terminal sends for a press (or release) of the first button at a
/// cell (0-based here): in the SGR encoding (`\e[<0;X;YM`, 1-based) when the application asked for
/// it (mode 1006), else in the X10 encoding (`\e[M`, then 32 + the button, 33 + X, 33 + Y) that
/// the terminal type's kmous names. Which one ncurses asks for depends on its version and terminfo.
private func mouseBytes(sgr: Bool, x: Int, y: Int, release: Bool = false) -> String {
  if sgr { return "\u{1b}[<0;\(x + 1);\(y + 1)\(release ? "m" : "M")" }
  return "\u{1b}[M" + String(UnicodeScalar(UInt8(32 + (release ? 3 : 0)))) + String(UnicodeScalar(UInt8(33 + x)))
    + String(UnicodeScalar(UInt8(33 + y)))
}

@Suite("The mouse in a real terminal (tmux)", .cleansUp, .enabled(if: tmuxAvailable), .serialized)
struct MouseTmuxTests {
  @Test(
    "play: a click selects the anon_vma under it, a second click inspects it; reporting is off after quitting and with --no-mouse, where unknown sequences are dropped whole"
  )
  func clickSelects() async throws {
    let binary = try #require(anonvisBinary)
    let t = try await TmuxSession(width: 100, height: 30)
    for noMouse in [false, true] {
      try await type(
        t,
        "\(binary.path) play \(noMouse ? "--no-mouse " : "")\(repoRoot.path)/scenes/e3-three-generations.scene; echo EXIT=$?\n"
      )
      try await t.waitFor(text: "step 0/8")
      try await t.type("g5")
      try await t.keys("Enter")
      let screen = try await t.waitFor("the diagram at step 5") { $0.contains("step 5/8") && $0.contains(" AV2 ━") }
      let lines = screen.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
      let y = try #require(lines.firstIndex { $0.contains(" AV2 ━") })
      let x = try #require(lines[y].range(of: " AV2 ━").map { lines[y][..<$0.lowerBound].count + 1 })
      // Whether the terminal was asked to report the mouse (tmux knows what the pane asked for).
      let reporting = { try await t.tmux(["display", "-p", "-t", "0", "#{mouse_any_flag}#{mouse_standard_flag}"]) }
      if noMouse {
        #expect(try await reporting().trimmingCharacters(in: .whitespacesAndNewlines) == "00")
        // Without mouse reporting, a click's bytes (SGR or X10; and a focus report, keys ncurses
        // does not name) are dropped whole: none of their bytes acts as a key (the 0 of the SGR
        // report would jump to step 0, the space of the X10 one step on).
        try await t.type(
          mouseBytes(sgr: true, x: x, y: y) + mouseBytes(sgr: false, x: x, y: y) + "\u{1b}[I" + "\u{1b}[99;5~"
            + "\u{1b}OP")
        try await t.keys("?")
        let shown = try await t.waitFor("the help after the bytes") { $0.contains("keys valid now") }
        #expect(shown.contains("step 5/8"), "\(shown)")
        try await t.keys("Escape")
        #expect(!(try await t.screen()).contains("selected AV2"))
      } else {
        #expect(try await reporting().contains("1"))
        let sgr = try await t.tmux(["display", "-p", "-t", "0", "#{mouse_sgr_flag}"]).contains("1")
        // Press and release of the first button on AV2's title.
        try await t.type(mouseBytes(sgr: sgr, x: x, y: y) + mouseBytes(sgr: sgr, x: x, y: y, release: true))
        try await t.waitFor(text: "selected AV2")
        try await t.type(mouseBytes(sgr: sgr, x: x, y: y) + mouseBytes(sgr: sgr, x: x, y: y, release: true))
        try await t.waitFor(text: "same_anon_vma")
      }
      try await t.keys("Escape")
      try await t.keys("q")
      try await t.waitFor(text: "EXIT=0")
      #expect(saneTerminal(try await t.stty()))
      // The mouse reporting is off again after quitting.
      #expect(try await reporting().trimmingCharacters(in: .whitespacesAndNewlines) == "00")
      try await type(t, "clear\n")
    }
  }
}
