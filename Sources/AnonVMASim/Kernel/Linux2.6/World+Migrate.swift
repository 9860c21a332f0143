// mm/migrate.c and reclaim (mm/vmscan.c, mm/swap_state.c): unmap_and_move, move_to_new_page,
// add_to_swap, __remove_mapping. Every version, the migration's anon_vma pin per version:
// page_lock_anon_vma() in 2.6.36, folio_get_anon_vma() without the lock in 6.1 and mainline.

extension World {
  /// Gives the page a swap slot before reclaim unmaps it.
  ///
  /// `add_to_swap()`, mm/swap_state.c; 2.6.34, 2.6.36 and 6.1. Mainline: shrink_folio_list()
  /// calls `folio_alloc_swap()` (mm/swapfile.c; add_to_swap() removed in "mm, swap: simplify
  /// folio swap allocation", 6.15).
  mutating func addToSwap(page: PageID, cpu c: Int) -> InstrResult {
    let slot = nextSwapSlotID
    swapSlots.append(SwapSlot(id: slot, count: 0, cached: page))
    self[page: page].swapSlot = slot
    return emit(
      c, kernel == .mainline ? "folio_alloc_swap" : "add_to_swap", "\(pg(page)) gets swap slot \(slot)",
      objects: [.page(page)])
  }

  /// The end of reclaim or migration: the old page leaves the swap cache and is freed if unused.
  ///
  /// Reclaim: `__remove_mapping()`, mm/vmscan.c; 2.6.34, 2.6.36 and 6.x. Migration (`migrated`),
  /// mm/migrate.c: 2.6.x unmap_and_move()'s `putback_lru_page(page)` ("A page that has been
  /// migrated has all references removed and will be freed"); 6.1 unmap_and_move()'s
  /// `put_page(page)`; mainline migrate_folio_done()'s `folio_put(src)`.
  mutating func freePage(page: PageID, migrated: Bool, cpu c: Int) throws(SimError) -> InstrResult {
    if let slot = self[page: page].swapSlot {
      self[swapSlot: slot].cached = nil
      self[page: page].swapSlot = nil
    }
    self[page: page].pinned = false
    try dropCallerRef(page)
    let freed = freeIfUnused(page)
    let state = freed ? "\(pg(page)) freed" : "\(pg(page)) still in use"
    guard migrated else { return emit(c, "__remove_mapping", state, objects: [.page(page)]) }
    let (function, call) =
      switch kernel {
      case .v2_6_34, .v2_6_36: ("unmap_and_move", "putback_lru_page")
      case .v6: ("unmap_and_move", "put_page")
      case .mainline: ("migrate_folio_done", "folio_put")
      }
    return emit(c, function, "\(call)(\(pg(page))): \(state)", objects: [.page(page)])
  }

  /// unmap_and_move()'s first test, before it looks at the anon_vma: `if (page_count(page) ==
  /// 1) { /* page was freed from under us. So we are done. */` (2.6.34 and 2.6.36 `goto
  /// move_newpage`, putback_lru_page(); 6.1 `goto out`, put_page(); mainline
  /// migrate_folio_unmap(): `folio_ref_count(src) == 1`, migrate_folio_done()). Only the
  /// isolation's reference is left when the page is unmapped, out of the swap cache and no other
  /// operation's caller holds it (``Page/callerRefs`` counts this migration's own). Otherwise the
  /// anon_vma as each version takes it: 2.6.34 under rcu_read_lock() in
  /// ``migrateIfMapped(page:origin:cpu:)``, 2.6.36 page_lock_anon_vma(), 6.x folio_get_anon_vma().
  ///
  /// `unmap_and_move()`, mm/migrate.c; 2.6.34, 2.6.36 and 6.1 (`migrate_folio_unmap()` in mainline).
  mutating func unmapAndMove(page: PageID, origin: String, cpu c: Int) -> InstrResult {
    let p = self[page: page]
    if p.mapcount <= 0, p.swapSlot == nil, p.callerRefs <= 1 {
      let (function, count) =
        kernel == .mainline ? ("migrate_folio_unmap", "folio_ref_count") : ("unmap_and_move", "page_count")
      return emit(
        c, function, "\(count)(\(pg(page))) == 1: freed from under us (unmapped meanwhile), nothing to migrate",
        objects: [.page(page)], then: [.freePage(page: page, migrated: true)])
    }
    let rest: Instr = .migrateIfMapped(page: page, origin: origin)
    switch kernel {
    case .v2_6_34: return .expand([rest])
    case .v2_6_36: return .expand([.pageLockAnonVMA(page: page), rest])
    case .v6, .mainline: return .expand([.pageGetAnonVMA(page: page), rest])
    }
  }

  /// unmap_and_move() (mm/migrate.c). 2.6.34: `rcu_read_lock(); if (!page_mapped(page)) goto
  /// rcu_unlock;` then try_to_unmap() through page_lock_anon_vma(), and after the copy
  /// remove_migration_ptes() through rmap_walk_anon(), which locks page_anon_vma(page) with no
  /// page_mapped() check and no reference: the anon_vma may be freed by then (D.11).
  /// 2.6.36: `anon_vma = page_lock_anon_vma(page); if (anon_vma) { get_anon_vma();
  /// page_unlock_anon_vma(); } else ... goto uncharge;` - the reference keeps it alive. That is
  /// 2.6.36.4 (the stable tree this model follows), which carries 1ce82b69e96c "mm: fix migration
  /// hangs on anon_vma lock" (Cc stable 2.6.36, 2.6.37); v2.6.36 itself took the reference with
  /// `page_anon_vma(page); get_anon_vma(anon_vma);` under rcu_read_lock(), without the lock.
  /// 6.1 and mainline: the reference was taken by ``pageGetAnonVMA(page:cpu:)`` without the lock;
  /// see ``migratePinned(page:origin:cpu:)``.
  ///
  /// `unmap_and_move()`, mm/migrate.c; 2.6.34, 2.6.36; `__unmap_and_move()` in 6.1.
  mutating func migrateIfMapped(page: PageID, origin: String, cpu c: Int) -> InstrResult {
    if kernel.isModern { return migratePinned(page: page, origin: origin, cpu: c) }
    let unmapped = kernel == .v2_6_34 ? self[page: page].mapcount <= 0 || self[page: page].freed : regs(c).bail
    if unmapped {
      let why =
        kernel == .v2_6_34 ? "no longer mapped: goto rcu_unlock" : "page_lock_anon_vma returned NULL: goto uncharge"
      return .expand([
        .narrate(function: "unmap_and_move", text: "\(pg(page)) \(why), nothing to migrate", objects: [.page(page)]),
        .freePage(page: page, migrated: true),
      ])
    }
    if kernel == .v2_6_34 {
      return .expand([
        .pageLockAnonVMA(page: page),
        .rmapWalkVisits(page: .lit(page), anonVMA: .reg(.anonVMA), kind: .unmapToMigration, origin: origin),
        .pageUnlockAnonVMA, .clearBail, .moveToNewPage(page: page),
        .lock(.anonVMALock(.reg(.anonVMA)), readMode),
        .rmapWalkVisits(page: .lit(page), anonVMA: .reg(.anonVMA), kind: .removeMigration, origin: origin),
        .unlock(.anonVMALock(.reg(.anonVMA))), .finishWalk, .freePage(page: page, migrated: true),
      ])
    }
    return .expand(
      [.getAnonVMA(.reg(.anonVMA), transient: true), .pageUnlockAnonVMA]
        + pinnedMigration(page: page, origin: origin) + [.dropAnonVMA(.reg(.anonVMA), transient: true)])
  }

  /// With the anon_vma pinned (the `anonVMA` register): the unmap walk, the copy, the remap walk,
  /// each under the root's lock (2.6.36's spinlock); the old page freed. 6.x locks the unmap walk
  /// through folio_lock_anon_vma_read() instead (``migratePinned(page:origin:cpu:)``).
  func pinnedMigration(page: PageID, origin: String) -> [Instr] {
    [
      .lock(.anonVMALock(.reg(.anonVMA)), readMode),
      .rmapWalkVisits(page: .lit(page), anonVMA: .reg(.anonVMA), kind: .unmapToMigration, origin: origin),
      .unlock(.anonVMALock(.reg(.anonVMA))), .moveToNewPage(page: page),
      .lock(.anonVMALock(.reg(.anonVMA)), readMode),
      .rmapWalkVisits(page: .lit(page), anonVMA: .reg(.anonVMA), kind: .removeMigration, origin: origin),
      .unlock(.anonVMALock(.reg(.anonVMA))), .finishWalk, .freePage(page: page, migrated: true),
    ]
  }

  /// 6.1 `__unmap_and_move()` after `anon_vma = folio_get_anon_vma(src)` (mainline:
  /// `migrate_folio_unmap()`, folio_get_anon_vma()): with the reference, try_to_migrate()'s walk
  /// (`.anon_lock = folio_lock_anon_vma_read`: ``pageLockAnonVMA(page:cpu:)``'s trylock or
  /// refcount slow path, its own NULL when the page is no longer mapped, then no walk; the
  /// migration's pin keeps the slow path's reference from being the last), move_to_new_folio(),
  /// remove_migration_ptes()'s walk (rmap_walk(), the root rwsem for read), `put_anon_vma(anon_vma)`.
  /// NULL means the page was no longer mapped: `else if (page_mapped(page))` skips
  /// try_to_migrate(), `page_was_mapped` stays false, no walk and no put. (The kernel still copies
  /// the unmapped page with move_to_new_folio(); that touches no anon_vma and is not modelled.)
  ///
  /// `__unmap_and_move()`, mm/migrate.c; 6.1 (`migrate_folio_unmap()` in mainline).
  mutating func migratePinned(page: PageID, origin: String, cpu c: Int) -> InstrResult {
    if regs(c).bail {
      return .expand([
        .narrate(
          function: unmapAndMoveFunction,
          text: "\(pg(page)): \(getAnonVMAFunction) returned NULL, not mapped: no try_to_migrate, nothing to remap",
          objects: [.page(page)]),
        .freePage(page: page, migrated: true),
      ])
    }
    // The pinned anon_vma, named from here on (folio_lock_anon_vma_read() reads folio->mapping
    // into the registers again; `anon_vma` in __unmap_and_move() is its own variable).
    guard let a = regs(c).anonVMA else {
      return .expand(pinnedMigration(page: page, origin: origin) + [.putAnonVMA(.reg(.anonVMA), transient: true)])
    }
    return .expand([
      .pageLockAnonVMA(page: page),
      .rmapWalkVisits(page: .lit(page), anonVMA: .reg(.anonVMA), kind: .unmapToMigration, origin: origin),
      .pageUnlockAnonVMA, .clearBail, .moveToNewPage(page: page),
      .lock(.anonVMALock(.lit(a)), readMode),
      .rmapWalkVisits(page: .lit(page), anonVMA: .lit(a), kind: .removeMigration, origin: origin),
      .unlock(.anonVMALock(.lit(a))), .finishWalk, .freePage(page: page, migrated: true),
      .putAnonVMA(.lit(a), transient: true),
    ])
  }

  /// The migration function that pins the anon_vma: `__unmap_and_move()` in 6.1,
  /// `migrate_folio_unmap()` in mainline (mm/migrate.c).
  var unmapAndMoveFunction: String { kernel == .mainline ? "migrate_folio_unmap" : "__unmap_and_move" }

  /// The function that takes a reference on a page's anon_vma without its lock (mm/rmap.c):
  /// `folio_get_anon_vma()` in 6.1 and mainline ("mm: convert folio_get_anon_vma() to
  /// folio_get_anon_vma()", merged for 6.1 with the folio conversion of __unmap_and_move()).
  var getAnonVMAFunction: String { "folio_get_anon_vma" }

  /// folio_get_anon_vma(), first part: `rcu_read_lock(); anon_mapping = (unsigned
  /// long)READ_ONCE(page->mapping); ... if (!page_mapped(page)) goto out;` (NULL: `bail`). No
  /// anon_vma lock: a writer holding the root's rwsem does not stop it.
  ///
  /// `folio_get_anon_vma()`, mm/rmap.c; 6.1 (`folio_get_anon_vma()` in mainline).
  mutating func pageGetAnonVMA(page: PageID, cpu c: Int) throws(SimError) -> InstrResult {
    guard case .anon(let a) = self[page: page].mapping else {
      throw SimError("\(pg(page)) is not an anonymous page")
    }
    cpus[c].regs.bail = false
    cpus[c].regs.anonVMA = a
    cpus[c].regs.page = page
    guard self[page: page].mapcount > 0, !self[page: page].freed else {
      cpus[c].regs.bail = true
      return emit(
        c, getAnonVMAFunction, "rcu_read_lock; \(pg(page)) is not mapped: NULL, no reference", objects: [.page(page)])
    }
    return emit(
      c, getAnonVMAFunction, "rcu_read_lock; \(pg(page))->mapping = \(av(a)), page_mapped; no lock taken",
      objects: [.page(page), .anonVMA(a)], then: [.getAnonVMAIncNotZero(page: page)])
  }

  /// folio_get_anon_vma(): `if (!atomic_inc_not_zero(&anon_vma->refcount)) { anon_vma = NULL; goto
  /// out; }`. A freed anon_vma's memory is still an anon_vma under rcu_read_lock()
  /// (SLAB_TYPESAFE_BY_RCU), with refcount 0: NULL. The reference is migration's pin.
  ///
  /// `folio_get_anon_vma()`, mm/rmap.c; 6.1 (`folio_get_anon_vma()` in mainline).
  mutating func getAnonVMAIncNotZero(page: PageID, cpu c: Int) throws(SimError) -> InstrResult {
    guard let a = regs(c).anonVMA else { throw SimError("internal: \(getAnonVMAFunction) read no anon_vma") }
    guard let before = pinIncNotZero(a) else {
      cpus[c].regs.bail = true
      return emit(
        c, getAnonVMAFunction, "atomic_inc_not_zero(\(av(a))->refcount) fails: refcount 0 (freed), NULL",
        objects: [.anonVMA(a)])
    }
    return emit(
      c, getAnonVMAFunction, "atomic_inc_not_zero: \(av(a)) refcount \(before)→\(before + 1) (pin for migration)",
      objects: [.anonVMA(a)], then: [.getAnonVMARecheckMapped(page: page)])
  }

  /// `atomic_inc_not_zero(&anon_vma->refcount)` taking a pin (counted in `pins`, as the refcount
  /// invariant expects): the refcount before, or nil, changing nothing, when the anon_vma is freed
  /// or its refcount is 0 (a freed anon_vma's memory is still an anon_vma under RCU,
  /// SLAB_TYPESAFE_BY_RCU). folio_get_anon_vma() and folio_lock_anon_vma_read()'s slow path.
  mutating func pinIncNotZero(_ a: AnonVMAID) -> Int? {
    let before = self[anonVMA: a].refcount
    guard self[anonVMA: a].alive, before > 0 else { return nil }
    touchAnonVMA(a)
    self[anonVMA: a].refcount += 1
    pins[a, default: 0] += 1
    return before
  }

  /// folio_get_anon_vma(): `if (!page_mapped(page)) { rcu_read_unlock(); put_anon_vma(anon_vma);
  /// return NULL; }` - unmapped, the anon_vma may have been freed and its memory reused by the
  /// one just pinned; otherwise `rcu_read_unlock()` and the anon_vma is returned pinned, unlocked.
  ///
  /// `folio_get_anon_vma()`, mm/rmap.c; 6.1 (`folio_get_anon_vma()` in mainline).
  mutating func getAnonVMARecheckMapped(page: PageID, cpu c: Int) throws(SimError) -> InstrResult {
    guard let a = regs(c).anonVMA else { throw SimError("internal: \(getAnonVMAFunction) read no anon_vma") }
    if self[page: page].mapcount <= 0 || self[page: page].freed {
      cpus[c].regs.bail = true
      return emit(
        c, getAnonVMAFunction, "\(pg(page)) no longer mapped: rcu_read_unlock, put_anon_vma(\(av(a))), NULL",
        objects: [.page(page), .anonVMA(a)], then: [.putAnonVMA(.lit(a), transient: true)])
    }
    return emit(
      c, getAnonVMAFunction, "\(pg(page)) still mapped: rcu_read_unlock; \(av(a)) pinned, not locked",
      objects: [.page(page), .anonVMA(a)])
  }

  /// The page is held for migration (pinned).
  ///
  /// `isolate_lru_page()`, mm/vmscan.c; 2.6.34, 2.6.36 and 6.1 (there a wrapper of
  /// `folio_isolate_lru()`, mm/folio-compat.c); mainline calls `folio_isolate_lru()` itself.
  mutating func isolatePage(page: PageID, cpu c: Int) -> InstrResult {
    self[page: page].pinned = true
    return emit(
      c, kernel == .mainline ? "folio_isolate_lru" : "isolate_lru_page", "\(pg(page)) held for migration",
      objects: [.page(page)])
  }

  /// Copies the page to a new one with the same mapping and index (`newPage` register).
  ///
  /// `move_to_new_page()`, mm/migrate.c; 2.6.34, 2.6.36. 6.x: `move_to_new_folio()` (converted in
  /// 5.19).
  mutating func moveToNewPage(page: PageID, cpu c: Int) -> InstrResult {
    let new = allocPage(mapping: self[page: page].mapping, index: self[page: page].index)
    // The migration entries keep PageAnonExclusive (readable_exclusive or writable), and
    // remove_migration_pte() sets it on the new page (RMAP_EXCLUSIVE).
    self[page: new].anonExclusive = self[page: page].anonExclusive
    // remove_migration_pte(): `if (pte_swp_dirty(*pvmw.pte)) pte = pte_mkdirty(pte)`.
    self[page: new].cleanPTEs = self[page: page].cleanPTEs
    cpus[c].regs.newPage = new
    cpus[c].regs.page = page
    return emit(
      c, kernel.isModern ? "move_to_new_folio" : "move_to_new_page",
      "copy \(pg(page)) → \(pg(new)), same mapping and index",
      objects: [.page(page), .page(new)])
  }
}
