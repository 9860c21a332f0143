import AnonVMASim
import Foundation
import ScenePlayer
import SceneScript
import TermRender
import TestSupport
import Testing

@testable import AppCore

/// Whether a frame cell is part of a line drawing (box drawing, `░` excluded) or an arrowhead.
private func isLine(_ text: String) -> Bool {
  guard let v = text.unicodeScalars.first?.value, text.unicodeScalars.count == 1 else { return false }
  return (0x2500...0x257F).contains(v) || ["►", "◄", "▲", "▼"].contains(text)
}

/// The frame cells of each box's border the diagram pane shows at this size, with the box's
/// name, the side (`top` holds the title and change mark), the cell's text and the change mark
/// it may hold instead of a line (a process box's left border on a VMA row the step added,
/// changed or freed: `+`, `~`, `−`).
private func borders(
  _ s: AppState, _ b: Buffer, width: Int, height: Int
) -> [(box: String, top: Bool, text: String, mark: String?)]? {
  guard let diagrams = s.layout.diagram, let pane = s.diagramPane(in: Rect(x: 0, y: 0, width: width, height: height))
  else { return nil }
  let window = s.diagramWindow(diagrams, pane: pane)
  let d = window.diagram
  var boxes = d.processes.map { ("P\($0.process.raw)", $0.rect) } + d.anonVMAs.map { ($0.title, $0.rect) }
  boxes += d.stableNodes.map { ($0.title, $0.rect) } + (d.processFolds + d.anonVMAFolds).map { ($0.text, $0.rect) }
  var marks: [Int: [Int: String]] = [:]  // by row, then column
  for box in d.processes {
    for (i, v) in box.vmas.enumerated() {
      switch d.vmaChanges[v] {
      case .added: marks[box.row(at: i), default: [:]][box.rect.x] = "+"
      case .changed: marks[box.row(at: i), default: [:]][box.rect.x] = "~"
      case .removed: marks[box.row(at: i), default: [:]][box.rect.x] = "−"
      case .same, nil: break
      }
    }
  }
  var out: [(String, Bool, String, String?)] = []
  let canvas = pane.canvas
  // The walked anon_vma's bottom edge holds the walk's label (`┗━ rmap walk of pg1 ━┛`): like a
  // top border, text may be there, shading not.
  let walked = Set(d.anonVMAs.filter { $0.walkLabel != nil }.map(\.title))
  for (name, r) in boxes {
    var cells: [(Int, Int, Bool)] = (r.x..<r.maxX).flatMap {
      [($0, r.y, true), ($0, r.maxY - 1, walked.contains(name))]
    }
    cells += (r.y + 1..<r.maxY - 1).flatMap { [(r.x, $0, false), (r.maxX - 1, $0, false)] }
    for (x, y, top) in cells {
      let (fx, fy) = (canvas.x + x - window.left, canvas.y + y - window.top)
      guard fx >= canvas.x, fx < canvas.maxX, fy >= canvas.y, fy < canvas.maxY else { continue }
      out.append((name, top, b[fx, fy].text, marks[y]?[x]))
    }
  }
  return out
}

@Suite("The diagram draws the true state, inside its pane")
struct DiagramTruthTests {
  /// E1-E6, E3 on the other models, and every-operation.
  static let scenes: [(String, KernelVersion?)] = planScenes + [("every-operation.scene", nil)]

  @Test(
    "a freed anon_vma is drawn freed (−) with no lock and no lock label; an exited process's VMAs with no chain and no walk note",
    arguments: scenes.indices)
  func freedIsNotLocked(index: Int) throws {
    let (file, kernel) = Self.scenes[index]
    var s = try diagramApp(file, kernel)
    var freedWhileLocked = 0
    for k in 0...s.timeline.stepCount {
      s.go(to: k)
      let frame = s.render(width: 120, height: 40).plainText
      let d = try #require(s.layout.diagram?.whole)
      let outlined = Set(d.lockOutlines.flatMap(\.covered))
      for box in d.anonVMAs where box.change == .removed {
        let unlocked = !box.locked && box.lockLabel == nil && !outlined.contains(box.anonVMA)
        #expect(unlocked, "\(file) step \(k) \(box.title)")
        // Its lock was held at the moment the step's picture shows.
        // (The step's micro-states replayed here: a whole step keeps none of them.)
        if let f = s.layout.diagram?.locks?.featured, case let m = s.timeline.replay.microStates(step: k), f >= 1,
          f <= m.count, m[f - 1].world.lockHolders[box.anonVMA] != nil
        {
          freedWhileLocked += 1
        }
      }
      for box in d.processes where box.change == .removed {
        for v in box.vmas {
          let label = d.vmaLabels[v]
          #expect(label?.chain == "" && label?.walk == nil, "\(file) step \(k) P\(box.process.raw)")
        }
      }
      for row in frame.split(separator: "\n") where row.contains(" exited ") || row.contains("−") {
        #expect(!row.contains("locked by"), "\(file) step \(k): \(row)")
      }
    }
    // E3 ends freeing AV1 under its own lock (exit P3): the case this test is about.
    if file.hasPrefix("e3") && kernel != .v2_6_34 { #expect(freedWhileLocked > 0, "\(file)") }
  }

  @Test(
    "at 80x24, every step of every scene: no box border is overwritten (by lock shading or text) and the diagram is no wider than its pane",
    arguments: allScenes())
  func bordersIntact(file: String) throws {
    var s = try sceneApp(file, view: .diagram)
    var checked = 0
    for k in 0...s.timeline.stepCount {
      s.go(to: k)
      let b = s.frame(width: 80, height: 24)
      guard let cells = borders(s, b, width: 80, height: 24) else { continue }
      let d = try #require(s.layout.diagram).shown(rows: 0, selection: nil)
      let canvas = try #require(s.diagramPane(in: Rect(x: 0, y: 0, width: 80, height: 24))).canvas
      #expect(d.width <= canvas.width, "\(file) step \(k): the diagram is \(d.width) columns in \(canvas.width)")
      for c in cells {
        // The top border holds the change mark and the title (a walked anon_vma's bottom edge the
        // walk's label); only shading may not be there.
        let ok = c.top ? c.text != "░" && c.text != ":" : isLine(c.text) || c.text == c.mark
        #expect(ok, "\(file) step \(k): \(c.box) border shows '\(c.text)'\n\(b.plainText)")
        checked += 1
      }
    }
    #expect(checked > 0)
  }
}
