// mm/memory.c: page faults (handle_mm_fault, do_anonymous_page, do_wp_page, do_swap_page),
// copy_page_range at fork and unmap_vmas at munmap and exit. Linux 2.6.34 and 2.6.36; 6.x runs
// the same steps (its differences are in the anon_vma functions these call, Kernel/Linux6).

extension World {
  /// handle_mm_fault() for a write: do_anonymous_page(), do_wp_page() or do_swap_page().
  ///
  /// `handle_mm_fault()`, mm/memory.c; 2.6.34, 2.6.36 and 6.x.
  mutating func faultWrite(process p: ProcessID, vpage v: Int, cpu c: Int) throws(SimError) -> InstrResult {
    let vma = try faultVMA(p, v)
    guard vmas.withObject(vma, \.prot) == .rw else {
      throw SimError("write fault on read-only page \(locationName(process: p, vpage: v))")
    }
    switch self[process: p].ptes[v] {
    case nil:
      return .expand([.anonVMAPrepare(vma: vma), .doAnonymousPage(process: p, vpage: v, zeroPage: false)])
    case .zero:
      return .expand([.anonVMAPrepare(vma: vma), .doAnonymousPage(process: p, vpage: v, zeroPage: true)])
    case .page(_, writable: true):
      return .expand([.noFault(process: p, vpage: v, why: "PTE already writable: no fault")])
    case .page(_, writable: false):
      return .expand([.doWPPage(process: p, vpage: v)])
    case .swap:
      return .expand([.doSwapPage(process: p, vpage: v, write: true)])
    case .migration:
      throw SimError("\(locationName(process: p, vpage: v)) is under migration")
    }
  }

  /// handle_mm_fault() for a read: the zero page where nothing is mapped (no anon_vma).
  ///
  /// `handle_mm_fault()`, mm/memory.c; 2.6.34, 2.6.36 and 6.x.
  mutating func faultRead(process p: ProcessID, vpage v: Int, cpu c: Int) throws(SimError) -> InstrResult {
    _ = try faultVMA(p, v)
    switch self[process: p].ptes[v] {
    case nil: return .expand([.mapZeroPage(process: p, vpage: v)])
    case .swap: return .expand([.doSwapPage(process: p, vpage: v, write: false)])
    case .migration:
      throw SimError("\(locationName(process: p, vpage: v)) is under migration")
    case .zero, .page:
      return .expand([.noFault(process: p, vpage: v, why: "already mapped: no fault")])
    }
  }

  /// do_wp_page(): reuse the page if we are its only user (page_move_anon_rmap), else copy.
  ///
  /// 6.x reuses a `PageAnonExclusive` page at once (``Page/anonExclusive``: 6.1 `if
  /// (PageAnonExclusive(page)) goto reuse;`, mainline `PageAnonExclusive(vmf->page) ||
  /// wp_can_reuse_anon_folio()`), without page_move_anon_rmap. Otherwise it also copies a page
  /// held for migration (``Page/pinned``) or by another operation's caller (``Page/callerRefs``,
  /// reclaim's or an rmap walk's): the isolation's reference makes `page_count(page) >
  /// 1 + PageSwapCache(page)` (6.1 do_wp_page(); mainline wp_can_reuse_anon_folio():
  /// `folio_ref_count(folio) > 1 + folio_test_swapcache(folio)`), and once __unmap_and_move()
  /// runs migration also holds the page lock that `trylock_page()` would need. 2.6.x decides by
  /// `reuse_swap_page()`, the mapcount, after `lock_page()`, which sleeps until the migration
  /// unlocks the page (then finds the PTE changed and retries); the model does not block on
  /// page locks, and reuses it.
  ///
  /// `do_wp_page()`, mm/memory.c; 2.6.34, 2.6.36 and 6.x.
  mutating func doWPPage(process p: ProcessID, vpage v: Int, cpu c: Int) throws(SimError) -> InstrResult {
    let vma = try faultVMA(p, v)
    guard let page = page(process: p, vpage: v) else { throw SimError("internal: no page") }
    let pg = self[page: page]
    let others = pg.swapSlot.map { self[swapSlot: $0].count } ?? 0
    let isolated = kernel.isModern && pg.isHeld
    if ksmNode(of: page) == nil && (pg.anonExclusive || (pg.mapcount == 1 && others == 0 && !isolated)) {
      return .expand([.pageMoveAnonRmap(process: p, vpage: v)])
    }
    return .expand([.anonVMAPrepare(vma: vma), .cowCopy(process: p, vpage: v)])
  }

  /// do_swap_page(): read the page back (or find it in the swap cache) and map it.
  ///
  /// Whether the fault may map the page writable without a copy (RMAP_EXCLUSIVE), mm/memory.c:
  /// - 2.6.34 and 2.6.36: a write fault and `reuse_swap_page(page)`, true when page_mapcount()
  ///   plus page_swapcount() is 1 (this PTE is the only user);
  /// - 6.1 and mainline: the swap PTE's `pte_swp_exclusive()` (``SwapSlot/exclusive``), read or
  ///   write; else, for a write fault, `page_count(page) == 1` (6.1; mainline
  ///   `folio_ref_count(folio) == 1`) once should_try_to_free_swap() let try_to_free_swap() drop
  ///   the swap cache's reference: no other PTE, no other swap user and no other reference, so a
  ///   page an operation's caller holds (``Page/isHeld``) is not exclusive and do_wp_page()
  ///   copies it. Never a KSM page (`!PageKsm(page)`).
  ///
  /// `do_swap_page()`, mm/memory.c; 2.6.34, 2.6.36, 6.1 and mainline.
  mutating func doSwapPage(process p: ProcessID, vpage v: Int, write: Bool, cpu c: Int) throws(SimError) -> InstrResult
  {
    guard case .swap(let slot) = self[process: p].ptes[v] else { throw SimError("internal: no swap") }
    let cached = self[swapSlot: slot].cached.flatMap { self[page: $0].freed ? nil : $0 }
    let users = self[swapSlot: slot].count + (cached.map { self[page: $0].mapcount } ?? 0)
    let exclusive: Bool
    if kernel.isModern {
      let ksm = cached.map { ksmNode(of: $0) != nil } ?? false
      let held = cached.map { self[page: $0].isHeld } ?? false
      exclusive = !ksm && (self[swapSlot: slot].exclusive || (write && users == 1 && !held))
    } else {
      exclusive = write && users == 1
    }
    var instrs: [Instr] = [.swapInMap(process: p, vpage: v, exclusive: exclusive, write: write)]
    if write && !exclusive { instrs.append(.doWPPage(process: p, vpage: v)) }
    return .expand(instrs)
  }

  /// A new page (or a copy of the zero page) filed in vma->anon_vma by page_add_new_anon_rmap().
  ///
  /// `do_anonymous_page()`, mm/memory.c; 2.6.34, 2.6.36 and 6.x.
  mutating func doAnonymousPage(
    process p: ProcessID, vpage v: Int, zeroPage: Bool, cpu c: Int
  ) throws(SimError) -> InstrResult {
    guard let vma = vmaContaining(process: p, vpage: v), let anon = anonVMA(of: vma) else {
      throw SimError("internal: no anon_vma for a new page")
    }
    let page = allocPage(mapping: .anon(anon), index: linearPageIndex(vma, v))
    self[page: page].mapcount = 1
    self[page: page].anonExclusive = kernel.isModern
    setPTE(p, v, .page(page, writable: true))
    let fn = zeroPage ? "do_wp_page" : "do_anonymous_page"
    let what = zeroPage ? "copy of the zero page" : "new page"
    return emit(
      c, fn,
      "\(what) \(pg(page)) at \(locationName(process: p, vpage: v)), "
        + "\(kernel == .mainline ? "folio_add_new_anon_rmap" : "page_add_new_anon_rmap") files it in \(av(anon))",
      objects: [.page(page), .process(p), .anonVMA(anon)])
  }

  /// The copy of a COW fault: a new page filed in vma->anon_vma; the old mapping is dropped.
  ///
  /// `do_wp_page()`, mm/memory.c; 2.6.34, 2.6.36 and 6.x.
  mutating func cowCopy(process p: ProcessID, vpage v: Int, unshare: Bool, cpu c: Int) throws(SimError)
    -> InstrResult
  {
    guard let vma = vmaContaining(process: p, vpage: v), let anon = anonVMA(of: vma),
      let old = page(process: p, vpage: v)
    else { throw SimError("internal: COW without anon_vma") }
    // Why a page mapped once is copied (doWPPage(process:vpage:cpu:)): held for migration, or
    // isolated by another operation's caller.
    let o = self[page: old]
    let reusable = ksmNode(of: old) == nil && o.mapcount == 1 && (o.swapSlot.map { self[swapSlot: $0].count } ?? 0) == 0
    let holder = o.pinned ? "held for migration" : o.callerRefs > 0 ? "isolated from the LRU by another CPU" : nil
    let why = kernel.isModern && reusable ? holder.map { "\(pg(old)) is \($0) (page_count > 1): no reuse; " } ?? "" : ""
    let page = allocPage(mapping: .anon(anon), index: linearPageIndex(vma, v))
    self[page: page].mapcount = 1
    self[page: page].anonExclusive = kernel.isModern
    // wp_page_copy(): `if (unlikely(unshare)) { ... } else { entry = maybe_mkwrite(pte_mkdirty(entry), vma); }`.
    self[page: page].cleanPTEs = unshare
    setPTE(p, v, .page(page, writable: !unshare))
    let freed = putPageMapping(old)
    return emit(
      c, "do_wp_page",
      why + (unshare ? "unshare: read-only copy " : "COW copy ")
        + "\(pg(old)) → \(pg(page)) at \(locationName(process: p, vpage: v)), "
        + "filed in \(av(anon))" + (freed ? "; \(pg(old)) freed" : ""),
      objects: [.page(old), .page(page), .process(p), .anonVMA(anon)])
  }

  /// A read fault maps the shared zero page (no anon_vma needed).
  ///
  /// `do_anonymous_page()`, mm/memory.c; 2.6.34, 2.6.36 and 6.x.
  mutating func mapZeroPage(process p: ProcessID, vpage v: Int, cpu c: Int) -> InstrResult {
    setPTE(p, v, .zero)
    return emit(
      c, "do_anonymous_page",
      "read fault at \(locationName(process: p, vpage: v)): map the zero page, "
        + "no anon_vma", objects: [.process(p)])
  }

  /// An access that needs no fault.
  ///
  /// `handle_mm_fault()`, mm/memory.c; 2.6.34, 2.6.36 and 6.x.
  mutating func noFault(process p: ProcessID, vpage v: Int, why: String, cpu c: Int) -> InstrResult {
    emit(c, "handle_mm_fault", "\(locationName(process: p, vpage: v)): \(why)", objects: [.process(p)])
  }

  /// do_swap_page() → page_add_anon_rmap()/do_page_add_anon_rmap() → __page_set_anon_rmap().
  ///
  /// `do_swap_page()`, mm/memory.c; 2.6.34, 2.6.36 and 6.x.
  mutating func swapInMap(process p: ProcessID, vpage v: Int, exclusive: Bool, write: Bool, cpu c: Int)
    throws(SimError) -> InstrResult
  {
    guard case .swap(let slot) = self[process: p].ptes[v],
      let vma = vmaContaining(process: p, vpage: v), let vav = anonVMA(of: vma)
    else { throw SimError("internal: swap-in without anon_vma") }
    var page = self[swapSlot: slot].cached.flatMap { self[page: $0].freed ? nil : $0 }
    var text = ""
    if page == nil {
      let fresh = allocPage(mapping: .none, index: linearPageIndex(vma, v))
      self[page: fresh].swapSlot = slot
      self[swapSlot: slot].cached = fresh
      page = fresh
      text = "read \(pg(fresh)) from swap slot \(slot)"
    } else if let page {
      text = "found \(pg(page)) in the swap cache"
    }
    guard let page else { throw SimError("internal: no page") }
    if self[swapSlot: slot].exclusive { text += " (the swap PTE is exclusive)" }
    let first = self[page: page].mapcount == 0
    var filed: AnonVMAID?
    self[page: page].mapcount += 1
    // do_swap_page(): RMAP_EXCLUSIVE (doSwapPage(process:vpage:write:cpu:)) sets
    // PageAnonExclusive in 6.x. 6.1 maps it writable on a write fault only (maybe_mkwrite());
    // mainline also on a read fault in a writable VMA (c18160dba5ff, 6.11: `if ((vma->vm_flags &
    // VM_WRITE) && ...) pte = pte_mkwrite(pte, vma)`). A read fault's PTE is clean.
    self[page: page].anonExclusive = kernel.isModern && exclusive && first
    let writableVMA = vmas[vma]?.prot == .rw
    setPTE(p, v, .page(page, writable: exclusive && (write || (kernel == .mainline && writableVMA))))
    self[page: page].cleanPTEs = write ? false : first || self[page: page].cleanPTEs
    if first {
      switch (kernel, self[page: page].mapping) {
      case (.v2_6_34, _):
        // 2.6.34 __page_set_anon_rmap(): non-exclusive pages go to the last (oldest) AVC's
        // anon_vma; 2.6.34-rc3 used vma->anon_vma (D.1).
        let target =
          exclusive || has(.swapinRC3) ? vav : (chainAnonVMAs(vma).last ?? vav)
        self[page: page].mapping = .anon(target)
        filed = target
        text += ", filed in \(av(target))"
      case (_, .anon(let keep)):
        filed = keep
        text += ", already anon: stays in \(av(keep))"
      default:
        let target = exclusive ? vav : lockTarget(of: vav)
        self[page: page].mapping = .anon(target)
        filed = target
        text += ", filed in \(av(target))" + (exclusive ? " (exclusive)" : " (the root)")
      }
    }
    // swap_free(): the PTE's reference goes, and with it the exclusive mark of its one PTE.
    self[swapSlot: slot].count -= 1
    self[swapSlot: slot].exclusive = false
    if self[swapSlot: slot].count == 0 {
      self[page: page].swapSlot = nil
      self[swapSlot: slot].cached = nil
      text += "; swap slot \(slot) freed"
    }
    return emit(
      c, "do_swap_page", "\(locationName(process: p, vpage: v)): " + text,
      objects: [.process(p), .page(page)] + (filed.map { [.anonVMA($0)] } ?? []))
  }

  /// copy_page_range(): share the parent's pages read-only (skipped without an anon_vma).
  ///
  /// `copy_page_range()`, mm/memory.c; 2.6.34, 2.6.36 and 6.x.
  mutating func copyPageRange(parentVMA pvma: VMAID, childVMA childVal: Val<VMA>, cpu c: Int) throws(SimError)
    -> InstrResult
  {
    let child = try value(childVal, cpu: c)
    guard let parent = vmas[pvma], let cp = vmas[child]?.process else {
      throw SimError("internal: copy_page_range")
    }
    guard parent.anonVMA != nil else {
      return emit(
        c, "copy_page_range",
        "\(vmaName(pvma)) has no anon_vma: skipped, faults will fill \(vmaName(child))",
        objects: [.vma(pvma), .vma(child)])
    }
    var shared = 0
    // Every address of the VMA is looked at, mapped or not: work in proportion to its size.
    work.value += parent.end - parent.start
    for v in parent.start..<parent.end {
      switch self[process: parent.process].ptes[v] {
      case .page(let page, _):
        setPTE(parent.process, v, .page(page, writable: false))
        setPTE(cp, v, .page(page, writable: false))
        self[page: page].mapcount += 1
        // copy_present_pte(): page_try_dup_anon_rmap() clears PageAnonExclusive (6.x).
        self[page: page].anonExclusive = false
        shared += 1
      case .zero:
        setPTE(cp, v, .zero)
      case .swap(let slot):
        // copy_nonpresent_pte(): swap_duplicate(), and the entry is shared: 6.x clears its
        // exclusive mark (pte_swp_clear_exclusive()).
        self[swapSlot: slot].count += 1
        self[swapSlot: slot].exclusive = false
        setPTE(cp, v, .swap(slot))
      case .migration(let page, let w):
        setPTE(cp, v, .migration(page, writable: w))
      case nil: break
      }
    }
    return emit(
      c, "copy_page_range", "\(shared) page(s) shared with \(vmaName(child)), write-protected in both",
      objects: [.vma(child)])
  }

  /// unmap_vmas() / zap_pte_range(): drop every PTE of the VMA.
  ///
  /// `unmap_vmas()`, mm/memory.c; 2.6.34, 2.6.36 and 6.x.
  mutating func zapVMA(vma: VMAID, start: Int, end: Int, cpu c: Int) throws(SimError) -> InstrResult {
    guard let p = vmas[vma]?.process else { throw SimError("internal: zap") }
    var zapped = 0
    var freed: [PageID] = []
    work.value += end - start
    for v in start..<end {
      guard let pte = removePTE(p, v) else { continue }
      zapped += 1
      switch pte {
      case .page(let page, _):
        if putPageMapping(page) { freed.append(page) }
      case .migration:
        // try_to_unmap() already dropped the page's mapcount for its migration entry.
        break
      case .swap(let slot):
        self[swapSlot: slot].count -= 1
        self[swapSlot: slot].exclusive = false
        if self[swapSlot: slot].count == 0, let cached = self[swapSlot: slot].cached {
          self[page: cached].swapSlot = nil
          self[swapSlot: slot].cached = nil
          if freeIfUnused(cached) { freed.append(cached) }
        }
      case .zero: break
      }
    }
    let freedText = freed.isEmpty ? "" : "; freed \(freed.map { pg($0) }.joined(separator: ", "))"
    return emit(
      c, "unmap_vmas", "\(vmaName(vma)): \(zapped) PTE(s) zapped\(freedText)",
      objects: [.vma(vma)] + freed.map { .page($0) })
  }

  func faultVMA(_ p: ProcessID, _ v: Int) throws(SimError) -> VMAID {
    guard let vma = vmaContaining(process: p, vpage: v) else {
      throw SimError("\(locationName(process: p, vpage: v)) is not mapped (unmapped range)")
    }
    return vma
  }
}
