// kernel/fork.c: dup_mm/dup_mmap, copying each VMA and calling anon_vma_fork() and
// copy_page_range() for it. All three versions.

extension World {
  /// dup_mmap(): copy every VMA of the parent (kernel/fork.c).
  ///
  /// `dup_mmap()`, kernel/fork.c; 2.6.34, 2.6.36 and 6.x.
  mutating func dupMMAP(parent: ProcessID, child: String, cpu c: Int) throws(SimError) -> InstrResult {
    guard let ci = processIndex(named: child) else { throw SimError("internal: no child") }
    return .expand(self[process: parent].vmas.map { .dupVMA(parentVMA: $0, child: ci) })
  }

  /// dup_mmap()'s loop body for one VMA: copy it, anon_vma_fork(), copy_page_range().
  ///
  /// `dup_mmap()`, kernel/fork.c; 2.6.34, 2.6.36 and 6.x.
  mutating func dupVMA(parentVMA pvma: VMAID, child: ProcessID, cpu c: Int) -> InstrResult {
    .expand([
      .copyVMA(parentVMA: pvma, child: child),
      .anonVMAForkReg(parent: pvma),
      .copyPageRange(parentVMA: pvma, childVMA: .reg(.vma)),
    ])
  }

  /// dup_mmap(): anon_vma_fork() on the VMA just copied (in the `vma` register).
  ///
  /// `dup_mmap()`, kernel/fork.c; 2.6.34, 2.6.36 and 6.x.
  mutating func anonVMAForkReg(parent pvma: VMAID, cpu c: Int) throws(SimError) -> InstrResult {
    let child = try value(Val<VMA>.reg(.vma), cpu: c)
    return .expand([.anonVMAFork(child: child, parent: pvma)])
  }

  /// A new mm (spawn), or the child's copy of its parent's (fork).
  ///
  /// `mm_alloc() / dup_mm()`, kernel/fork.c; 2.6.34, 2.6.36 and 6.x.
  mutating func newMM(name: String, parent: ProcessID?, cpu c: Int) -> InstrResult {
    var mappings: [Mapping] = []
    var next = 0
    if let parent {
      // A mapping some VMA still covers (after mremap a mapping's pages may lie in a VMA named
      // for the neighbour it merged into).
      mappings = self[process: parent].mappings.filter { mappingIsMapped($0, process: parent) }
      next = self[process: parent].nextAddress
    }
    processes.append(
      Process(
        name: name, parent: parent, alive: true, vmas: [], ptes: [:], mappings: mappings,
        nextAddress: next, createdAt: step))
    let text = parent.map { "new mm for \(name), child of \(self[process: $0].name)" } ?? "new mm for \(name)"
    return emit(
      c, parent == nil ? "mm_alloc" : "dup_mm", text,
      objects: [.process(ProcessID(processes.count - 1))] + (parent.map { [.process($0)] } ?? []))
  }

  /// dup_mmap(): `tmp = kmem_cache_alloc(); *tmp = *mpnt;` with an empty chain.
  ///
  /// `dup_mmap()`, kernel/fork.c; 2.6.34, 2.6.36 and 6.x.
  mutating func copyVMA(parentVMA pvma: VMAID, child: ProcessID, cpu c: Int) throws(SimError) -> InstrResult {
    guard var copy = vmas[pvma] else { throw SimError("internal: no parent VMA") }
    let id = newVMAID()
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
      objects: [.vma(id), .vma(pvma)] + (copy.anonVMA.map { [.anonVMA($0)] } ?? []))
  }
}
