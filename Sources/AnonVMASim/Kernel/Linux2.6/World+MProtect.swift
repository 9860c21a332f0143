// mm/mprotect.c: sys_mprotect's loop, mprotect_fixup (vma_merge or split) and
// change_protection. All three versions.

extension World {
  /// mprotect_fixup() (mm/mprotect.c, 2.6.34 and 2.6.36; vma_modify_flags() in 6.x): try
  /// vma_merge(), else split at the edges; then `success: vma->vm_flags = newflags` and
  /// change_protection() over [start, end).
  ///
  /// `mprotect_fixup()`, mm/mprotect.c; 2.6.34, 2.6.36 and 6.x.
  mutating func mprotectFixup(
    process p: ProcessID, start: Int, end: Int, prot: Prot, cpu c: Int
  ) throws(SimError) -> InstrResult {
    guard let vid = vmaContaining(process: p, vpage: start), let vma = vmas[vid] else {
      throw SimError("mprotect: page \(locationName(process: p, vpage: start)) is not mapped")
    }
    let tmpEnd = min(vma.end, end)
    let rest: [Instr] = tmpEnd < end ? [.mprotectNext(process: p, after: tmpEnd, end: end, prot: prot)] : []
    if vma.prot == prot {
      return .expand(
        [
          .narrate(
            function: "mprotect_fixup", text: "\(vmaName(vid)) is already \(prot.rawValue)", objects: [.vma(vid)])
        ]
          + rest)
    }
    let prev = start > vma.start ? vid : prevVMA(before: vid)
    if let plan = vmaMergePlan(
      process: p, prev: prev, addr: start, end: tmpEnd, prot: prot, growsDown: vma.growsDown,
      anonVMA: vma.anonVMA, pgoff: vma.pgoff + (start - vma.start), middle: vid)
    {
      return .expand(
        [.vmaAdjust(plan), .changeProtection(process: p, start: start, end: tmpEnd, prot: prot, merged: true)]
          + rest)
    }
    var instrs: [Instr] = []
    if start != vma.start { instrs.append(.splitVMA(vma: vid, at: start, newBelow: true)) }
    if tmpEnd != vma.end { instrs.append(.splitVMA(vma: vid, at: tmpEnd, newBelow: false)) }
    instrs.append(.changeProtection(process: p, start: start, end: tmpEnd, prot: prot, merged: false))
    return .expand(instrs + rest)
  }

  /// sys_mprotect()'s loop: `nstart = tmp; if (nstart < prev->vm_end) nstart = prev->vm_end;`
  /// after a merge the VMA just changed may reach past `after`, and what it covers is done.
  ///
  /// `sys_mprotect()`, mm/mprotect.c; 2.6.34, 2.6.36 and 6.x.
  mutating func mprotectNext(process p: ProcessID, after: Int, end: Int, prot: Prot, cpu c: Int) -> InstrResult {
    let reached = vmaContaining(process: p, vpage: after - 1).flatMap { vmas[$0]?.end } ?? after
    let nstart = max(after, reached)
    return .expand(nstart < end ? [.mprotectFixup(process: p, start: nstart, end: end, prot: prot)] : [])
  }

  /// Sets the new protection on the VMAs and write-protects the PTEs of [start, end): a private
  /// mapping's `vm_page_prot` has no write bit, so `pte_modify()` leaves every PTE read-only
  /// (COW). 6.x, for a writable mapping (MM_CP_TRY_CHANGE_WRITABLE), then makes writable again
  /// the PTEs of exclusive anonymous pages (``Page/anonExclusive``): change_pte_range()'s
  /// `can_change_pte_writable()` (6.1 and mainline mm/mprotect.c; the model's pages are all
  /// dirty, written by the fault that made them, and soft-dirty and uffd-wp are off).
  ///
  /// `change_protection()`, mm/mprotect.c; 2.6.34, 2.6.36 and 6.x.
  mutating func changeProtection(
    process p: ProcessID, start: Int, end: Int, prot: Prot, merged: Bool, cpu c: Int
  ) -> InstrResult {
    var named: [VMAID] = []
    // After a merge the VMA vma_merge() returned gets the new flags whole, pages outside
    // [start, end) included (they had them already, or came from the neighbour that had them).
    let mergedVMA = merged ? vmaContaining(process: p, vpage: start) : nil
    for id in self[process: p].vmas {
      guard let v = vmas[id], v.start < end, v.end > start else { continue }
      if id == mergedVMA || (v.start >= start && v.end <= end) { vmas[id]?.prot = prot }
      named.append(id)
    }
    var wp = 0
    var writable = 0
    work.value += end - start
    for v in start..<end {
      guard case .page(let page, let was) = self[process: p].ptes[v] else { continue }
      let now = kernel.isModern && prot == .rw && self[page: page].anonExclusive
      if was != now { setPTE(p, v, .page(page, writable: now)) }
      if was && !now { wp += 1 }
      if !was && now { writable += 1 }
    }
    let upgraded = writable > 0 ? "; \(writable) made writable (can_change_pte_writable: PageAnonExclusive)" : ""
    return emit(
      c, "change_protection",
      "\(end - start) page(s) of \(named.map { vmaName($0) }.joined(separator: ", ")) now \(prot.rawValue); "
        + "\(wp) PTE(s) write-protected" + upgraded,
      objects: named.map { .vma($0) })
  }
}
