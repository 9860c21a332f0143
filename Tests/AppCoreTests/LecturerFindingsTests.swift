import AnonVMASim
import Foundation
import ScenePlayer
import TermRender
import TestSupport
import Testing

@testable import AppCore

/// What a lecturer's trial of the TUI found stated falsely, each kept true.
@Suite("The diagram states what the world holds, as a lecturer reads it")
struct LecturerFindingsTests {
  /// 2.6.36's anon_vma_alloc() leaves `root` unset until anon_vma_fork() sets it; 6.x's sets it
  /// to the anon_vma itself. E3's third generation is allocated at step 5.
  @Test(
    "at every micro-step, an anon_vma box says root exactly when anon_vma->root is itself (6.x: also while unset: anon_vma_alloc sets it)",
    arguments: [KernelVersion.v2_6_36, .v6])
  func rootTitle(kernel: KernelVersion) throws {
    let t = try scene("e3-three-generations.scene", kernel: kernel)
    var unset = 0
    for k in 1...t.stepCount {
      var previous = t.states[k - 1]
      for (_, w) in t.replay.microStates(step: k) {
        let d = ForestDiagram(w, options: .init(previous: previous))
        previous = w
        for box in d.anonVMAs where box.change != .removed {
          let root = try #require(w.anonVMA(box.anonVMA)).root
          let isRoot = root == box.anonVMA || (root == nil && kernel.isModern)
          #expect(box.isRoot == isRoot, "step \(k) \(box.title)")
          #expect(box.title.hasSuffix(" root ") == isRoot, "step \(k) \(box.title)")
          if root == nil { unset += 1 }
        }
      }
    }
    #expect(unset > 0)
  }

  /// `↓ N more` on the diagram pane's border: N rows below the window down to the last row the
  /// step draws, never a plan's blank rows kept for other steps' objects.
  @Test(
    "at 80x24, ↓ N more counts the rows below down to the last one drawing something, and names what the step made, freed or changed there",
    arguments: lectureScenes)
  func moreIsDrawn(file: String) throws {
    var driver = AppDriver(try sceneApp(file, view: .diagram), width: 80, height: 24)
    var births = 0
    for k in 0...driver.state.timeline.stepCount {
      driver.type("g\(k)\n")
      let s = driver.state
      let frame = try #require(driver.terminal.screen)
      let pane = try #require(s.diagramPane(in: Rect(x: 0, y: 0, width: 80, height: 24)))
      let window = s.diagramWindow(try #require(s.layout.diagram), pane: pane)
      let d = window.diagram
      let border = (pane.outer.x..<pane.outer.maxX).map { frame[$0, pane.outer.maxY - 1].text }.joined()
      // The whole diagram drawn, to read its rows below the window.
      var whole = Buffer(width: max(1, d.width), height: max(1, d.height))
      d.draw(into: &whole, in: whole.area, scroll: 0)
      func drawn(_ y: Int) -> Bool { y < d.height && (0..<whole.width).contains { whole[$0, y].text != " " } }
      let below = window.top + window.rows
      guard let r = border.range(of: #"↓ (\d+) more"#, options: .regularExpression) else {
        #expect(!(below..<max(below, d.height)).contains(where: drawn), "\(file) step \(k): drawn below, no ↓")
        continue
      }
      let n = try #require(Int(border[r].dropFirst(2).prefix { $0.isNumber }))
      // The first box new, freed or changed in this step below the window is named: the new
      // first, then the freed, then the changed, each kind processes first.
      let w = driver.state.world
      let previous = driver.state.timeline.states[max(0, k - 1)]
      var belowBirths: [String] = []
      for (kind, m) in [(ForestDiagram.Change.added, "+"), (.removed, "−"), (.changed, "~")] {
        for box in d.processes where box.rect.y >= below && box.change == kind {
          belowBirths.append(m + (w.isAllocated(box.process) ? w : previous)[process: box.process].name)
        }
        for box in d.anonVMAs where box.rect.y >= below && box.change == kind {
          belowBirths.append(m + World.avName(box.anonVMA))
        }
        for box in d.stableNodes where box.rect.y >= below && box.change == kind {
          belowBirths.append(m + "K\(box.node.raw)")
        }
      }
      if let named = belowBirths.first {
        #expect(border.contains("more: " + named), "\(file) step \(k): \(named) below, not named\n\(driver.screen)")
        births += 1
      }
      #expect(drawn(below + n - 1), "\(file) step \(k): ↓ \(n) more ends on a blank row\n\(driver.screen)")
      #expect(!(below + n..<max(below + n, d.height)).contains(where: drawn), "\(file) step \(k): drawn past ↓ \(n)")
    }
    // E3 still makes or frees objects below the window at some step (a step scrolls to its first
    // new object and what fits with it: ``AppState/revealStepChanges(width:height:)``).
    if file.hasPrefix("e3") { #expect(births > 0) }
  }

  /// E3 step 8: P3 exits; its box and VMA are drawn once. Selected, the VMA is named as the
  /// scene names it, and the inspector shows it as it was.
  /// The window a step opens on (``AppState/revealStepChanges(width:height:)``) shows whole the
  /// most weight of what the step is about, found by a search over the candidate windows only: a
  /// brute force over every top compares it. It does not depend on how the step was reached.
  @Test(
    "at 80x24, a step opens on the window showing most of what it made, freed, changed and walked, whether reached by → or g",
    arguments: lectureScenes + ["concurrency/rwsem-readers-share-6.1.scene"])
  func stepOpensOnChanges(file: String) throws {
    var s = try sceneApp(file, view: .diagram)
    _ = s.frame(width: 80, height: 24)
    var scrolled = 0
    var kept = 0
    for k in 1...s.timeline.stepCount {
      let before = s.diagramView.top
      _ = send(&s, [.right])
      #expect(s.step == k)
      _ = s.frame(width: 80, height: 24)
      guard let d = s.shownDiagram, let rows = s.diagramView.paneRows else { continue }
      let top = s.diagramView.top
      if top > 0 { scrolled += 1 }
      let targets = d.revealTargets(named: s.narrationNames)
      func weight(_ top: Int) -> ForestDiagram.RevealWeight {
        targets.filter { $0.rect.y >= top && $0.rect.maxY <= top + rows }.reduce(.zero) { $0 + $1.weight }
      }
      let best = (0...max(0, min(d.height, d.drawnBottom) - rows)).map(weight).max() ?? .zero
      #expect(weight(top) == best, "\(file) step \(k): the window at row \(top) shows \(weight(top)) of \(best)")
      // Nothing it changed is out of view while the window could show all of it.
      let all = (targets.map(\.rect.y).min() ?? 0)..<(targets.map(\.rect.maxY).max() ?? 0)
      if all.count <= rows {
        #expect(
          targets.allSatisfy { $0.rect.y >= top && $0.rect.maxY <= top + rows },
          "\(file) step \(k): a change out of view")
      }
      // The window of the step before when it is one of the best (and cuts no box, or every best
      // one does); else the highest of the best, or one lower that does not start inside a box
      // when every best one above it does: boxes stay put and keep their titles (80×24 E5 steps 5
      // to 10 had P3's title on rows 2, 7, 4, 8, 5, 2, and cut P1's above its title).
      if !targets.isEmpty {
        let bests = (0...max(0, min(d.height, d.drawnBottom) - rows)).filter { weight($0) == best }
        func inside(_ t: Int) -> Bool { d.boxRows.contains { $0.lowerBound < t && t < $0.upperBound } }
        let stays = bests.contains(before) && (!inside(before) || bests.allSatisfy(inside))
        if stays {
          #expect(top == before, "\(file) step \(k): the window moved from \(before) to \(top), which shows no more")
          kept += 1
        } else {
          let above = bests.filter { $0 < top }
          #expect(
            above.isEmpty || (!inside(top) && above.allSatisfy(inside)),
            "\(file) step \(k): the window at row \(top) is not the first uncut best of \(bests)")
        }
      }
      // The same step entered with g from the start opens on a window as good.
      if !targets.isEmpty {
        var jumped = try sceneApp(file, view: .diagram)
        _ = jumped.frame(width: 80, height: 24)
        _ = send(&jumped, [.char("g")] + chars("\(k)") + [.enter])
        _ = jumped.frame(width: 80, height: 24)
        #expect(
          weight(jumped.diagramView.top) == best,
          "\(file) step \(k): g opens at row \(jumped.diagramView.top), showing \(weight(jumped.diagramView.top)) of \(best)"
        )
      }
    }
    #expect(s.step == s.timeline.stepCount)
    // Not vacuous: some step keeps the window of the step before.
    if file.hasPrefix("e3") || file.hasPrefix("e6") { #expect(kept > 0, "\(file): no step kept the window") }
    if file.hasPrefix("e5") || file.hasPrefix("e6") {
      #expect(scrolled > 0, "\(file): no step opened below the top (else this proves little)")
    }
  }

  /// The sweep of ``ForestDiagram/revealWindow(_:extent:rows:)`` against every top tried, on
  /// random targets (a fixed generator): the window it picks shows the most weight there is.
  @Test("the reveal window's sweep finds the best window a brute force over every top finds")
  func revealWindowSweep() {
    var seed: UInt64 = 0x9E37_79B9_7F4A_7C15
    func next(_ n: Int) -> Int {
      seed = seed &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
      return Int((seed >> 33) % UInt64(n))
    }
    for _ in 0..<500 {
      let rows = 1 + next(20)
      let extent = rows + next(60)
      let targets = (0..<(1 + next(12))).map { _ in
        ForestDiagram.RevealTarget(
          rect: Rect(x: 0, y: next(extent), width: 1, height: 1 + next(rows + 3)),
          weight: .init(namedChanged: next(2), named: next(3), change: 1 + next(200)))
      }
      func weight(_ top: Int) -> ForestDiagram.RevealWeight {
        targets.filter { $0.rect.y >= top && $0.rect.maxY <= top + rows }.reduce(.zero) { $0 + $1.weight }
      }
      let best = (0...max(0, extent - rows)).map(weight).max() ?? .zero
      let top = ForestDiagram.revealWindow(targets, extent: extent, rows: rows)
      #expect(top.map(weight) == best, "rows \(rows) extent \(extent) \(targets): \(String(describing: top))")
      #expect(top.map { $0 >= 0 && $0 <= max(0, extent - rows) } == true)
    }
  }

  /// E6's last step frees AV2 and then its root AV1, which its narration says: at 80×24 both are
  /// in view, and so is the changed K1's title, under the processes.
  @Test("at 80x24, E6's last step opens on the freed AV1 and AV2 its narration names, and K1's title")
  func freedNamedInView() throws {
    var d = AppDriver(try sceneApp("e6-ksm-root-lifetime.scene", view: .diagram), width: 80, height: 24)
    d.type("g12\n")
    let screen = d.screen
    #expect(screen.contains("− AV1 root") && screen.contains("− AV2"), "\(screen)")
    #expect(screen.contains("~ KSM stable node K1"), "\(screen)")
  }

  /// E5 step 5 (fork P2 P3: P3, AV3 made; AV1 and AV2 changed): at 80×24 the window opens on
  /// what the fork made, with AV1, whose `ext` the fork raised, above it; the border names it.
  /// (It was E6 step 9 until K1 moved under the processes and the window showed all it changed.)
  @Test("at 80x24, a changed box whose title is above the window is named on the border, nearest first")
  func partlyAboveNamed() throws {
    var d = AppDriver(try sceneApp("e5-rmap-coverage.scene", view: .diagram), width: 80, height: 24)
    d.type("g5\n")
    let screen = d.screen
    let rows = screen.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    // AV1's title is not on screen.
    #expect(!screen.contains("AV1 root ━"), "\(screen)")
    let border = try #require(rows.first { $0.contains("↑") && $0.contains("more") }, "\(screen)")
    #expect(border.contains("more: ~AV1"), "\(border)")
  }

  @Test("a VMA freed in the step, selected, is named by its name and inspected as it was")
  func freedVMA() throws {
    var d = AppDriver(try sceneApp("e3-three-generations.scene", view: .diagram), width: 120, height: 40)
    d.type("g8\n")
    let before = d.state.timeline.states[7]
    let w = d.state.world
    let freed = try #require(
      d.state.layout.diagram?.whole.objects.first {
        if case .vma(let v) = $0 { return w.vmas[v] == nil }
        return false
      })
    guard case .vma(let v) = freed else { return }
    d.press(.tab)
    for _ in 0..<40 where d.state.diagramView.selection != freed { d.press(.down) }
    #expect(d.state.diagramView.selection == freed)
    d.press(.enter)
    let name = before.vmaName(v)
    #expect(d.screen.contains("selected \(name)"), "\(d.screen)")
    #expect(d.screen.contains("\(name) (freed in this step)") && d.screen.contains("as it was before the step"))
  }

  @Test("every-operation's last step: the matrix says no processes are left; L in the matrix says v draws the diagram")
  func matrixWords() throws {
    var d = AppDriver(try sceneApp("every-operation.scene", view: .matrix), width: 120, height: 40)
    d.type("g\(d.state.timeline.stepCount)\n")
    #expect(d.screen.contains("(no processes left)"), "\(d.screen)")
    d.press(.char("L"))
    #expect(d.screen.contains("v switches to it"), "\(d.screen)")
  }
}

@Suite("Compare: what differs is written as the diagram writes it")
struct CompareNotationTests {
  /// mremap-uaf-both against 6.1 at 200x60: each `≠ P1:p@0: A..B rw (…: C..D rw)` line's ranges
  /// are the VMA's pages as the diagram writes them (`p@0 0..3 rw`), in the half's model and in
  /// the other.
  @Test("a VMA's ≠ line writes its pages first..last, as its row in the diagram does")
  func vmaRanges() throws {
    var s = try sceneApp("mainline/mremap-uaf-both.scene", view: .diagram)
    s.setCompare(.v6)
    var driver = AppDriver(s, width: 200, height: 60)
    var checked = 0
    for step in 1...driver.state.timeline.stepCount {
      driver.type("g\(step)\n")
      let worlds = [driver.state.world, try #require(driver.state.compareLayout?.world)]
      for line in driver.screen.split(separator: "\n") {
        guard let r = line.range(of: #"≠ (P\d+:[^:\s]+): \d+\.\.\d+"#, options: .regularExpression) else { continue }
        let parts = line[r].dropFirst(2).split(separator: " ")
        let vmaName = String(parts[0].dropLast())
        let range = String(parts[1])
        let written = worlds.flatMap { w in
          w.orderedVMAs.filter { w.vmaName($0) == vmaName }.compactMap { w.vmas[$0] }
            .map { "\($0.firstPage)..\($0.firstPage + $0.pages - 1)" }
        }
        #expect(written.contains(range), "step \(step) \(vmaName): \(range) not a range the diagram writes: \(written)")
        checked += 1
      }
    }
    #expect(checked > 0)
  }
}
