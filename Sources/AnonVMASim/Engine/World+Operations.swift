extension World {
  /// Expands a scene operation into the kernel calls it makes, at its first micro-step (names
  /// resolve against the world as it is then).
  mutating func expand(_ op: Operation, cpu c: Int) throws(SimError) -> [Instr] {
    try expand(resolve(op, at: .firstStep), cpu: c)
  }

  /// Expands a resolved operation into the kernel calls it makes.
  mutating func expand(_ op: ResolvedOperation, cpu c: Int) throws(SimError) -> [Instr] {
    switch op {
    case .spawn(let name):
      return [.newMM(name: name, parent: nil)]
    case .mmap(let pi, let m, let n, let g):
      return [.mmapRegion(process: pi, mapping: m, pages: n, growsDown: g)]
    case .mmapAfter(let pi, let m, let n, let after):
      return [.mmapRegionAt(process: pi, mapping: m, pages: n, base: after.base + after.pages)]
    case .touch(let pi, let mapping, let a, let b):
      return (a...b).map { .faultWrite(process: pi, vpage: mapping.base + $0) }
    case .read(let pi, let mapping, let a, let b):
      return (a...b).map { .faultRead(process: pi, vpage: mapping.base + $0) }
    case .fork(let pi, let child):
      return [.newMM(name: child, parent: pi), .dupMMAP(parent: pi, child: child)]
    case .exit(let pi):
      let list = self[process: pi].vmas
      var instrs: [Instr] = [.exitMM(process: pi)]
      instrs += list.map { .zapVMA(vma: $0, start: vmas[$0]?.start ?? 0, end: vmas[$0]?.end ?? 0) }
      instrs += list.map { .unlinkAnonVMAs(vma: $0) }
      instrs += list.map { .removeVMA(vma: $0) }
      return instrs
    case .munmap(let pi, let mapping, let a, let b):
      let start = mapping.base + (a ?? 0)
      let end = mapping.base + (b.map { $0 + 1 } ?? mapping.pages)
      return [.doMunmap(process: pi, start: start, end: end)]
    case .mprotect(let pi, let mapping, let a, let b, let prot):
      return [.mprotectFixup(process: pi, start: mapping.base + a, end: mapping.base + b + 1, prot: prot)]
    case .mremap(let pi, let mapping, let args, let neighbour):
      return try expandMRemap(process: pi, source: mapping, args: args, neighbour: neighbour)
    case .ksmMerge(let x, let y):
      if let node = ksmNode(of: x.page) {
        return [
          .holdAnonVMA(process: x.process, vpage: x.vpage, node: .lit(node)),
          .ksmMergeSecond(node: .lit(node), process: y.process, vpage: y.vpage),
        ]
      }
      return [
        .ksmMergeOne(process: x.process, vpage: x.vpage),
        .unlessBailed(.holdAnonVMA(process: x.process, vpage: x.vpage, node: .reg(.node))),
        .unlessBailed(
          .ksmReplacePage(process: y.process, vpage: y.vpage, firstProcess: x.process, firstVPage: x.vpage)),
        .unlessBailed(.holdAnonVMA(process: y.process, vpage: y.vpage, node: .reg(.node))),
        .unlessBailed(.stableTreeInsert),
      ]
    case .ksmUnmerge(let ref, let p, let v):
      guard let node = stableNode(holding: p, v) else { throw SimError("\(ref) has no KSM rmap_item") }
      return [
        .narrate(function: "break_cow", text: "unmerge \(ref): drop the reference first", objects: [.process(p)]),
        .removeRmapItem(node: node.id, process: p, address: v),
        .ksmUnmergeCopy(process: p, vpage: v),
      ]
    case .ksmdScan:
      var instrs: [Instr] = []
      for (index, process) in processes.enumerated() {
        let pi = ProcessID(index)
        var items: [(node: StableNodeID, address: Int)] = []
        for node in stableNodes where node.alive {
          for item in node.items where item.process == pi {
            let stale = !process.alive || page(process: pi, vpage: item.address) != node.page
            if stale { items.append((node.id, item.address)) }
          }
        }
        for item in items.sorted(by: { $0.address < $1.address }) {
          instrs.append(.removeRmapItem(node: item.node, process: pi, address: item.address))
        }
      }
      if instrs.isEmpty {
        return [.narrate(function: "ksm_do_scan", text: "no stale rmap_items: nothing to clean")]
      }
      return instrs
    case .swapOut(let x):
      return [
        .addToSwap(page: x.page), .pageLockAnonVMA(page: x.page),
        .rmapWalkVisits(
          page: .lit(x.page), anonVMA: .reg(.anonVMA), kind: .unmapToSwap, origin: x.ref.description),
        .pageUnlockAnonVMA, .finishWalk, .freePage(page: x.page, migrated: false),
      ]
    case .migrate(let x):
      return [.isolatePage(page: x.page), .unmapAndMove(page: x.page, origin: x.ref.description)]
    case .rmap(let x):
      if let node = ksmNode(of: x.page) {
        cpus[c].regs.walk = nil
        return [.ksmWalk(page: x.page, node: node), .finishWalkKSM(page: x.page, origin: x.ref.description)]
      }
      // The walk reads the referenced bits (page_referenced_one(), 6.x folio_referenced_one()):
      // 6.x folio_referenced() sets `rwc->try_lock`, so a contended root rwsem gives NULL, no sleep.
      return [
        .pageLockAnonVMA(page: x.page, tryLock: true),
        .rmapWalkVisits(
          page: .lit(x.page), anonVMA: .reg(.anonVMA), kind: .look, origin: x.ref.description),
        .pageUnlockAnonVMA, .finishWalkPutback(page: x.page),
      ]
    case .takeAllLocks(let pi):
      var instrs: [Instr] = []
      for id in self[process: pi].vmas where vmas[id]?.anonVMA != nil {
        instrs += chainAnonVMAs(id).map { .vmLockAnonVMA(anonVMA: $0) }
      }
      return instrs + [.checkAllLocks(process: pi, taken: true)]
    case .dropAllLocks(let pi):
      var instrs: [Instr] = []
      for id in self[process: pi].vmas where vmas[id]?.anonVMA != nil {
        instrs += chainAnonVMAs(id).map { .vmUnlockAnonVMA(anonVMA: $0) }
      }
      return instrs + [.checkAllLocks(process: pi, taken: false)]
    case .brk(let pi, let mapping, let n):
      return [.doBrk(process: pi, mapping: mapping.name, pages: n)]
    case .growStack(let pi, let mapping, let n):
      return try expandStack(process: pi, mapping: mapping, pages: n)
    }
  }
}
