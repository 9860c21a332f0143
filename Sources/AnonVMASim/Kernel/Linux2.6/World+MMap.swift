// mm/mmap.c: mmap_region, exit_mmap, do_munmap, find_mergeable_anon_vma, vma_merge and
// mm_take_all_locks (with Andrea's 6/5: one lock per root). All three versions.

extension World {
  /// find_mergeable_anon_vma(): a compatible neighbour's anon_vma, if its chain is singular.
  ///
  /// `find_mergeable_anon_vma()`, mm/mmap.c; 2.6.34, 2.6.36 and 6.x.
  mutating func findMergeableAnonVMA(vma: VMAID, cpu c: Int) -> InstrResult {
    let found = findMergeable(vma)
    cpus[c].regs.anonVMA = found
    let text =
      found.map { "reuse neighbour's \(av($0)) (singular chain)" }
      ?? "no compatible neighbour with a singular chain"
    return emit(c, "find_mergeable_anon_vma", text, objects: found.map { [.anonVMA($0)] } ?? [])
  }

  /// A new private anonymous VMA, without an anon_vma until its first write fault.
  ///
  /// `mmap_region()`, mm/mmap.c; 2.6.34, 2.6.36 and 6.x.
  mutating func mmapRegion(
    process p: ProcessID, mapping name: String, pages n: Int, growsDown: Bool, cpu c: Int
  ) -> InstrResult {
    let base = self[process: p].nextAddress
    self[process: p].nextAddress = base + n + 16
    self[process: p].mappings.removeAll { $0.name == name }
    self[process: p].mappings.append(Mapping(name: name, base: base, pages: n, growsDown: growsDown))
    let id = insertNewVMA(process: p, mapping: name, base: base, pages: n, growsDown: growsDown)
    return emit(
      c, "mmap_region",
      "\(vmaName(id)): \(n) page(s), private anonymous, no anon_vma yet",
      objects: [.vma(id)])
  }

  /// mmap_region() at a fixed address (`mmap P M N after A`): vma_merge() / vma_merge_new_range()
  /// with the VMAs around [base, base + n) first (a new range has no anon_vma: `middle` is nil);
  /// when it merges, the neighbour grows (the VMA keeps its name) and no new VMA exists; else a
  /// new VMA without an anon_vma, as ``mmapRegion(process:mapping:pages:growsDown:cpu:)``.
  ///
  /// `mmap_region()`, mm/mmap.c (2.6.34, 2.6.36, 6.1: vma_merge()); mm/vma.c `__mmap_region()`
  /// and `vma_merge_new_range()` (mainline).
  mutating func mmapRegionAt(process p: ProcessID, mapping name: String, pages n: Int, base: Int, cpu c: Int)
    -> InstrResult
  {
    self[process: p].mappings.removeAll { $0.name == name }
    self[process: p].mappings.append(Mapping(name: name, base: base, pages: n, growsDown: false))
    // A later plain mmap still lands 16 pages clear of every mapping (it never merges).
    self[process: p].nextAddress = max(self[process: p].nextAddress, base + n + 16)
    touchProcess(p)
    let prev = self[process: p].vmas.last { (vmas[$0]?.start ?? 0) < base }
    let function = kernel == .mainline ? "vma_merge_new_range" : "vma_merge"
    if let plan = vmaMergePlan(
      process: p, prev: prev, addr: base, end: base + n, prot: .rw, growsDown: false, anonVMA: nil, pgoff: base)
    {
      return emit(
        c, function,
        "\(name) (pages \(n)) merges with \(vmaName(plan.vma)): it grows to cover the new range",
        objects: [.vma(plan.vma)], then: [.vmaAdjust(plan)])
    }
    let id = insertNewVMA(process: p, mapping: name, base: base, pages: n, growsDown: false)
    return emit(
      c, "mmap_region",
      "\(vmaName(id)): \(n) page(s) at a fixed address, not merged with a neighbour, no anon_vma yet",
      objects: [.vma(id)])
  }

  /// A new private anonymous VMA of `n` pages at `base`, rw, without an anon_vma, in the mm's list.
  ///
  /// `mmap_region()`, mm/mmap.c; all models.
  mutating func insertNewVMA(process p: ProcessID, mapping name: String, base: Int, pages n: Int, growsDown: Bool)
    -> VMAID
  {
    let id = newVMAID()
    vmas[id] = VMA(
      id: id, process: p, mapping: name, base: base, start: base, end: base + n, pgoff: base,
      prot: .rw, growsDown: growsDown, anonVMA: nil, chainTailFirst: [], detached: false, createdAt: step)
    touchVMA(id)
    insertSorted(vma: id, process: p)
    return id
  }

  /// The mm's last user is gone: its VMAs are detached (freed by the instructions that follow).
  ///
  /// `exit_mmap()`, mm/mmap.c; 2.6.34, 2.6.36 and 6.x.
  mutating func exitMM(process p: ProcessID, cpu c: Int) -> InstrResult {
    self[process: p].alive = false
    for id in self[process: p].vmas { vmas[id]?.detached = true }
    detachedVMAs += self[process: p].vmas
    self[process: p].vmas = []
    let items = stableNodes.filter(\.alive).flatMap(\.items).filter { $0.process == p }.count
    let ksm = items > 0 ? "; ksm_exit leaves \(items) rmap_item(s) for ksmd" : ""
    return emit(c, "exit_mmap", "\(self[process: p].name): mm_users → 0\(ksm)", objects: [.process(p)])
  }

  /// do_munmap(): split at the edges, then detach, zap, unlink and free what lies inside.
  ///
  /// `do_munmap()`, mm/mmap.c; 2.6.34, 2.6.36 and 6.x.
  mutating func doMunmap(process p: ProcessID, start: Int, end: Int, cpu c: Int) -> InstrResult {
    let list = self[process: p].vmas.compactMap { vmas[$0] }
    if let first = list.first(where: { $0.end > start && $0.start < end }), first.start < start {
      return .expand([
        .splitVMA(vma: first.id, at: start, newBelow: false), .doMunmap(process: p, start: start, end: end),
      ])
    }
    if let last = list.first(where: { $0.start < end && end < $0.end }) {
      return .expand([.splitVMA(vma: last.id, at: end, newBelow: true), .doMunmap(process: p, start: start, end: end)])
    }
    let inside = list.filter { $0.start >= start && $0.end <= end }.map(\.id)
    guard !inside.isEmpty else {
      return .expand([.narrate(function: "do_munmap", text: "nothing mapped in that range")])
    }
    return .expand(
      [.detachVMAs(process: p, start: start, end: end)]
        + inside.map { .zapVMA(vma: $0, start: vmas[$0]?.start ?? 0, end: vmas[$0]?.end ?? 0) }
        + inside.map { .unlinkAnonVMAs(vma: $0) } + inside.map { .removeVMA(vma: $0) })
  }

  /// Takes the VMAs inside the range out of the mm.
  ///
  /// `detach_vmas_to_be_unmapped()`, mm/mmap.c; 2.6.34, 2.6.36. 6.1: `do_mas_align_munmap()`
  /// ("mm/mmap: reorganize munmap to use maple states"); mainline: `vms_gather_munmap_vmas()`,
  /// mm/vma.c.
  mutating func detachVMAs(process p: ProcessID, start: Int, end: Int, cpu c: Int) -> InstrResult {
    let inside = self[process: p].vmas.filter { id in
      guard let v = vmas[id] else { return false }
      return v.start >= start && v.end <= end
    }
    self[process: p].vmas.removeAll { inside.contains($0) }
    for id in inside { vmas[id]?.detached = true }
    detachedVMAs += inside
    let function =
      switch kernel {
      case .v2_6_34, .v2_6_36: "detach_vmas_to_be_unmapped"
      case .v6: "do_mas_align_munmap"
      case .mainline: "vms_gather_munmap_vmas"
      }
    return emit(
      c, function, inside.map { vmaName($0) }.joined(separator: ", "),
      objects: inside.map { .vma($0) })
  }

  /// Frees a VMA (and what is left on its chain).
  ///
  /// `remove_vma()`, mm/mmap.c; 2.6.34, 2.6.36 and 6.x.
  mutating func removeVMA(vma: VMAID, cpu c: Int) -> InstrResult {
    let name = vmaName(vma)
    if let v = vmas[vma] {
      self[process: v.process].vmas.removeAll { $0 == vma }
      for id in v.chainTailFirst {
        touchAVC(id)
        avcs[id] = nil
      }
      touchProcess(v.process)
    }
    detachedVMAs.removeAll { $0 == vma }
    vmas[vma] = nil
    return emit(c, "remove_vma", "\(name) freed", objects: [.vma(vma)])
  }

  /// vm_lock_anon_vma(): lock the root once per forest, marked by a bit in the root.
  ///
  /// `vm_lock_anon_vma()`, mm/mmap.c; 2.6.34, 2.6.36 and 6.x.
  mutating func vmLockAnonVMA(anonVMA a: AnonVMAID, cpu c: Int) -> InstrResult {
    let bitOn = kernel == .v2_6_34 || has(.noSixFive) ? a : lockTarget(of: a)
    if self[anonVMA: bitOn].allLocksBit {
      return .expand([
        .narrate(
          function: "vm_lock_anon_vma", text: "\(av(a)): bit set on \(av(bitOn)): skip",
          objects: [.anonVMA(a), .anonVMA(bitOn)])
      ])
    }
    return .expand([
      .lock(.anonVMALock(.lit(a)), writeMode), .setAllLocksBit(anonVMA: bitOn, value: true),
    ])
  }

  /// vm_unlock_anon_vma(): unlock where the mm_all_locks bit is set, and clear it.
  ///
  /// `vm_unlock_anon_vma()`, mm/mmap.c; 2.6.34, 2.6.36 and 6.x.
  mutating func vmUnlockAnonVMA(anonVMA a: AnonVMAID, cpu c: Int) -> InstrResult {
    let bitOn = kernel == .v2_6_34 || has(.noSixFive) ? a : lockTarget(of: a)
    guard self[anonVMA: bitOn].allLocksBit else {
      return .expand([
        .narrate(
          function: "vm_unlock_anon_vma", text: "\(av(a)): bit clear on \(av(bitOn)): skip",
          objects: [.anonVMA(a), .anonVMA(bitOn)])
      ])
    }
    return .expand([
      .setAllLocksBit(anonVMA: bitOn, value: false), .unlock(.anonVMALock(.lit(a))),
    ])
  }

  /// Sets or clears the mm_all_locks bit kept in anon_vma->head.next.
  ///
  /// `vm_lock_anon_vma() / vm_unlock_anon_vma()`, mm/mmap.c; 2.6.34, 2.6.36 and 6.x.
  mutating func setAllLocksBit(anonVMA a: AnonVMAID, value: Bool, cpu c: Int) -> InstrResult {
    touchAnonVMA(a)
    self[anonVMA: a].allLocksBit = value
    return emit(
      c, value ? "vm_lock_anon_vma" : "vm_unlock_anon_vma",
      "\(value ? "set" : "clear") the mm_all_locks bit in \(av(a))->head.next", objects: [.anonVMA(a)])
  }

  /// After mm_take_all_locks() each root is held once and marked; after the drop none is (C21).
  ///
  /// `mm_take_all_locks() / mm_drop_all_locks()`, mm/mmap.c; 2.6.34, 2.6.36 and 6.x.
  mutating func checkAllLocks(process p: ProcessID, taken: Bool, cpu c: Int) -> InstrResult {
    var roots: [AnonVMAID] = []
    for id in self[process: p].vmas {
      for a in chainAnonVMAs(id) {
        let t = kernel == .v2_6_34 ? a : lockTarget(of: a)
        if !roots.contains(t) { roots.append(t) }
      }
    }
    if kernel != .v2_6_34 {
      for r in roots {
        let held = cpus[c].holds.filter { $0 == r }.count
        if taken && (held != 1 || !self[anonVMA: r].allLocksBit) {
          report("C21", "after mm_take_all_locks \(av(r)) is held \(held) time(s)", objects: [.anonVMA(r)])
        }
        if !taken && self[anonVMA: r].allLocksBit {
          report("C21", "after mm_drop_all_locks \(av(r)) still carries the flag bit", objects: [.anonVMA(r)])
        }
      }
    }
    let text =
      taken
      ? "\(roots.count) lock(s) held: \(roots.map { av($0) }.joined(separator: ", "))"
      : "all anon_vma locks of \(self[process: p].name) released"
    return emit(
      c, taken ? "mm_take_all_locks" : "mm_drop_all_locks", text,
      objects: taken ? roots.map { .anonVMA($0) } : [.process(p)])
  }

  /// find_mergeable_anon_vma(): try next then prev; reuse only a singular chain (d0e9fe1758f2).
  func findMergeable(_ id: VMAID) -> AnonVMAID? {
    guard let vma = vmas[id] else { return nil }
    func compatible(_ near: VMA, below: Bool) -> Bool {
      let adjacent = below ? near.end == vma.start : vma.end == near.start
      let contiguous =
        below ? near.pgoff + near.pages == vma.pgoff : vma.pgoff + vma.pages == near.pgoff
      return adjacent && contiguous && near.growsDown == vma.growsDown && near.chainTailFirst.count == 1
        && near.anonVMA != nil
    }
    if let n = nextVMA(after: id), let near = vmas[n], compatible(near, below: false) {
      return near.anonVMA
    }
    if let p = prevVMA(before: id), let near = vmas[p], compatible(near, below: true) {
      return near.anonVMA
    }
    return nil
  }

  /// vma_merge(): the vma_adjust() call that merges [addr, end) with a neighbour, if any.
  ///
  /// `middle` is the existing VMA whose range changes (mprotect: `vmg->middle` of
  /// vma_merge_existing_range()), nil for a new range (vma_merge_new_range()); `copiedFrom` is
  /// the VMA a copy was made from (`vmg->copied_from`, mremap's copy_vma(); nil otherwise). Both
  /// matter only to the mainline rule (``mergeableAnonVMA(_:_:neighbour:middle:copiedFrom:)``).
  ///
  /// `vma_merge()`, mm/mmap.c (2.6.34, 2.6.36, 6.1); vma_merge_new_range() and
  /// vma_merge_existing_range(), mm/vma.c (mainline).
  func vmaMergePlan(
    process p: ProcessID, prev: VMAID?, addr: Int, end: Int, prot: Prot, growsDown: Bool, anonVMA: AnonVMAID?,
    pgoff: Int, middle: VMAID? = nil, copiedFrom: VMAID? = nil
  ) -> AdjustArgs? {
    let pglen = end - addr
    func mergeableAnon(_ a: AnonVMAID?, _ b: AnonVMAID?, _ vma: VMA? = nil) -> Bool {
      guard let vma else { return anonVMAsCompatible(a, b) }
      return mergeableAnonVMA(a, b, neighbour: vma, middle: middle, copiedFrom: copiedFrom)
    }
    func flagsMatch(_ v: VMA) -> Bool { v.prot == prot && v.growsDown == growsDown }
    var next = prev.flatMap { nextVMA(after: $0) } ?? self[process: p].vmas.first
    let area = next
    if let n = next, vmas[n]?.end == end { next = nextVMA(after: n) }
    if let pid = prev, let pv = vmas[pid], pv.end == addr, flagsMatch(pv),
      mergeableAnon(anonVMA, pv.anonVMA, pv), pv.pgoff + pv.pages == pgoff
    {
      if let nid = next, let nv = vmas[nid], end == nv.start, flagsMatch(nv),
        mergeableAnon(anonVMA, nv.anonVMA, nv), nv.pgoff == pgoff + pglen,
        mergeableAnon(pv.anonVMA, nv.anonVMA)
      {
        return AdjustArgs(vma: pid, start: pv.start, end: nv.end, pgoff: pv.pgoff, insert: nil)
      }
      return AdjustArgs(vma: pid, start: pv.start, end: end, pgoff: pv.pgoff, insert: nil)
    }
    if let nid = next, let nv = vmas[nid], end == nv.start, flagsMatch(nv),
      mergeableAnon(anonVMA, nv.anonVMA, nv), nv.pgoff == pgoff + pglen
    {
      if let pid = prev, let pv = vmas[pid], addr < pv.end {
        return AdjustArgs(vma: pid, start: pv.start, end: addr, pgoff: pv.pgoff, insert: nil)
      }
      if let area {
        return AdjustArgs(vma: area, start: addr, end: nv.end, pgoff: nv.pgoff - pglen, insert: nil)
      }
    }
    return nil
  }

  /// is_mergeable_anon_vma() for the range's anon_vma `a` (the middle VMA's, or NULL for a new
  /// range) against the existing `neighbour` (prev or next) whose anon_vma is `b`, per model.
  ///
  /// - 2.6.34, 2.6.36 (`is_mergeable_anon_vma(anon_vma1, anon_vma2)`, mm/mmap.c): one NULL, or equal.
  /// - 6.1 (965f55dea0e3 "mmap: avoid merging cloned VMAs", 2011; mm/mmap.c of 6.1): one NULL only
  ///   when the neighbour's anon_vma_chain is singular (an unfaulted neighbour's empty chain is
  ///   not), else equal. Unchanged until 6.15.
  /// - mainline (mm/vma.c, `is_mergeable_anon_vma(vmg, merge_next)`: 879bca0a2c4f, v6.16, three
  ///   cases; 61f67c230a5e and 3b617fd3d317, v6.19-rc6/6.18.8, `copied_from` and
  ///   `vma_is_fork_child()`): case 1, the neighbour unfaulted and the range faulted: merge
  ///   (dup_anon_vma() of the middle's chain into the neighbour) unless the middle or the VMA it
  ///   was copied from is a fork child; case 2, the neighbour faulted and the range not: merge
  ///   unless the neighbour is a fork child; case 3: equal anon_vmas.
  ///
  /// `is_mergeable_anon_vma()`, mm/mmap.c (2.6.34, 2.6.36, 6.1), mm/vma.c (mainline).
  func mergeableAnonVMA(
    _ a: AnonVMAID?, _ b: AnonVMAID?, neighbour: VMA, middle: VMAID?, copiedFrom: VMAID?
  ) -> Bool {
    switch kernel {
    case .v2_6_34, .v2_6_36: return a == nil || b == nil || a == b
    case .v6:
      if (a == nil || b == nil) && neighbour.chainTailFirst.count == 1 { return true }
      return a == b
    case .mainline:
      if b == nil, a != nil {
        return !vmaIsForkChild(middle) && !vmaIsForkChild(copiedFrom)
      }
      if b != nil, a == nil { return !vmaIsForkChild(neighbour.id) }
      return a == b
    }
  }

  /// The prev/next compatibility check when a merge would join both neighbours: 2.6.x and 6.1
  /// call is_mergeable_anon_vma(prev->anon_vma, next->anon_vma, NULL) (one NULL, or equal);
  /// mainline's can_vma_merge_right() tests `!prev->anon_vma || !next->anon_vma ||
  /// prev->anon_vma == next->anon_vma`: the same rule in every model.
  ///
  /// `are_anon_vmas_compatible()` / `can_vma_merge_right()`, mm/mmap.c and mm/vma.c.
  func anonVMAsCompatible(_ a: AnonVMAID?, _ b: AnonVMAID?) -> Bool { a == nil || b == nil || a == b }

  /// vma_is_fork_child(): the VMA has an anon_vma and a chain that is not singular (it was forked
  /// from a parent, or is a copy of such a VMA).
  ///
  /// `vma_is_fork_child()`, mm/vma.c; mainline (3b617fd3d317 renamed vma_had_uncowed_parents()).
  func vmaIsForkChild(_ id: VMAID?) -> Bool {
    guard let id, let v = vmas[id] else { return false }
    return v.anonVMA != nil && v.chainTailFirst.count != 1
  }
}
