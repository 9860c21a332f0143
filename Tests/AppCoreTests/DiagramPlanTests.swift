import AnonVMASim
import AppCore
import Foundation
import ScenePlayer
import SceneScript
import TermRender
import TestSupport
import Testing

/// A scene under scenes/ run on another kernel model (as `--kernel` does).
func scene(_ name: String, kernel: KernelVersion) throws -> Timeline {
  let source = try String(contentsOf: repoRoot.appendingPathComponent("scenes/\(name)"), encoding: .utf8)
  return Timeline(scene: Parser.parse(source), defaultTitle: name, kernel: kernel)
}

/// The lecture scenes, and E3 on the 2.6.34 and 6.1 models.
let planScenes: [(String, KernelVersion?)] =
  lectureScenes.map { ($0, nil) } + [("e3-three-generations.scene", .v2_6_34), ("e3-three-generations.scene", .v6)]

func timeline(_ file: String, _ kernel: KernelVersion?) throws -> Timeline {
  try kernel.map { try scene(file, kernel: $0) } ?? scene(file)
}

/// The app on `file` (on `kernel`, else the scene's own) in diagram view.
func diagramApp(_ file: String, _ kernel: KernelVersion?) throws -> AppState {
  var s = AppState(timeline: try timeline(file, kernel), fileName: file)
  s.forestView = .diagram
  return s
}

/// `planScenes[index]` and its timeline.
func planScene(_ index: Int) throws -> (file: String, kernel: KernelVersion?, t: Timeline) {
  let (file, kernel) = planScenes[index]
  return (file, kernel, try timeline(file, kernel))
}

/// Where each process, VMA row and anon_vma is drawn (a page's name moves along its `pages`
/// line as pages before it come and go; stable nodes are stacked below the anon_vmas).
func places(_ d: ForestDiagram) -> [ForestDiagram.Object: [Int]] {
  var result: [ForestDiagram.Object: [Int]] = [:]
  for o in d.objects {
    switch o {
    case .fold, .page, .stableNode: continue
    case .process, .vma, .anonVMA: break
    }
    if let r = d.rect(of: o) { result[o] = [r.x, r.y] }
  }
  return result
}

/// Objects of `a` drawn elsewhere in `b` (objects gone in `b`, drawn as freed, included).
func moved(_ a: ForestDiagram, _ b: ForestDiagram) -> [String] {
  let pa = places(a)
  let pb = places(b)
  return pa.compactMap { o, p in pb[o].flatMap { $0 == p ? nil : "\(o) \(p) → \($0)" } }
}

@Suite("The diagram's plan: an object keeps its place from step to step")
struct DiagramPlanTests {
  @Test(
    "with the plan every process, VMA row and anon_vma present at steps k and k+1 is drawn at the same place, micro-steps too",
    arguments: planScenes.indices)
  func stable(index: Int) throws {
    let (file, kernel, t) = try planScene(index)
    let plan = ForestDiagram.Plan(t)
    func diagram(_ k: Int) -> ForestDiagram {
      ForestDiagram(t.states[k], options: .init(previous: k > 0 ? t.states[k - 1] : nil, plan: plan))
    }
    var compared = 0
    var before = diagram(0)
    var text = ""
    for k in 1...t.stepCount {
      let after = diagram(k)
      #expect(
        moved(before, after).isEmpty, "\(file) \(kernel?.rawValue ?? "") step \(k - 1) → \(k): \(moved(before, after))")
      for (m, micro) in t.microStates(step: k).enumerated() {
        let d = ForestDiagram(micro.world, options: .init(plan: plan))
        #expect(moved(before, d).isEmpty, "\(file) step \(k - 1) → micro \(m + 1): \(moved(before, d))")
        #expect(moved(d, after).isEmpty, "\(file) micro \(m + 1) → step \(k): \(moved(d, after))")
      }
      compared += places(after).keys.filter { places(before)[$0] != nil }.count
      var b = Buffer(width: after.width, height: after.height)
      after.draw(into: &b, in: b.area)
      text += "=== step \(k) ===\n" + b.plainText
      before = after
    }
    #expect(compared > 5)
    if let dir = ProcessInfo.processInfo.environment["DUMP_DIAGRAMS"] {
      try text.write(toFile: "\(dir)/planned-\(kernel?.rawValue ?? "")-\(file).txt", atomically: true, encoding: .utf8)
    }
  }

  @Test("checkpoints apart (as for a large timeline) give the same places as reading every world")
  func checkpoints() throws {
    for (file, kernel) in planScenes {
      let t = try timeline(file, kernel)
      let worlds = (0...t.stepCount).map { t.states[$0] }
      let every = ForestDiagram.Plan(worlds)
      for stride in [3, 7, 16] {
        let sparse = ForestDiagram.Plan(worlds, checkpoints: stride)
        for k in worlds.indices {
          let previous = k > 0 ? worlds[k - 1] : nil
          let a = places(ForestDiagram(worlds[k], options: .init(previous: previous, plan: every)))
          let b = places(ForestDiagram(worlds[k], options: .init(previous: previous, plan: sparse)))
          #expect(a == b, "\(file) every \(stride) step \(k)")
        }
      }
    }
  }

  @Test("without a plan objects move (the stability test can fail): E6's AV1 is pushed right")
  func unplannedMoves() throws {
    var moves = 0
    for file in lectureScenes {
      let t = try scene(file)
      for k in 1...t.stepCount {
        moves += moved(ForestDiagram(t.states[k - 1]), ForestDiagram(t.states[k])).count
      }
    }
    #expect(moves > 0)
  }

  @Test("with the plan boxes never overlap, in steps and micro-steps", arguments: planScenes.indices)
  func noOverlap(index: Int) throws {
    let (file, _, t) = try planScene(index)
    let plan = ForestDiagram.Plan(t)
    var worlds = [(t.states[0], nil as World?)]
    for k in 1...t.stepCount {
      worlds += t.microStates(step: k).map { ($0.world, nil) }
      worlds.append((t.states[k], t.states[k - 1]))
    }
    for (w, previous) in worlds {
      let d = ForestDiagram(w, options: .init(previous: previous, plan: plan))
      let rects = d.processes.map(\.rect) + d.anonVMAs.map(\.rect) + d.stableNodes.map(\.rect)
      for (i, r) in rects.enumerated() {
        for s in rects[(i + 1)...] {
          #expect(r.maxX <= s.x || s.maxX <= r.x || r.maxY <= s.y || s.maxY <= r.y, "\(file) step \(w.step): \(r) \(s)")
        }
        #expect(r.maxX <= d.width && r.maxY <= d.height)
      }
      // Every VMA row inside its box.
      for box in d.processes {
        #expect(box.rows.allSatisfy { $0 >= 0 && $0 < box.rect.height - 2 } && Set(box.rows).count == box.rows.count)
      }
    }
  }
}
