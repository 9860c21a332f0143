/// One instruction of a CPU's program. "Call" instructions expand into further instructions
/// when they are reached (reading the state at that moment, as kernel code does); the others
/// are micro-steps, each emitting exactly one ``Event``.
public enum Instr: Sendable, Hashable {
  // `indirect` cases are boxed to keep `Instr` small: a CPU's program is an array of them,
  // copied with the world.

  // Operations and kernel functions that expand.
  indirect case op(Operation)
  case faultWrite(process: ProcessID, vpage: Int)
  case faultRead(process: ProcessID, vpage: Int)
  case doWPPage(process: ProcessID, vpage: Int)
  case doSwapPage(process: ProcessID, vpage: Int, write: Bool)
  case anonVMAPrepare(vma: VMAID)
  case prepAllocIfNone
  case prepPublish(vma: VMAID)
  case prepFinish(vma: VMAID)
  case anonVMAClone(dst: Val<VMA>, src: VMAID)
  case anonVMAChainLink(vma: VMAID, avc: Val<AVC>, anonVMA: Val<AnonVMA>)
  case anonVMAFork(child: VMAID, parent: VMAID)
  case dupVMA(parentVMA: VMAID, child: ProcessID)
  case anonVMAForkReg(parent: VMAID)
  case unlinkAnonVMAs(vma: VMAID)
  case anonVMAUnlink(avc: AVCID)
  case unlinkFreeIfEmpty(anonVMA: AnonVMAID)
  case dropAnonVMA(Val<AnonVMA>, transient: Bool)
  case dropFinish(anonVMA: AnonVMAID, root: AnonVMAID)
  case ksmDropAnonVMA(anonVMA: AnonVMAID)
  case splitVMA(vma: VMAID, at: Int, newBelow: Bool)
  indirect case vmaAdjust(AdjustArgs)
  indirect case vmaAdjustLocked(AdjustArgs, next: VMAID?, removeNext: Int, adjustNext: Int, importer: VMAID?)
  indirect case vmaAdjustRemove(AdjustArgs, next: VMAID, removeNext: Int)
  case dupMMAP(parent: ProcessID, child: String)
  case doMunmap(process: ProcessID, start: Int, end: Int)
  case splitAdjust(vma: VMAID, at: Int, newBelow: Bool)
  indirect case mprotectFixup(process: ProcessID, start: Int, end: Int, prot: Prot)
  /// `tryLock`: the walk's `rwc->try_lock` (6.x folio_referenced(): a contended trylock returns NULL).
  case pageLockAnonVMA(page: PageID, tryLock: Bool = false)
  case pageUnlockAnonVMA
  indirect case rmapWalkVisits(page: Val<Page>, anonVMA: Val<AnonVMA>, kind: WalkKind, origin: String)
  case ksmWalk(page: PageID, node: StableNodeID)
  case vmLockAnonVMA(anonVMA: AnonVMAID)
  case vmUnlockAnonVMA(anonVMA: AnonVMAID)
  case ksmMergeSecond(node: Val<StableNode>, process: ProcessID, vpage: Int)

  // Micro-steps.
  case lock(LockRef, LockMode)
  case unlock(LockRef)
  case allocAVC
  case allocAnonVMA(by: String)
  case findMergeableAnonVMA(vma: VMAID)
  case setVMAAnonVMA(vma: VMAID, anonVMA: Val<AnonVMA>, function: String)
  case linkSameVMA(vma: VMAID, avc: Val<AVC>, anonVMA: Val<AnonVMA>)
  case linkSameAnonVMA(avc: Val<AVC>, atTail: Bool)
  case setRootFromParent(anonVMA: Val<AnonVMA>, parentVMA: VMAID)
  case getAnonVMA(Val<AnonVMA>, transient: Bool)
  case listDelSameAnonVMA(avc: AVCID)
  case computeEmpty(anonVMA: AnonVMAID)
  case freeAVC(vma: VMAID, avc: AVCID)
  /// anon_vma_free(); `waited`: 6.x has already waited for the root rwsem (rwsem_is_locked()
  /// was true: anon_vma_lock_write() and anon_vma_unlock_write() ran), and frees at once.
  case freeAnonVMA(Val<AnonVMA>, waited: Bool = false)
  case decAndLockFast(anonVMA: AnonVMAID, transient: Bool)
  case decAndTest(anonVMA: AnonVMAID)
  case plainDecAndTest(anonVMA: AnonVMAID)
  case dropCheck(anonVMA: AnonVMAID)
  case doAnonymousPage(process: ProcessID, vpage: Int, zeroPage: Bool)
  /// do_wp_page()'s copy; `unshare`: a FAULT_FLAG_UNSHARE fault's (mainline break_ksm()), read-only.
  case cowCopy(process: ProcessID, vpage: Int, unshare: Bool = false)
  case pageMoveAnonRmap(process: ProcessID, vpage: Int)
  case mapZeroPage(process: ProcessID, vpage: Int)
  case noFault(process: ProcessID, vpage: Int, why: String)
  /// do_swap_page()'s mapping: `exclusive` is RMAP_EXCLUSIVE (the page may be written
  /// without a copy), `write` the fault's FAULT_FLAG_WRITE; the PTE is writable when both are.
  case swapInMap(process: ProcessID, vpage: Int, exclusive: Bool, write: Bool)
  case newMM(name: String, parent: ProcessID?)
  case copyVMA(parentVMA: VMAID, child: ProcessID)
  case copyVMAForSplit(vma: VMAID, at: Int, newBelow: Bool)
  case isolatePage(page: PageID)
  indirect case visitKSM(avc: AVCID, page: PageID, item: Int, node: StableNodeID, pass: Int)
  case copyPageRange(parentVMA: VMAID, childVMA: Val<VMA>)
  case mmapRegion(process: ProcessID, mapping: String, pages: Int, growsDown: Bool)
  /// mmap_region() at a fixed address: vma_merge_new_range() first, else a new VMA.
  case mmapRegionAt(process: ProcessID, mapping: String, pages: Int, base: Int)
  case exitMM(process: ProcessID)
  case detachVMAs(process: ProcessID, start: Int, end: Int)
  case zapVMA(vma: VMAID, start: Int, end: Int)
  case removeVMA(vma: VMAID)
  indirect case adjustBounds(AdjustArgs, next: VMAID?, adjustNext: Int)
  case adjustPgoff(vma: VMAID, pgoff: Int, next: VMAID?, adjustNext: Int)
  case adjustNextStart(next: VMAID, delta: Int)
  case adjustNextPgoff(next: VMAID, delta: Int)
  /// `byVMALink`: copy_vma()'s vma_link(), not the split's insert.
  case insertVMA(vma: VMAID, byVMALink: Bool)
  case unlinkNextVMA(vma: VMAID, next: VMAID)
  case setImporterAnonVMA(importer: VMAID, exporter: VMAID)
  /// `merged`: vma_merge() returned the VMA holding `start`, which takes the new flags whole.
  indirect case changeProtection(process: ProcessID, start: Int, end: Int, prot: Prot, merged: Bool)
  /// The next turn of sys_mprotect()'s loop after the VMA that ends the changed part at `after`.
  indirect case mprotectNext(process: ProcessID, after: Int, end: Int, prot: Prot)
  case readPageMapping(page: PageID)
  case recheckMapped(page: PageID)
  case visitVMA(avc: AVCID, page: PageID, kind: WalkKind)
  case ksmUnmergeCopy(process: ProcessID, vpage: Int)
  case finishWalk
  /// An `rmap` walk's end and its caller's put of the page (``World/finishWalkPutback(page:cpu:)``).
  case finishWalkPutback(page: PageID)
  case finishWalkKSM(page: PageID, origin: String)
  case addToSwap(page: PageID)
  case freePage(page: PageID, migrated: Bool)
  case moveToNewPage(page: PageID)
  case setAllLocksBit(anonVMA: AnonVMAID, value: Bool)
  case checkAllLocks(process: ProcessID, taken: Bool)
  /// try_to_merge_one_page() of the first page; refused (`bail`) when write_protect_page() finds
  /// it held by another operation.
  case ksmMergeOne(process: ProcessID, vpage: Int)
  case holdAnonVMA(process: ProcessID, vpage: Int, node: Val<StableNode>)
  /// replace_page() of a further page into the `node` register's KSM page; refused (`bail`) when
  /// write_protect_page() finds it held. `firstProcess`/`firstVPage`: the first page of a
  /// two-page merge, whose merge break_cow() undoes on refusal (nil: an existing KSM page).
  case ksmReplacePage(process: ProcessID, vpage: Int, firstProcess: ProcessID? = nil, firstVPage: Int = 0)
  case stableTreeInsert
  /// remove_rmap_item_from_tree(), or break_cow()'s drop when `breakCOW` (a refused merge's undo).
  case removeRmapItem(node: StableNodeID, process: ProcessID, address: Int, breakCOW: Bool = false)
  /// A micro-step that only tells: its event's function, text and the objects the text names.
  case narrate(function: String, text: String, objects: [ObjectRef] = [])

  // mremap (mm/mremap.c, Kernel/Linux2.6/World+MRemap.swift).
  indirect case mremapTo(MoveArgs)
  indirect case copyVMAForMove(MoveArgs)
  indirect case vmaLinkMoved(MoveArgs)
  indirect case movePageTablesCall(MoveArgs, merged: Bool)
  indirect case movePTEs(MoveArgs)
  indirect case dontUnmapComplete(MoveArgs, newVMA: VMAID)
  /// mainline vma_expand(): `dup_anon_vma(target, vmg->copied_from)` (61f67c230a5e).
  case dupAnonVMACopied(target: VMAID, copiedFrom: VMAID)

  // 6.x (mm/rmap.c with num_children/num_active_vmas and the interval tree).
  case clearVMAAnonVMA(vma: VMAID)
  case forkAfterClone(child: VMAID, parent: VMAID)
  case cloneReuseCheck(dst: VMAID, src: VMAID, anonVMA: AnonVMAID)
  case cloneFinish(dst: VMAID)
  case incParentChildren(Val<AnonVMA>)
  case treeRemove(avc: AVCID)
  /// unmap_and_move()'s first test (mainline migrate_folio_unmap()): `page_count(page) == 1`,
  /// only the isolation's reference left, ends the migration before the anon_vma is looked at.
  indirect case unmapAndMove(page: PageID, origin: String)
  /// unmap_and_move()'s check before it migrates: the page must still be mapped.
  indirect case migrateIfMapped(page: PageID, origin: String)
  /// Runs the instruction unless page_lock_anon_vma() returned NULL (the `bail` register).
  indirect case unlessBailed(Instr)
  /// Forgets a NULL from page_lock_anon_vma() (the next walk does not depend on it).
  case clearBail
  /// 6.x vma_complete(): anon_vma_interval_tree_post_update_vma() after a bounds change.
  case treeReinsert(vma: VMAID)
  case unlinkClearVMA(vma: VMAID)
  case unlinkSecondPass(vma: VMAID)
  case putAnonVMA(Val<AnonVMA>, transient: Bool)
  case putRoot(root: AnonVMAID)
  /// page_get_anon_vma() (6.1; folio_get_anon_vma() in mainline): page->mapping and page_mapped() under RCU.
  case pageGetAnonVMA(page: PageID)
  /// page_get_anon_vma(): `atomic_inc_not_zero(&anon_vma->refcount)`.
  case getAnonVMAIncNotZero(page: PageID)
  /// page_get_anon_vma(): page_mapped() again after the increment; put_anon_vma() and NULL if not.
  case getAnonVMARecheckMapped(page: PageID)
  /// folio_lock_anon_vma_read(): `down_read_trylock(&root_anon_vma->rwsem)`; the mapped re-check
  /// on success, the refcount slow path on failure.
  case folioTrylockRead(page: PageID, tryLock: Bool)
  /// folio_lock_anon_vma_read()'s slow path: `atomic_inc_not_zero(&anon_vma->refcount)`.
  case folioLockIncNotZero(page: PageID)
  /// folio_lock_anon_vma_read()'s slow path: folio_mapped() after the increment (put_anon_vma()
  /// and NULL if not), else rcu_read_unlock() and the blocking anon_vma_lock_read().
  case folioLockRecheckMapped(page: PageID)
  /// folio_lock_anon_vma_read()'s slow path with the lock: `atomic_dec_and_test(&anon_vma->refcount)`
  /// (the last reference: unlock, __put_anon_vma(), NULL).
  case folioLockDecAndTest

  // brk and stack growth (Kernel/Linux2.6/World+Stack.swift).
  /// sys_brk() + do_brk() / do_brk_flags(): grow the heap mapping by `pages` at its end.
  case doBrk(process: ProcessID, mapping: String, pages: Int)
  /// do_brk() without a merge: a new VMA for [start, start + pages).
  case brkNewVMA(process: ProcessID, mapping: String, start: Int, pages: Int)
  /// sys_brk()'s `set_brk: mm->brk = brk`: the mapping is `pages` longer.
  case setBrk(process: ProcessID, mapping: String, pages: Int)
  /// expand_downwards() after anon_vma_prepare(): lock, re-check, update, unlock.
  case expandDownwards(vma: VMAID, start: Int)
  /// expand_downwards(): `vma->vm_start = address;`.
  case stackSetStart(vma: VMAID, start: Int)
  /// expand_downwards(): `vma->vm_pgoff -= grow;`.
  case stackSetPgoff(vma: VMAID, grow: Int)
  // mainline (v7.0): the reworked anon_vma_clone()/anon_vma_fork() (Kernel/Mainline).
  /// anon_vma_clone(dst, src, operation), `fork` for VMA_OP_FORK.
  case anonVMACloneOp(dst: VMAID, src: VMAID, fork: Bool)
  /// check_anon_vma_clone()'s asserts (invariant C25).
  case cloneCheck(dst: VMAID, src: VMAID, fork: Bool)
  /// anon_vma_chain_alloc() + anon_vma_chain_assign() before the lock.
  case cloneAssign(dst: VMAID, anonVMA: AnonVMAID)
  /// The single locked section of anon_vma_clone().
  case cloneLinkLocked(dst: VMAID, src: VMAID, fork: Bool)
  case forkAfterCloneMainline(child: VMAID, parent: VMAID)
}

/// What a reverse-map walk does at each VMA.
public enum WalkKind: Sendable, Hashable {
  /// `page_referenced` / `rmap` op: look only.
  case look
  /// `try_to_unmap` for reclaim: replace the PTE by a swap entry.
  case unmapToSwap
  /// `try_to_unmap(TTU_MIGRATION)`: replace the PTE by a migration entry.
  case unmapToMigration
  /// `remove_migration_ptes`: map the new page.
  case removeMigration
}

/// A register an operation's micro-steps pass values through (a field of ``Registers``), typed
/// by the id it holds: `.reg(.vma)` is a `Val<VMA>` and cannot stand where an anon_vma is read.
public struct Reg<Object>: Sendable, Hashable {
  /// The register's name: which field of ``Registers`` it is.
  public enum Name: Sendable, Hashable {
    case vma
    case avc
    case anonVMA
    case page
    case newPage
    case node
    case root
  }
  public let name: Name
  @usableFromInline init(_ name: Name) { self.name = name }
}

extension Reg where Object == VMA {
  public static var vma: Reg { Reg(.vma) }
}

extension Reg where Object == AVC {
  public static var avc: Reg { Reg(.avc) }
}

extension Reg where Object == AnonVMA {
  public static var anonVMA: Reg { Reg(.anonVMA) }
  /// The root read once by page_lock_anon_vma.
  public static var root: Reg { Reg(.root) }
}

extension Reg where Object == Page {
  public static var page: Reg { Reg(.page) }
  public static var newPage: Reg { Reg(.newPage) }
}

extension Reg where Object == StableNode {
  public static var node: Reg { Reg(.node) }
}

/// An operand: a literal id or the value of a register when the micro-step runs, of one kind of
/// object (`Val<AnonVMA>` yields an ``AnonVMAID``).
public enum Val<Object>: Sendable, Hashable {
  case lit(ID<Object>)
  case reg(Reg<Object>)
}

/// What a micro-step locks: `anon_vma_lock(av)` (the root in 2.6.36), or an exact anon_vma.
public enum LockRef: Sendable, Hashable {
  case anonVMALock(Val<AnonVMA>)
  case exact(Val<AnonVMA>)
}

/// Parameters of `vma_adjust()`.
public struct AdjustArgs: Sendable, Hashable {
  public var vma: VMAID
  public var start: Int
  public var end: Int
  public var pgoff: Int
  public var insert: VMAID?
  /// mainline: `vmg->copied_from`, the VMA mremap's copy_vma() moves (vma_merge_copied_range(),
  /// 61f67c230a5e); vma_expand() duplicates its anon_vma into the target. nil elsewhere.
  public var copiedFrom: VMAID? = nil
}
