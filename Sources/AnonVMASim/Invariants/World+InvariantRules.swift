// The invariants of Docs/kernel-semantics.md §C, one function per rule family; `checkInvariants`
// (World+Invariants.swift) runs them over the objects a ``CheckScope`` names.

/// What one invariant check looks at, and what it found.
struct InvariantScan {
  /// nil: everything.
  var scope: CheckScope?
  /// No operation is unfinished (C1–C10 wait for quiescence: objects may be half-updated).
  var quiescent: Bool
  var scopedProcesses: [ProcessID] = []
  var scopedVMAs: [VMAID] = []
  var scopedAVs: [AnonVMAID] = []
  /// Each VMA's chain (anon_vma ids, head to tail), looked up once per check.
  var chains: [VMAID: [AnonVMAID]] = [:]
  var found: [(code: String, message: String, objects: [ObjectRef])] = []

  /// Records a violation of rule `code`, with the objects `message` names, in its order.
  mutating func fail(_ code: String, _ message: String, _ objects: [ObjectRef]) {
    found.append((code, message, objects))
  }
}

extension World {
  /// A VMA's chain through the check's cache.
  func cachedChain(_ vma: VMAID, _ s: inout InvariantScan) -> [AnonVMAID] {
    if let known = s.chains[vma] { return known }
    let c = chainAnonVMAs(vma)
    s.chains[vma] = c
    return c
  }

  /// The processes, VMAs and anon_vmas a check looks at: those in `scope` and what they link to,
  /// or everything.
  func invariantScan(_ scope: CheckScope?) -> InvariantScan {
    var s = InvariantScan(scope: scope, quiescent: allIdle)
    if let scope {
      s.scopedProcesses = scope.processes.filter { $0.raw < processes.count }
      for p in s.scopedProcesses { s.scopedVMAs += self[process: p].vmas }
      s.scopedVMAs += detachedVMAs
      // Marked in a table by id, so each is listed once (a fork's chain adds thousands, most
      // with the same root: no hashing, and only the distinct ones sorted).
      var marked = [Bool](repeating: false, count: anonVMAs.count + 1)
      var listed: [AnonVMAID] = []
      func mark(_ a: AnonVMAID?) {
        guard let a, isAllocated(a), !marked[a.raw] else { return }
        marked[a.raw] = true
        listed.append(a)
      }
      func markWithRoots(_ a: AnonVMAID) {
        guard isAllocated(a) else { return }
        mark(a)
        mark(self[anonVMA: a].root)
        mark(self[anonVMA: a].parent)
      }
      for a in scope.anonVMAs { markWithRoots(a) }
      for v in s.scopedVMAs { for a in cachedChain(v, &s) { markWithRoots(a) } }
      // An anon_vma whose root or parent was freed is affected too.
      let changed = Set(freedThisStep)
      if !changed.isEmpty {
        for i in anonVMAs.indices where anonVMAs[i].alive {
          if let r = anonVMAs[i].root, changed.contains(r) { mark(anonVMAs[i].id) }
          if let p = anonVMAs[i].parent, changed.contains(p) { mark(anonVMAs[i].id) }
        }
      }
      s.scopedAVs = listed.sorted().filter { self[anonVMA: $0].alive }
    } else {
      s.scopedProcesses = processIDs
      s.scopedVMAs = orderedVMAs
      s.scopedAVs = aliveAnonVMAs
    }
    return s
  }

  /// C1: every anon_vma_chain is on both lists (its VMA's chain and its anon_vma's list).
  func checkListMembership(_ s: inout InvariantScan) {
    if let scope = s.scope {
      // Scoped: the chains of changed VMAs, and each changed anon_vma_chain on both lists
      // (a search of the anon_vma's list, not a walk of every entry of every list touched).
      for v in s.scopedVMAs {
        for id in vmas[v]?.chainTailFirst ?? [] {
          guard let link = avcs[id], link.vma == v, isAllocated(link.anonVMA),
            self[anonVMA: link.anonVMA].head.contains(id)
          else {
            s.fail("C1", "avc\(id) of \(vmaName(v)) is not on its anon_vma's list", [.avc(id), .vma(v)])
            continue
          }
        }
      }
      // A fork or exit touches a whole chain: sort each VMA's chain once, then search it.
      var sortedChains: [VMAID: [AVCID]] = [:]
      var lastVMA: VMAID = 0
      var lastChain: [AVCID] = []
      for (id, lastAnonVMA) in scope.avcs {
        if let link = avcs[id] {
          let onAV =
            isAllocated(link.anonVMA) && self[anonVMA: link.anonVMA].head.contains(id)
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
            s.fail(
              "C1", "avc\(id) (\(vmaName(link.vma)) → \(av(link.anonVMA))) is on only one list",
              [.avc(id), .vma(link.vma), .anonVMA(link.anonVMA)])
          }
        } else if isAllocated(lastAnonVMA), self[anonVMA: lastAnonVMA].head.contains(id) {
          s.fail(
            "C1", "avc\(id) on \(av(lastAnonVMA))'s list is not on its VMA's chain", [.avc(id), .anonVMA(lastAnonVMA)])
        }
      }
    } else {
      var onVMA = Set<AVCID>()
      for vma in vmas.values { for id in vma.chainTailFirst where vma.id == avcs[id]?.vma { onVMA.insert(id) } }
      var onAV = Set<AVCID>()
      for a in s.scopedAVs { for id in self[anonVMA: a].head where avcs[id]?.anonVMA == a { onAV.insert(id) } }
      for id in avcs.keys.sorted() {
        guard let link = avcs[id] else { continue }
        if onVMA.contains(id) != onAV.contains(id) || !onVMA.contains(id) {
          s.fail(
            "C1", "avc\(id) (\(vmaName(link.vma)) → \(av(link.anonVMA))) is on only one list",
            [.avc(id), .vma(link.vma), .anonVMA(link.anonVMA)])
        }
      }
    }
  }

  /// C2–C5, C7: each VMA's chain: no anon_vma twice, agrees with vma->anon_vma, head and tail
  /// as the version builds them, one forest, parents included (6.x).
  func checkChains(_ s: inout InvariantScan) {
    for vid in s.scopedVMAs {
      guard let vma = vmas[vid] else { continue }
      let chain = cachedChain(vid, &s)
      let name = vmaName(vid)
      // C2: no anon_vma twice in one chain.
      // (A chain whose ids fall from head to tail, as forks build them, has no repeat.)
      let falling = zip(chain, chain.dropFirst()).allSatisfy { $0 > $1 }
      if !falling && Set(chain).count != chain.count {
        s.fail("C2", "\(name)'s chain lists an anon_vma twice", [.vma(vid)])
      }
      // C3: anon_vma set <=> chain non-empty, and in the chain.
      if (vma.anonVMA == nil) != chain.isEmpty {
        s.fail("C3", "\(name): vma->anon_vma and its chain disagree", [.vma(vid)])
      }
      if let a = vma.anonVMA, !chain.contains(a) {
        s.fail("C3", "\(name)'s anon_vma \(av(a)) is not in its chain", [.vma(vid), .anonVMA(a)])
      }
      // C4 (6.1): the tail is the root; vma->anon_vma may be any member after reuse. Mainline
      // (v7.0 anon_vma_clone() walks src's chain from the head and adds each AVC at dst's head,
      // reversing the order): the root is in the chain, at no fixed place.
      if kernel == .v6, let a = vma.anonVMA, let tail = chain.last, tail != lockTarget(of: a) {
        s.fail(
          "C4", "\(name)'s chain tail \(av(tail)) is not the root \(av(lockTarget(of: a)))",
          [.vma(vid), .anonVMA(tail), .anonVMA(lockTarget(of: a))])
      }
      if kernel == .mainline, let a = vma.anonVMA, !chain.contains(lockTarget(of: a)) {
        s.fail(
          "C4", "\(name)'s chain does not hold its root \(av(lockTarget(of: a)))",
          [.vma(vid), .anonVMA(lockTarget(of: a))])
      }
      // C7 (6.x): every anon_vma's parent is in the chain too (ancestor closure).
      if kernel.isModern {
        for a in chain {
          guard let p = self[anonVMA: a].parent, p != a, !chain.contains(p) else { continue }
          s.fail(
            "C7", "\(name)'s chain holds \(av(a)) but not its parent \(av(p))", [.vma(vid), .anonVMA(a), .anonVMA(p)])
        }
      }
      // C4: head is vma->anon_vma; tail is the oldest (the root in 2.6.36).
      if !kernel.isModern, let a = vma.anonVMA, let head = chain.first, let tail = chain.last {
        if head != a {
          s.fail(
            "C4", "\(name)'s chain head \(av(head)) is not its anon_vma \(av(a))",
            [.vma(vid), .anonVMA(head), .anonVMA(a)])
        }
        if kernel == .v2_6_36, tail != lockTarget(of: a) {
          s.fail(
            "C4", "\(name)'s chain tail \(av(tail)) is not the root \(av(lockTarget(of: a)))",
            [.vma(vid), .anonVMA(tail), .anonVMA(lockTarget(of: a))])
        }
        if kernel == .v2_6_34, tail != chain.min() {
          s.fail("C4", "\(name)'s chain tail \(av(tail)) is not its oldest anon_vma", [.vma(vid), .anonVMA(tail)])
        }
      }
      // C5: one forest per VMA.
      if kernel != .v2_6_34 {
        let first = chain.first.map { self[anonVMA: $0].root ?? $0 }
        if chain.contains(where: { (self[anonVMA: $0].root ?? $0) != first }) {
          let roots = Set(chain.map { self[anonVMA: $0].root ?? $0 })
          s.fail("C5", "\(name)'s chain spans \(roots.count) forests", [.vma(vid)])
        }
      }
    }
    // An anon_vma's list holding a VMA twice means two of that VMA's chain entries point to
    // it (C1 ties lists and chains), which the chain check above sees: scoped checks skip it.
    if s.scope == nil {
      for a in s.scopedAVs {
        let listed = self[anonVMA: a].head.compactMap { avcs[$0]?.vma }
        if Set(listed).count != listed.count {
          s.fail("C2", "\(av(a))'s list holds a VMA twice", [.anonVMA(a)])
        }
      }
    }
  }

  /// C6: VMAs of one mm that share an anon_vma have the same chain.
  func checkSharedAnonVMAs(_ s: inout InvariantScan) {
    for p in s.scopedProcesses {
      let ids = self[process: p].vmas
      for (i, x) in ids.enumerated() {
        for y in ids[(i + 1)...] {
          guard let a = vmas[x]?.anonVMA, a == vmas[y]?.anonVMA else { continue }
          if Set(chainAnonVMAs(x)) != Set(chainAnonVMAs(y)) {
            s.fail(
              "C6", "\(vmaName(x)) and \(vmaName(y)) share \(av(a)) but not their chains",
              [.vma(x), .vma(y), .anonVMA(a)])
          }
        }
      }
    }
  }

  /// C8 / C9 / C10: lifetime and counters (refcounts, and 6.x's num_active_vmas and num_children).
  func checkCounters(_ s: inout InvariantScan) {
    var itemCount: [AnonVMAID: Int] = [:]
    for node in stableNodes where node.alive {
      for item in node.items { itemCount[item.anonVMA, default: 0] += 1 }
    }
    var forestChildren = [Int](repeating: 0, count: anonVMAs.count + 1)
    var treeChildren = [Int](repeating: 0, count: anonVMAs.count + 1)
    // Field by field (through the subscript's borrow): copying each anon_vma, with its list,
    // would cost more than the count.
    for i in anonVMAs.indices where anonVMAs[i].alive {
      let id = anonVMAs[i].id
      if let r = anonVMAs[i].root, r != id { forestChildren[r.raw] += 1 }
      if let p = anonVMAs[i].parent, p != id, !anonVMAs[i].head.isEmpty { treeChildren[p.raw] += 1 }
    }
    var activeCount = [Int](repeating: 0, count: anonVMAs.count + 1)
    if kernel.isModern {
      for id in vmas.slots.indices { if let a = vmas.slots[id]?.anonVMA { activeCount[a.raw] += 1 } }
    }
    for a in s.scopedAVs {
      let anon = self[anonVMA: a]
      let code = lifetimeCode
      if anon.refcount < 0 { s.fail(code, "\(av(a))'s \(counterName) is \(anon.refcount)", [.anonVMA(a)]) }
      if anon.head.isEmpty && anon.refcount <= 0 {
        s.fail(code, "\(av(a)) is alive with an empty list and no references (leaked)", [.anonVMA(a)])
      }
      var expected = itemCount[a, default: 0] + pins[a, default: 0]
      if kernel == .v2_6_36, anon.root == a, !has(.noFiveFive) {
        expected += forestChildren[a.raw]
      }
      if !kernel.isModern, anon.refcount != expected {
        s.fail(code, "\(av(a))'s \(counterName) is \(anon.refcount), expected \(expected)", [.anonVMA(a)])
      }
      if kernel.isModern {
        // C10: the non-empty tree holds one reference; a root holds one per live child.
        var modern = itemCount[a, default: 0] + pins[a, default: 0] + (anon.head.isEmpty ? 0 : 1)
        if anon.root == a { modern += forestChildren[a.raw] }
        if anon.refcount != modern {
          s.fail("C10", "\(av(a))'s refcount is \(anon.refcount), expected \(modern)", [.anonVMA(a)])
        }
        if anon.numActiveVMAs != activeCount[a.raw] {
          s.fail(
            "C10", "\(av(a))'s num_active_vmas is \(anon.numActiveVMAs), but \(activeCount[a.raw]) VMA(s) use it",
            [.anonVMA(a)])
        }
        var children = treeChildren[a.raw]
        if anon.createdBy == "anon_vma_prepare" && !anon.head.isEmpty { children += 1 }
        if anon.numChildren != children {
          s.fail("C10", "\(av(a))'s num_children is \(anon.numChildren), expected \(children)", [.anonVMA(a)])
        }
      }
    }
  }

  /// C21: no mm_all_locks bit remains once no CPU holds locks from mm_take_all_locks.
  func checkAllLocksBits(_ s: inout InvariantScan) {
    if cpus.allSatisfy({ $0.holds.isEmpty }) {
      for a in s.scopedAVs where self[anonVMA: a].allLocksBit {
        s.fail("C21", "\(av(a)) still carries the mm_all_locks bit", [.anonVMA(a)])
      }
    }
  }

  /// C11: every anon_vma has a live root that is its own root (2.6.36, 6.x).
  func checkRoots(_ s: inout InvariantScan) {
    if kernel != .v2_6_34 {
      for a in s.scopedAVs {
        let anon = self[anonVMA: a]
        guard let r = anon.root else {
          // An anon_vma being built by an unfinished anon_vma_fork has no root yet.
          if s.quiescent { s.fail("C11", "\(av(anon.id)) has no root", [.anonVMA(anon.id)]) }
          continue
        }
        if !self[anonVMA: r].alive {
          s.fail("C11", "\(av(anon.id))'s root \(av(r)) has been freed", [.anonVMA(anon.id), .anonVMA(r)])
        } else if self[anonVMA: r].root != r {
          s.fail("C11", "\(av(anon.id))'s root \(av(r)) is not its own root", [.anonVMA(anon.id), .anonVMA(r)])
        }
        if (r == anon.id) != (anon.createdBy == "anon_vma_prepare") {
          s.fail("C11", "\(av(anon.id)) is a root but was not made by anon_vma_prepare", [.anonVMA(anon.id)])
        }
        if kernel.isModern, r == anon.id, anon.parent != r {
          s.fail("C11", "root \(av(r))'s parent is not itself", [.anonVMA(r)])
        }
      }
    }
  }

  /// C12: page safety: a mapped page is alive, its anon_vma alive and on the mapping VMA's chain;
  /// no migration entry is left behind.
  func checkPageSafety(_ s: inout InvariantScan) {
    var pagesInFreed = Set<PageID>()
    if !freedThisStep.isEmpty {
      let freed = Set(freedThisStep)
      // Only a page still mapped somewhere can be mapped through a freed anon_vma.
      for page in pages where !page.freed && page.mapcount > 0 {
        if case .anon(let a) = page.mapping, freed.contains(a) { pagesInFreed.insert(page.id) }
      }
    }
    // The changed processes, or every process when a page may map through a freed anon_vma.
    for pi in pagesInFreed.isEmpty ? s.scopedProcesses : processIDs {
      let process = self[process: pi]
      let scanAll = pagesInFreed.isEmpty || s.scopedProcesses.contains(pi)
      // The process's VMAs with their chains, looked up once (not once per page).
      var spans: [(vma: VMAID, start: Int, end: Int, chain: [AnonVMAID])] = []
      if s.quiescent {
        for id in process.vmas {
          guard let v = vmas[id] else { continue }
          // Known chains reused; a scan of every process does not fill the cache.
          spans.append((id, v.start, v.end, s.chains[id] ?? chainAnonVMAs(id)))
        }
      }
      // One pass over the entries in the table's order (a page table has at most one problem
      // per entry), the problems then reported in address order.
      var problems: [(vpage: Int, problem: PageSafetyProblem)] = []
      for (vpage, pte) in process.ptes {
        if !scanAll {
          guard case .page(let p, _) = pte, pagesInFreed.contains(p) else { continue }
        }
        if s.quiescent, case .migration(let p, _) = pte {
          problems.append((vpage, .migrationLeft(p)))
        }
        guard case .page(let p, _) = pte else { continue }
        let page = self[page: p]
        if page.freed {
          problems.append((vpage, .freedPage(p)))
          continue
        }
        guard case .anon(let a) = page.mapping else { continue }
        if !self[anonVMA: a].alive {
          problems.append((vpage, .freedAnonVMA(p, a)))
          continue
        }
        if s.quiescent, let span = spans.first(where: { $0.start <= vpage && vpage < $0.end }), !span.chain.contains(a)
        {
          problems.append((vpage, .unlinked(span.vma, p, a)))
        }
      }
      for (vpage, problem) in problems.sorted(by: { $0.vpage < $1.vpage }) {
        switch problem {
        case .migrationLeft(let p):
          s.fail(
            "C12",
            "migration entry for \(pg(p)) left behind at \(locationName(process: pi, vpage: vpage)): "
              + "the next fault on it hits the BUG in migration_entry_to_page", [.page(p), .process(pi)])
        case .freedPage(let p):
          s.fail(
            "C12", "\(pg(p)) is mapped at \(locationName(process: pi, vpage: vpage)) but was freed",
            [.page(p), .process(pi)])
        case .freedAnonVMA(let p, let a):
          s.fail("C12", "page \(pg(p)) is mapped but its anon_vma \(av(a)) was freed", [.page(p), .anonVMA(a)])
        case .unlinked(let vma, let p, let a):
          s.fail(
            "C12", "\(vmaName(vma)) maps \(pg(p)) but is not linked to its anon_vma \(av(a))",
            [.vma(vma), .page(p), .anonVMA(a)])
        }
      }
    }
  }

  /// A problem ``checkPageSafety(_:)`` found at a page-table entry.
  private enum PageSafetyProblem {
    /// A migration entry left behind when every CPU is idle.
    case migrationLeft(PageID)
    /// A freed page mapped.
    case freedPage(PageID)
    /// A page mapped whose anon_vma was freed.
    case freedAnonVMA(PageID, AnonVMAID)
    /// A VMA maps a page whose anon_vma is not on its chain.
    case unlinked(VMAID, PageID, AnonVMAID)
  }

  /// C13: KSM rmap_items reference live anon_vmas.
  func checkKSMItems(_ s: inout InvariantScan) {
    for node in stableNodes where node.alive {
      for item in node.items where !self[anonVMA: item.anonVMA].alive {
        s.fail(
          "C13", "an rmap_item of K\(node.id) references freed \(av(item.anonVMA))",
          [.stableNode(node.id), .anonVMA(item.anonVMA)])
      }
    }
  }

  /// C23 (the model's own bookkeeping): a CPU waits for a lock only while it is blocked (or
  /// deadlocked) on it, so every lock the state lists is held or awaited.
  func checkLockWaits(_ s: inout InvariantScan) {
    for cpu in cpus {
      if let lock = cpu.waitingFor, cpu.state != .blocked && cpu.state != .deadlocked {
        s.fail(
          "C23", "\(cpu.name) is \(cpu.state.rawValue) but still listed as waiting for \(av(lock))", [.anonVMA(lock)])
      }
    }
  }
}

extension Array where Element: Comparable {
  /// Binary search of an ascending array.
  func sortedContains(_ x: Element) -> Bool {
    var low = 0
    var high = count
    while low < high {
      let mid = (low + high) / 2
      if self[mid] < x { low = mid + 1 } else { high = mid }
    }
    return low < count && self[low] == x
  }
}
