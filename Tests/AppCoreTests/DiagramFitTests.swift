import AnonVMASim
import Foundation
import ScenePlayer
import TermRender
import TestSupport
import Testing

@testable import AppCore

/// The app on `planScenes[index]` in diagram view.
private func diagramApp(_ index: Int) throws -> AppState {
  let (file, kernel, t) = try planScene(index)
  guard kernel != nil else { return try sceneApp(file, view: .diagram) }
  var s = AppState(timeline: t, fileName: file)
  s.forestView = .diagram
  return s
}

/// What a diagram leaves out or cuts when drawn `width` columns wide: a live process or anon_vma
/// not named, a root arrow whose head is past the right edge.
private func missing(_ d: ForestDiagram, _ w: World, width: Int) -> [String] {
  var b = Buffer(width: width, height: max(1, d.height))
  d.draw(into: &b, in: b.area)
  let text = b.plainText
  var out: [String] = []
  for p in w.processes where p.alive && !text.contains(" \(p.name) ") { out.append(p.name) }
  for a in w.aliveAnonVMAs where !text.contains(" \(World.avName(a)) ") { out.append(World.avName(a)) }
  for arrow in d.arrows {
    guard case .root(let a, _) = arrow.kind, let head = arrow.xs.last else { continue }
    if head >= width { out.append("root arrow of \(World.avName(a)) at column \(head)") }
  }
  return out
}

@Suite("The diagram fits the pane's width (ForestDiagram.Fit)")
struct DiagramFitTests {
  @Test(
    "at 80x24 every step of E1-E6 (and E3 on 2.6.34 and 6.1) shows the whole width: no `cols right`, every live process and anon_vma named, every root arrow's head inside",
    arguments: planScenes.indices)
  func fitsAt80(index: Int) throws {
    var s = try diagramApp(index)
    let file = planScenes[index].0 + " " + (planScenes[index].1?.rawValue ?? "")
    var fitted = 0
    for k in 0...s.timeline.stepCount {
      s.go(to: k)
      let frame = s.render(width: 80, height: 24).plainText
      #expect(!frame.contains("cols right"), "\(file) step \(k):\n\(frame)")
      s.syncDiagramView(width: 80, height: 24)
      s.refreshDiagram()
      let pane = try #require(s.diagramPane(in: Rect(x: 0, y: 0, width: 80, height: 24)))
      let d = try #require(s.layout.diagram?.whole)
      #expect(s.layout.diagram?.key.width == pane.canvas.width)
      #expect(d.width <= pane.canvas.width, "\(file) step \(k): \(d.width) columns in \(pane.canvas.width)")
      #expect(missing(d, s.layout.world, width: pane.canvas.width).isEmpty, "\(file) step \(k)")
      fitted += d.processes.isEmpty ? 0 : 1
    }
    #expect(fitted > 2)
  }

  @Test(
    "a plan fitted to 76 columns keeps every object in place from step to step, micro-steps too, all within 76 columns",
    arguments: planScenes.indices)
  func narrowPlanStable(index: Int) throws {
    let (file, _, t) = try planScene(index)
    let plan = ForestDiagram.Plan(t, maxWidth: 76)
    var before = ForestDiagram(t.states[0], options: .init(plan: plan))
    for k in 1...t.stepCount {
      let after = ForestDiagram(t.states[k], options: .init(previous: t.states[k - 1], plan: plan))
      #expect(moved(before, after).isEmpty, "\(file) step \(k - 1) → \(k): \(moved(before, after))")
      #expect(after.width <= 76, "\(file) step \(k): \(after.width) columns")
      #expect(missing(after, t.states[k], width: 76).isEmpty, "\(file) step \(k)")
      for micro in t.microStates(step: k) {
        let d = ForestDiagram(micro.world, options: .init(plan: plan))
        #expect(moved(before, d).isEmpty && moved(d, after).isEmpty, "\(file) step \(k) micro-step")
        #expect(d.width <= 76, "\(file) step \(k) micro-step: \(d.width) columns")
      }
      before = after
    }
  }

  @Test(
    "a cut takes every column the pane leaves: one column more on a cut makes some step or micro-step too wide; E2 at 80x24 lists AV1 whole",
    arguments: planScenes.indices)
  func cutsTakeLeftoverColumns(index: Int) throws {
    let (file, _, t) = try planScene(index)
    var cuts = 0
    for maxWidth in [60, 66, 70, 76] {
      let plan = ForestDiagram.Plan(t, maxWidth: maxWidth)
      let fit = try #require(plan.fit)
      let (worlds, _) = ForestDiagram.Plan.worlds(t)
      let samples = ForestDiagram.Plan.samples(worlds)
      let now = plan.columns(worlds, samples: samples, fit: fit)
      for key in [\ForestDiagram.Fit.vmaLabelWidth, \ForestDiagram.Fit.anonVMAInner] {
        guard let cut = fit[keyPath: key] else { continue }
        cuts += 1
        // Too wide, or no wider than now: nothing cut at `cut` would show at `cut + 1`.
        var wider = fit
        wider[keyPath: key] = cut + 1
        let more = plan.columns(worlds, samples: samples, fit: wider)
        #expect(
          more.width > maxWidth || (more.right, more.inner, more.width) == (now.right, now.inner, now.width),
          "\(file) at \(maxWidth): the cut \(cut) could be \(cut + 1) (\(more.width) columns, \(now.width) now)")
      }
    }
    if file == "e2-fork-cow.scene" {
      #expect(cuts > 0)
      var s = try diagramApp(index)
      s.go(to: 4)
      let frame = s.frame(width: 80, height: 24).plainText
      #expect(frame.contains("list P1:A@0 P2:A@0 "), "\(frame)")
    }
  }

  @Test("a diagram as wide as it needs is not narrowed; one that does not fit narrows in order: lanes, chains, lists")
  func narrowsOnlyAsNeeded() throws {
    let t = try timeline("e3-three-generations.scene", nil)
    let w = t.states[5]
    let wide = ForestDiagram(w, options: .init(previous: t.states[4]))
    #expect(ForestDiagram(w, options: .init(previous: t.states[4], maxWidth: wide.width)).width == wide.width)
    let narrow = ForestDiagram(w, options: .init(previous: t.states[4], maxWidth: wide.width - 12))
    #expect(narrow.width <= wide.width - 12)
    #expect(ForestDiagram.Fit.levels(from: 4, maxLanes: 8).map(\.lanes).prefix(2) == [3, 2])
    // Two lanes fewer take at most four columns: 10 too many go straight to two lanes and chains.
    #expect(
      ForestDiagram.Fit.levels(from: 4, maxLanes: 8, excess: 10).first
        == ForestDiagram.Fit(lanes: 2, compactChains: true))
    let levels = ForestDiagram.Fit.levels(from: 2, maxLanes: 8)
    #expect(levels.first == ForestDiagram.Fit(lanes: 2, compactChains: true))
    #expect(ForestDiagram.cut("list", ["P1:A@0", "P2:A@0", "P3:A@0"], room: 16) == "list P1:A@0 …+2")
    #expect(ForestDiagram.cut("list", ["P1:A@0", "P2:A@0"], room: 18) == "list P1:A@0 P2:A@0")
  }

  @Test(
    "a plan's fit check that stops at the first world too wide answers as the full measure does, in four orders",
    arguments: planScenes.indices)
  func earlyExitAgreesWithFullMeasure(index: Int) throws {
    let (_, _, t) = try planScene(index)
    var worlds: [World] = []
    for k in 0...t.stepCount {
      worlds += t.microStates(step: k).map(\.world)
      worlds.append(t.states[k])
    }
    let plan = ForestDiagram.Plan(worlds)
    let samples = Array(worlds.indices)
    // Fixed orders (the test gives the same answer on every run): time order, reversed, the
    // largest worlds first (as Plan.measure asks), and every third world first.
    let orders = [
      samples, samples.reversed(),
      samples.sorted { (worlds[$0].vmas.count, $0) > (worlds[$1].vmas.count, $1) },
      samples.filter { $0 % 3 == 0 } + samples.filter { $0 % 3 != 0 },
    ]
    for fit in [ForestDiagram.Fit(lanes: 8)] + ForestDiagram.Fit.levels(from: 8, maxLanes: 8) {
      let full = plan.columns(worlds, samples: samples, fit: fit)
      for limit in [full.width - 1, full.width, full.width + 1, full.width / 2] {
        for order in orders {
          let early = plan.columns(worlds, samples: order, fit: fit, limit: limit)
          #expect((early != nil) == (full.width <= limit), "fit \(fit) limit \(limit): full width \(full.width)")
          if let early { #expect(early.width == full.width) }
        }
      }
    }
  }
}

@Suite("Compact chains only where the full chain does not fit")
struct DiagramChainFormTests {
  @Test(
    "with compact chains, a VMA row says `chain N` only where its chain spelled out would not fit in its box; nothing moves",
    arguments: planScenes.indices)
  func spelledWhereTheyFit(index: Int) throws {
    let (file, _, t) = try planScene(index)
    for width in [60, 76, 116] {
      let plan = ForestDiagram.Plan(t, maxWidth: width)
      for k in 0...t.stepCount {
        let d = ForestDiagram(t.states[k], options: .init(previous: k > 0 ? t.states[k - 1] : nil, plan: plan))
        for box in d.processes {
          for v in box.vmas {
            guard var label = d.vmaLabels[v], !label.fullChain.isEmpty else { continue }
            if label.compact {
              label.compact = false
              #expect(label.width > box.rect.width - 5, "\(file) width \(width) step \(k): \(label.fullChain) fits")
            }
          }
        }
      }
    }
    if index == 2 {
      // E3 at 120x40: P2's and P3's chains read as names.
      var s = try sceneApp(file, view: .diagram)
      s.go(to: 5)
      let frame = s.render(width: 120, height: 40).plainText
      #expect(frame.contains("chain AV2 AV1") && frame.contains("chain AV3 AV2 AV1"), "\(frame)")
    }
  }
}
