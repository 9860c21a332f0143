// mm/mmap.c: __split_vma and vma_adjust (2.6.34, 2.6.36; __vma_adjust of 6.1, vma_prepare and
// vma_complete of mm/vma.c since 6.3, where the 6.x lock rule differs, switched on `kernel`).

extension World {
  /// The function that writes a VMA's bounds in the narration: `vma_adjust()` (mm/mmap.c) in
  /// 2.6.34, 2.6.36 and 6.1 (there the inline wrapper of __vma_adjust()); mainline removed it
  /// ("mm/mmap: remove __vma_adjust()", 6.3): `vma_set_range()` (mm/vma.h) writes vm_start, vm_end
  /// and vm_pgoff, three stores, for __split_vma(), vma_expand() and commit_merge().
  var vmaSetRangeFunction: String { kernel == .mainline ? "vma_set_range" : "vma_adjust" }

  /// __split_vma(): copy, clone the chain, then vma_adjust() inserts the new piece.
  ///
  /// `__split_vma()`, mm/mmap.c; 2.6.34, 2.6.36 and 6.x.
  mutating func splitVMA(vma: VMAID, at: Int, newBelow: Bool, cpu c: Int) -> InstrResult {
    .expand([
      .copyVMAForSplit(vma: vma, at: at, newBelow: newBelow),
      .anonVMAClone(dst: .reg(.vma), src: vma),
      .splitAdjust(vma: vma, at: at, newBelow: newBelow),
    ])
  }

  /// __split_vma(): `new = kmem_cache_alloc(); *new = *vma;` with the new bounds (in the `vma` register).
  ///
  /// `__split_vma()`, mm/mmap.c; 2.6.34, 2.6.36 and 6.x.
  mutating func copyVMAForSplit(vma: VMAID, at: Int, newBelow: Bool, cpu c: Int) throws(SimError) -> InstrResult {
    guard var copy = vmas[vma] else { throw SimError("internal: split") }
    let id = newVMAID()
    copy.id = id
    copy.chainTailFirst = []
    copy.createdAt = step
    if newBelow {
      copy.end = at
    } else {
      copy.pgoff += at - copy.start
      copy.start = at
    }
    vmas[id] = copy
    touchVMA(id)
    cpus[c].regs.vma = id
    return emit(
      c, "__split_vma",
      "new VMA \(vmaName(id)) split off \(vmaName(vma)) at page \(at - copy.base)",
      objects: [.vma(id), .vma(vma)])
  }

  /// __split_vma(): the vma_adjust() call that shrinks the old VMA and inserts the new one.
  ///
  /// `__split_vma()`, mm/mmap.c; 2.6.34, 2.6.36 and 6.x.
  mutating func splitAdjust(vma: VMAID, at: Int, newBelow: Bool, cpu c: Int) throws(SimError) -> InstrResult {
    let new = try value(.reg(.vma), cpu: c)
    guard let v = vmas[vma] else { throw SimError("internal: split") }
    let args =
      newBelow
      ? AdjustArgs(vma: vma, start: at, end: v.end, pgoff: v.pgoff + (at - v.start), insert: new)
      : AdjustArgs(vma: vma, start: v.start, end: at, pgoff: v.pgoff, insert: new)
    return .expand([.vmaAdjust(args)])
  }

  /// vma_adjust(): importer/exporter clone, then the locked update (2.6.36 lock condition).
  ///
  /// `vma_adjust()`, mm/mmap.c; __vma_adjust() / vma_prepare() in 6.x; 2.6.34, 2.6.36 and 6.x.
  mutating func vmaAdjust(_ args: AdjustArgs, cpu c: Int) throws(SimError) -> InstrResult {
    guard let vma = vmas[args.vma] else { throw SimError("internal: vma_adjust") }
    var end = args.end
    var importer: VMAID?
    var removeNext = 0
    var adjustNext = 0
    var instrs: [Instr] = []
    let next = nextVMA(after: args.vma)
    if let nid = next, let nv = vmas[nid], args.insert == nil {
      var exporter: VMAID?
      if end >= nv.end {
        removeNext = 1 + (end > nv.end ? 1 : 0)
        end = nv.end
        exporter = nid
        importer = args.vma
      } else if end > nv.start {
        adjustNext = end - nv.start
        exporter = nid
        importer = args.vma
      } else if end < vma.end {
        adjustNext = -(vma.end - end)
        exporter = args.vma
        importer = nid
      }
      if let exporter, let importer, vmas[exporter]?.anonVMA != nil,
        vmas[importer]?.anonVMA == nil
      {
        if kernel.isModern {
          // dup_anon_vma(): copy the pointer, then clone (which counts the active VMA).
          instrs.append(.setImporterAnonVMA(importer: importer, exporter: exporter))
          instrs.append(.anonVMAClone(dst: .lit(importer), src: exporter))
        } else {
          instrs.append(.anonVMAClone(dst: .lit(importer), src: exporter))
          instrs.append(.setImporterAnonVMA(importer: importer, exporter: exporter))
        }
      }
    }
    if let copiedFrom = args.copiedFrom {
      // mainline vma_expand() (61f67c230a5e): after the dup from a removed next,
      // `if (!ret && vmg->copied_from) ret = dup_anon_vma(target, vmg->copied_from, &anon_dup);`.
      instrs.append(.dupAnonVMACopied(target: args.vma, copiedFrom: copiedFrom))
    }
    var locked = args
    locked.end = end
    instrs.append(
      .vmaAdjustLocked(
        locked, next: next, removeNext: removeNext, adjustNext: adjustNext, importer: importer))
    if removeNext == 2 {
      // "goto again": after removing next, swallow the one after it too.
      var again = args
      again.copiedFrom = nil
      instrs.append(.vmaAdjust(again))
    }
    return .expand(instrs)
  }

  /// vma_adjust(): `importer->anon_vma = exporter->anon_vma`.
  ///
  /// `vma_adjust()`, mm/mmap.c; 2.6.34, 2.6.36 and 6.1 (__vma_adjust()); mainline `dup_anon_vma()`,
  /// mm/vma.c.
  mutating func setImporterAnonVMA(importer: VMAID, exporter: VMAID, cpu c: Int) -> InstrResult {
    let a = vmas[exporter]?.anonVMA
    vmas[importer]?.anonVMA = a
    touchVMA(importer)
    return emit(
      c, kernel == .mainline ? "dup_anon_vma" : "vma_adjust",
      "importer \(vmaName(importer))->anon_vma = \(a.map { av($0) } ?? "NULL") "
        + "(from exporter \(vmaName(exporter)))",
      objects: [.vma(importer)] + (a.map { [.anonVMA($0)] } ?? []) + [.vma(exporter)])
  }

  /// vma_adjust()'s update, under the anon_vma lock where the version takes it (2.6.36 lock condition; 6.x
  /// vma_prepare()).
  ///
  /// `vma_adjust()`, mm/mmap.c; vma_prepare()/vma_complete() in 6.x; 2.6.34, 2.6.36 and 6.x.
  mutating func vmaAdjustLocked(
    _ args: AdjustArgs, next: VMAID?, removeNext: Int, adjustNext: Int, importer: VMAID?, cpu c: Int
  ) throws(SimError) -> InstrResult {
    guard let vma = vmas[args.vma] else { throw SimError("internal: vma_adjust") }
    var instrs: [Instr] = []
    var lockAV: AnonVMAID?
    // 6.x (__vma_adjust of 6.1, vma_prepare() since 6.3): `anon_vma = vma->anon_vma`, else
    // next's when next's start moves; any bound change re-keys the interval trees.
    let modernAV = vma.anonVMA ?? (adjustNext != 0 ? next.flatMap { vmas[$0]?.anonVMA } : nil)
    if kernel.isModern, let a = modernAV {
      lockAV = a
      instrs.append(.lock(.anonVMALock(.lit(a)), writeMode))
    } else if kernel == .v2_6_36, let a = vma.anonVMA,
      args.insert != nil || importer != nil || args.start != vma.start
    {
      lockAV = a
      instrs.append(.lock(.anonVMALock(.lit(a)), writeMode))
    } else if vma.anonVMA != nil {
      let why =
        kernel == .v2_6_34
        ? "2.6.34 takes no anon_vma lock here" : "only vm_end changes: no anon_vma lock"
      instrs.append(.narrate(function: "vma_adjust", text: why))
    }
    let adjustedNext = removeNext > 0 ? nil : next
    instrs.append(.adjustBounds(args, next: adjustedNext, adjustNext: adjustNext))
    if removeNext > 0, let next {
      instrs.append(.unlinkNextVMA(vma: args.vma, next: next))
    } else if let insert = args.insert {
      instrs.append(.insertVMA(vma: insert, byVMALink: false))
    }
    if kernel.isModern, lockAV != nil {
      // vma_complete(): anon_vma_interval_tree_post_update_vma(vma), then adj_next's.
      instrs.append(.treeReinsert(vma: args.vma))
      if adjustNext != 0, let next { instrs.append(.treeReinsert(vma: next)) }
    }
    if let lockAV { instrs.append(.unlock(.anonVMALock(.lit(lockAV)))) }
    if removeNext > 0, let next {
      instrs.append(.vmaAdjustRemove(args, next: next, removeNext: removeNext))
    }
    return .expand(instrs)
  }

  /// vma_adjust(): `vma->vm_start = start; vma->vm_end = end;` (C17 when 2.6.36 changes vm_start unlocked).
  ///
  /// `vma_adjust()`, mm/mmap.c; 2.6.34, 2.6.36 and 6.x.
  mutating func adjustBounds(
    _ args: AdjustArgs, next: VMAID?, adjustNext: Int, cpu c: Int
  ) throws(SimError) -> InstrResult {
    guard let vma = vmas[args.vma] else { throw SimError("internal: vma_adjust") }
    if kernel == .v2_6_36, let a = vma.anonVMA,
      args.start != vma.start || args.pgoff != vma.pgoff,
      !cpus[c].holds.contains(lockTarget(of: a))
    {
      report("C17", "\(vmaName(args.vma))'s vm_start/vm_pgoff change without its root lock", objects: [.vma(args.vma)])
    }
    let before = vmaName(args.vma)
    vmas[args.vma]?.start = args.start
    touchVMA(args.vma)
    vmas[args.vma]?.end = args.end
    touchVMA(args.vma)
    var text = "\(before): vm_start/vm_end → pages \(args.start - vma.base)..\(args.end - vma.base - 1)"
    if args.start != vma.start, let p = vmas[args.vma]?.process {
      insertSorted(vma: args.vma, process: p)
    }
    // vm_pgoff is a separate store: a lockless reader in between sees a half-updated VMA (D.2).
    if args.pgoff != vma.pgoff {
      text += " (vm_pgoff not yet updated)"
      return emit(
        c, vmaSetRangeFunction,
        text, objects: [.vma(args.vma)],
        then: [.adjustPgoff(vma: args.vma, pgoff: args.pgoff, next: next, adjustNext: adjustNext)])
    }
    return emit(
      c, vmaSetRangeFunction,
      text, objects: [.vma(args.vma)],
      then: next != nil && adjustNext != 0
        ? [.adjustPgoff(vma: args.vma, pgoff: args.pgoff, next: next, adjustNext: adjustNext)] : [])
  }

  /// vma_adjust(): `vma->vm_pgoff = pgoff;`, a store of its own (D.2).
  ///
  /// `vma_adjust()`, mm/mmap.c; 2.6.34, 2.6.36 and 6.x.
  mutating func adjustPgoff(vma id: VMAID, pgoff: Int, next: VMAID?, adjustNext: Int, cpu c: Int) -> InstrResult {
    var then: [Instr] = []
    if let next, adjustNext != 0 { then = [.adjustNextStart(next: next, delta: adjustNext)] }
    guard vmas[id]?.pgoff != pgoff else { return .expand(then) }
    vmas[id]?.pgoff = pgoff
    touchVMA(id)
    return emit(c, vmaSetRangeFunction, "\(vmaName(id)): vm_pgoff = \(pgoff)", objects: [.vma(id)], then: then)
  }

  /// vma_adjust(): `next->vm_start += adjust_next << PAGE_SHIFT;`.
  ///
  /// `vma_adjust()`, mm/mmap.c; 2.6.34, 2.6.36 and 6.x.
  mutating func adjustNextStart(next: VMAID, delta: Int, cpu c: Int) throws(SimError) -> InstrResult {
    guard let nv = vmas[next] else { throw SimError("internal: adjust_next") }
    let nb = vmaName(next)
    vmas[next]?.start = nv.start + delta
    touchVMA(next)
    insertSorted(vma: next, process: nv.process)
    return emit(
      c, vmaSetRangeFunction,
      "\(nb): next->vm_start moves to page \(nv.start + delta - nv.base) (vm_pgoff not yet updated)",
      objects: [.vma(next)], then: [.adjustNextPgoff(next: next, delta: delta)])
  }

  /// vma_adjust(): `next->vm_pgoff += adjust_next;`.
  ///
  /// `vma_adjust()`, mm/mmap.c; 2.6.34, 2.6.36 and 6.x.
  mutating func adjustNextPgoff(next: VMAID, delta: Int, cpu c: Int) throws(SimError) -> InstrResult {
    guard let nv = vmas[next] else { throw SimError("internal: adjust_next") }
    vmas[next]?.pgoff = nv.pgoff + delta
    touchVMA(next)
    return emit(c, vmaSetRangeFunction, "\(vmaName(next)): next->vm_pgoff = \(nv.pgoff + delta)", objects: [.vma(next)])
  }

  /// Links a new VMA into the mm: the piece __split_vma() made, or (`byVMALink`) copy_vma()'s copy.
  ///
  /// Split: `__insert_vm_struct()`, mm/mmap.c, 2.6.34 and 2.6.36; 6.1's __vma_adjust() stores it in
  /// the maple tree itself (`vma_mas_store(insert, &mas)`, "mm: remove the vma linked list");
  /// mainline's `vma_complete()` (mm/vma.c) with `vma_iter_store_new()`. copy_vma(): `vma_link()`,
  /// every version.
  mutating func insertVMA(vma id: VMAID, byVMALink: Bool, cpu c: Int) throws(SimError) -> InstrResult {
    guard let p = vmas[id]?.process else { throw SimError("internal: insert") }
    insertSorted(vma: id, process: p)
    let (function, how): (String, String) =
      switch (byVMALink, kernel) {
      case (true, _): ("vma_link", "linked into the mm")
      case (false, .v2_6_34), (false, .v2_6_36): ("__insert_vm_struct", "linked into the mm")
      case (false, .v6): ("__vma_adjust", "stored in the mm's maple tree (vma_mas_store)")
      case (false, .mainline): ("vma_complete", "stored in the mm's maple tree (vma_iter_store_new)")
      }
    return emit(c, function, "\(vmaName(id)) \(how)", objects: [.vma(id)])
  }

  /// vma_adjust(): the swallowed `next` leaves the mm.
  ///
  /// `__vma_unlink()`, mm/mmap.c; 2.6.34, 2.6.36. 6.1: __vma_adjust() stores the grown VMA over
  /// next's range in the maple tree (no unlink call); mainline: `vma_complete()` with `vp->remove`
  /// (mm/vma.c).
  mutating func unlinkNextVMA(vma: VMAID, next: VMAID, cpu c: Int) throws(SimError) -> InstrResult {
    guard let p = vmas[next]?.process else { throw SimError("internal: unlink") }
    self[process: p].vmas.removeAll { $0 == next }
    vmas[next]?.detached = true
    touchVMA(next)
    detachedVMAs.append(next)
    let text =
      kernel.isModern
      ? "\(vmaName(next)) merged into \(vmaName(vma)): its range now \(vmaName(vma))'s in the maple tree"
      : "\(vmaName(next)) merged into \(vmaName(vma)), unlinked from the mm"
    let function =
      switch kernel {
      case .v2_6_34, .v2_6_36: "__vma_unlink"
      case .v6: "__vma_adjust"
      case .mainline: "vma_complete"
      }
    return emit(
      c, function, text,
      objects: [.vma(next), .vma(vma)])
  }

  /// anon_vma_merge() + remove the swallowed VMA.
  ///
  /// `anon_vma_merge()`, mm/rmap.c, called from vma_adjust() in mm/mmap.c; 2.6.34, 2.6.36 and 6.1.
  /// Mainline removed anon_vma_merge() ("mm/rmap: remove anon_vma_merge() function"):
  /// vma_complete() in mm/vma.c calls unlink_anon_vmas() on the removed VMA itself.
  mutating func vmaAdjustRemove(_ args: AdjustArgs, next: VMAID, cpu c: Int) -> InstrResult {
    var instrs: [Instr] = []
    if let n = vmas[next], n.anonVMA != nil {
      let function = kernel == .mainline ? "vma_complete" : "anon_vma_merge"
      if vmas[args.vma]?.anonVMA != n.anonVMA {
        report(
          "C6",
          "\(function): \(vmaName(args.vma)) and \(vmaName(next)) have different anon_vmas",
          objects: [.vma(args.vma), .vma(next)])
      }
      instrs.append(.narrate(function: function, text: "unlink_anon_vmas(\(vmaName(next)))", objects: [.vma(next)]))
      instrs.append(.unlinkAnonVMAs(vma: next))
    }
    instrs.append(.removeVMA(vma: next))
    return .expand(instrs)
  }
}
