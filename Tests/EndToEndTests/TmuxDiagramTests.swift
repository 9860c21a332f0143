import Foundation
import TestSupport
import Testing

/// Whether a box titled `name` is on screen besides the bottom border's "selected NAME".
private func drawn(_ name: String, _ screen: String) -> Bool {
  screen.components(separatedBy: " \(name) ").count - 1 >= 2
}

@Suite("The diagram view in a real terminal (tmux)", .cleansUp, .enabled(if: tmuxAvailable), .serialized)
struct TmuxDiagramTests {
  @Test("play: v switches diagram, matrix, tree; select, find and pin across steps; quit cleanly")
  func viewsSelectPin() async throws {
    let binary = try #require(anonvisBinary)
    let t = try await TmuxSession(width: 100, height: 30)
    try await type(t, "\(binary.path) play \(repoRoot.path)/scenes/e3-three-generations.scene; echo EXIT=$?\n")
    try await t.waitFor(text: "step 0/8")
    try await t.type("g5")
    try await t.keys("Enter")
    // The default view is the diagram: the root's heavy box, no VMA pane.
    try await t.waitFor("the diagram at step 5") { $0.contains("step 5/8") && $0.contains("AV1 root") }
    #expect(!(try await t.screen()).contains("processes & VMAs"))
    try await t.keys("v")
    try await t.waitFor(text: "processes & VMAs")
    try await t.keys("v")
    try await t.waitFor(text: "anon_vma forest (tree)")
    try await t.keys("v")
    try await t.waitFor("the diagram again") { $0.contains("AV1 root") && !$0.contains("processes & VMAs") }
    // Focus the forest, select the first object, then find P3's VMA and pin it.
    try await t.keys("Tab", "Down")
    try await t.waitFor(text: "selected P1")
    try await t.type("/P3:A@0")
    try await t.keys("Enter")
    try await t.waitFor(text: "selected P3:A@0")
    try await t.keys("P")
    try await t.waitFor(text: "pinned P3:A@0")
    try await t.keys("Right")
    try await t.waitFor("the pin kept at step 6") { $0.contains("step 6/8") && $0.contains("pinned P3:A@0") }
    try await t.keys("P", "Left")
    try await t.waitFor("the selection dropped at step 5") {
      $0.contains("step 5/8") && !$0.contains("selected P3") && !$0.contains("pinned P3")
    }
    try await t.keys("q")
    try await t.waitFor(text: "EXIT=0")
    #expect(saneTerminal(try await t.stty()))
  }

  @Test("play: /pg1 selects the page where its anon_vma writes it; enter shows the page's inspector; P pins it")
  func selectPage() async throws {
    let binary = try #require(anonvisBinary)
    let t = try await TmuxSession(width: 120, height: 40)
    try await type(t, "\(binary.path) play \(repoRoot.path)/scenes/e2-fork-cow.scene; echo EXIT=$?\n")
    try await t.waitFor(text: "step 0/11")
    try await t.type("g4")
    try await t.keys("Enter")
    try await t.waitFor(text: "step 4/11")
    try await t.type("/pg1")
    try await t.keys("Enter")
    // Marked on its anon_vma's pages line, named on the pane's border.
    try await t.waitFor("pg1 selected") { $0.contains("selected pg1") && $0.contains("pages◆pg1") }
    try await t.keys("Enter")
    try await t.waitFor("the page's inspector") {
      $0.contains("page->mapping AV1") && $0.contains("mapcount      2") && $0.contains("P2 A 0 (P2:A@0")
    }
    try await t.keys("Escape", "P")
    try await t.waitFor(text: "pinned pg1")
    try await t.keys("Right")
    try await t.waitFor("the pin kept at step 5") { $0.contains("step 5/11") && $0.contains("◆pg1") }
    try await t.keys("q")
    try await t.waitFor(text: "EXIT=0")
    #expect(saneTerminal(try await t.stty()))
  }

  @Test(
    "play --compare at 200x60: the two models side by side in lockstep, what differs marked in both")
  func compareSideBySide() async throws {
    let binary = try #require(anonvisBinary)
    let t = try await TmuxSession(width: 200, height: 60)
    try await type(
      t, "\(binary.path) play --compare 2.6.34 \(repoRoot.path)/scenes/e3-three-generations.scene; echo EXIT=$?\n")
    try await t.waitFor(text: "step 0/8")
    try await t.type("g5")
    try await t.keys("Enter")
    // Both halves at step 5 on one row each: side by side, not stacked.
    let both = try await t.waitFor("both models at step 5") { screen in
      screen.split(separator: "\n").contains { $0.contains("kernel 2.6.36") && $0.contains("kernel 2.6.34") }
        && screen.components(separatedBy: "step 5/8").count - 1 >= 2
    }
    #expect(both.contains("≠"), "what differs is marked: \(both)")
    try await t.keys("Right")
    try await t.waitFor("lockstep at step 6") { $0.components(separatedBy: "step 6/8").count - 1 >= 2 }
    // Into the micro-steps: the other half follows at its paired micro-step (MicroAlignment),
    // and says so; out again with one key.
    try await t.keys("Left")
    try await t.waitFor("back at step 5") { $0.components(separatedBy: "step 5/8").count - 1 >= 2 }
    try await t.keys("Down")
    let micro = try await t.waitFor("both halves inside step 5") { screen in
      screen.contains("5.1/22 ") && screen.contains("5.1/20 ")
    }
    #expect(micro.contains("in lockstep: the same point of the kernel code as 2.6.36's micro-step 1"), "\(micro)")
    for _ in 0..<13 { try await t.keys("Down") }
    try await t.waitFor("micro-step 14 beside its pair") { $0.contains("5.14/22 ") && $0.contains("5.14/20 ") }
    try await t.keys("Escape")
    try await t.waitFor("the step's end in both") { !$0.contains("5.14/22 ") && !$0.contains("5.14/20 ") }
    try await t.keys("q")
    try await t.waitFor(text: "EXIT=0")
    #expect(saneTerminal(try await t.stty()))
  }

  @Test("play at 80x24: a forest taller than the pane scrolls to keep the selection in view as it moves")
  func scrollKeepsSelectionInView() async throws {
    let binary = try #require(anonvisBinary)
    let t = try await TmuxSession(width: 80, height: 24)
    try await type(t, "\(binary.path) play \(repoRoot.path)/scenes/scale/daemon-100-2.6.36.scene; echo EXIT=$?\n")
    // A deadline for the first frame only: the plan of 203 steps and their micro-steps.
    try await t.waitFor("the first frame", idle: 120) { $0.contains("step 0/203") }
    try await t.type("G")
    // The last step's 101 anon_vmas stand far below the pane's bottom; the window opens on the
    // exited P99 and the anon_vmas whose counts its exit changed.
    try await t.waitFor("the last step", idle: 60) {
      $0.contains("step 203/203") && $0.contains("P99 child of P98 exited")
    }
    // (and names what the step made or freed down there: `↓ 406 more: +P102 +AV101`)
    let last = try await t.screen()
    #expect(
      last.range(of: #"↓ \d+ more(: [^─]+)? ─┘"#, options: .regularExpression) != nil,
      "the border says how much is below")
    try await t.keys("Tab")
    // Found at the bottom of the diagram: the pane scrolled to it (its box on screen, rows above).
    try await t.type("/AV101")
    try await t.keys("Enter")
    let bottom = try await t.waitFor("AV101 in view") { $0.contains("selected AV101") && drawn("AV101", $0) }
    #expect(bottom.contains("↑ ") && !bottom.contains("AV1 root"), "scrolled down: \(bottom)")
    // ↑ moves the selection up box by box; the pane follows it.
    for n in stride(from: 100, through: 96, by: -1) {
      try await t.keys("Up")
      try await t.waitFor("AV\(n) selected and in view") { $0.contains("selected AV\(n) ") && drawn("AV\(n)", $0) }
    }
    // Back at the top.
    try await t.type("/AV1")
    try await t.keys("Enter")
    let top = try await t.waitFor("AV1 in view") { $0.contains("selected AV1 ") && $0.contains("AV1 root") }
    #expect(top.contains("ext 100") && !top.contains("AV101"), "scrolled back to the top: \(top)")
    try await t.keys("q")
    try await t.waitFor(text: "EXIT=0")
    #expect(saneTerminal(try await t.stty()))
  }
}
