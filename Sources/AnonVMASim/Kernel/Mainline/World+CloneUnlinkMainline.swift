// Linux mainline (v7.0) mm/rmap.c after Lorenzo Stoakes' anon_vma clone/unlink rework (2026;
// commits "mm/rmap: separate out fork-only logic on anon_vma_clone()", "mm/rmap: allocate
// anon_vma_chain objects unlocked when possible", "mm/rmap: remove unnecessary root lock dance in
// anon_vma clone, unmap", "mm/rmap: skip unfaulted VMAs on anon_vma clone, unlink", "mm/rmap:
// improve anon_vma_clone(), unlink_anon_vmas() comments, add asserts"; seen in linux-next
// next-20260114 and in v7.0's mm/rmap.c; the stored torvalds/linux copy is older, see
// Docs/kernel-semantics.md §0 "mainline"). Each method names the 6.1 method it replaces; the
// dispatch (`run`) chooses by `kernel == .mainline`.

extension World {
  /// anon_vma_clone(dst, src, operation) in mainline: check_anon_vma_clone(); nothing to do for an
  /// unfaulted `src`; allocate and assign every AVC before taking any lock; then one
  /// anon_vma_lock_write(src->anon_vma) for all the interval-tree inserts, the fork-only reuse and
  /// the num_active_vmas count.
  ///
  /// `anon_vma_clone()`, mm/rmap.c; mainline (v7.0); replaces ``anonVMACloneV6(dst:src:cpu:)``.
  mutating func anonVMACloneMainline(dst: VMAID, src: VMAID, fork: Bool, cpu c: Int) -> InstrResult {
    var instrs: [Instr] = [.cloneCheck(dst: dst, src: src, fork: fork)]
    guard vmas[src]?.anonVMA != nil else {
      instrs.append(
        .narrate(
          function: "anon_vma_clone",
          text: "\(vmaName(src)) is unfaulted (no anon_vma): nothing to clone, no lock taken", objects: [.vma(src)]))
      return .expand(instrs)
    }
    // `list_for_each_entry(pavc, &src->anon_vma_chain, same_vma)`: src's chain from its head
    // (newest), each AVC added at dst's head by anon_vma_chain_assign() (list_add): dst's chain
    // comes out in the reverse order of src's (6.1 walked src from the tail and kept the order).
    for a in chainAnonVMAs(src) { instrs.append(.cloneAssign(dst: dst, anonVMA: a)) }
    instrs.append(.cloneLinkLocked(dst: dst, src: src, fork: fork))
    return .expand(instrs)
  }

  /// check_anon_vma_clone(): the rework's VM_WARN_ON_ONCE()s, checked as invariant C25.
  ///
  /// `check_anon_vma_clone()`, mm/rmap.c; mainline (v7.0).
  mutating func cloneCheck(dst: VMAID, src: VMAID, fork: Bool, cpu c: Int) -> InstrResult {
    let srcAV = vmas[src]?.anonVMA
    let dstAV = vmas[dst]?.anonVMA
    var broken: [(text: String, objects: [ObjectRef])] = []
    if srcAV == nil, !(vmas[src]?.chainTailFirst.isEmpty ?? true) {
      broken.append(("\(vmaName(src)) has no anon_vma but a non-empty chain", [.vma(src)]))
    }
    if srcAV == nil, dstAV != nil {
      broken.append(("\(vmaName(dst)) has an anon_vma but its source has none", [.vma(dst)]))
    }
    if !(vmas[dst]?.chainTailFirst.isEmpty ?? true) {
      broken.append(("\(vmaName(dst))'s chain is not empty: a clone establishes a new chain", [.vma(dst)]))
    }
    if let dstAV, dstAV != srcAV {
      broken.append(("\(vmaName(dst))->anon_vma \(av(dstAV)) is not its source's", [.vma(dst), .anonVMA(dstAV)]))
    }
    if !fork, srcAV != nil, dstAV == nil {
      broken.append(("a non-fork clone into \(vmaName(dst)) without the source's anon_vma", [.vma(dst)]))
    }
    for b in broken { report("C25", "anon_vma_clone: " + b.text, objects: b.objects) }
    let kind = fork ? "VMA_OP_FORK" : "not a fork"
    return emit(
      c, "check_anon_vma_clone",
      broken.isEmpty
        ? "\(vmaName(dst)) from \(vmaName(src)) (\(kind)): dst chain empty, "
          + (fork ? "dst->anon_vma NULL until reuse or a new one" : "same anon_vma on both sides")
        : "broken: " + broken.map(\.text).joined(separator: "; "),
      objects: broken.isEmpty ? [.vma(dst), .vma(src)] : broken.flatMap(\.objects))
  }

  /// anon_vma_clone(): `avc = anon_vma_chain_alloc(GFP_KERNEL); anon_vma_chain_assign(dst, avc,
  /// pavc->anon_vma)`, before any lock: the AVC is on dst's chain, not yet in the interval tree.
  ///
  /// `anon_vma_clone()`, mm/rmap.c; mainline (v7.0).
  mutating func cloneAssign(dst: VMAID, anonVMA a: AnonVMAID, cpu c: Int) -> InstrResult {
    let id = newAVCID()
    avcs[id] = AVC(id: id, vma: dst, anonVMA: a, onSameVMA: true, onSameAnonVMA: false)
    touchAVC(id)
    vmas.update(dst) { $0.chainTailFirst.append(id) }
    touchVMA(dst)
    if let p = vmas.withObject(dst, \.process) { touchProcess(p) }
    return emit(
      c, "anon_vma_clone",
      "avc\(id) allocated (GFP_KERNEL, no lock held) and put on \(vmaName(dst))'s chain for \(av(a))",
      objects: [.avc(id), .vma(dst), .anonVMA(a)])
  }

  /// anon_vma_clone(), the locked part: one anon_vma_lock_write(src->anon_vma) (all entries
  /// share its root), each new AVC into its anon_vma's interval tree walking dst's chain from the
  /// tail (`list_for_each_entry_reverse`: src's newest anon_vma first), maybe_reuse_anon_vma() on
  /// fork only (the first reusable one in that order wins), else `dst->anon_vma->num_active_vmas++`.
  ///
  /// `anon_vma_clone()`, mm/rmap.c; mainline (v7.0).
  mutating func cloneLinkLocked(dst: VMAID, src: VMAID, fork: Bool, cpu c: Int) throws(SimError) -> InstrResult {
    guard let active = vmas[src]?.anonVMA else { throw SimError("internal: clone of an unfaulted VMA") }
    var instrs: [Instr] = [.lock(.anonVMALock(.lit(active)), .write)]
    for id in vmas[dst]?.chainTailFirst ?? [] where avcs[id]?.onSameAnonVMA == false {
      instrs.append(.linkSameAnonVMA(avc: .lit(id), atTail: true))
      if fork, let a = avcs[id]?.anonVMA { instrs.append(.cloneReuseCheck(dst: dst, src: src, anonVMA: a)) }
    }
    instrs.append(.cloneFinish(dst: dst))
    instrs.append(.unlock(.anonVMALock(.lit(active))))
    return .expand(instrs)
  }

  /// anon_vma_fork() in mainline: allocate the child's anon_vma and AVC first, clone with
  /// VMA_OP_FORK, then either put them again (an anon_vma was reused) or link them.
  ///
  /// `anon_vma_fork()`, mm/rmap.c; mainline (v7.0); replaces ``anonVMAForkV6(child:parent:cpu:)``.
  mutating func anonVMAForkMainline(child: VMAID, parent: VMAID, cpu c: Int) -> InstrResult {
    guard vmas[parent]?.anonVMA != nil else {
      return .expand([
        .narrate(
          function: "anon_vma_fork", text: "\(vmaName(parent)) has no anon_vma: nothing to do", objects: [.vma(parent)])
      ])
    }
    return .expand([
      .clearVMAAnonVMA(vma: child), .allocAnonVMA(by: "anon_vma_fork"), .allocAVC,
      .anonVMACloneOp(dst: child, src: parent, fork: true),
      .forkAfterCloneMainline(child: child, parent: parent),
    ])
  }

  /// anon_vma_fork() after the clone: `if (rc || vma->anon_vma)` put the unused anon_vma and free
  /// the unused AVC; else root, parent and the root's pin, then link under the new anon_vma's
  /// (root's) lock.
  ///
  /// `anon_vma_fork()`, mm/rmap.c; mainline (v7.0).
  mutating func forkAfterCloneMainline(child: VMAID, parent: VMAID, cpu c: Int) throws(SimError) -> InstrResult {
    let fresh = try value(.reg(.anonVMA), cpu: c)
    let avc = try value(.reg(.avc), cpu: c)
    if let reused = vmas[child]?.anonVMA, reused != fresh {
      return .expand([
        .narrate(
          function: "anon_vma_fork",
          text: "\(av(reused)) was reused: put the anon_vma and the AVC allocated before the clone",
          objects: [.anonVMA(reused)]),
        .putAnonVMA(.lit(fresh), transient: false), .freeAVC(vma: child, avc: avc),
      ])
    }
    return .expand([
      .setRootFromParent(anonVMA: .lit(fresh), parentVMA: parent),
      .getAnonVMA(.lit(fresh), transient: false),
      .setVMAAnonVMA(vma: child, anonVMA: .lit(fresh), function: "anon_vma_fork"),
      .linkSameVMA(vma: child, avc: .lit(avc), anonVMA: .lit(fresh)),
      .lock(.anonVMALock(.lit(fresh)), .write),
      .linkSameAnonVMA(avc: .lit(avc), atTail: true),
      .incParentChildren(.lit(fresh)),
      .unlock(.anonVMALock(.lit(fresh))),
    ])
  }

  /// unlink_anon_vmas() in mainline: an unfaulted VMA is a no-op (its chain must be empty, C25);
  /// else one anon_vma_lock_write(vma->anon_vma) for the whole first pass, then the second pass
  /// outside the lock.
  ///
  /// `unlink_anon_vmas()`, mm/rmap.c; mainline (v7.0); replaces ``unlinkAnonVMAsV6(vma:cpu:)``.
  mutating func unlinkAnonVMAsMainline(vma: VMAID, cpu c: Int) -> InstrResult {
    let chain = vmas[vma]?.chain ?? []
    guard let active = vmas[vma]?.anonVMA else {
      if !chain.isEmpty {
        report("C25", "unlink_anon_vmas: unfaulted \(vmaName(vma)) has a non-empty chain", objects: [.vma(vma)])
      }
      return .expand([
        .narrate(
          function: "unlink_anon_vmas", text: "\(vmaName(vma)) is unfaulted: nothing to unlink, no lock",
          objects: [.vma(vma)])
      ])
    }
    return .expand(
      [.lock(.anonVMALock(.lit(active)), .write)] + chain.map { .treeRemove(avc: $0) }
        + [.unlinkClearVMA(vma: vma), .unlock(.anonVMALock(.lit(active))), .unlinkSecondPass(vma: vma)])
  }

  /// unlink_anon_vmas() pass 2's `VM_WARN_ON(anon_vma->num_children); VM_WARN_ON(anon_vma->num_active_vmas)`
  /// before each put, checked as invariant C26.
  ///
  /// `unlink_anon_vmas()`, mm/rmap.c; mainline (v7.0).
  mutating func checkEmptiedCounters(_ a: AnonVMAID) {
    let anon = self[anonVMA: a]
    if anon.numChildren != 0 || anon.numActiveVMAs != 0 {
      report(
        "C26",
        "unlink_anon_vmas: emptied \(av(a)) still has num_children \(anon.numChildren), "
          + "num_active_vmas \(anon.numActiveVMAs)", objects: [.anonVMA(a)])
    }
  }
}
