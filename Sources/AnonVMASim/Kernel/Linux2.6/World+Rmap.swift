// mm/rmap.c of Linux 2.6.34 and 2.6.36 ("always lock the root anon_vma"): anon_vma_prepare, the
// chains, anon_vma_clone/anon_vma_fork, anon_vma_unlink/unlink_anon_vmas and drop_anon_vma, with
// the 2.6.34 differences of Docs/kernel-semantics.md §B. Where 6.x differs, the dispatch (`run`) calls
// the `…V6` method of Kernel/Linux6 instead; the others serve all three versions.

extension World {
  /// page_move_anon_rmap(): the only user reuses the page and re-files it in vma->anon_vma.
  ///
  /// `page_move_anon_rmap()`, mm/rmap.c; 2.6.34, 2.6.36 and 6.x.
  mutating func pageMoveAnonRmap(process p: ProcessID, vpage v: Int, cpu c: Int) throws(SimError) -> InstrResult {
    guard let vma = vmaContaining(process: p, vpage: v), let anon = anonVMA(of: vma),
      let page = page(process: p, vpage: v)
    else { throw SimError("internal: reuse without anon_vma") }
    if self[page: page].anonExclusive {
      // 6.x do_wp_page(): an exclusive page is reused as it is filed (`goto reuse`).
      setPTE(p, v, .page(page, writable: true))
      self[page: page].cleanPTEs = false
      let filed = if case .anon(let a) = self[page: page].mapping { " (stays in \(av(a)))" } else { "" }
      return emit(
        c, "do_wp_page",
        "reuse \(pg(page)) at \(locationName(process: p, vpage: v)): PageAnonExclusive, wp_page_reuse\(filed)",
        objects: [.page(page), .process(p)])
    }
    let before = self[page: page].mapping
    self[page: page].mapping = .anon(anon)
    // page_move_anon_rmap() (6.x): SetPageAnonExclusive.
    self[page: page].anonExclusive = kernel.isModern
    self[page: page].cleanPTEs = false
    setPTE(p, v, .page(page, writable: true))
    var from = ""
    var was: [ObjectRef] = []
    if case .anon(let b) = before, b != anon {
      from = " (was \(av(b)))"
      was = [.anonVMA(b)]
    }
    return emit(
      c, kernel == .mainline ? "folio_move_anon_rmap" : "page_move_anon_rmap",
      "reuse \(pg(page)) at \(locationName(process: p, vpage: v)): re-filed in "
        + "\(av(anon))\(from)",
      objects: [.page(page), .process(p), .anonVMA(anon)] + was)
  }

  /// anon_vma_prepare(): give a VMA its anon_vma on the first write fault.
  ///
  /// `anon_vma_prepare()`, mm/rmap.c; 2.6.34, 2.6.36 and 6.x.
  mutating func anonVMAPrepare(vma: VMAID, cpu c: Int) -> InstrResult {
    guard anonVMA(of: vma) == nil else { return .expand([]) }
    cpus[c].regs.allocatedAnonVMA = nil
    return .expand([
      .allocAVC, .findMergeableAnonVMA(vma: vma), .prepAllocIfNone,
      .lock(.anonVMALock(.reg(.anonVMA)), writeMode), .prepPublish(vma: vma),
      .unlock(.anonVMALock(.reg(.anonVMA))), .prepFinish(vma: vma),
    ])
  }

  /// anon_vma_prepare(): allocate an anon_vma unless find_mergeable_anon_vma() found one.
  ///
  /// `anon_vma_prepare()`, mm/rmap.c; 2.6.34, 2.6.36 and 6.x.
  mutating func prepAllocIfNone(cpu c: Int) -> InstrResult {
    if cpus[c].regs.anonVMA != nil { return .expand([]) }
    return .expand([.allocAnonVMA(by: "anon_vma_prepare")])
  }

  /// anon_vma_prepare() under the lock: publish vma->anon_vma and link the chain, unless another thread did first
  /// (`lostRace`).
  ///
  /// `anon_vma_prepare()`, mm/rmap.c; 2.6.34, 2.6.36 and 6.x.
  mutating func prepPublish(vma: VMAID, cpu c: Int) -> InstrResult {
    guard anonVMA(of: vma) == nil else {
      cpus[c].regs.lostRace = true
      return .expand([.narrate(function: "anon_vma_prepare", text: "another thread won the race")])
    }
    cpus[c].regs.lostRace = false
    return .expand([
      .setVMAAnonVMA(vma: vma, anonVMA: .reg(.anonVMA), function: "anon_vma_prepare"),
      .linkSameVMA(vma: vma, avc: .reg(.avc), anonVMA: .reg(.anonVMA)),
      .linkSameAnonVMA(avc: .reg(.avc), atTail: kernel != .v2_6_34),
    ])
  }

  /// anon_vma_prepare()'s end when another thread won the race: `if (unlikely(allocated))
  /// anon_vma_free(allocated); if (unlikely(avc)) anon_vma_chain_free(avc);` (2.6.36 mm/rmap.c;
  /// the AVC was never linked).
  ///
  /// `anon_vma_prepare()`, mm/rmap.c; 2.6.34 and 2.6.36; 6.x: ``prepFinishV6(vma:cpu:)``.
  mutating func prepFinish(vma: VMAID, cpu c: Int) -> InstrResult {
    guard regs(c).lostRace else { return .expand([]) }
    var instrs: [Instr] = []
    if let a = cpus[c].regs.allocatedAnonVMA { instrs.append(.freeAnonVMA(.lit(a))) }
    if let avc = cpus[c].regs.avc { instrs.append(.freeAVC(vma: vma, avc: avc)) }
    return .expand(instrs)
  }

  /// A new, unlinked anon_vma_chain (in the `avc` register).
  ///
  /// `anon_vma_chain_alloc()`, mm/rmap.c; 2.6.34, 2.6.36 and 6.x.
  mutating func allocAVC(cpu c: Int) -> InstrResult {
    let id = newAVCID()
    avcs[id] = AVC(id: id, vma: 0, anonVMA: 0, onSameVMA: false, onSameAnonVMA: false)
    touchAVC(id)
    cpus[c].regs.avc = id
    return emit(c, "anon_vma_chain_alloc", "new anon_vma_chain avc\(id)", objects: [.avc(id)])
  }

  /// A new anon_vma (in the `anonVMA` register), maybe in the memory of a freed one (SLAB_DESTROY_BY_RCU, D.7).
  ///
  /// `anon_vma_alloc()`, mm/rmap.c; 2.6.34, 2.6.36 and 6.x.
  mutating func allocAnonVMA(by: String, cpu c: Int) -> InstrResult {
    let id = nextAnonVMAID
    let prepare = by == "anon_vma_prepare"
    let v6 = kernel.isModern
    let reused = freeSlots.popLast()
    let slot = reused ?? (slotOccupant.count + 1)
    let previousOccupant = reused.map { self[slotOccupant: $0] }
    anonVMASlot.append(slot)
    if let reused, let previous = previousOccupant {
      self[slotOccupant: reused] = id
      // The lock lives in the memory: whoever holds or waits for it now holds or waits for ours.
      if let holders = lockHolders.removeValue(forKey: previous) { lockHolders[id] = holders }
      for i in cpus.indices {
        cpus[i].holds = cpus[i].holds.map { $0 == previous ? id : $0 }
        if cpus[i].waitingFor == previous { cpus[i].waitingFor = id }
        if cpus[i].waitList?.lock == previous { cpus[i].waitList?.lock = id }
      }
    } else {
      slotOccupant.append(id)
    }
    anonVMAs.append(
      AnonVMA(
        id: id, root: kernel == .v2_6_34 ? nil : (prepare ? id : nil),
        parent: v6 && prepare ? id : nil, refcount: v6 ? 1 : 0, head: [],
        // 6.x: the root's self-parent link, and a forked anon_vma's first active VMA.
        // mainline's anon_vma_alloc() leaves num_active_vmas 0; anon_vma_fork() sets it to 1
        // once no anon_vma was reused (``setVMAAnonVMA(vma:anonVMA:function:cpu:)``).
        numChildren: v6 && prepare ? 1 : 0, numActiveVMAs: v6 && !prepare && kernel != .mainline ? 1 : 0,
        allLocksBit: false, alive: true, emptied: false, createdAt: step, createdBy: by))
    touchAnonVMA(id)
    cpus[c].regs.anonVMA = id
    cpus[c].regs.allocatedAnonVMA = id
    var rootText = by == "anon_vma_prepare" && kernel != .v2_6_34 ? " (root = itself)" : ""
    if let previousOccupant { rootText += " in the memory of freed \(av(previousOccupant))" }
    if kernel.isModern {
      rootText +=
        prepare
        ? ", refcount 1, num_children 1 (self-parent link)"
        : kernel == .mainline ? ", refcount 1 (allocated before the clone)" : ", refcount 1, num_active_vmas 1"
    }
    return emit(
      c, "anon_vma_alloc", "new anon_vma \(av(id))\(rootText)",
      objects: [.anonVMA(id)] + (previousOccupant.map { [.anonVMA($0)] } ?? []))
  }

  /// Publishes vma->anon_vma.
  ///
  /// `anon_vma_prepare() / anon_vma_fork()`, mm/rmap.c; 2.6.34, 2.6.36 and 6.x.
  mutating func setVMAAnonVMA(
    vma: VMAID, anonVMA val: Val<AnonVMA>, function: String, cpu c: Int
  ) throws(SimError) -> InstrResult {
    let a = try value(val, cpu: c)
    vmas[vma]?.anonVMA = a
    touchVMA(vma)
    var ptl = function == "anon_vma_prepare" ? " (under page_table_lock)" : " (where its new pages go)"
    if kernel.isModern, function == "anon_vma_prepare" {
      touchAnonVMA(a)
      self[anonVMA: a].numActiveVMAs += 1
      ptl += ", num_active_vmas \(self[anonVMA: a].numActiveVMAs)"
    }
    if kernel == .mainline, function == "anon_vma_fork" {
      // mainline anon_vma_fork(): `anon_vma->num_active_vmas = 1` once no anon_vma was reused.
      touchAnonVMA(a)
      self[anonVMA: a].numActiveVMAs = 1
      ptl += ", num_active_vmas 1"
    }
    return emit(c, function, "\(vmaName(vma))->anon_vma = \(av(a))\(ptl)", objects: [.vma(vma), .anonVMA(a)])
  }

  /// anon_vma_chain_link(), part 1: the AVC at the head of vma->anon_vma_chain.
  ///
  /// `anon_vma_chain_link()`, mm/rmap.c; 2.6.34, 2.6.36 and 6.x.
  mutating func linkSameVMA(vma: VMAID, avc avcVal: Val<AVC>, anonVMA avVal: Val<AnonVMA>, cpu c: Int) throws(SimError)
    -> InstrResult
  {
    let id = try value(avcVal, cpu: c)
    let a = try value(avVal, cpu: c)
    avcs.update(id) {
      $0.vma = vma
      $0.anonVMA = a
      $0.onSameVMA = true
    }
    touchAVC(id)
    vmas.update(vma) { $0.chainTailFirst.append(id) }
    touchVMA(vma)
    return emit(
      c, kernel == .mainline ? "anon_vma_chain_assign" : "anon_vma_chain_link",
      "avc\(id) (\(vmaName(vma)) → \(av(a))) added at the head of \(vmaName(vma))'s chain",
      objects: [.avc(id), .vma(vma), .anonVMA(a)])
  }

  /// anon_vma_chain_link(), part 2: the AVC on the anon_vma's same_anon_vma list (6.x: into its interval tree).
  ///
  /// `anon_vma_chain_link()`, mm/rmap.c; 2.6.34, 2.6.36 and 6.x.
  mutating func linkSameAnonVMA(avc avcVal: Val<AVC>, atTail: Bool, cpu c: Int) throws(SimError) -> InstrResult {
    let id = try value(avcVal, cpu: c)
    guard let link = avcs[id] else { throw SimError("internal: no avc\(id)") }
    checkListLock(cpu: c, link.anonVMA, "linking avc\(id)", [.avc(id)])
    if self[anonVMA: link.anonVMA].emptied {
      report(
        "C14", "\(av(link.anonVMA)) is linked again after its list became empty", objects: [.anonVMA(link.anonVMA)])
    }
    if !self[anonVMA: link.anonVMA].alive {
      report(
        lifetimeCode, "avc\(id) is linked to freed \(av(link.anonVMA))", objects: [.avc(id), .anonVMA(link.anonVMA)])
    }
    touchAnonVMA(link.anonVMA)
    if kernel.isModern {
      // anon_vma_interval_tree_insert(): the tree's in-order position, not the list's end.
      let at = treeInsertionIndex(of: id, in: link.anonVMA)
      updateAnonVMA(link.anonVMA) { $0.head.insert(id, at: at) }
    } else {
      updateAnonVMA(link.anonVMA) {
        if atTail { $0.head.append(id) } else { $0.head.insert(id, at: 0) }
      }
    }
    avcs.update(id) { $0.onSameAnonVMA = true }
    touchAVC(id)
    if kernel.isModern {
      return emit(
        c, "anon_vma_interval_tree_insert",
        "\(vmaName(link.vma)) into \(av(link.anonVMA))'s interval tree",
        objects: [.vma(link.vma), .anonVMA(link.anonVMA)])
    }
    return emit(
      c, atTail ? "list_add_tail" : "list_add",
      "\(vmaName(link.vma)) added at the \(atTail ? "tail" : "head") of "
        + "\(av(link.anonVMA))'s same_anon_vma list",
      objects: [.vma(link.vma), .anonVMA(link.anonVMA)])
  }

  /// anon_vma_clone(): one new AVC per source anon_vma, walking the source oldest first.
  ///
  /// `anon_vma_clone()`, mm/rmap.c; 2.6.34 and 2.6.36; 6.x: ``anonVMACloneV6(dst:src:cpu:)``.
  mutating func anonVMAClone(dst dstVal: Val<VMA>, src: VMAID, cpu c: Int) throws(SimError) -> InstrResult {
    let dst = try value(dstVal, cpu: c)
    var instrs: [Instr] = []
    for a in chainAnonVMAs(src).reversed() {
      instrs.append(.allocAVC)
      instrs.append(.anonVMAChainLink(vma: dst, avc: .reg(.avc), anonVMA: .lit(a)))
    }
    return .expand(instrs)
  }

  /// anon_vma_chain_link(): same_vma add at head, then the anon_vma's list under its lock.
  ///
  /// `anon_vma_chain_link()`, mm/rmap.c; 2.6.34 and 2.6.36; 6.x: ``anonVMAChainLinkV6(vma:avc:anonVMA:cpu:)``.
  mutating func anonVMAChainLink(
    vma: VMAID, avc avcVal: Val<AVC>, anonVMA avVal: Val<AnonVMA>, cpu c: Int
  ) throws(SimError) -> InstrResult {
    let id = try value(avcVal, cpu: c)
    let a = try value(avVal, cpu: c)
    return call(
      .linkSameVMA(vma: vma, avc: .lit(id), anonVMA: .lit(a)),
      .lock(.anonVMALock(.lit(a)), writeMode),
      .linkSameAnonVMA(avc: .lit(id), atTail: true),
      .unlock(.anonVMALock(.lit(a))), on: c)
  }

  /// anon_vma_fork(): clone the parent's chain, then add the child's own anon_vma.
  ///
  /// `anon_vma_fork()`, mm/rmap.c; 2.6.34 and 2.6.36; 6.x: ``anonVMAForkV6(child:parent:cpu:)``.
  mutating func anonVMAFork(child: VMAID, parent: VMAID, cpu c: Int) -> InstrResult {
    guard vmas[parent]?.anonVMA != nil else {
      return .expand([
        .narrate(
          function: "anon_vma_fork", text: "\(vmaName(parent)) has no anon_vma: nothing to do", objects: [.vma(parent)])
      ])
    }
    var instrs: [Instr] = [
      .anonVMAClone(dst: .lit(child), src: parent), .allocAnonVMA(by: "anon_vma_fork"), .allocAVC,
    ]
    if kernel != .v2_6_34 {
      instrs.append(.setRootFromParent(anonVMA: .reg(.anonVMA), parentVMA: parent))
      if !has(.noFiveFive) {
        instrs.append(.getAnonVMA(.reg(.anonVMA), transient: false))
      }
    }
    instrs.append(.setVMAAnonVMA(vma: child, anonVMA: .reg(.anonVMA), function: "anon_vma_fork"))
    instrs.append(.anonVMAChainLink(vma: child, avc: .reg(.avc), anonVMA: .reg(.anonVMA)))
    return .expand(instrs)
  }

  /// anon_vma_fork(): `anon_vma->root = pvma->anon_vma->root` (6.x also sets ->parent).
  ///
  /// `anon_vma_fork()`, mm/rmap.c; 2.6.36 and 6.x.
  mutating func setRootFromParent(anonVMA avVal: Val<AnonVMA>, parentVMA: VMAID, cpu c: Int) throws(SimError)
    -> InstrResult
  {
    let a = try value(avVal, cpu: c)
    guard let pav = vmas[parentVMA]?.anonVMA else { throw SimError("internal: no parent anon_vma") }
    let root = self[anonVMA: pav].root ?? pav
    touchAnonVMA(a)
    self[anonVMA: a].root = root
    if kernel.isModern { self[anonVMA: a].parent = pav }
    return emit(
      c, "anon_vma_fork",
      "\(av(a))->root = \(av(pav))->root = \(av(root))"
        + (kernel.isModern ? ", ->parent = \(av(pav))" : ""),
      objects: [.anonVMA(a), .anonVMA(pav), .anonVMA(root)])
  }

  /// get_anon_vma(): the fork-time pin of the root (on the root), or a migration pin.
  ///
  /// `get_anon_vma()`, mm/rmap.c; 2.6.34, 2.6.36 and 6.x.
  mutating func getAnonVMA(_ val: Val<AnonVMA>, transient: Bool, cpu c: Int) throws(SimError) -> InstrResult {
    var a = try value(val, cpu: c)
    if !transient { a = self[anonVMA: a].root ?? a }
    let before = self[anonVMA: a].refcount
    touchAnonVMA(a)
    self[anonVMA: a].refcount += 1
    if transient { pins[a, default: 0] += 1 }
    let why = transient ? "pin for migration" : "the root is pinned until the child is freed"
    return emit(c, "get_anon_vma", "\(av(a)) \(counterName) \(before)→\(before + 1) (\(why))", objects: [.anonVMA(a)])
  }

  /// unlink_anon_vmas(): walk the chain head to tail (newest to oldest).
  ///
  /// `unlink_anon_vmas()`, mm/rmap.c; 2.6.34 and 2.6.36; 6.x: ``unlinkAnonVMAsV6(vma:cpu:)``.
  mutating func unlinkAnonVMAs(vma: VMAID, cpu c: Int) -> InstrResult {
    var instrs: [Instr] = []
    for avc in vmas[vma]?.chain ?? [] {
      instrs.append(.anonVMAUnlink(avc: avc))
      instrs.append(.freeAVC(vma: vma, avc: avc))
    }
    return .expand(instrs)
  }

  /// anon_vma_unlink(): off the anon_vma's list under the (root) lock; free it if empty.
  ///
  /// `anon_vma_unlink()`, mm/rmap.c; 2.6.34 and 2.6.36.
  mutating func anonVMAUnlink(avc id: AVCID, cpu c: Int) throws(SimError) -> InstrResult {
    guard let link = avcs[id] else { throw SimError("internal: no avc\(id)") }
    let a = link.anonVMA
    return call(
      .lock(.anonVMALock(.lit(a)), writeMode), .listDelSameAnonVMA(avc: id),
      .computeEmpty(anonVMA: a), .unlock(.anonVMALock(.lit(a))), .unlinkFreeIfEmpty(anonVMA: a), on: c)
  }

  /// anon_vma_unlink(): `list_del(&anon_vma_chain->same_anon_vma)` under the lock.
  ///
  /// `anon_vma_unlink()`, mm/rmap.c; 2.6.34 and 2.6.36.
  mutating func listDelSameAnonVMA(avc id: AVCID, cpu c: Int) throws(SimError) -> InstrResult {
    guard let link = avcs[id] else { throw SimError("internal: no avc\(id)") }
    checkListLock(cpu: c, link.anonVMA, "unlinking avc\(id)", [.avc(id)])
    touchAnonVMA(link.anonVMA)
    updateAnonVMA(link.anonVMA) {
      $0.head.removeAll { $0 == id }
      if $0.head.isEmpty { $0.emptied = true }
    }
    avcs.update(id) { $0.onSameAnonVMA = false }
    touchAVC(id)
    return emit(
      c, "list_del",
      "\(vmaName(link.vma)) off \(av(link.anonVMA))'s same_anon_vma list",
      objects: [.vma(link.vma), .anonVMA(link.anonVMA)])
  }

  /// anon_vma_unlink(): `empty = list_empty(&anon_vma->head) && !external_refcount` (`listEmpty`).
  ///
  /// `anon_vma_unlink()`, mm/rmap.c; 2.6.34 and 2.6.36.
  mutating func computeEmpty(anonVMA a: AnonVMAID, cpu c: Int) -> InstrResult {
    let anon = self[anonVMA: a]
    let empty = anon.head.isEmpty && anon.refcount == 0
    cpus[c].regs.listEmpty = empty
    return emit(
      c, "anon_vma_unlink",
      "\(av(a)): list \(anon.head.isEmpty ? "empty" : "not empty"), "
        + "\(counterName) \(anon.refcount) → \(empty ? "free it" : "keep it")", objects: [.anonVMA(a)])
  }

  /// anon_vma_unlink()'s end: if empty, drop the root's pin (2.6.36) and free the anon_vma.
  ///
  /// `anon_vma_unlink()`, mm/rmap.c; 2.6.34 and 2.6.36; 6.x: ``unlinkFreeIfEmptyV6(anonVMA:cpu:)``.
  mutating func unlinkFreeIfEmpty(anonVMA a: AnonVMAID, cpu c: Int) -> InstrResult {
    guard regs(c).listEmpty else { return .expand([]) }
    var instrs: [Instr] = []
    let root = self[anonVMA: a].root
    if kernel == .v2_6_36, let root, root != a || has(.rootSelfDrop), !has(.noFiveFive) {
      instrs.append(.dropAnonVMA(.lit(root), transient: false))
    }
    instrs.append(.freeAnonVMA(.lit(a)))
    return .expand(instrs)
  }

  /// Takes the AVC off vma->anon_vma_chain and frees it.
  ///
  /// `anon_vma_chain_free()`, mm/rmap.c; 2.6.34, 2.6.36 and 6.x.
  mutating func freeAVC(vma: VMAID, avc id: AVCID, cpu c: Int) -> InstrResult {
    var wasOnChain = false
    vmas.update(vma) {
      if let i = $0.chainTailFirst.lastIndex(of: id) {
        $0.chainTailFirst.remove(at: i)
        wasOnChain = true
      }
    }
    if let p = vmas.withObject(vma, \.process) { touchProcess(p) }
    touchAVC(id)
    avcs.remove(id)
    // anon_vma_prepare()'s AVC when another thread linked the VMA first: on no list.
    let text =
      wasOnChain
      ? "avc\(id) off \(vmaName(vma))'s chain, freed"
      : "avc\(id) freed, never linked: another thread gave \(vmaName(vma)) its anon_vma first"
    return emit(c, "anon_vma_chain_free", text, objects: [.avc(id), .vma(vma)])
  }

  /// Frees an anon_vma (its memory may be reused at once, D.7); C8/C9/C10 catch a double free or a free with VMAs
  /// still on its list.
  ///
  /// 6.x first synchronizes with folio_lock_anon_vma_read(), whose fast path holds the root
  /// rwsem (down_read_trylock) with no reference on the anon_vma: `if
  /// (rwsem_is_locked(&anon_vma->root->rwsem)) { anon_vma_lock_write(anon_vma);
  /// anon_vma_unlock_write(anon_vma); }` (commit 88c22088bf23 "mm: optimize page_lock_anon_vma()
  /// fast-path", 2012, then with `mutex_is_locked`; 6.1 and mainline mm/rmap.c): a held root rwsem, read or
  /// write, by any CPU, makes the free wait for it (`waited` is then set, as the kernel frees
  /// without looking again). The test and an unlocked free are one micro-step here: a reader
  /// that takes the rwsem between them finds the page unmapped and lets go, as it does after
  /// the free (the anon_vma's memory stays an anon_vma, SLAB_TYPESAFE_BY_RCU).
  ///
  /// `anon_vma_free()`, mm/rmap.c; 2.6.34, 2.6.36 and 6.x.
  mutating func freeAnonVMA(_ val: Val<AnonVMA>, waited: Bool = false, cpu c: Int) throws(SimError) -> InstrResult {
    let a = try value(val, cpu: c)
    if kernel.isModern, !waited, self[anonVMA: a].alive {
      let root = lockTarget(of: a)
      if let holders = lockHolders[root], !holders.isEmpty {
        let held = holders.map { "cpu\($0.cpu)" + ($0.mode == .exclusive ? "" : " \($0.mode.rawValue)") }
        let rootName = root == a ? av(a) : "\(av(a))'s root \(av(root))"
        return emit(
          c, "anon_vma_free",
          "rwsem_is_locked(\(rootName)): held by \(held.joined(separator: ", ")); "
            + "wait for it (anon_vma_lock_write, anon_vma_unlock_write) before freeing \(av(a))",
          objects: [.anonVMA(a)] + (root == a ? [] : [.anonVMA(root)]),
          then: [
            .lock(.anonVMALock(.lit(a)), .write), .unlock(.anonVMALock(.lit(a))), .freeAnonVMA(.lit(a), waited: true),
          ])
      }
    }
    if !self[anonVMA: a].alive {
      report(lifetimeCode, "\(av(a)) is freed twice", objects: [.anonVMA(a)])
    }
    if !self[anonVMA: a].head.isEmpty {
      report(lifetimeCode, "\(av(a)) is freed while VMAs are still on its list", objects: [.anonVMA(a)])
    }
    touchAnonVMA(a)
    if self[anonVMA: a].alive, let slot = memorySlot(of: a) { freeSlots.append(slot) }
    self[anonVMA: a].alive = false
    bookkeeping.freedThisStep.append(a)
    return emit(c, "anon_vma_free", "\(av(a)) freed", objects: [.anonVMA(a)])
  }

  /// drop_anon_vma(): atomic_dec_and_lock(), then free the anon_vma and maybe its root.
  ///
  /// `drop_anon_vma()`, mm/rmap.c; 2.6.34 and 2.6.36; 6.x: ``dropAnonVMAV6(_:transient:cpu:)``.
  mutating func dropAnonVMA(_ val: Val<AnonVMA>, transient: Bool, cpu c: Int) throws(SimError) -> InstrResult {
    let a = try value(val, cpu: c)
    return .expand([.decAndLockFast(anonVMA: a, transient: transient)])
  }

  /// The hypothetical plain atomic_dec_and_test(): decrement first, lock only afterwards.
  ///
  /// `atomic_dec_and_test()`, the `plain-dec` variant of drop_anon_vma(); 2.6.34.
  mutating func plainDecAndTest(anonVMA a: AnonVMAID, cpu c: Int) -> InstrResult {
    let count = self[anonVMA: a].refcount
    touchAnonVMA(a)
    self[anonVMA: a].refcount -= 1
    let then: [Instr] = count - 1 == 0 ? [.lock(.anonVMALock(.lit(a)), writeMode), .dropCheck(anonVMA: a)] : []
    return emit(
      c, "atomic_dec_and_test", "\(av(a)) \(counterName) \(count)→\(count - 1) without the lock",
      objects: [.anonVMA(a)],
      then: then)
  }

  /// atomic_dec_and_lock(), part 1: decrement without the lock unless it would reach 0.
  ///
  /// `atomic_dec_and_lock()`, lib/dec_and_lock.c; 2.6.34 and 2.6.36.
  mutating func decAndLockFast(anonVMA a: AnonVMAID, transient: Bool, cpu c: Int) -> InstrResult {
    if transient { pins[a, default: 0] -= 1 }
    let count = self[anonVMA: a].refcount
    if count != 1 {
      touchAnonVMA(a)
      self[anonVMA: a].refcount -= 1
      let bug = count <= 0 ? " (BUG: counter was already \(count))" : ""
      if count <= 0 {
        report(
          lifetimeCode, "drop of \(av(a)) whose \(counterName) is already \(count) (BUG_ON in drop_anon_vma)",
          objects: [.anonVMA(a)])
      }
      return emit(
        c, "atomic_dec_and_lock",
        "\(av(a)) \(counterName) \(count)→\(count - 1), not zero: no lock\(bug)",
        objects: [.anonVMA(a)])
    }
    return .expand([.lock(.anonVMALock(.lit(a)), writeMode), .decAndTest(anonVMA: a)])
  }

  /// atomic_dec_and_lock(), part 2: under the lock, decrement and test for zero.
  ///
  /// `atomic_dec_and_lock()`, lib/dec_and_lock.c; 2.6.34 and 2.6.36.
  mutating func decAndTest(anonVMA a: AnonVMAID, cpu c: Int) -> InstrResult {
    let count = self[anonVMA: a].refcount
    touchAnonVMA(a)
    self[anonVMA: a].refcount -= 1
    let zero = count - 1 == 0
    return emit(
      c, "atomic_dec_and_lock",
      "\(av(a)) \(counterName) \(count)→\(count - 1) under \(av(lockTarget(of: a)))'s lock",
      objects: [.anonVMA(a), .anonVMA(lockTarget(of: a))],
      then: [zero ? .dropCheck(anonVMA: a) : .unlock(.anonVMALock(.lit(a)))])
  }

  /// drop_anon_vma() under the lock: free it if its list is empty (`listEmpty`); 2.6.36 also drops the root's count
  /// (`freeRoot`).
  ///
  /// `drop_anon_vma()`, mm/rmap.c; 2.6.34 and 2.6.36.
  mutating func dropCheck(anonVMA a: AnonVMAID, cpu c: Int) -> InstrResult {
    let anon = self[anonVMA: a]
    let empty = anon.head.isEmpty
    let twoLevel = kernel == .v2_6_36 && !has(.noFiveFive)
    var text = "\(av(a)) list \(empty ? "empty" : "not empty")"
    var freeRoot = false
    var root = a
    if twoLevel, empty, let r = anon.root, r != a {
      root = r
      let before = self[anonVMA: r].refcount
      touchAnonVMA(r)
      self[anonVMA: r].refcount -= 1
      let last = before - 1 == 0
      let rootEmpty = self[anonVMA: r].head.isEmpty
      freeRoot = last && rootEmpty
      text +=
        "; root \(av(r)) \(counterName) \(before)→\(before - 1), list "
        + "\(rootEmpty ? "empty" : "not empty")"
    }
    cpus[c].regs.listEmpty = empty
    cpus[c].regs.freeRoot = freeRoot
    return emit(
      c, "drop_anon_vma",
      text,
      objects: [.anonVMA(a)] + (root != a ? [.anonVMA(root)] : []),
      then: [.unlock(.anonVMALock(.lit(a))), .dropFinish(anonVMA: a, root: root)])
  }

  /// drop_anon_vma()'s end, after the unlock: free the anon_vma and maybe its root.
  ///
  /// `drop_anon_vma()`, mm/rmap.c; 2.6.34 and 2.6.36.
  mutating func dropFinish(anonVMA a: AnonVMAID, root: AnonVMAID, cpu c: Int) -> InstrResult {
    var instrs: [Instr] = []
    if regs(c).listEmpty { instrs.append(.freeAnonVMA(.lit(a))) }
    if regs(c).freeRoot { instrs.append(.freeAnonVMA(.lit(root))) }
    return .expand(instrs)
  }

  /// The name of the model's anon_vma counter.
  var counterName: String {
    switch kernel {
    case .v2_6_34: return "ksm_refcount"
    case .v2_6_36: return "external_refcount"
    case .v6, .mainline: return "refcount"
    }
  }

  /// The invariant code of lifetime errors in this model.
  var lifetimeCode: String {
    switch kernel {
    case .v2_6_34: return "C8"
    case .v2_6_36: return "C9"
    case .v6, .mainline: return "C10"
    }
  }
}
