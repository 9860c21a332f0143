import AnonVMASim
import Foundation
import ScenePlayer
import TermRender
import TestSupport
import Testing

@testable import AppCore

/// What the screen says about anon_vma locks agrees with what it draws and with the model
/// (issue 16: everything anonvis states must be true).
@Suite("Lock statements: the locks line, `outline:`, the inspector")
struct LockTruthTests {
  static let scenes: [(String, KernelVersion?)] =
    [
      "e1-first-touch.scene", "e2-fork-cow.scene", "e3-three-generations.scene", "e4-split-merge.scene",
      "e5-rmap-coverage.scene", "e6-ksm-root-lifetime.scene",
    ].map { ($0, nil) } + [("e3-three-generations.scene", .v2_6_34), ("e3-three-generations.scene", .v6)]

  /// The (cpu, anon_vma) pairs a text names as held: `cpu0 holds AV1`.
  static func named(_ items: [String]) -> Set<String> {
    var out = Set<String>()
    for item in items {
      for m in item.matches(of: /cpu(\d+) holds (AV\d+)/) { out.insert("cpu\(m.1) \(m.2)") }
    }
    return out
  }

  @Test(
    "inside a micro-step the locks line names exactly the locks held at it, or says none is held",
    arguments: 0..<scenes.count)
  func microStepLines(index: Int) throws {
    let (file, kernel) = Self.scenes[index]
    var s = try diagramApp(file, kernel)
    var checked = 0
    var none = 0
    for k in 1...s.timeline.stepCount {
      s.go(to: k)
      // The model's lock table at each micro-step, read from the replay, not from the screen.
      let micro = s.timeline.replay.microStates(step: k)
      for m in micro.indices {
        s.selectMicro(m)
        s.refreshLayout()
        _ = s.render(width: 80, height: 24)
        let items = try #require(s.layout.diagram?.lockLineItems.items)
        let w = micro[m].world
        var held = Set<String>()
        for lock in w.lockHolders.keys {
          for h in w.lockHolders[lock] ?? [] { held.insert("cpu\(h.cpu) \(World.avName(lock))") }
        }
        let at = "\(file) \(kernel?.rawValue ?? "") \(k).\(m + 1)"
        #expect(Self.named(items) == held, "\(at): \(items) but held \(held.sorted())")
        #expect(items.contains { $0.contains("no anon_vma lock held") } == held.isEmpty, "\(at): \(items)")
        // Never the step's summary (`cpu0 locks AV1 … ×4`), which can contradict the picture.
        #expect(!items.contains { $0.contains(" locks AV") }, "\(at): \(items)")
        checked += 1
        if held.isEmpty { none += 1 }
      }
      s.selectMicro(nil)
    }
    #expect(checked > 0)
    if file.hasPrefix("e3") { #expect(none > 0 && none < checked, "\(file): \(none) of \(checked) hold none") }
  }

  /// The alive anon_vmas a lock held in `w` covers, read independently of `World.lockTarget`:
  /// in 2.6.34 a locked anon_vma itself, in 2.6.36 and 6.x every anon_vma of a locked root.
  static func covered(_ w: World) -> Set<AnonVMAID> {
    Set(
      w.aliveAnonVMAs.filter { a in
        !(w.lockHolders[w.kernel == .v2_6_34 ? a : (w[anonVMA: a].root ?? a)] ?? []).isEmpty
      })
  }

  @Test(
    "at a whole step the picture outlines a hold whose anon_vmas survive the step whenever one does, as it covered them at the micro-step named; `not shown` only when none does, whole on screen at 80×24; the matrix marks the same hold",
    arguments: allScenes())
  func stepShowsSurvivingHold(file: String) throws {
    var s = try diagramApp(file, nil)
    let t = s.timeline
    var shown = 0
    var notShown = 0
    for k in 1...t.stepCount {
      // The model's holds at each micro-step and the world after the step, from the replay.
      let micro = t.microStates(step: k)
      let end = t.states[k]
      func survives(_ a: AnonVMAID) -> Bool { end.anonVMA(a)?.alive == true }
      let covers = micro.map { Self.covered($0.world) }
      let holding = micro.contains { !$0.world.lockHolders.keys.isEmpty }
      // Every hold of the step was held when it began, and the step released them all: its
      // picture is its end, no lock drawn (the release is the news).
      func pairs(_ w: World) -> Set<String> {
        Set(w.lockHolders.keys.flatMap { lock in (w.lockHolders[lock] ?? []).map { "\($0.cpu) \(lock)" } })
      }
      var releasesOnly = holding && pairs(end).isEmpty
      var previous = pairs(t.states[k - 1])
      for state in micro {
        // No micro-step takes a lock (a CPU may release one and take it again).
        let now = pairs(state.world)
        if !now.isSubset(of: previous) { releasesOnly = false }
        previous = now
      }
      let someSurvive = covers.contains { $0.contains(where: survives) }
      let allSurvive = covers.contains { !$0.isEmpty && $0.allSatisfy(survives) }
      for (width, height) in [(80, 24), (120, 40)] {
        s.forestView = .diagram
        s.go(to: k)
        let frame = s.render(width: width, height: height)
        let d = try #require(s.layout.diagram)
        let outlined = Set(d.whole.lockOutlines.flatMap(\.covered))
        let note = d.lockNote ?? ""
        let at = "\(file) \(width)x\(height) step \(k): \(d.lockSummary)"
        guard holding, !releasesOnly else {
          // A lock held through a step without micro-steps is drawn at the step's end; a step
          // that only releases holds is drawn at its end, with none.
          #expect(outlined == Self.covered(end), "\(at)")
          #expect(!releasesOnly || (outlined.isEmpty && note.isEmpty), "\(at): \(note)")
          continue
        }
        #expect(note.hasPrefix("not shown") == !someSurvive, "\(at)")
        if someSurvive {
          let n = try #require(note.firstMatch(of: /^outline: micro-step (\d+)/).flatMap { Int($0.1) }, "\(at)")
          let then = covers[n - 1]
          #expect(!outlined.isEmpty && then.filter(survives) == outlined, "\(at)")
          // A hold every anon_vma of which survives is preferred: drawn exactly as it covered.
          if allSurvive { #expect(then == outlined, "\(at)") }
          // What it covered then and the step freed is named.
          for a in then.subtracting(outlined) { #expect(note.contains(World.avName(a)), "\(at)") }
          shown += 1
        } else {
          #expect(outlined.isEmpty, "\(at)")
          notShown += 1
        }
        // The note is teaching text: every word of it on screen, in order, under the diagram.
        if let pane = s.diagramPane(in: Rect(x: 0, y: 0, width: width, height: height)), pane.side == nil {
          let words = pane.lockLines.joined(separator: " ").split(separator: " ").joined(separator: " ")
          #expect(words.contains(note.split(separator: " ").joined(separator: " ")), "\(at): \(pane.lockLines)")
          let rows = frame.plainText.split(separator: "\n")
          for line in pane.lockLines { #expect(rows.contains { $0.contains(line) }, "\(at): \(line) not on screen") }
        }
        // The matrix (and the tree) mark the hold the diagram outlines, and name its micro-step.
        s.forestView = .matrix
        s.refreshLayout()
        let lock = s.layout.lockView
        #expect(lock.covered == outlined, "\(at): the matrix marks \(lock.covered.sorted())")
        if let n = note.firstMatch(of: /^outline: micro-step (\d+)/)?.1 {
          #expect(lock.legend.long.contains("micro-step \(n)/"), "\(at): \(lock.legend.long)")
        }
      }
    }
    if file.hasPrefix("e3") { #expect(shown > 0 && notShown > 0, "\(file): \(shown) shown, \(notShown) not") }
  }

  @Test("at a whole step `outline:` is written iff the diagram draws a lock outline", arguments: allScenes())
  func shownAt(file: String) throws {
    var s = try diagramApp(file, nil)
    for k in 0...s.timeline.stepCount {
      s.go(to: k)
      _ = s.render(width: 120, height: 40)
      let d = try #require(s.layout.diagram)
      let says = d.lockSummary.contains { $0.hasPrefix("outline:") }
      #expect(says == !d.whole.lockOutlines.isEmpty, "\(file) step \(k): \(d.lockSummary)")
    }
  }

  @Test(
    "at a whole step the inspector tells an anon_vma's lock at the moment shown iff the frame draws it in the outline",
    arguments: 0..<6)
  func inspectorAgrees(index: Int) throws {
    let (file, kernel) = Self.scenes[index]
    var shown = 0
    try Self.inspectLocks(file, kernel) { s, k, a, lock in
      let outlined = Set(try #require(s.layout.diagram?.whole).lockOutlines.flatMap(\.covered))
      #expect(lock.contains("(shown)") == outlined.contains(a), "\(file) step \(k) \(World.avName(a)): \(lock)")
      if outlined.contains(a) { shown += 1 }
    }
    #expect(shown > 0 || index < 2, "\(file): no anon_vma shown under a lock")
  }

  /// Each whole step of `file` drawn at 80x24, each anon_vma alive after it selected: the
  /// inspector's `lock` line.
  static func inspectLocks(
    _ file: String, _ kernel: KernelVersion?, _ body: (AppState, Int, AnonVMAID, String) throws -> Void
  ) throws {
    var s = try diagramApp(file, kernel)
    s.focus = .forest
    for k in 0...s.timeline.stepCount {
      s.go(to: k)
      _ = s.render(width: 80, height: 24)
      for a in s.layout.world.aliveAnonVMAs {
        s.diagramView.selection = .anonVMA(a)
        let lines = s.inspector(Theme.unicode).content.1
        try body(s, k, a, try #require(lines.first { $0.hasPrefix("lock ") }, "\(file) step \(k)"))
      }
    }
  }

  @Test(
    "the inspector's lock after the step is the lock anon_vma_lock() takes (the root's in 2.6.36 and 6.x, its own in 2.6.34) and its holders",
    arguments: [
      "concurrency/root-lock-blocks-exit.scene", "concurrency/rwsem-readers-share-6.1.scene",
      "concurrency/own-locks-let-exit-proceed-2.6.34.scene", "e3-three-generations.scene",
    ])
  func inspectorNamesLockTaken(file: String) throws {
    var held = 0
    try Self.inspectLocks(file, nil) { s, k, a, line in
      let w = s.layout.world
      let after = line.components(separatedBy: "after the step: ").last ?? line
      let target = w.kernel == .v2_6_34 ? a : (w[anonVMA: a].root ?? a)
      let holders = (w.lockHolders[target] ?? []).map(\.cpu)
      let at = "\(file) step \(k) \(World.avName(a)): \(line)"
      #expect(after.contains("\(World.avName(target))'s lock") == (target != a), "\(at)")
      #expect(after.hasSuffix("free") == holders.isEmpty, "\(at)")
      for cpu in holders { #expect(after.contains("held by cpu\(cpu)"), "\(at)") }
      if !holders.isEmpty && target != a { held += 1 }
    }
    // Locks held across steps, under a root: after take-all-locks, between the rwsem readers.
    #expect(
      held > 0 || !file.hasPrefix("concurrency/r"), "\(file): no anon_vma under its root's held lock after a step")
  }

  @Test(
    "a whole step's locks read without keeping its micro-states (quiet, observed) equal those of the kept micro-states, and so does the featured world",
    arguments: allScenes())
  func observedLocksEqualKept(file: String) throws {
    let t = try sceneApp(file).timeline
    var featured = 0
    for k in 1...max(1, t.stepCount) where k <= t.stepCount {
      let micro = t.replay.microStates(step: k)
      let kept = StepLocks(micro, end: t.states[k])
      var observer = StepLocks.Observer(end: t.states[k])
      let count = t.replay.observeMicroStates(step: k, narration: .quiet) { observer.observe($0, $1) }.count
      #expect(observer.locks == kept && observer.locks.holds == kept.holds, "\(file) step \(k)")
      #expect(count == micro.count, "\(file) step \(k)")
      guard let f = kept.featured else { continue }
      let moment = t.replay.observeMicroStates(step: k, keep: f) { _, _ in }.kept
      #expect(moment == micro[f - 1].world, "\(file) step \(k): the world at micro-step \(f)")
      featured += 1
    }
    if file.hasPrefix("e3") || file.hasPrefix("concurrency/") { #expect(featured > 0, "\(file): no step took a lock") }
  }

  @Test("the app at a whole step shows the same locks and moment whether or not the step's micro-states are loaded")
  func loadedOrNot() throws {
    for file in ["e3-three-generations.scene", "e6-ksm-root-lifetime.scene", "concurrency/root-lock-blocks-exit.scene"]
    {
      var s = try diagramApp(file, nil)
      for k in 1...s.timeline.stepCount {
        s.go(to: k)
        let observed = s.render(width: 120, height: 40).plainText
        let d = try #require(s.layout.diagram)
        // Into the step's micro-steps and out again: now they are loaded.
        _ = s.loadMicroSteps()
        s.layout.diagram = nil
        s.refreshLayout()
        let loaded = s.render(width: 120, height: 40).plainText
        #expect(s.layout.microSteps?.step == k)
        #expect(observed == loaded, "\(file) step \(k)")
        #expect(s.layout.diagram?.locks == d.locks, "\(file) step \(k)")
      }
    }
  }
}
