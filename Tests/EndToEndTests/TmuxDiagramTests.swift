import Foundation
import TestSupport
import Testing

@Suite("The diagram view in a real terminal (tmux)", .enabled(if: tmuxAvailable), .serialized)
struct TmuxDiagramTests {
  @Test("play: v switches diagram, matrix, tree; select, find and pin across steps; quit cleanly")
  func viewsSelectPin() throws {
    let binary = try #require(anonvisBinary)
    let t = try TmuxSession(width: 100, height: 30)
    try type(t, "\(binary.path) play \(repoRoot.path)/scenes/e3-three-generations.scene; echo EXIT=$?\n")
    try t.waitFor(text: "step 0/8")
    try t.type("g5")
    try t.keys("Enter")
    // The default view is the diagram: the root's heavy box, no VMA pane.
    try t.waitFor("the diagram at step 5") { $0.contains("step 5/8") && $0.contains("AV1 root") }
    #expect(!(try t.screen()).contains("processes & VMAs"))
    try t.keys("v")
    try t.waitFor(text: "processes & VMAs")
    try t.keys("v")
    try t.waitFor(text: "anon_vma forest (tree)")
    try t.keys("v")
    try t.waitFor("the diagram again") { $0.contains("AV1 root") && !$0.contains("processes & VMAs") }
    // Focus the forest, select the first object, then find P3's VMA and pin it.
    try t.keys("Tab", "Down")
    try t.waitFor(text: "selected P1")
    try t.type("/P3:A@0")
    try t.keys("Enter")
    try t.waitFor(text: "selected P3:A@0")
    try t.keys("P")
    try t.waitFor(text: "pinned P3:A@0")
    try t.keys("Right")
    try t.waitFor("the pin kept at step 6") { $0.contains("step 6/8") && $0.contains("pinned P3:A@0") }
    try t.keys("P", "Left")
    try t.waitFor("the selection dropped at step 5") {
      $0.contains("step 5/8") && !$0.contains("selected P3") && !$0.contains("pinned P3")
    }
    try t.keys("q")
    try t.waitFor(text: "EXIT=0")
    #expect(saneTerminal(try t.stty()))
  }
}
