// The kernel functions of mm/rmap.c, mm/mmap.c, mm/memory.c, mm/ksm.c, mm/migrate.c and
// kernel/fork.c as micro-steps. Each case names the function it mirrors; unless a case says
// otherwise it follows Linux 2.6.36 (mm/rmap.c as merged with "always lock the root anon_vma"),
// with the 2.6.34 differences of kernel-semantics.md §B where they apply.

extension World {
  // swiftlint:disable:next cyclomatic_complexity function_body_length
  mutating func run(_ instr: Instr, cpu c: Int) throws(SimError) -> InstrResult {
    if kernel == .v6, let result = try runModern(instr, cpu: c) { return result }
    switch instr {
    case .op(let op): return .expand(try expand(op, cpu: c))

    // MARK: Page faults (mm/memory.c)

    /// handle_mm_fault() for a write: do_anonymous_page(), do_wp_page() or do_swap_page().
    case .faultWrite(let p, let v):
      let vma = try faultVMA(p, v)
      guard vmas[vma]?.prot == .rw else {
        throw SimError("write fault on read-only page \(locationName(process: p, vpage: v))")
      }
      switch processes[p].ptes[v] {
      case nil:
        return .expand([.anonVMAPrepare(vma: vma), .doAnonymousPage(process: p, vpage: v, zeroPage: false)])
      case .zero:
        return .expand([.anonVMAPrepare(vma: vma), .doAnonymousPage(process: p, vpage: v, zeroPage: true)])
      case .page(_, writable: true):
        return .expand([.noFault(process: p, vpage: v, why: "PTE already writable: no fault")])
      case .page(_, writable: false):
        return .expand([.doWPPage(process: p, vpage: v)])
      case .swap:
        return .expand([.doSwapPage(process: p, vpage: v, write: true)])
      case .migration:
        throw SimError("\(locationName(process: p, vpage: v)) is under migration")
      }

    /// handle_mm_fault() for a read: the zero page where nothing is mapped (no anon_vma).
    case .faultRead(let p, let v):
      _ = try faultVMA(p, v)
      switch processes[p].ptes[v] {
      case nil: return .expand([.mapZeroPage(process: p, vpage: v)])
      case .swap: return .expand([.doSwapPage(process: p, vpage: v, write: false)])
      case .migration:
        throw SimError("\(locationName(process: p, vpage: v)) is under migration")
      case .zero, .page:
        return .expand([.noFault(process: p, vpage: v, why: "already mapped: no fault")])
      }

    /// do_wp_page(): reuse the page if we are its only user (page_move_anon_rmap), else copy.
    case .doWPPage(let p, let v):
      let vma = try faultVMA(p, v)
      guard let page = page(process: p, vpage: v) else { throw SimError("internal: no page") }
      let pg = pages[page - 1]
      let others = pg.swapSlot.map { swapSlots[$0 - 1].count } ?? 0
      if ksmNode(of: page) == nil && pg.mapcount == 1 && others == 0 {
        return .expand([.pageMoveAnonRmap(process: p, vpage: v)])
      }
      return .expand([.anonVMAPrepare(vma: vma), .cowCopy(process: p, vpage: v)])

    /// do_swap_page(): read the page back (or find it in the swap cache) and map it.
    case .doSwapPage(let p, let v, let write):
      guard case .swap(let slot) = processes[p].ptes[v] else { throw SimError("internal: no swap") }
      let cached = swapSlots[slot - 1].cached.flatMap { pages[$0 - 1].freed ? nil : $0 }
      let users = swapSlots[slot - 1].count + (cached.map { pages[$0 - 1].mapcount } ?? 0)
      let exclusive = write && users == 1
      var instrs: [Instr] = [.swapInMap(process: p, vpage: v, exclusive: exclusive)]
      if write && !exclusive { instrs.append(.doWPPage(process: p, vpage: v)) }
      return .expand(instrs)

    case .doAnonymousPage(let p, let v, let zeroPage):
      guard let vma = vmaContaining(process: p, vpage: v), let anon = vmas[vma]?.anonVMA else {
        throw SimError("internal: no anon_vma for a new page")
      }
      let page = allocPage(mapping: .anon(anon), index: v)
      pages[page - 1].mapcount = 1
      setPTE(p, v, .page(page, writable: true))
      let fn = zeroPage ? "do_wp_page" : "do_anonymous_page"
      let what = zeroPage ? "copy of the zero page" : "new page"
      return emit(
        c, fn,
        "\(what) \(pg(page)) at \(locationName(process: p, vpage: v)), "
          + "page_add_new_anon_rmap files it in \(av(anon))",
        objects: [pg(page), av(anon)])

    case .cowCopy(let p, let v):
      guard let vma = vmaContaining(process: p, vpage: v), let anon = vmas[vma]?.anonVMA,
        let old = page(process: p, vpage: v)
      else { throw SimError("internal: COW without anon_vma") }
      let page = allocPage(mapping: .anon(anon), index: v)
      pages[page - 1].mapcount = 1
      setPTE(p, v, .page(page, writable: true))
      let freed = putPageMapping(old)
      return emit(
        c, "do_wp_page",
        "COW copy \(pg(old)) → \(pg(page)) at \(locationName(process: p, vpage: v)), "
          + "filed in \(av(anon))" + (freed ? "; \(pg(old)) freed" : ""),
        objects: [pg(old), pg(page), av(anon)])

    /// page_move_anon_rmap(): the only user reuses the page and re-files it in vma->anon_vma.
    case .pageMoveAnonRmap(let p, let v):
      guard let vma = vmaContaining(process: p, vpage: v), let anon = vmas[vma]?.anonVMA,
        let page = page(process: p, vpage: v)
      else { throw SimError("internal: reuse without anon_vma") }
      let before = pages[page - 1].mapping
      pages[page - 1].mapping = .anon(anon)
      setPTE(p, v, .page(page, writable: true))
      var from = ""
      if case .anon(let b) = before, b != anon { from = " (was \(av(b)))" }
      return emit(
        c, "page_move_anon_rmap",
        "reuse \(pg(page)) at \(locationName(process: p, vpage: v)): re-filed in "
          + "\(av(anon))\(from)",
        objects: [pg(page), av(anon)])

    case .mapZeroPage(let p, let v):
      setPTE(p, v, .zero)
      return emit(
        c, "do_anonymous_page",
        "read fault at \(locationName(process: p, vpage: v)): map the zero page, "
          + "no anon_vma")

    case .noFault(let p, let v, let why):
      return emit(c, "handle_mm_fault", "\(locationName(process: p, vpage: v)): \(why)")

    /// do_swap_page() → page_add_anon_rmap()/do_page_add_anon_rmap() → __page_set_anon_rmap().
    case .swapInMap(let p, let v, let exclusive):
      guard case .swap(let slot) = processes[p].ptes[v],
        let vma = vmaContaining(process: p, vpage: v), let vav = vmas[vma]?.anonVMA
      else { throw SimError("internal: swap-in without anon_vma") }
      var page = swapSlots[slot - 1].cached.flatMap { pages[$0 - 1].freed ? nil : $0 }
      var text = ""
      if page == nil {
        let fresh = allocPage(mapping: .none, index: v)
        pages[fresh - 1].swapSlot = slot
        swapSlots[slot - 1].cached = fresh
        page = fresh
        text = "read \(pg(fresh)) from swap slot \(slot)"
      } else if let page {
        text = "found \(pg(page)) in the swap cache"
      }
      guard let page else { throw SimError("internal: no page") }
      let first = pages[page - 1].mapcount == 0
      pages[page - 1].mapcount += 1
      setPTE(p, v, .page(page, writable: exclusive))
      if first {
        switch (kernel, pages[page - 1].mapping) {
        case (.v2_6_34, _):
          // 2.6.34 __page_set_anon_rmap(): non-exclusive pages go to the last (oldest) AVC's
          // anon_vma; 2.6.34-rc3 used vma->anon_vma (D.1).
          let target =
            exclusive || has(.swapinRC3) ? vav : (chainAnonVMAs(vma).last ?? vav)
          pages[page - 1].mapping = .anon(target)
          text += ", filed in \(av(target))"
        case (_, .anon(let keep)):
          text += ", already anon: stays in \(av(keep))"
        default:
          let target = exclusive ? vav : lockTarget(of: vav)
          pages[page - 1].mapping = .anon(target)
          text += ", filed in \(av(target))" + (exclusive ? " (exclusive)" : " (the root)")
        }
      }
      swapSlots[slot - 1].count -= 1
      if swapSlots[slot - 1].count == 0 {
        pages[page - 1].swapSlot = nil
        swapSlots[slot - 1].cached = nil
        text += "; swap slot \(slot) freed"
      }
      return emit(c, "do_swap_page", "\(locationName(process: p, vpage: v)): " + text, objects: [pg(page)])

    // MARK: anon_vma_prepare (mm/rmap.c)

    /// anon_vma_prepare(): give a VMA its anon_vma on the first write fault.
    case .anonVMAPrepare(let vma):
      guard vmas[vma]?.anonVMA == nil else { return .expand([]) }
      cpus[c].regs.allocatedAnonVMA = nil
      return .expand([
        .allocAVC, .findMergeableAnonVMA(vma: vma), .prepAllocIfNone,
        .lock(.anonVMALock(.reg(.anonVMA)), writeMode), .prepPublish(vma: vma),
        .unlock(.anonVMALock(.reg(.anonVMA))), .prepFinish,
      ])

    case .prepAllocIfNone:
      if cpus[c].regs.anonVMA != nil { return .expand([]) }
      return .expand([.allocAnonVMA(by: "anon_vma_prepare")])

    case .prepPublish(let vma):
      guard vmas[vma]?.anonVMA == nil else {
        cpus[c].regs.lostRace = true
        return .expand([.narrate(function: "anon_vma_prepare", text: "another thread won the race")])
      }
      cpus[c].regs.lostRace = false
      return .expand([
        .setVMAAnonVMA(vma: vma, anonVMA: .reg(.anonVMA), function: "anon_vma_prepare"),
        .linkSameVMA(vma: vma, avc: .reg(.avc), anonVMA: .reg(.anonVMA)),
        .linkSameAnonVMA(avc: .reg(.avc), atTail: kernel != .v2_6_34),
      ])

    case .prepFinish:
      guard regs(c).lostRace else { return .expand([]) }
      var instrs: [Instr] = []
      if let a = cpus[c].regs.allocatedAnonVMA { instrs.append(.freeAnonVMA(.lit(a))) }
      return .expand(instrs)

    case .allocAVC:
      let id = nextAVC
      nextAVC += 1
      avcs[id] = AVC(id: id, vma: 0, anonVMA: 0, onSameVMA: false, onSameAnonVMA: false)
      touchAVC(id)
      cpus[c].regs.avc = id
      return emit(c, "anon_vma_chain_alloc", "new anon_vma_chain avc\(id)")

    case .allocAnonVMA(let by):
      let id = anonVMAs.count + 1
      let prepare = by == "anon_vma_prepare"
      let v6 = kernel == .v6
      let reused = freeSlots.popLast()
      let slot = reused ?? (slotOccupant.count + 1)
      let previousOccupant = reused.map { slotOccupant[$0 - 1] }
      anonVMASlot.append(slot)
      if let reused, let previous = previousOccupant {
        slotOccupant[reused - 1] = id
        // The lock lives in the memory: whoever holds or waits for it now holds or waits for ours.
        if let holders = lockHolders.removeValue(forKey: previous) { lockHolders[id] = holders }
        for i in cpus.indices {
          cpus[i].holds = cpus[i].holds.map { $0 == previous ? id : $0 }
          if cpus[i].waitingFor == previous { cpus[i].waitingFor = id }
        }
      } else {
        slotOccupant.append(id)
      }
      anonVMAs.append(
        AnonVMA(
          id: id, root: kernel == .v2_6_34 ? nil : (prepare ? id : nil),
          parent: v6 && prepare ? id : nil, refcount: v6 ? 1 : 0, head: [],
          // 6.x: the root's self-parent link, and a forked anon_vma's first active VMA.
          numChildren: v6 && prepare ? 1 : 0, numActiveVMAs: v6 && !prepare ? 1 : 0,
          allLocksBit: false, alive: true, emptied: false, createdAt: step, createdBy: by))
      touchedAnonVMAs.insert(id)
      cpus[c].regs.anonVMA = id
      cpus[c].regs.allocatedAnonVMA = id
      var rootText = by == "anon_vma_prepare" && kernel != .v2_6_34 ? " (root = itself)" : ""
      if let previousOccupant { rootText += " in the memory of freed \(av(previousOccupant))" }
      if kernel == .v6 {
        rootText += prepare ? ", refcount 1, num_children 1 (self-parent link)" : ", refcount 1, num_active_vmas 1"
      }
      return emit(c, "anon_vma_alloc", "new anon_vma \(av(id))\(rootText)", objects: [av(id)])

    /// find_mergeable_anon_vma(): a compatible neighbour's anon_vma, if its chain is singular.
    case .findMergeableAnonVMA(let vma):
      let found = findMergeable(vma)
      cpus[c].regs.anonVMA = found
      let text =
        found.map { "reuse neighbour's \(av($0)) (singular chain)" }
        ?? "no compatible neighbour with a singular chain"
      return emit(c, "find_mergeable_anon_vma", text)

    case .setVMAAnonVMA(let vma, let val, let function):
      let a = try value(val, cpu: c)
      vmas[vma]?.anonVMA = a
      touchVMA(vma)
      var ptl = function == "anon_vma_prepare" ? " (under page_table_lock)" : " (where its new pages go)"
      if kernel == .v6, function == "anon_vma_prepare" {
        touchedAnonVMAs.insert(a)
        anonVMAs[a - 1].numActiveVMAs += 1
        ptl += ", num_active_vmas \(anonVMAs[a - 1].numActiveVMAs)"
      }
      return emit(c, function, "\(vmaName(vma))->anon_vma = \(av(a))\(ptl)", objects: [vmaName(vma), av(a)])

    // MARK: Chains (mm/rmap.c)

    case .linkSameVMA(let vma, let avcVal, let avVal):
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
        c, "anon_vma_chain_link",
        "avc\(id) (\(vmaName(vma)) → \(av(a))) added at the head of \(vmaName(vma))'s chain",
        objects: [vmaName(vma), av(a)])

    case .linkSameAnonVMA(let avcVal, let atTail):
      let id = try value(avcVal, cpu: c)
      guard let link = avcs[id] else { throw SimError("internal: no avc\(id)") }
      checkListLock(cpu: c, link.anonVMA, "linking avc\(id)")
      if anonVMAs[link.anonVMA - 1].emptied {
        report("C14", "\(av(link.anonVMA)) is linked again after its list became empty")
      }
      if !anonVMAs[link.anonVMA - 1].alive {
        report(lifetimeCode, "avc\(id) is linked to freed \(av(link.anonVMA))")
      }
      touchedAnonVMAs.insert(link.anonVMA)
      if kernel == .v6 {
        // anon_vma_interval_tree_insert(): the tree's in-order position, not the list's end.
        let at = treeInsertionIndex(of: id, in: link.anonVMA)
        anonVMAs.update(link.anonVMA - 1) { $0.head.insert(id, at: at) }
      } else {
        anonVMAs.update(link.anonVMA - 1) {
          if atTail { $0.head.append(id) } else { $0.head.insert(id, at: 0) }
        }
      }
      avcs.update(id) { $0.onSameAnonVMA = true }
      touchAVC(id)
      if kernel == .v6 {
        return emit(
          c, "anon_vma_interval_tree_insert",
          "\(vmaName(link.vma)) into \(av(link.anonVMA))'s interval tree",
          objects: [vmaName(link.vma), av(link.anonVMA)])
      }
      return emit(
        c, atTail ? "list_add_tail" : "list_add",
        "\(vmaName(link.vma)) added at the \(atTail ? "tail" : "head") of "
          + "\(av(link.anonVMA))'s same_anon_vma list",
        objects: [vmaName(link.vma), av(link.anonVMA)])

    /// anon_vma_clone(): one new AVC per source anon_vma, walking the source oldest first.
    case .anonVMAClone(let dstVal, let src):
      let dst = try value(dstVal, cpu: c)
      var instrs: [Instr] = []
      for a in chainAnonVMAs(src).reversed() {
        instrs.append(.allocAVC)
        instrs.append(.anonVMAChainLink(vma: dst, avc: .reg(.avc), anonVMA: .lit(a)))
      }
      return .expand(instrs)

    /// anon_vma_chain_link(): same_vma add at head, then the anon_vma's list under its lock.
    case .anonVMAChainLink(let vma, let avcVal, let avVal):
      let id = try value(avcVal, cpu: c)
      let a = try value(avVal, cpu: c)
      return call(
        .linkSameVMA(vma: vma, avc: .lit(id), anonVMA: .lit(a)),
        .lock(.anonVMALock(.lit(a)), writeMode),
        .linkSameAnonVMA(avc: .lit(id), atTail: true),
        .unlock(.anonVMALock(.lit(a))), on: c)

    /// anon_vma_fork(): clone the parent's chain, then add the child's own anon_vma.
    case .anonVMAFork(let child, let parent):
      guard vmas[parent]?.anonVMA != nil else {
        return .expand([
          .narrate(function: "anon_vma_fork", text: "\(vmaName(parent)) has no anon_vma: nothing to do")
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

    case .setRootFromParent(let avVal, let parentVMA):
      let a = try value(avVal, cpu: c)
      guard let pav = vmas[parentVMA]?.anonVMA else { throw SimError("internal: no parent anon_vma") }
      let root = anonVMAs[pav - 1].root ?? pav
      touchedAnonVMAs.insert(a)
      anonVMAs[a - 1].root = root
      touchedAnonVMAs.insert(a)
      if kernel == .v6 { anonVMAs[a - 1].parent = pav }
      return emit(
        c, "anon_vma_fork",
        "\(av(a))->root = \(av(pav))->root = \(av(root))"
          + (kernel == .v6 ? ", ->parent = \(av(pav))" : ""),
        objects: [av(a), av(root)])

    /// get_anon_vma(): the fork-time pin of the root (on the root), or a migration pin.
    case .getAnonVMA(let val, let transient):
      var a = try value(val, cpu: c)
      if !transient { a = anonVMAs[a - 1].root ?? a }
      let before = anonVMAs[a - 1].refcount
      touchedAnonVMAs.insert(a)
      anonVMAs[a - 1].refcount += 1
      if transient { pins[a, default: 0] += 1 }
      let why = transient ? "pin for migration" : "the root is pinned until the child is freed"
      return emit(c, "get_anon_vma", "\(av(a)) \(counterName) \(before)→\(before + 1) (\(why))", objects: [av(a)])

    /// dup_mmap(): copy every VMA of the parent (kernel/fork.c).
    case .dupMMAP(let parent, let child):
      guard let ci = processIndex(named: child) else { throw SimError("internal: no child") }
      return .expand(processes[parent].vmas.map { .dupVMA(parentVMA: $0, child: ci) })

    case .dupVMA(let pvma, let child):
      return .expand([
        .copyVMA(parentVMA: pvma, child: child),
        .anonVMAForkReg(parent: pvma),
        .copyPageRange(parentVMA: pvma, childVMA: .reg(.vma)),
      ])

    case .anonVMAForkReg(let pvma):
      let child = try value(.reg(.vma), cpu: c)
      return .expand([.anonVMAFork(child: child, parent: pvma)])

    case .newMM(let name, let parent):
      var mappings: [Mapping] = []
      var next = 0
      if let parent {
        mappings = processes[parent].mappings.filter { m in
          processes[parent].vmas.contains { vmas[$0]?.mapping == m.name }
        }
        next = processes[parent].nextAddress
      }
      processes.append(
        Process(
          name: name, parent: parent, alive: true, vmas: [], ptes: [:], mappings: mappings,
          nextAddress: next, createdAt: step))
      let text = parent.map { "new mm for \(name), child of \(processes[$0].name)" } ?? "new mm for \(name)"
      return emit(c, parent == nil ? "mm_alloc" : "dup_mm", text)

    case .copyVMA(let pvma, let child):
      guard var copy = vmas[pvma] else { throw SimError("internal: no parent VMA") }
      let id = nextVMA
      nextVMA += 1
      copy.id = id
      copy.process = child
      copy.chainTailFirst = []
      copy.createdAt = step
      vmas[id] = copy
      touchVMA(id)
      insertSorted(vma: id, process: child)
      cpus[c].regs.vma = id
      let anonText = copy.anonVMA.map { ", anon_vma still \(av($0)) until anon_vma_fork" } ?? ""
      return emit(
        c, "dup_mmap",
        "\(vmaName(id)) copied from \(vmaName(pvma)), chain emptied\(anonText)",
        objects: [vmaName(id)])

    /// copy_page_range(): share the parent's pages read-only (skipped without an anon_vma).
    case .copyPageRange(let pvma, let childVal):
      let child = try value(childVal, cpu: c)
      guard let parent = vmas[pvma], let cp = vmas[child]?.process else {
        throw SimError("internal: copy_page_range")
      }
      guard parent.anonVMA != nil else {
        return emit(
          c, "copy_page_range",
          "\(vmaName(pvma)) has no anon_vma: skipped, faults will fill \(vmaName(child))")
      }
      var shared = 0
      // Every address of the VMA is looked at, mapped or not: work in proportion to its size.
      work.value += parent.end - parent.start
      for v in parent.start..<parent.end {
        switch processes[parent.process].ptes[v] {
        case .page(let page, _):
          setPTE(parent.process, v, .page(page, writable: false))
          setPTE(cp, v, .page(page, writable: false))
          pages[page - 1].mapcount += 1
          shared += 1
        case .zero:
          setPTE(cp, v, .zero)
        case .swap(let slot):
          swapSlots[slot - 1].count += 1
          setPTE(cp, v, .swap(slot))
        case .migration(let page, let w):
          setPTE(cp, v, .migration(page, writable: w))
        case nil: break
        }
      }
      return emit(c, "copy_page_range", "\(shared) page(s) shared with \(vmaName(child)), write-protected in both")

    case .mmapRegion(let p, let name, let n, let growsDown):
      let base = processes[p].nextAddress
      processes[p].nextAddress = base + n + 16
      processes[p].mappings.removeAll { $0.name == name }
      processes[p].mappings.append(Mapping(name: name, base: base, pages: n, growsDown: growsDown))
      let id = nextVMA
      nextVMA += 1
      vmas[id] = VMA(
        id: id, process: p, mapping: name, base: base, start: base, end: base + n, pgoff: base,
        prot: .rw, growsDown: growsDown, anonVMA: nil, chainTailFirst: [], detached: false, createdAt: step)
      touchVMA(id)
      insertSorted(vma: id, process: p)
      return emit(
        c, "mmap_region",
        "\(vmaName(id)): \(n) page(s), private anonymous, no anon_vma yet",
        objects: [vmaName(id)])

    // MARK: Exit and munmap (mm/mmap.c)

    case .exitMM(let p):
      processes[p].alive = false
      for id in processes[p].vmas { vmas[id]?.detached = true }
      detachedVMAs += processes[p].vmas
      processes[p].vmas = []
      let items = stableNodes.filter(\.alive).flatMap(\.items).filter { $0.process == p }.count
      let ksm = items > 0 ? "; ksm_exit leaves \(items) rmap_item(s) for ksmd" : ""
      return emit(c, "exit_mmap", "\(processes[p].name): mm_users → 0\(ksm)")

    /// do_munmap(): split at the edges, then detach, zap, unlink and free what lies inside.
    case .doMunmap(let p, let start, let end):
      let list = processes[p].vmas.compactMap { vmas[$0] }
      if let first = list.first(where: { $0.end > start && $0.start < end }), first.start < start {
        return .expand([.splitVMA(vma: first.id, at: start, newBelow: false), .doMunmap(process: p, start: start, end: end)])
      }
      if let last = list.first(where: { $0.start < end && end < $0.end }) {
        return .expand([.splitVMA(vma: last.id, at: end, newBelow: true), .doMunmap(process: p, start: start, end: end)])
      }
      let inside = list.filter { $0.start >= start && $0.end <= end }.map(\.id)
      guard !inside.isEmpty else {
        return .expand([.narrate(function: "do_munmap", text: "nothing mapped in that range")])
      }
      return .expand(
        [.detachVMAs(process: p, start: start, end: end)]
          + inside.map { .zapVMA(vma: $0, start: vmas[$0]?.start ?? 0, end: vmas[$0]?.end ?? 0) }
          + inside.map { .unlinkAnonVMAs(vma: $0) } + inside.map { .removeVMA(vma: $0) })

    case .detachVMAs(let p, let start, let end):
      let inside = processes[p].vmas.filter { id in
        guard let v = vmas[id] else { return false }
        return v.start >= start && v.end <= end
      }
      processes[p].vmas.removeAll { inside.contains($0) }
      for id in inside { vmas[id]?.detached = true }
      detachedVMAs += inside
      return emit(c, "detach_vmas_to_be_unmapped", inside.map { vmaName($0) }.joined(separator: ", "))

    /// unmap_vmas() / zap_pte_range(): drop every PTE of the VMA.
    case .zapVMA(let vma, let start, let end):
      guard let p = vmas[vma]?.process else { throw SimError("internal: zap") }
      var zapped = 0
      var freed: [String] = []
      work.value += end - start
      for v in start..<end {
        guard let pte = removePTE(p, v) else { continue }
        zapped += 1
        switch pte {
        case .page(let page, _):
          if putPageMapping(page) { freed.append(pg(page)) }
        case .migration(let page, _):
          _ = page
        case .swap(let slot):
          swapSlots[slot - 1].count -= 1
          if swapSlots[slot - 1].count == 0, let cached = swapSlots[slot - 1].cached {
            pages[cached - 1].swapSlot = nil
            swapSlots[slot - 1].cached = nil
            if freeIfUnused(cached) { freed.append(pg(cached)) }
          }
        case .zero: break
        }
      }
      let freedText = freed.isEmpty ? "" : "; freed \(freed.joined(separator: ", "))"
      return emit(c, "unmap_vmas", "\(vmaName(vma)): \(zapped) PTE(s) zapped\(freedText)")

    case .removeVMA(let vma):
      let name = vmaName(vma)
      if let v = vmas[vma] {
        processes[v.process].vmas.removeAll { $0 == vma }
        for id in v.chainTailFirst {
          touchAVC(id)
          avcs[id] = nil
        }
        touchedProcesses.insert(v.process)
      }
      detachedVMAs.removeAll { $0 == vma }
      vmas[vma] = nil
      return emit(c, "remove_vma", "\(name) freed")

    /// unlink_anon_vmas(): walk the chain head to tail (newest to oldest).
    case .unlinkAnonVMAs(let vma):
      var instrs: [Instr] = []
      for avc in vmas[vma]?.chain ?? [] {
        instrs.append(.anonVMAUnlink(avc: avc))
        instrs.append(.freeAVC(vma: vma, avc: avc))
      }
      return .expand(instrs)

    /// anon_vma_unlink(): off the anon_vma's list under the (root) lock; free it if empty.
    case .anonVMAUnlink(let id):
      guard let link = avcs[id] else { throw SimError("internal: no avc\(id)") }
      let a = link.anonVMA
      return call(
        .lock(.anonVMALock(.lit(a)), writeMode), .listDelSameAnonVMA(avc: id),
        .computeEmpty(anonVMA: a), .unlock(.anonVMALock(.lit(a))), .unlinkFreeIfEmpty(anonVMA: a), on: c)

    case .listDelSameAnonVMA(let id):
      guard let link = avcs[id] else { throw SimError("internal: no avc\(id)") }
      checkListLock(cpu: c, link.anonVMA, "unlinking avc\(id)")
      touchedAnonVMAs.insert(link.anonVMA)
      anonVMAs.update(link.anonVMA - 1) {
        $0.head.removeAll { $0 == id }
        if $0.head.isEmpty { $0.emptied = true }
      }
      avcs.update(id) { $0.onSameAnonVMA = false }
      touchAVC(id)
      return emit(
        c, "list_del",
        "\(vmaName(link.vma)) off \(av(link.anonVMA))'s same_anon_vma list",
        objects: [vmaName(link.vma), av(link.anonVMA)])

    case .computeEmpty(let a):
      let anon = anonVMAs[a - 1]
      let empty = anon.head.isEmpty && anon.refcount == 0
      cpus[c].regs.listEmpty = empty
      return emit(
        c, "anon_vma_unlink",
        "\(av(a)): list \(anon.head.isEmpty ? "empty" : "not empty"), "
          + "\(counterName) \(anon.refcount) → \(empty ? "free it" : "keep it")")

    case .unlinkFreeIfEmpty(let a):
      guard regs(c).listEmpty else { return .expand([]) }
      var instrs: [Instr] = []
      let root = anonVMAs[a - 1].root
      if kernel == .v2_6_36, let root, root != a || has(.rootSelfDrop), !has(.noFiveFive) {
        instrs.append(.dropAnonVMA(.lit(root), transient: false))
      }
      instrs.append(.freeAnonVMA(.lit(a)))
      return .expand(instrs)

    case .freeAVC(let vma, let id):
      vmas.update(vma) {
        if let i = $0.chainTailFirst.lastIndex(of: id) { $0.chainTailFirst.remove(at: i) }
      }
      if let p = vmas.withObject(vma, \.process) { touchedProcesses.insert(p) }
      touchAVC(id)
      avcs.remove(id)
      return emit(c, "anon_vma_chain_free", "avc\(id) off \(vmaName(vma))'s chain, freed")

    case .freeAnonVMA(let val):
      let a = try value(val, cpu: c)
      if !anonVMAs[a - 1].alive {
        report(lifetimeCode, "\(av(a)) is freed twice")
      }
      if !anonVMAs[a - 1].head.isEmpty {
        report(lifetimeCode, "\(av(a)) is freed while VMAs are still on its list")
      }
      touchedAnonVMAs.insert(a)
      if anonVMAs[a - 1].alive { freeSlots.append(anonVMASlot[a - 1]) }
      anonVMAs[a - 1].alive = false
      freedThisStep.append(a)
      return emit(c, "anon_vma_free", "\(av(a)) freed", objects: [av(a)])

    // MARK: drop_anon_vma (2.6.36 mm/rmap.c; 2.6.34 mm/ksm.c)

    /// drop_anon_vma(): atomic_dec_and_lock(), then free the anon_vma and maybe its root.
    case .dropAnonVMA(let val, let transient):
      let a = try value(val, cpu: c)
      return .expand([.decAndLockFast(anonVMA: a, transient: transient)])

    case .ksmDropAnonVMA(let a):
      if has(.plainDec) { return .expand([.plainDecAndTest(anonVMA: a)]) }
      return .expand([.decAndLockFast(anonVMA: a, transient: false)])

    /// The hypothetical plain atomic_dec_and_test(): decrement first, lock only afterwards.
    case .plainDecAndTest(let a):
      let count = anonVMAs[a - 1].refcount
      touchedAnonVMAs.insert(a)
      anonVMAs[a - 1].refcount -= 1
      let then: [Instr] = count - 1 == 0 ? [.lock(.anonVMALock(.lit(a)), writeMode), .dropCheck(anonVMA: a)] : []
      return emit(
        c, "atomic_dec_and_test", "\(av(a)) \(counterName) \(count)→\(count - 1) without the lock", objects: [av(a)],
        then: then)

    /// atomic_dec_and_lock(), part 1: decrement without the lock unless it would reach 0.
    case .decAndLockFast(let a, let transient):
      if transient { pins[a, default: 0] -= 1 }
      let count = anonVMAs[a - 1].refcount
      if count != 1 {
        touchedAnonVMAs.insert(a)
        anonVMAs[a - 1].refcount -= 1
        let bug = count <= 0 ? " (BUG: counter was already \(count))" : ""
        if count <= 0 {
          report(lifetimeCode, "drop of \(av(a)) whose \(counterName) is already \(count) (BUG_ON in drop_anon_vma)")
        }
        return emit(
          c, "atomic_dec_and_lock",
          "\(av(a)) \(counterName) \(count)→\(count - 1), not zero: no lock\(bug)",
          objects: [av(a)])
      }
      return .expand([.lock(.anonVMALock(.lit(a)), writeMode), .decAndTest(anonVMA: a)])

    /// atomic_dec_and_lock(), part 2: under the lock, decrement and test for zero.
    case .decAndTest(let a):
      let count = anonVMAs[a - 1].refcount
      touchedAnonVMAs.insert(a)
      anonVMAs[a - 1].refcount -= 1
      let zero = count - 1 == 0
      return emit(
        c, "atomic_dec_and_lock",
        "\(av(a)) \(counterName) \(count)→\(count - 1) under \(av(lockTarget(of: a)))'s lock",
        objects: [av(a)], then: [zero ? .dropCheck(anonVMA: a) : .unlock(.anonVMALock(.lit(a)))])

    case .dropCheck(let a):
      let anon = anonVMAs[a - 1]
      let empty = anon.head.isEmpty
      let twoLevel = kernel == .v2_6_36 && !has(.noFiveFive)
      var text = "\(av(a)) list \(empty ? "empty" : "not empty")"
      var freeRoot = false
      var root = a
      if twoLevel, empty, let r = anon.root, r != a {
        root = r
        let before = anonVMAs[r - 1].refcount
        touchedAnonVMAs.insert(r)
        anonVMAs[r - 1].refcount -= 1
        let last = before - 1 == 0
        let rootEmpty = anonVMAs[r - 1].head.isEmpty
        freeRoot = last && rootEmpty
        text += "; root \(av(r)) \(counterName) \(before)→\(before - 1), list "
          + "\(rootEmpty ? "empty" : "not empty")"
      }
      cpus[c].regs.listEmpty = empty
      cpus[c].regs.freeRoot = freeRoot
      return emit(
        c, "drop_anon_vma",
        text,
        objects: [av(a)], then: [.unlock(.anonVMALock(.lit(a))), .dropFinish(anonVMA: a, root: root)])

    case .dropFinish(let a, let root):
      var instrs: [Instr] = []
      if regs(c).listEmpty { instrs.append(.freeAnonVMA(.lit(a))) }
      if regs(c).freeRoot { instrs.append(.freeAnonVMA(.lit(root))) }
      return .expand(instrs)

    // MARK: Locks

    case .lock(let ref, let mode):
      let (requested, target) = try resolveLock(ref, cpu: c)
      if lockHolders.contains(target, where: { $0.cpu == c }) {
        report(
          "C18", "cpu\(c) acquires \(av(target))'s lock, which it already holds (self-deadlock)")
        cpus[c].waitingFor = target
        cpus[c].waitingMode = mode
        return .deadlock(target)
      }
      let compatible = lockAvailable(target, for: mode)
      guard compatible else {
        cpus[c].waitingFor = target
        cpus[c].waitingMode = mode
        return .block(target)
      }
      // page_lock_anon_vma() of 2.6.36+ may lock a freed root under rcu_read_lock() and then
      // re-checks page_mapped(): "SLAB_DESTROY_BY_RCU guarantees that - so the spin_lock above
      // cannot corrupt" (mm/rmap.c). Anywhere else, locking a freed anon_vma is a use after free.
      if !anonVMAs[target - 1].alive && !regs(c).rcuPageLock {
        report(
          kernel == .v2_6_34 ? "C15" : "C11",
          "cpu\(c) locks \(av(target)), which has been freed")
      }
      if kernel != .v2_6_34, anonVMAs[target - 1].root != target {
        report("C16", "cpu\(c) takes the lock of \(av(target)), which is not a root")
      }
      lockHolders.add(LockHolder(cpu: c, mode: mode, op: cpus[c].op), to: target)
      cpus[c].holds.append(target)
      cpus[c].holdModes.append(mode)
      // Text only when narrating (an autoclosure): quiet builds take millions of locks.
      return emit(
        c, lockFunction(mode),
        "lock \(av(target))\(requested == target ? "" : " (root of \(av(requested)))")"
          + (mode == .exclusive ? "" : " for \(mode.rawValue)"),
        objects: [av(target)])

    case .unlock(let ref):
      let (requested, target) = try resolveLock(ref, cpu: c)
      guard let index = cpus.withUnsafeBufferPointer({ $0[c].holds.lastIndex(of: target) }) else {
        report("C20", "cpu\(c) unlocks \(av(target))'s lock, which it does not hold")
        return emit(c, "anon_vma_unlock", "unlock \(av(target)) (not held!)")
      }
      cpus[c].holds.remove(at: index)
      let mode = cpus[c].holdModes.remove(at: index)
      lockHolders.remove(from: target) { $0.cpu == c }
      return emit(
        c, unlockFunction(mode),
        "unlock \(av(target))\(requested == target ? "" : " (root of \(av(requested)))")",
        objects: [av(target)])

    // MARK: Split and merge (mm/mmap.c)

    /// __split_vma(): copy, clone the chain, then vma_adjust() inserts the new piece.
    case .splitVMA(let vma, let at, let newBelow):
      return .expand([
        .copyVMAForSplit(vma: vma, at: at, newBelow: newBelow),
        .anonVMAClone(dst: .reg(.vma), src: vma),
        .splitAdjust(vma: vma, at: at, newBelow: newBelow),
      ])

    case .copyVMAForSplit(let vma, let at, let newBelow):
      guard var copy = vmas[vma] else { throw SimError("internal: split") }
      let id = nextVMA
      nextVMA += 1
      copy.id = id
      copy.chainTailFirst = []
      copy.createdAt = step
      if newBelow {
        copy.end = at
      } else {
        copy.pgoff += at - copy.start
        copy.start = at
      }
      vmas[id] = copy
      touchVMA(id)
      cpus[c].regs.vma = id
      return emit(
        c, "__split_vma",
        "new VMA \(vmaName(id)) split off \(vmaName(vma)) at page \(at - copy.base)",
        objects: [vmaName(id)])

    case .splitAdjust(let vma, let at, let newBelow):
      let new = try value(.reg(.vma), cpu: c)
      guard let v = vmas[vma] else { throw SimError("internal: split") }
      let args =
        newBelow
        ? AdjustArgs(vma: vma, start: at, end: v.end, pgoff: v.pgoff + (at - v.start), insert: new)
        : AdjustArgs(vma: vma, start: v.start, end: at, pgoff: v.pgoff, insert: new)
      return .expand([.vmaAdjust(args)])

    /// vma_adjust(): importer/exporter clone, then the locked update (2.6.36 lock condition).
    case .vmaAdjust(let args):
      guard let vma = vmas[args.vma] else { throw SimError("internal: vma_adjust") }
      var end = args.end
      var importer: Int?
      var removeNext = 0
      var adjustNext = 0
      var instrs: [Instr] = []
      let next = nextVMA(after: args.vma)
      if let nid = next, let nv = vmas[nid], args.insert == nil {
        var exporter: Int?
        if end >= nv.end {
          removeNext = 1 + (end > nv.end ? 1 : 0)
          end = nv.end
          exporter = nid
          importer = args.vma
        } else if end > nv.start {
          adjustNext = end - nv.start
          exporter = nid
          importer = args.vma
        } else if end < vma.end {
          adjustNext = -(vma.end - end)
          exporter = args.vma
          importer = nid
        }
        if let exporter, let importer, vmas[exporter]?.anonVMA != nil,
          vmas[importer]?.anonVMA == nil
        {
          if kernel == .v6 {
            // dup_anon_vma(): copy the pointer, then clone (which counts the active VMA).
            instrs.append(.setImporterAnonVMA(importer: importer, exporter: exporter))
            instrs.append(.anonVMAClone(dst: .lit(importer), src: exporter))
          } else {
            instrs.append(.anonVMAClone(dst: .lit(importer), src: exporter))
            instrs.append(.setImporterAnonVMA(importer: importer, exporter: exporter))
          }
        }
      }
      var locked = args
      locked.end = end
      instrs.append(
        .vmaAdjustLocked(
          locked, next: next, removeNext: removeNext, adjustNext: adjustNext, importer: importer))
      if removeNext == 2 {
        // "goto again": after removing next, swallow the one after it too.
        instrs.append(.vmaAdjust(args))
      }
      return .expand(instrs)

    case .setImporterAnonVMA(let importer, let exporter):
      let a = vmas[exporter]?.anonVMA
      vmas[importer]?.anonVMA = a
      touchVMA(importer)
      return emit(
        c, "vma_adjust",
        "importer \(vmaName(importer))->anon_vma = \(a.map { av($0) } ?? "NULL") "
          + "(from exporter \(vmaName(exporter)))")

    case .vmaAdjustLocked(let args, let next, let removeNext, let adjustNext, let importer):
      guard let vma = vmas[args.vma] else { throw SimError("internal: vma_adjust") }
      var instrs: [Instr] = []
      var lockAV: Int?
      // 6.x (__vma_adjust of 6.1, vma_prepare() since 6.3): `anon_vma = vma->anon_vma`, else
      // next's when next's start moves; any bound change re-keys the interval trees.
      let modernAV = vma.anonVMA ?? (adjustNext != 0 ? next.flatMap { vmas[$0]?.anonVMA } : nil)
      if kernel == .v6, let a = modernAV {
        lockAV = a
        instrs.append(.lock(.anonVMALock(.lit(a)), writeMode))
      } else if kernel == .v2_6_36, let a = vma.anonVMA,
        args.insert != nil || importer != nil || args.start != vma.start
      {
        lockAV = a
        instrs.append(.lock(.anonVMALock(.lit(a)), writeMode))
      } else if vma.anonVMA != nil {
        let why =
          kernel == .v2_6_34
          ? "2.6.34 takes no anon_vma lock here" : "only vm_end changes: no anon_vma lock"
        instrs.append(.narrate(function: "vma_adjust", text: why))
      }
      let adjustedNext = removeNext > 0 ? nil : next
      instrs.append(.adjustBounds(args, next: adjustedNext, adjustNext: adjustNext))
      if removeNext > 0, let next {
        instrs.append(.unlinkNextVMA(vma: args.vma, next: next))
      } else if let insert = args.insert {
        instrs.append(.insertVMA(vma: insert))
      }
      if kernel == .v6, lockAV != nil {
        // vma_complete(): anon_vma_interval_tree_post_update_vma(vma), then adj_next's.
        instrs.append(.treeReinsert(vma: args.vma))
        if adjustNext != 0, let next { instrs.append(.treeReinsert(vma: next)) }
      }
      if let lockAV { instrs.append(.unlock(.anonVMALock(.lit(lockAV)))) }
      if removeNext > 0, let next {
        instrs.append(.vmaAdjustRemove(args, next: next, removeNext: removeNext))
      }
      return .expand(instrs)

    case .adjustBounds(let args, let next, let adjustNext):
      guard let vma = vmas[args.vma] else { throw SimError("internal: vma_adjust") }
      if kernel == .v2_6_36, let a = vma.anonVMA,
        args.start != vma.start || args.pgoff != vma.pgoff,
        !cpus[c].holds.contains(lockTarget(of: a))
      {
        report("C17", "\(vmaName(args.vma))'s vm_start/vm_pgoff change without its root lock")
      }
      let before = vmaName(args.vma)
      vmas[args.vma]?.start = args.start
      touchVMA(args.vma)
      vmas[args.vma]?.end = args.end
      touchVMA(args.vma)
      var text = "\(before): vm_start/vm_end → pages \(args.start - vma.base)..\(args.end - vma.base - 1)"
      if args.start != vma.start, let p = vmas[args.vma]?.process {
        insertSorted(vma: args.vma, process: p)
      }
      // vm_pgoff is a separate store: a lockless reader in between sees a half-updated VMA (D.2).
      if args.pgoff != vma.pgoff {
        text += " (vm_pgoff not yet updated)"
        return emit(
          c, "vma_adjust",
          text,
          then: [.adjustPgoff(vma: args.vma, pgoff: args.pgoff, next: next, adjustNext: adjustNext)])
      }
      return emit(
        c, "vma_adjust",
        text,
        then: next != nil && adjustNext != 0 ? [.adjustPgoff(vma: args.vma, pgoff: args.pgoff, next: next, adjustNext: adjustNext)] : [])

    case .adjustPgoff(let id, let pgoff, let next, let adjustNext):
      var then: [Instr] = []
      if let next, adjustNext != 0 { then = [.adjustNextStart(next: next, delta: adjustNext)] }
      guard vmas[id]?.pgoff != pgoff else { return .expand(then) }
      vmas[id]?.pgoff = pgoff
      touchVMA(id)
      return emit(c, "vma_adjust", "\(vmaName(id)): vm_pgoff = \(pgoff)", then: then)

    case .adjustNextStart(let next, let delta):
      guard let nv = vmas[next] else { throw SimError("internal: adjust_next") }
      let nb = vmaName(next)
      vmas[next]?.start = nv.start + delta
      touchVMA(next)
      insertSorted(vma: next, process: nv.process)
      return emit(
        c, "vma_adjust",
        "\(nb): next->vm_start moves to page \(nv.start + delta - nv.base) (vm_pgoff not yet updated)",
        then: [.adjustNextPgoff(next: next, delta: delta)])

    case .adjustNextPgoff(let next, let delta):
      guard let nv = vmas[next] else { throw SimError("internal: adjust_next") }
      vmas[next]?.pgoff = nv.pgoff + delta
      touchVMA(next)
      return emit(c, "vma_adjust", "\(vmaName(next)): next->vm_pgoff = \(nv.pgoff + delta)")

    case .insertVMA(let id):
      guard let p = vmas[id]?.process else { throw SimError("internal: insert") }
      insertSorted(vma: id, process: p)
      return emit(c, "__insert_vm_struct", "\(vmaName(id)) linked into the mm")

    case .unlinkNextVMA(let vma, let next):
      guard let p = vmas[next]?.process else { throw SimError("internal: unlink") }
      processes[p].vmas.removeAll { $0 == next }
      vmas[next]?.detached = true
      touchVMA(next)
      detachedVMAs.append(next)
      return emit(c, "__vma_unlink", "\(vmaName(next)) merged into \(vmaName(vma)), unlinked from the mm")

    /// anon_vma_merge() + remove the swallowed VMA.
    case .vmaAdjustRemove(let args, let next, _):
      var instrs: [Instr] = []
      if let n = vmas[next], n.anonVMA != nil {
        if vmas[args.vma]?.anonVMA != n.anonVMA {
          report(
            "C6",
            "anon_vma_merge: \(vmaName(args.vma)) and \(vmaName(next)) have different anon_vmas")
        }
        instrs.append(.narrate(function: "anon_vma_merge", text: "unlink_anon_vmas(\(vmaName(next)))"))
        instrs.append(.unlinkAnonVMAs(vma: next))
      }
      instrs.append(.removeVMA(vma: next))
      return .expand(instrs)

    /// mprotect_fixup() (mm/mprotect.c, 2.6.34 and 2.6.36; vma_modify_flags() in 6.x): try
    /// vma_merge(), else split at the edges; then `success: vma->vm_flags = newflags` and
    /// change_protection() over [start, end).
    case .mprotectFixup(let p, let start, let end, let prot):
      guard let vid = vmaContaining(process: p, vpage: start), let vma = vmas[vid] else {
        throw SimError("mprotect: page \(locationName(process: p, vpage: start)) is not mapped")
      }
      let tmpEnd = min(vma.end, end)
      let rest: [Instr] = tmpEnd < end ? [.mprotectNext(process: p, after: tmpEnd, end: end, prot: prot)] : []
      if vma.prot == prot {
        return .expand(
          [.narrate(function: "mprotect_fixup", text: "\(vmaName(vid)) is already \(prot.rawValue)")]
            + rest)
      }
      let prev = start > vma.start ? vid : prevVMA(before: vid)
      if let plan = vmaMergePlan(
        process: p, prev: prev, addr: start, end: tmpEnd, prot: prot, growsDown: vma.growsDown,
        anonVMA: vma.anonVMA, pgoff: vma.pgoff + (start - vma.start))
      {
        return .expand(
          [.vmaAdjust(plan), .changeProtection(process: p, start: start, end: tmpEnd, prot: prot, merged: true)]
            + rest)
      }
      var instrs: [Instr] = []
      if start != vma.start { instrs.append(.splitVMA(vma: vid, at: start, newBelow: true)) }
      if tmpEnd != vma.end { instrs.append(.splitVMA(vma: vid, at: tmpEnd, newBelow: false)) }
      instrs.append(.changeProtection(process: p, start: start, end: tmpEnd, prot: prot, merged: false))
      return .expand(instrs + rest)

    /// sys_mprotect()'s loop: `nstart = tmp; if (nstart < prev->vm_end) nstart = prev->vm_end;`
    /// after a merge the VMA just changed may reach past `after`, and what it covers is done.
    case .mprotectNext(let p, let after, let end, let prot):
      let reached = vmaContaining(process: p, vpage: after - 1).flatMap { vmas[$0]?.end } ?? after
      let nstart = max(after, reached)
      return .expand(nstart < end ? [.mprotectFixup(process: p, start: nstart, end: end, prot: prot)] : [])

    case .changeProtection(let p, let start, let end, let prot, let merged):
      var names: [String] = []
      // After a merge the VMA vma_merge() returned gets the new flags whole, pages outside
      // [start, end) included (they had them already, or came from the neighbour that had them).
      let mergedVMA = merged ? vmaContaining(process: p, vpage: start) : nil
      for id in processes[p].vmas {
        guard let v = vmas[id], v.start < end, v.end > start else { continue }
        if id == mergedVMA || (v.start >= start && v.end <= end) { vmas[id]?.prot = prot }
        names.append(vmaName(id))
      }
      var wp = 0
      work.value += end - start
      for v in start..<end {
        if case .page(let page, true) = processes[p].ptes[v] {
          setPTE(p, v, .page(page, writable: false))
          wp += 1
        }
      }
      return emit(
        c, "change_protection",
        "\(end - start) page(s) of \(names.joined(separator: ", ")) now \(prot.rawValue); "
          + "\(wp) PTE(s) write-protected")

    // MARK: Reverse map walks (mm/rmap.c, mm/migrate.c, mm/vmscan.c)

    /// page_lock_anon_vma(): read page->mapping, lock anon_vma->root, re-check page_mapped.
    case .pageLockAnonVMA(let page):
      cpus[c].regs.bail = false
      if kernel == .v2_6_34 || has(.rootReread) {
        // 2.6.34 locks the anon_vma's own lock; the pre-f18194275c39 code locked anon_vma->root
        // as re-read at lock time and did not re-check page_mapped.
        return .expand([.readPageMapping(page: page), .unlessBailed(.lock(.anonVMALock(.reg(.anonVMA)), readMode))])
      }
      // 2.6.36 / 6.x: lock the root read once, then re-check that the page is still mapped.
      return .expand([
        .readPageMapping(page: page), .unlessBailed(.lock(.exact(.reg(.root)), readMode)),
        .unlessBailed(.recheckMapped(page: page)),
      ])

    case .pageUnlockAnonVMA:
      if regs(c).bail { return .expand([]) }
      if kernel == .v2_6_34 || has(.rootReread) { return .expand([.unlock(.anonVMALock(.reg(.anonVMA)))]) }
      return .expand([.unlock(.exact(.reg(.root)))])

    case .readPageMapping(let page):
      guard case .anon(let a) = pages[page - 1].mapping else {
        throw SimError("\(pg(page)) is not an anonymous page")
      }
      cpus[c].regs.anonVMA = a
      cpus[c].regs.page = page
      cpus[c].regs.root = lockTarget(of: a)
      guard pages[page - 1].mapcount > 0, !pages[page - 1].freed else {
        cpus[c].regs.bail = true
        return emit(c, "page_lock_anon_vma", "\(pg(page)) is not mapped: NULL")
      }
      cpus[c].regs.rcuPageLock = kernel != .v2_6_34 && !has(.rootReread)
      let rootText = kernel == .v2_6_34 ? "" : ", root \(av(lockTarget(of: a)))"
      return emit(
        c, "page_lock_anon_vma",
        "rcu_read_lock; \(pg(page))->mapping = \(av(a))\(rootText), page_mapped",
        objects: [pg(page)])

    case .recheckMapped(let page):
      cpus[c].regs.rcuPageLock = false
      if pages[page - 1].mapcount <= 0 || pages[page - 1].freed {
        cpus[c].regs.bail = true
        return emit(
          c, "page_lock_anon_vma",
          "\(pg(page)) no longer mapped after taking the lock: unlock the saved root, NULL",
          then: [.unlock(.exact(.reg(.root)))])
      }
      return emit(c, "page_lock_anon_vma", "\(pg(page)) still mapped after taking the lock")

    case .rmapWalkVisits(let pageVal, let avVal, let kind, let origin):
      if regs(c).bail { return .expand([]) }
      let page = try value(pageVal, cpu: c)
      // Walk whatever anon_vma is in that memory now (after a reuse: the wrong one, D.7).
      let a = occupant(try value(avVal, cpu: c))
      cpus[c].regs.walk = RmapWalk(
        page: page, origin: origin, lock: lockTarget(of: a), locks: [lockTarget(of: a)],
        visited: [], skipped: [])
      // 2.6.x walks the whole same_anon_vma list and skips the VMAs the page's address falls
      // outside of; 6.x asks the interval tree (anon_vma_interval_tree_foreach over
      // [pgoff, pgoff]) and visits only the VMAs whose page offsets cover the page, in tree order.
      let order: [Int]
      if kernel == .v6 {
        let index = pages[page - 1].index
        order = treeOrder(a).filter { id in
          guard let link = avcs[id], let v = vmas[link.vma] else { return true }
          return v.pgoff <= index && index < v.pgoff + v.pages
        }
      } else {
        order = anonVMAs[a - 1].head
      }
      return .expand(order.map { .visitVMA(avc: $0, page: page, kind: kind) })

    case .visitVMA(let id, let page, let kind):
      guard let link = avcs[id], let vma = vmas[link.vma] else {
        return emit(c, "rmap_walk", "avc\(id) is gone")
      }
      let address = vma.start + (pages[page - 1].index - vma.pgoff)
      let name = vmaName(link.vma)
      guard address >= vma.start, address < vma.end else {
        cpus[c].regs.walk?.skipped.append(name)
        return emit(c, "vma_address", "\(name): address of \(pg(page)) falls outside: skip")
      }
      cpus[c].regs.walk?.visited.append(name)
      let p = vma.process
      var action = "visit"
      switch (kind, processes[p].ptes[address]) {
      case (.unmapToSwap, .page(let pp, _)) where pp == page:
        guard let slot = pages[page - 1].swapSlot else { throw SimError("internal: no slot") }
        setPTE(p, address, .swap(slot))
        swapSlots[slot - 1].count += 1
        pages[page - 1].mapcount -= 1
        action = "try_to_unmap_one: PTE → swap entry \(slot)"
      case (.unmapToMigration, .page(let pp, let w)) where pp == page:
        setPTE(p, address, .migration(page, writable: w))
        pages[page - 1].mapcount -= 1
        action = "try_to_unmap_one: PTE → migration entry"
      case (.removeMigration, .migration(let old, let w)):
        if let new = cpus[c].regs.newPage, old == cpus[c].regs.page {
          setPTE(p, address, .page(new, writable: w))
          pages[new - 1].mapcount += 1
          action = "remove_migration_pte: maps \(pg(new))"
        }
      case (.look, .page(let pp, _)) where pp == page:
        action = "page_referenced_one: maps it"
      case (.look, _):
        action = "page_referenced_one: does not map it"
      default:
        action = "no matching PTE there: nothing to do"
      }
      return emit(
        c, "rmap_walk",
        "\(name) at \(locationName(process: p, vpage: address)): \(action)",
        objects: [name])

    case .finishWalk:
      if regs(c).bail {
        return emit(c, "rmap_walk", "page_lock_anon_vma returned NULL: no walk")
      }
      lastWalk = cpus[c].regs.walk
      lastWalk?.step = step
      let text = lastWalk.map { w in
        "visited \(w.visited.isEmpty ? "none" : w.visited.joined(separator: ", "))"
          + (w.skipped.isEmpty ? "" : "; skipped \(w.skipped.joined(separator: ", "))")
      } ?? "no walk"
      return emit(c, "rmap_walk", text)

    case .ksmWalk(let page, let node):
      var instrs: [Instr] = []
      let items = stableNodes[node - 1].items
      for pass in 0..<2 {
        for (i, item) in items.enumerated() {
          instrs.append(.lock(.anonVMALock(.lit(item.anonVMA)), readMode))
          for id in anonVMAs[item.anonVMA - 1].head {
            instrs.append(.visitKSM(avc: id, page: page, item: i, node: node, pass: pass))
          }
          instrs.append(.unlock(.anonVMALock(.lit(item.anonVMA))))
        }
      }
      let firstLock = items.first.map { lockTarget(of: $0.anonVMA) }
      var locks: [Int] = []
      for item in items where !locks.contains(lockTarget(of: item.anonVMA)) {
        locks.append(lockTarget(of: item.anonVMA))
      }
      cpus[c].regs.walk = RmapWalk(
        page: page, origin: "", lock: firstLock, locks: locks, visited: [], skipped: [])
      return .expand(instrs)

    /// rmap_walk_ksm(): pass 0 VMAs of the item's mm, pass 1 other mms (search_new_forks).
    case .visitKSM(let id, let page, let item, let node, let pass):
      guard let link = avcs[id], let vma = vmas[link.vma],
        item < stableNodes[node - 1].items.count
      else {
        return emit(c, "rmap_walk_ksm", "avc\(id) is gone")
      }
      let it = stableNodes[node - 1].items[item]
      let name = vmaName(link.vma)
      let inside = it.address >= vma.start && it.address < vma.end
      let sameMM = vma.process == it.process
      if !inside || sameMM != (pass == 0) {
        return emit(c, "rmap_walk_ksm", "\(name): \(inside ? "other pass" : "address outside"): skip")
      }
      if !(cpus[c].regs.walk?.visited.contains(name) ?? true) {
        cpus[c].regs.walk?.visited.append(name)
      }
      return emit(c, "rmap_walk_ksm", "\(name): visit (\(pg(page)) via rmap_item of \(processes[it.process].name))")

    case .finishWalkKSM(let origin):
      cpus[c].regs.walk?.origin = origin
      return .expand([.finishWalk])

    case .addToSwap(let page):
      let slot = swapSlots.count + 1
      swapSlots.append(SwapSlot(id: slot, count: 0, cached: page))
      pages[page - 1].swapSlot = slot
      return emit(c, "add_to_swap", "\(pg(page)) gets swap slot \(slot)")

    case .freePage(let page):
      if let slot = pages[page - 1].swapSlot {
        swapSlots[slot - 1].cached = nil
        pages[page - 1].swapSlot = nil
      }
      pages[page - 1].pinned = false
      let freed = freeIfUnused(page)
      return emit(c, "__remove_mapping", freed ? "\(pg(page)) freed" : "\(pg(page)) still in use")

    /// unmap_and_move() (mm/migrate.c). 2.6.34: `rcu_read_lock(); if (!page_mapped(page)) goto
    /// rcu_unlock;` then try_to_unmap() through page_lock_anon_vma(), and after the copy
    /// remove_migration_ptes() through rmap_walk_anon(), which locks page_anon_vma(page) with no
    /// page_mapped() check and no reference: the anon_vma may be freed by then (D.11).
    /// 2.6.36 and 6.x: `anon_vma = page_lock_anon_vma(page); if (anon_vma) { get_anon_vma();
    /// page_unlock_anon_vma(); } else ... goto uncharge;` - the reference keeps it alive.
    case .migrateIfMapped(let page, let origin):
      let unmapped = kernel == .v2_6_34 ? pages[page - 1].mapcount <= 0 || pages[page - 1].freed : regs(c).bail
      if unmapped {
        let why = kernel == .v2_6_34 ? "no longer mapped: goto rcu_unlock" : "page_lock_anon_vma returned NULL: goto uncharge"
        return .expand([
          .narrate(function: "unmap_and_move", text: "\(pg(page)) \(why), nothing to migrate"),
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

    case .unlessBailed(let instr):
      return .expand(regs(c).bail ? [] : [instr])

    case .clearBail:
      cpus[c].regs.bail = false
      return .expand([])

    case .isolatePage(let page):
      pages[page - 1].pinned = true
      return emit(c, "isolate_lru_page", "\(pg(page)) held for migration")

    case .moveToNewPage(let page):
      let new = allocPage(mapping: pages[page - 1].mapping, index: pages[page - 1].index)
      cpus[c].regs.newPage = new
      cpus[c].regs.page = page
      return emit(c, "move_to_new_page", "copy \(pg(page)) → \(pg(new)), same mapping and index")

    // MARK: mm_take_all_locks (mm/mmap.c, with Andrea's 6/5)

    /// vm_lock_anon_vma(): lock the root once per forest, marked by a bit in the root.
    case .vmLockAnonVMA(let a):
      let bitOn = kernel == .v2_6_34 || has(.noSixFive) ? a : lockTarget(of: a)
      if anonVMAs[bitOn - 1].allLocksBit {
        return .expand([
          .narrate(function: "vm_lock_anon_vma", text: "\(av(a)): bit set on \(av(bitOn)): skip")
        ])
      }
      return .expand([
        .lock(.anonVMALock(.lit(a)), writeMode), .setAllLocksBit(anonVMA: bitOn, value: true),
      ])

    case .vmUnlockAnonVMA(let a):
      let bitOn = kernel == .v2_6_34 || has(.noSixFive) ? a : lockTarget(of: a)
      guard anonVMAs[bitOn - 1].allLocksBit else {
        return .expand([
          .narrate(function: "vm_unlock_anon_vma", text: "\(av(a)): bit clear on \(av(bitOn)): skip")
        ])
      }
      return .expand([
        .setAllLocksBit(anonVMA: bitOn, value: false), .unlock(.anonVMALock(.lit(a))),
      ])

    case .setAllLocksBit(let a, let value):
      touchedAnonVMAs.insert(a)
      anonVMAs[a - 1].allLocksBit = value
      return emit(
        c, value ? "vm_lock_anon_vma" : "vm_unlock_anon_vma",
        "\(value ? "set" : "clear") the mm_all_locks bit in \(av(a))->head.next")

    case .checkAllLocks(let p, let taken):
      var roots: [Int] = []
      for id in processes[p].vmas {
        for a in chainAnonVMAs(id) {
          let t = kernel == .v2_6_34 ? a : lockTarget(of: a)
          if !roots.contains(t) { roots.append(t) }
        }
      }
      if kernel != .v2_6_34 {
        for r in roots {
          let held = cpus[c].holds.filter { $0 == r }.count
          if taken && (held != 1 || !anonVMAs[r - 1].allLocksBit) {
            report("C21", "after mm_take_all_locks \(av(r)) is held \(held) time(s)")
          }
          if !taken && anonVMAs[r - 1].allLocksBit {
            report("C21", "after mm_drop_all_locks \(av(r)) still carries the flag bit")
          }
        }
      }
      let text =
        taken
        ? "\(roots.count) lock(s) held: \(roots.map { av($0) }.joined(separator: ", "))"
        : "all anon_vma locks of \(processes[p].name) released"
      return emit(c, taken ? "mm_take_all_locks" : "mm_drop_all_locks", text)

    // MARK: KSM (mm/ksm.c)

    /// try_to_merge_one_page(): the first page becomes the KSM page (write-protected).
    case .ksmMergeOne(let p, let v):
      guard let page = page(process: p, vpage: v) else { throw SimError("internal: ksm") }
      let node = stableNodes.count + 1
      stableNodes.append(StableNode(id: node, page: page, items: [], alive: true))
      pages[page - 1].mapping = .ksm(node)
      setPTE(p, v, .page(page, writable: false))
      cpus[c].regs.node = node
      return emit(
        c, "try_to_merge_one_page",
        "\(pg(page)) at \(locationName(process: p, vpage: v)) becomes KSM page K\(node)",
        objects: [pg(page)])

    /// try_to_merge_with_ksm_page() → replace_page(): point the second mapping at the KSM page.
    case .ksmReplacePage(let p, let v):
      guard let node = cpus[c].regs.node, let old = page(process: p, vpage: v) else {
        throw SimError("internal: ksm")
      }
      let kpage = stableNodes[node - 1].page
      if old == kpage {
        setPTE(p, v, .page(kpage, writable: false))
        return emit(c, "try_to_merge_with_ksm_page", "already maps K\(node)")
      }
      setPTE(p, v, .page(kpage, writable: false))
      pages[kpage - 1].mapcount += 1
      let freed = putPageMapping(old)
      return emit(
        c, "replace_page",
        "\(locationName(process: p, vpage: v)) now maps K\(node) (\(pg(kpage)))"
          + (freed ? "; \(pg(old)) freed" : ""),
        objects: [pg(kpage)])

    /// hold_anon_vma(): the rmap_item takes a reference on vma->anon_vma.
    case .holdAnonVMA(let p, let v, let nodeVal):
      let node = try value(nodeVal, cpu: c)
      guard let vma = vmaContaining(process: p, vpage: v), let a = vmas[vma]?.anonVMA else {
        throw SimError("internal: ksm without anon_vma")
      }
      if stableNodes[node - 1].items.contains(where: { $0.process == p && $0.address == v }) {
        return emit(c, "stable_tree_append", "rmap_item already on K\(node)")
      }
      stableNodes[node - 1].items.append(
        RmapItem(process: p, address: v, vmaName: vmaName(vma), anonVMA: a))
      let before = anonVMAs[a - 1].refcount
      touchedAnonVMAs.insert(a)
      anonVMAs[a - 1].refcount += 1
      return emit(
        c, "hold_anon_vma",
        "rmap_item(\(locationName(process: p, vpage: v))) on K\(node) refs \(av(a)): "
          + "\(counterName) \(before)→\(before + 1)",
        objects: [av(a)])

    case .stableTreeInsert:
      let node = cpus[c].regs.node ?? 0
      return emit(
        c, "stable_tree_insert",
        "K\(node) in the stable tree with \(stableNodes[node - 1].items.count) rmap_item(s)")

    case .ksmMergeSecond(let nodeVal, let p, let v):
      let node = try value(nodeVal, cpu: c)
      cpus[c].regs.node = node
      return .expand([.ksmReplacePage(process: p, vpage: v), .holdAnonVMA(process: p, vpage: v, node: .lit(node))])

    /// remove_rmap_item_from_tree(): unhash the item, then drop its anon_vma reference.
    case .removeRmapItem(let node, let p, let address):
      guard let i = stableNodes[node - 1].items.firstIndex(where: { $0.process == p && $0.address == address })
      else { return emit(c, "remove_rmap_item_from_tree", "gone") }
      let item = stableNodes[node - 1].items.remove(at: i)
      var text = "rmap_item of \(processes[p].name) off K\(node)"
      let kpage = stableNodes[node - 1].page
      if stableNodes[node - 1].items.isEmpty, pages[kpage - 1].mapcount <= 0 {
        stableNodes[node - 1].alive = false
        pages[kpage - 1].freed = true
        text += "; K\(node) (\(pg(kpage))) freed"
      }
      return emit(
        c, "remove_rmap_item_from_tree",
        text + ", drop \(av(item.anonVMA))",
        then: [.ksmDropAnonVMA(anonVMA: item.anonVMA)])

    case .ksmUnmergeCopy(let p, let v):
      guard let vma = vmaContaining(process: p, vpage: v), case .page(let kpage, _) = processes[p].ptes[v],
        ksmNode(of: kpage) != nil
      else {
        return .expand([
          .narrate(function: "break_ksm", text: "\(locationName(process: p, vpage: v)) no longer maps a KSM page")
        ])
      }
      return .expand([.anonVMAPrepare(vma: vma), .cowCopy(process: p, vpage: v)])

    case .narrate(let function, let text):
      return emit(c, function, text)

    case .clearVMAAnonVMA, .forkAfterClone, .cloneReuseCheck, .cloneFinish, .incParentChildren,
      .treeRemove, .treeReinsert, .unlinkClearVMA, .unlinkSecondPass, .putAnonVMA, .putRoot:
      throw SimError("internal: a 6.x micro-step in the \(kernel.rawValue) model")
    }
  }

  /// The name of the model's anon_vma counter.
  var counterName: String {
    switch kernel {
    case .v2_6_34: return "ksm_refcount"
    case .v2_6_36: return "external_refcount"
    case .v6: return "refcount"
    }
  }

  /// The invariant code of lifetime errors in this model.
  var lifetimeCode: String {
    switch kernel {
    case .v2_6_34: return "C8"
    case .v2_6_36: return "C9"
    case .v6: return "C10"
    }
  }

  func faultVMA(_ p: Int, _ v: Int) throws(SimError) -> Int {
    guard let vma = vmaContaining(process: p, vpage: v) else {
      throw SimError("\(locationName(process: p, vpage: v)) is not mapped (unmapped range)")
    }
    return vma
  }

  /// find_mergeable_anon_vma(): try next then prev; reuse only a singular chain (d0e9fe1758f2).
  func findMergeable(_ id: Int) -> Int? {
    guard let vma = vmas[id] else { return nil }
    func compatible(_ near: VMA, below: Bool) -> Bool {
      let adjacent = below ? near.end == vma.start : vma.end == near.start
      let contiguous =
        below ? near.pgoff + near.pages == vma.pgoff : vma.pgoff + vma.pages == near.pgoff
      return adjacent && contiguous && near.growsDown == vma.growsDown && near.chainTailFirst.count == 1
        && near.anonVMA != nil
    }
    if let n = nextVMA(after: id), let near = vmas[n], compatible(near, below: false) {
      return near.anonVMA
    }
    if let p = prevVMA(before: id), let near = vmas[p], compatible(near, below: true) {
      return near.anonVMA
    }
    return nil
  }

  /// vma_merge(): the vma_adjust() call that merges [addr, end) with a neighbour, if any.
  func vmaMergePlan(
    process p: Int, prev: Int?, addr: Int, end: Int, prot: Prot, growsDown: Bool, anonVMA: Int?,
    pgoff: Int
  ) -> AdjustArgs? {
    let pglen = end - addr
    func mergeableAnon(_ a: Int?, _ b: Int?) -> Bool { a == nil || b == nil || a == b }
    func flagsMatch(_ v: VMA) -> Bool { v.prot == prot && v.growsDown == growsDown }
    var next = prev.flatMap { nextVMA(after: $0) } ?? processes[p].vmas.first
    let area = next
    if let n = next, vmas[n]?.end == end { next = nextVMA(after: n) }
    if let pid = prev, let pv = vmas[pid], pv.end == addr, flagsMatch(pv),
      mergeableAnon(pv.anonVMA, anonVMA), pv.pgoff + pv.pages == pgoff
    {
      if let nid = next, let nv = vmas[nid], end == nv.start, flagsMatch(nv),
        mergeableAnon(nv.anonVMA, anonVMA), nv.pgoff == pgoff + pglen,
        mergeableAnon(pv.anonVMA, nv.anonVMA)
      {
        return AdjustArgs(vma: pid, start: pv.start, end: nv.end, pgoff: pv.pgoff, insert: nil)
      }
      return AdjustArgs(vma: pid, start: pv.start, end: end, pgoff: pv.pgoff, insert: nil)
    }
    if let nid = next, let nv = vmas[nid], end == nv.start, flagsMatch(nv),
      mergeableAnon(nv.anonVMA, anonVMA), nv.pgoff == pgoff + pglen
    {
      if let pid = prev, let pv = vmas[pid], addr < pv.end {
        return AdjustArgs(vma: pid, start: pv.start, end: addr, pgoff: pv.pgoff, insert: nil)
      }
      if let area {
        return AdjustArgs(vma: area, start: addr, end: nv.end, pgoff: nv.pgoff - pglen, insert: nil)
      }
    }
    return nil
  }
}
