import AnonVMASim
import Foundation
import ScenePlayer
import TermRender
import TestSupport
import Testing

@testable import AppCore

@Suite("The diagram's lock outline: one shaded outline around exactly what a held lock covers")
struct DiagramLockTests {
  /// E1-E6, E3 on the other models (mainline's fork allocates the child's anon_vma, its own
  /// root, before the clone takes the parent's root lock), and every-operation.
  static let scenes: [(String, KernelVersion?)] =
    planScenes + [("e3-three-generations.scene", .mainline), ("every-operation.scene", nil)]

  /// Whether `box` and the outline `r` share no row or no column (an uncovered box touching the
  /// outline's border would read as half inside the lock).
  static func apart(_ box: Rect, _ r: Rect) -> Bool {
    box.maxX <= r.x || r.maxX <= box.x || box.maxY <= r.y || r.maxY <= box.y
  }

  @Test(
    "at every micro-step holding a lock the outline holds every anon_vma the lock covers and no other box, touching none on its border, and alone names the holders; exactly the covered VMA rows are marked; a whole step's picture touches no uncovered box either",
    arguments: scenes.indices)
  func outline(index: Int) throws {
    let (file, kernel) = Self.scenes[index]
    let t = try timeline(file, kernel)
    // The plans of a narrow pane (no blank rows between boxes) and of a wide one.
    let plans = [ForestDiagram.Plan(t), ForestDiagram.Plan(t, maxWidth: 160)]
    var held = 0
    var text = ""
    for k in 1...t.stepCount {
      for (m, micro) in t.microStates(step: k).enumerated() where !micro.world.lockHolders.keys.isEmpty {
        let w = micro.world
        // As the app draws it: the world before the step marks what the step freed (`−`).
        for p in [nil] + plans {
          let d = ForestDiagram(w, options: .init(previous: t.states[k - 1], plan: p))
          var b = Buffer(width: d.width, height: d.height)
          d.draw(into: &b, in: b.area)
          let at = "\(file) \(kernel?.rawValue ?? "") step \(k) micro \(m + 1) \(micro.event.function)"
          var coveredVMAs = Set<VMAID>()
          for lock in w.lockHolders.keys {
            held += 1
            // Independently of lockTarget: 2.6.34 locks the anon_vma itself, the others the root.
            let covered = Set(
              w.aliveAnonVMAs.filter { a in w.kernel == .v2_6_34 ? a == lock : (w[anonVMA: a].root ?? a) == lock })
            let outline = try #require(d.lockOutlines.first { $0.lock == lock }, "\(at): no outline")
            #expect(d.lockOutlines.filter { $0.lock == lock }.count == 1)
            let r = outline.rect
            for box in d.anonVMAs {
              let inside =
                box.rect.x > r.x && box.rect.maxX < r.maxX && box.rect.y > r.y && box.rect.maxY < r.maxY
              if covered.contains(box.anonVMA) && box.change != .removed {
                #expect(inside, "\(at): \(World.avName(box.anonVMA)) outside the outline of AV\(lock)")
              } else {
                // Freed in this step, not yet born at this moment, or (mainline fork) its own root.
                #expect(
                  Self.apart(box.rect, r), "\(at): \(World.avName(box.anonVMA)) inside or on the outline of AV\(lock)")
              }
            }
            var others = d.processes.map { ("P\($0.process.raw)", $0.rect) } + d.stableNodes.map { ($0.title, $0.rect) }
            others += (d.processFolds + d.anonVMAFolds).map { ($0.text, $0.rect) }
            for (name, rect) in others {
              #expect(Self.apart(rect, r), "\(at): \(name) inside or on the outline of AV\(lock)")
            }
            let top = (r.x..<r.maxX).map { b[$0, r.y].text }.joined()
            #expect(top.contains("\(World.avName(lock)) lock: cpu"), "\(at): \(top)")
            #expect(top.contains("░"), "\(at): the outline is not shaded: \(top)")
            // Said once, on the outline: no `locked by cpu0 (…)` beside the boxes again.
            #expect(!b.plainText.contains("locked by"), "\(at): the holders are named twice")
            // The VMAs on the covered anon_vmas' same_anon_vma lists, read from the chains' side.
            for avc in w.avcs.values where avc.onSameAnonVMA && covered.contains(avc.anonVMA) {
              coveredVMAs.insert(avc.vma)
            }
          }
          for box in d.processes {
            for (i, v) in box.vmas.enumerated() {
              let marked = b[box.rect.x + 1, box.row(at: i)].text == "▌"
              #expect(marked == coveredVMAs.contains(v), "\(at): \(w.vmaName(v)) marked \(marked)")
            }
          }
          if p?.gap == 0 { text += "--- \(at) ---\n" + b.plainText }
        }
      }
    }
    #expect(held > 2, "\(file): no lock held in any micro-step")
    try stepOutlines(file, kernel)
    if let dir = ProcessInfo.processInfo.environment["DUMP_DIAGRAMS"] {
      try text.write(toFile: "\(dir)/locks-\(kernel?.rawValue ?? "")-\(file).txt", atomically: true, encoding: .utf8)
    }
  }

  /// A whole step's picture (the lock of its featured micro-step over the step's end) at three
  /// sizes: no box the outline does not cover touches it.
  func stepOutlines(_ file: String, _ kernel: KernelVersion?) throws {
    var s = try diagramApp(file, kernel)
    var outlines = 0
    for (width, height) in [(80, 24), (120, 40), (200, 60)] {
      for k in 0...s.timeline.stepCount {
        s.go(to: k)
        _ = s.render(width: width, height: height)
        let d = try #require(s.layout.diagram?.whole)
        for outline in d.lockOutlines {
          outlines += 1
          let covered = Set(outline.covered)
          var boxes = d.anonVMAs.filter { !covered.contains($0.anonVMA) }.map { ($0.title, $0.rect) }
          boxes += d.processes.map { ("P\($0.process.raw)", $0.rect) } + d.stableNodes.map { ($0.title, $0.rect) }
          for (name, rect) in boxes {
            #expect(Self.apart(rect, outline.rect), "\(file) \(width)x\(height) step \(k): \(name) on the outline")
          }
        }
      }
    }
    #expect(outlines > 0, "\(file): no step shows a lock")
  }

  @Test("an outline too narrow for its holder's operation cuts the operation at a word, with …, before dropping it")
  func outlineLabelCut() throws {
    let outline = ForestDiagram.LockOutline(
      lock: 0, rect: Rect(x: 0, y: 0, width: 10, height: 3), covered: [0],
      holders: " AV1 lock: cpu0 (mprotect P1 A 2..3 ro) ", brief: " AV1 lock: cpu0 ")
    let forms = ForestDiagram.holderForms(outline, ascii: false)
    #expect(forms.first == outline.holders && forms.last == outline.brief)
    #expect(forms.contains(" AV1 lock: cpu0 (mprotect P1…) ") && forms.contains(" AV1 lock: cpu0 (mprotect…) "))
    #expect(zip(forms, forms.dropFirst()).allSatisfy { Buffer.width($0.0) > Buffer.width($0.1) }, "\(forms)")
    // E4's mprotect at 80x24: the outline's label names the operation, cut.
    var s = try sceneApp("e4-split-merge.scene", view: .diagram)
    s.go(to: 4)
    let frame = s.render(width: 80, height: 24).plainText
    #expect(frame.contains("lock: cpu0 (mprotect"), "\(frame)")
  }

  /// The plan gives the anon_vma boxes the width of their lock labels where the pane has the
  /// room (a plan without a width: all they want); where the rmap walk's and the readers' labels
  /// beside the boxes take that room (E2, E5, the rwsem scene), the label reads on over the blank
  /// cells right of its outline.
  @Test(
    "with room to spare (120x40, 200x60) every step's lock outline names its holders' operations whole",
    arguments: [
      "e1-first-touch.scene", "e2-fork-cow.scene", "e3-three-generations.scene", "e4-split-merge.scene",
      "e5-rmap-coverage.scene", "e6-ksm-root-lifetime.scene", "concurrency/root-lock-blocks-exit.scene",
      "concurrency/rwsem-readers-share-6.1.scene",
    ])
  func outlineLabelWhole(file: String) throws {
    var s = try diagramApp(file, nil)
    var outlines = 0
    for (width, height) in [(120, 40), (200, 60)] {
      for k in 0...s.timeline.stepCount {
        s.go(to: k)
        // As the runtime draws it: the diagram fitted to this pane is the one in the layout.
        let frame = s.frame(width: width, height: height).plainText
        let d = try #require(s.layout.diagram?.whole)
        for outline in d.lockOutlines {
          outlines += 1
          let label = outline.holders.trimmingCharacters(in: .whitespaces)
          #expect(frame.contains(label), "\(file) \(width)x\(height) step \(k): \(label)\n\(frame)")
          // A label whose words end inside the outline leaves its top-right corner shaded (the
          // label is drawn from the outline's third column, after a space).
          if outline.holders.hasPrefix(" "), Buffer.width(label) + 1 <= outline.rect.width - 3 {
            #expect(
              frame.contains(label + "░") || frame.contains(label + " ░"),
              "\(file) \(width)x\(height) step \(k): the corner after \(label)\n\(frame)")
          }
        }
      }
    }
    #expect(outlines > 0, "\(file): no step shows a lock")
  }

  @Test(
    "a CPU that waits at a step's end for a lock still held then is written on that lock's outline (waiting: cpu1), in the step it blocks; at 80x24 on its top edge when the bottom is out of view",
    arguments: ["concurrency/root-lock-blocks-exit.scene", "concurrency/rwsem-readers-share-6.1.scene"])
  func waitersOnOutline(file: String) throws {
    var s = try diagramApp(file, nil)
    var waits = 0
    var topOnly = 0
    for k in 1...s.timeline.stepCount {
      s.go(to: k)
      let frame = s.frame(width: 200, height: 60).plainText
      let end = s.layout.world
      let d = try #require(s.layout.diagram?.whole)
      for cpu in end.cpus {
        guard let lock = cpu.waitingFor, !(end.lockHolders[lock] ?? []).isEmpty,
          let outline = d.lockOutlines.first(where: { $0.lock == lock })
        else { continue }
        waits += 1
        let words = outline.waiting?.split(separator: " ").map(String.init) ?? []
        #expect(words.contains(cpu.name), "\(file) step \(k): \(cpu.name) waits for the outline's lock")
        let label = (outline.waiting ?? "").trimmingCharacters(in: .whitespaces)
        #expect(frame.contains(label), "\(file) step \(k): \(label)\n\(frame)")
      }
      // At 80×24 the bottom edge is often below the window: the top edge's label then says who
      // waits (`AV1 lock: cpu1 read; cpu2 waits`), whenever the top edge is in view.
      let small = s.frame(width: 80, height: 24).plainText
      guard let shown = s.shownDiagram, let rows = s.diagramView.paneRows else { continue }
      let window = s.diagramView.top..<s.diagramView.top + rows
      for outline in shown.lockOutlines where !outline.waiters.isEmpty && window.contains(outline.rect.y) {
        if !window.contains(outline.rect.maxY - 1) { topOnly += 1 }
        for cpu in outline.waiters {
          // `cpu2 write`, or `cpu2` alone where the mode does not fit the top edge.
          let name = cpu.split(separator: " ").first.map(String.init) ?? cpu
          #expect(
            small.contains("waiting: \(cpu)") || small.contains("\(cpu) wait") || small.contains("\(name) wait"),
            "\(file) step \(k): \(cpu) waits, not named in view at 80x24\n\(small)")
        }
      }
    }
    #expect(waits > 0, "\(file): no CPU waits for a held lock drawn")
    if file.hasPrefix("concurrency/rwsem") { #expect(topOnly > 0, "no step with the bottom edge out of view") }
  }

  /// Two CPUs walk in the rwsem scene: the walk's label names whose walk it is.
  @Test("with more than one CPU, the rmap walk's label names the CPU walking, at every size")
  func walkerNamed() throws {
    var s = try diagramApp("concurrency/rwsem-readers-share-6.1.scene", nil)
    s.go(to: 11)
    for (w, h) in [(80, 24), (120, 40), (200, 60)] {
      let frame = s.frame(width: w, height: h).plainText
      #expect(frame.contains("cpu0's rmap walk of pg1"), "\(w)x\(h)\n\(frame)")
    }
    // One CPU: no CPU named.
    var one = try diagramApp("e5-rmap-coverage.scene", nil)
    one.go(to: 8)
    let frame = one.frame(width: 200, height: 60).plainText
    #expect(frame.contains("rmap walk of pg") && !frame.contains("cpu0's rmap walk"), "\(frame)")
  }

  /// At 80×24 the locks line holds one item: the step's own event comes first, the locks held
  /// through the step after it.
  @Test("the locks line writes the step's own lock events before the locks held through it")
  func locksLineOwnEventsFirst() throws {
    var s = try diagramApp("concurrency/rwsem-readers-share-6.1.scene", nil)
    s.go(to: 9)
    let frame = s.frame(width: 80, height: 24).plainText
    #expect(frame.contains("locks: cpu1 locks AV1 read"), "\(frame)")
    let summary = try #require(s.layout.diagram).lockLineItems.items
    let still = summary.firstIndex { $0.contains("still holds") }
    let own = summary.lastIndex { !$0.contains("still holds") }
    if let still, let own { #expect(own < still, "\(summary)") }
  }

  /// At 80×24 the locks line has one row for the step's events: an item too long with its
  /// kernel function (rwsem step 9 read `…, held after… …+1`) is written without it.
  @Test("at 80x24 no whole step's locks line cuts an item at a word", arguments: allScenes())
  func locksLineUncut(file: String) throws {
    var s = try diagramApp(file, nil)
    guard s.timeline.stepCount > 0 else { return }
    for k in 1...s.timeline.stepCount {
      s.go(to: k)
      _ = s.frame(width: 80, height: 24)
      let pane = try #require(s.diagramPane(in: Rect(x: 0, y: 0, width: 80, height: 24)))
      // A cut item ends in `…` before the count (`…+N`) or the line's end.
      let cut = pane.lockLines.filter { $0.contains(/…( …\+\d+)?$/) }
      #expect(cut.isEmpty, "\(file) step \(k): \(pane.lockLines)")
    }
    if file.hasPrefix("concurrency/rwsem") {
      s.go(to: 9)
      let frame = s.frame(width: 80, height: 24).plainText
      #expect(frame.contains("locks: cpu1 locks AV1 read (rmap P2 A 0), held after the step …+1"), "\(frame)")
    }
  }

  @Test(
    "the rmap walk drawn is one visiting now or one that ended in the step, never an earlier one kept in a CPU's registers"
  )
  func walkDrawnIsCurrent() throws {
    var s = try diagramApp("concurrency/rwsem-readers-share-6.1.scene", nil)
    var origins: [Int: String] = [:]
    for k in 9...s.timeline.stepCount {
      s.go(to: k)
      _ = s.frame(width: 120, height: 40)
      origins[k] = s.layout.diagram?.whole.walk?.origin ?? "none"
    }
    // 9, 10: both readers hold the rwsem, neither has begun visiting; 11: cpu0's walk of pg1
    // ends; 12: cpu1's finds pg2 no longer mapped after taking the lock (P2's exit unmapped it):
    // NULL, no walk; 13: the writer's exit. (Drawn before: cpu0's walk at 12 and 13.)
    #expect(origins == [9: "none", 10: "none", 11: "P1 A 0", 12: "none", 13: "none"], "\(origins)")
  }

  @Test("the locks line under the diagram cuts a first item too long for it at a word, with …, and counts the rest")
  func locksLineCut() {
    let items = [
      "cpu0 locks AV1 write (mremap P1 x 0..3 to y after p dontunmap: anon_vma_lock_write) ×2", "outline: micro-step 9",
    ]
    for width in [40, 70] {
      let lines = DiagramPane.packed(items, width: width, lines: 1)
      #expect(lines.count == 1 && lines.allSatisfy { Buffer.width($0) <= width }, "\(lines)")
      #expect(lines.first?.hasPrefix("locks: cpu0 locks AV1") == true, "\(lines)")
      #expect(lines.first?.contains("… …+1") == true, "\(lines)")
    }
    // Whole where it fits.
    #expect(DiagramPane.packed(items, width: 200, lines: 1) == ["locks: " + items.joined(separator: "; ")])
    // With lines to spare, an item wider than a line is wrapped at words: every word kept, in
    // order, no line wider than the width, nothing counted away.
    for width in [30, 40, 70] {
      let lines = DiagramPane.packed(items, width: width, lines: 8)
      #expect(lines.allSatisfy { Buffer.width($0) <= width }, "\(lines)")
      #expect(!lines.joined().contains("…"), "\(lines)")
      // (An item starting a line of its own has no `;` before it.)
      func words(_ text: String) -> String {
        text.split(separator: " ").joined(separator: " ").replacing(";", with: "")
      }
      #expect(words(lines.joined(separator: " ")) == words("locks: " + items.joined(separator: " ")), "\(lines)")
      #expect(lines.first?.hasPrefix("locks: cpu0") == true, "the first item starts on the locks line: \(lines)")
    }
  }

  @Test(
    "a waiting CPU is written on the outline of the lock it waits for; rwsem readers (6.1) as sharing",
    arguments: ["concurrency/root-lock-blocks-exit.scene", "concurrency/rwsem-readers-share-6.1.scene"])
  func waitersAndReaders(file: String) throws {
    let t = try scene(file)
    var waits = 0
    var shared = 0
    for k in 0...t.stepCount {
      for w in [t.states[k]] + t.microStates(step: k).map(\.world) {
        let d = ForestDiagram(w)
        var b = Buffer(width: d.width, height: d.height)
        d.draw(into: &b, in: b.area)
        for outline in d.lockOutlines {
          let r = outline.rect
          let top = (r.x..<r.maxX).map { b[$0, r.y].text }.joined()
          let bottom = (r.x..<r.maxX).map { b[$0, r.maxY - 1].text }.joined()
          for cpu in w.cpus where cpu.waitingFor == outline.lock {
            #expect(bottom.contains(cpu.name), "\(file) step \(k): \(bottom)")
            waits += 1
          }
          let readers = (w.lockHolders[outline.lock] ?? []).filter { $0.mode == .read }
          if readers.count > 1 {
            #expect(top.contains("shared: " + readers.map { "cpu\($0.cpu)" }.joined(separator: " ")), "\(top)")
            shared += 1
          }
        }
      }
    }
    #expect(waits + shared > 0, "\(file): no waiting CPU and no shared lock drawn")
  }
}
