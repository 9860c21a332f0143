extension World {
  /// Checks the invariants of `kernel-semantics.md` §C that apply to this model and reports
  /// new violations (a violation that persists is reported once).
  ///
  /// While an operation is unfinished on some CPU, the structural invariants C1–C7 and the
  /// counter equations of C8–C10 are not checked (objects may be half-updated, as in the kernel).
  public mutating func checkInvariants() {
    for violation in invariantViolations() { report(violation.code, violation.message) }
  }

  /// The invariant violations of the current state, without recording them.
  public func invariantViolations() -> [(code: String, message: String)] {
    var found: [(code: String, message: String)] = []
    func fail(_ code: String, _ message: String) { found.append((code, message)) }
    let quiescent = cpus.allSatisfy { $0.state == .idle }
    let aliveIDs = aliveAnonVMAs

    if quiescent {
      // C1: every AVC is on both lists.
      for id in avcs.keys.sorted() {
        guard let link = avcs[id] else { continue }
        let onVMA = vmas[link.vma]?.chain.contains(id) ?? false
        let onAV = link.anonVMA > 0 && anonVMAs[link.anonVMA - 1].head.contains(id)
        if onVMA != onAV || !onVMA {
          fail("C1", "avc\(id) (\(vmaName(link.vma)) → \(av(link.anonVMA))) is on only one list")
        }
      }
      for vid in orderedVMAs {
        guard let vma = vmas[vid] else { continue }
        let chain = chainAnonVMAs(vid)
        let name = vmaName(vid)
        // C2: no anon_vma twice in one chain.
        if Set(chain).count != chain.count { fail("C2", "\(name)'s chain lists an anon_vma twice") }
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
          let roots = Set(chain.map { anonVMAs[$0 - 1].root ?? $0 })
          if roots.count > 1 { fail("C5", "\(name)'s chain spans \(roots.count) forests") }
        }
      }
      for a in aliveIDs {
        let listed = listVMAs(a)
        if Set(listed).count != listed.count {
          fail("C2", "\(av(a))'s list holds a VMA twice")
        }
      }
      // C6: same anon_vma => same chain, within one mm.
      for process in processes {
        let ids = process.vmas
        for (i, x) in ids.enumerated() {
          for y in ids[(i + 1)...] {
            guard let a = vmas[x]?.anonVMA, a == vmas[y]?.anonVMA else { continue }
            if Set(chainAnonVMAs(x)) != Set(chainAnonVMAs(y)) {
              fail("C6", "\(vmaName(x)) and \(vmaName(y)) share \(av(a)) but not their chains")
            }
          }
        }
      }
      // C8 / C9: lifetime and counters.
      var itemCount: [Int: Int] = [:]
      for node in stableNodes where node.alive {
        for item in node.items { itemCount[item.anonVMA, default: 0] += 1 }
      }
      for anon in anonVMAs where anon.alive {
        let a = anon.id
        let code = lifetimeCode
        if anon.refcount < 0 { fail(code, "\(av(a))'s \(counterName) is \(anon.refcount)") }
        if anon.head.isEmpty && anon.refcount <= 0 {
          fail(code, "\(av(a)) is alive with an empty list and no references (leaked)")
        }
        var expected = itemCount[a, default: 0] + pins[a, default: 0]
        if kernel == .v2_6_36, anon.root == a, !has(.noFiveFive) {
          expected += anonVMAs.filter { $0.alive && $0.id != a && $0.root == a }.count
        }
        if kernel != .v6, anon.refcount != expected {
          fail(code, "\(av(a))'s \(counterName) is \(anon.refcount), expected \(expected)")
        }
        if kernel == .v6 {
          // C10: the non-empty tree holds one reference; a root holds one per live child.
          var modern = itemCount[a, default: 0] + pins[a, default: 0] + (anon.head.isEmpty ? 0 : 1)
          if anon.root == a {
            modern += anonVMAs.filter { $0.alive && $0.id != a && $0.root == a }.count
          }
          if anon.refcount != modern {
            fail("C10", "\(av(a))'s refcount is \(anon.refcount), expected \(modern)")
          }
          let active = vmas.values.filter { $0.anonVMA == a }.count
          if anon.numActiveVMAs != active {
            fail("C10", "\(av(a))'s num_active_vmas is \(anon.numActiveVMAs), but \(active) VMA(s) use it")
          }
          var children = anonVMAs.filter { $0.alive && $0.id != a && $0.parent == a && !$0.head.isEmpty }.count
          if anon.createdBy == "anon_vma_prepare" && !anon.head.isEmpty { children += 1 }
          if anon.numChildren != children {
            fail("C10", "\(av(a))'s num_children is \(anon.numChildren), expected \(children)")
          }
        }
      }
      // C21: no flag bits remain once no CPU holds locks from mm_take_all_locks.
      if cpus.allSatisfy({ $0.holds.isEmpty }) {
        for anon in anonVMAs where anon.alive && anon.allLocksBit {
          fail("C21", "\(av(anon.id)) still carries the mm_all_locks bit")
        }
      }
    }

    // C11: root validity.
    if kernel != .v2_6_34 {
      for anon in anonVMAs where anon.alive {
        guard let r = anon.root else {
          fail("C11", "\(av(anon.id)) has no root")
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
    for (pi, process) in processes.enumerated() {
      for vpage in process.ptes.keys.sorted() {
        if quiescent, case .migration(let p, _) = process.ptes[vpage] {
          fail(
            "C12",
            "migration entry for \(pg(p)) left behind at \(locationName(process: pi, vpage: vpage)): "
              + "the next fault on it hits the BUG in migration_entry_to_page")
        }
        guard case .page(let p, _) = process.ptes[vpage] else { continue }
        let page = pages[p - 1]
        let where_ = locationName(process: pi, vpage: vpage)
        if page.freed {
          fail("C12", "\(pg(p)) is mapped at \(where_) but was freed")
          continue
        }
        guard case .anon(let a) = page.mapping else { continue }
        if !anonVMAs[a - 1].alive {
          fail("C12", "page \(pg(p)) is mapped but its anon_vma \(av(a)) was freed")
          continue
        }
        if quiescent, let vma = vmaContaining(process: pi, vpage: vpage),
          !chainAnonVMAs(vma).contains(a)
        {
          fail("C12", "\(vmaName(vma)) maps \(pg(p)) but is not linked to its anon_vma \(av(a))")
        }
      }
    }
    // C13: KSM items point to alive anon_vmas.
    for node in stableNodes where node.alive {
      for item in node.items where !anonVMAs[item.anonVMA - 1].alive {
        fail("C13", "an rmap_item of K\(node.id) references freed \(av(item.anonVMA))")
      }
    }
    return found
  }
}
