/// The whole simulated machine: processes, VMAs, anon_vmas, chains, pages, KSM and CPUs.
///
/// `World` is a value type: a timeline keeps one per step and copy-on-write keeps that cheap.
/// Its stored properties are the kernel state, plus ``bookkeeping`` and a few ``Unobserved``
/// settings that equality and hashing ignore: two worlds are equal when the kernel is.
/// Ids are allocated in sequence and never reused, so names (`AV3`, `pg2`, `K1`) are stable.
public struct World: Sendable, Hashable {
  public var kernel: KernelVersion
  public var variants: [Variant]
  public var processes: ChunkedArray<Process> = []
  public var vmas: IDTable<VMA> = [:]
  /// VMAs detached from their mm by an unfinished operation, in detach order.
  public var detachedVMAs: [VMAID] = []
  /// anon_vmas in id order (freed ones stay with `alive == false`); read and change them by id through
  /// `self[anonVMA: id]` and `updateAnonVMA(_:_:)` (IDs.swift).
  public var anonVMAs: ChunkedArray<AnonVMA> = []
  public var avcs: IDTable<AVC> = [:]
  /// Pages in id order; by id through `self[page: id]` (IDs.swift).
  public var pages: ChunkedArray<Page> = []
  public var swapSlots: [SwapSlot] = []
  public var stableNodes: [StableNode] = []
  public var cpus: [CPU]
  /// anon_vma id to the CPUs holding its lock, with their modes.
  public var lockHolders: LockTable<LockHolder> = [:]
  /// Transient pins (migration) per anon_vma id.
  public var pins: [AnonVMAID: Int] = [:]
  /// What the engine records beside the kernel state (step, reports, what changed): not part
  /// of the state, so `==` and hashing ignore it (see ``Bookkeeping``).
  public var bookkeeping = Bookkeeping()
  /// Whether micro-steps format their event text, set by whoever runs the step (ScenePlayer's
  /// `Replay`: narrated for a step shown to a person, quiet for building a large timeline). Not
  /// part of the state.
  public var narrating = Unobserved(true)
  /// The limits this world runs under (a setting, not state).
  public var budget = Unobserved(Budget())
  /// Work done so far against `budget.work` (``Budget`` says what counts; not state: two
  /// schedules to one state did different work).
  public var work = Unobserved(0)
  /// Page-table entries alive in all processes.
  public internal(set) var pageTableEntries = 0
  var nextVMA: VMAID = 1
  var nextAVC: AVCID = 1
  /// The memory slot of each anon_vma and the anon_vma now in each slot (by id and slot through
  /// `memorySlot(of:)` and `self[slotOccupant:]`, IDs.swift):
  /// SLAB_DESTROY_BY_RCU lets a freed anon_vma's memory be reused at once by a new one, while a
  /// CPU may still hold a pointer to it (D.7).
  var anonVMASlot: [Int] = []
  var slotOccupant: [AnonVMAID] = []
  var freeSlots: [Int] = []

  /// An anon_vma_chain marked for the next invariant check, with the anon_vma it was linked to.
  public struct TouchedAVC: Sendable, Hashable {
    public var id: AVCID
    public var anonVMA: AnonVMAID
  }

  /// A CPU holding a lock, with its mode and the operation that took it.
  public struct LockHolder: Sendable, Hashable {
    public var cpu: Int
    public var mode: LockMode
    /// The label of the operation whose micro-step took the lock (the CPU may run another one
    /// by now: `mm_take_all_locks` returns with its locks held).
    public var op: String? = nil
  }

  /// An empty machine with `cpus` idle CPUs.
  public init(kernel: KernelVersion, variants: [Variant] = [], cpus: Int = 1) {
    self.kernel = kernel
    self.variants = variants.sorted()
    self.cpus = (0..<max(1, cpus)).map {
      CPU(
        id: $0, state: .idle, op: nil, pending: Program(), regs: Registers(), holds: [],
        holdModes: [], waitingFor: nil, waitingMode: nil)
    }
  }

  /// Sets a page-table entry (and marks the process for the next invariant check).
  mutating func setPTE(_ p: ProcessID, _ v: Int, _ pte: PTE) {
    // `update`, a plain call: the subscript's `_modify` is a coroutine.
    if processes.update(p.raw, { $0.ptes.updateValue(pte, forKey: v) }) == nil { pageTableEntries += 1 }
    work.value += 1
    touchProcess(p)
  }

  /// Marks an anon_vma for the next invariant check (its fields changed).
  mutating func touchAnonVMA(_ id: AnonVMAID) {
    bookkeeping.touchedAnonVMAs.insert(id)
  }

  /// Marks a process for the next invariant check (its page tables or VMA chains changed).
  mutating func touchProcess(_ p: ProcessID) {
    bookkeeping.touchedProcesses.insert(p)
  }

  /// Marks an anon_vma_chain for the next invariant check (call before freeing it).
  mutating func touchAVC(_ id: AVCID) {
    let mark = TouchedAVC(id: id, anonVMA: avcs.withObject(id, \.anonVMA) ?? 0)
    if bookkeeping.touchedAVCs.last != mark { bookkeeping.touchedAVCs.append(mark) }
  }

  /// Marks a VMA's process for the next invariant check.
  mutating func touchVMA(_ id: VMAID) {
    if let p = vmas.withObject(id, \.process) { touchProcess(p) }
  }

  /// Removes a page-table entry.
  mutating func removePTE(_ p: ProcessID, _ v: Int) -> PTE? {
    touchProcess(p)
    let removed = self[process: p].ptes.removeValue(forKey: v)
    if removed != nil { pageTableEntries -= 1 }
    return removed
  }

  /// Whether a variant is active.
  public func has(_ variant: Variant) -> Bool { variants.contains(variant) }

  // MARK: Names

  /// `AVn`.
  public static func avName(_ id: AnonVMAID) -> String { "AV" + String(id.raw) }
  /// `pgn`.
  public static func pageName(_ id: PageID) -> String { "pg" + String(id.raw) }
  /// The id an `AVn` name gives (nil when it is not one).
  public static func anonVMAID(named name: some StringProtocol) -> AnonVMAID? {
    name.hasPrefix("AV") ? Int(name.dropFirst(2)).map { AnonVMAID($0) } : nil
  }
  /// The id a `pgn` name gives (nil when it is not one).
  public static func pageID(named name: some StringProtocol) -> PageID? {
    name.hasPrefix("pg") ? Int(name.dropFirst(2)).map { PageID($0) } : nil
  }

  /// `PROCESS:MAPPING@FIRSTPAGE` (``vmaShortName(_:)`` after the process's name).
  public func vmaName(_ id: VMAID) -> String {
    // Read in place: the table's getter copies the VMA out (its mapping and chain retained).
    vmas.withObject(id) { "\(self[process: $0.process].name):" + shortName($0) } ?? "vma#\(id)"
  }

  /// `MAPPING@FIRSTPAGE`, a VMA's name inside its process; `A@0(new)` for a VMA not yet linked
  /// into its mm that starts where a linked VMA of the same mapping starts: __split_vma()'s `new`
  /// below the split point (`new->vm_end = addr`), between its copy and vma_adjust() moving the
  /// old VMA's vm_start (2.6.36 mm/mmap.c `__split_vma()`, new_below; both start at the same page).
  public func vmaShortName(_ id: VMAID) -> String {
    vmas.withObject(id) { shortName($0) } ?? "vma#\(id)"
  }

  private func shortName(_ vma: VMA) -> String {
    let name = "\(vma.mapping)@\(vma.firstPage)"
    return isSplitOffNew(vma) ? name + "(new)" : name
  }

  /// Whether `vma` is a VMA being created (neither linked into its mm nor detached from it) that
  /// starts where a linked VMA of its mapping starts.
  private func isSplitOffNew(_ vma: VMA) -> Bool {
    guard !vma.detached, isAllocated(vma.process) else { return false }
    let list = self[process: vma.process].vmas
    guard !list.contains(vma.id) else { return false }
    return list.contains { vmas.withObject($0) { $0.start == vma.start && $0.mapping == vma.mapping } == true }
  }

  /// `vm_pgoff` named as a page of a mapping (`heap@2`) when it is not the VMA's vm_start: the
  /// rmap finds a page at `vm_start + (page->index - vm_pgoff)`, so this is where the VMA's first
  /// page's `page->index` points. mremap of a faulted VMA keeps the old offset (move_vma()'s
  /// `new_pgoff`), and vma_adjust() stores vm_start before vm_pgoff (2.6.36 mm/mmap.c
  /// `vma_adjust()`; the D2 race reads the VMA in between). Nil when vm_pgoff is vm_start, as for
  /// every anonymous VMA mmap placed. The mapping is the process's mapping whose range holds the
  /// page, the VMA's own first.
  public func pgoffName(_ id: VMAID) -> String? {
    guard let vma = vmas[id], vma.pgoff != vma.start else { return nil }
    func holds(_ m: Mapping) -> Bool { m.base <= vma.pgoff && vma.pgoff < m.base + m.pages }
    let own = mapping(process: vma.process, named: vma.mapping)
    let mappings = isAllocated(vma.process) ? self[process: vma.process].mappings : []
    let holder =
      own.flatMap { holds($0) ? $0 : nil } ?? mappings.first(where: holds)
      ?? Mapping(name: vma.mapping, base: vma.base, pages: vma.pages, growsDown: vma.growsDown)
    return "\(holder.name)@\(vma.pgoff - holder.base)"
  }

  // MARK: Lookup

  /// Index of the process with this name (the newest one if names were reused).
  public func processIndex(named name: String) -> ProcessID? {
    processes.lastIndex { $0.name == name }.map { ProcessID($0) }
  }

  /// The VMA of `process` that contains virtual page `vpage`.
  public func vmaContaining(process: ProcessID, vpage: Int) -> VMAID? {
    // Each VMA read in place (`vmas[id]` copies it out).
    self[process: process].vmas.first { id in vmas.withObject(id) { $0.start <= vpage && vpage < $0.end } ?? false }
  }

  /// The mapping of a process by name.
  public func mapping(process: ProcessID, named name: String) -> Mapping? {
    self[process: process].mappings.last { $0.name == name }
  }

  /// The VMA of a mapping that starts at `firstPage` (relative), or the one containing page 0
  /// (or the only one) when `firstPage` is nil. When no VMA carries the mapping's name (its pages
  /// were merged into a neighbour's VMA, by `mmap ... after` or `mremap`), the VMA that holds its
  /// page `firstPage` (default 0).
  public func vma(process: ProcessID, mapping name: String, firstPage: Int?) -> VMAID? {
    guard let mapping = mapping(process: process, named: name) else { return nil }
    let ids = self[process: process].vmas.filter { vmas[$0]?.mapping == name }
    if ids.isEmpty {
      return vmaContaining(process: process, vpage: mapping.base + (firstPage ?? 0))
    }
    if let firstPage {
      return ids.first { vmas[$0]?.start == mapping.base + firstPage }
    }
    if let atZero = ids.first(where: { vmas[$0]?.start == mapping.base }) { return atZero }
    return ids.count == 1 ? ids[0] : nil
  }

  /// A VMA's anon_vma (nil too when there is no such VMA), read in place: `vmas[id]?.anonVMA`
  /// copies the VMA out first (its mapping name and chain retained).
  public func anonVMA(of vma: VMAID) -> AnonVMAID? { vmas.withObject(vma, \.anonVMA) ?? nil }

  /// Alive anon_vma by id.
  public func anonVMA(_ id: AnonVMAID) -> AnonVMA? {
    guard isAllocated(id) else { return nil }
    return self[anonVMA: id]
  }

  /// The anon_vma that now occupies the memory a pointer to `id` points at.
  public func occupant(_ id: AnonVMAID) -> AnonVMAID {
    guard let slot = memorySlot(of: id) else { return id }
    return self[slotOccupant: slot]
  }

  /// The anon_vma whose lock `anon_vma_lock(av)` takes: the root in 2.6.36 and 6.x, av itself
  /// in 2.6.34.
  public func lockTarget(of av: AnonVMAID) -> AnonVMAID {
    if kernel == .v2_6_34 { return av }
    return self[anonVMA: av].root ?? av
  }

  /// Anon_vma ids of a VMA's chain, head (newest) to tail (oldest).
  public func chainAnonVMAs(_ vma: VMAID) -> [AnonVMAID] {
    vmas.withObject(vma) { $0.chainTailFirst.reversed().compactMap { avcs[$0]?.anonVMA } } ?? []
  }

  /// VMA ids on an anon_vma's same_anon_vma list, head to tail.
  public func listVMAs(_ av: AnonVMAID) -> [VMAID] {
    let order = kernel.isModern ? treeOrder(av) : self[anonVMA: av].head
    return order.compactMap { avcs[$0]?.vma }
  }

  /// Every VMA in JSON order: live processes' VMAs in creation and address order, then detached.
  public var orderedVMAs: [VMAID] {
    var ids: [VMAID] = []
    var exited: [VMAID] = []
    // One array, sized once (the invariant check asks at every state).
    ids.reserveCapacity(vmas.count + detachedVMAs.count)
    // Each process read in place (`for process in processes` copies each one out).
    processes.forEachChunk { chunk in
      for i in chunk.indices {
        if chunk[i].alive { ids += chunk[i].vmas } else { exited += chunk[i].vmas }
      }
    }
    ids += exited
    ids += detachedVMAs
    return ids
  }

  /// Where a page is mapped: `(process, vpage)` pairs in process creation order, then address.
  public func mappedAt(page: PageID) -> [(process: ProcessID, vpage: Int)] { mappedAtByPage()[page] ?? [] }

  /// Where every page is mapped, in one pass over the page tables (a page at a time would scan
  /// them all for each page): page id to `(process, vpage)` in process order, then address.
  public func mappedAtByPage() -> [PageID: [(process: ProcessID, vpage: Int)]] {
    var result: [PageID: [(process: ProcessID, vpage: Int)]] = [:]
    for (index, process) in processes.enumerated() {
      for vpage in process.ptes.keys.sorted() {
        switch process.ptes[vpage] {
        case .page(let p, _), .migration(let p, _): result[p, default: []].append((ProcessID(index), vpage))
        default: break
        }
      }
    }
    return result
  }

  /// `PROCESS MAPPING INDEX` for a virtual page of a process.
  public func locationName(process: ProcessID, vpage: Int) -> String {
    let name = self[process: process].name
    if let mapping = self[process: process].mappings.last(where: {
      $0.base <= vpage && vpage < $0.base + $0.pages
    }) {
      return "\(name) \(mapping.name) \(vpage - mapping.base)"
    }
    return "\(name) ? \(vpage)"
  }

  /// The page a location maps (present or under migration), if any.
  public func page(process: ProcessID, vpage: Int) -> PageID? {
    switch self[process: process].ptes[vpage] {
    case .page(let p, _), .migration(let p, _): return p
    default: return nil
    }
  }

  /// Alive anon_vma ids in allocation order.
  public var aliveAnonVMAs: [AnonVMAID] {
    var ids: [AnonVMAID] = []
    // Sized once and read in place: the invariant check asks at every state.
    ids.reserveCapacity(anonVMAs.count)
    anonVMAs.forEachChunk { chunk in
      for i in chunk.indices where chunk[i].alive { ids.append(chunk[i].id) }
    }
    return ids
  }

  /// Alive anon_vmas grouped by forest (the lock each one's operations take), then by id.
  public var aliveAnonVMAsByForest: [AnonVMAID] {
    var keyed: [(lock: AnonVMAID, id: AnonVMAID)] = []
    for i in anonVMAs.indices where anonVMAs[i].alive {
      let id = anonVMAs[i].id
      keyed.append((kernel == .v2_6_34 ? id : anonVMAs[i].root ?? id, id))
    }
    return keyed.sorted { ($0.lock, $0.id) < ($1.lock, $1.id) }.map(\.id)
  }

  /// Count of existing anon_vma_chains.
  public var avcCount: Int { avcs.count }

  /// Pages that are mapped, pinned for migration or held by a CPU's operation, in allocation order.
  public var listedPages: [PageID] {
    pages.filter { !$0.freed && ($0.mapcount > 0 || $0.isHeld) }.map(\.id)
  }

  /// Locks held or waited for, in anon_vma order.
  public var lockedAnonVMAs: [AnonVMAID] {
    var ids = Set(lockHolders.keys)
    for cpu in cpus { if let w = cpu.waitingFor { ids.insert(w) } }
    return ids.sorted()
  }

  /// Whether every CPU is idle.
  public var allIdle: Bool {
    // Read in place: a closure given each CPU (`cpus.allSatisfy`) copies it first, and the
    // invariant check asks once per micro-step.
    cpus.withUnsafeBufferPointer { cpus in cpus.indices.allSatisfy { cpus[$0].state == .idle } }
  }
}
