import AnonVMASim
import AppCore
import Foundation
import ScenePlayer
import TermRender
import TestSupport
import Testing

/// Draws a world's diagram at its natural size.
private func drawn(_ w: World, ascii: Bool = false) -> (ForestDiagram, Buffer) {
  let d = ForestDiagram(w, options: .init(ascii: ascii))
  var b = Buffer(width: d.width, height: d.height)
  d.draw(into: &b, in: b.area)
  return (d, b)
}

/// Where a drawn line leads: from a cell, moving in `direction`, every branch is followed
/// (straight on through a crossing, where the line passes under a perpendicular one; around
/// corners; both ways at a junction) to the cells that are not line glyphs, where arrowheads sit.
func ends(_ b: Buffer, from start: (Int, Int), direction: (Int, Int)) -> [(Int, Int)] {
  let up = (0, -1)
  let down = (0, 1)
  let left = (-1, 0)
  let right = (1, 0)
  var exits: [String: [(Int, Int)]] = [:]
  for (glyphs, ways) in [
    ("─═┄", [right, left]), ("│║┆", [down, up]), ("┌╔┏", [right, down]), ("┐╗┓", [left, down]),
    ("└╚┗", [right, up]), ("┘╝┛", [left, up]), ("├╠┣", [up, down, right]), ("┤╣┫", [up, down, left]),
    ("┬╦┳", [left, right, down]), ("┴╩┻", [left, right, up]), ("┼╬╋", [left, right, up, down]),
  ] {
    for g in glyphs { exits[String(g)] = ways }
  }
  var found: [(Int, Int)] = []
  var seen = Set<[Int]>()
  var work = [(start.0 + direction.0, start.1 + direction.1, direction)]
  while let (x, y, d) = work.popLast() {
    guard x >= 0, y >= 0, x < b.width, y < b.height, seen.insert([x, y, d.0, d.1]).inserted else { continue }
    guard let ways = exits[b[x, y].text] else {
      found.append((x, y))
      continue
    }
    let onward = ways.filter { $0 != (-d.0, -d.1) }
    let straight = ways.count == 2 && ways[0] == (-ways[1].0, -ways[1].1)
    if straight, !ways.contains(where: { $0 == d || $0 == (-d.0, -d.1) }) {
      // A straight line across our way: a crossing, go on under it.
      work.append((x + d.0, y + d.1, d))
      continue
    }
    for w in onward { work.append((x + w.0, y + w.1, w)) }
  }
  return found
}

/// Three generations of a process, each touching a page, in one kernel model.
private func threeGenerations(kernel: String) -> String {
  """
  kernel \(kernel)
  spawn P1
  mmap P1 A 4
  touch P1 A 0
  fork P1 P2
  touch P2 A 1
  fork P2 P3
  touch P3 A 2
  """
}

@Suite("The forest diagram: boxes, and arrows that reach what they point at")
struct DiagramTests {
  /// The world after the last step of a scene.
  func finalWorld(_ name: String) throws -> World {
    let t = try scene(name)
    return t.states[t.stepCount]
  }

  @Test(
    "every vma->anon_vma arrow leaves its VMA's row and ends at its anon_vma's box, never along a process box's border",
    arguments: lectureScenes)
  func vmaArrowsReachTheirAnonVMA(file: String) throws {
    let t = try scene(file)
    var checked = 0
    var secondRow = 0
    for k in 0...t.stepCount {
      let w = t.states[k]
      let (d, b) = drawn(w)
      for arrow in d.arrows {
        guard case .vmaAnonVMA(let vma, let a) = arrow.kind else { continue }
        let tail = arrow.tail
        let row = try #require(d.processes.compactMap { $0.row(of: vma) }.first)
        #expect(tail.y == row, "\(file) step \(k): the arrow of \(w.vmaName(vma)) leaves another row")
        let box = try #require(d.anonVMAs.first { $0.anonVMA == a })
        let reached = ends(b, from: (tail.x, tail.y), direction: (1, 0))
        // On the box's first line, or its second where the first is a process box's border.
        let borders = Set(d.processes.flatMap { [$0.rect.y, $0.rect.maxY - 1] })
        let entry =
          borders.contains(box.rect.y + 1) && !borders.contains(box.rect.y + 2) ? box.rect.y + 2 : box.rect.y + 1
        #expect(
          reached.contains { b[$0.0, $0.1].text == "►" && $0.0 + 1 == box.rect.x && $0.1 == entry },
          "\(file) step \(k): \(w.vmaName(vma))'s arrow reaches \(reached), not \(World.avName(a)) at row \(entry)")
        #expect(
          !borders.contains(entry) || borders.contains(box.rect.y + 2),
          "\(file) step \(k): the arrow into \(World.avName(a)) runs on a process box's border row")
        if entry != box.rect.y + 1 { secondRow += 1 }
        checked += 1
      }
    }
    #expect(checked > 0, "\(file): no VMA has an anon_vma in any step")
    // E6's P9 ends on AV2's first row (steps 6 and 7): the case the second row is for.
    if file.hasPrefix("e6") { #expect(secondRow > 0, "\(file): no arrow entered on a second row") }
  }

  @Test(
    "every VMA's anon_vma is shown: by an arrow, or written on its row when no lane is left",
    arguments: [0, 1, 8])
  func everyPointerShown(maxLanes: Int) throws {
    var written = 0
    for file in lectureScenes {
      let t = try scene(file)
      for k in 0...t.stepCount {
        let w = t.states[k]
        let d = ForestDiagram(w, options: .init(maxLanes: maxLanes))
        var b = Buffer(width: d.width, height: d.height)
        d.draw(into: &b, in: b.area)
        #expect(
          Set(
            d.arrows.compactMap {
              if case .vmaAnonVMA(_, _) = $0.kind { $0.xs.count > 2 ? $0.xs[1] : nil } else { nil }
            }
          ).count <= maxLanes)
        for box in d.processes {
          for v in box.vmas {
            guard let a = w.vmas[v]?.anonVMA, let y = box.row(of: v) else { continue }
            if d.arrows.contains(where: { $0.kind == .vmaAnonVMA(vma: v, anonVMA: a) }) { continue }
            let row = (box.rect.x..<box.rect.maxX).map { b[$0, y].text }.joined()
            #expect(
              row.contains("→\(World.avName(a)) "), "\(file) step \(k): \(w.vmaName(v)) shows no anon_vma: \(row)")
            written += 1
          }
        }
      }
    }
    if maxLanes == 0 { #expect(written > 10) }
  }

  @Test("folding: a run of identical children is its first and one ×N box, their anon_vmas one box too")
  func folding() throws {
    var source = "kernel 2.6.36\nspawn P1\nmmap P1 A 4\ntouch P1 A 0\n"
    for c in 2...7 { source += "fork P1 P\(c)\ntouch P\(c) A 1\n" }
    source += "mmap P1 B 1\n"
    let t = app(source).timeline
    let w = t.states[t.stepCount]
    let unfolded = ForestDiagram(w)
    #expect(unfolded.processes.count == 7 && unfolded.processFolds.isEmpty)
    let d = ForestDiagram(w, options: .init(fold: true))
    #expect(d.processes.map(\.process) == [0, 1])
    let fold = try #require(d.processFolds.first)
    #expect(d.processFolds.count == 1 && fold.members == .processes([2, 3, 4, 5, 6]) && fold.text.contains("×5 more"))
    #expect(d.foldedProcesses == [2, 3, 4, 5, 6])
    // P3..P7's own anon_vmas (AV3..AV7) fold into one box; AV1 (P1's, on every list) and AV2 stay.
    #expect(d.anonVMAs.map(\.anonVMA) == [1, 2])
    #expect(d.anonVMAFolds.map(\.members) == [.anonVMAs([3, 4, 5, 6, 7])])
    // Under AV2's box, one blank row between (each folded anon_vma left a blank row of its own:
    // 28 above a 30-fork server's box).
    let av2 = try #require(d.anonVMAs.last?.rect)
    #expect(d.anonVMAFolds.first?.rect.y == av2.maxY + 1)
    var b = Buffer(width: d.width, height: d.height)
    d.draw(into: &b, in: b.area)
    #expect(b.plainText.contains("×5 more like the one above: P3…P7"))
    #expect(b.plainText.contains("×5 anon_vmas of folded processes: AV3…AV7"))
    #expect(d.height < unfolded.height)
    // A child that differs breaks the run: P5's VMA split by mprotect makes it unlike its siblings.
    let t2 = app(source + "mprotect P5 A 2..3 ro\n").timeline
    let d2 = ForestDiagram(t2.states[t2.stepCount], options: .init(fold: true))
    // P2..P4 still fold (P3, P4 into the box); P5 stands alone; P6, P7 are a run of two: shown.
    #expect(d2.processes.map(\.process) == [0, 1, 4, 5, 6])
    #expect(d2.processFolds.map(\.members) == [.processes([2, 3])])
  }

  @Test("every non-root anon_vma has a root arrow into its root's box (2.6.36 and 6.1), none in 2.6.34")
  func rootArrows() throws {
    for kernel in ["2.6.34", "2.6.36", "6.1"] {
      let t = app(threeGenerations(kernel: kernel)).timeline
      let w = t.states[t.stepCount]
      let (d, b) = drawn(w)
      let roots = d.arrows.compactMap { arrow -> (AnonVMAID, AnonVMAID)? in
        if case .root(let a, let r) = arrow.kind { return (a, r) }
        return nil
      }
      if kernel == "2.6.34" {
        #expect(roots.isEmpty, "2.6.34 has no anon_vma->root")
        continue
      }
      #expect(roots.count == w.aliveAnonVMAs.count - 1, "\(kernel): \(roots.count) root arrows")
      for arrow in d.arrows {
        guard case .root(_, let r) = arrow.kind else { continue }
        let tail = arrow.tail
        let root = try #require(d.anonVMAs.first { $0.anonVMA == r })
        let reached = ends(b, from: (tail.x, tail.y), direction: (1, 0))
        #expect(
          reached.contains { b[$0.0, $0.1].text == "◄" && $0.0 == root.rect.maxX && $0.1 == root.rect.y + 1 },
          "\(kernel): a root arrow reaches \(reached), not the root's box")
        #expect(root.isRoot)
      }
    }
  }

  @Test(
    "every scene, every step: each live anon_vma whose root (or 6.x parent) has a box points into it, a root freed in the step included (D.4)"
  )
  func pointersIntoFreedBoxes() throws {
    var intoFreed = 0
    for file in allScenes() {
      let t = try sceneApp(file).timeline
      guard t.states[0].kernel != .v2_6_34, t.stepCount > 0 else { continue }
      for k in 1...t.stepCount {
        let w = t.states[k]
        let d = ForestDiagram(w, options: .init(previous: t.states[k - 1]))
        let boxes = Dictionary(d.anonVMAs.map { ($0.anonVMA, $0) }, uniquingKeysWith: { a, _ in a })
        for box in d.anonVMAs where box.change != .removed {
          guard let av = w.anonVMA(box.anonVMA) else { continue }
          var wanted: [(ForestDiagram.Arrow.Kind, AnonVMAID)] = []
          if let root = av.root, root != box.anonVMA { wanted.append((.root(anonVMA: box.anonVMA, root: root), root)) }
          if w.kernel.isModern, let parent = av.parent, parent != box.anonVMA {
            wanted.append((.parent(anonVMA: box.anonVMA, parent: parent), parent))
          }
          for (kind, target) in wanted {
            guard let targetBox = boxes[target] else { continue }
            let arrow = d.arrows.first { $0.kind == kind }
            #expect(arrow != nil, "\(file) step \(k): no \(kind) arrow")
            // The head stops at the target box's right side.
            #expect(arrow?.xs.last == targetBox.rect.maxX, "\(file) step \(k): \(kind)")
            #expect(
              arrow?.ys.last.map { (targetBox.rect.y..<targetBox.rect.maxY).contains($0) } == true,
              "\(file) step \(k): \(kind)")
            if targetBox.change == .removed { intoFreed += 1 }
          }
        }
      }
    }
    // D.4 (no-5/5) frees AV1 while AV2 still points at it.
    #expect(intoFreed > 0)
  }

  @Test("6.1: every anon_vma with a parent has a dashed arrow into its parent's box")
  func parentArrows() throws {
    let t = app(threeGenerations(kernel: "6.1")).timeline
    let w = t.states[t.stepCount]
    let (d, b) = drawn(w)
    var edges = 0
    for a in w.aliveAnonVMAs {
      guard let parent = w.anonVMA(a)?.parent, parent != a else { continue }
      let arrow = try #require(
        d.arrows.first { $0.kind == .parent(anonVMA: a, parent: parent) }, "AV\(a) has no parent arrow")
      let box = try #require(d.anonVMAs.first { $0.anonVMA == parent })
      let reached = ends(b, from: (arrow.tail.x, arrow.tail.y), direction: (1, 0))
      #expect(
        reached.contains { b[$0.0, $0.1].text == "◄" && $0.0 == box.rect.maxX && $0.1 == box.rect.y + 2 },
        "\(b.plainText)")
      edges += 1
    }
    #expect(edges == 2)
    if let dir = ProcessInfo.processInfo.environment["DUMP_DIAGRAMS"] {
      try b.plainText.write(toFile: "\(dir)/three-generations-6.1.txt", atomically: true, encoding: .utf8)
    }
  }

  @Test(
    "the lock's reach: under a held lock exactly the anon_vmas whose anon_vma_lock takes it are marked (the forest under a root lock, the one anon_vma in 2.6.34), and their VMAs",
    arguments: ["2.6.34", "2.6.36", "6.1"])
  func lockReach(kernel: String) throws {
    let t = app(threeGenerations(kernel: kernel) + "\nexit P2").timeline
    var held = 0
    for k in 0...t.stepCount {
      for micro in t.microStates(step: k) {
        let w = micro.world
        let locked = Set(w.lockHolders.keys)
        guard !locked.isEmpty else { continue }
        held += 1
        // Independently of lockTarget: 2.6.34 locks the anon_vma itself, the others its root.
        let expected = Set(
          w.aliveAnonVMAs.filter { a in
            kernel == "2.6.34" ? locked.contains(a) : locked.contains(w.anonVMA(a)?.root ?? a)
          })
        let d = ForestDiagram(w)
        #expect(
          Set(d.anonVMAs.filter(\.locked).map(\.anonVMA)) == expected, "\(kernel) step \(k) \(micro.event.function)")
        let vmas = Set(expected.flatMap { w.listVMAs($0) })
        #expect(d.lockedVMAs == vmas)
        var b = Buffer(width: d.width, height: d.height)
        d.draw(into: &b, in: b.area)
        for box in d.anonVMAs {
          let marked = b[box.rect.x + 1, box.rect.y + 1].text == "▌"
          #expect(marked == box.locked, "\(kernel) step \(k): \(World.avName(box.anonVMA)) marked \(marked)")
        }
      }
    }
    #expect(held > 3, "\(kernel): the scene should hold locks in several micro-steps")
  }

  @Test("a step shows its locks without entering micro-steps: every acquisition, and the widest hold drawn")
  func stepLocks() throws {
    let t = app(threeGenerations(kernel: "2.6.36")).timeline
    // Step 4 is `fork P1 P2`: anon_vma_clone and anon_vma_fork take AV1's lock.
    let micro = t.microStates(step: 4)
    let locks = StepLocks(micro)
    #expect(!locks.holds.isEmpty && locks.holds.allSatisfy { $0.anonVMA == 1 && $0.cpu == 0 })
    #expect(locks.holds.map(\.micro) == locks.holds.map(\.micro).sorted())
    let featured = try #require(locks.featured)
    let moment = micro[featured - 1].world
    #expect(moment.lockHolders.keys == [1])
    // No micro-step holding a lock covers more than the featured one.
    func cover(_ w: World) -> Int {
      ForestDiagram(w).anonVMAs.filter(\.locked).count + ForestDiagram(w).lockedVMAs.count
    }
    #expect(micro.allSatisfy { cover($0.world) <= cover(moment) })
    #expect(locks.summary.first?.hasPrefix("cpu0 locks AV1 (fork P1 P2: ") == true, "\(locks.summary)")
    // The step's own world holds no lock; drawn with the featured moment, AV1's forest is marked.
    let w = t.states[4]
    #expect(w.lockHolders.keys.isEmpty)
    let d = ForestDiagram(w, options: .init(lockMoment: moment))
    #expect(
      Set(d.anonVMAs.filter(\.locked).map(\.anonVMA)) == Set(w.aliveAnonVMAs.filter { moment.anonVMA($0) != nil }))
    // A step without locks has no featured moment.
    #expect(StepLocks(t.microStates(step: 1)).featured == nil)
  }

  @Test("a child's box hangs under its parent's: the fork arrow leaves the parent and enters the child")
  func forkArrows() throws {
    let t = try scene("e3-three-generations.scene")
    var forks = 0
    for k in 0...t.stepCount {
      let (d, b) = drawn(t.states[k])
      for arrow in d.arrows {
        guard case .fork(let parent, let child) = arrow.kind else { continue }
        let tail = arrow.tail
        let pbox = try #require(d.processes.first { $0.process == parent })
        let cbox = try #require(d.processes.first { $0.process == child })
        #expect(tail.y == pbox.rect.maxY - 1 && b[tail.x, tail.y].text == "┬")
        let reached = ends(b, from: (tail.x, tail.y), direction: (0, 1))
        #expect(reached.contains { b[$0.0, $0.1].text == "►" && $0.0 + 1 == cbox.rect.x && $0.1 == cbox.rect.y + 1 })
        #expect(cbox.rect.x > pbox.rect.x && cbox.rect.y > pbox.rect.y)
        forks += 1
      }
    }
    #expect(forks >= 2)
  }

  @Test("a fork chain deeper than the indented generations keeps its width and names each parent")
  func deepChain() throws {
    var source = "kernel 2.6.36\nspawn P0\nmmap P0 A 1\n"
    for c in 1...12 { source += "fork P\(c - 1) P\(c)\n" }
    let t = app(source).timeline
    let d = ForestDiagram(t.states[t.stepCount])
    var b = Buffer(width: d.width, height: d.height)
    d.draw(into: &b, in: b.area)
    let maxX = d.processes.map(\.rect.x).max() ?? 0
    #expect(maxX == 8 * 3, "boxes indent at most 8 generations")
    #expect(b.plainText.contains(" P12 child of P11 "))
    #expect(!b.plainText.contains(" P8 child of"), "the indented generations show the tree by their place")
    let forks = d.arrows.filter { if case .fork = $0.kind { true } else { false } }.count
    #expect(forks == 8)
  }

  @Test("boxes never overlap and every label stays inside its box")
  func noOverlap() throws {
    for file in lectureScenes {
      let t = try scene(file)
      for k in 0...t.stepCount {
        let d = ForestDiagram(t.states[k], options: .init(fold: true))
        let rects =
          d.processes.map(\.rect) + d.anonVMAs.map(\.rect) + d.processFolds.map(\.rect)
          + d.anonVMAFolds.map(\.rect) + d.stableNodes.map(\.rect)
        for (i, r) in rects.enumerated() {
          for s in rects[(i + 1)...] {
            let apart = r.maxX <= s.x || s.maxX <= r.x || r.maxY <= s.y || s.maxY <= r.y
            #expect(apart, "\(file) step \(k): \(r) overlaps \(s)")
          }
          #expect(r.maxX <= d.width && r.maxY <= d.height)
        }
      }
    }
  }

  @Test("the ASCII diagram uses only ASCII")
  func asciiOnly() throws {
    let w = try finalWorld("e3-three-generations.scene")
    let (_, b) = drawn(w, ascii: true)
    #expect(b.plainText.unicodeScalars.allSatisfy { $0.isASCII }, "\(b.plainText)")
  }

  @Test(
    "every live process and anon_vma is named in the diagram of every step and lock-holding micro-step",
    arguments: lectureScenes)
  func everythingNamed(file: String) throws {
    let t = try scene(file)
    var text = ""
    func check(_ w: World, _ b: Buffer, _ at: String) {
      let frame = b.plainText
      for p in w.processes where p.alive { #expect(frame.contains(" \(p.name) "), "\(file) \(at): \(p.name) missing") }
      for a in w.aliveAnonVMAs { #expect(frame.contains(" \(World.avName(a)) "), "\(file) \(at): AV\(a) missing") }
      for lock in w.lockHolders.keys {
        // Named on its outline's top edge (once: no `locked by` label beside the box).
        #expect(
          frame.contains("\(World.avName(lock)) lock: cpu") && !frame.contains("locked by cpu"),
          "\(file) \(at): the lock on AV\(lock) is not labelled once")
      }
    }
    for k in 0...t.stepCount {
      let d = ForestDiagram(t.states[k], options: .init(previous: k > 0 ? t.states[k - 1] : nil))
      var b = Buffer(width: d.width, height: d.height)
      d.draw(into: &b, in: b.area)
      check(t.states[k], b, "step \(k)")
      text += "=== step \(k) ===\n" + b.plainText
      for (m, micro) in t.microStates(step: k).enumerated() where !micro.world.lockHolders.keys.isEmpty {
        let d = ForestDiagram(micro.world)
        var b = Buffer(width: d.width, height: d.height)
        d.draw(into: &b, in: b.area)
        check(micro.world, b, "step \(k) micro \(m + 1)")
        text += "--- step \(k) micro \(m + 1): \(micro.event.function) ---\n" + b.plainText
      }
    }
    // To look at them: DUMP_DIAGRAMS=DIR swift test --filter DiagramTests
    if let dir = ProcessInfo.processInfo.environment["DUMP_DIAGRAMS"] {
      try text.write(toFile: "\(dir)/\(file).txt", atomically: true, encoding: .utf8)
    }
  }

  @Test(
    "every selectable object is drawn where rect(of:) says, every live process and anon_vma is selectable",
    arguments: lectureScenes)
  func objectsHaveRects(file: String) throws {
    let t = try scene(file)
    for k in 0...t.stepCount {
      let w = t.states[k]
      let d = ForestDiagram(w)
      let objects = d.objects
      #expect(Set(objects).count == objects.count, "\(file) step \(k): an object listed twice")
      var b = Buffer(width: d.width, height: d.height)
      d.draw(into: &b, in: b.area)
      for o in objects {
        guard let r = d.rect(of: o) else {
          Issue.record("\(file) step \(k): \(o) has no rect")
          continue
        }
        #expect(r.x >= 0 && r.y >= 0 && r.maxX <= d.width && r.maxY <= d.height)
        let row = (r.x..<r.maxX).map { b[$0, r.y].text }.joined()
        switch o {
        case .process(let p): #expect(row.contains(" \(w[process: p].name) "), "\(file) step \(k): \(row)")
        case .anonVMA(let a): #expect(row.contains(" \(World.avName(a)) "), "\(file) step \(k): \(row)")
        case .vma(let v): #expect(row.contains(w.vmaName(v).split(separator: ":").last.map(String.init) ?? "?"))
        case .page(let page):
          let name = World.pageName(page)
          #expect(row == name || row.hasPrefix("…+"), "\(file) step \(k): \(name) at \(row)")
        case .stableNode(let n): #expect(row.contains(" K\(n.raw) "), "\(file) step \(k): \(row)")
        case .fold: break
        }
      }
      for p in w.processIDs where w[process: p].alive { #expect(objects.contains(.process(p))) }
      for a in w.aliveAnonVMAs { #expect(objects.contains(.anonVMA(a))) }
    }
  }
}
