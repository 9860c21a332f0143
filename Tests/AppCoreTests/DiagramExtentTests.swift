import AnonVMASim
import ScenePlayer
import TermRender
import TestSupport
import Testing

@testable import AppCore

/// Every object of a world and the one before it, and a fold.
private func candidates(_ w: World, _ previous: World?) -> [ForestDiagram.Object] {
  var out: [ForestDiagram.Object] = []
  for x in [w, previous].compactMap({ $0 }) {
    out += x.processIDs.map(ForestDiagram.Object.process)
    out += x.vmas.keys.sorted().map(ForestDiagram.Object.vma)
    out += x.anonVMAs.map { ForestDiagram.Object.anonVMA($0.id) }
  }
  return out + [.fold(0)]
}

@Suite("The unfolded diagram's height and contents, counted from the world, are the laid-out diagram's")
struct DiagramExtentTests {
  /// The lecture scenes (and E3 on 2.6.34 and 6.1), then forking servers like the benchmark's W1
  /// (``DiagramFastPathTests/scene(_:)``'s two and one on 2.6.34).
  static let cases = planScenes.indices.map { $0 } + [-1, -2, -3, -5, -6]

  static func scene(_ index: Int) throws -> (String, Timeline) {
    switch index {
    case -3: return ("server 2.6.34", forkingServer(processes: 20, kernel: .v2_6_34))
    // Use-after-free: a freed anon_vma drawn as long as a page still points at it.
    case -5:
      return ("mremap faulted-into-unfaulted 2.6.36", try timeline("mremap/faulted-into-unfaulted-2.6.36.scene", nil))
    case -6: return ("mainline mremap-uaf-both", try timeline("mainline/mremap-uaf-both.scene", nil))
    // Over 500 steps: no plan (PlannedTimeline.maxSteps), each diagram laid out on its own.
    case -4: return ("server unplanned", forkingServer(processes: 215))
    default: return try DiagramFastPathTests.scene(index)
    }
  }

  @Test(
    "every step and some micro-steps, without a plan and with plans for three widths: the height counted equals the rows' and the laid-out diagram's, and each object is drawn exactly when the world says so",
    arguments: cases)
  func countedMatchesBuilt(index: Int) throws {
    let (name, t) = try Self.scene(index)
    // The last for a large pane's rows: spaced, with PTE rows under the VMAs (``Plan/pteRows``).
    let plans: [ForestDiagram.Plan?] =
      [nil] + [56, 117, 153].map { ForestDiagram.Plan(t, maxWidth: $0) } + [
        ForestDiagram.Plan(t, maxWidth: 296, maxRows: 90)
      ]
    var compared = 0
    var drawnChecked = 0
    for k in 0...t.stepCount {
      var worlds: [(World, World?)] = [(t.states[k], k > 0 ? t.states[k - 1] : nil)]
      if k > 0, k % 3 == 1 {
        let micro = t.microStates(step: k).map(\.world)
        worlds += micro.enumerated().filter { $0.offset % 4 == 1 }.map { ($0.element, t.states[k - 1]) }
      }
      for (w, previous) in worlds {
        for (p, plan) in plans.enumerated() {
          let options = ForestDiagram.Options(previous: previous, plan: plan, maxWidth: plan?.maxWidth)
          let at = "\(name) step \(k) plan \(p)"
          let counted = ForestDiagram.unfoldedHeight(w, options: options)
          let rows = ForestDiagram(rows: w, options: options)
          let laidOut = ForestDiagram(w, options: options)
          #expect(counted == rows.height, "\(at)")
          #expect(counted == laidOut.height, "\(at)")
          compared += 1
          for object in candidates(w, previous) {
            let drawn = laidOut.rect(of: object) != nil
            #expect(ForestDiagram.unfoldedDraws(object, w, options: options) == drawn, "\(at) \(object)")
            drawnChecked += drawn ? 1 : 0
          }
        }
      }
    }
    #expect(compared > 20)
    #expect(drawnChecked > 20)
  }

  @Test(
    "stepping through the app at 80x24, 120x40, 200x60 and 300x100, folding on and off: the whole diagram's height and what it draws, known before it is laid out, are the laid-out diagram's",
    arguments: [-3, -4, 0, 2], [(80, 24), (120, 40), (200, 60), (300, 100)])
  func appMatchesLaidOut(index: Int, size: (Int, Int)) throws {
    let (name, t) = try Self.scene(index)
    var folded = 0
    for folding in [true, false] {
      var state = AppState(timeline: t, fileName: name)
      state.forestView = .diagram
      state.folding = folding
      var driver = AppDriver(state, width: size.0, height: size.1)
      for k in 0...t.stepCount {
        if k > 0 { driver.press(.right) }
        let s = driver.state
        // W1's forks grow it past DiagramLayout.maxVMAs: the matrix is drawn from there on.
        guard DiagramLayout.drawable(s.layout) else { break }
        #expect((s.diagramPlan?.plan == nil) == (t.stepCount > PlannedTimeline.maxSteps))
        let diagrams = try #require(s.layout.diagram, "\(name) step \(k)")
        let at = "\(name) \(size) folding \(folding) step \(k)"
        // Asked before the whole diagram is laid out (the test's own question lays it out).
        let objects = candidates(s.layout.world, s.layout.previous)
        let draws = objects.map { diagrams.wholeDraws($0) }
        let whole = diagrams.whole
        #expect(diagrams.wholeHeight == whole.height, "\(at)")
        #expect(draws == objects.map { whole.rect(of: $0) != nil }, "\(at)")
        folded += diagrams.folded == nil ? 0 : 1
      }
    }
    if index == -4 && size.1 < 60 { #expect(folded > 0, "\(name) \(size): nothing folded") }
  }

  @Test(
    "a step's featured lock moment, its list lengths counted without making the lists, is the one the listed VMAs give, over every step",
    arguments: cases)
  func featuredLockMatchesPlain(index: Int) throws {
    let (name, t) = try Self.scene(index)
    let steps = (1...t.stepCount).map { (k: $0, micro: t.microStates(step: $0)) }
    var featured = 0
    for (k, micro) in steps {
      // The plain count: every alive anon_vma under a held lock, and the VMAs on its list; the
      // holds whose anon_vmas all survive the step first, then those of which some do.
      var plain: Int?
      var best = (survive: 0, cover: 0)
      let end = t.states[k]
      for (i, state) in micro.enumerated() {
        let w = state.world
        let locked = Set(w.lockHolders.keys)
        guard !locked.isEmpty else { continue }
        var cover = 0
        let covered = w.aliveAnonVMAs.filter { locked.contains(w.lockTarget(of: $0)) }
        for a in covered { cover += 1 + w.listVMAs(a).count }
        let alive = covered.filter { end.anonVMA($0)?.alive == true }.count
        let survive = alive == 0 ? 0 : alive == covered.count ? 2 : 1
        if plain == nil || survive > best.survive || (survive == best.survive && cover >= best.cover) {
          best = (survive, cover)
          plain = i + 1
        }
      }
      #expect(StepLocks(micro, end: end).featured == plain, "\(name) step \(k)")
      featured += plain == nil ? 0 : 1
    }
    #expect(featured > 0, "\(name): no step took a lock")
  }
}
