/// An anonymous page.
public struct Page: Sendable, Hashable {
  public var id: PageID
  public var mapping: PageMapping
  /// `page->index`: the virtual page it was first mapped at (linear_page_index).
  public var index: Int
  public var mapcount: Int
  /// Held by migration while its PTEs are migration entries.
  public var pinned: Bool
  /// References held by the CPUs whose operation starts from this page (`migrate`, `swap-out`,
  /// `rmap`): the caller took the page off the LRU, which takes a reference (mm/vmscan.c:
  /// reclaim's `__isolate_lru_page()`, `get_page_unless_zero(page)`, 2.6.34 and 2.6.36, 6.x
  /// `isolate_lru_folios()`, `folio_try_get()`; migration's `isolate_lru_page()`, `get_page()`,
  /// 6.1 and mainline `folio_isolate_lru()`, `folio_get()`). An unmapped page stays allocated,
  /// its `page->mapping` as it was, until the last such reference is put (reclaim's
  /// ``World/finishWalkPutback(page:cpu:)``; migration's and swap-out's ``World/freePage(page:migrated:cpu:)``).
  public var callerRefs = 0

  /// Held beyond its mappings and swap cache (`page_count` raised): pinned by migration or by an
  /// operation's caller. Such a page is not freed, and 6.x does not reuse it on a write fault.
  public var isHeld: Bool { pinned || callerRefs > 0 }
  /// `PageAnonExclusive` (6.1 and mainline; always false in 2.6.x, which has no such flag):
  /// mapped by one process that may write it without copying. Set on a new page, a COW copy, a
  /// reuse (page_move_anon_rmap) and an exclusive swap-in; cleared when fork shares it
  /// (copy_present_pte(): page_try_dup_anon_rmap()) and when reclaim unmaps it to swap
  /// (try_to_unmap_one(): page_try_share_anon_rmap(), the swap PTE keeps it as
  /// ``SwapSlot/exclusive``); a migration's new page inherits it.
  public var anonExclusive = false
  /// Its PTEs are clean (not `pte_dirty`): it was mapped by a read fault's swap-in and not
  /// written since. Every other mapping the model makes is of a written page. 6.x
  /// write_protect_page() skips the count test for a clean, read-only, not exclusive PTE.
  public var cleanPTEs = false
  /// In the swap cache of this slot.
  public var swapSlot: SwapSlotID?
  public var freed: Bool
}

/// Where `page->mapping` points.
public enum PageMapping: Sendable, Hashable {
  case none
  case anon(AnonVMAID)
  case ksm(StableNodeID)
}

/// A swap slot holding a swapped-out page.
public struct SwapSlot: Sendable, Hashable {
  public var id: SwapSlotID
  /// PTEs that reference it.
  public var count: Int
  /// Page in the swap cache, if one was read back.
  public var cached: PageID?
  /// `pte_swp_exclusive()` of the swap PTE (6.1 and mainline; false in 2.6.x, which has no such
  /// bit): try_to_unmap_one() set it for a `PageAnonExclusive` page, so do_swap_page() may map
  /// the page writable whatever its page_count. Fork's copy_nonpresent_pte() clears it when it
  /// duplicates the entry, so an exclusive slot has one PTE.
  public var exclusive = false
}
