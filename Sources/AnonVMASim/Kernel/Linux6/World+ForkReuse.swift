// Linux 6.x (6.1 .. 6.19) mm/rmap.c: anon_vma_fork and anon_vma_clone with anon_vma reuse,
// parent, num_children and num_active_vmas (7a3ef208e662, 2015; the counters since 6.2), under the
// root rwsem taken for write. Each method overrides the 2.6.x one named in its comment
// (Kernel/Linux2.6); the dispatch (`run`) chooses.

extension World {
  /// anon_vma_prepare()'s end (__anon_vma_prepare()) when another thread won the race: put the
  /// anon_vma we allocated, free the AVC (`if (unlikely(avc)) anon_vma_chain_free(avc);`).
  ///
  /// `anon_vma_prepare()`, mm/rmap.c; 6.x (6.1 .. 6.19); overrides ``prepFinish(vma:cpu:)``.
  mutating func prepFinishV6(vma: VMAID, cpu c: Int) -> InstrResult {
    guard cpus[c].regs.lostRace else { return .expand([]) }
    var instrs: [Instr] = []
    if let a = cpus[c].regs.allocatedAnonVMA { instrs.append(.putAnonVMA(.lit(a), transient: false)) }
    if let avc = cpus[c].regs.avc { instrs.append(.freeAVC(vma: vma, avc: avc)) }
    return .expand(instrs)
  }

  /// anon_vma_clone() in 6.x: one W(root) for the whole walk, fork-only reuse check.
  ///
  /// `anon_vma_clone()`, mm/rmap.c; 6.x (6.1 .. 6.19); overrides ``anonVMAClone(dst:src:cpu:)``.
  mutating func anonVMACloneV6(dst dstVal: Val<VMA>, src: VMAID, cpu c: Int) throws(SimError) -> InstrResult {
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
  }

  /// anon_vma_chain_link() in 6.x: under the root rwsem for write.
  ///
  /// `anon_vma_chain_link()`, mm/rmap.c; 6.x (6.1 .. 6.19); overrides ``anonVMAChainLink(vma:avc:anonVMA:cpu:)``.
  mutating func anonVMAChainLinkV6(
    vma: VMAID, avc avcVal: Val<AVC>, anonVMA avVal: Val<AnonVMA>, cpu c: Int
  ) throws(SimError) -> InstrResult {
    let id = try value(avcVal, cpu: c)
    let a = try value(avVal, cpu: c)
    return .expand([
      .lock(.anonVMALock(.lit(a)), .write), .linkSameVMA(vma: vma, avc: .lit(id), anonVMA: .lit(a)),
      .linkSameAnonVMA(avc: .lit(id), atTail: true), .unlock(.anonVMALock(.lit(a))),
    ])
  }

  /// anon_vma_fork() in 6.x: clear, clone (maybe reusing), else a new anon_vma with a parent.
  ///
  /// `anon_vma_fork()`, mm/rmap.c; 6.x (6.1 .. 6.19); overrides ``anonVMAFork(child:parent:cpu:)``.
  mutating func anonVMAForkV6(child: VMAID, parent: VMAID, cpu c: Int) -> InstrResult {
    guard vmas[parent]?.anonVMA != nil else {
      return .expand([
        .narrate(
          function: "anon_vma_fork", text: "\(vmaName(parent)) has no anon_vma: nothing to do", objects: [.vma(parent)])
      ])
    }
    return .expand([
      .clearVMAAnonVMA(vma: child), .anonVMAClone(dst: .lit(child), src: parent),
      .forkAfterClone(child: child, parent: parent),
    ])
  }

  /// anon_vma_clone() on fork: reuse an anon_vma with no VMAs and fewer than two children (the `degree` variant: the
  /// 2015..5.19 rule).
  ///
  /// `anon_vma_clone()`, mm/rmap.c; 6.x (6.1 .. 6.19).
  mutating func cloneReuseCheck(dst: VMAID, src: VMAID, anonVMA a: AnonVMAID, cpu c: Int) -> InstrResult {
    guard vmas[dst]?.anonVMA == nil, let srcAV = vmas[src]?.anonVMA else { return .expand([]) }
    let anon = self[anonVMA: a]
    let modernRule = anon.numChildren < 2 && anon.numActiveVMAs == 0
    let reuse: Bool
    if has(.degree) {
      // 2015..5.19: one counter, degree = children + VMAs; reuse if not src's and degree < 2.
      reuse = a != srcAV && anon.numChildren + anon.numActiveVMAs < 2
      if reuse && !modernRule {
        report(
          "C22",
          "\(av(a)) reused with num_active_vmas \(anon.numActiveVMAs) and num_children "
            + "\(anon.numChildren) (degree \(anon.numChildren + anon.numActiveVMAs) < 2)",
          objects: [.anonVMA(a)])
      }
    } else {
      reuse = modernRule
    }
    let counters =
      "num_children \(anon.numChildren), num_active_vmas \(anon.numActiveVMAs)"
      + (has(.degree) ? ", degree \(anon.numChildren + anon.numActiveVMAs)" : "")
    if reuse {
      vmas[dst]?.anonVMA = a
      touchVMA(dst)
      return emit(
        c, "anon_vma_clone",
        "reuse \(av(a)) (\(counters)): \(vmaName(dst))->anon_vma = \(av(a))",
        objects: [.anonVMA(a), .vma(dst)])
    }
    return emit(c, "anon_vma_clone", "\(av(a)) not reusable (\(counters))", objects: [.anonVMA(a)])
  }

  /// anon_vma_clone()'s end: the reused anon_vma counts the VMA as active.
  ///
  /// `anon_vma_clone()`, mm/rmap.c; 6.x (6.1 .. 6.19).
  mutating func cloneFinish(dst: VMAID, cpu c: Int) -> InstrResult {
    guard let a = vmas[dst]?.anonVMA else { return .expand([]) }
    touchAnonVMA(a)
    self[anonVMA: a].numActiveVMAs += 1
    return emit(
      c, "anon_vma_clone", "\(av(a))->num_active_vmas \(self[anonVMA: a].numActiveVMAs) (\(vmaName(dst)))",
      objects: [.anonVMA(a), .vma(dst)])
  }

  /// anon_vma_fork(): `vma->anon_vma = NULL` before the clone (which may set a reused one).
  ///
  /// `anon_vma_fork()`, mm/rmap.c; 6.x (6.1 .. 6.19).
  mutating func clearVMAAnonVMA(vma: VMAID, cpu c: Int) -> InstrResult {
    vmas[vma]?.anonVMA = nil
    touchVMA(vma)
    return emit(c, "anon_vma_fork", "\(vmaName(vma))->anon_vma = NULL", objects: [.vma(vma)])
  }

  /// anon_vma_fork() after the clone: done if it reused one, else a new anon_vma with root, parent and a pin on the
  /// root.
  ///
  /// `anon_vma_fork()`, mm/rmap.c; 6.x (6.1 .. 6.19).
  mutating func forkAfterClone(child: VMAID, parent: VMAID, cpu c: Int) -> InstrResult {
    if let reused = vmas[child]?.anonVMA {
      return .expand([
        .narrate(
          function: "anon_vma_fork", text: "an existing anon_vma was reused (\(av(reused))): done",
          objects: [.anonVMA(reused)])
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
  }

  /// anon_vma_fork(): `anon_vma->parent->num_children++`.
  ///
  /// `anon_vma_fork()`, mm/rmap.c; 6.x (6.1 .. 6.19).
  mutating func incParentChildren(_ val: Val<AnonVMA>, cpu c: Int) throws(SimError) -> InstrResult {
    let a = try value(val, cpu: c)
    guard let p = self[anonVMA: a].parent else { return .expand([]) }
    touchAnonVMA(p)
    self[anonVMA: p].numChildren += 1
    return emit(
      c, "anon_vma_fork", "\(av(p))->num_children \(self[anonVMA: p].numChildren) (parent of \(av(a)))",
      objects: [.anonVMA(p), .anonVMA(a)])
  }
}
