import AnonVMASim
import AppCore
import Foundation
import ScenePlayer
import TermRender
import TestSupport
import Testing

/// What an object points to or is pointed to by, read from the world another way than the
/// diagram does: an anon_vma's VMAs are those whose chain has an anon_vma_chain to it.
private func expectedRelated(_ o: ForestDiagram.Object, _ w: World) -> Set<ForestDiagram.Object> {
  var result = Set<ForestDiagram.Object>()
  let vmas = w.processes.indices.flatMap { p in w.processes[p].vmas.compactMap { w.vmas[$0] } }
  switch o {
  case .process(let p):
    for vma in vmas where vma.process == p {
      result.insert(.vma(vma.id))
      if let a = vma.anonVMA { result.insert(.anonVMA(a)) }
    }
  case .vma(let v):
    guard let vma = w.vmas[v] else { break }
    result.insert(.process(vma.process))
    if let a = vma.anonVMA { result.insert(.anonVMA(a)) }
    for c in vma.chainTailFirst { if let a = w.avcs[c]?.anonVMA { result.insert(.anonVMA(a)) } }
    for (page, place) in ptes(w) where place.process == vma.process && place.vma == v { result.insert(.page(page)) }
  case .anonVMA(let a):
    if let root = w[anonVMA: a].root { result.insert(.anonVMA(root)) }
    if let parent = w[anonVMA: a].parent { result.insert(.anonVMA(parent)) }
    for vma in vmas where vma.chainTailFirst.contains(where: { w.avcs[$0]?.anonVMA == a }) {
      result.insert(.vma(vma.id))
      result.insert(.process(vma.process))
    }
    for page in w.pages where !page.freed && page.mapping == .anon(a) { result.insert(.page(page.id)) }
    for node in w.stableNodes where node.alive && node.items.map(\.anonVMA).contains(a) {
      result.insert(.stableNode(node.id))
    }
  case .page(let id):
    switch w[page: id].mapping {
    case .anon(let a): result.insert(.anonVMA(a))
    case .ksm(let k): result.insert(.stableNode(k))
    case .none: break
    }
    for (page, place) in ptes(w) where page == id { if let v = place.vma { result.insert(.vma(v)) } }
  case .stableNode(let k):
    let node = w.stableNodes[k.raw - 1]
    result.insert(.page(node.page))
    for item in node.items { result.insert(.anonVMA(item.anonVMA)) }
  case .fold: break
  }
  result.remove(o)
  return result
}

/// Every present PTE (or migration entry) of a live process: the page it maps, and the VMA
/// whose range holds it (found by scanning the process's VMAs, not `find_vma`).
private func ptes(_ w: World) -> [(PageID, (process: ProcessID, vma: VMAID?))] {
  var result: [(PageID, (process: ProcessID, vma: VMAID?))] = []
  for p in w.processIDs where w[process: p].alive {
    for (vpage, pte) in w[process: p].ptes {
      let page: PageID
      switch pte {
      case .page(let id, _), .migration(let id, _): page = id
      case .zero, .swap: continue
      }
      let v = w[process: p].vmas.first { id in w.vmas[id].map { $0.start <= vpage && vpage < $0.end } ?? false }
      result.append((page, (p, v)))
    }
  }
  return result
}

/// The cell where an object's selection mark goes: a box's top border at its right end, a VMA
/// row's left border, the cell before a page's name.
private func markCell(_ d: ForestDiagram, _ o: ForestDiagram.Object) -> (Int, Int)? {
  guard let r = d.rect(of: o) else { return nil }
  if case .vma = o { return (r.x, r.y) }
  if case .page = o { return (r.x - 1, r.y) }
  return (r.maxX - 2, r.y)
}

private func count(_ glyph: String, _ b: Buffer) -> Int {
  var n = 0
  for y in 0..<b.height { for x in 0..<b.width where b[x, y].text == glyph { n += 1 } }
  return n
}

@Suite("The diagram's selection, chain connectors and emphasis")
struct DiagramSelectionTests {
  @Test(
    "selecting any object highlights exactly what it points to or is pointed to by, marked ◆ and ◇",
    arguments: planScenes.indices)
  func related(index: Int) throws {
    let (file, _, t) = try planScene(index)
    var checked = 0
    for k in 0...t.stepCount {
      let w = t.states[k]
      for o in ForestDiagram(w).objects {
        let d = ForestDiagram(w, options: .init(selection: o))
        let expected = expectedRelated(o, w)
        #expect(d.related == expected, "\(file) step \(k) \(o)")
        var b = Buffer(width: d.width, height: d.height)
        d.draw(into: &b, in: b.area)
        let cell = try #require(markCell(d, o))
        #expect(b[cell.0, cell.1].text == "◆", "\(file) step \(k): \(o) not marked")
        for r in expected {
          guard let c = markCell(d, r) else { continue }
          // A selected anon_vma's VMAs carry their place on its list (``listOrder``).
          var mark = "◇"
          if case .vma(let v) = r, case .anonVMA(let a) = o, let i = w.listVMAs(a).firstIndex(of: v) {
            mark = i < 9 ? "\(i + 1)" : "·"
          }
          #expect(b[c.0, c.1].text == mark, "\(file) step \(k): \(r), related to \(o), not marked")
        }
        // Pages written as one `…+N` share its mark.
        let cells = Set(expected.compactMap { markCell(d, $0).map { [$0.0, $0.1] } })
        var numbered = Set<[Int]>()
        if case .anonVMA(let a) = o {
          for v in w.listVMAs(a) { if let c = markCell(d, .vma(v)) { numbered.insert([c.0, c.1]) } }
        }
        #expect(
          count("◇", b) == cells.subtracting([[cell.0, cell.1]]).subtracting(numbered).count,
          "\(file) step \(k) \(o)")
        #expect(count("◆", b) == 1)
        checked += 1
      }
    }
    #expect(checked > 10)
  }

  @Test(
    "a selected anon_vma's list is numbered on its VMAs' rows in list order (at 80 columns its box writes only the head: list P1:A@0 …+2)"
  )
  func listOrder() throws {
    var numbered = 0
    for (file, kernel) in planScenes {
      let t = try timeline(file, kernel)
      for k in 0...t.stepCount {
        let w = t.states[k]
        for a in w.aliveAnonVMAs where w.listVMAs(a).count > 1 {
          let d = ForestDiagram(w, options: .init(selection: .anonVMA(a), maxWidth: 76))
          var b = Buffer(width: d.width, height: d.height)
          d.draw(into: &b, in: b.area)
          for (i, v) in w.listVMAs(a).enumerated() where i < 9 {
            guard let c = markCell(d, .vma(v)) else { continue }
            #expect(b[c.0, c.1].text == "\(i + 1)", "\(file) step \(k): AV\(a)'s entry \(i + 1)\n\(b.plainText)")
            numbered += 1
          }
        }
      }
    }
    #expect(numbered > 20)
  }

  @Test("a selected VMA's anon_vma_chain is drawn as connectors, one per entry in list order, numbered")
  func chainConnectors() throws {
    var drawnChains = 0
    for (file, kernel) in planScenes {
      let t = try timeline(file, kernel)
      let plan = ForestDiagram.Plan(t)
      for k in 0...t.stepCount {
        let w = t.states[k]
        for v in w.vmas.keys where w.chainAnonVMAs(v).count > 1 && !(w.vmas[v]?.detached ?? true) {
          for p in [nil, plan] {
            let d = ForestDiagram(w, options: .init(selection: .vma(v), plan: p))
            let chain = w.chainAnonVMAs(v)
            #expect(d.chainConnectors.map(\.kind) == chain.map { .vmaAnonVMA(vma: v, anonVMA: $0) })
            var b = Buffer(width: d.width, height: d.height)
            d.draw(into: &b, in: b.area)
            for (i, arrow) in d.chainConnectors.enumerated() {
              guard case .vmaAnonVMA(_, let a) = arrow.kind else { continue }
              let box = try #require(d.anonVMAs.first { $0.anonVMA == a })
              let reached = ends(b, from: (arrow.tail.x, arrow.tail.y), direction: (1, 0))
              // The line ends at the entry's number, the arrowhead after it at the box's side.
              let number = i < 9 ? "\(i + 1)" : "·"
              #expect(
                reached.contains {
                  b[$0.0, $0.1].text == number && $0.0 + 2 == box.rect.x && b[$0.0 + 1, $0.1].text == "►"
                },
                "\(file) step \(k): \(w.vmaName(v))'s chain entry \(i + 1) misses AV\(a): \(reached)\n\(b.plainText)")
            }
            drawnChains += 1
          }
        }
      }
    }
    #expect(drawnChains > 10)
    if let dir = ProcessInfo.processInfo.environment["DUMP_DIAGRAMS"] {
      let t = try scene("e3-three-generations.scene")
      let k = (0...t.stepCount).max { a, b in
        t.states[a].vmas.keys.filter { t.states[a].chainAnonVMAs($0).count > 1 }.count
          < t.states[b].vmas.keys.filter { t.states[b].chainAnonVMAs($0).count > 1 }.count
      }
      let w = t.states[k ?? 0]
      var text = ""
      for v in w.vmas.keys where w.chainAnonVMAs(v).count > 1 {
        let d = ForestDiagram(w, options: .init(selection: .vma(v), emphasized: [.anonVMA(1)], plan: .init(t)))
        var b = Buffer(width: d.width, height: d.height)
        d.draw(into: &b, in: b.area)
        text += "=== \(w.vmaName(v)) selected ===\n" + b.plainText
      }
      try text.write(toFile: "\(dir)/selected-chain.txt", atomically: true, encoding: .utf8)
    }
  }

  @Test("emphasized objects are marked ≠, and only they")
  func emphasized() throws {
    let t = try scene("e3-three-generations.scene")
    let w = t.states[t.stepCount]
    // Pages are never emphasized (``ForestDiagram/differences`` compares their boxes' lines).
    let all = ForestDiagram(w).objects.filter { if case .page = $0 { false } else { true } }
    let picked = Set(all.enumerated().filter { $0.offset % 2 == 0 }.map(\.element))
    let d = ForestDiagram(w, options: .init(emphasized: picked))
    var b = Buffer(width: d.width, height: d.height)
    d.draw(into: &b, in: b.area)
    #expect(count("≠", b) == picked.count)
    for o in picked {
      let r = try #require(d.rect(of: o))
      let cell = o == .vma(0) ? (0, 0) : { if case .vma = o { (r.maxX - 2, r.y) } else { (r.maxX - 3, r.y) } }()
      #expect(b[cell.0, cell.1].text == "≠", "\(o)")
    }
  }
}

@Suite("Compare: what differs between two models' diagrams")
struct DiagramDifferencesTests {
  @Test("a diagram differs from itself in nothing; 2.6.34 and 2.6.36 differ in the root")
  func differences() throws {
    let t = try scene("e3-three-generations.scene")
    let old = try scene("e3-three-generations.scene", kernel: .v2_6_34)
    for k in 0...t.stepCount {
      let d = ForestDiagram(t.states[k])
      #expect(ForestDiagram.differences(d, d).isEmpty)
      #expect(ForestDiagram.differences(d, ForestDiagram(t.states[k], options: .init(plan: .init(t)))).isEmpty)
    }
    // After the forks: AV1 is the root in 2.6.36, a plain anon_vma in 2.6.34.
    let k = 5
    let differs = ForestDiagram.differences(ForestDiagram(t.states[k]), ForestDiagram(old.states[k]))
    #expect(differs.contains(.anonVMA(1)), "\(differs)")
    for o in differs {
      guard case .process = o else { continue }
      Issue.record("the processes have the same VMAs in both models: \(o)")
    }
  }
}
