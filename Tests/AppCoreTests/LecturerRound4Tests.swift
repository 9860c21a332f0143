import AnonVMASim
import TermRender
import TestSupport
import Testing

@testable import AppCore

/// What a lecturer found at 80×24 and 300×100 (stop 48): each test fails on the behaviour found.
@Suite("Lecturer findings, round 4: the narration takes the rows the forest leaves blank")
struct LecturerRound4Tests {
  /// E2 step 3 at 80×24 drew P1 and AV1 on the top 7 rows of a 13-row canvas (the plan keeps the
  /// rest for P2 and AV2 of later steps) while its narration said `↓ 2 more (PgDn)`.
  @Test("at 80x24 a step whose narration is cut leaves no canvas row blank under what it draws")
  func narrationTakesBlankRows() throws {
    var cut = 0
    for name in allScenes() {
      var s = try sceneApp(name, view: .diagram)
      let area = Rect(x: 0, y: 0, width: 80, height: 24)
      for k in 0...s.timeline.stepCount {
        s.go(to: k)
        _ = s.frame(width: 80, height: 24)
        let rows = s.frameRows(in: area)
        guard rows.text.lines.count + 2 > rows.narration.height else { continue }
        cut += 1
        guard let pane = s.diagramPane(in: area), let diagrams = s.layout.diagram, diagrams.folded == nil else {
          continue
        }
        let d = diagrams.shown(rows: pane.canvas.height, selection: s.diagramView.selection)
        let drawn = min(d.height, d.drawnBottom)
        #expect(pane.canvas.height <= drawn, "\(name) step \(k): \(pane.canvas.height - drawn) blank rows kept")
      }
    }
    // The property is about cut narrations: some steps have them at 80×24.
    #expect(cut > 0)
  }

  /// The same step as a frame: every word of its narration on screen.
  @Test("E2 step 3 at 80x24 shows its whole narration, the kernel functions included")
  func e2Step3Whole() throws {
    var s = try sceneApp("e2-fork-cow.scene", view: .diagram)
    s.go(to: 3)
    let screen = s.frame(width: 80, height: 24).plainText
    #expect(!screen.contains("more (PgDn)"), "\(screen)")
    #expect(screen.contains("do_anonymous_page"), "\(screen)")
    #expect(screen.contains("P1 has four pages, all filed in AV1."), "\(screen)")
  }
}
