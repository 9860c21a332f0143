// The 6.x model (Linux 6.1 .. 6.19, mm/rmap.c and mm/vma.c): refcount with "a non-empty tree holds
// one", parent, num_children, num_active_vmas, anon_vma reuse on fork, the root rwsem taken for
// read by walkers and for write by structural changes, and put_anon_vma() freeing two levels.

extension World {
  /// Runs the 6.x version of an instruction, or returns nil when the common code applies.
  mutating func runModern(_ instr: Instr, cpu c: Int) throws(SimError) -> InstrResult? {
    switch instr {
    /// anon_vma_clone() in 6.x: one W(root) for the whole walk, fork-only reuse check.
    case .anonVMAClone(let dstVal, let src):
      let dst = try value(dstVal, cpu: c)
      let sources = Array(chainAnonVMAs(src).reversed())
      guard let first = sources.first else { return .expand([]) }
      var instrs: [Instr] = []
      for (i, a) in sources.enumerated() {
        instrs.append(.allocAVC)
        if i == 0 { instrs.append(.lock(.anonVMALock(.lit(first)), .write)) }
        instrs.append(.linkSameVMA(vma: dst, avc: .reg(.avc), anonVMA: .lit(a)))
        instrs.append(.linkSameAnonVMA(avc: .reg(.avc), atTail: true))
        instrs.append(.cloneReuseCheck(dst: dst, src: src, anonVMA: a))
      }
      instrs.append(.cloneFinish(dst: dst))
      instrs.append(.unlock(.anonVMALock(.lit(first))))
      return .expand(instrs)

    case .cloneReuseCheck(let dst, let src, let a):
      guard vmas[dst]?.anonVMA == nil, let srcAV = vmas[src]?.anonVMA else { return .expand([]) }
      let anon = anonVMAs[a - 1]
      let modernRule = anon.numChildren < 2 && anon.numActiveVMAs == 0
      let reuse: Bool
      if has(.degree) {
        // 2015..5.19: one counter, degree = children + VMAs; reuse if not src's and degree < 2.
        reuse = a != srcAV && anon.numChildren + anon.numActiveVMAs < 2
        if reuse && !modernRule {
          report(
            "C22",
            "\(av(a)) reused with num_active_vmas \(anon.numActiveVMAs) and num_children "
              + "\(anon.numChildren) (degree \(anon.numChildren + anon.numActiveVMAs) < 2)")
        }
      } else {
        reuse = modernRule
      }
      let counters = "num_children \(anon.numChildren), num_active_vmas \(anon.numActiveVMAs)"
        + (has(.degree) ? ", degree \(anon.numChildren + anon.numActiveVMAs)" : "")
      if reuse {
        vmas[dst]?.anonVMA = a
        touchVMA(dst)
        return emit(
          c, "anon_vma_clone",
          "reuse \(av(a)) (\(counters)): \(vmaName(dst))->anon_vma = \(av(a))",
          objects: [av(a)])
      }
      return emit(c, "anon_vma_clone", "\(av(a)) not reusable (\(counters))")

    case .cloneFinish(let dst):
      guard let a = vmas[dst]?.anonVMA else { return .expand([]) }
      touchedAnonVMAs.insert(a)
      anonVMAs[a - 1].numActiveVMAs += 1
      return emit(c, "anon_vma_clone", "\(av(a))->num_active_vmas \(anonVMAs[a - 1].numActiveVMAs) (\(vmaName(dst)))")

    /// anon_vma_fork() in 6.x: clear, clone (maybe reusing), else a new anon_vma with a parent.
    case .anonVMAFork(let child, let parent):
      guard vmas[parent]?.anonVMA != nil else {
        return .expand([
          .narrate(function: "anon_vma_fork", text: "\(vmaName(parent)) has no anon_vma: nothing to do")
        ])
      }
      return .expand([
        .clearVMAAnonVMA(vma: child), .anonVMAClone(dst: .lit(child), src: parent),
        .forkAfterClone(child: child, parent: parent),
      ])

    case .clearVMAAnonVMA(let vma):
      vmas[vma]?.anonVMA = nil
      touchVMA(vma)
      return emit(c, "anon_vma_fork", "\(vmaName(vma))->anon_vma = NULL")

    case .forkAfterClone(let child, let parent):
      if let reused = vmas[child]?.anonVMA {
        return .expand([
          .narrate(function: "anon_vma_fork", text: "an existing anon_vma was reused (\(av(reused))): done")
        ])
      }
      return .expand([
        .allocAnonVMA(by: "anon_vma_fork"), .allocAVC,
        .setRootFromParent(anonVMA: .reg(.anonVMA), parentVMA: parent),
        .getAnonVMA(.reg(.anonVMA), transient: false),
        .setVMAAnonVMA(vma: child, anonVMA: .reg(.anonVMA), function: "anon_vma_fork"),
        .lock(.anonVMALock(.reg(.anonVMA)), .write),
        .linkSameVMA(vma: child, avc: .reg(.avc), anonVMA: .reg(.anonVMA)),
        .linkSameAnonVMA(avc: .reg(.avc), atTail: true),
        .incParentChildren(.reg(.anonVMA)),
        .unlock(.anonVMALock(.reg(.anonVMA))),
      ])

    case .incParentChildren(let val):
      let a = try value(val, cpu: c)
      guard let p = anonVMAs[a - 1].parent else { return .expand([]) }
      touchedAnonVMAs.insert(p)
      anonVMAs[p - 1].numChildren += 1
      return emit(c, "anon_vma_fork", "\(av(p))->num_children \(anonVMAs[p - 1].numChildren) (parent of \(av(a)))")

    /// anon_vma_chain_link() in 6.x: under the root rwsem for write.
    case .anonVMAChainLink(let vma, let avcVal, let avVal):
      let id = try value(avcVal, cpu: c)
      let a = try value(avVal, cpu: c)
      return .expand([
        .lock(.anonVMALock(.lit(a)), .write), .linkSameVMA(vma: vma, avc: .lit(id), anonVMA: .lit(a)),
        .linkSameAnonVMA(avc: .lit(id), atTail: true), .unlock(.anonVMALock(.lit(a))),
      ])

    /// unlink_anon_vmas() in 6.x: one W(root); pass 1 removes from the trees, pass 2 puts the
    /// emptied anon_vmas outside the lock.
    case .unlinkAnonVMAs(let vma):
      let chain = vmas[vma]?.chain ?? []
      guard let first = chain.first.flatMap({ avcs[$0]?.anonVMA }) else {
        return .expand([.unlinkClearVMA(vma: vma)])
      }
      return .expand(
        [.lock(.anonVMALock(.lit(first)), .write)] + chain.map { .treeRemove(avc: $0) }
          + [.unlinkClearVMA(vma: vma), .unlock(.anonVMALock(.lit(first))), .unlinkSecondPass(vma: vma)])

    case .treeRemove(let id):
      guard let link = avcs[id] else { throw SimError("internal: no avc\(id)") }
      let a = link.anonVMA
      checkListLock(cpu: c, a, "unlinking avc\(id)")
      touchedAnonVMAs.insert(a)
      anonVMAs[a - 1].head.removeAll { $0 == id }
      avcs[id]?.onSameAnonVMA = false
      touchAVC(id)
      var text = "\(vmaName(link.vma)) out of \(av(a))'s interval tree"
      if anonVMAs[a - 1].head.isEmpty {
        touchedAnonVMAs.insert(a)
        anonVMAs[a - 1].emptied = true
        if let p = anonVMAs[a - 1].parent {
          touchedAnonVMAs.insert(p)
          anonVMAs[p - 1].numChildren -= 1
          text += "; tree empty: \(av(p))->num_children \(anonVMAs[p - 1].numChildren), keep the AVC for pass 2"
        }
        return emit(c, "unlink_anon_vmas", text, objects: [av(a)])
      }
      if let i = vmas[link.vma]?.chainTailFirst.lastIndex(of: id) { vmas[link.vma]?.chainTailFirst.remove(at: i) }
      if let p = vmas[link.vma]?.process { touchedProcesses.insert(p) }
      touchAVC(id)
      avcs[id] = nil
      return emit(c, "unlink_anon_vmas", text + "; avc\(id) freed", objects: [av(a)])

    /// vma_complete() (mm/vma.c; __vma_adjust() in 6.1): anon_vma_interval_tree_post_update_vma()
    /// puts each AVC of a VMA whose bounds changed back into its anon_vma's tree under the new
    /// key (pre_update took them out under the same write lock), after its equals.
    case .treeReinsert(let vma):
      guard let chain = vmas[vma]?.chainTailFirst, !chain.isEmpty else { return .expand([]) }
      var moved: [String] = []
      for id in chain.reversed() {
        guard let a = avcs[id]?.anonVMA, let i = anonVMAs[a - 1].head.firstIndex(of: id) else { continue }
        touchedAnonVMAs.insert(a)
        anonVMAs.update(a - 1) { _ = $0.head.remove(at: i) }
        let at = treeInsertionIndex(of: id, in: a)
        anonVMAs.update(a - 1) { $0.head.insert(id, at: at) }
        moved.append(av(a))
      }
      let pgoff = vmas[vma]?.pgoff ?? 0
      return emit(
        c, "anon_vma_interval_tree_post_update_vma",
        "\(vmaName(vma)) re-inserted into the interval tree of \(moved.joined(separator: ", ")) "
          + "at pgoff \(pgoff), after its equals",
        objects: [vmaName(vma)])

    case .unlinkClearVMA(let vma):
      guard let a = vmas[vma]?.anonVMA else { return .expand([]) }
      touchedAnonVMAs.insert(a)
      anonVMAs[a - 1].numActiveVMAs -= 1
      vmas[vma]?.anonVMA = nil
      touchVMA(vma)
      return emit(
        c, "unlink_anon_vmas",
        "\(av(a))->num_active_vmas \(anonVMAs[a - 1].numActiveVMAs); \(vmaName(vma))->anon_vma = NULL")

    case .unlinkSecondPass(let vma):
      let chain = vmas[vma]?.chain ?? []
      return .expand(
        chain.flatMap { id -> [Instr] in
          guard let a = avcs[id]?.anonVMA else { return [] }
          return [.putAnonVMA(.lit(a), transient: false), .freeAVC(vma: vma, avc: id)]
        })

    /// put_anon_vma(): atomic_dec_and_test(); at zero __put_anon_vma() frees it, then its root.
    case .putAnonVMA(let val, let transient):
      let a = try value(val, cpu: c)
      if transient { pins[a, default: 0] -= 1 }
      let before = anonVMAs[a - 1].refcount
      touchedAnonVMAs.insert(a)
      anonVMAs[a - 1].refcount -= 1
      if before <= 0 { report("C10", "put_anon_vma(\(av(a))) with refcount already \(before)") }
      var then: [Instr] = []
      if before - 1 == 0 {
        let root = anonVMAs[a - 1].root ?? a
        then.append(.freeAnonVMA(.lit(a)))
        if root != a { then.append(.putRoot(root: root)) }
      }
      return emit(c, "put_anon_vma", "\(av(a)) refcount \(before)→\(before - 1)", objects: [av(a)], then: then)

    case .putRoot(let root):
      let before = anonVMAs[root - 1].refcount
      touchedAnonVMAs.insert(root)
      anonVMAs[root - 1].refcount -= 1
      return emit(
        c, "__put_anon_vma", "root \(av(root)) refcount \(before)→\(before - 1)", objects: [av(root)],
        then: before - 1 == 0 ? [.freeAnonVMA(.lit(root))] : [])

    case .dropAnonVMA(let val, let transient):
      return .expand([.putAnonVMA(val, transient: transient)])

    case .ksmDropAnonVMA(let a):
      return .expand([.putAnonVMA(.lit(a), transient: false)])

    case .unlinkFreeIfEmpty:
      return .expand([])

    case .prepFinish:
      guard cpus[c].regs.lostRace, let a = cpus[c].regs.allocatedAnonVMA else { return .expand([]) }
      return .expand([.putAnonVMA(.lit(a), transient: false)])

    default:
      return nil
    }
  }

  /// AVC ids of an anon_vma's interval tree, in order (in 6.x `head` is kept in the tree's
  /// in-order sequence by ``treeInsertionIndex(of:in:)``).
  func treeOrder(_ a: Int) -> [Int] { anonVMAs[a - 1].head }

  /// Where `anon_vma_interval_tree_insert()` puts an AVC in the in-order sequence of `a`'s tree.
  ///
  /// The tree is keyed by the VMA's first page offset (`avc_start_pgoff`); the descent goes left
  /// when `start < ITSTART(parent)` and right otherwise (`include/linux/interval_tree_generic.h`,
  /// `INTERVAL_TREE_DEFINE` in `mm/interval_tree.c`), so an AVC lands after every node whose key
  /// is less than or equal to its own: among equal keys, the last inserted is visited last.
  /// Rotations keep the in-order sequence, so this position is exact whatever the tree's shape.
  func treeInsertionIndex(of avc: Int, in a: Int) -> Int {
    func key(_ id: Int) -> Int { avcs[id].flatMap { vmas[$0.vma]?.pgoff } ?? 0 }
    let head = anonVMAs[a - 1].head
    let k = key(avc)
    var low = 0
    var high = head.count
    while low < high {
      let mid = (low + high) / 2
      if k < key(head[mid]) { high = mid } else { low = mid + 1 }
    }
    return low
  }
}
