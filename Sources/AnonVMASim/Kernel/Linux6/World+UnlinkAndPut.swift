// Linux 6.x (6.1 .. 6.19) mm/rmap.c: unlink_anon_vmas in two passes (the interval trees under
// one write lock, then put_anon_vma outside it) and put_anon_vma freeing two levels, replacing
// 2.6.x's anon_vma_unlink and drop_anon_vma (refcount: "a non-empty tree holds one").

extension World {
  /// unlink_anon_vmas() in 6.x: one W(root); pass 1 removes from the trees, pass 2 puts the
  /// emptied anon_vmas outside the lock.
  ///
  /// `unlink_anon_vmas()`, mm/rmap.c; 6.x (6.1 .. 6.19); overrides ``unlinkAnonVMAs(vma:cpu:)``.
  mutating func unlinkAnonVMAsV6(vma: VMAID, cpu c: Int) -> InstrResult {
    let chain = vmas[vma]?.chain ?? []
    guard let first = chain.first.flatMap({ avcs[$0]?.anonVMA }) else {
      return .expand([.unlinkClearVMA(vma: vma)])
    }
    return .expand(
      [.lock(.anonVMALock(.lit(first)), .write)] + chain.map { .treeRemove(avc: $0) }
        + [.unlinkClearVMA(vma: vma), .unlock(.anonVMALock(.lit(first))), .unlinkSecondPass(vma: vma)])
  }

  /// Nothing: 6.x frees emptied anon_vmas in unlink_anon_vmas()'s second pass.
  ///
  /// `unlink_anon_vmas()`, mm/rmap.c; 6.x (6.1 .. 6.19); overrides ``unlinkFreeIfEmpty(anonVMA:cpu:)``.
  mutating func unlinkFreeIfEmptyV6(anonVMA a: AnonVMAID, cpu c: Int) -> InstrResult {
    .expand([])
  }

  /// 6.x has no drop_anon_vma(): put_anon_vma().
  ///
  /// `put_anon_vma()`, mm/rmap.c; 6.x (6.1 .. 6.19); overrides ``dropAnonVMA(_:transient:cpu:)``.
  mutating func dropAnonVMAV6(_ val: Val<AnonVMA>, transient: Bool, cpu c: Int) -> InstrResult {
    .expand([.putAnonVMA(val, transient: transient)])
  }

  /// KSM's drop of an rmap_item's reference in 6.x: put_anon_vma().
  ///
  /// `put_anon_vma()`, mm/ksm.c; 6.x (6.1 .. 6.19); overrides ``ksmDropAnonVMA(anonVMA:cpu:)``.
  mutating func ksmDropAnonVMAV6(anonVMA a: AnonVMAID, cpu c: Int) -> InstrResult {
    .expand([.putAnonVMA(.lit(a), transient: false)])
  }

  /// unlink_anon_vmas() pass 1: anon_vma_interval_tree_remove(); an emptied anon_vma keeps its AVC for pass 2 and its
  /// parent loses a child.
  ///
  /// `unlink_anon_vmas()`, mm/rmap.c; 6.x (6.1 .. 6.19).
  mutating func treeRemove(avc id: AVCID, cpu c: Int) throws(SimError) -> InstrResult {
    guard let link = avcs[id] else { throw SimError("internal: no avc\(id)") }
    let a = link.anonVMA
    checkListLock(cpu: c, a, "unlinking avc\(id)", [.avc(id)])
    touchAnonVMA(a)
    self[anonVMA: a].head.removeAll { $0 == id }
    avcs[id]?.onSameAnonVMA = false
    touchAVC(id)
    var text = "\(vmaName(link.vma)) out of \(av(a))'s interval tree"
    if self[anonVMA: a].head.isEmpty {
      touchAnonVMA(a)
      self[anonVMA: a].emptied = true
      if let p = self[anonVMA: a].parent {
        touchAnonVMA(p)
        self[anonVMA: p].numChildren -= 1
        text += "; tree empty: \(av(p))->num_children \(self[anonVMA: p].numChildren), keep the AVC for pass 2"
      }
      return emit(
        c, "unlink_anon_vmas", text,
        objects: [.vma(link.vma), .anonVMA(a)] + (self[anonVMA: a].parent.map { [.anonVMA($0)] } ?? []))
    }
    if let i = vmas[link.vma]?.chainTailFirst.lastIndex(of: id) { vmas[link.vma]?.chainTailFirst.remove(at: i) }
    if let p = vmas[link.vma]?.process { touchProcess(p) }
    touchAVC(id)
    avcs[id] = nil
    return emit(c, "unlink_anon_vmas", text + "; avc\(id) freed", objects: [.vma(link.vma), .anonVMA(a), .avc(id)])
  }

  /// unlink_anon_vmas(): `vma->anon_vma->num_active_vmas--; vma->anon_vma = NULL`.
  ///
  /// `unlink_anon_vmas()`, mm/rmap.c; 6.x (6.1 .. 6.19).
  mutating func unlinkClearVMA(vma: VMAID, cpu c: Int) -> InstrResult {
    guard let a = vmas[vma]?.anonVMA else { return .expand([]) }
    touchAnonVMA(a)
    self[anonVMA: a].numActiveVMAs -= 1
    vmas[vma]?.anonVMA = nil
    touchVMA(vma)
    return emit(
      c, "unlink_anon_vmas",
      "\(av(a))->num_active_vmas \(self[anonVMA: a].numActiveVMAs); \(vmaName(vma))->anon_vma = NULL",
      objects: [.anonVMA(a), .vma(vma)])
  }

  /// unlink_anon_vmas() pass 2, outside the lock: put_anon_vma() each emptied anon_vma and free the AVCs.
  ///
  /// `unlink_anon_vmas()`, mm/rmap.c; 6.x (6.1 .. 6.19).
  mutating func unlinkSecondPass(vma: VMAID, cpu c: Int) -> InstrResult {
    let chain = vmas[vma]?.chain ?? []
    if kernel == .mainline {
      // mainline's VM_WARN_ON()s on each emptied anon_vma (C26).
      for id in chain { if let a = avcs[id]?.anonVMA { checkEmptiedCounters(a) } }
    }
    return .expand(
      chain.flatMap { id -> [Instr] in
        guard let a = avcs[id]?.anonVMA else { return [] }
        return [.putAnonVMA(.lit(a), transient: false), .freeAVC(vma: vma, avc: id)]
      })
  }

  /// put_anon_vma(): atomic_dec_and_test(); at zero __put_anon_vma() frees it, then its root.
  ///
  /// `put_anon_vma()`, mm/rmap.c; 6.x (6.1 .. 6.19).
  mutating func putAnonVMA(_ val: Val<AnonVMA>, transient: Bool, cpu c: Int) throws(SimError) -> InstrResult {
    let a = try value(val, cpu: c)
    if transient { pins[a, default: 0] -= 1 }
    let before = self[anonVMA: a].refcount
    touchAnonVMA(a)
    self[anonVMA: a].refcount -= 1
    if before <= 0 { report("C10", "put_anon_vma(\(av(a))) with refcount already \(before)", objects: [.anonVMA(a)]) }
    var then: [Instr] = []
    if before - 1 == 0 {
      let root = self[anonVMA: a].root ?? a
      then.append(.freeAnonVMA(.lit(a)))
      if root != a { then.append(.putRoot(root: root)) }
    }
    return emit(c, "put_anon_vma", "\(av(a)) refcount \(before)→\(before - 1)", objects: [.anonVMA(a)], then: then)
  }

  /// __put_anon_vma(): after freeing a non-root anon_vma, drop the root's reference (free it at zero).
  ///
  /// `__put_anon_vma()`, mm/rmap.c; 6.x (6.1 .. 6.19).
  mutating func putRoot(root: AnonVMAID, cpu c: Int) -> InstrResult {
    let before = self[anonVMA: root].refcount
    touchAnonVMA(root)
    self[anonVMA: root].refcount -= 1
    return emit(
      c, "__put_anon_vma", "root \(av(root)) refcount \(before)→\(before - 1)", objects: [.anonVMA(root)],
      then: before - 1 == 0 ? [.freeAnonVMA(.lit(root))] : [])
  }
}
