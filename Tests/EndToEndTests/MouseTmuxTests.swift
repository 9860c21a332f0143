import Foundation
import TestSupport
import Testing

/// The bytes an xterm-compatible terminal sends for a mouse event in the SGR encoding that
/// ncurses asks for (mode 1006): `\e[<` button `;` column `;` row, then `M` for a press or `m`
/// for a release; columns and rows are 1-based there, 0-based here.
private func sgrMouse(button: Int, x: Int, y: Int, release: Bool = false) -> String {
  "\u{1b}[<\(button);\(x + 1);\(y + 1)\(release ? "m" : "M")"
}

@Suite("The mouse in a real terminal (tmux)", .enabled(if: tmuxAvailable), .serialized)
struct MouseTmuxTests {
  @Test(
    "play: a click selects the anon_vma under it, a second click inspects it, reporting is off after quitting and with --no-mouse"
  )
  func clickSelects() throws {
    let binary = try #require(anonvisBinary)
    let t = try TmuxSession(width: 100, height: 30)
    for noMouse in [false, true] {
      try type(
        t,
        "\(binary.path) play \(noMouse ? "--no-mouse " : "")\(repoRoot.path)/scenes/e3-three-generations.scene; echo EXIT=$?\n"
      )
      try t.waitFor(text: "step 0/8")
      try t.type("g5")
      try t.keys("Enter")
      let screen = try t.waitFor("the diagram at step 5") { $0.contains("step 5/8") && $0.contains("━ AV2 ━") }
      let lines = screen.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
      let y = try #require(lines.firstIndex { $0.contains("━ AV2 ━") })
      let x = try #require(lines[y].range(of: "━ AV2 ━").map { lines[y][..<$0.lowerBound].count + 2 })
      // Whether the terminal was asked to report the mouse (tmux knows what the pane asked for).
      let reporting = { try t.tmux(["display", "-p", "-t", "0", "#{mouse_any_flag}#{mouse_standard_flag}"]) }
      if noMouse {
        #expect(try reporting().trimmingCharacters(in: .whitespacesAndNewlines) == "00")
      } else {
        #expect(try reporting().contains("1"))
        // Press and release of the first button on AV2's title.
        try t.type(sgrMouse(button: 0, x: x, y: y) + sgrMouse(button: 0, x: x, y: y, release: true))
        try t.waitFor(text: "selected AV2")
        try t.type(sgrMouse(button: 0, x: x, y: y) + sgrMouse(button: 0, x: x, y: y, release: true))
        try t.waitFor(text: "same_anon_vma")
      }
      try t.keys("Escape")
      try t.keys("q")
      try t.waitFor(text: "EXIT=0")
      #expect(saneTerminal(try t.stty()))
      // The mouse reporting is off again after quitting.
      #expect(try reporting().trimmingCharacters(in: .whitespacesAndNewlines) == "00")
      try type(t, "clear\n")
    }
  }
}
