// mm/migrate.c and reclaim (mm/vmscan.c, mm/swap_state.c): unmap_and_move, move_to_new_page,
// add_to_swap, __remove_mapping. All three versions, the page_lock_anon_vma() rule per version.

extension World {
  /// Gives the page a swap slot before reclaim unmaps it.
  ///
  /// `add_to_swap()`, mm/swap_state.c; 2.6.34, 2.6.36 and 6.x.
  mutating func addToSwap(page: PageID, cpu c: Int) -> InstrResult {
    let slot = nextSwapSlotID
    swapSlots.append(SwapSlot(id: slot, count: 0, cached: page))
    self[page: page].swapSlot = slot
    return emit(c, "add_to_swap", "\(pg(page)) gets swap slot \(slot)", objects: [.page(page)])
  }

  /// The end of reclaim or migration: the old page leaves the swap cache and is freed if unused.
  ///
  /// `__remove_mapping()`, mm/vmscan.c; 2.6.34, 2.6.36 and 6.x.
  mutating func freePage(page: PageID, cpu c: Int) -> InstrResult {
    if let slot = self[page: page].swapSlot {
      self[swapSlot: slot].cached = nil
      self[page: page].swapSlot = nil
    }
    self[page: page].pinned = false
    let freed = freeIfUnused(page)
    return emit(c, "__remove_mapping", freed ? "\(pg(page)) freed" : "\(pg(page)) still in use", objects: [.page(page)])
  }

  /// unmap_and_move() (mm/migrate.c). 2.6.34: `rcu_read_lock(); if (!page_mapped(page)) goto
  /// rcu_unlock;` then try_to_unmap() through page_lock_anon_vma(), and after the copy
  /// remove_migration_ptes() through rmap_walk_anon(), which locks page_anon_vma(page) with no
  /// page_mapped() check and no reference: the anon_vma may be freed by then (D.11).
  /// 2.6.36 and 6.x: `anon_vma = page_lock_anon_vma(page); if (anon_vma) { get_anon_vma();
  /// page_unlock_anon_vma(); } else ... goto uncharge;` - the reference keeps it alive. That is
  /// 2.6.36.4 (the stable tree this model follows), which carries 1ce82b69e96c "mm: fix migration
  /// hangs on anon_vma lock" (Cc stable 2.6.36, 2.6.37); v2.6.36 itself took the reference with
  /// `page_anon_vma(page); get_anon_vma(anon_vma);` under rcu_read_lock(), without the lock.
  ///
  /// `unmap_and_move()`, mm/migrate.c; 2.6.34, 2.6.36 and 6.x.
  mutating func migrateIfMapped(page: PageID, origin: String, cpu c: Int) -> InstrResult {
    let unmapped = kernel == .v2_6_34 ? self[page: page].mapcount <= 0 || self[page: page].freed : regs(c).bail
    if unmapped {
      let why =
        kernel == .v2_6_34 ? "no longer mapped: goto rcu_unlock" : "page_lock_anon_vma returned NULL: goto uncharge"
      return .expand([
        .narrate(function: "unmap_and_move", text: "\(pg(page)) \(why), nothing to migrate", objects: [.page(page)]),
        .freePage(page: page),
      ])
    }
    if kernel == .v2_6_34 {
      return .expand([
        .pageLockAnonVMA(page: page),
        .rmapWalkVisits(page: .lit(page), anonVMA: .reg(.anonVMA), kind: .unmapToMigration, origin: origin),
        .pageUnlockAnonVMA, .clearBail, .moveToNewPage(page: page),
        .lock(.anonVMALock(.reg(.anonVMA)), readMode),
        .rmapWalkVisits(page: .lit(page), anonVMA: .reg(.anonVMA), kind: .removeMigration, origin: origin),
        .unlock(.anonVMALock(.reg(.anonVMA))), .finishWalk, .freePage(page: page),
      ])
    }
    return .expand([
      .getAnonVMA(.reg(.anonVMA), transient: true), .pageUnlockAnonVMA,
      .lock(.anonVMALock(.reg(.anonVMA)), readMode),
      .rmapWalkVisits(page: .lit(page), anonVMA: .reg(.anonVMA), kind: .unmapToMigration, origin: origin),
      .unlock(.anonVMALock(.reg(.anonVMA))), .moveToNewPage(page: page),
      .lock(.anonVMALock(.reg(.anonVMA)), readMode),
      .rmapWalkVisits(page: .lit(page), anonVMA: .reg(.anonVMA), kind: .removeMigration, origin: origin),
      .unlock(.anonVMALock(.reg(.anonVMA))), .finishWalk, .freePage(page: page),
      .dropAnonVMA(.reg(.anonVMA), transient: true),
    ])
  }

  /// The page is held for migration (pinned).
  ///
  /// `isolate_lru_page()`, mm/vmscan.c; 2.6.34, 2.6.36 and 6.x.
  mutating func isolatePage(page: PageID, cpu c: Int) -> InstrResult {
    self[page: page].pinned = true
    return emit(c, "isolate_lru_page", "\(pg(page)) held for migration", objects: [.page(page)])
  }

  /// Copies the page to a new one with the same mapping and index (`newPage` register).
  ///
  /// `move_to_new_page()`, mm/migrate.c; 2.6.34, 2.6.36 and 6.x.
  mutating func moveToNewPage(page: PageID, cpu c: Int) -> InstrResult {
    let new = allocPage(mapping: self[page: page].mapping, index: self[page: page].index)
    cpus[c].regs.newPage = new
    cpus[c].regs.page = page
    return emit(
      c, "move_to_new_page", "copy \(pg(page)) → \(pg(new)), same mapping and index",
      objects: [.page(page), .page(new)])
  }
}
