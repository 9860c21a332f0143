import AnonVMASim
import Foundation
import ScenePlayer
import SceneScript
import TermRender
import TestSupport
import Testing

@testable import AppCore

/// Where each box of the diagram pane stands in a plain-text frame: its name (`P2`, `AV1`,
/// `K1`) to the cell of its top-left corner (row, column). A box is found by its title on its
/// top border (`┌+ P2 ────`, `┏━ AV1 root ━━`, `┌╌ KSM stable node K1 ╌`): from the name leftwards
/// over the border and the change mark to the corner.
func boxCorners(_ frame: String) -> [String: [Int]] {
  let corners: Set<Character> = ["┌", "┏", "╔", "╭"]
  let border: Set<Character> = ["─", "━", "═", "╌", "╍", "┄", "┅", "┈", "┉", "+", "~", "−", "-", " "]
  var found: [String: [Int]] = [:]
  let rows = frame.split(separator: "\n", omittingEmptySubsequences: false).map { Array($0) }
  for (y, row) in rows.enumerated() {
    var x = 0
    while x < row.count {
      // A name: P or AV or K then digits, between spaces, on a top border.
      guard row[x] == " ", x + 2 < row.count else {
        x += 1
        continue
      }
      var end = x + 1
      var name = ""
      if row[end] == "P" || row[end] == "K" {
        name.append(row[end])
        end += 1
      } else if row[end] == "A", row[end + 1] == "V" {
        name = "AV"
        end += 2
      }
      var digits = ""
      while end < row.count, row[end].isASCII, row[end].isNumber {
        digits.append(row[end])
        end += 1
      }
      guard !name.isEmpty, !digits.isEmpty, end < row.count, row[end] == " " else {
        x += 1
        continue
      }
      // Leftwards to the corner: the title's words (`KSM stable node`) and the border between.
      var c = x
      while c > 0, !corners.contains(row[c - 1]), border.contains(row[c - 1]) || row[c - 1].isLetter {
        c -= 1
      }
      if c > 0, corners.contains(row[c - 1]), found[name + digits] == nil {
        found[name + digits] = [y, c - 1]
      }
      x = end
    }
  }
  return found
}

@Suite("The diagram keeps every box in the same frame cell from step to step")
struct DiagramFrameStabilityTests {
  @Test(
    "for every step k of E1-E6 each box present at k and k+1 is at the same frame cell, at 80x24, 120x40, 200x60 and 300x100",
    arguments: lectureScenes, [(80, 24), (120, 40), (200, 60), (300, 100)])
  func sameCell(file: String, size: (Int, Int)) throws {
    var s = try sceneApp(file, view: .diagram)
    var before = boxCorners(s.render(width: size.0, height: size.1).plainText)
    var compared = 0
    for k in 1...s.timeline.stepCount {
      s.go(to: k)
      let frame = s.render(width: size.0, height: size.1).plainText
      let after = boxCorners(frame)
      // Boxes scrolled out of the pane are not found in a frame: only those in both compare.
      // The one exception the layout has: a diagram taller than its pane with identical sibling
      // subtrees shows the folded layout (`×N`), which follows no plan (a fold moves what is
      // below it). No step of E1-E6 folds at these sizes: were one to, this test would say so.
      for (name, cell) in after {
        guard let old = before[name] else { continue }
        compared += 1
        #expect(old == cell, "\(file) \(size.0)x\(size.1) step \(k - 1) → \(k): \(name) at \(old) → \(cell)\n\(frame)")
      }
      before = after
    }
    #expect(compared >= s.timeline.stepCount - 1, "\(file): boxes found in the frames")
  }

  @Test(
    "a large terminal spaces the boxes to use its rows (the loosest spacing that fits, never scrolled for it); 120 and 80 columns do not",
    arguments: lectureScenes)
  func wideSpacing(file: String) throws {
    for (width, height) in [(200, 60), (300, 100), (120, 40), (80, 24)] {
      var s = try sceneApp(file, view: .diagram)
      _ = s.frame(width: width, height: height)
      let plan = try #require(s.diagramPlan?.plan, "\(file) \(width)x\(height)")
      guard width >= 200 else {
        #expect(plan.gap == 0 && plan.vmaPitch == 1, "\(file) \(width)x\(height)")
        // A forest's anon_vma boxes stand one row apart even here: a lock's outline runs there.
        for k in 0...s.timeline.stepCount {
          s.go(to: k)
          _ = s.frame(width: width, height: height)
          let boxes = try #require(s.layout.diagram?.whole).anonVMAs.map(\.rect).sorted { $0.y < $1.y }
          let touching = zip(boxes, boxes.dropFirst()).filter { $1.y - $0.maxY < 1 && $1.x == $0.x }
          #expect(touching.isEmpty, "\(file) \(width)x\(height) step \(k): \(touching)")
        }
        continue
      }
      let rows = try #require(s.diagramView.planRows)
      // The loosest spacing whose diagram fits the rows the narration leaves at every step.
      #expect(plan.heights[plan.spacing] <= rows || plan.spacing == 1, "\(file) \(width)x\(height)")
      #expect(
        plan.spacing == ForestDiagram.Plan.spacings.count - 1 || plan.heights[plan.spacing + 1] > rows,
        "\(file) \(width)x\(height): spacing \(plan.spacing) of \(plan.heights) in \(rows) rows")
      // These small forests fit spaced more than one blank row apart.
      #expect(plan.gap >= 2, "\(file) \(width)x\(height)")
      for k in 0...s.timeline.stepCount {
        s.go(to: k)
        _ = s.frame(width: width, height: height)
        let d = try #require(s.layout.diagram?.whole)
        let pane = try #require(s.diagramPane(in: Rect(x: 0, y: 0, width: width, height: height)))
        #expect(d.height <= pane.canvas.height, "\(file) \(width)x\(height) step \(k): the diagram scrolls")
        let boxes = d.anonVMAs.map(\.rect).sorted { $0.y < $1.y }
        #expect(zip(boxes, boxes.dropFirst()).allSatisfy { $1.y - $0.maxY >= plan.gap }, "step \(k)")
      }
    }
  }

  @Test("the box finder finds process, anon_vma and stable-node boxes (marks included) and nothing else")
  func finder() {
    let frame = """
      ┌~ P1 ─────┐   ░░ AV1 lock: cpu0 ░░
      │ A@0 rw   │   ░┏+ AV1 root ━━━┓░
      └──────────┘    ┃ list P1:A@0 ┃
      ┌─ P12 exited ┐ ┌╌ KSM stable node K1 ╌┐
      """
    #expect(boxCorners(frame) == ["P1": [0, 0], "AV1": [1, 16], "P12": [3, 0], "K1": [3, 16]])
  }
}

@Suite("The step's locks line stands on the same row at every step")
struct LockLineRowTests {
  /// The locks line stands under the plan's tallest world (``ForestDiagram/underRow``), not under
  /// each step's own diagram: it does not jump when a KSM stable node appears beside the forest
  /// or a process box is added. (From 200 columns the side column lists the locks.)
  @Test(
    "every step of E1-E6 and every-operation at 120x40 and 100x50: the locks line on one row",
    arguments: lectureScenes + ["every-operation.scene"], [(120, 40), (100, 50)])
  func oneRow(file: String, size: (Int, Int)) throws {
    var driver = AppDriver(try sceneApp(file, view: .diagram), width: size.0, height: size.1)
    var rows: [Int: [Int]] = [:]
    for step in 1...driver.state.timeline.stepCount {
      driver.type("g\(step)\n")
      let lines = driver.screen.split(separator: "\n", omittingEmptySubsequences: false)
      if let row = lines.firstIndex(where: { $0.contains("│ locks: ") }) { rows[row, default: []].append(step) }
    }
    #expect(!rows.isEmpty, "\(file): some step takes a lock")
    #expect(rows.count == 1, "\(file) at \(size): the locks line's rows and their steps: \(rows)")
  }
}
