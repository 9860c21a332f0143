// mm/ksm.c: merging pages into a KSM page, the stable tree's rmap_items and their anon_vma
// references, rmap_walk_ksm and break_ksm. All three versions.

extension World {
  /// KSM's drop of the reference an rmap_item held (the `plain-dec` variant decrements without the lock).
  ///
  /// `drop_anon_vma()`, mm/ksm.c (2.6.34), mm/rmap.c (2.6.36); 2.6.34 and 2.6.36 (6.x:
  /// ``ksmDropAnonVMAV6(anonVMA:cpu:)``).
  mutating func ksmDropAnonVMA(anonVMA a: AnonVMAID, cpu c: Int) -> InstrResult {
    if has(.plainDec) { return .expand([.plainDecAndTest(anonVMA: a)]) }
    return .expand([.decAndLockFast(anonVMA: a, transient: false)])
  }

  /// rmap_walk_ksm(): for each rmap_item, lock its anon_vma and visit its list, in two passes.
  ///
  /// `rmap_walk_ksm()`, mm/ksm.c; 2.6.34, 2.6.36 and 6.x.
  mutating func ksmWalk(page: PageID, node: StableNodeID, cpu c: Int) -> InstrResult {
    var instrs: [Instr] = []
    let items = self[stableNode: node].items
    for pass in 0..<2 {
      for (i, item) in items.enumerated() {
        instrs.append(.lock(.anonVMALock(.lit(item.anonVMA)), readMode))
        for id in self[anonVMA: item.anonVMA].head {
          instrs.append(.visitKSM(avc: id, page: page, item: i, node: node, pass: pass))
        }
        instrs.append(.unlock(.anonVMALock(.lit(item.anonVMA))))
      }
    }
    let firstLock = items.first.map { lockTarget(of: $0.anonVMA) }
    var locks: [AnonVMAID] = []
    for item in items where !locks.contains(lockTarget(of: item.anonVMA)) {
      locks.append(lockTarget(of: item.anonVMA))
    }
    cpus[c].regs.walk = RmapWalk(
      page: page, origin: "", lock: firstLock, locks: locks, visited: [], skipped: [])
    return .expand(instrs)
  }

  /// rmap_walk_ksm(): pass 0 VMAs of the item's mm, pass 1 other mms (search_new_forks).
  ///
  /// `rmap_walk_ksm()`, mm/ksm.c; 2.6.34, 2.6.36 and 6.x.
  mutating func visitKSM(avc id: AVCID, page: PageID, item: Int, node: StableNodeID, pass: Int, cpu c: Int)
    -> InstrResult
  {
    guard let link = avcs[id], let vma = vmas[link.vma],
      item < self[stableNode: node].items.count
    else {
      return emit(c, "rmap_walk_ksm", "avc\(id) is gone", objects: [.avc(id)])
    }
    let it = self[stableNode: node].items[item]
    let name = vmaName(link.vma)
    let inside = it.address >= vma.start && it.address < vma.end
    let sameMM = vma.process == it.process
    if !inside || sameMM != (pass == 0) {
      return emit(
        c, "rmap_walk_ksm", "\(name): \(inside ? "other pass" : "address outside"): skip", objects: [.vma(link.vma)])
    }
    if !(cpus[c].regs.walk?.visited.contains(name) ?? true) {
      cpus[c].regs.walk?.visited.append(name)
    }
    return emit(
      c, "rmap_walk_ksm", "\(name): visit (\(pg(page)) via rmap_item of \(self[process: it.process].name))",
      objects: [.vma(link.vma), .page(page), .process(it.process)])
  }

  /// The KSM walk's end, recorded with where it started, and the caller's put of the page
  /// (``finishWalkPutback(page:cpu:)``).
  ///
  /// `rmap_walk_ksm()`, mm/ksm.c; 2.6.34, 2.6.36 and 6.x.
  mutating func finishWalkKSM(page: PageID, origin: String, cpu c: Int) -> InstrResult {
    cpus[c].regs.walk?.origin = origin
    return .expand([.finishWalkPutback(page: page)])
  }

  /// Why KSM cannot merge a page another CPU's operation holds, or nil when it can:
  /// - try_to_merge_one_page()'s `if (!trylock_page(page)) goto out;` (mainline
  ///   `folio_trylock()`): a `swap-out` or `migrate` holds the page lock (shrink_page_list(),
  ///   __unmap_and_move(); the model takes it as held for the whole operation);
  /// - write_protect_page()'s `if (page_mapcount(page) + 1 + swapped != page_count(page)) goto
  ///   out_unlock;` ("Check that no O_DIRECT or similar I/O is in progress on the page"): the
  ///   caller's reference of a walk (``Page/isHeld``). The test is made only for a PTE that
  ///   write_protect_page() must write-protect: 2.6.34 and 2.6.36 `if (pte_write(*ptep))`; 6.1
  ///   and mainline `if (pte_write(...) || pte_dirty(...) || anon_exclusive || ...)`, so a
  ///   read-only PTE is merged in 2.6.x, and in 6.x a clean (``Page/cleanPTEs``) read-only one
  ///   of a page that is not exclusive.
  ///
  /// A refusal sets `bail`: the merge's later steps do not run.
  ///
  /// `try_to_merge_one_page()` and `write_protect_page()`, mm/ksm.c; 2.6.34, 2.6.36, 6.1 and mainline.
  mutating func ksmRefusal(
    _ page: PageID, process p: ProcessID, vpage v: Int, cpu c: Int, then: [Instr] = [], undo: String = ""
  ) -> InstrResult? {
    let place = "\(pg(page)) at \(locationName(process: p, vpage: v))"
    if let holder = pageLockHolder(page, other: c) {
      cpus[c].regs.bail = true
      let trylock = kernel == .mainline ? "folio_trylock" : "trylock_page"
      return emit(
        c, "try_to_merge_one_page",
        "\(trylock) fails: cpu\(holder)'s \(cpus[holder].op ?? "operation") holds the page lock of \(place): "
          + "not merged" + undo,
        objects: [.page(page), .process(p)], then: then)
    }
    guard self[page: page].isHeld, case .page(_, let writable)? = self[process: p].ptes[v] else { return nil }
    let pg = self[page: page]
    let tested = kernel.isModern ? writable || !pg.cleanPTEs || pg.anonExclusive : writable
    guard tested else { return nil }
    cpus[c].regs.bail = true
    return emit(
      c, "write_protect_page",
      "\(place) is held by another CPU's operation (page_count > mapcount + 1 + swapped): not merged" + undo,
      objects: [.page(page), .process(p)], then: then)
  }

  /// The CPU other than `c` whose `swap-out` or `migrate` of `page` is under way: it holds the
  /// page's lock.
  func pageLockHolder(_ page: PageID, other c: Int) -> Int? {
    let locking: [Operation.Keyword] = [.swapOut, .migrate]
    return cpus.indices.first { i in
      guard i != c, cpus[i].state != .idle, let op = cpus[i].op,
        locking.contains(where: { op.hasPrefix($0.rawValue + " ") })
      else { return false }
      var names = false
      cpus[i].forEachPage { names = names || $0 == page }
      return names
    }
  }

  /// try_to_merge_one_page(): the first page becomes the KSM page (write-protected), unless
  /// ``ksmRefusal(_:process:vpage:cpu:then:undo:)`` refuses it.
  ///
  /// `try_to_merge_one_page()`, mm/ksm.c; 2.6.34, 2.6.36 and 6.x.
  mutating func ksmMergeOne(process p: ProcessID, vpage v: Int, cpu c: Int) throws(SimError) -> InstrResult {
    guard let page = page(process: p, vpage: v) else { throw SimError("internal: ksm") }
    cpus[c].regs.bail = false
    if let refusal = ksmRefusal(page, process: p, vpage: v, cpu: c) { return refusal }
    let node = nextStableNodeID
    stableNodes.append(StableNode(id: node, page: page, items: [], alive: true))
    self[page: page].mapping = .ksm(node)
    // write_protect_page(): page_try_share_anon_rmap() clears PageAnonExclusive (6.x).
    self[page: page].anonExclusive = false
    setPTE(p, v, .page(page, writable: false))
    cpus[c].regs.node = node
    return emit(
      c, "try_to_merge_one_page",
      "\(pg(page)) at \(locationName(process: p, vpage: v)) becomes KSM page K\(node)",
      objects: [.page(page), .process(p), .stableNode(node)])
  }

  /// try_to_merge_with_ksm_page() → replace_page(): point the second mapping at the KSM page.
  ///
  /// `replace_page()`, mm/ksm.c; 2.6.34, 2.6.36 and 6.x.
  mutating func ksmReplacePage(process p: ProcessID, vpage v: Int, first: (ProcessID, Int)?, cpu c: Int)
    throws(SimError) -> InstrResult
  {
    guard let node = cpus[c].regs.node, let old = page(process: p, vpage: v) else {
      throw SimError("internal: ksm")
    }
    let kpage = self[stableNode: node].page
    if old == kpage {
      setPTE(p, v, .page(kpage, writable: false))
      return emit(c, "try_to_merge_with_ksm_page", "already maps K\(node)", objects: [.stableNode(node)])
    }
    // try_to_merge_two_pages(): "If that fails, we have a ksm page with only one pte pointing
    // to it: so break it." break_cow() drops the first rmap_item's anon_vma reference, then
    // break_ksm() gives the first mapping its own copy.
    let undo: [Instr] =
      first.map {
        [
          .removeRmapItem(node: node, process: $0.0, address: $0.1, breakCOW: true),
          .ksmUnmergeCopy(process: $0.0, vpage: $0.1),
        ]
      }
      ?? []
    let undoText = first.map { "; break_cow undoes the merge of \(locationName(process: $0.0, vpage: $0.1))" } ?? ""
    if let refusal = ksmRefusal(old, process: p, vpage: v, cpu: c, then: undo, undo: undoText) {
      return refusal
    }
    setPTE(p, v, .page(kpage, writable: false))
    self[page: kpage].mapcount += 1
    let freed = putPageMapping(old)
    return emit(
      c, "replace_page",
      "\(locationName(process: p, vpage: v)) now maps K\(node) (\(pg(kpage)))"
        + (freed ? "; \(pg(old)) freed" : ""),
      objects: [.process(p), .stableNode(node), .page(kpage)] + (freed ? [.page(old)] : []))
  }

  /// hold_anon_vma(): the rmap_item takes a reference on vma->anon_vma.
  ///
  /// `hold_anon_vma()`, mm/ksm.c (2.6.34, 2.6.36); get_anon_vma() in 6.x; 2.6.34, 2.6.36 and 6.x.
  mutating func holdAnonVMA(
    process p: ProcessID, vpage v: Int, node nodeVal: Val<StableNode>, cpu c: Int
  ) throws(SimError) -> InstrResult {
    let node = try value(nodeVal, cpu: c)
    guard let vma = vmaContaining(process: p, vpage: v), let a = vmas[vma]?.anonVMA else {
      throw SimError("internal: ksm without anon_vma")
    }
    if self[stableNode: node].items.contains(where: { $0.process == p && $0.address == v }) {
      return emit(c, "stable_tree_append", "rmap_item already on K\(node)", objects: [.stableNode(node)])
    }
    self[stableNode: node].items.append(
      RmapItem(process: p, address: v, vmaName: vmaName(vma), anonVMA: a))
    let before = self[anonVMA: a].refcount
    touchAnonVMA(a)
    self[anonVMA: a].refcount += 1
    return emit(
      c, kernel.isModern ? "try_to_merge_with_ksm_page" : "hold_anon_vma",
      "rmap_item(\(locationName(process: p, vpage: v))) on K\(node) refs \(av(a))"
        + (kernel.isModern ? " (get_anon_vma)" : "") + ": \(counterName) \(before)→\(before + 1)",
      objects: [.process(p), .stableNode(node), .anonVMA(a)])
  }

  /// The KSM page's stable node enters the stable tree.
  ///
  /// `stable_tree_insert()`, mm/ksm.c; 2.6.34, 2.6.36 and 6.x.
  mutating func stableTreeInsert(cpu c: Int) -> InstrResult {
    let node = cpus[c].regs.node ?? 0
    return emit(
      c, "stable_tree_insert",
      "K\(node) in the stable tree with \(self[stableNode: node].items.count) rmap_item(s)",
      objects: [.stableNode(node)])
  }

  /// Merges a further page into an existing KSM page (`node` register).
  ///
  /// `try_to_merge_with_ksm_page()`, mm/ksm.c; 2.6.34, 2.6.36 and 6.x.
  mutating func ksmMergeSecond(
    node nodeVal: Val<StableNode>, process p: ProcessID, vpage v: Int, cpu c: Int
  ) throws(SimError) -> InstrResult {
    let node = try value(nodeVal, cpu: c)
    cpus[c].regs.node = node
    cpus[c].regs.bail = false
    return .expand([
      .ksmReplacePage(process: p, vpage: v), .unlessBailed(.holdAnonVMA(process: p, vpage: v, node: .lit(node))),
    ])
  }

  /// remove_rmap_item_from_tree(): unhash the item, then drop its anon_vma reference. With
  /// `breakCOW`, the undo of a two-page merge whose second page was refused: break_cow() drops the
  /// reference of an rmap_item that never joined the stable tree ("It is not an accident that
  /// whenever we want to break COW to undo, we also need to drop a reference to the anon_vma").
  ///
  /// `remove_rmap_item_from_tree()` and `break_cow()`, mm/ksm.c; 2.6.34, 2.6.36 and 6.x.
  mutating func removeRmapItem(node: StableNodeID, process p: ProcessID, address: Int, breakCOW: Bool, cpu c: Int)
    -> InstrResult
  {
    let function = breakCOW ? "break_cow" : "remove_rmap_item_from_tree"
    guard let i = self[stableNode: node].items.firstIndex(where: { $0.process == p && $0.address == address })
    else { return emit(c, function, "gone") }
    let item = self[stableNode: node].items.remove(at: i)
    var text =
      breakCOW
      ? "the rmap_item of \(locationName(process: p, vpage: address)) leaves K\(node)"
      : "rmap_item of \(self[process: p].name) off K\(node)"
    let kpage = self[stableNode: node].page
    if self[stableNode: node].items.isEmpty, self[page: kpage].mapcount <= 0 {
      self[stableNode: node].alive = false
      // A KSM page an rmap walk's caller holds (``Page/callerRefs``) is freed by its put.
      if !self[page: kpage].isHeld {
        self[page: kpage].freed = true
        text += "; K\(node) (\(pg(kpage))) freed"
      } else {
        text += "; K\(node) gone, \(pg(kpage)) still held"
      }
    }
    return emit(
      c, function,
      text + ", drop \(av(item.anonVMA))",
      objects: [.process(p), .stableNode(node)] + (self[stableNode: node].alive ? [] : [.page(kpage)])
        + [.anonVMA(item.anonVMA)],
      then: [.ksmDropAnonVMA(anonVMA: item.anonVMA)])
  }

  /// break_ksm(): a fault that gives the mapping its own copy of the KSM page: a write fault in
  /// 2.6.x and 6.1 (`FAULT_FLAG_WRITE`), an unsharing fault in mainline (`FAULT_FLAG_UNSHARE`:
  /// wp_page_copy() maps the exclusive copy read-only and clean).
  ///
  /// `break_ksm()`, mm/ksm.c; 2.6.34, 2.6.36, 6.1 and mainline.
  mutating func ksmUnmergeCopy(process p: ProcessID, vpage v: Int, cpu c: Int) -> InstrResult {
    guard let vma = vmaContaining(process: p, vpage: v), case .page(let kpage, _) = self[process: p].ptes[v],
      ksmNode(of: kpage) != nil
    else {
      return .expand([
        .narrate(
          function: "break_ksm", text: "\(locationName(process: p, vpage: v)) no longer maps a KSM page",
          objects: [.process(p)])
      ])
    }
    return .expand([.anonVMAPrepare(vma: vma), .cowCopy(process: p, vpage: v, unshare: kernel == .mainline)])
  }
}
