// mm/mmap.c: brk (sys_brk, do_brk of 2.6.34/2.6.36, do_brk_flags of 6.x) and stack growth
// (expand_stack -> expand_downwards). All three versions; the lock rule per version:
// - 2.6.34 expand_downwards: `anon_vma_lock(vma)` = spin_lock(&vma->anon_vma->lock), the VMA's
//   own anon_vma (include/linux/rmap.h of 2.6.34), not the lock an rmap walk of a page filed in
//   an older anon_vma takes (D.2).
// - 2.6.36 expand_downwards: `vma_lock_anon_vma(vma)` = spin_lock(&anon_vma->root->lock)
//   (bb4a340e075b renamed it, 012f18004da3 made it lock the root).
// - 6.x expand_downwards: `anon_vma_lock_write(vma->anon_vma)` (the root rwsem for write), the
//   VMA taken out of its interval trees and put back around the update.
// - brk: do_brk() calls vma_merge(), which extends the heap VMA through vma_adjust() with only
//   vm_end changing: no anon_vma lock in 2.6.34 (vma_adjust takes none) nor in 2.6.36 (the
//   end-only exemption of 252c5f94d944). 6.x do_brk_flags() expands the VMA only if
//   can_vma_merge_after() accepts it (a NULL anon_vma against the heap VMA's: its chain must be
//   singular, "singular lists do not occur after forking, so the expand will only happen on new
//   VMAs") and then takes `anon_vma_lock_write(vma->anon_vma)` through vma_prepare() when the VMA
//   has an anon_vma; a fork child's heap gets a new VMA, with no anon_vma and no lock.

extension World {
  /// sys_brk()'s checks, at `begin`: a heap (not growsdown) mapping, and no VMA in
  /// [oldbrk, newbrk + PAGE_SIZE) (`find_vma_intersection(mm, oldbrk, newbrk+PAGE_SIZE)`).
  func validateBrk(process p: ProcessID, mapping m: Mapping, pages n: Int) throws(SimError) {
    if m.growsDown {
      throw SimError("brk grows a heap mapping at its end; '\(m.name)' is growsdown (use grow-stack)")
    }
    if n < 1 { throw SimError("brk needs at least one page") }
    let oldbrk = m.base + m.pages
    for id in self[process: p].vmas {
      guard let v = vmas[id] else { continue }
      if v.start < oldbrk + n + 1 && v.end > oldbrk {
        throw SimError(
          "brk +\(n) of '\(m.name)' would reach \(vmaName(id)) (sys_brk keeps a page free before the next mapping)")
      }
    }
  }

  /// The checks of expand_stack() at `begin`: the mapping's lowest VMA grows down, stays at or
  /// above page 0 (`grow <= vma->vm_pgoff` in 6.x) and does not reach into the VMA below it.
  func validateGrowStack(process p: ProcessID, mapping m: Mapping, pages n: Int) throws(SimError) {
    _ = try stackTarget(process: p, mapping: m, pages: n)
  }

  /// The VMA expand_downwards() grows and its new vm_start.
  func stackTarget(process p: ProcessID, mapping m: Mapping, pages n: Int) throws(SimError) -> (VMAID, Int) {
    if n < 1 { throw SimError("grow-stack needs at least one page") }
    let pieces = self[process: p].vmas.compactMap { vmas[$0] }.filter { $0.mapping == m.name }
    guard let lowest = pieces.min(by: { $0.start < $1.start }) else {
      throw SimError("mapping '\(m.name)' has no VMA left to grow")
    }
    guard lowest.growsDown else {
      throw SimError("'\(m.name)' is not a stack: grow-stack needs a mapping made with growsdown")
    }
    let start = lowest.start - n
    guard start >= 0 else {
      throw SimError("grow-stack \(n) would take '\(m.name)' below address 0")
    }
    if let below = prevVMA(before: lowest.id), let v = vmas[below], v.end > start {
      throw SimError("grow-stack \(n) of '\(m.name)' would reach into \(vmaName(below))")
    }
    return (lowest.id, start)
  }

  /// expand_stack(): anon_vma_prepare() first ("We must make sure the anon_vma is allocated"),
  /// then expand_downwards().
  ///
  /// `expand_stack() / expand_downwards()`, mm/mmap.c; 2.6.34, 2.6.36 and 6.x.
  mutating func expandStack(process p: ProcessID, mapping m: Mapping, pages n: Int) throws(SimError) -> [Instr] {
    let (vma, start) = try stackTarget(process: p, mapping: m, pages: n)
    return [.anonVMAPrepare(vma: vma), .expandDownwards(vma: vma, start: start)]
  }

  /// expand_downwards() after anon_vma_prepare(): lock, `if (address < vma->vm_start)` update
  /// vm_start then vm_pgoff (two stores), unlock. 2.6.34 locks the VMA's own anon_vma, 2.6.36
  /// its root, 6.x the root rwsem for write (``lockTarget(of:)`` gives each).
  ///
  /// `expand_downwards()`, mm/mmap.c; 2.6.34, 2.6.36 and 6.x.
  mutating func expandDownwards(vma: VMAID, start: Int, cpu c: Int) throws(SimError) -> InstrResult {
    guard let a = vmas[vma]?.anonVMA else { throw SimError("internal: expand_downwards without an anon_vma") }
    var instrs: [Instr] = [.lock(.anonVMALock(.lit(a)), writeMode), .stackSetStart(vma: vma, start: start)]
    // 6.x: anon_vma_interval_tree_pre_update_vma() before the stores, post_update after them:
    // the VMA's AVCs go back into their trees under the new pgoff.
    if kernel.isModern { instrs.append(.treeReinsert(vma: vma)) }
    instrs.append(.unlock(.anonVMALock(.lit(a))))
    return .expand(instrs)
  }

  /// expand_downwards(): `vma->vm_start = address;` - a store of its own; vm_pgoff follows (D.2).
  /// A growth below the mapping's first page makes that page the mapping's page 0.
  ///
  /// `expand_downwards()`, mm/mmap.c; 2.6.34, 2.6.36 and 6.x.
  mutating func stackSetStart(vma id: VMAID, start: Int, cpu c: Int) throws(SimError) -> InstrResult {
    guard let v = vmas[id] else { throw SimError("internal: expand_downwards") }
    guard start < v.start else {
      return emit(c, "expand_downwards", "\(vmaName(id)) was expanded already: nothing to do", objects: [.vma(id)])
    }
    if kernel != .v2_6_34, let a = v.anonVMA, !cpus[c].holds.contains(lockTarget(of: a)) {
      report("C17", "\(vmaName(id))'s vm_start/vm_pgoff change without its root lock", objects: [.vma(id)])
    }
    let grow = v.start - start
    let before = vmaName(id)
    vmas[id]?.start = start
    touchVMA(id)
    if start < v.base { rebase(process: v.process, mapping: v.mapping, to: start) }
    return emit(
      c, "expand_downwards",
      "\(before): vm_start moves down \(grow) page(s) to page \(start - (vmas[id]?.base ?? start)) "
        + "(vm_pgoff not yet updated)",
      objects: [.vma(id)], then: [.stackSetPgoff(vma: id, grow: grow)])
  }

  /// expand_downwards(): `vma->vm_pgoff -= grow;`.
  ///
  /// `expand_downwards()`, mm/mmap.c; 2.6.34, 2.6.36 and 6.x.
  mutating func stackSetPgoff(vma id: VMAID, grow: Int, cpu c: Int) -> InstrResult {
    let pgoff = (vmas[id]?.pgoff ?? 0) - grow
    vmas[id]?.pgoff = pgoff
    touchVMA(id)
    return emit(c, "expand_downwards", "\(vmaName(id)): vm_pgoff = \(pgoff)", objects: [.vma(id)])
  }

  /// The mapping now starts at `start`: its page 0 is the new lowest page (every VMA of the
  /// mapping in that process counts its pages from there).
  mutating func rebase(process p: ProcessID, mapping name: String, to start: Int) {
    guard let i = self[process: p].mappings.lastIndex(where: { $0.name == name }) else { return }
    let old = self[process: p].mappings[i]
    self[process: p].mappings[i].base = start
    self[process: p].mappings[i].pages = old.pages + (old.base - start)
    for id in self[process: p].vmas where vmas[id]?.mapping == name {
      vmas[id]?.base = start
    }
    touchProcess(p)
  }

  /// sys_brk() -> do_brk(): `vma_merge(mm, prev, addr, addr + len, flags, NULL, NULL, pgoff,
  /// NULL)` with the heap VMA (2.6.34, 2.6.36: vma_adjust() with only vm_end changing); 6.x
  /// do_brk_flags(): `vma->vm_end == addr && can_vma_merge_after(...)` then vma_prepare() /
  /// `vma->vm_end = addr + len` / vma_complete(). Otherwise a new VMA. Then `mm->brk = brk`.
  ///
  /// `sys_brk() / do_brk()`, mm/mmap.c of 2.6.34 and 2.6.36; `do_brk_flags()` of 6.x.
  mutating func doBrk(process p: ProcessID, mapping name: String, pages n: Int, cpu c: Int) -> InstrResult {
    let function = kernel.isModern ? "do_brk_flags" : "do_brk"
    guard let m = mapping(process: p, named: name) else {
      return .expand([.narrate(function: function, text: "no mapping '\(name)'")])
    }
    let addr = m.base + m.pages
    let prev = self[process: p].vmas.last { (vmas[$0]?.start ?? 0) < addr }
    let plan = vmaMergePlan(
      process: p, prev: prev, addr: addr, end: addr + n, prot: .rw, growsDown: false, anonVMA: nil, pgoff: addr)
    var instrs: [Instr]
    if let plan, plan.vma == prev, plan.start == vmas[plan.vma]?.start {
      let why =
        kernel.isModern
        ? "expand \(vmaName(plan.vma)) (can_vma_merge_after: no anon_vma or a singular chain)"
        : "vma_merge: extend \(vmaName(plan.vma)) at its end"
      instrs = [.narrate(function: function, text: why, objects: [.vma(plan.vma)]), .vmaAdjust(plan)]
    } else {
      let why =
        kernel.isModern && prev.flatMap({ vmas[$0] }).map({ $0.end == addr && $0.chainTailFirst.count > 1 }) == true
        ? "the heap VMA's chain is not singular (a fork child's): a new VMA"
        : "no VMA to extend at page \(m.pages): a new VMA"
      instrs = [
        .narrate(function: function, text: why),
        .brkNewVMA(process: p, mapping: name, start: addr, pages: n),
      ]
    }
    instrs.append(.setBrk(process: p, mapping: name, pages: n))
    return .expand(instrs)
  }

  /// do_brk() without a merge: a new private anonymous VMA, no anon_vma (so no anon_vma lock).
  ///
  /// `do_brk()`, mm/mmap.c of 2.6.34 and 2.6.36; `do_brk_flags()` of 6.x.
  mutating func brkNewVMA(process p: ProcessID, mapping name: String, start: Int, pages n: Int, cpu c: Int)
    -> InstrResult
  {
    let base = mapping(process: p, named: name)?.base ?? start
    let id = newVMAID()
    vmas[id] = VMA(
      id: id, process: p, mapping: name, base: base, start: start, end: start + n, pgoff: start,
      prot: .rw, growsDown: false, anonVMA: nil, chainTailFirst: [], detached: false, createdAt: step)
    touchVMA(id)
    insertSorted(vma: id, process: p)
    return emit(
      c, kernel.isModern ? "do_brk_flags" : "do_brk",
      "\(vmaName(id)): \(n) new page(s) at the heap's end, no anon_vma yet", objects: [.vma(id)])
  }

  /// sys_brk(): `set_brk: mm->brk = brk;` - the mapping has `pages` more pages.
  ///
  /// `sys_brk()`, mm/mmap.c; 2.6.34, 2.6.36 and 6.x.
  mutating func setBrk(process p: ProcessID, mapping name: String, pages n: Int, cpu c: Int) -> InstrResult {
    guard let i = self[process: p].mappings.lastIndex(where: { $0.name == name }) else {
      return emit(c, "sys_brk", "no mapping '\(name)'")
    }
    self[process: p].mappings[i].pages += n
    let m = self[process: p].mappings[i]
    self[process: p].nextAddress = max(self[process: p].nextAddress, m.base + m.pages + 16)
    touchProcess(p)
    return emit(c, "sys_brk", "mm->brk = page \(m.pages) of '\(name)' (\(m.pages) pages)")
  }
}
