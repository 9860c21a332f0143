import AnonVMASim
import ScenePlayer
import TermRender
import TestSupport
import Testing

@testable import AppCore

/// Stepping through a step's micro-steps on a small terminal: the diagram pane keeps its height
/// and its window moves only to bring the micro-step's object into view.
@Suite("The diagram's window across micro-steps")
struct MicroStepWindowTests {
  @Test(
    "at 80x24, through every micro-step of E1–E6, the pane keeps its rows within a step and scrolls only to show what the micro-step is about",
    arguments: lectureScenes)
  func windowHolds(file: String) throws {
    var s = try sceneApp(file, view: .diagram)
    var window: (step: Int, top: Int, rows: Int)?
    var scrolls = 0
    try forEachMicroStep(&s, file, width: 80, height: 24) { s, k, m, _ in
      let rows = try #require(s.diagramView.paneRows, "\(file) \(k).\(m + 1)")
      let top = s.diagramView.top
      defer { window = (k, top, rows) }
      guard let before = window, before.step == k else { return }
      #expect(rows == before.rows, "\(file) \(k).\(m + 1): the pane has \(rows) rows, \(before.rows) before")
      guard top != before.top else { return }
      scrolls += 1
      // A move is owed to the micro-step's object only: it was not wholly in the window before.
      let d = try #require(s.layout.diagram).shown(rows: rows, selection: s.diagramView.selection)
      let focus = try #require(
        s.diagramView.selection.flatMap { d.rect(of: $0) } ?? s.microStepFocus(d),
        "\(file) \(k).\(m + 1): the window moved from row \(before.top) to \(top) with nothing to show")
      #expect(
        focus.y < before.top || focus.maxY > before.top + before.rows,
        "\(file) \(k).\(m + 1): moved from row \(before.top) to \(top) though rows \(focus.y)..<\(focus.maxY) were in view"
      )
    }
    // E1-E6 at 80x24 scroll somewhere (the test would see nothing on forests that always fit).
    if file.hasPrefix("e3") { #expect(scrolls > 0) }
  }

  @Test(
    "leaving the micro-steps (esc, k past the first, →) puts the step's window back where it was",
    arguments: [Key.escape, .char("k"), .right])
  func windowRestored(leave: Key) throws {
    var s = try sceneApp("e3-three-generations.scene", view: .diagram)
    s.go(to: 5)
    _ = s.frame(width: 80, height: 24)
    let before = (s.diagramView.top, s.diagramView.left)
    let count = s.loadMicroSteps()
    var moved = false
    for _ in 0..<count {
      _ = send(&s, [.down])
      _ = s.frame(width: 80, height: 24)
      moved = moved || s.diagramView.top != before.0
    }
    // E3's fork at 80x24 scrolls to its micro-steps' objects (else this proves nothing).
    #expect(moved)
    if leave == .char("k") {
      for _ in 0..<count { _ = send(&s, [leave]) }
    } else {
      _ = send(&s, [leave])
    }
    #expect(s.micro == nil)
    _ = s.frame(width: 80, height: 24)
    var expected = before
    if leave == .right {
      // → enters step 6 from the step's window, as it does without micro-steps (and scrolls to
      // what step 6 changed).
      var plain = try sceneApp("e3-three-generations.scene", view: .diagram)
      plain.go(to: 5)
      _ = plain.frame(width: 80, height: 24)
      _ = send(&plain, [.right])
      _ = plain.frame(width: 80, height: 24)
      expected = (plain.diagramView.top, plain.diagramView.left)
    }
    #expect(s.diagramView.top == expected.0 && s.diagramView.left == expected.1, "\(leave)")
  }
}
