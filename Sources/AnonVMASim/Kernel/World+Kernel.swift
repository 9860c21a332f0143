// The kernel as micro-steps: `run` dispatches each instruction to the method that mirrors its
// kernel function, one line per instruction. The methods live by kernel source file:
// Kernel/Linux2.6 holds the 2.6.34 and 2.6.36 code (which 6.x shares unless overridden) and
// Kernel/Linux6 the 6.x rules; where 6.x differs the line below names both (`…V6`).

extension World {
  /// Runs one instruction on CPU `c`: a call expands into instructions, a micro-step emits one
  /// ``Event`` (see ``InstrResult``).
  mutating func run(_ instr: Instr, cpu c: Int) throws(SimError) -> InstrResult {
    switch instr {
    case .op(let op): return .expand(try expand(op, cpu: c))
    // MARK: Page faults (mm/memory.c)
    case .faultWrite(let p, let v): return try faultWrite(process: p, vpage: v, cpu: c)
    case .faultRead(let p, let v): return try faultRead(process: p, vpage: v, cpu: c)
    case .doWPPage(let p, let v): return try doWPPage(process: p, vpage: v, cpu: c)
    case .doSwapPage(let p, let v, let write): return try doSwapPage(process: p, vpage: v, write: write, cpu: c)
    case .doAnonymousPage(let p, let v, let zeroPage):
      return try doAnonymousPage(process: p, vpage: v, zeroPage: zeroPage, cpu: c)
    case .cowCopy(let p, let v, let unshare): return try cowCopy(process: p, vpage: v, unshare: unshare, cpu: c)
    case .pageMoveAnonRmap(let p, let v): return try pageMoveAnonRmap(process: p, vpage: v, cpu: c)
    case .mapZeroPage(let p, let v): return mapZeroPage(process: p, vpage: v, cpu: c)
    case .noFault(let p, let v, let why): return noFault(process: p, vpage: v, why: why, cpu: c)
    case .swapInMap(let p, let v, let exclusive, let write):
      return try swapInMap(process: p, vpage: v, exclusive: exclusive, write: write, cpu: c)
    // MARK: anon_vma_prepare (mm/rmap.c)
    case .anonVMAPrepare(let vma): return anonVMAPrepare(vma: vma, cpu: c)
    case .prepAllocIfNone: return prepAllocIfNone(cpu: c)
    case .prepPublish(let vma): return prepPublish(vma: vma, cpu: c)
    case .prepFinish(let vma):
      if kernel.isModern { return prepFinishV6(vma: vma, cpu: c) }
      return prepFinish(vma: vma, cpu: c)
    case .allocAVC: return allocAVC(cpu: c)
    case .allocAnonVMA(let by): return allocAnonVMA(by: by, cpu: c)
    case .findMergeableAnonVMA(let vma): return findMergeableAnonVMA(vma: vma, cpu: c)
    case .setVMAAnonVMA(let vma, let val, let function):
      return try setVMAAnonVMA(vma: vma, anonVMA: val, function: function, cpu: c)
    // MARK: Chains (mm/rmap.c)
    case .linkSameVMA(let vma, let avcVal, let avVal):
      return try linkSameVMA(vma: vma, avc: avcVal, anonVMA: avVal, cpu: c)
    case .linkSameAnonVMA(let avcVal, let atTail): return try linkSameAnonVMA(avc: avcVal, atTail: atTail, cpu: c)
    case .anonVMAClone(let dstVal, let src):
      if kernel == .mainline {
        return anonVMACloneMainline(dst: try value(dstVal, cpu: c), src: src, fork: false, cpu: c)
      }
      if kernel.isModern { return try anonVMACloneV6(dst: dstVal, src: src, cpu: c) }
      return try anonVMAClone(dst: dstVal, src: src, cpu: c)
    case .anonVMAChainLink(let vma, let avcVal, let avVal):
      if kernel.isModern { return try anonVMAChainLinkV6(vma: vma, avc: avcVal, anonVMA: avVal, cpu: c) }
      return try anonVMAChainLink(vma: vma, avc: avcVal, anonVMA: avVal, cpu: c)
    case .anonVMAFork(let child, let parent):
      if kernel == .mainline { return anonVMAForkMainline(child: child, parent: parent, cpu: c) }
      if kernel.isModern { return anonVMAForkV6(child: child, parent: parent, cpu: c) }
      return anonVMAFork(child: child, parent: parent, cpu: c)
    case .setRootFromParent(let avVal, let parentVMA):
      return try setRootFromParent(anonVMA: avVal, parentVMA: parentVMA, cpu: c)
    case .getAnonVMA(let val, let transient): return try getAnonVMA(val, transient: transient, cpu: c)
    case .dupMMAP(let parent, let child): return try dupMMAP(parent: parent, child: child, cpu: c)
    case .dupVMA(let pvma, let child): return dupVMA(parentVMA: pvma, child: child, cpu: c)
    case .anonVMAForkReg(let pvma): return try anonVMAForkReg(parent: pvma, cpu: c)
    case .newMM(let name, let parent): return newMM(name: name, parent: parent, cpu: c)
    case .copyVMA(let pvma, let child): return try copyVMA(parentVMA: pvma, child: child, cpu: c)
    case .copyPageRange(let pvma, let childVal): return try copyPageRange(parentVMA: pvma, childVMA: childVal, cpu: c)
    case .mmapRegionAt(let p, let name, let n, let base):
      return mmapRegionAt(process: p, mapping: name, pages: n, base: base, cpu: c)
    case .mmapRegion(let p, let name, let n, let growsDown):
      return mmapRegion(process: p, mapping: name, pages: n, growsDown: growsDown, cpu: c)
    // MARK: Exit and munmap (mm/mmap.c)
    case .exitMM(let p): return exitMM(process: p, cpu: c)
    case .doMunmap(let p, let start, let end): return doMunmap(process: p, start: start, end: end, cpu: c)
    case .detachVMAs(let p, let start, let end): return detachVMAs(process: p, start: start, end: end, cpu: c)
    case .zapVMA(let vma, let start, let end): return try zapVMA(vma: vma, start: start, end: end, cpu: c)
    case .removeVMA(let vma): return removeVMA(vma: vma, cpu: c)
    case .unlinkAnonVMAs(let vma):
      if kernel == .mainline { return unlinkAnonVMAsMainline(vma: vma, cpu: c) }
      if kernel.isModern { return unlinkAnonVMAsV6(vma: vma, cpu: c) }
      return unlinkAnonVMAs(vma: vma, cpu: c)
    case .anonVMAUnlink(let id): return try anonVMAUnlink(avc: id, cpu: c)
    case .listDelSameAnonVMA(let id): return try listDelSameAnonVMA(avc: id, cpu: c)
    case .computeEmpty(let a): return computeEmpty(anonVMA: a, cpu: c)
    case .unlinkFreeIfEmpty(let a):
      if kernel.isModern { return unlinkFreeIfEmptyV6(anonVMA: a, cpu: c) }
      return unlinkFreeIfEmpty(anonVMA: a, cpu: c)
    case .freeAVC(let vma, let id): return freeAVC(vma: vma, avc: id, cpu: c)
    case .freeAnonVMA(let val, let waited): return try freeAnonVMA(val, waited: waited, cpu: c)
    // MARK: drop_anon_vma (2.6.36 mm/rmap.c; 2.6.34 mm/ksm.c)
    case .dropAnonVMA(let val, let transient):
      if kernel.isModern { return dropAnonVMAV6(val, transient: transient, cpu: c) }
      return try dropAnonVMA(val, transient: transient, cpu: c)
    case .ksmDropAnonVMA(let a):
      if kernel.isModern { return ksmDropAnonVMAV6(anonVMA: a, cpu: c) }
      return ksmDropAnonVMA(anonVMA: a, cpu: c)
    case .plainDecAndTest(let a): return plainDecAndTest(anonVMA: a, cpu: c)
    case .decAndLockFast(let a, let transient): return decAndLockFast(anonVMA: a, transient: transient, cpu: c)
    case .decAndTest(let a): return decAndTest(anonVMA: a, cpu: c)
    case .dropCheck(let a): return dropCheck(anonVMA: a, cpu: c)
    case .dropFinish(let a, let root): return dropFinish(anonVMA: a, root: root, cpu: c)
    // MARK: Locks
    case .lock(let ref, let mode): return try lock(ref, mode, cpu: c)
    case .unlock(let ref): return try unlock(ref, cpu: c)
    // MARK: Split and merge (mm/mmap.c)
    case .splitVMA(let vma, let at, let newBelow): return splitVMA(vma: vma, at: at, newBelow: newBelow, cpu: c)
    case .copyVMAForSplit(let vma, let at, let newBelow):
      return try copyVMAForSplit(vma: vma, at: at, newBelow: newBelow, cpu: c)
    case .splitAdjust(let vma, let at, let newBelow):
      return try splitAdjust(vma: vma, at: at, newBelow: newBelow, cpu: c)
    case .vmaAdjust(let args): return try vmaAdjust(args, cpu: c)
    case .setImporterAnonVMA(let importer, let exporter):
      return setImporterAnonVMA(importer: importer, exporter: exporter, cpu: c)
    case .vmaAdjustLocked(let args, let next, let removeNext, let adjustNext, let importer):
      return try vmaAdjustLocked(
        args, next: next, removeNext: removeNext, adjustNext: adjustNext, importer: importer, cpu: c)
    case .adjustBounds(let args, let next, let adjustNext):
      return try adjustBounds(args, next: next, adjustNext: adjustNext, cpu: c)
    case .adjustPgoff(let id, let pgoff, let next, let adjustNext):
      return adjustPgoff(vma: id, pgoff: pgoff, next: next, adjustNext: adjustNext, cpu: c)
    case .adjustNextStart(let next, let delta): return try adjustNextStart(next: next, delta: delta, cpu: c)
    case .adjustNextPgoff(let next, let delta): return try adjustNextPgoff(next: next, delta: delta, cpu: c)
    case .insertVMA(let id, let byVMALink): return try insertVMA(vma: id, byVMALink: byVMALink, cpu: c)
    case .unlinkNextVMA(let vma, let next): return try unlinkNextVMA(vma: vma, next: next, cpu: c)
    case .vmaAdjustRemove(let args, let next, _): return vmaAdjustRemove(args, next: next, cpu: c)
    case .mprotectFixup(let p, let start, let end, let prot):
      return try mprotectFixup(process: p, start: start, end: end, prot: prot, cpu: c)
    case .mprotectNext(let p, let after, let end, let prot):
      return mprotectNext(process: p, after: after, end: end, prot: prot, cpu: c)
    case .changeProtection(let p, let start, let end, let prot, let merged):
      return changeProtection(process: p, start: start, end: end, prot: prot, merged: merged, cpu: c)
    // MARK: Reverse map walks (mm/rmap.c, mm/migrate.c, mm/vmscan.c)
    case .pageLockAnonVMA(let page, let tryLock): return pageLockAnonVMA(page: page, tryLock: tryLock, cpu: c)
    case .pageUnlockAnonVMA: return pageUnlockAnonVMA(cpu: c)
    case .readPageMapping(let page): return try readPageMapping(page: page, cpu: c)
    case .recheckMapped(let page): return recheckMapped(page: page, cpu: c)
    case .rmapWalkVisits(let pageVal, let avVal, let kind, let origin):
      return try rmapWalkVisits(page: pageVal, anonVMA: avVal, kind: kind, origin: origin, cpu: c)
    case .visitVMA(let id, let page, let kind): return try visitVMA(avc: id, page: page, kind: kind, cpu: c)
    case .finishWalk: return finishWalk(cpu: c)
    case .ksmWalk(let page, let node): return ksmWalk(page: page, node: node, cpu: c)
    case .visitKSM(let id, let page, let item, let node, let pass):
      return visitKSM(avc: id, page: page, item: item, node: node, pass: pass, cpu: c)
    case .finishWalkKSM(let page, let origin): return finishWalkKSM(page: page, origin: origin, cpu: c)
    case .finishWalkPutback(let page): return try finishWalkPutback(page: page, cpu: c)
    case .addToSwap(let page): return addToSwap(page: page, cpu: c)
    case .freePage(let page, let migrated): return try freePage(page: page, migrated: migrated, cpu: c)
    case .migrateIfMapped(let page, let origin): return migrateIfMapped(page: page, origin: origin, cpu: c)
    case .unmapAndMove(let page, let origin): return unmapAndMove(page: page, origin: origin, cpu: c)
    case .unlessBailed(let instr): return unlessBailed(instr, cpu: c)
    case .clearBail: return clearBail(cpu: c)
    case .isolatePage(let page): return isolatePage(page: page, cpu: c)
    case .moveToNewPage(let page): return moveToNewPage(page: page, cpu: c)
    // MARK: mm_take_all_locks (mm/mmap.c, with Andrea's 6/5)
    case .vmLockAnonVMA(let a): return vmLockAnonVMA(anonVMA: a, cpu: c)
    case .vmUnlockAnonVMA(let a): return vmUnlockAnonVMA(anonVMA: a, cpu: c)
    case .setAllLocksBit(let a, let value): return setAllLocksBit(anonVMA: a, value: value, cpu: c)
    case .checkAllLocks(let p, let taken): return checkAllLocks(process: p, taken: taken, cpu: c)
    // MARK: KSM (mm/ksm.c)
    case .ksmMergeOne(let p, let v): return try ksmMergeOne(process: p, vpage: v, cpu: c)
    case .ksmReplacePage(let p, let v, let fp, let fv):
      return try ksmReplacePage(process: p, vpage: v, first: fp.map { ($0, fv) }, cpu: c)
    case .holdAnonVMA(let p, let v, let nodeVal): return try holdAnonVMA(process: p, vpage: v, node: nodeVal, cpu: c)
    case .stableTreeInsert: return stableTreeInsert(cpu: c)
    case .ksmMergeSecond(let nodeVal, let p, let v):
      return try ksmMergeSecond(node: nodeVal, process: p, vpage: v, cpu: c)
    case .removeRmapItem(let node, let p, let address, let breakCOW):
      return removeRmapItem(node: node, process: p, address: address, breakCOW: breakCOW, cpu: c)
    case .ksmUnmergeCopy(let p, let v): return ksmUnmergeCopy(process: p, vpage: v, cpu: c)
    case .narrate(let function, let text, let objects):
      return narrate(function: function, text: text, objects: objects, cpu: c)
    // MARK: brk and stack growth (mm/mmap.c)
    case .doBrk(let p, let m, let n): return doBrk(process: p, mapping: m, pages: n, cpu: c)
    case .brkNewVMA(let p, let m, let start, let n):
      return brkNewVMA(process: p, mapping: m, start: start, pages: n, cpu: c)
    case .setBrk(let p, let m, let n): return setBrk(process: p, mapping: m, pages: n, cpu: c)
    case .expandDownwards(let vma, let start): return try expandDownwards(vma: vma, start: start, cpu: c)
    case .stackSetStart(let vma, let start): return try stackSetStart(vma: vma, start: start, cpu: c)
    case .stackSetPgoff(let vma, let grow): return stackSetPgoff(vma: vma, grow: grow, cpu: c)
    // MARK: mremap (mm/mremap.c)
    case .mremapTo(let m): return try mremapTo(m, cpu: c)
    case .copyVMAForMove(let m): return try copyVMAForMove(m, cpu: c)
    case .vmaLinkMoved(let m): return try vmaLinkMoved(m, cpu: c)
    case .movePageTablesCall(let m, let merged): return try movePageTablesCall(m, merged: merged, cpu: c)
    case .movePTEs(let m): return movePTEs(m, cpu: c)
    case .dontUnmapComplete(let m, let newVMA): return try dontUnmapComplete(m, newVMA: newVMA, cpu: c)
    case .dupAnonVMACopied(let target, let copiedFrom):
      return dupAnonVMACopied(target: target, copiedFrom: copiedFrom, cpu: c)

    // MARK: 6.x only (Kernel/Linux6)

    case .cloneReuseCheck(let dst, let src, let a) where kernel.isModern:
      return cloneReuseCheck(dst: dst, src: src, anonVMA: a, cpu: c)
    case .cloneFinish(let dst) where kernel.isModern: return cloneFinish(dst: dst, cpu: c)
    case .clearVMAAnonVMA(let vma) where kernel.isModern: return clearVMAAnonVMA(vma: vma, cpu: c)
    case .forkAfterClone(let child, let parent) where kernel.isModern:
      return forkAfterClone(child: child, parent: parent, cpu: c)
    case .incParentChildren(let val) where kernel.isModern: return try incParentChildren(val, cpu: c)
    case .treeRemove(let id) where kernel.isModern: return try treeRemove(avc: id, cpu: c)
    case .treeReinsert(let vma) where kernel.isModern: return treeReinsert(vma: vma, cpu: c)
    case .unlinkClearVMA(let vma) where kernel.isModern: return unlinkClearVMA(vma: vma, cpu: c)
    case .unlinkSecondPass(let vma) where kernel.isModern: return unlinkSecondPass(vma: vma, cpu: c)
    case .putAnonVMA(let val, let transient) where kernel.isModern:
      return try putAnonVMA(val, transient: transient, cpu: c)
    case .putRoot(let root) where kernel.isModern: return putRoot(root: root, cpu: c)
    case .pageGetAnonVMA(let page) where kernel.isModern: return try pageGetAnonVMA(page: page, cpu: c)
    case .getAnonVMAIncNotZero(let page) where kernel.isModern: return try getAnonVMAIncNotZero(page: page, cpu: c)
    case .getAnonVMARecheckMapped(let page) where kernel.isModern:
      return try getAnonVMARecheckMapped(page: page, cpu: c)
    case .folioTrylockRead(let page, let tryLock) where kernel.isModern:
      return try folioTrylockRead(page: page, tryLock: tryLock, cpu: c)
    case .folioLockIncNotZero(let page) where kernel.isModern: return try folioLockIncNotZero(page: page, cpu: c)
    case .folioLockRecheckMapped(let page) where kernel.isModern: return try folioLockRecheckMapped(page: page, cpu: c)
    case .folioLockDecAndTest where kernel.isModern: return try folioLockDecAndTest(cpu: c)

    // MARK: mainline only (Kernel/Mainline)

    case .anonVMACloneOp(let dst, let src, let fork) where kernel == .mainline:
      return anonVMACloneMainline(dst: dst, src: src, fork: fork, cpu: c)
    case .cloneCheck(let dst, let src, let fork) where kernel == .mainline:
      return cloneCheck(dst: dst, src: src, fork: fork, cpu: c)
    case .cloneAssign(let dst, let a) where kernel == .mainline: return cloneAssign(dst: dst, anonVMA: a, cpu: c)
    case .cloneLinkLocked(let dst, let src, let fork) where kernel == .mainline:
      return try cloneLinkLocked(dst: dst, src: src, fork: fork, cpu: c)
    case .forkAfterCloneMainline(let child, let parent) where kernel == .mainline:
      return try forkAfterCloneMainline(child: child, parent: parent, cpu: c)
    case .anonVMACloneOp, .cloneCheck, .cloneAssign, .cloneLinkLocked, .forkAfterCloneMainline:
      throw SimError("internal: a mainline micro-step in the \(kernel.rawValue) model")
    case .clearVMAAnonVMA, .forkAfterClone, .cloneReuseCheck, .cloneFinish, .incParentChildren,
      .treeRemove, .treeReinsert, .unlinkClearVMA, .unlinkSecondPass, .putAnonVMA, .putRoot, .pageGetAnonVMA,
      .getAnonVMAIncNotZero, .getAnonVMARecheckMapped, .folioTrylockRead, .folioLockIncNotZero, .folioLockRecheckMapped,
      .folioLockDecAndTest:
      throw SimError("internal: a 6.1/mainline micro-step in the \(kernel.rawValue) model")
    }
  }

  /// A micro-step that only tells what the kernel code decides (no state changes).
  mutating func narrate(function: String, text: String, objects: [ObjectRef], cpu c: Int) -> InstrResult {
    emit(c, function, text, objects: objects)
  }
}
