import AppCore
import TermRender
import TestSupport
import Testing

/// What a helper found trying the diagram as a lecturer, a fifth round.
@Suite("Lecturer round 5: a dropped selection is said; the popup's sides are blank")
struct LecturerRound5Tests {
  /// `/AV3` then → dropped the selection without a word, where P keeps it.
  @Test("a selection found with / and dropped by stepping is said to be, naming P; a pinned one is kept")
  func droppedSelectionIsSaid() throws {
    var s = try sceneApp("e3-three-generations.scene", view: .diagram)
    s.go(to: 5)
    send(&s, [.char("/")] + chars("AV3") + [.enter])
    #expect(s.diagramView.selection != nil)
    send(&s, [.right])
    #expect(s.step == 6 && s.diagramView.selection == nil)
    #expect(s.message == "AV3 deselected: a selection belongs to its step (P pins it)", "\(s.message ?? "")")
    let frame = s.render(width: 80, height: 24).plainText
    #expect(frame.contains("AV3 deselected"), "\(frame)")
    // Nothing selected: stepping says nothing.
    send(&s, [.right])
    #expect(s.message == nil)
    // Pinned: kept, and not said to be dropped.
    send(&s, [.left, .char("/")] + chars("AV3") + [.enter, .char("P"), .right])
    #expect(s.diagramView.selection != nil && s.message?.contains("deselected") != true)
  }

  /// The inspector at 80x24 sat beside the forest's text: `│n at micro-step 20` ran up to its
  /// border.
  @Test("the inspector and the help: the column each side of the popup's border is blank", arguments: ["enter", "?"])
  func popupSides(key: String) throws {
    var s = try sceneApp("e3-three-generations.scene", view: .diagram)
    s.go(to: 5)
    send(&s, key == "enter" ? [.tab, .down, .enter] : [.char("?")])
    #expect(s.overlay == (key == "enter" ? .inspector : .help))
    let rows = s.render(width: 80, height: 24).plainText.split(separator: "\n", omittingEmptySubsequences: false)
      .map { Array($0) }
    // The popup: a row of its text, the borders either side of it, and the rows up and down
    // where those columns are its border.
    let marker = key == "enter" ? "enter or esc closes" : "keys valid now"
    let row = try #require(rows.firstIndex { String($0).contains(marker) })
    let line = String(rows[row])
    let markerX = line.distance(from: line.startIndex, to: try #require(line.range(of: marker)).lowerBound)
    let left = try #require(rows[row][..<markerX].lastIndex { "│┌".contains($0) })
    let right = try #require(rows[row][markerX...].firstIndex { "│┐".contains($0) })
    try #require(left >= 1 && right + 1 < 80)
    func border(_ y: Int) -> Bool { "│┌└".contains(rows[y][left]) && "│┐┘".contains(rows[y][right]) }
    var (top, bottom) = (row, row)
    while top > 0 && border(top - 1) { top -= 1 }
    while bottom + 1 < rows.count - 1 && border(bottom + 1) { bottom += 1 }
    #expect(bottom - top >= 4)
    for y in top...bottom {
      #expect(rows[y][left - 1] == " " && rows[y][right + 1] == " ", "row \(y): \(String(rows[y]))")
    }
  }
}
