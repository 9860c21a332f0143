extension World {
  /// Expands a scene operation into the kernel calls it makes.
  mutating func expand(_ op: Operation, cpu c: Int) throws(SimError) -> [Instr] {
    func proc(_ name: String) throws(SimError) -> Int {
      guard let p = processIndex(named: name), processes[p].alive else {
        throw SimError("unknown or exited process '\(name)'")
      }
      return p
    }
    func base(_ p: Int, _ m: String) throws(SimError) -> Mapping {
      guard let mapping = mapping(process: p, named: m) else {
        throw SimError("process '\(processes[p].name)' has no mapping '\(m)'")
      }
      return mapping
    }
    switch op {
    case .spawn(let name):
      return [.newMM(name: name, parent: nil)]
    case .mmap(let p, let m, let n, let g):
      return [.mmapRegion(process: try proc(p), mapping: m, pages: n, growsDown: g)]
    case .touch(let p, let m, let a, let b):
      let pi = try proc(p)
      let mb = try base(pi, m).base
      return (a...b).map { .faultWrite(process: pi, vpage: mb + $0) }
    case .read(let p, let m, let a, let b):
      let pi = try proc(p)
      let mb = try base(pi, m).base
      return (a...b).map { .faultRead(process: pi, vpage: mb + $0) }
    case .fork(let parent, let child):
      let pi = try proc(parent)
      return [.newMM(name: child, parent: pi), .dupMMAP(parent: pi, child: child)]
    case .exit(let p):
      let pi = try proc(p)
      let list = processes[pi].vmas
      var instrs: [Instr] = [.exitMM(process: pi)]
      instrs += list.map { .zapVMA(vma: $0, start: vmas[$0]?.start ?? 0, end: vmas[$0]?.end ?? 0) }
      instrs += list.map { .unlinkAnonVMAs(vma: $0) }
      instrs += list.map { .removeVMA(vma: $0) }
      return instrs
    case .munmap(let p, let m, let a, let b):
      let pi = try proc(p)
      let mapping = try base(pi, m)
      let start = mapping.base + (a ?? 0)
      let end = mapping.base + (b.map { $0 + 1 } ?? mapping.pages)
      return [.doMunmap(process: pi, start: start, end: end)]
    case .mprotect(let p, let m, let a, let b, let prot):
      let pi = try proc(p)
      let mb = try base(pi, m).base
      return [.mprotectFixup(process: pi, start: mb + a, end: mb + b + 1, prot: prot)]
    case .ksmMerge(let first, let second):
      let x = try mappedPage(first)
      let y = try mappedPage(second)
      if let node = ksmNode(of: x.page) {
        return [
          .holdAnonVMA(process: x.process, vpage: x.vpage, node: .lit(node)),
          .ksmMergeSecond(node: .lit(node), process: y.process, vpage: y.vpage),
        ]
      }
      return [
        .ksmMergeOne(process: x.process, vpage: x.vpage),
        .holdAnonVMA(process: x.process, vpage: x.vpage, node: .reg(.node)),
        .ksmReplacePage(process: y.process, vpage: y.vpage),
        .holdAnonVMA(process: y.process, vpage: y.vpage, node: .reg(.node)),
        .stableTreeInsert,
      ]
    case .ksmUnmerge(let ref):
      let (p, v) = try resolve(ref)
      guard let node = stableNodes.first(where: { n in
        n.alive && n.items.contains { $0.process == p && $0.address == v }
      }) else { throw SimError("\(ref) has no KSM rmap_item") }
      return [
        .narrate(function: "break_cow", text: "unmerge \(ref): drop the reference first"),
        .removeRmapItem(node: node.id, process: p, address: v),
        .ksmUnmergeCopy(process: p, vpage: v),
      ]
    case .ksmdScan:
      var instrs: [Instr] = []
      for (pi, process) in processes.enumerated() {
        var items: [(node: Int, address: Int)] = []
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
    case .swapOut(let ref):
      let x = try mappedPage(ref)
      return [
        .addToSwap(page: x.page), .pageLockAnonVMA(page: x.page),
        .rmapWalkVisits(
          page: .lit(x.page), anonVMA: .reg(.anonVMA), kind: .unmapToSwap, origin: ref.description),
        .pageUnlockAnonVMA, .finishWalk, .freePage(page: x.page),
      ]
    case .migrate(let ref):
      let x = try mappedPage(ref)
      if kernel == .v2_6_34 {
        return [.isolatePage(page: x.page), .migrateIfMapped(page: x.page, origin: ref.description)]
      }
      return [
        .isolatePage(page: x.page), .pageLockAnonVMA(page: x.page),
        .migrateIfMapped(page: x.page, origin: ref.description),
      ]
    case .rmap(let ref):
      let x = try mappedPage(ref)
      if let node = ksmNode(of: x.page) {
        cpus[c].regs.walk = nil
        return [.ksmWalk(page: x.page, node: node), .finishWalkKSM(origin: ref.description)]
      }
      return [
        .pageLockAnonVMA(page: x.page),
        .rmapWalkVisits(
          page: .lit(x.page), anonVMA: .reg(.anonVMA), kind: .look, origin: ref.description),
        .pageUnlockAnonVMA, .finishWalk,
      ]
    case .takeAllLocks(let p):
      let pi = try proc(p)
      var instrs: [Instr] = []
      for id in processes[pi].vmas where vmas[id]?.anonVMA != nil {
        instrs += chainAnonVMAs(id).map { .vmLockAnonVMA(anonVMA: $0) }
      }
      return instrs + [.checkAllLocks(process: pi, taken: true)]
    case .dropAllLocks(let p):
      let pi = try proc(p)
      var instrs: [Instr] = []
      for id in processes[pi].vmas where vmas[id]?.anonVMA != nil {
        instrs += chainAnonVMAs(id).map { .vmUnlockAnonVMA(anonVMA: $0) }
      }
      return instrs + [.checkAllLocks(process: pi, taken: false)]
    }
  }
}
