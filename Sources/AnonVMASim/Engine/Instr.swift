/// One instruction of a CPU's program. "Call" instructions expand into further instructions
/// when they are reached (reading the state at that moment, as kernel code does); the others
/// are micro-steps, each emitting exactly one ``Event``.
public enum Instr: Sendable, Hashable {
  // `indirect` cases are boxed to keep `Instr` small: a CPU's program is an array of them,
  // copied with the world.

  // Operations and kernel functions that expand.
  indirect case op(Operation)
  case faultWrite(process: Int, vpage: Int)
  case faultRead(process: Int, vpage: Int)
  case doWPPage(process: Int, vpage: Int)
  case doSwapPage(process: Int, vpage: Int, write: Bool)
  case anonVMAPrepare(vma: Int)
  case prepAllocIfNone
  case prepPublish(vma: Int)
  case prepFinish
  case anonVMAClone(dst: Val, src: Int)
  case anonVMAChainLink(vma: Int, avc: Val, anonVMA: Val)
  case anonVMAFork(child: Int, parent: Int)
  case dupVMA(parentVMA: Int, child: Int)
  case anonVMAForkReg(parent: Int)
  case unlinkAnonVMAs(vma: Int)
  case anonVMAUnlink(avc: Int)
  case unlinkFreeIfEmpty(anonVMA: Int)
  case dropAnonVMA(Val, transient: Bool)
  case dropFinish(anonVMA: Int, root: Int)
  case ksmDropAnonVMA(anonVMA: Int)
  case splitVMA(vma: Int, at: Int, newBelow: Bool)
  indirect case vmaAdjust(AdjustArgs)
  indirect case vmaAdjustLocked(AdjustArgs, next: Int?, removeNext: Int, adjustNext: Int, importer: Int?)
  indirect case vmaAdjustRemove(AdjustArgs, next: Int, removeNext: Int)
  case dupMMAP(parent: Int, child: String)
  case doMunmap(process: Int, start: Int, end: Int)
  case splitAdjust(vma: Int, at: Int, newBelow: Bool)
  indirect case mprotectFixup(process: Int, start: Int, end: Int, prot: Prot)
  case pageLockAnonVMA(page: Int)
  case pageUnlockAnonVMA
  indirect case rmapWalkVisits(page: Val, anonVMA: Val, kind: WalkKind, origin: String)
  case ksmWalk(page: Int, node: Int)
  case vmLockAnonVMA(anonVMA: Int)
  case vmUnlockAnonVMA(anonVMA: Int)
  case ksmMergeSecond(node: Val, process: Int, vpage: Int)

  // Micro-steps.
  case lock(LockRef, LockMode)
  case unlock(LockRef)
  case allocAVC
  case allocAnonVMA(by: String)
  case findMergeableAnonVMA(vma: Int)
  case setVMAAnonVMA(vma: Int, anonVMA: Val, function: String)
  case linkSameVMA(vma: Int, avc: Val, anonVMA: Val)
  case linkSameAnonVMA(avc: Val, atTail: Bool)
  case setRootFromParent(anonVMA: Val, parentVMA: Int)
  case getAnonVMA(Val, transient: Bool)
  case listDelSameAnonVMA(avc: Int)
  case computeEmpty(anonVMA: Int)
  case freeAVC(vma: Int, avc: Int)
  case freeAnonVMA(Val)
  case decAndLockFast(anonVMA: Int, transient: Bool)
  case decAndTest(anonVMA: Int)
  case plainDecAndTest(anonVMA: Int)
  case dropCheck(anonVMA: Int)
  case doAnonymousPage(process: Int, vpage: Int, zeroPage: Bool)
  case cowCopy(process: Int, vpage: Int)
  case pageMoveAnonRmap(process: Int, vpage: Int)
  case mapZeroPage(process: Int, vpage: Int)
  case noFault(process: Int, vpage: Int, why: String)
  case swapInMap(process: Int, vpage: Int, exclusive: Bool)
  case newMM(name: String, parent: Int?)
  case copyVMA(parentVMA: Int, child: Int)
  case copyVMAForSplit(vma: Int, at: Int, newBelow: Bool)
  case isolatePage(page: Int)
  indirect case visitKSM(avc: Int, page: Int, item: Int, node: Int, pass: Int)
  case copyPageRange(parentVMA: Int, childVMA: Val)
  case mmapRegion(process: Int, mapping: String, pages: Int, growsDown: Bool)
  case exitMM(process: Int)
  case detachVMAs(process: Int, start: Int, end: Int)
  case zapVMA(vma: Int, start: Int, end: Int)
  case removeVMA(vma: Int)
  indirect case adjustBounds(AdjustArgs, next: Int?, adjustNext: Int)
  case adjustPgoff(vma: Int, pgoff: Int, next: Int?, adjustNext: Int)
  case adjustNextStart(next: Int, delta: Int)
  case adjustNextPgoff(next: Int, delta: Int)
  case insertVMA(vma: Int)
  case unlinkNextVMA(vma: Int, next: Int)
  case setImporterAnonVMA(importer: Int, exporter: Int)
  /// `merged`: vma_merge() returned the VMA holding `start`, which takes the new flags whole.
  indirect case changeProtection(process: Int, start: Int, end: Int, prot: Prot, merged: Bool)
  /// The next turn of sys_mprotect()'s loop after the VMA that ends the changed part at `after`.
  indirect case mprotectNext(process: Int, after: Int, end: Int, prot: Prot)
  case readPageMapping(page: Int)
  case recheckMapped(page: Int)
  case visitVMA(avc: Int, page: Int, kind: WalkKind)
  case ksmUnmergeCopy(process: Int, vpage: Int)
  case finishWalk
  case finishWalkKSM(origin: String)
  case addToSwap(page: Int)
  case freePage(page: Int)
  case moveToNewPage(page: Int)
  case setAllLocksBit(anonVMA: Int, value: Bool)
  case checkAllLocks(process: Int, taken: Bool)
  case ksmMergeOne(process: Int, vpage: Int)
  case holdAnonVMA(process: Int, vpage: Int, node: Val)
  case ksmReplacePage(process: Int, vpage: Int)
  case stableTreeInsert
  case removeRmapItem(node: Int, process: Int, address: Int)
  case narrate(function: String, text: String)

  // 6.x (mm/rmap.c with num_children/num_active_vmas and the interval tree).
  case clearVMAAnonVMA(vma: Int)
  case forkAfterClone(child: Int, parent: Int)
  case cloneReuseCheck(dst: Int, src: Int, anonVMA: Int)
  case cloneFinish(dst: Int)
  case incParentChildren(Val)
  case treeRemove(avc: Int)
  /// unmap_and_move()'s check before it migrates: the page must still be mapped.
  indirect case migrateIfMapped(page: Int, origin: String)
  /// Runs the instruction unless page_lock_anon_vma() returned NULL (the `bail` register).
  indirect case unlessBailed(Instr)
  /// Forgets a NULL from page_lock_anon_vma() (the next walk does not depend on it).
  case clearBail
  /// 6.x vma_complete(): anon_vma_interval_tree_post_update_vma() after a bounds change.
  case treeReinsert(vma: Int)
  case unlinkClearVMA(vma: Int)
  case unlinkSecondPass(vma: Int)
  case putAnonVMA(Val, transient: Bool)
  case putRoot(root: Int)
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

/// A register an operation's micro-steps pass values through.
public enum Reg: Sendable, Hashable {
  case vma
  case avc
  case anonVMA
  case page
  case newPage
  case node
  case root
}

/// An operand: a literal id or the value of a register when the micro-step runs.
public enum Val: Sendable, Hashable {
  case lit(Int)
  case reg(Reg)
}

/// What a micro-step locks: `anon_vma_lock(av)` (the root in 2.6.36), or an exact anon_vma.
public enum LockRef: Sendable, Hashable {
  case anonVMALock(Val)
  case exact(Val)
}

/// Parameters of `vma_adjust()`.
public struct AdjustArgs: Sendable, Hashable {
  public var vma: Int
  public var start: Int
  public var end: Int
  public var pgoff: Int
  public var insert: Int?
}
