/// Which objects an invariant check looks at: everything, or what changed since the last check.
public struct CheckScope: Sendable {
  /// Processes whose VMAs, chains or page tables changed, ascending.
  public var processes: [Int]
  /// anon_vmas whose fields changed, ascending.
  public var anonVMAs: [Int]
  /// anon_vma_chains that changed, ascending by id, each with the last anon_vma it was seen
  /// linked to (0: none).
  public var avcs: [(id: Int, lastAnonVMA: Int)]

  /// The scope of what a world marked since its last check.
  init(_ w: World) {
    processes = w.touchedProcesses.ids
    anonVMAs = w.touchedAnonVMAs.ids
    // Stable sort by id (a fork marks in ascending order already), then one entry per id: the
    // last non-zero anon_vma it was marked with.
    var marks = w.touchedAVCs
    if zip(marks, marks.dropFirst()).contains(where: { $0.id > $1.id }) {
      marks = marks.enumerated().sorted { ($0.element.id, $0.offset) < ($1.element.id, $1.offset) }.map(\.element)
    }
    avcs = []
    avcs.reserveCapacity(marks.count)
    for m in marks {
      if let last = avcs.last, last.id == m.id {
        if m.anonVMA != 0 { avcs[avcs.count - 1].lastAnonVMA = m.anonVMA }
      } else {
        avcs.append((m.id, m.anonVMA))
      }
    }
  }
}

extension World {
  /// Checks the invariants of `kernel-semantics.md` §C that apply to this model and reports
  /// new violations (a violation that persists is reported once).
  ///
  /// Only what changed since the last check is examined (the VMAs of changed processes, changed
  /// anon_vmas and those linked to them), so a step costs in proportion to what it touched; the
  /// tests compare this with a full check after every step of random sequences.
  ///
  /// While an operation is unfinished on some CPU, the structural invariants C1–C7 and the
  /// counter equations of C8–C10 are not checked (objects may be half-updated, as in the kernel).
  ///
  /// - Parameter everything: check every object, not only what changed since the last check.
  ///   The race explorer needs this: it reaches one state by many schedules and keeps the first,
  ///   whose record of what changed belongs to that schedule only.
  public mutating func checkInvariants(everything: Bool = false) {
    let scope = everything ? nil : CheckScope(self)
    // The page-safety check (C12) reads the page tables of the processes in scope: work.
    if let scope {
      for p in scope.processes { work.value += processes[p].ptes.count }
    } else {
      work.value += pageTableEntries
    }
    for violation in invariantViolations(scope: scope) { report(violation.code, violation.message) }
    // Keep what changed while an operation is unfinished: some checks wait for quiescence.
    if cpus.allSatisfy({ $0.state == .idle }) {
      touchedProcesses = []
      touchedAnonVMAs = []
      touchedAVCs = []
    }
  }

  /// The invariant violations of the current state, without recording them.
  ///
  /// - Parameter scope: nil checks everything; else only the objects in scope and what they link to.
  public func invariantViolations(scope: CheckScope? = nil) -> [(code: String, message: String)] {
    var found: [(code: String, message: String)] = []
    func fail(_ code: String, _ message: String) { found.append((code, message)) }
    let quiescent = cpus.allSatisfy { $0.state == .idle }

    // Each VMA's chain (anon_vma ids, head to tail), looked up once per check.
    var chains: [Int: [Int]] = [:]
    func chain(_ vma: Int) -> [Int] {
      if let known = chains[vma] { return known }
      let c = chainAnonVMAs(vma)
      chains[vma] = c
      return c
    }

    // The VMAs and anon_vmas to look at.
    var scopedProcesses: [Int] = []
    var scopedVMAs: [Int] = []
    var scopedAVs: [Int] = []
    if let scope {
      scopedProcesses = scope.processes.filter { $0 < processes.count }
      for p in scopedProcesses { scopedVMAs += processes[p].vmas }
      scopedVMAs += detachedVMAs
      // Marked in a table by id, so each is listed once (a fork's chain adds thousands, most
      // with the same root: no hashing, and only the distinct ones sorted).
      var marked = [Bool](repeating: false, count: anonVMAs.count + 1)
      var listed: [Int] = []
      func mark(_ a: Int?) {
        guard let a, a >= 1, a <= anonVMAs.count, !marked[a] else { return }
        marked[a] = true
        listed.append(a)
      }
      func markWithRoots(_ a: Int) {
        guard a >= 1, a <= anonVMAs.count else { return }
        mark(a)
        mark(anonVMAs[a - 1].root)
        mark(anonVMAs[a - 1].parent)
      }
      for a in scope.anonVMAs { markWithRoots(a) }
      for v in scopedVMAs { for a in chain(v) { markWithRoots(a) } }
      // An anon_vma whose root or parent was freed is affected too.
      let changed = Set(freedThisStep)
      if !changed.isEmpty {
        for i in anonVMAs.indices where anonVMAs[i].alive {
          if let r = anonVMAs[i].root, changed.contains(r) { mark(anonVMAs[i].id) }
          if let p = anonVMAs[i].parent, changed.contains(p) { mark(anonVMAs[i].id) }
        }
      }
      scopedAVs = listed.sorted().filter { anonVMAs[$0 - 1].alive }
    } else {
      scopedProcesses = Array(processes.indices)
      scopedVMAs = orderedVMAs
      scopedAVs = aliveAnonVMAs
    }

    if quiescent {
      // C1: every AVC is on both lists.
      if let scope {
        // Scoped: the chains of changed VMAs, and each changed anon_vma_chain on both lists
        // (a search of the anon_vma's list, not a walk of every entry of every list touched).
        for v in scopedVMAs {
          for id in vmas[v]?.chainTailFirst ?? [] {
            guard let link = avcs[id], link.vma == v, link.anonVMA >= 1,
              anonVMAs[link.anonVMA - 1].head.contains(id)
            else {
              fail("C1", "avc\(id) of \(vmaName(v)) is not on its anon_vma's list")
              continue
            }
          }
        }
        // A fork or exit touches a whole chain: sort each VMA's chain once, then search it.
        var sortedChains: [Int: [Int]] = [:]
        var lastVMA = 0
        var lastChain: [Int] = []
        for (id, lastAnonVMA) in scope.avcs {
          if let link = avcs[id] {
            let onAV = link.anonVMA >= 1 && link.anonVMA <= anonVMAs.count && anonVMAs[link.anonVMA - 1].head.contains(id)
            if link.vma != lastVMA {
              if sortedChains[link.vma] == nil {
                // A cloned chain's ids ascend already.
                let ids = vmas.withObject(link.vma, \.chainTailFirst) ?? []
                sortedChains[link.vma] = zip(ids, ids.dropFirst()).allSatisfy { $0 < $1 } ? ids : ids.sorted()
              }
              lastVMA = link.vma
              lastChain = sortedChains[link.vma] ?? []
            }
            let onVMA = lastChain.sortedContains(id)
            if !onAV || !onVMA {
              fail("C1", "avc\(id) (\(vmaName(link.vma)) → \(av(link.anonVMA))) is on only one list")
            }
          } else if lastAnonVMA >= 1, anonVMAs[lastAnonVMA - 1].head.contains(id) {
            fail("C1", "avc\(id) on \(av(lastAnonVMA))'s list is not on its VMA's chain")
          }
        }
      } else {
        var onVMA = Set<Int>()
        for vma in vmas.values { for id in vma.chainTailFirst where vma.id == avcs[id]?.vma { onVMA.insert(id) } }
        var onAV = Set<Int>()
        for a in scopedAVs { for id in anonVMAs[a - 1].head where avcs[id]?.anonVMA == a { onAV.insert(id) } }
        for id in avcs.keys.sorted() {
          guard let link = avcs[id] else { continue }
          if onVMA.contains(id) != onAV.contains(id) || !onVMA.contains(id) {
            fail("C1", "avc\(id) (\(vmaName(link.vma)) → \(av(link.anonVMA))) is on only one list")
          }
        }
      }
      for vid in scopedVMAs {
        guard let vma = vmas[vid] else { continue }
        let chain = chain(vid)
        let name = vmaName(vid)
        // C2: no anon_vma twice in one chain.
        // (A chain whose ids fall from head to tail, as forks build them, has no repeat.)
        let falling = zip(chain, chain.dropFirst()).allSatisfy { $0 > $1 }
        if !falling && Set(chain).count != chain.count { fail("C2", "\(name)'s chain lists an anon_vma twice") }
        // C3: anon_vma set <=> chain non-empty, and in the chain.
        if (vma.anonVMA == nil) != chain.isEmpty {
          fail("C3", "\(name): vma->anon_vma and its chain disagree")
        }
        if let a = vma.anonVMA, !chain.contains(a) {
          fail("C3", "\(name)'s anon_vma \(av(a)) is not in its chain")
        }
        // C4 (6.x): the tail is the root; vma->anon_vma may be any member after reuse.
        if kernel == .v6, let a = vma.anonVMA, let tail = chain.last, tail != lockTarget(of: a) {
          fail("C4", "\(name)'s chain tail \(av(tail)) is not the root \(av(lockTarget(of: a)))")
        }
        // C7 (6.x): every anon_vma's parent is in the chain too (ancestor closure).
        if kernel == .v6 {
          for a in chain {
            guard let p = anonVMAs[a - 1].parent, p != a, !chain.contains(p) else { continue }
            fail("C7", "\(name)'s chain holds \(av(a)) but not its parent \(av(p))")
          }
        }
        // C4: head is vma->anon_vma; tail is the oldest (the root in 2.6.36).
        if kernel != .v6, let a = vma.anonVMA, let head = chain.first, let tail = chain.last {
          if head != a { fail("C4", "\(name)'s chain head \(av(head)) is not its anon_vma \(av(a))") }
          if kernel == .v2_6_36, tail != lockTarget(of: a) {
            fail("C4", "\(name)'s chain tail \(av(tail)) is not the root \(av(lockTarget(of: a)))")
          }
          if kernel == .v2_6_34, tail != chain.min() {
            fail("C4", "\(name)'s chain tail \(av(tail)) is not its oldest anon_vma")
          }
        }
        // C5: one forest per VMA.
        if kernel != .v2_6_34 {
          let first = chain.first.map { anonVMAs[$0 - 1].root ?? $0 }
          if chain.contains(where: { (anonVMAs[$0 - 1].root ?? $0) != first }) {
            let roots = Set(chain.map { anonVMAs[$0 - 1].root ?? $0 })
            fail("C5", "\(name)'s chain spans \(roots.count) forests")
          }
        }
      }
      // An anon_vma's list holding a VMA twice means two of that VMA's chain entries point to
      // it (C1 ties lists and chains), which the chain check above sees: scoped checks skip it.
      if scope == nil {
        for a in scopedAVs {
          let listed = anonVMAs[a - 1].head.compactMap { avcs[$0]?.vma }
          if Set(listed).count != listed.count {
            fail("C2", "\(av(a))'s list holds a VMA twice")
          }
        }
      }
      // C6: same anon_vma => same chain, within one mm.
      for p in scopedProcesses {
        let ids = processes[p].vmas
        for (i, x) in ids.enumerated() {
          for y in ids[(i + 1)...] {
            guard let a = vmas[x]?.anonVMA, a == vmas[y]?.anonVMA else { continue }
            if Set(chainAnonVMAs(x)) != Set(chainAnonVMAs(y)) {
              fail("C6", "\(vmaName(x)) and \(vmaName(y)) share \(av(a)) but not their chains")
            }
          }
        }
      }
      // C8 / C9 / C10: lifetime and counters.
      var itemCount: [Int: Int] = [:]
      for node in stableNodes where node.alive {
        for item in node.items { itemCount[item.anonVMA, default: 0] += 1 }
      }
      var forestChildren = [Int](repeating: 0, count: anonVMAs.count + 1)
      var treeChildren = [Int](repeating: 0, count: anonVMAs.count + 1)
      // Field by field (through the subscript's borrow): copying each anon_vma, with its list,
      // would cost more than the count.
      for i in anonVMAs.indices where anonVMAs[i].alive {
        let id = anonVMAs[i].id
        if let r = anonVMAs[i].root, r != id { forestChildren[r] += 1 }
        if let p = anonVMAs[i].parent, p != id, !anonVMAs[i].head.isEmpty { treeChildren[p] += 1 }
      }
      var activeCount = [Int](repeating: 0, count: anonVMAs.count + 1)
      if kernel == .v6 {
        for id in vmas.slots.indices { if let a = vmas.slots[id]?.anonVMA { activeCount[a] += 1 } }
      }
      for a in scopedAVs {
        let anon = anonVMAs[a - 1]
        let code = lifetimeCode
        if anon.refcount < 0 { fail(code, "\(av(a))'s \(counterName) is \(anon.refcount)") }
        if anon.head.isEmpty && anon.refcount <= 0 {
          fail(code, "\(av(a)) is alive with an empty list and no references (leaked)")
        }
        var expected = itemCount[a, default: 0] + pins[a, default: 0]
        if kernel == .v2_6_36, anon.root == a, !has(.noFiveFive) {
          expected += forestChildren[a]
        }
        if kernel != .v6, anon.refcount != expected {
          fail(code, "\(av(a))'s \(counterName) is \(anon.refcount), expected \(expected)")
        }
        if kernel == .v6 {
          // C10: the non-empty tree holds one reference; a root holds one per live child.
          var modern = itemCount[a, default: 0] + pins[a, default: 0] + (anon.head.isEmpty ? 0 : 1)
          if anon.root == a { modern += forestChildren[a] }
          if anon.refcount != modern {
            fail("C10", "\(av(a))'s refcount is \(anon.refcount), expected \(modern)")
          }
          if anon.numActiveVMAs != activeCount[a] {
            fail("C10", "\(av(a))'s num_active_vmas is \(anon.numActiveVMAs), but \(activeCount[a]) VMA(s) use it")
          }
          var children = treeChildren[a]
          if anon.createdBy == "anon_vma_prepare" && !anon.head.isEmpty { children += 1 }
          if anon.numChildren != children {
            fail("C10", "\(av(a))'s num_children is \(anon.numChildren), expected \(children)")
          }
        }
      }
      // C21: no flag bits remain once no CPU holds locks from mm_take_all_locks.
      if cpus.allSatisfy({ $0.holds.isEmpty }) {
        for a in scopedAVs where anonVMAs[a - 1].allLocksBit {
          fail("C21", "\(av(a)) still carries the mm_all_locks bit")
        }
      }
    }

    // C11: root validity.
    if kernel != .v2_6_34 {
      for a in scopedAVs {
        let anon = anonVMAs[a - 1]
        guard let r = anon.root else {
          // An anon_vma being built by an unfinished anon_vma_fork has no root yet.
          if quiescent { fail("C11", "\(av(anon.id)) has no root") }
          continue
        }
        if !anonVMAs[r - 1].alive {
          fail("C11", "\(av(anon.id))'s root \(av(r)) has been freed")
        } else if anonVMAs[r - 1].root != r {
          fail("C11", "\(av(anon.id))'s root \(av(r)) is not its own root")
        }
        if (r == anon.id) != (anon.createdBy == "anon_vma_prepare") {
          fail("C11", "\(av(anon.id)) is a root but was not made by anon_vma_prepare")
        }
        if kernel == .v6, r == anon.id, anon.parent != r {
          fail("C11", "root \(av(r))'s parent is not itself")
        }
      }
    }
    // C12: page safety for mapped anonymous pages.
    var pagesInFreed = Set<Int>()
    if !freedThisStep.isEmpty {
      let freed = Set(freedThisStep)
      // Only a page still mapped somewhere can be mapped through a freed anon_vma.
      for page in pages where !page.freed && page.mapcount > 0 {
        if case .anon(let a) = page.mapping, freed.contains(a) { pagesInFreed.insert(page.id) }
      }
    }
    let scanned = Set(scopedProcesses)
    // The changed processes, or every process when a page may map through a freed anon_vma.
    for pi in pagesInFreed.isEmpty ? scopedProcesses : Array(processes.indices) {
      let process = processes[pi]
      let scanAll = scanned.contains(pi)
      // The process's VMAs with their chains, looked up once (not once per page).
      var spans: [(vma: Int, start: Int, end: Int, chain: [Int])] = []
      if quiescent {
        for id in process.vmas {
          guard let v = vmas[id] else { continue }
          // Known chains reused; a scan of every process does not fill the cache.
          spans.append((id, v.start, v.end, chains[id] ?? chainAnonVMAs(id)))
        }
      }
      for vpage in process.ptes.keys.sorted() {
        if !scanAll {
          guard case .page(let p, _) = process.ptes[vpage], pagesInFreed.contains(p) else { continue }
        }
        if quiescent, case .migration(let p, _) = process.ptes[vpage] {
          fail(
            "C12",
            "migration entry for \(pg(p)) left behind at \(locationName(process: pi, vpage: vpage)): "
              + "the next fault on it hits the BUG in migration_entry_to_page")
        }
        guard case .page(let p, _) = process.ptes[vpage] else { continue }
        let page = pages[p - 1]
        if page.freed {
          fail("C12", "\(pg(p)) is mapped at \(locationName(process: pi, vpage: vpage)) but was freed")
          continue
        }
        guard case .anon(let a) = page.mapping else { continue }
        if !anonVMAs[a - 1].alive {
          fail("C12", "page \(pg(p)) is mapped but its anon_vma \(av(a)) was freed")
          continue
        }
        if quiescent, let span = spans.first(where: { $0.start <= vpage && vpage < $0.end }), !span.chain.contains(a) {
          fail("C12", "\(vmaName(span.vma)) maps \(pg(p)) but is not linked to its anon_vma \(av(a))")
        }
      }
    }
    // C13: KSM items point to alive anon_vmas.
    for node in stableNodes where node.alive {
      for item in node.items where !anonVMAs[item.anonVMA - 1].alive {
        fail("C13", "an rmap_item of K\(node.id) references freed \(av(item.anonVMA))")
      }
    }
    // C23 (the model's own bookkeeping): a CPU waits for a lock only while it is blocked (or
    // deadlocked) on it, so every lock the state lists is held or awaited.
    for cpu in cpus {
      if let lock = cpu.waitingFor, cpu.state != .blocked && cpu.state != .deadlocked {
        fail("C23", "\(cpu.name) is \(cpu.state.rawValue) but still listed as waiting for \(av(lock))")
      }
    }
    return found
  }
}

extension Array where Element == Int {
  /// Binary search of an ascending array.
  func sortedContains(_ x: Int) -> Bool {
    var low = 0
    var high = count
    while low < high {
      let mid = (low + high) / 2
      if self[mid] < x { low = mid + 1 } else { high = mid }
    }
    return low < count && self[low] == x
  }
}
