import AnonVMASim
import ScenePlayer
import SceneScript
import TermRender
import TestSupport
import Testing

@testable import AppCore

/// E3 on 2.6.36 compared with 2.6.34 (`--compare 2.6.34`).
private func e3Compared() throws -> AppState {
  var s = try sceneApp("e3-three-generations.scene")
  s.setCompare(.v2_6_34)
  return s
}

@Suite("Compare: side by side from 160 columns, stacked below, what differs marked in both")
struct SideBySideTests {
  @Test(
    "golden frames of E3 2.6.36 vs 2.6.34: side by side at 200x60, stacked at 120x40",
    arguments: [(200, 60), (120, 40)])
  func goldenCompare(size: (Int, Int)) throws {
    var s = try e3Compared()
    var text = ""
    for k in 0...s.timeline.stepCount {
      s.go(to: k)
      text += "=== step \(k) ===\n" + s.render(width: size.0, height: size.1).plainText
    }
    try assertGolden(text, "Tests/AppCoreTests/Golden/e3-compare-2.6.34-\(size.0)x\(size.1).txt")
  }

  @Test("side by side from 160 columns: two headers on the first row, two status lines on the last")
  func sideBySide() throws {
    var s = try e3Compared()
    s.go(to: 5)
    for (w, h) in [(160, 40), (200, 60)] {
      let rows = s.render(width: w, height: h).plainText.split(separator: "\n").map(String.init)
      #expect(rows[0].contains("kernel 2.6.36 (root lock)") && rows[0].contains("kernel 2.6.34"))
      #expect(rows[h - 1].components(separatedBy: "step 5/8").count - 1 == 2)
    }
    let stacked = s.render(width: 159, height: 40).plainText.split(separator: "\n").map(String.init)
    #expect(stacked[0].contains("kernel 2.6.36") && !stacked[0].contains("kernel 2.6.34"))
    #expect(stacked[20].contains("kernel 2.6.34"))
    let one = s.render(width: 120, height: 30).plainText
    #expect(one.contains("compare with 2.6.34 needs 160 columns or 40 rows (now 120×30)"))
  }

  @Test(
    "too small for two models (80x24, E3 step 6, c): no ≠ on the one model drawn, the step's say text stays in sight, the notice after it"
  )
  func tooSmall() throws {
    for view in [ForestView.diagram, .matrix] {
      var s = try sceneApp("e3-three-generations.scene", view: view)
      s.go(to: 6)
      _ = s.render(width: 80, height: 24)
      _ = send(&s, [.char("c")])
      #expect(s.compareTimeline != nil)
      let frame = s.render(width: 80, height: 24).plainText
      // Stacked compare needs two 80x16 halves: one model is drawn, unmarked.
      #expect(s.compareAreas(Rect(x: 0, y: 0, width: 80, height: 24)) == nil)
      #expect(!frame.contains("≠"), "\(view): \(frame)")
      // The step's say line comes first, the notice after it (where it fits at all).
      let rows = frame.split(separator: "\n").map(String.init)
      let sayRow = rows.firstIndex { $0.contains("AV2 survives") }
      #expect(sayRow != nil, "\(view): \(frame)")
      if let notice = rows.firstIndex(where: { $0.contains("needs 160 columns") }), let sayRow {
        #expect(sayRow < notice, "\(view): \(frame)")
      }
      // The say text is what the lecturer reads: it stays, the notice gives way (every step,
      // the last one's two lines too).
      for k in 1...s.timeline.stepCount {
        s.go(to: k)
        let frame = s.render(width: 80, height: 24).plainText
        #expect(!frame.contains("≠"), "\(view) step \(k): \(frame)")
        let flat = frame.replacingOccurrences(of: "\n", with: " ").replacingOccurrences(of: "│", with: " ")
          .split(separator: " ").joined(separator: " ")
        for say in s.timeline.steps[k].say {
          let words = say.split(separator: " ").suffix(4).joined(separator: " ")
          #expect(flat.contains(words), "\(view) step \(k): \(say) not in \(frame)")
        }
      }
      #expect(s.timeline.steps[s.timeline.stepCount].say.count > 1)
      // Where there is room, the notice says why one model is drawn.
      let tall = s.render(width: 120, height: 30).plainText
      #expect(tall.contains("needs 160 columns or 40 rows"), "\(tall)")
      #expect(!tall.contains("≠"), "\(tall)")
    }
  }

  @Test("the differing set is exactly the objects whose summaries differ, in both models")
  func differingSet() throws {
    var s = try e3Compared()
    var any = false
    for k in 0...s.timeline.stepCount {
      s.go(to: k)
      let diffs = try #require(s.compareDiffs)
      let other = try #require(s.compareLayout?.world)
      for (diff, mine, theirs) in [(diffs.this, s.world, other), (diffs.other, other, s.world)] {
        // Computed here from the summaries alone: a name missing on the other side, or a different line.
        let a = CompareDiff.summaries(mine)
        let b = CompareDiff.summaries(theirs)
        let onlyHere = Set(a.keys).subtracting(b.keys)
        let changed = Set(a.keys).intersection(b.keys).filter { a[$0]?.line != b[$0]?.line }
        var expected: [CompareDiff.Kind: Set<CompareDiff.ObjectID>] = [:]
        for name in onlyHere.union(changed) {
          let id = try #require(a[name]?.id)
          expected[name.kind, default: []].insert(id)
        }
        // And an anon_vma freed here that the other world has alive (its box drawn `−` here).
        for a in mine.anonVMAs where !a.alive && b[CompareDiff.Name(kind: .anonVMA, name: World.avName(a.id))] != nil {
          expected[.anonVMA, default: []].insert(.anonVMA(a.id))
        }
        #expect(Set(diff.processes.map { .process($0) }) == expected[.process] ?? [], "step \(k)")
        #expect(Set(diff.vmas.map { .vma($0) }) == expected[.vma] ?? [], "step \(k)")
        #expect(Set(diff.anonVMAs.map { .anonVMA($0) }) == expected[.anonVMA] ?? [], "step \(k)")
        #expect(Set(diff.pages.map { .page($0) }) == expected[.page] ?? [], "step \(k)")
        any = any || !diff.isEmpty
      }
    }
    #expect(any)
    // After the second fork: 2.6.36's AV2 and AV3 are covered by the root's lock, 2.6.34's by
    // their own, and 2.6.36's root is pinned (external_refcount 2) where 2.6.34 counts 0.
    s.go(to: 5)
    let diffs = try #require(s.compareDiffs)
    #expect(diffs.this.anonVMAs == [1, 2, 3] && diffs.other.anonVMAs == [1, 2, 3])
    #expect(diffs.this.vmas.isEmpty && diffs.this.processes.isEmpty && diffs.this.pages.isEmpty)
    let emphasis = try #require(s.compareEmphasis())
    #expect(emphasis.this == [.anonVMA(1), .anonVMA(2), .anonVMA(3)])
    // Marked in both halves, with a glyph (it survives without colour); the other half's
    // narration marks its lines of what differs at the left edge.
    let frame = s.render(width: 200, height: 60).plainText
    let narrationMarks =
      frame.components(separatedBy: "│≠ ").count - 1 + frame.components(separatedBy: "(≠: ").count - 1
    #expect(narrationMarks >= 3)
    #expect(frame.components(separatedBy: "≠").count - 1 - narrationMarks == 6)
  }

  @Test(
    "side by side at 200x60, an anon_vma both halves draw (freed in the step or not) is marked ≠ in both or in neither, with every other model",
    arguments: [KernelVersion.v2_6_34, .v6, .mainline])
  func markedInBoth(kernel: KernelVersion) throws {
    var marked = 0
    for file in ["e3-three-generations.scene", "e6-ksm-root-lifetime.scene"] {
      var s = try sceneApp(file, view: .diagram)
      s.setCompare(kernel)
      for k in 0...s.timeline.stepCount {
        s.go(to: k)
        marked += try expectMarkedAlike(s, "\(file) vs \(kernel.rawValue) step \(k)")
      }
    }
    #expect(marked > 0)
  }

  @Test("inside a step the halves move in lockstep: the other model at the micro-step paired with this one")
  func lockstepInsideAStep() throws {
    var s = try e3Compared()
    s.go(to: 5)
    let other = try #require(s.compareTimeline)
    let theirs = other.replay.microStates(step: 5)
    _ = send(&s, [.down])
    let count = try #require(s.layout.microStepCount)
    var shown: [Int] = []
    for m in 0..<count {
      s.selectMicro(m)
      s.refreshLayout()
      let pairs = try #require(s.compareMicros)
      let partner = pairs.partner[m]
      shown.append(partner)
      // The other half's world is the other model's after its paired micro-step.
      #expect(s.compareLayout?.key.micro == partner)
      #expect(s.compareLayout?.world == theirs[partner].world, "micro-step \(m + 1)")
      let mine = s.layout.microSteps?.states[m].event
      if pairs.paired[m], let mine {
        #expect(MicroAlignment.key(mine) == MicroAlignment.key(theirs[partner].event))
      }
      for (w, h) in [(200, 60), (120, 40)] {
        let text = s.render(width: w, height: h).plainText
        #expect(text.contains("5.\(partner + 1)/\(theirs.count) "), "\(w)x\(h) micro-step \(m + 1)")
        #expect(
          text.contains(
            pairs.paired[m]
              ? "in lockstep: the same point of the kernel code as 2.6.36's micro-step \(m + 1)"
              : "2.6.36's micro-step \(m + 1) has no counterpart in 2.6.34"), "\(w)x\(h) micro-step \(m + 1)")
      }
    }
    // The other model never goes back while this one goes forward, and reaches its last
    // micro-step's neighbourhood: most of the fork is common to both models.
    #expect(shown == shown.sorted())
    #expect(Set(shown).count * 2 > theirs.count, "\(shown) of \(theirs.count)")
    // Leaving the micro-steps shows the other model's step end again.
    _ = send(&s, [.escape])
    #expect(s.micro == nil && s.compareLayout?.key.micro == nil)
  }

  @Test("the pairing: a longest common subsequence, the other waiting at its last pair; by position past the bound")
  func microPairs() {
    // b and y, each alone between the pairs a and c, go side by side; x is passed over.
    let (partner, paired) = MicroAlignment.pairs(["a", "b", "c", "d"], ["x", "a", "y", "c", "d", "e"])
    #expect(partner == [1, 2, 3, 4])
    #expect(paired == [true, false, true, true])
    #expect(MicroAlignment.passedOver(partner) == [0..<1, 2..<2, 3..<3, 4..<4])
    #expect(MicroAlignment.passedOver([0, 3, 3]) == [0..<0, 1..<3, 4..<4])
    // Nothing in common before the first pair: the other model's first micro-step.
    #expect(MicroAlignment.pairs(["q", "a"], ["a"]).partner == [0, 0])
    #expect(MicroAlignment.pairs([], ["a"]).partner.isEmpty)
    #expect(MicroAlignment.pairs(["a", "b"], []).partner == [0, 0])
    let positional = MicroAlignment.pairs(["a", "b", "c", "d"], ["a", "b"], tableLimit: 4)
    #expect(positional.partner == [0, 0, 1, 1] && positional.paired.allSatisfy { !$0 })
  }

  @Test("the pairing undoes renamings and tells apart one function's different micro-steps")
  func microKeys() throws {
    #expect(MicroAlignment.withoutNames("AV3->root") == "_->root")
    #expect(MicroAlignment.withoutNames("P3:A@0->anon_vma") == "_->anon_vma")
    #expect(MicroAlignment.withoutNames("rcu_read_lock;") == "rcu_read_lock")
    #expect(MicroAlignment.withoutNames("AV1's") == "_'s")
    // 6.1 against 2.6.36 (the lecturer's case): a reader and a spinner at the same lock call.
    var s = try sceneApp("concurrency/rwsem-readers-share-6.1.scene")
    s.setCompare(.v2_6_36)
    s.go(to: 9)
    s.selectMicro(1)
    s.refreshLayout()
    let pairs = try #require(s.compareMicros)
    #expect(pairs.paired[1], "\(pairs)")
    // E3's fork: 2.6.36's `anon_vma_fork: AV3->root = ...` is not 2.6.34's
    // `anon_vma_fork: P3:A@0->anon_vma = AV3`; the latter pairs with 2.6.36's own.
    var e3 = try e3Compared()
    e3.go(to: 5)
    let mine = e3.timeline.replay.events(step: 5)
    let theirs = try #require(e3.compareTimeline).replay.events(step: 5)
    e3.selectMicro(0)
    e3.refreshLayout()
    let e3Pairs = try #require(e3.compareMicros)
    for (i, p) in e3Pairs.partner.enumerated() where e3Pairs.paired[i] {
      #expect(
        mine[i].function == theirs[p].function || mine[i].function.hasPrefix("anon_vma_"),
        "\(i): \(mine[i].summary) ~ \(theirs[p].summary)")
      if mine[i].function == "anon_vma_fork" {
        #expect(mine[i].text.contains("->anon_vma") == theirs[p].text.contains("->anon_vma"))
      }
    }
  }

  @Test("the other model's micro-steps passed over are named: E6's 2.6.34 frees the root between two pairs")
  func passedOverNamed() throws {
    var s = try sceneApp("e6-ksm-root-lifetime.scene")
    s.setCompare(.v2_6_34)
    s.go(to: 11)
    let count = s.timeline.replay.events(step: 11).count
    var named = false
    for m in 0..<count {
      s.selectMicro(m)
      s.refreshLayout()
      if s.render(width: 200, height: 60).plainText.contains("(anon_vma_free: AV1 freed)") { named = true }
    }
    #expect(named, "2.6.34's free of AV1 is named where the pairing passes over it")
  }

  @Test("a model compared with itself differs in nothing")
  func selfCompare() throws {
    var s = try sceneApp("e3-three-generations.scene")
    s.setCompare(.v2_6_36)
    for k in 0...s.timeline.stepCount {
      s.go(to: k)
      let diffs = try #require(s.compareDiffs)
      #expect(diffs.this.isEmpty && diffs.other.isEmpty, "step \(k)")
      #expect(CompareDiff(s.world, against: s.world).isEmpty)
      #expect(!s.render(width: 200, height: 60).plainText.contains("≠"))
    }
  }

  @Test("c works in the tour (the built-in scene keeps its parsed scene)")
  func tourCompare() {
    let parsed = Parser.parse(BuiltinScenes.tour)
    var tour = AppState(timeline: Timeline(scene: parsed, defaultTitle: "tour"), fileName: "tour")
    tour.scene = parsed
    send(&tour, [.char("c"), .char("G")])
    #expect(tour.compareTimeline?.kernel == .v2_6_34)
    #expect(
      tour.render(width: 200, height: 60).plainText.split(separator: "\n").first?.contains("kernel 2.6.34") == true)
  }
}

@Suite("Compare: the selection is marked and kept in view in both halves")
struct CompareSelectionTests {
  /// E3 against 2.6.34 and E6 against 6.1, side by side at 200x60 and stacked at 120x40: every
  /// object the first half draws that the other model's diagram draws too (the same id), found
  /// with `/`, is selected in both halves, in view in the other half's pane and highlighted there.
  @Test(
    "an object found with / is selected, in view and highlighted in the other model's half too",
    arguments: [("e3-three-generations.scene", KernelVersion.v2_6_34), ("e6-ksm-root-lifetime.scene", .v6)],
    [(200, 60), (120, 40)])
  func mirrored(scene: (String, KernelVersion), size: (Int, Int)) throws {
    var driver = try Self.comparing(scene, size: size)
    var checked = 0
    for step in 1...driver.state.timeline.stepCount {
      driver.type("g\(step)\n")
      let names = try #require(driver.state.layout.diagram).whole.objects.compactMap { object -> String? in
        if case .vma = object { return nil }  // a VMA's name is written inside its process box
        if case .fold = object { return nil }
        return driver.state.name(of: object, driver.state.world)
      }
      for name in names {
        driver.type("/\(name)\n")
        let selection = try #require(driver.state.diagramView.selection, "/\(name) selects it")
        let lower = try #require(driver.state.compareLayout?.diagram)
        guard lower.wholeDraws(selection) else { continue }
        #expect(lower.key.selection == selection, "step \(step) /\(name): the other half's diagram selects it")
        let (pane, window) = try Self.otherHalf(driver.state, size: size)
        let r = try #require(window.diagram.rect(of: selection), "step \(step) /\(name) drawn in the other half")
        #expect(
          r.y >= window.top && r.y < window.top + window.rows,
          "step \(step) /\(name): its first row in the other half's window\n\(driver.screen)")
        let screen = try #require(driver.terminal.screen)
        #expect(
          highlighted(screen, in: pane.canvas), "step \(step) /\(name): highlighted in the other half\n\(driver.screen)"
        )
        #expect(
          driver.screen.components(separatedBy: "selected \(name) ").count - 1 == 2,
          "step \(step) /\(name): both panes say it is selected\n\(driver.screen)")
        checked += 1
      }
    }
    #expect(checked > 20)
  }

  /// Scenes whose second model draws objects the first does not: mainline's mremap UAF variant
  /// against the fixed kernels (a VMA, a page filed in a live anon_vma), 2.6.36 against 6.1 and
  /// 2.6.34. (A VMA freed in a step stays drawn in its row, so a step where only one model freed
  /// it, as in mremap/migration-race, shows the VMA in both halves.)
  @Test(
    "an object only the other model draws is walked to with ↓, found with /, selected by a click in its half, inspected there",
    arguments: [
      ("mainline/mremap-uaf-both.scene", KernelVersion.v6), ("mainline/mremap-uaf-prev.scene", .v6),
      ("mremap/faulted-into-unfaulted-2.6.36.scene", .v6),
      ("concurrency/d2-migration-vs-vma-adjust-2.6.36.scene", .v2_6_34),
    ],
    [(200, 60), (120, 60)])
  func otherHalfOnly(scene: (String, KernelVersion), size: (Int, Int)) throws {
    var driver = try Self.comparing(scene, size: size)
    var checked = 0
    for step in 1...driver.state.timeline.stepCount {
      driver.type("g\(step)\n")
      let mine = try #require(driver.state.layout.diagram).whole.objects
      let theirs = try #require(driver.state.compareLayout?.diagram).whole.objects
      let only = theirs.filter { !mine.contains($0) }
      guard !only.isEmpty else { continue }
      // ↓ walks every object of both halves once, this half's in its order.
      // ↑ to the first object, then ↓ to the last.
      driver.press(.tab)
      for _ in 0..<(mine.count + only.count + 2) { driver.press(.up) }
      var walked = [driver.state.diagramView.selection].compactMap { $0 }
      for _ in 0..<(mine.count + only.count + 2) {
        driver.press(.down)
        if let sel = driver.state.diagramView.selection, walked.last != sel { walked.append(sel) }
      }
      #expect(Set(walked) == Set(mine + only), "step \(step): ↓ walks both halves' objects")
      #expect(walked.filter { mine.contains($0) } == mine, "step \(step): this half's objects in its order")
      let full = Rect(x: 0, y: 0, width: size.0, height: size.1)
      let (_, lowerArea) = try #require(driver.state.compareAreas(full))
      for object in only {
        let half = try #require(driver.state.compareHalf())
        let name = half.name(of: object, half.world)
        // Found with /, by the name the other half writes.
        driver.press(.escape)
        driver.type("/\(name)\n")
        #expect(driver.state.diagramView.selection == object, "step \(step) /\(name)\n\(driver.screen)")
        #expect(
          driver.screen.contains("selected \(name) "), "step \(step) /\(name): the other half says so\n\(driver.screen)"
        )
        let screen = try #require(driver.terminal.screen)
        let (pane, window) = try Self.otherHalf(driver.state, size: size)
        #expect(highlighted(screen, in: pane.canvas), "step \(step) /\(name): highlighted in the other half")
        // A click on it in the other half selects it (from nothing selected), a second inspects it there.
        let r = try #require(window.diagram.rect(of: object))
        let at = (x: pane.canvas.x + r.x - window.left + min(2, r.width - 1), y: pane.canvas.y + r.y - window.top)
        driver.press(.escape)
        driver.mouse(MouseEvent(.press, x: pane.canvas.x + pane.canvas.width - 1, y: pane.canvas.maxY - 1))
        #expect(driver.state.diagramView.selection == nil, "step \(step): a click on empty space clears it")
        driver.mouse(MouseEvent(.press, x: at.x, y: at.y))
        #expect(driver.state.diagramView.selection == object, "step \(step): a click selects \(name)\n\(driver.screen)")
        driver.mouse(MouseEvent(.press, x: at.x, y: at.y))
        #expect(driver.state.overlay == .inspector)
        // The inspector's popup over the other half, none over this one.
        let rows = driver.screen.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let closes = rows.enumerated().compactMap { y, row -> (x: Int, y: Int)? in
          guard let r = row.range(of: "enter or esc closes") else { return nil }
          return (row.distance(from: row.startIndex, to: r.lowerBound), y)
        }
        #expect(
          closes.count == 1 && closes.allSatisfy { lowerArea.contains(x: $0.x, y: $0.y) },
          "step \(step): the inspector of \(name) opens over the other half\n\(driver.screen)")
        // The inspector reads the keys: neither half's status line offers keys that would go to it.
        #expect(
          !rows.contains { $0.contains("←/→ step") || $0.contains("<-/-> step") },
          "step \(step): a status line offers step keys while the inspector reads them\n\(driver.screen)")
        #expect(
          driver.screen.components(separatedBy: "esc close ").count - 1 == 2,
          "step \(step): both halves' status lines say how to close the inspector\n\(driver.screen)")
        driver.press(.escape)
        checked += 1
      }
    }
    #expect(checked > 0)
  }

  /// A driver of `scene`'s file compared with its kernel, in diagram view, at `size`.
  static func comparing(_ scene: (String, KernelVersion), size: (Int, Int)) throws -> AppDriver {
    var s = try sceneApp(scene.0, view: .diagram)
    s.setCompare(scene.1)
    return AppDriver(s, width: size.0, height: size.1)
  }

  /// The comparison model's diagram pane in a frame of `size`, and the window of its diagram shown.
  static func otherHalf(_ state: AppState, size: (Int, Int)) throws -> (
    pane: DiagramPaneGeometry, window: (diagram: ForestDiagram, top: Int, left: Int, rows: Int)
  ) {
    let (_, lowerArea) = try #require(state.compareAreas(Rect(x: 0, y: 0, width: size.0, height: size.1)))
    let half = try #require(state.compareHalf())
    let pane = try #require(half.diagramPane(in: lowerArea))
    return (pane, half.diagramWindow(try #require(state.compareLayout?.diagram), pane: pane))
  }
}

@Suite("Compare: a half's locks line uses the rows its diagram leaves")
struct CompareLockLineTests {
  /// Side by side at 200x60 the diagrams of the lecture scenes fit whole in each half with rows
  /// to spare: every lock the step took is listed, none counted away as `…+N`.
  @Test("side by side at 200x60, every step of E1-E6 against 2.6.34: no lock of either half cut to …+N")
  func everyLockListed() throws {
    var checked = 0
    for file in lectureScenes {
      var s = try sceneApp(file, view: .diagram)
      s.setCompare(.v2_6_34)
      var driver = AppDriver(s, width: 200, height: 60)
      for step in 1...driver.state.timeline.stepCount {
        driver.type("g\(step)\n")
        let state = driver.state
        let (left, right) = try #require(state.compareAreas(Rect(x: 0, y: 0, width: 200, height: 60)))
        let half = try #require(state.compareHalf())
        for (model, pane) in [(state, state.diagramPane(in: left)), (half, half.diagramPane(in: right))] {
          let pane = try #require(pane)
          let lines = pane.lockLines
          guard !lines.isEmpty else { continue }
          let height = try #require(model.layout.diagram).wholeHeight
          #expect(
            height + 1 + lines.count <= pane.inner.height, "\(file) step \(step): the diagram fits with its locks")
          #expect(!lines.joined().contains("…+"), "\(file) step \(step): \(lines)")
          checked += 1
        }
      }
    }
    #expect(checked > 20)
  }
}
