// mm/mremap.c: mremap_to() → move_vma() → copy_vma() (mm/mmap.c), move_page_tables(), then
// do_munmap() of the old range, or with MREMAP_DONTUNMAP (6.x only) the old VMA kept without its
// pages. 2.6.34, 2.6.36 and 6.x; where 6.x differs the code says so.

/// What `move_vma()` moves: `pages` pages from `oldStart` to `newStart` in `process`, the moved
/// range named `target` (the scene's new mapping).
public struct MoveArgs: Sendable, Hashable {
  public var process: ProcessID
  public var oldStart: Int
  public var newStart: Int
  public var pages: Int
  public var target: String
  public var dontUnmap: Bool

  public var oldEnd: Int { oldStart + pages }
  public var newEnd: Int { newStart + pages }
}

extension World {
  /// Whether the model is one of the 2.6 kernels (2.6.34, 2.6.36) (no MREMAP_DONTUNMAP, no need_rmap_locks).
  var isLinux26: Bool { kernel == .v2_6_34 || kernel == .v2_6_36 }

  /// `mremap` as the kernel reaches move_vma(): the checks of sys_mremap()/mremap_to() and
  /// vma_to_resize() that the scene can break, then the move.
  ///
  /// `sys_mremap()`, `mremap_to()`, `vma_to_resize()`, mm/mremap.c; 2.6.34, 2.6.36 and 6.x.
  func expandMRemap(
    process p: ProcessID, source: Mapping, args: MRemapArgs, neighbour: Mapping?
  ) throws(SimError) -> [Instr] {
    if args.dontUnmap && isLinux26 {
      throw SimError(
        "dontunmap: MREMAP_DONTUNMAP exists since Linux 5.7; kernel \(kernel.rawValue) has no such flag")
    }
    let oldStart = source.base + args.first
    let oldEnd = oldStart + args.pages
    // vma_to_resize(): `vma = find_vma(mm, addr)`, and the range must lie inside it.
    guard let vid = vmaContaining(process: p, vpage: oldStart), let vma = vmas[vid] else {
      throw SimError("mremap: page \(locationName(process: p, vpage: oldStart)) is not mapped (EFAULT)")
    }
    guard oldEnd <= vma.end else {
      throw SimError(
        "mremap: pages \(args.first)..\(args.last) of '\(args.mapping)' are not inside one VMA: "
          + "vma_to_resize() returns EFAULT")
    }
    for v in oldStart..<oldEnd {
      switch self[process: p].ptes[v] {
      case .page(let page, _) where ksmNode(of: page) != nil:
        // move_vma() first breaks KSM pages with ksm_madvise(MADV_UNMERGEABLE).
        throw SimError(
          "mremap: \(locationName(process: p, vpage: v)) is a KSM page; move_vma() would break it "
            + "first (ksm_madvise(MADV_UNMERGEABLE)), which is not modelled")
      default: break
      }
    }
    let newStart: Int
    switch args.placement {
    case .fresh: newStart = self[process: p].nextAddress
    case .after(let name), .before(let name):
      // The pages of the mapping still mapped: its VMAs' extent.
      let spans = self[process: p].vmas.compactMap { vmas[$0] }.filter { v in
        neighbour.map { v.start < $0.base + $0.pages && $0.base < v.end } ?? false
      }
      guard let low = spans.map(\.start).min(), let high = spans.map(\.end).max() else {
        throw SimError("mremap: mapping '\(name)' has no page mapped: nothing to place the destination next to")
      }
      if case .after = args.placement {
        newStart = high
      } else {
        newStart = low - args.pages
        guard newStart >= 0 else { throw SimError("mremap: no room before '\(name)': it starts at page \(low)") }
      }
    }
    if let busy = self[process: p].vmas.first(where: { id in
      guard let v = vmas[id] else { return false }
      return v.start < newStart + args.pages && newStart < v.end
    }) {
      // MREMAP_FIXED would unmap what lies there first; the model refuses instead.
      throw SimError(
        "mremap: the destination (pages \(newStart)..\(newStart + args.pages - 1)) overlaps "
          + "\(vmaName(busy)); unmapping it first (MREMAP_FIXED) is not modelled")
    }
    let move = MoveArgs(
      process: p, oldStart: oldStart, newStart: newStart, pages: args.pages, target: args.target,
      dontUnmap: args.dontUnmap)
    return [.mremapTo(move)]
  }

  /// mremap_to(): the destination range, named as the scene's new mapping (MREMAP_FIXED at the
  /// address the scene chose, or get_unmapped_area()'s fresh one).
  ///
  /// `mremap_to()`, mm/mremap.c; 2.6.34, 2.6.36 and 6.x.
  mutating func mremapTo(_ m: MoveArgs, cpu c: Int) throws(SimError) -> InstrResult {
    guard let vid = vmaContaining(process: m.process, vpage: m.oldStart), let vma = vmas[vid] else {
      throw SimError("internal: mremap source")
    }
    let p = m.process
    self[process: p].nextAddress = max(self[process: p].nextAddress, m.newEnd + 16)
    self[process: p].mappings.removeAll { $0.name == m.target }
    self[process: p].mappings.append(
      Mapping(name: m.target, base: m.newStart, pages: m.pages, growsDown: vma.growsDown))
    touchProcess(p)
    let from = "\(locationName(process: p, vpage: m.oldStart))..\(m.oldEnd - 1 - vma.base)"
    return emit(
      c, "mremap_to",
      "move \(m.pages) page(s) \(from) of \(vmaName(vid)) to '\(m.target)' at page \(m.newStart)"
        + (m.dontUnmap ? " (MREMAP_DONTUNMAP)" : ""),
      objects: [.process(p), .vma(vid)], then: [.copyVMAForMove(m)])
  }

  /// copy_vma(): vma_merge() of the new range with its new neighbours, else a copy of the VMA
  /// with the new bounds, anon_vma_clone() of the source's chain, and vma_link().
  ///
  /// An unfaulted VMA (no anon_vma) takes `pgoff = addr >> PAGE_SHIFT` "to increase its chance of
  /// merging"; a faulted one keeps `vma->vm_pgoff + (old_addr - vm_start)`, the page->index of
  /// its pages, so that the rmap finds them at the new address.
  ///
  /// `copy_vma()`, mm/mmap.c (mm/vma.c since 6.11); `move_vma()`, mm/mremap.c; 2.6.34, 2.6.36
  /// and 6.x (6.1: `*need_rmap_locks` set after a merge, see ``movePageTablesCall(_:merged:cpu:)``).
  mutating func copyVMAForMove(_ m: MoveArgs, cpu c: Int) throws(SimError) -> InstrResult {
    guard let vid = vmaContaining(process: m.process, vpage: m.oldStart), let vma = vmas[vid] else {
      throw SimError("internal: mremap source")
    }
    // move_vma(): new_pgoff = vma->vm_pgoff + ((old_addr - vma->vm_start) >> PAGE_SHIFT).
    let pgoff = vma.anonVMA == nil ? m.newStart : vma.pgoff + (m.oldStart - vma.start)
    // find_vma_prepare() / find_vma_links(): the VMA before the new range.
    let prev = self[process: m.process].vmas.last { (vmas[$0]?.start ?? 0) < m.newStart }
    // mainline: vma_merge_copied_range() (61f67c230a5e) sets `vmg->copied_from = vma` before
    // vma_merge_new_range(); the kernel before it (variant mremap-uaf) passes none.
    let copiedFrom: VMAID? = kernel == .mainline && !has(.mremapUAF) ? vid : nil
    if var plan = vmaMergePlan(
      process: m.process, prev: prev, addr: m.newStart, end: m.newEnd, prot: vma.prot,
      growsDown: vma.growsDown, anonVMA: vma.anonVMA, pgoff: pgoff, copiedFrom: copiedFrom)
    {
      plan.copiedFrom = copiedFrom
      let how =
        kernel != .mainline
        ? "vma_merge" : copiedFrom == nil ? "vma_merge_new_range (no copied_from)" : "vma_merge_copied_range"
      return emit(
        c, "copy_vma",
        "\(how): the new range merges with \(vmaName(plan.vma)) (pgoff \(pgoff))",
        objects: [.vma(plan.vma)], then: [.vmaAdjust(plan), .movePageTablesCall(m, merged: true)])
    }
    var copy = vma
    let id = newVMAID()
    copy.id = id
    copy.mapping = m.target
    copy.base = m.newStart
    copy.start = m.newStart
    copy.end = m.newEnd
    copy.pgoff = pgoff
    copy.chainTailFirst = []
    copy.detached = false
    copy.createdAt = step
    vmas[id] = copy
    touchVMA(id)
    cpus[c].regs.vma = id
    return emit(
      c, "copy_vma",
      "no merge: new VMA \(vmaName(id)) copied from \(vmaName(vid)), vm_pgoff \(pgoff)"
        + (vma.anonVMA == nil ? " (unfaulted: the new address)" : " (page->index of its pages)"),
      objects: [.vma(id), .vma(vid)],
      then: [.anonVMAClone(dst: .reg(.vma), src: vid), .vmaLinkMoved(m), .movePageTablesCall(m, merged: false)])
  }

  /// vma_link() of copy_vma()'s new VMA: 2.6.x links it under anon_vma_lock(vma); 6.x takes no
  /// anon_vma lock there (the new VMA is only reached through the maple tree and its chain).
  ///
  /// `vma_link()`, mm/mmap.c; 2.6.34, 2.6.36 and 6.x.
  mutating func vmaLinkMoved(_ m: MoveArgs, cpu c: Int) throws(SimError) -> InstrResult {
    let id = try value(.reg(.vma), cpu: c)
    guard let a = vmas[id]?.anonVMA, isLinux26 else { return .expand([.insertVMA(vma: id, byVMALink: true)]) }
    return .expand([
      .lock(.anonVMALock(.lit(a)), writeMode), .insertVMA(vma: id, byVMALink: true), .unlock(.anonVMALock(.lit(a))),
    ])
  }

  /// move_page_tables(): 2.6.x moves the PTEs under the page table locks only; 6.x takes the
  /// source's anon_vma lock (take_rmap_locks()) when copy_vma() merged into a VMA whose vm_pgoff
  /// is not above the source's (`*need_rmap_locks = new_vma->vm_pgoff <= vma->vm_pgoff`), since
  /// an rmap walk could then visit the destination before the source and miss a moving PTE.
  /// Then the old range is unmapped, or kept with MREMAP_DONTUNMAP.
  ///
  /// `move_vma()`, `move_page_tables()`, `move_ptes()`, mm/mremap.c; 2.6.34, 2.6.36 and 6.x.
  mutating func movePageTablesCall(_ m: MoveArgs, merged: Bool, cpu c: Int) throws(SimError) -> InstrResult {
    guard let vid = vmaContaining(process: m.process, vpage: m.oldStart), let vma = vmas[vid],
      let nid = vmaContaining(process: m.process, vpage: m.newStart), let new = vmas[nid]
    else { throw SimError("internal: move_vma") }
    var instrs: [Instr] = []
    if !isLinux26, merged, new.pgoff <= vma.pgoff, let a = vma.anonVMA {
      instrs += [
        .narrate(
          function: "move_vma", text: "need_rmap_locks: \(vmaName(nid))'s vm_pgoff ≤ \(vmaName(vid))'s",
          objects: [.vma(nid), .vma(vid)]),
        .lock(.anonVMALock(.lit(a)), writeMode), .movePTEs(m), .unlock(.anonVMALock(.lit(a))),
      ]
    } else {
      instrs.append(.movePTEs(m))
    }
    if m.dontUnmap {
      instrs.append(.dontUnmapComplete(m, newVMA: nid))
    } else {
      instrs.append(.doMunmap(process: m.process, start: m.oldStart, end: m.oldEnd))
    }
    return .expand(instrs)
  }

  /// move_ptes(): every PTE of the old range moves to the new address; the pages keep
  /// page->mapping and page->index (the rmap finds them through the destination VMA's vm_pgoff).
  ///
  /// `move_ptes()`, mm/mremap.c; 2.6.34, 2.6.36 and 6.x.
  mutating func movePTEs(_ m: MoveArgs, cpu c: Int) -> InstrResult {
    var moved = 0
    for v in m.oldStart..<m.oldEnd {
      guard let pte = removePTE(m.process, v) else { continue }
      setPTE(m.process, m.newStart + (v - m.oldStart), pte)
      moved += 1
    }
    work.value += m.pages
    let lock = isLinux26 ? "page table locks only, no anon_vma lock" : "under the page table locks"
    return emit(
      c, "move_ptes",
      "\(moved) PTE(s) moved from \(locationName(process: m.process, vpage: m.oldStart)) to "
        + "\(locationName(process: m.process, vpage: m.newStart)) (\(lock)); pages keep mapping and index",
      objects: [.process(m.process)])
  }

  /// MREMAP_DONTUNMAP: the old VMA stays, its page tables empty; when the whole VMA was moved
  /// into a VMA other than itself, its anon_vma chain is no longer needed: unlink_anon_vmas()
  /// (`if (new_vma != vma && vma->vm_start == old_addr && vma->vm_end == old_addr + old_len)`
  /// in 6.1's move_vma(); the same test in dontunmap_complete() after the 2025 mremap rework).
  ///
  /// `move_vma()`, mm/mremap.c; 6.x only (MREMAP_DONTUNMAP exists since 5.7).
  mutating func dontUnmapComplete(_ m: MoveArgs, newVMA: VMAID, cpu c: Int) throws(SimError) -> InstrResult {
    guard let vid = vmaContaining(process: m.process, vpage: m.oldStart), let vma = vmas[vid] else {
      throw SimError("internal: MREMAP_DONTUNMAP source")
    }
    // Since the 2025 mremap rework (6.16) the test lives in dontunmap_complete().
    let function = kernel == .mainline ? "dontunmap_complete" : "move_vma"
    if vid != newVMA, vma.start == m.oldStart, vma.end == m.oldEnd {
      return .expand([
        .narrate(
          function: function, text: "MREMAP_DONTUNMAP: \(vmaName(vid)) moved whole: unlink_anon_vmas(\(vmaName(vid)))",
          objects: [.vma(vid)]),
        .unlinkAnonVMAs(vma: vid),
      ])
    }
    return .expand([
      .narrate(
        function: function,
        text: "MREMAP_DONTUNMAP: \(vmaName(vid)) stays, part moved: it keeps its anon_vma chain", objects: [.vma(vid)])
    ])
  }
}

extension World {
  /// vma_expand()'s second dup_anon_vma() (mainline, 61f67c230a5e): when mremap's copy merged
  /// into `target`, `dup_anon_vma(target, vmg->copied_from)` gives an unfaulted target the moved
  /// VMA's anon_vma and a clone of its chain (`if (src->anon_vma && !dst->anon_vma)`); nothing to
  /// do when the target already has one (its own, or next's just duplicated) or the moved VMA has none.
  ///
  /// `vma_expand()`, `dup_anon_vma()`, mm/vma.c; mainline only (the mremap-uaf variant never calls it).
  mutating func dupAnonVMACopied(target: VMAID, copiedFrom: VMAID, cpu c: Int) -> InstrResult {
    let t = vmaName(target)
    let s = vmaName(copiedFrom)
    guard let a = vmas[copiedFrom]?.anonVMA, vmas[target]?.anonVMA == nil else {
      let why =
        vmas[target]?.anonVMA.map { "\(t) already has \(av($0))" } ?? "\(s) has no anon_vma"
      let whose: [ObjectRef] = vmas[target]?.anonVMA.map { [.vma(target), .anonVMA($0)] } ?? [.vma(copiedFrom)]
      return .expand([
        .narrate(
          function: "vma_expand", text: "dup_anon_vma(\(t), copied_from \(s)): \(why): nothing to do",
          objects: [.vma(target), .vma(copiedFrom)] + whose)
      ])
    }
    return .expand([
      .narrate(
        function: "vma_expand",
        text: "dup_anon_vma(\(t), copied_from \(s)): \(t) is unfaulted, the moved VMA has \(av(a))",
        objects: [.vma(target), .vma(copiedFrom), .anonVMA(a)]),
      .setImporterAnonVMA(importer: target, exporter: copiedFrom),
      .anonVMAClone(dst: .lit(target), src: copiedFrom),
    ])
  }
}

extension World {
  /// The checks an `mremap` must pass before its first micro-step: a new mapping name, and
  /// MREMAP_DONTUNMAP only where the kernel has it.
  func validateMRemap(process p: ProcessID, _ m: MRemapArgs) throws(SimError) {
    if m.dontUnmap && isLinux26 {
      throw SimError(
        "dontunmap: MREMAP_DONTUNMAP exists since Linux 5.7; kernel \(kernel.rawValue) has no such flag")
    }
    let name = self[process: p].name
    if m.target == m.mapping || self[process: p].vmas.contains(where: { vmas[$0]?.mapping == m.target })
      || mapping(process: p, named: m.target).map({ mappingIsMapped($0, process: p) }) == true
    {
      throw SimError("process '\(name)' already has a mapping '\(m.target)'")
    }
  }

  /// Whether some VMA of the process still covers a page of the mapping.
  func mappingIsMapped(_ m: Mapping, process p: ProcessID) -> Bool {
    self[process: p].vmas.contains { id in
      guard let v = vmas[id] else { return false }
      return v.start < m.base + m.pages && m.base < v.end
    }
  }
}

extension World {
  /// linear_page_index(): the page->index a page faulted at `vpage` of the VMA gets,
  /// `vm_pgoff + (address - vm_start)`; the virtual page itself until mremap moves a faulted VMA.
  ///
  /// `linear_page_index()`, include/linux/pagemap.h; 2.6.34, 2.6.36 and 6.x.
  func linearPageIndex(_ vma: VMAID, _ vpage: Int) -> Int {
    guard let v = vmas[vma] else { return vpage }
    return v.pgoff + (vpage - v.start)
  }
}
