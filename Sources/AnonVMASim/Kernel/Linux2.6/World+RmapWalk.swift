// mm/rmap.c reverse-map walks: page_lock_anon_vma (2.6.34, the root-lock series and
// f18194275c39's re-check), the walk over an anon_vma's list (2.6.x) or interval tree (6.x).

extension World {
  /// The kernel function that reads page->mapping and locks the anon_vma for a walk:
  /// `page_lock_anon_vma()` in 2.6.34 and 2.6.36; `folio_lock_anon_vma_read()` in 6.1 and
  /// mainline (mm/rmap.c: renamed from page_lock_anon_vma_read() in 5.18; it takes the root's
  /// rwsem for read, `down_read_trylock(&root_anon_vma->rwsem)`, and re-checks folio_mapped()).
  var lockAnonVMAReadFunction: String { kernel.isModern ? "folio_lock_anon_vma_read" : "page_lock_anon_vma" }

  /// page_lock_anon_vma(): read page->mapping, lock anon_vma->root, re-check page_mapped. 6.1
  /// and mainline: folio_lock_anon_vma_read(), whose lock is a trylock with a refcount slow path
  /// (Kernel/Linux6/World+FolioLockAnonVMA.swift).
  ///
  /// `page_lock_anon_vma()`, mm/rmap.c; 2.6.34, 2.6.36; `folio_lock_anon_vma_read()` in 6.x.
  mutating func pageLockAnonVMA(page: PageID, tryLock: Bool, cpu c: Int) -> InstrResult {
    cpus[c].regs.bail = false
    if kernel == .v2_6_34 || has(.rootReread) {
      // 2.6.34 locks the anon_vma's own lock; the pre-f18194275c39 code locked anon_vma->root
      // as re-read at lock time and did not re-check page_mapped.
      return .expand([.readPageMapping(page: page), .unlessBailed(.lock(.anonVMALock(.reg(.anonVMA)), readMode))])
    }
    // 6.1 and mainline: folio_lock_anon_vma_read()'s trylock of the root read once, and its
    // refcount slow path when the trylock fails (``folioTrylockRead(page:cpu:)``).
    if kernel.isModern {
      return .expand([.readPageMapping(page: page), .unlessBailed(.folioTrylockRead(page: page, tryLock: tryLock))])
    }
    // 2.6.36: lock the root read once, then re-check that the page is still mapped.
    return .expand([
      .readPageMapping(page: page), .unlessBailed(.lock(.exact(.reg(.root)), readMode)),
      .unlessBailed(.recheckMapped(page: page)),
    ])
  }

  /// page_unlock_anon_vma(): unlock what page_lock_anon_vma() locked (nothing if it returned NULL).
  ///
  /// `page_unlock_anon_vma()`, mm/rmap.c; 2.6.34, 2.6.36 and 6.x.
  mutating func pageUnlockAnonVMA(cpu c: Int) -> InstrResult {
    if regs(c).bail { return .expand([]) }
    if kernel == .v2_6_34 || has(.rootReread) { return .expand([.unlock(.anonVMALock(.reg(.anonVMA)))]) }
    return .expand([.unlock(.exact(.reg(.root)))])
  }

  /// page_lock_anon_vma(): `rcu_read_lock(); anon_mapping = page->mapping; if (!page_mapped(page)) goto out;` (`bail`
  /// on NULL).
  ///
  /// `page_lock_anon_vma()`, mm/rmap.c; 2.6.34, 2.6.36 and 6.x.
  mutating func readPageMapping(page: PageID, cpu c: Int) throws(SimError) -> InstrResult {
    guard case .anon(let a) = self[page: page].mapping else {
      throw SimError("\(pg(page)) is not an anonymous page")
    }
    cpus[c].regs.anonVMA = a
    cpus[c].regs.page = page
    cpus[c].regs.root = lockTarget(of: a)
    guard self[page: page].mapcount > 0, !self[page: page].freed else {
      cpus[c].regs.bail = true
      return emit(c, lockAnonVMAReadFunction, "\(pg(page)) is not mapped: NULL", objects: [.page(page)])
    }
    cpus[c].regs.rcuPageLock = kernel != .v2_6_34 && !has(.rootReread)
    let rootText = kernel == .v2_6_34 ? "" : ", root \(av(lockTarget(of: a)))"
    return emit(
      c, lockAnonVMAReadFunction,
      "rcu_read_lock; \(pg(page))->mapping = \(av(a))\(rootText), page_mapped",
      objects: [.page(page), .anonVMA(a)] + (kernel == .v2_6_34 ? [] : [.anonVMA(lockTarget(of: a))]))
  }

  /// page_lock_anon_vma() after taking the lock (f18194275c39): still mapped, or unlock and return NULL.
  ///
  /// `page_lock_anon_vma()`, mm/rmap.c; 2.6.36 and 6.x.
  mutating func recheckMapped(page: PageID, cpu c: Int) -> InstrResult {
    cpus[c].regs.rcuPageLock = false
    if self[page: page].mapcount <= 0 || self[page: page].freed {
      cpus[c].regs.bail = true
      return emit(
        c, lockAnonVMAReadFunction,
        "\(pg(page)) no longer mapped after taking the lock: unlock the saved root, NULL", objects: [.page(page)],
        then: [.unlock(.exact(.reg(.root)))])
    }
    return emit(c, lockAnonVMAReadFunction, "\(pg(page)) still mapped after taking the lock", objects: [.page(page)])
  }

  /// The walk over the locked anon_vma: one visit per AVC (2.6.x: the whole list; 6.x: the interval tree's matches).
  ///
  /// `rmap_walk_anon() / try_to_unmap_anon() / page_referenced_anon()`, mm/rmap.c; 2.6.34, 2.6.36 and 6.x.
  mutating func rmapWalkVisits(
    page pageVal: Val<Page>, anonVMA avVal: Val<AnonVMA>, kind: WalkKind, origin: String, cpu c: Int
  ) throws(SimError) -> InstrResult {
    if regs(c).bail { return .expand([]) }
    let page = try value(pageVal, cpu: c)
    // Walk whatever anon_vma is in that memory now (after a reuse: the wrong one, D.7).
    let a = occupant(try value(avVal, cpu: c))
    cpus[c].regs.walk = RmapWalk(
      page: page, origin: origin, lock: lockTarget(of: a), locks: [lockTarget(of: a)],
      visited: [], skipped: [], anonVMA: a)
    // 2.6.x walks the whole same_anon_vma list and skips the VMAs the page's address falls
    // outside of; 6.x asks the interval tree (anon_vma_interval_tree_foreach over
    // [pgoff, pgoff]) and visits only the VMAs whose page offsets cover the page, in tree order.
    let order: [AVCID]
    if kernel.isModern {
      let index = self[page: page].index
      order = treeOrder(a).filter { id in
        guard let link = avcs[id], let v = vmas[link.vma] else { return true }
        return v.pgoff <= index && index < v.pgoff + v.pages
      }
    } else {
      order = self[anonVMA: a].head
    }
    return .expand(order.map { .visitVMA(avc: $0, page: page, kind: kind) })
  }

  /// The function that replaces a PTE with a migration entry, one VMA of the unmap walk (mm/rmap.c):
  /// 2.6.x's `try_to_unmap_one()` (try_to_unmap(page, TTU_MIGRATION)); 6.x's `try_to_migrate_one()`
  /// (try_to_migrate(), split from try_to_unmap() in 5.14).
  var unmapToMigrationFunction: String { kernel.isModern ? "try_to_migrate_one" : "try_to_unmap_one" }

  /// The function that reads one VMA's PTE for a referenced check (mm/rmap.c): 2.6.x's
  /// `page_referenced_one()`; 6.x's `folio_referenced_one()` (renamed with folio_referenced() in 5.18).
  var referencedOneFunction: String { kernel.isModern ? "folio_referenced_one" : "page_referenced_one" }

  /// One VMA of a walk: where the page would be, and what the walk does there.
  ///
  /// `vma_address()` + `try_to_unmap_one()` / `remove_migration_pte()` / `page_referenced_one()`
  /// (2.6.34, 2.6.36), mm/rmap.c, mm/migrate.c; 6.x: `try_to_migrate_one()` for migration and
  /// `folio_referenced_one()`.
  mutating func visitVMA(avc id: AVCID, page: PageID, kind: WalkKind, cpu c: Int) throws(SimError) -> InstrResult {
    guard let link = avcs[id], let vma = vmas[link.vma] else {
      return emit(c, "rmap_walk", "avc\(id) is gone", objects: [.avc(id)])
    }
    let address = vma.start + (self[page: page].index - vma.pgoff)
    let name = vmaName(link.vma)
    guard address >= vma.start, address < vma.end else {
      cpus[c].regs.walk?.skipped.append(name)
      return emit(
        c, "vma_address", "\(name): address of \(pg(page)) falls outside: skip", objects: [.vma(link.vma), .page(page)])
    }
    cpus[c].regs.walk?.visited.append(name)
    let p = vma.process
    var action = "visit"
    var found = "no pte"
    switch (kind, self[process: p].ptes[address]) {
    case (.unmapToSwap, .page(let pp, _)) where pp == page:
      guard let slot = self[page: page].swapSlot else { throw SimError("internal: no slot") }
      setPTE(p, address, .swap(slot))
      self[swapSlot: slot].count += 1
      self[page: page].mapcount -= 1
      // 6.x try_to_unmap_one(): page_try_share_anon_rmap() clears PageAnonExclusive and
      // pte_swp_mkexclusive() keeps it in the swap PTE (mainline: folio_try_share_anon_rmap_pte()).
      let exclusive = self[page: page].anonExclusive
      self[swapSlot: slot].exclusive = exclusive
      self[page: page].anonExclusive = false
      action = "try_to_unmap_one: PTE → swap entry \(slot)" + (exclusive ? " (exclusive)" : "")
      found = "unmapped"
    case (.unmapToMigration, .page(let pp, let w)) where pp == page:
      setPTE(p, address, .migration(page, writable: w))
      self[page: page].mapcount -= 1
      action = "\(unmapToMigrationFunction): PTE → migration entry"
      found = "unmapped"
    case (.removeMigration, .migration(let old, let w)):
      if let new = cpus[c].regs.newPage, old == cpus[c].regs.page {
        setPTE(p, address, .page(new, writable: w))
        self[page: new].mapcount += 1
        action = "remove_migration_pte: maps \(pg(new))"
        found = "remapped"
      }
    case (.look, .page(let pp, _)) where pp == page:
      action = "\(referencedOneFunction): maps it"
      found = "maps"
    case (.look, _):
      action = "\(referencedOneFunction): does not map it"
    default:
      action = "no matching PTE there: nothing to do"
    }
    cpus[c].regs.walk?.found[name] = found
    return emit(
      c, "rmap_walk",
      "\(name) at \(locationName(process: p, vpage: address)): \(action)",
      objects: [.vma(link.vma), .process(p)] + (found == "remapped" ? regs(c).newPage.map { [.page($0)] } ?? [] : []))
  }

  /// The walk's end: records what it visited and skipped (`lastWalk`).
  ///
  /// `rmap_walk()`, mm/rmap.c; 2.6.34, 2.6.36 and 6.x.
  mutating func finishWalk(cpu c: Int) -> InstrResult {
    let (text, objects) = endWalk(cpu: c)
    return emit(c, "rmap_walk", text, objects: objects)
  }

  /// The end of an `rmap` walk, as ``finishWalk(cpu:)``, and its caller, reclaim, putting the
  /// page back on the LRU: the reference its isolation took (``Page/callerRefs``) is dropped,
  /// and a page unmapped meanwhile (an exit zapped its last PTE) is freed now, not by the zap:
  /// the walker read a page that was still allocated. One micro-step: the put touches only the
  /// page.
  ///
  /// mm/vmscan.c: after page_referenced() (shrink_active_list()), 2.6.34 and 2.6.36
  /// `move_active_pages_to_lru()`: `if (put_page_testzero(page))` the page is freed; 6.1
  /// `move_pages_to_lru()`, mainline `move_folios_to_lru()` alike.
  mutating func finishWalkPutback(page: PageID, cpu c: Int) throws(SimError) -> InstrResult {
    let (text, objects) = endWalk(cpu: c)
    try dropCallerRef(page)
    let freed = freeIfUnused(page)
    let put =
      switch kernel {
      case .v2_6_34, .v2_6_36: "move_active_pages_to_lru"
      case .v6: "move_pages_to_lru"
      case .mainline: "move_folios_to_lru"
      }
    return emit(
      c, "rmap_walk",
      text + (freed ? "; \(put) puts reclaim's reference to \(pg(page)), the last: \(pg(page)) freed" : ""),
      objects: objects + (freed ? [.page(page)] : []))
  }

  /// Drops one caller's reference (``Page/callerRefs``); none held is the model's own error.
  mutating func dropCallerRef(_ page: PageID) throws(SimError) {
    guard self[page: page].callerRefs > 0 else {
      throw SimError("internal: \(pg(page)) is put by an operation that holds no reference to it")
    }
    self[page: page].callerRefs -= 1
  }

  /// What a walk's end records (`lastWalk`) and says: the visited and skipped VMAs, or that
  /// page_lock_anon_vma() returned NULL. Text and objects are worked out only when the world
  /// narrates.
  private mutating func endWalk(cpu c: Int) -> (text: String, objects: [ObjectRef]) {
    if regs(c).bail {
      return (narrating.value ? "\(lockAnonVMAReadFunction) returned NULL: no walk" : "", [])
    }
    var walk = cpus[c].regs.walk
    walk?.step = step
    lastWalk = walk
    guard narrating.value else { return ("", []) }
    // The walk records the VMAs by name (RmapWalk.visited): the VMAs of those names now. One
    // freed meanwhile (its process exited while the walk ran) is named as such.
    var objects: [ObjectRef] = []
    func listed(_ names: [String]) -> String {
      names.map { name in
        guard let id = vmas.keys.first(where: { vmaName($0) == name }) else { return name + " (freed since)" }
        objects.append(.vma(id))
        return name
      }.joined(separator: ", ")
    }
    let text =
      walk.map { w in
        "visited \(w.visited.isEmpty ? "none" : listed(w.visited))"
          + (w.skipped.isEmpty ? "" : "; skipped \(listed(w.skipped))")
      } ?? "no walk"
    return (text, objects)
  }

  ///
  /// `page_lock_anon_vma()`, mm/rmap.c; 2.6.34, 2.6.36 and 6.x.
  mutating func unlessBailed(_ instr: Instr, cpu c: Int) -> InstrResult {
    .expand(regs(c).bail ? [] : [instr])
  }

  ///
  /// `page_lock_anon_vma()`, mm/rmap.c; 2.6.34, 2.6.36 and 6.x.
  mutating func clearBail(cpu c: Int) -> InstrResult {
    cpus[c].regs.bail = false
    return .expand([])
  }
}

extension CPU {
  /// The reverse-map walk this CPU is in the middle of: begun (its VMAs are being visited) and
  /// not yet ended (`finishWalk` pending). `regs.walk` keeps a walk after it ended, and until the
  /// next walk begins: a CPU idle after `rmap`, or waiting for the lock of its next walk, is not
  /// walking.
  public var walkInProgress: RmapWalk? {
    guard state != .idle, let walk = regs.walk else { return nil }
    var ends = false
    for instr in pending {
      switch instr {
      case .rmapWalkVisits, .ksmWalk: return nil
      case .finishWalk, .finishWalkKSM, .finishWalkPutback: ends = true
      default: continue
      }
    }
    return ends ? walk : nil
  }
}
