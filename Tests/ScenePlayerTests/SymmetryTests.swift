import SceneScript
import Testing

@testable import AnonVMASim
@testable import ScenePlayer

private struct Failure: Error {
  var message: String
  init(_ message: String) { self.message = message }
}

/// `cpus` CPUs each take copy-on-write faults on `pages` pages of their own child of one parent
/// (issue 20's scene, small): every schedule allocates the same pages in another order.
private func cowExplorer(cpus: Int, pages: Int, kernel: String) throws -> RaceExplorer {
  var lines = ["kernel \(kernel)", "cpus \(cpus)", "spawn P0", "mmap P0 A \(pages)", "touch P0 A 0..\(pages - 1)"]
  lines += (1...cpus).map { "fork P0 P\($0)" }
  lines += (1...cpus).map { "on cpu\($0 - 1) begin touch P\($0) A 0..\(pages - 1)" }
  switch RaceExplorer.prepare(
    scene: Parser.parse(lines.joined(separator: "\n") + "\n"), title: "cow", kernel: nil, variants: nil)
  {
  case .success(let e): return e
  case .failure(let d): throw d
  }
}

/// Every race and concurrency scene on every model and variant, and the copy-on-write scene on
/// three kernels (the scenes where pages are allocated in orders that differ).
private func symmetryExplorers() throws -> [(name: String, explorer: RaceExplorer)] {
  var result = try raceExplorers(variants: true)
  for kernel in ["2.6.34", "2.6.36", "6.1"] {
    result.append(("cow 3x2 on \(kernel)", try cowExplorer(cpus: 3, pages: 2, kernel: kernel)))
  }
  return result
}

/// The codes a search found, and whether one is a deadlock (C18).
private func verdict(_ r: RaceExplorer.Report) -> (codes: Set<String>, deadlock: Bool) {
  (Set(r.findings.map(\.code)), r.findings.contains { $0.code == "C18" })
}

/// Every page id reachable from `value` by reflection (enum payloads, optionals, arrays, structs).
private func pageIDs(in value: Any, into ids: inout [PageID]) {
  if let id = value as? PageID {
    ids.append(id)
    return
  }
  for child in Mirror(reflecting: value).children { pageIDs(in: child.value, into: &ids) }
}

/// `a` with its pages renumbered to the ids the pages of the same names have in `b` (pages
/// nothing names paired by their contents): equal to `b` when the two are one state up to the
/// pages' ids. Nil when the names do not pair up.
private func renamed(_ a: World, like b: World) -> World? {
  guard let na = a.pageNames()?.names, let nb = b.pageNames()?.names, na.count == nb.count else { return nil }
  var byName: [UInt64: Int] = [:]
  for (i, n) in nb.enumerated() where n != 0 { byName[n] = i + 1 }
  func contents(_ p: Page) -> String {
    var q = p
    q.id = 0
    return "\(q)"
  }
  // Unnamed pages of each world, in the order of their contents.
  let freeA = na.indices.filter { na[$0] == 0 }.sorted { contents(a.pages[$0]) < contents(a.pages[$1]) }
  let freeB = nb.indices.filter { nb[$0] == 0 }.sorted { contents(b.pages[$0]) < contents(b.pages[$1]) }
  guard freeA.count == freeB.count else { return nil }
  var sigma = [Int](repeating: 0, count: na.count + 1)
  for (i, n) in na.enumerated() where n != 0 {
    guard let j = byName[n] else { return nil }
    sigma[i + 1] = j
  }
  for (i, j) in zip(freeA, freeB) { sigma[i + 1] = j + 1 }
  return renumbered(a, sigma)
}

/// `a` with page id i renumbered `sigma[i]` in the pages, PTEs, swap cache and stable nodes
/// (not in the CPUs: `sigma` must fix the pages they name).
private func renumbered(_ a: World, _ sigma: [Int]) -> World {
  func s(_ p: PageID) -> PageID { p.raw >= 1 && p.raw < sigma.count ? PageID(sigma[p.raw]) : p }
  var w = a
  var pages = [Page?](repeating: nil, count: a.pages.count)
  for p in a.pages {
    var q = p
    q.id = s(p.id)
    pages[q.id.raw - 1] = q
  }
  w.pages = ChunkedArray(pages.compactMap { $0 })
  for pi in w.processes.indices {
    for (v, pte) in a.processes[pi].ptes {
      switch pte {
      case .page(let p, let writable): w.processes[pi].ptes[v] = .page(s(p), writable: writable)
      case .migration(let p, let writable): w.processes[pi].ptes[v] = .migration(s(p), writable: writable)
      default: break
      }
    }
  }
  for i in w.swapSlots.indices { w.swapSlots[i].cached = w.swapSlots[i].cached.map(s) }
  for i in w.stableNodes.indices { w.stableNodes[i].page = s(w.stableNodes[i].page) }
  return w
}

/// What one CPU's micro-step from a world does, as the search sees it: refused, blocked, or
/// the successor's fingerprint (with page names) and the violation codes it reports.
private enum Move: Equatable {
  case refused
  case blocked
  case moved(fingerprint: UInt64, codes: [String])
}

@Suite("The race explorer's symmetry reduction (page ids named by what refers to them)")
struct SymmetryTests {
  /// The moves of every CPU from `world`, successors fingerprinted with `numbering`.
  private func moves(_ world: World, _ numbering: inout CPUNumbering) -> [Move?] {
    world.cpus.indices.map { cpu -> Move? in
      let state = world.cpus[cpu].state
      guard state == .running || state == .blocked else { return nil }
      switch RaceExplorer.tryStep(world, cpu: cpu) {
      case .failure: return .refused
      case .success(let (next, outcome)):
        if case .blocked = outcome { return .blocked }
        let codes = next.violations.dropFirst(world.violations.count).map(\.code).sorted()
        return .moved(fingerprint: numbering.fingerprint(next).fingerprint, codes: codes)
      }
    }
  }

  @Test(
    "two states with one fingerprint under page names behave alike: the same CPUs can move, to successors with one fingerprint, reporting the same violation codes (random schedules, every race and concurrency scene and the copy-on-write scene, every model)"
  )
  func equalNamesBehaveAlike() throws {
    var named = CPUNumbering(symmetry: true)
    var plain = CPUNumbering(symmetry: false)
    var compared = 0
    for (name, e) in try symmetryExplorers() {
      // The first world met under each fingerprint with names, and its plain fingerprint.
      var first: [UInt64: (world: World, plain: UInt64)] = [:]
      var x: UInt64 = 0x9E37_79B9_7F4A_7C15
      for _ in 0..<40 {
        var world = e.initial
        for _ in 0..<300 {
          let print = named.fingerprint(world).fingerprint
          let own = plain.fingerprint(world).fingerprint
          if let known = first[print] {
            if known.plain != own {
              // Equal up to the pages' ids, not equal: they must behave alike.
              compared += 1
              #expect(renamed(known.world, like: world) == world, "\(name): not one state up to the pages' ids")
              #expect(moves(known.world, &named) == moves(world, &named), "\(name)")
            }
          } else {
            first[print] = (world, own)
          }
          let movable = world.cpus.indices.filter {
            world.cpus[$0].state == .running || world.cpus[$0].state == .blocked
          }
          guard !movable.isEmpty else { break }
          x = StateHasher.mix(x &+ 1)
          let cpu = movable[Int(x % UInt64(movable.count))]
          guard case .success(let (next, outcome)) = RaceExplorer.tryStep(world, cpu: cpu) else { break }
          if case .blocked = outcome { continue }
          world = next
        }
      }
    }
    #expect(compared > 100, "states equal up to page ids were met \(compared) times")
  }

  @Test(
    "the fingerprint with page names: the same under any renumbering of the pages no CPU names, changed by any change of which page is where"
  )
  func namesAreCanonicalAndInjective() throws {
    let cow = try cowExplorer(cpus: 3, pages: 2, kernel: "2.6.36")
    var w = cow.initial
    // Each CPU copies its first page: three new pages, allocated in CPU order.
    for cpu in 0..<3 {
      for _ in 0..<20
      where w.processes[cpu + 1].ptes.values.allSatisfy({ if case .page(_, true) = $0 { false } else { true } }) {
        _ = try w.microStep(cpu: cpu)
      }
    }
    try #require(w.pages.count >= 5)
    var numbering = CPUNumbering(symmetry: true)
    let base = numbering.fingerprint(w).fingerprint
    // Renumbered: every permutation of the pages (no CPU names one here) hashes alike.
    var x: UInt64 = 7
    for _ in 0..<20 {
      var order = Array(1...w.pages.count)
      for i in order.indices.reversed() where i > 0 {
        x = StateHasher.mix(x &+ 1)
        order.swapAt(i, Int(x % UInt64(i + 1)))
      }
      let other = renumbered(w, [0] + order)
      #expect(other != w || order == Array(1...w.pages.count))
      #expect(numbering.fingerprint(other).fingerprint == base)
    }
    // Changes of which page is where.
    let p2 = 2  // P2, a child with a copied page and a shared one
    let vpages = w.processes[p2].ptes.keys.sorted()
    try #require(vpages.count >= 2)
    guard case .page(let a, let wa) = w.processes[p2].ptes[vpages[0]],
      case .page(let b, let wb) = w.processes[p2].ptes[vpages[1]], a != b
    else { throw Failure("P2's two pages are one") }
    var changes: [(String, (inout World) -> Void)] = [
      (
        "two PTEs' pages swapped",
        { w in
          w.processes[p2].ptes[vpages[0]] = .page(b, writable: wa)
          w.processes[p2].ptes[vpages[1]] = .page(a, writable: wb)
        }
      ),
      ("a PTE's write bit", { w in w.processes[p2].ptes[vpages[0]] = .page(a, writable: !wa) }),
      ("a mapped page freed", { w in w[page: a].freed = true }),
      ("a page's mapcount", { w in w[page: b].mapcount += 1 }),
      ("a CPU names a page", { w in w.cpus[0].regs.page = a }),
    ]
    var held = w
    held.cpus[0].regs.page = a
    let heldPrint = numbering.fingerprint(held).fingerprint
    var other = held
    other.cpus[0].regs.page = b
    changes.append(("a CPU names another page", { $0 = other }))
    for (what, change) in changes {
      var v = w
      change(&v)
      #expect(v != w, "\(what): the change is a change")
      #expect(numbering.fingerprint(v).fingerprint != base, "\(what) is not seen")
    }
    #expect(numbering.fingerprint(other).fingerprint != heldPrint, "the page a CPU names is not seen")
    // The pages swapped under a CPU that names one: it now names the page at the other place.
    var swap = Array(0...w.pages.count)
    swap.swapAt(a.raw, b.raw)
    let moved = renumbered(held, swap)
    #expect(moved != held)
    #expect(numbering.fingerprint(moved).fingerprint != heldPrint, "the page a CPU names is renamed")
  }

  @Test(
    "with symmetry and reduction the search finds the violation codes and deadlocks the full search without symmetry finds, and its counterexamples replay (every race and concurrency scene, every model and variant, the copy-on-write scene)"
  )
  func soundOnEveryScene() throws {
    var fewer = 0
    for (name, e) in try symmetryExplorers() {
      let full = sharedSearch(name, e, reduction: .none, symmetry: false)
      let reduced = sharedSearch(name, e)
      #expect(reduced.symmetry && !full.symmetry)
      #expect(full.exhaustive && reduced.exhaustive, "\(name): compare exhaustive searches only")
      #expect(verdict(reduced).codes == verdict(full).codes, "\(name)")
      #expect(verdict(reduced).deadlock == verdict(full).deadlock, "\(name)")
      #expect(reduced.states <= full.states, "\(name)")
      // Symmetry alone: the same shortest schedule lengths per code.
      let symmetric = sharedSearch(name, e, reduction: .none)
      #expect(
        symmetric.findings.map { "\($0.code) \($0.schedule.count)" }
          == full.findings.map { "\($0.code) \($0.schedule.count)" }, "\(name)")
      if symmetric.states < full.states { fewer += 1 }
      for f in reduced.findings {
        var world = e.initial
        for cpu in f.schedule {
          _ = try? world.microStep(cpu: cpu)
          world.checkInvariants(everything: true)
        }
        #expect(
          f.code == "C18" || world.violations.contains { $0.code == f.code }, "\(name): \(f.code) does not replay")
      }
    }
    #expect(fewer >= 3, "symmetry merges states on the copy-on-write scenes at least")
  }

  @Test("the copy-on-write scene: one state per set of pages copied, whatever the order")
  func cowStates() throws {
    let e = try cowExplorer(cpus: 3, pages: 2, kernel: "2.6.36")
    let plain = e.explore(reduction: .none, symmetry: false)
    let named = e.explore(reduction: .none)
    #expect(plain.exhaustive && named.exhaustive)
    #expect(named.states * 2 < plain.states, "\(named.states) vs \(plain.states)")
    #expect(named.findings.map(\.code) == plain.findings.map(\.code))
  }

  @Test(
    "every page id a CPU holds is listed by CPU.forEachPage, and every page id the kernel state holds outside the pages, the CPUs and the bookkeeping is a PTE's, a swap cache's or a stable node's (every state a search of each scene reaches, up to 300)"
  )
  func pageReferencesListed() throws {
    var checked = 0
    for (name, e) in try symmetryExplorers() {
      var queue = [e.initial]
      var seen: Set<World> = [e.initial]
      while let world = queue.popLast(), seen.count < 300 {
        for cpu in world.cpus {
          var mirrored: [PageID] = []
          pageIDs(in: cpu, into: &mirrored)
          var listed: [PageID] = []
          cpu.forEachPage { listed.append($0) }
          #expect(Set(mirrored) == Set(listed), "\(name): \(cpu.name)")
        }
        var referenced: Set<PageID> = []
        for p in world.processes {
          for pte in p.ptes.values {
            switch pte {
            case .page(let id, _), .migration(let id, _): referenced.insert(id)
            default: break
            }
          }
        }
        for s in world.swapSlots { if let c = s.cached { referenced.insert(c) } }
        for n in world.stableNodes { referenced.insert(n.page) }
        for child in Mirror(reflecting: world).children
        where !["pages", "cpus", "bookkeeping"].contains(child.label ?? "") {
          var ids: [PageID] = []
          pageIDs(in: child.value, into: &ids)
          #expect(ids.allSatisfy { referenced.contains($0) }, "\(name): \(child.label ?? "?")")
        }
        checked += 1
        for cpu in world.cpus.indices where world.cpus[cpu].state == .running || world.cpus[cpu].state == .blocked {
          if case .success(let (next, _)) = RaceExplorer.tryStep(world, cpu: cpu), seen.insert(next).inserted {
            queue.append(next)
          }
        }
      }
    }
    #expect(checked > 1000)
  }
}
