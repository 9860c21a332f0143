import AnonVMASim
import ScenePlayer
import TermRender
import TestSupport
import Testing

@testable import AppCore

/// A lecturer at 80×24 (a projector with a large font): what a step's narration is about is on
/// screen, and KSM's stable nodes stand where the rows allow.
@Suite("80x24: the window shows what the narration names; stable nodes under the processes")
struct LecturerRound7Tests {
  /// The objects `names` (``AppState/narrationNames``) stand for in `s`'s world, with their rects
  /// in `d` and whether the step changed them: anon_vmas, processes and stable nodes (a VMA's
  /// name `P3:A@0` names its process).
  static func named(_ s: AppState, in d: ForestDiagram) -> [(name: String, rect: Rect, changed: Bool)] {
    s.narrationNames.keys.sorted().compactMap { name in
      var box: (Rect, ForestDiagram.Change)?
      if let a = World.anonVMAID(named: name) {
        box = d.anonVMAs.first { $0.anonVMA == a }.map { ($0.rect, $0.change) }
      } else if name.hasPrefix("K"), let n = Int(name.dropFirst()) {
        box = d.stableNodes.first { $0.node == StableNodeID(n) }.map { ($0.rect, $0.change) }
      } else if let p = s.world.processIndex(named: name) {
        box = d.processes.first { $0.process == p }.map { ($0.rect, $0.change) }
      }
      return box.map { (name, $0.0, $0.1 != .same) }
    }
  }

  /// Every step of the lecture scenes (and E3 on the other models), entered with →: the objects
  /// its `say` lines name and it changed are all in view whenever one window can show them
  /// together; the window shows as many mentions of those, then of all it names, as any window
  /// does. At 80×24 E3's step 5 opened on the new P3 and AV3 with AV1, whose
  /// `external_refcount is 2` its narration says, out of view. E5's step 7 names every box;
  /// it shows the two it changed (P3, and AV3 with `pg3`).
  @Test(
    "at 80x24, the objects a step's narration names and it changed are in view whenever they fit together, then the most mentioned",
    arguments: planScenes.indices)
  func namedInView(index: Int) throws {
    let (file, kernel) = planScenes[index]
    var s = try diagramApp(file, kernel)
    _ = s.frame(width: 80, height: 24)
    var together = 0
    for k in 1...s.timeline.stepCount {
      _ = send(&s, [.right])
      _ = s.frame(width: 80, height: 24)
      guard let d = s.shownDiagram, let rows = s.diagramView.paneRows else { continue }
      let named = Self.named(s, in: d)
      guard !named.isEmpty else { continue }
      let top = s.diagramView.top
      func inView(_ r: Rect, _ top: Int) -> Bool { r.y >= top && r.maxY <= top + rows }
      let changed = named.filter(\.changed)
      if let low = changed.map(\.rect.y).min(), let high = changed.map(\.rect.maxY).max(), high - low <= rows {
        together += 1
        for (name, r, _) in changed {
          #expect(inView(r, top), "\(file) step \(k): \(name) at \(r) is out of the window from row \(top)")
        }
      }
      let mentions = s.narrationNames
      func shown(_ top: Int) -> [Int] {
        let whole = named.filter { inView($0.rect, top) }
        return [
          whole.filter(\.changed).reduce(0) { $0 + (mentions[$1.name] ?? 0) },
          whole.reduce(0) { $0 + (mentions[$1.name] ?? 0) },
        ]
      }
      let best = (0...max(0, min(d.height, d.drawnBottom) - rows)).map(shown).max { $0.lexicographicallyPrecedes($1) }
      #expect(
        shown(top) == best, "\(file) step \(k): the window shows \(shown(top)) mentions of \(String(describing: best))")
    }
    if file.hasPrefix("e3") || file.hasPrefix("e6") { #expect(together > 0, "\(file): no step names objects") }
  }

  /// E3 step 5's second sentence is about AV1's count: at 80×24 its box and `ext 2` are on
  /// screen, under P1.
  @Test("at 80x24, E3's second fork shows AV1's external_refcount of 2, which its narration states")
  func e3CountInView() throws {
    var d = AppDriver(try diagramApp("e3-three-generations.scene", nil), width: 80, height: 24)
    d.type("g5\n")
    let screen = d.screen
    #expect(screen.contains("AV1's external_refcount is 2"), "\(screen)")
    #expect(screen.contains("AV1 root") && screen.contains("ext 2"), "\(screen)")
  }

  /// E6's merge (step 9): K1 is made, and each rmap_item takes a reference on its VMA's
  /// anon_vma. At 80×24 K1 stood under AV3, 17 rows below AV2: K1 and both counts never shared
  /// the window. Under the processes, all three are on screen.
  @Test("at 80x24, E6's KSM merge shows K1 and both anon_vmas whose count it raised")
  func e6MergeInView() throws {
    var d = AppDriver(try diagramApp("e6-ksm-root-lifetime.scene", nil), width: 80, height: 24)
    d.type("g9\n")
    let screen = d.screen
    #expect(screen.contains("+ KSM stable node K1"), "\(screen)")
    #expect(screen.contains("~ AV2 ") && screen.contains("~ AV3 root"), "\(screen)")
    #expect(screen.components(separatedBy: "ext 1").count - 1 >= 2, "\(screen)")
  }

  /// Planned for a pane too narrow to stand them beside the forest, E6's stable nodes (on every
  /// model) stand under the process boxes, left-aligned with the column, below every process box; no
  /// box overlaps them and no arrow runs through them, at every step and micro-step. The same
  /// plans for a wide pane stand them beside (the arrows of ``ForestDiagram/placeStableNodesBeside(_:)``).
  /// E7's, whose process column is as tall as its anon_vmas, stay under the anon_vmas.
  @Test(
    "stable nodes under the process boxes: below them, in their column, crossed by no arrow and overlapping no box",
    arguments: [
      ("e6-ksm-root-lifetime.scene", nil), ("e6-ksm-root-lifetime.scene", KernelVersion.v2_6_34),
      ("e6-ksm-root-lifetime.scene", .v6), ("concurrency/e7-ksm-drop-vs-munmap-2.6.34.scene", nil),
    ] as [(String, KernelVersion?)])
  func stableNodesUnder(file: String, kernel: KernelVersion?) throws {
    let t = try timeline(file, kernel)
    var under = 0
    for width in [78, 98, 117, 240] {
      let plan = ForestDiagram.Plan(t, maxWidth: width)
      // E7's two processes stand as tall as its anon_vmas: no room under them.
      if width == 78 { #expect(plan.ksmUnder == file.hasPrefix("e6"), "\(file) at \(width)") }
      if width == 240 { #expect(plan.ksmBeside && !plan.ksmUnder, "\(file) at \(width)") }
      var worlds = [(t.states[0], nil as World?)]
      for k in 1...t.stepCount {
        worlds += t.microStates(step: k).map { ($0.world, t.states[k - 1]) }
        worlds.append((t.states[k], t.states[k - 1]))
      }
      for (w, previous) in worlds {
        let d = ForestDiagram(w, options: .init(previous: previous, plan: plan, maxWidth: width))
        let at = "\(file) at \(width) step \(w.step)"
        let others = d.processes.map(\.rect) + d.anonVMAs.map(\.rect)
        for node in d.stableNodes {
          let r = node.rect
          if plan.ksmUnder {
            under += 1
            #expect(r.x == 0 && d.processes.allSatisfy { $0.rect.maxY < r.y }, "\(at): \(r)")
            #expect(d.processes.allSatisfy { $0.rect.maxX <= r.maxX }, "\(at): \(r)")
          }
          for s in others {
            #expect(r.maxX <= s.x || s.maxX <= r.x || r.maxY <= s.y || s.maxY <= r.y, "\(at): \(r) overlaps \(s)")
          }
          for arrow in d.arrows {
            for i in 1..<arrow.xs.count {
              let xs = min(arrow.xs[i - 1], arrow.xs[i])...max(arrow.xs[i - 1], arrow.xs[i])
              let ys = min(arrow.ys[i - 1], arrow.ys[i])...max(arrow.ys[i - 1], arrow.ys[i])
              // A KSM arrow leaves its node's side; no other line enters the box.
              if case .ksm = arrow.kind { continue }
              let crosses =
                xs.upperBound >= r.x && xs.lowerBound < r.maxX && ys.upperBound >= r.y && ys.lowerBound < r.maxY
              #expect(!crosses, "\(at): \(arrow.kind) crosses \(r)")
            }
          }
        }
      }
    }
    if file.hasPrefix("e6") { #expect(under > 0) }
  }
}

/// A cut `pages` line keeps the pages the step filed.
@Suite("A cut pages line names the pages the step filed")
struct FreshPagesTests {
  /// E2 step 7: "The parent also copies: its new page goes to AV1". At 80×24 AV1's line read
  /// `pages pg1 pg2 …+3`, the new pg6 among the three; it names pg6 now, and `/pg6` finds it
  /// on that line.
  @Test("at 80x24, E2's parent COW names the new page pg6 on AV1's cut pages line, where / finds it")
  func e2NewPageNamed() throws {
    var d = AppDriver(try diagramApp("e2-fork-cow.scene", nil), width: 80, height: 24)
    d.type("g7\n")
    let line = try #require(d.screen.split(separator: "\n").first { $0.contains("┃ pages pg1") }, "\(d.screen)")
    #expect(line.contains("…+") && line.contains(" pg6 "), "\(line)")
    let diagram = try #require(d.state.shownDiagram)
    let pg6 = try #require(World.pageID(named: "pg6"))
    let cell = try #require(diagram.rect(of: .page(pg6)))
    #expect(diagram.pageCells(ofBox: 0).contains { $0.page == pg6 && $0.named && $0.rect == cell })
  }

  /// The cut keeping `keep` against its definition, on random lines (a fixed generator): it is
  /// the plain cut when that names every kept item; else no wider than `room`, it names every
  /// kept item, in order, after the others it names (a prefix of them) and `…+N`, N the items
  /// it does not name; or the plain cut when no such line fits.
  @Test(
    "the cut that keeps the step's pages: the plain cut when it names them, else the others' prefix, …+N, then them")
  func cutKeeping() {
    var r = SplitMix64(seed: 0x5EED_CAFE)
    var kept = 0
    for _ in 0..<2000 {
      let count = 1 + Int(r.next() % 12)
      let names = (0..<count).map { "pg\($0 + 1)" + String(repeating: "x", count: Int(r.next() % 3)) }
      let keep = (0..<count).filter { _ in r.next() % 5 == 0 }
      let room = 8 + Int(r.next() % 40)
      let plain = ForestDiagram.cut("pages", count: count, room: room) { names[$0] }
      let line = ForestDiagram.cut("pages", count: count, room: room, keep: keep) { names[$0] }
      let words = line.split(separator: " ").dropFirst().map(String.init)
      let plainWords = Set(plain.split(separator: " ").dropFirst().map(String.init))
      if keep.allSatisfy({ plainWords.contains(names[$0]) }) || line == plain {
        #expect(line == plain, "\(names) keep \(keep) room \(room): \(line) vs \(plain)")
        continue
      }
      kept += 1
      #expect(ForestDiagram.textWidth(line) <= room, "\(line) in \(room)")
      let others = (0..<count).filter { !keep.contains($0) }.map { names[$0] }
      let more = words.firstIndex { $0.hasPrefix("…+") }
      let lead = Array(words[..<(more ?? 0)])
      #expect(lead == Array(others.prefix(lead.count)), "\(line)")
      let tail = Array(words[((more ?? -1) + 1)...])
      #expect(tail == keep.map { names[$0] }, "\(line)")
      let left = more.flatMap { Int(words[$0].dropFirst(2)) } ?? 0
      #expect(left == others.count - lead.count, "\(line)")
    }
    #expect(kept > 50)
  }
}
