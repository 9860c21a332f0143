/// What a micro-step may read and write, for the race explorer's partial-order reduction: two
/// micro-steps of different CPUs whose footprints do not conflict commute (either order reaches
/// the same world, and neither enables or disables the other).
///
/// Footprints are declared from what each instruction touches in this model, and conservatively
/// (`FootprintTests` checks, on every reachable state of the race scenes it visits, that the
/// declared writes of each micro-step and of each CPU's remaining program cover what running it
/// changes):
/// an instruction the table does not know touches ``Object/everything``; a call the table knows
/// counts as everything it may expand into, whatever the state when it runs. Objects are one
/// anon_vma's own fields or list, one AVC, one lock, one process's VMAs or page table; classes
/// cover what a step cannot name in advance (the page allocator, whose ids depend on the order of
/// allocation, every anon_vma for an allocation that may reuse a slot, every AVC for a walk), so
/// a declaration errs only towards "dependent".
///
/// State read to name an object (a VMA's process, an AVC's anon_vma, whether a VMA has an
/// anon_vma, a lock's anon_vma) is read when the footprint is taken. It stays valid until the
/// instruction runs because the reduction takes a step alone only when every other CPU's
/// remaining program is in the table, and no table instruction changes these once set (an AVC is
/// linked once, `vma->anon_vma` is cleared only by instructions the table does not know, a
/// lock's resolution changes only with a write of the anon_vmas, which every step that touches
/// that lock conflicts with).
public struct Footprint: Sendable, Equatable {
  /// An object or class of objects a micro-step touches.
  public enum Object: Sendable, Hashable {
    /// Every object of the world, every lock and every CPU's lock records.
    case everything
    /// One process's mm and VMAs (their bounds, flags, `anon_vma` pointers and chains), without
    /// its page table.
    case process(ProcessID)
    /// Every process's mm and VMAs, and the VMA allocator (the class of ``process(_:)``).
    case processes
    /// One process's page table (and the count of all page-table entries, which a step that
    /// changes an entry keeps exact).
    case pageTable(ProcessID)
    /// Every page table (the class of ``pageTable(_:)``).
    case pageTables
    /// Every page, swap slot and the page allocator.
    case pages
    /// Every anon_vma, anon_vma_chain and KSM stable node, their counters, lists and allocators
    /// (the class of ``anonVMA(_:)``, ``anonVMAList(_:)``, ``avcs``, ``anonVMASlab`` and ``ksm``).
    case rmap
    /// The anon_vma_chain table (which AVCs exist and what each links) and its allocator,
    /// without the anon_vmas' lists: a member of ``rmap`` that no lock's resolution reads (the
    /// class of ``avc(_:)``).
    case avcs
    /// One anon_vma_chain (what it links, whether it is on its lists, whether it exists): a
    /// member of ``avcs``; never reused, and linked once.
    case avc(AVCID)
    /// The list of VMAs detached from their mm but not yet freed (`World.detachedVMAs`).
    case detached
    /// One anon_vma's lock: its holders in the lock table and, in 6.x, its rwsem's wait list (the
    /// places of the CPUs on it, ``CPU/waitList``).
    case lock(AnonVMAID)
    /// One anon_vma's own fields (alive, root, parent, creator, the memory slot it occupies),
    /// read to find a lock.
    case anonVMA(AnonVMAID)
    /// Every anon_vma's own fields, and the allocator that adds anon_vmas and reuses their slots
    /// (the class of ``anonVMA(_:)``).
    case anonVMAs
    /// One anon_vma's same_anon_vma list (or interval tree), its `emptied` mark, its counters
    /// (refcount, num_children, num_active_vmas), not its mm_all_locks bit: no lock's resolution
    /// and no invariant checked while an operation is unfinished reads them.
    case anonVMAList(AnonVMAID)
    /// Every anon_vma's list and counters (the class of ``anonVMAList(_:)``).
    case anonVMALists
    /// The anon_vma slab's free slots, in order (a free adds one; an allocation takes one: the
    /// ``anonVMAs`` class covers it).
    case anonVMASlab
    /// Every KSM stable node and its rmap_items.
    case ksm
    /// One CPU's record of the locks it holds and waits for (written by its own lock and unlock,
    /// and by a reuse of an anon_vma slot, ``locks``).
    case heldBy(Int)
    /// Every lock, and every CPU's record of the locks it holds and waits for (a reused anon_vma
    /// slot renames them all).
    case locks
    /// The wait-for graph as the deadlock detector follows it from a CPU whose lock is taken:
    /// the holders of locks that deadlocked CPUs wait for, and the CPUs' states. Read by every
    /// attempt to lock (one that blocks runs the detector); written by a release (the next holder
    /// the detector meets may change) and by an attempt that deadlocks. An acquisition by a
    /// running CPU does not write it: the detector stops at a running holder, and a CPU added
    /// to a lock's holders comes after those the detector looks at first.
    case waits
    /// The process table's allocator (the index the next process gets), appended to by
    /// mm_alloc()/dup_mm() (``Instr/newMM(name:parent:)``). A member of ``processes``.
    case processTable
    /// Which process a name resolves to (the last of that name): read by a scene operation's
    /// expansion, written by the mm_alloc()/dup_mm() of a process of that name. A member of
    /// ``processes``. The name as its 64-bit ``StateHasher`` value (``processName(named:)``), so
    /// that an object holds no reference and footprints copy as plain words: two names with one
    /// value overlap, which only ever keeps an interleaving (never drops one).
    case processName(UInt64)
    /// The VMA allocator (the next VMA id): vm_area_alloc() in dup_mmap()
    /// (``Instr/copyVMA(parentVMA:child:)``). A member of ``processes``.
    case vmaAllocator
    /// The anon_vma_chain allocator (the next AVC id): anon_vma_chain_alloc()
    /// (``Instr/allocAVC``). A member of ``avcs``.
    case avcAllocator
    /// The anon_vma_chains CPU `n` allocated and has not linked to a VMA yet: nobody else can
    /// name them (another CPU's footprint names an AVC it found on a chain or list, or one it
    /// allocated itself), so they overlap no ``avc(_:)`` of another CPU. A member of ``avcs``.
    case freshAVCs(Int)
    /// One anon_vma's mm_all_locks bit (the low bit of `head.next` in 2.6.x, of
    /// `rb_root.rb_node` in 6.x): written by vm_lock_anon_vma() and vm_unlock_anon_vma() only,
    /// read by them and the check after mm_take_all_locks(); a list insertion or deletion keeps
    /// it. A member of ``anonVMALists``.
    case allLocksBit(AnonVMAID)

    /// ``processName(_:)`` of a process name.
    public static func processName(named name: String) -> Object {
      var h = StateHasher()
      h.combine(name)
      return .processName(h.finalize())
    }
  }

  public var reads: [Object]
  public var writes: [Object]
  /// What the footprint was computed from and must not change before it is used: state the
  /// table read to predict what a call or operation will expand into (a process's VMAs and
  /// their chains, the process table, an anon_vma's root). The reduction requires that no
  /// other CPU's remaining footprint writes it (the race explorer's `ampleCandidate`);
  /// for conflicts it counts as read.
  public var assumes: [Object]

  public init(reads: [Object], writes: [Object], assumes: [Object] = []) {
    self.reads = reads
    self.writes = writes
    self.assumes = assumes
  }

  /// Touches nothing another CPU can see or change (its own registers, its event).
  public static let local = Footprint(reads: [], writes: [])
  /// Touches everything.
  public static let everything = Footprint(reads: [.everything], writes: [.everything])

  /// Whether this is ``everything`` (compared without comparing arrays element by element).
  public var isEverything: Bool {
    reads.count == 1 && writes.count == 1 && assumes.isEmpty && reads[0] == .everything && writes[0] == .everything
  }

  /// Whether this touches nothing (``local``).
  var isLocal: Bool { reads.isEmpty && writes.isEmpty && assumes.isEmpty }

  /// Both footprints together.
  public func union(_ other: Footprint) -> Footprint {
    var both = self
    both.formUnion(other)
    return both
  }

  /// Adds `other` to this footprint in place (the race explorer takes footprints for every
  /// state it visits: a union with ``local`` or ``everything`` copies no array), each object once.
  public mutating func formUnion(_ other: Footprint) {
    if other.isLocal || isEverything { return }
    if isLocal || other.isEverything {
      self = other
      return
    }
    Self.append(other.reads, to: &reads)
    Self.append(other.writes, to: &writes)
    Self.append(other.assumes, to: &assumes)
  }

  /// Appends the objects `list` lacks: a union of a long program's footprints stays as short as
  /// the distinct objects it names (every test here is a `contains`, so repeats add only work).
  private static func append(_ objects: [Object], to list: inout [Object]) {
    for o in objects where !list.contains(o) { list.append(o) }
  }

  /// Whether two objects may be the same (a class overlaps each of its members).
  public static func overlap(_ x: Object, _ y: Object) -> Bool {
    switch (x, y) {
    case (.everything, _), (_, .everything): return true
    case (.process(let a), .process(let b)), (.pageTable(let a), .pageTable(let b)): return a == b
    case (.processes, .processes), (.processes, .process), (.process, .processes): return true
    case (.pageTables, .pageTables), (.pageTables, .pageTable), (.pageTable, .pageTables): return true
    case (.pages, .pages), (.detached, .detached): return true
    case (.rmap, .rmap), (.rmap, .avcs), (.rmap, .anonVMA), (.rmap, .anonVMAs), (.rmap, .anonVMAList),
      (.rmap, .anonVMALists), (.rmap, .anonVMASlab), (.rmap, .ksm):
      return true
    case (.avcs, .rmap), (.anonVMA, .rmap), (.anonVMAs, .rmap), (.anonVMAList, .rmap), (.anonVMALists, .rmap),
      (.anonVMASlab, .rmap), (.ksm, .rmap):
      return true
    case (.avcs, .avcs), (.anonVMASlab, .anonVMASlab), (.ksm, .ksm): return true
    case (.avc(let a), .avc(let b)): return a == b
    case (.avc, .avcs), (.avcs, .avc), (.avc, .rmap), (.rmap, .avc): return true
    case (.anonVMA(let a), .anonVMA(let b)), (.anonVMAList(let a), .anonVMAList(let b)): return a == b
    case (.anonVMAs, .anonVMAs), (.anonVMAs, .anonVMA), (.anonVMA, .anonVMAs): return true
    case (.anonVMAs, .anonVMASlab), (.anonVMASlab, .anonVMAs): return true
    case (.anonVMALists, .anonVMALists), (.anonVMALists, .anonVMAList), (.anonVMAList, .anonVMALists): return true
    case (.lock(let a), .lock(let b)): return a == b
    case (.heldBy(let a), .heldBy(let b)): return a == b
    case (.locks, .locks), (.locks, .lock), (.lock, .locks), (.locks, .heldBy), (.heldBy, .locks): return true
    case (.waits, .waits), (.waits, .locks), (.locks, .waits): return true
    case (.processTable, .processTable), (.processTable, .processes), (.processes, .processTable): return true
    case (.processName(let a), .processName(let b)): return a == b
    case (.processName, .processes), (.processes, .processName): return true
    case (.vmaAllocator, .vmaAllocator), (.vmaAllocator, .processes), (.processes, .vmaAllocator): return true
    case (.avcAllocator, .avcAllocator), (.avcAllocator, .avcs), (.avcs, .avcAllocator), (.avcAllocator, .rmap),
      (.rmap, .avcAllocator):
      return true
    case (.freshAVCs(let a), .freshAVCs(let b)): return a == b
    case (.freshAVCs, .avcs), (.avcs, .freshAVCs), (.freshAVCs, .rmap), (.rmap, .freshAVCs): return true
    case (.allLocksBit(let a), .allLocksBit(let b)): return a == b
    case (.allLocksBit, .anonVMALists), (.anonVMALists, .allLocksBit), (.allLocksBit, .rmap), (.rmap, .allLocksBit):
      return true
    default: return false
    }
  }

  /// Whether the two micro-steps may not commute: one writes what the other reads or writes.
  public func conflicts(with other: Footprint) -> Bool {
    func meets(_ xs: [Object], _ ys: [Object]) -> Bool {
      xs.contains { x in ys.contains { y in Self.overlap(x, y) } }
    }
    // Each pair of lists on its own: concatenating them would allocate at every test.
    return meets(writes, other.reads) || meets(writes, other.assumes) || meets(writes, other.writes)
      || meets(reads, other.writes) || meets(assumes, other.writes)
  }

  /// Whether `other` (another CPU's remaining footprint) writes what this footprint assumes.
  public func isUnsettled(by other: Footprint) -> Bool {
    assumes.contains { x in other.writes.contains { y in Self.overlap(x, y) } }
  }

  /// Whether the micro-step may change what an invariant checked while an operation is
  /// unfinished reads (the reduction takes a step alone only while its CPU stays running, so
  /// only those invariants matter, see ``World/invariantViolations(scope:)``): C11 reads each
  /// anon_vma's own fields (``Object/anonVMA(_:)``); C12 every page table and the pages and
  /// anon_vmas they map (``Object/pageTable(_:)``, ``Object/pages``, ``Object/anonVMA(_:)``);
  /// C13 the KSM nodes (``Object/ksm``) and anon_vmas; C23 the CPUs' states, which a step that
  /// progresses leaves alone for every other CPU (the explorer checks that after the step).
  /// Invisible: the lock table and lock records, the wait-for order, the AVC table, the
  /// anon_vmas' lists and counters, the VMAs and mm (C12 reads a process's VMAs and chains only
  /// at quiescence) and the detached list and slab free list.
  public var mayBeVisible: Bool {
    writes.contains { w in
      switch w {
      case .lock, .locks, .waits, .heldBy, .avcs, .avc, .anonVMAList, .anonVMALists, .process, .processes, .detached,
        .anonVMASlab, .processTable, .processName, .vmaAllocator, .avcAllocator, .freshAVCs, .allLocksBit:
        return false
      case .everything, .pageTable, .pageTables, .pages, .rmap, .anonVMA, .anonVMAs, .ksm:
        return true
      }
    }
  }

  /// What one instruction may touch when it runs, with every instruction it expands into:
  /// ``everything`` unless the table below knows better. A lock's anon_vma is resolved in `world`
  /// (an anon_vma's slot and root change only by a write of ``Object/anonVMA(_:)`` or
  /// ``Object/anonVMAs``, which conflicts with every step that touches that lock, as each reads
  /// the anon_vma it resolves) and with `cpu`'s registers when `regs` says they hold what the
  /// instruction will read (``World/remainingFootprint(cpu:)`` clears it after an instruction that
  /// may write one); otherwise an instruction that reads a register counts as touching any object
  /// the register could name. `next`: the instruction runs next and progresses (a lock that does
  /// not block).
  static func of(_ instr: Instr, in world: World, cpu: Int, next: Bool, regs: Bool = true) -> Footprint {
    let held = Object.heldBy(cpu)
    switch instr {
    case .narrate, .clearBail, .finishWalk:
      // An event or a register of the CPU's own (finish_walk reads the walk in its registers
      // and records it as the last walk, which is bookkeeping, not state).
      return .local
    case .unlessBailed(let inner):
      // Expands into `inner` or nothing, reading only the CPU's own `bail` register.
      return of(inner, in: world, cpu: cpu, next: next, regs: regs)
    case .pageUnlockAnonVMA:
      // page_unlock_anon_vma() (World+RmapWalk.swift) expands into nothing (`bail`) or the unlock
      // of the anon_vma (2.6.34, root-reread) or root page_lock_anon_vma() read into the
      // registers; either way no more than that unlock.
      let ref: LockRef =
        world.kernel == .v2_6_34 || world.has(.rootReread) ? .anonVMALock(.reg(.anonVMA)) : .exact(.reg(.root))
      return of(.unlock(ref), in: world, cpu: cpu, next: false, regs: regs)
    case .prepFinish(let vma):
      // anon_vma_prepare()'s end (World+Rmap.swift, Linux6/World+ForkReuse.swift): frees (2.6.x)
      // or puts (6.x) the anon_vma it allocated and frees its unlinked AVC if it lost the race
      // (`lostRace`), else expands into nothing.
      if regs && !world.cpus[cpu].regs.lostRace { return .local }
      guard !world.kernel.isModern, let p = world.vmas.withObject(vma, \.process) else { return .everything }
      // The AVC in the register, or (registers not known yet) any AVC.
      let avc = regs ? world.cpus[cpu].regs.avc.map { Object.avc($0) } ?? .avcs : .avcs
      let freeAVC = Footprint(reads: [.process(p), avc], writes: [.process(p), avc])
      let a = regs ? world.cpus[cpu].regs.allocatedAnonVMA : nil
      if regs && a == nil { return freeAVC }
      return of(.freeAnonVMA(a.map { .lit($0) } ?? .reg(.anonVMA)), in: world, cpu: cpu, next: false, regs: a != nil)
        .union(freeAVC)
    case .computeEmpty(let a):
      // anon_vma_unlink()'s test (World+Rmap.swift): reads the anon_vma's list and counter,
      // sets a register of the CPU's own.
      return Footprint(reads: [.anonVMAList(a)], writes: [])
    case .listDelSameAnonVMA(let id):
      // anon_vma_unlink()'s list_del() (World+Rmap.swift): the AVC off its anon_vma's list,
      // checked against the CPU's own locks (C15/C16, whose lock is the anon_vma's root).
      guard let a = world.avcs.withObject(id, \.anonVMA) else { return .everything }
      return Footprint(
        reads: [.avc(id), .anonVMA(a), .anonVMAList(a), held], writes: [.avc(id), .anonVMAList(a)])
    case .linkSameAnonVMA(let avc, _):
      // anon_vma_chain_link()'s second half (World+Rmap.swift): the AVC (linked to its VMA and
      // anon_vma by linkSameVMA) onto the anon_vma's list, or into its interval tree by the
      // VMAs' page offsets (6.x); checked against the CPU's locks and the anon_vma's liveness.
      let id = regs ? try? world.value(avc, cpu: cpu) : nil
      let a = id.flatMap { world.avcs.withObject($0, \.anonVMA) }.flatMap { $0 == 0 ? nil : $0 }
      let list: Object = a.map { .anonVMAList($0) } ?? .anonVMALists
      let own: Object = a.map { .anonVMA($0) } ?? .anonVMAs
      let link: Object = id.map { .avc($0) } ?? .avcs
      // 6.x: the tree's order reads the other AVCs' VMAs.
      let tree: [Object] = world.kernel.isModern ? [.avcs, .processes] : []
      return Footprint(reads: [link, own, list, held] + tree, writes: [link, list])
    case .linkSameVMA(let vma, let avc, _):
      // anon_vma_chain_link()'s first half: the AVC links the VMA and the anon_vma, and goes
      // onto the VMA's chain (its process's VMAs).
      guard let p = world.vmas.withObject(vma, \.process) else { return .everything }
      let link: Object = (regs ? try? world.value(avc, cpu: cpu) : nil).map { .avc($0) } ?? .avcs
      return Footprint(reads: [link, .process(p)], writes: [link, .process(p)])
    case .setVMAAnonVMA(let vma, let val, _):
      // vma->anon_vma = anon_vma (World+Rmap.swift); 6.x and mainline count the active VMAs.
      guard let p = world.vmas.withObject(vma, \.process) else { return .everything }
      guard world.kernel.isModern else { return Footprint(reads: [.process(p)], writes: [.process(p)]) }
      let list: Object = (regs ? try? world.value(val, cpu: cpu) : nil).map { .anonVMAList($0) } ?? .anonVMALists
      return Footprint(reads: [.process(p), list], writes: [.process(p), list])
    case .prepPublish(let vma):
      // anon_vma_prepare() under the lock (World+Rmap.swift): reads vma->anon_vma; if another
      // thread won, a narration, else the anon_vma published and the AVC linked.
      guard let p = world.vmas.withObject(vma, \.process) else { return .everything }
      if next && world.anonVMA(of: vma) != nil { return Footprint(reads: [.process(p)], writes: []) }
      let steps: [Instr] = [
        .setVMAAnonVMA(vma: vma, anonVMA: .reg(.anonVMA), function: "anon_vma_prepare"),
        .linkSameVMA(vma: vma, avc: .reg(.avc), anonVMA: .reg(.anonVMA)),
        .linkSameAnonVMA(avc: .reg(.avc), atTail: true),
      ]
      // The AVC is linked to its anon_vma by the step before its list insertion: unknown now.
      return steps.reduce(into: Footprint(reads: [.process(p)], writes: [])) {
        $0.formUnion(of($1, in: world, cpu: cpu, next: false, regs: regs && $1 != steps[2]))
      }
    case .freeAnonVMA(let val, let waited):
      // anon_vma_free() (World+Rmap.swift): the anon_vma dies (checked against its list) and
      // its slot goes to the slab's free list. 6.x first reads its root's rwsem
      // (rwsem_is_locked()) and, held, expands into its write lock and unlock.
      let waits = world.kernel.isModern && !waited
      guard regs, let a = try? world.value(val, cpu: cpu) else {
        let free = Footprint(reads: [.anonVMAs, .anonVMALists], writes: [.anonVMAs, .anonVMASlab])
        return waits ? free.union(Footprint(reads: [.locks, .waits], writes: [.locks, .waits])) : free
      }
      let free = Footprint(reads: [.anonVMA(a), .anonVMAList(a)], writes: [.anonVMA(a), .anonVMASlab])
      guard waits else { return free }
      let ref = LockRef.anonVMALock(.lit(a))
      return [Instr.lock(ref, .write), .unlock(ref)].reduce(into: free) {
        $0.formUnion(of($1, in: world, cpu: cpu, next: false, regs: regs))
      }
    case .unlinkFreeIfEmpty(let a):
      // anon_vma_unlink()'s end (World+Rmap.swift): nothing unless the list was empty
      // (`listEmpty`); then 2.6.36 drops the root's reference (drop_anon_vma(): a decrement,
      // or the root's lock, a decrement, the emptiness test and its free) and frees the
      // anon_vma. 6.x frees in unlink_anon_vmas()'s second pass: nothing here.
      if world.kernel.isModern || (regs && !world.cpus[cpu].regs.listEmpty) { return .local }
      var fp = of(.freeAnonVMA(.lit(a)), in: world, cpu: cpu, next: false)
      if world.kernel == .v2_6_36, let root = world.anonVMA(a)?.root, root != a || world.has(.rootSelfDrop),
        !world.has(.noFiveFive)
      {
        let drop: [Object] = [.anonVMA(root), .anonVMAList(root), .anonVMASlab, .lock(root), held]
        fp = fp.union(Footprint(reads: drop + [.waits], writes: drop + [.waits]))
      }
      return fp
    case .anonVMAUnlink(let id):
      // anon_vma_unlink() (World+Rmap.swift): lock, list_del, the emptiness test, unlock, the
      // free if empty, each as its own table entry says.
      guard let a = world.avcs.withObject(id, \.anonVMA) else { return .everything }
      let steps: [Instr] = [
        .lock(.anonVMALock(.lit(a)), world.writeMode), .listDelSameAnonVMA(avc: id), .computeEmpty(anonVMA: a),
        .unlock(.anonVMALock(.lit(a))), .unlinkFreeIfEmpty(anonVMA: a),
      ]
      return steps.reduce(into: Footprint(reads: [.avc(id)], writes: [])) {
        $0.formUnion(of($1, in: world, cpu: cpu, next: false, regs: regs && $1 != steps[4]))
      }
    case .freePage, .finishWalkPutback:
      // __remove_mapping() (World+Migrate.swift), or an rmap walk's end and reclaim's put of the
      // page (World+RmapWalk.swift): the page's swap slot, pin, caller's references and freedom;
      // a KSM page's stable node dies with it. (The walk's record is the CPU's own.)
      return Footprint(reads: [.pages, .ksm], writes: [.pages, .ksm])
    case .rmapWalkVisits(_, _, let kind, _):
      // rmap_walk_anon() and try_to_unmap_anon() (World+RmapWalk.swift): the anon_vma's list
      // (or interval tree, by the VMAs' offsets) read into visits of each VMA, which look at
      // (or replace) the page-table entry of the page in each process and count the page's
      // mappings.
      if kind == .look { return Footprint(reads: [.rmap, .processes, .pageTables, .pages], writes: []) }
      return Footprint(reads: [.rmap, .processes, .pageTables, .pages], writes: [.pageTables, .pages])
    case .freeAVC(let vma, let id):
      // anon_vma_chain_free() (World+Rmap.swift): takes the AVC off its VMA's chain and frees
      // it from the AVC table; the VMA belongs to one process for its whole life.
      guard let p = world.vmas.withObject(vma, \.process) else { return .everything }
      return Footprint(reads: [.process(p), .avc(id)], writes: [.process(p), .avc(id)])
    case .zapVMA(let vma, _, _):
      // unmap_vmas() (World+Memory.swift): the VMA's PTEs removed, each page's mapping dropped
      // (a page, or the swap cache's page, freed with its last; a KSM page's stable node too).
      guard let p = world.vmas.withObject(vma, \.process) else { return .everything }
      return Footprint(reads: [.process(p), .pageTable(p), .pages, .ksm], writes: [.pageTable(p), .pages, .ksm])
    case .detachVMAs(let p, _, _):
      // detach_vmas_to_be_unmapped() (World+MMap.swift): the VMAs leave the mm for the
      // detached list.
      return Footprint(reads: [.process(p), .detached], writes: [.process(p), .detached])
    case .exitMM(let p):
      // exit_mmap()'s start (World+MMap.swift): the mm dies, its VMAs go to the detached list;
      // its text counts the process's KSM rmap_items.
      return Footprint(reads: [.process(p), .detached, .ksm], writes: [.process(p), .detached])
    case .unlinkAnonVMAs(let vma):
      // unlink_anon_vmas() in 2.6.x (World+Rmap.swift): anon_vma_unlink() and
      // anon_vma_chain_free() for each AVC of the VMA's chain. The chain only shrinks once the
      // VMA has an anon_vma (only instructions the table does not know add to it then).
      guard !world.kernel.isModern, let v = world.vmas[vma], v.anonVMA != nil else { return .everything }
      // (anon_vma_fork() adds to a chain after the VMA has an anon_vma: the chain is assumed.)
      return v.chain.reduce(into: Footprint(reads: [.process(v.process)], writes: [], assumes: [.process(v.process)])) {
        $0.formUnion(of(.anonVMAUnlink(avc: $1), in: world, cpu: cpu, next: false, regs: false))
        $0.formUnion(of(.freeAVC(vma: vma, avc: $1), in: world, cpu: cpu, next: false, regs: false))
      }
    case .doMunmap(let p, let start, let end):
      // do_munmap() (World+MMap.swift): splits first (unknown to the table), else the VMAs
      // inside the range detached, zapped, unlinked and removed.
      let list = world[process: p].vmas.compactMap { world.vmas[$0] }
      if list.contains(where: { ($0.start < start && $0.end > start) || ($0.start < end && end < $0.end) }) {
        return .everything
      }
      let inside = list.filter { $0.start >= start && $0.end <= end }.map(\.id)
      let steps: [Instr] =
        [.detachVMAs(process: p, start: start, end: end)] + inside.map { .zapVMA(vma: $0, start: 0, end: 0) }
        + inside.map { .unlinkAnonVMAs(vma: $0) } + inside.map { .removeVMA(vma: $0) }
      return steps.reduce(into: Footprint(reads: [.process(p)], writes: [])) {
        $0.formUnion(of($1, in: world, cpu: cpu, next: false, regs: false))
      }
    case .removeVMA(let vma):
      // remove_vma() (World+MMap.swift): the VMA leaves its process and the detached list, and
      // its remaining AVCs leave the AVC table; it touches no anon_vma or its list.
      // Its chain only shrinks once it has an anon_vma (see unlinkAnonVMAs below).
      guard let v = world.vmas[vma] else { return .everything }
      let links: [Object] = v.anonVMA != nil ? v.chainTailFirst.map { .avc($0) } : [.avcs]
      let all: [Object] = [.process(v.process), .detached] + links
      return Footprint(reads: all, writes: all, assumes: [.process(v.process)])
    case .stackSetPgoff(let vma, _), .adjustNextPgoff(let vma, _):
      // expand_downwards() / vma_adjust() (World+Stack.swift, World+VMAAdjust.swift): one
      // VMA's vm_pgoff.
      guard let p = world.vmas.withObject(vma, \.process) else { return .everything }
      return Footprint(reads: [.process(p)], writes: [.process(p)])
    case .setBrk(let p, _, _):
      // sys_brk()'s `mm->brk = brk` (World+Stack.swift): the process's mapping record.
      return Footprint(reads: [.process(p)], writes: [.process(p)])
    case .noFault(let p, _, _):
      // An event naming the location (the process's mappings).
      return Footprint(reads: [.process(p)], writes: [])
    case .lock(let ref, _), .unlock(let ref):
      // World+Lock.swift: resolves the anon_vma (its slot's occupant and root), checks it is
      // alive and a root, then adds or removes this CPU in the lock's holders; an attempt that
      // blocks runs the deadlock detector, one that deadlocks changes the CPU's state.
      guard regs || !ref.readsRegister, let (requested, target) = try? world.resolveLock(ref, cpu: cpu) else {
        return Footprint(reads: [.everything], writes: [.locks, .waits])
      }
      let reads: [Object] = [.anonVMA(requested), .anonVMA(target), .lock(target), held]
      if case .unlock = instr { return Footprint(reads: reads, writes: [.lock(target), held, .waits]) }
      // The attempt as it runs next and progresses (the only one the reduction takes alone).
      if next { return Footprint(reads: reads, writes: [.lock(target), held]) }
      return Footprint(reads: reads + [.waits], writes: [.lock(target), held, .waits])
    case .doAnonymousPage(let p, _, _), .mapZeroPage(let p, _), .pageMoveAnonRmap(let p, _):
      // do_anonymous_page(), its zero-page form, page_move_anon_rmap() (World+Memory.swift,
      // World+Rmap.swift): the VMA's anon_vma read, a page allocated or re-filed, one PTE set.
      return Footprint(reads: [.process(p), .pageTable(p), .pages], writes: [.pageTable(p), .pages])
    case .cowCopy(let p, _, _):
      // do_wp_page()'s copy: a new page, the PTE, the old page's mapping dropped (a KSM page's
      // stable node dies with its last mapping).
      return Footprint(reads: [.process(p), .pageTable(p), .pages, .ksm], writes: [.pageTable(p), .pages, .ksm])
    case .swapInMap(let p, _, _, _):
      // do_swap_page()'s mapping (World+Memory.swift): the swap slot and cache, the page filed
      // in the VMA's anon_vma, its last AVC's (2.6.34) or its root (lockTarget).
      return Footprint(
        reads: [.process(p), .pageTable(p), .pages, .avcs, .anonVMAs], writes: [.pageTable(p), .pages])
    case .anonVMAPrepare(let vma):
      // anon_vma_prepare() (World+Rmap.swift): nothing once the VMA has an anon_vma (no table
      // instruction clears it); else the AVC and maybe an anon_vma allocated (a reused slot
      // renames lock records), the lock, the publication and the loser's free.
      guard let p = world.vmas.withObject(vma, \.process) else { return .everything }
      if world.anonVMA(of: vma) != nil { return Footprint(reads: [.process(p)], writes: []) }
      let all: [Object] = [.process(p), .processes, .avcs, .anonVMAs, .anonVMALists, .locks, .waits]
      return world.kernel.isModern ? .everything : Footprint(reads: all, writes: all)
    case .faultWrite(let p, let v), .faultRead(let p, let v), .doWPPage(let p, let v), .doSwapPage(let p, let v, _):
      // handle_mm_fault() and what it calls (World+Memory.swift), by the PTE and the page at
      // the time it runs (others may change them): every branch together.
      guard let vma = world.vmaContaining(process: p, vpage: v) else { return .everything }
      var branches: [Instr] = [
        .anonVMAPrepare(vma: vma), .doAnonymousPage(process: p, vpage: v, zeroPage: false),
        .pageMoveAnonRmap(process: p, vpage: v), .cowCopy(process: p, vpage: v),
      ]
      // do_swap_page() only for a swap (or migration) entry: with a present, zero or empty
      // PTE it is not taken, as long as no other CPU changes the page table (assumed).
      var noSwapEntry: Bool
      switch world[process: p].ptes[v] {
      case .page?, .zero?, nil: noSwapEntry = true
      default: noSwapEntry = false
      }
      if case .doSwapPage = instr { noSwapEntry = false }
      if !noSwapEntry { branches.append(.swapInMap(process: p, vpage: v, exclusive: false, write: false)) }
      let assumes: [Object] = noSwapEntry ? [.pageTable(p)] : []
      let base = Footprint(reads: [.process(p), .pageTable(p), .pages], writes: [], assumes: assumes)
      return branches.reduce(into: base) {
        $0.formUnion(of($1, in: world, cpu: cpu, next: false, regs: regs))
      }
    case .op(let op):
      return ofOperation(op, in: world, cpu: cpu)
    case .newMM(let name, let parent):
      // mm_alloc() / dup_mm() (kernel/fork.c; World+Fork.swift): a new process at the end of
      // the process table, with the parent's mappings copied; its name now resolves to it.
      let from: [Object] = parent.map { [.process($0)] } ?? []
      return Footprint(reads: [.processTable] + from, writes: [.processTable, .processName(named: name)])
    case .dupMMAP(let parent, let child):
      // dup_mmap() (kernel/fork.c, 2.6.36: `for (mpnt = oldmm->mmap; mpnt; mpnt = mpnt->vm_next)`):
      // one dupVMA per VMA of the parent, into the child found by name; while this CPU's
      // mm_alloc() is still to run, the child will be the next process of the table.
      let pending = world.cpus[cpu].pending.contains(.newMM(name: child, parent: parent))
      guard let ci = pending ? ProcessID(world.processes.count) : world.processIndex(named: child) else {
        return .everything
      }
      let inputs: [Object] = [pending ? .processTable : .processName(named: child), .process(parent)]
      return world[process: parent].vmas.reduce(into: Footprint(reads: inputs, writes: [], assumes: inputs)) {
        $0.formUnion(of(.dupVMA(parentVMA: $1, child: ci), in: world, cpu: cpu, next: false, regs: false))
      }
    case .dupVMA(let pvma, let child):
      // dup_mmap()'s loop body (kernel/fork.c): `tmp = kmem_cache_alloc(vm_area_cachep)`,
      // `anon_vma_fork(tmp, mpnt)`, `copy_page_range(mm, oldmm, mpnt)`.
      return of(.copyVMA(parentVMA: pvma, child: child), in: world, cpu: cpu, next: false)
        .union(anonVMAFork(parent: pvma, child: child, in: world, cpu: cpu))
        .union(copyPageRange(parent: pvma, child: child, in: world))
    case .copyVMA(let pvma, let child):
      // dup_mmap(): `*tmp = *mpnt; INIT_LIST_HEAD(&tmp->anon_vma_chain)`, the copy linked into
      // the child's mm: reads the parent's VMA, writes the child's VMAs and the VMA allocator.
      guard let pp = world.vmas.withObject(pvma, \.process) else { return .everything }
      return Footprint(reads: [.process(pp), .vmaAllocator], writes: [.vmaAllocator, .process(child)])
    case .anonVMAForkReg(let pvma):
      // anon_vma_fork() on the copy in the `vma` register: the copy's process is the one
      // dup_mmap() copies into (the copyVMA still to run on this CPU when the register is not
      // known yet).
      let copy = regs ? try? world.value(Val<VMA>.reg(.vma), cpu: cpu) : nil
      guard
        let child = copy.flatMap({ world.vmas.withObject($0, \.process) }) ?? copyTarget(of: pvma, in: world, cpu: cpu)
      else { return .everything }
      return anonVMAFork(parent: pvma, child: child, in: world, cpu: cpu)
    case .anonVMAFork(let child, let pvma):
      guard let cp = world.vmas.withObject(child, \.process) else { return .everything }
      return anonVMAFork(parent: pvma, child: cp, in: world, cpu: cpu)
    case .copyPageRange(let pvma, let childVal):
      let copy = regs ? try? world.value(childVal, cpu: cpu) : nil
      guard
        let child = copy.flatMap({ world.vmas.withObject($0, \.process) }) ?? copyTarget(of: pvma, in: world, cpu: cpu)
      else { return .everything }
      return copyPageRange(parent: pvma, child: child, in: world)
    case .allocAVC:
      // anon_vma_chain_alloc() (mm/rmap.c): a new AVC, linked to nothing, in the `avc` register.
      return Footprint(reads: [.avcAllocator], writes: [.avcAllocator, .freshAVCs(cpu)])
    case .allocAnonVMA:
      // anon_vma_alloc() (mm/rmap.c; World+Rmap.swift): a new anon_vma, maybe in a freed one's
      // slot (SLAB_DESTROY_BY_RCU), whose lock holders and waiters it then renames.
      let all: [Object] = [.anonVMAs, .anonVMASlab, .locks, .waits]
      return Footprint(reads: all, writes: all)
    case .setRootFromParent(let val, let pvma):
      // anon_vma_fork() (2.6.36 mm/rmap.c): `anon_vma->root = pvma->anon_vma->root`.
      guard let pp = world.vmas.withObject(pvma, \.process) else { return .everything }
      let parentAV = world.vmas[pvma]?.anonVMA.map { Object.anonVMA($0) } ?? .anonVMAs
      let a = (regs ? try? world.value(val, cpu: cpu) : nil).map { Object.anonVMA($0) } ?? .anonVMAs
      return Footprint(reads: [.process(pp), parentAV, a], writes: [a])
    case .getAnonVMA(let val, let transient):
      // get_anon_vma(anon_vma->root) after anon_vma_fork() set the root (2.6.36 mm/rmap.c):
      // the root's refcount. (A transient pin is migration's: not in the table.) Before the
      // register is known, the root is the one this CPU's setRootFromParent will set.
      guard !transient else { return .everything }
      guard let a = regs ? try? world.value(val, cpu: cpu) : nil else {
        guard let root = forkRoot(in: world, cpu: cpu) else {
          return Footprint(reads: [.anonVMAs, .anonVMALists], writes: [.anonVMALists])
        }
        return Footprint(reads: [.anonVMAs, .anonVMAList(root)], writes: [.anonVMAList(root)])
      }
      let root = world.anonVMA(a)?.root ?? a
      return Footprint(reads: [.anonVMA(a), .anonVMA(root), .anonVMAList(root)], writes: [.anonVMAList(root)])
    case .anonVMAChainLink(let vma, let avcVal, let avVal):
      // anon_vma_chain_link() with its lock (2.6.x mm/rmap.c, World+Rmap.swift): the AVC onto
      // the VMA's chain, the anon_vma's lock, onto its list, the unlock. An AVC not known yet
      // is the one this CPU's anon_vma_chain_alloc() allocates first.
      guard !world.kernel.isModern else { return .everything }
      let id = regs || !avcVal.isRegister ? try? world.value(avcVal, cpu: cpu) : nil
      let avc: Val<AVC> = id.map { .lit($0) } ?? avcVal
      let a = regs || !avVal.isRegister ? try? world.value(avVal, cpu: cpu) : nil
      guard let a else {
        return Footprint.linkFresh(vma: vma, anonVMA: nil, in: world, cpu: cpu, root: forkRoot(in: world, cpu: cpu))
      }
      if id == nil { return Footprint.linkFresh(vma: vma, anonVMA: a, in: world, cpu: cpu, root: nil) }
      let steps: [Instr] = [
        .linkSameVMA(vma: vma, avc: avc, anonVMA: .lit(a)), .lock(.anonVMALock(.lit(a)), world.writeMode),
        .linkSameAnonVMA(avc: avc, atTail: true), .unlock(.anonVMALock(.lit(a))),
      ]
      return steps.reduce(into: Footprint.local) { $0.formUnion(of($1, in: world, cpu: cpu, next: false)) }
    case .anonVMAClone(let dstVal, let src):
      // anon_vma_clone() (2.6.x mm/rmap.c: `list_for_each_entry_reverse(pavc, &src->anon_vma_chain, same_vma)`):
      // per anon_vma of the source's chain, an AVC allocated and linked.
      guard !world.kernel.isModern, let sp = world.vmas.withObject(src, \.process),
        case .lit(let dst) = dstVal, world.vmas[dst] != nil
      else { return .everything }
      return clone(src: src, srcProcess: sp, dst: dst, in: world, cpu: cpu)
    case .vmLockAnonVMA(let a):
      // vm_lock_anon_vma() (mm/mmap.c, 2.6.36 with 6/5: the bit on the root): the root's
      // mm_all_locks bit read, then the lock and the bit set, or a narration.
      let bitOn = world.kernel == .v2_6_34 || world.has(.noSixFive) ? a : world.lockTarget(of: a)
      let lock = of(.lock(.anonVMALock(.lit(a)), world.writeMode), in: world, cpu: cpu, next: false)
      return lock.union(
        Footprint(reads: [.anonVMA(a), .anonVMA(bitOn), .allLocksBit(bitOn)], writes: [.allLocksBit(bitOn)]))
    case .setAllLocksBit(let a, _):
      // vm_lock_anon_vma() / vm_unlock_anon_vma() (mm/mmap.c): `__test_and_set_bit(0,
      // &anon_vma->root->head.next)`, a bit of the list head.
      return Footprint(reads: [.allLocksBit(a)], writes: [.allLocksBit(a)])
    case .checkAllLocks(let p, _):
      // After mm_take_all_locks() / mm_drop_all_locks() (mm/mmap.c): the process's chains, each
      // anon_vma's root, this CPU's locks and the roots' bits read; it reports C21 itself.
      var reads: [Object] = [.process(p), held]
      for id in world[process: p].vmas {
        for link in world.vmas[id]?.chainTailFirst ?? [] {
          guard let a = world.avcs.withObject(link, \.anonVMA) else { return .everything }
          let root = world.lockTarget(of: a)
          reads += [.avc(link), .anonVMA(a), .anonVMA(root), .allLocksBit(root)]
        }
      }
      return Footprint(reads: reads, writes: [], assumes: [.process(p)])
    default:
      return .everything
    }
  }

  /// A scene operation not yet begun (``Instr/op(_:)``): what its expansion
  /// (World+Operations.swift), made now on a copy of the world, may touch, with the names and
  /// objects the expansion reads as assumptions (the expansion happens at the CPU's first
  /// micro-step). Fork, exit, faults and mm_take_all_locks(); other operations touch everything.
  static func ofOperation(_ op: Operation, in world: World, cpu: Int) -> Footprint {
    guard let (copy, inputs) = world.expansion(of: op, cpu: cpu) else { return .everything }
    let rest = copy.remainingFootprint(cpu: cpu)
    guard !rest.isEverything else { return .everything }
    return rest.union(Footprint(reads: inputs, writes: [], assumes: inputs))
  }

  /// The process dup_mmap() copies `pvma` into, for anonVMAForkReg and copyPageRange, which read
  /// the copy from the `vma` register: the child of this CPU's copyVMA of `pvma` still to run,
  /// else the register's VMA now, when no instruction before them in the program may write the
  /// register (only copyVMA and its split and mremap twins do, and anon_vma_fork()'s expansion
  /// is none of them).
  static func copyTarget(of pvma: VMAID, in world: World, cpu: Int) -> ProcessID? {
    for instr in world.cpus[cpu].pending {
      switch instr {
      case .copyVMA(pvma, let child):
        return child
      case .anonVMAForkReg(pvma), .copyPageRange(pvma, .reg(.vma)):
        return world.cpus[cpu].regs.vma.flatMap { world.vmas.withObject($0, \.process) }
      case .anonVMAFork, .anonVMAClone, .allocAVC, .anonVMAChainLink, .allocAnonVMA, .setRootFromParent, .getAnonVMA,
        .setVMAAnonVMA, .linkSameVMA, .linkSameAnonVMA, .lock, .unlock, .narrate:
        continue
      default:
        return nil
      }
    }
    return nil
  }

  /// The root the anon_vma anon_vma_fork() allocates will have (2.6.36: `anon_vma->root =
  /// pvma->anon_vma->root`), from this CPU's setRootFromParent still to run; nil in 2.6.34 (the
  /// new anon_vma is its own lock) or when unknown.
  static func forkRoot(in world: World, cpu: Int) -> AnonVMAID? {
    guard world.kernel == .v2_6_36 else { return nil }
    // The one that runs last, should there be several.
    var last: VMAID?
    for case .setRootFromParent(.reg(.anonVMA), let pvma) in world.cpus[cpu].pending { last = pvma }
    guard let pvma = last else { return nil }
    return world.vmas[pvma]?.anonVMA.map { world.lockTarget(of: $0) }
  }

  /// anon_vma_chain_link() and its lock (2.6.x mm/rmap.c) for an AVC this CPU has not
  /// allocated or linked yet (``Object/freshAVCs(_:)``), onto `vma`'s chain (its process) and
  /// the list of `anonVMA` (nil: the anon_vma anon_vma_fork() allocates, locked through `root`,
  /// or any lock when that is unknown).
  static func linkFresh(vma: VMAID, anonVMA a: AnonVMAID?, in world: World, cpu: Int, root: AnonVMAID?)
    -> Footprint
  {
    guard let p = world.vmas.withObject(vma, \.process) else { return .everything }
    return linkFresh(process: p, anonVMA: a, in: world, cpu: cpu, root: root)
  }

  static func linkFresh(process p: ProcessID, anonVMA a: AnonVMAID?, in world: World, cpu: Int, root: AnonVMAID?)
    -> Footprint
  {
    let held = Object.heldBy(cpu)
    let fresh = Object.freshAVCs(cpu)
    let chain = Footprint(reads: [fresh, .process(p)], writes: [fresh, .process(p)])
    let lock: Footprint
    if let a {
      lock = of(.lock(.anonVMALock(.lit(a)), world.writeMode), in: world, cpu: cpu, next: false)
        .union(of(.unlock(.anonVMALock(.lit(a))), in: world, cpu: cpu, next: false))
    } else if let root {
      lock = Footprint(
        reads: [.anonVMAs, .anonVMA(root), .lock(root), held, .waits], writes: [.lock(root), held, .waits])
    } else {
      lock = Footprint(reads: [.anonVMAs, .locks, .waits], writes: [.locks, .waits])
    }
    let list: Object = a.map { .anonVMAList($0) } ?? .anonVMALists
    let own: Object = a.map { .anonVMA($0) } ?? .anonVMAs
    return chain.union(lock).union(Footprint(reads: [fresh, own, list, held], writes: [fresh, list]))
  }

  /// anon_vma_clone() (2.6.x mm/rmap.c) from `src` (of `srcProcess`) into a VMA of `dst`: per
  /// anon_vma of the source's chain, anon_vma_chain_alloc() and anon_vma_chain_link().
  static func clone(src: VMAID, srcProcess sp: ProcessID, dst: ProcessID, in world: World, cpu: Int) -> Footprint {
    guard let v = world.vmas[src] else { return .everything }
    var fp = Footprint(reads: [.process(sp)], writes: [], assumes: [.process(sp)])
    for id in v.chainTailFirst {
      guard let a = world.avcs.withObject(id, \.anonVMA) else { return .everything }
      fp = fp.union(Footprint(reads: [.avc(id)], writes: [], assumes: [.avc(id)]))
        .union(of(.allocAVC, in: world, cpu: cpu, next: false))
        .union(linkFresh(process: dst, anonVMA: a, in: world, cpu: cpu, root: nil))
    }
    return fp
  }

  static func clone(src: VMAID, srcProcess sp: ProcessID, dst: VMAID, in world: World, cpu: Int) -> Footprint {
    guard let dp = world.vmas.withObject(dst, \.process) else { return .everything }
    return clone(src: src, srcProcess: sp, dst: dp, in: world, cpu: cpu)
  }

  /// anon_vma_fork() in 2.6.34 and 2.6.36 (mm/rmap.c; World+Rmap.swift) of parent VMA `pvma`
  /// into a VMA of process `child`: nothing without an anon_vma; else anon_vma_clone(),
  /// anon_vma_alloc(), anon_vma_chain_alloc(), 2.6.36's `anon_vma->root =
  /// pvma->anon_vma->root` and `get_anon_vma(anon_vma->root)`, `vma->anon_vma = anon_vma` and
  /// anon_vma_chain_link() under the new anon_vma's lock (its root's in 2.6.36).
  static func anonVMAFork(parent pvma: VMAID, child: ProcessID, in world: World, cpu: Int) -> Footprint {
    guard !world.kernel.isModern, let pv = world.vmas[pvma] else { return .everything }
    let inputs: [Object] = [.process(pv.process)]
    let base = Footprint(reads: inputs, writes: [], assumes: inputs)
    guard let pav = pv.anonVMA else { return base }
    let root: AnonVMAID? = world.kernel == .v2_6_36 ? world.lockTarget(of: pav) : nil
    var fp = base.union(clone(src: pvma, srcProcess: pv.process, dst: child, in: world, cpu: cpu))
      .union(of(.allocAnonVMA(by: "anon_vma_fork"), in: world, cpu: cpu, next: false))
      .union(of(.allocAVC, in: world, cpu: cpu, next: false))
    if let root {
      fp = fp.union(
        Footprint(
          reads: [.anonVMA(pav), .anonVMA(root), .anonVMAList(root)], writes: [.anonVMAs, .anonVMAList(root)],
          assumes: [.anonVMA(pav)]))
    }
    return fp.union(Footprint(reads: [.process(child)], writes: [.process(child)]))
      .union(linkFresh(process: child, anonVMA: nil, in: world, cpu: cpu, root: root))
  }

  /// copy_page_range() (mm/memory.c; World+Memory.swift): the parent's PTEs write-protected and
  /// copied into the child's page table, each page's mapcount (or swap count) raised.
  static func copyPageRange(parent pvma: VMAID, child: ProcessID, in world: World) -> Footprint {
    guard let pp = world.vmas.withObject(pvma, \.process) else { return .everything }
    return Footprint(
      reads: [.process(pp), .process(child), .pageTable(pp), .pages],
      writes: [.pageTable(pp), .pageTable(child), .pages])
  }

  /// Whether an instruction may write one of its CPU's registers (or expands into one that may):
  /// a later instruction's register operands are then unknown (see ``of(_:in:cpu:next:regs:)``).
  static func mayWriteRegisters(_ instr: Instr) -> Bool {
    switch instr {
    case .narrate, .finishWalk, .lock, .unlock, .noFault, .freeAVC, .removeVMA, .stackSetPgoff, .adjustNextPgoff,
      .setBrk, .linkSameVMA, .linkSameAnonVMA, .setVMAAnonVMA, .listDelSameAnonVMA, .freeAnonVMA, .freePage, .zapVMA,
      .finishWalkPutback, .detachVMAs, .exitMM, .newMM, .setRootFromParent, .getAnonVMA, .copyPageRange, .vmLockAnonVMA,
      .setAllLocksBit,
      .checkAllLocks, .anonVMAChainLink:
      return false
    case .unlessBailed(let inner): return mayWriteRegisters(inner)
    default: return true
    }
  }
}

extension Val {
  /// Whether the operand is read from a register.
  var isRegister: Bool {
    if case .reg = self { return true }
    return false
  }
}

extension LockRef {
  /// Whether the anon_vma is read from a register.
  var readsRegister: Bool {
    switch self {
    case .anonVMALock(.reg), .exact(.reg): return true
    case .anonVMALock(.lit), .exact(.lit): return false
    }
  }
}

extension World {
  /// This world with CPU `c`'s operation `op` (not yet begun, the only instruction of its
  /// program) expanded as its first micro-step will expand it (World+Operations.swift), and the
  /// objects the expansion reads: the process's name, its VMAs, and for mm_take_all_locks() the
  /// AVCs of their chains. Fork, exit, faults and mm_take_all_locks(); nil for other operations.
  func expansion(of op: Operation, cpu c: Int) -> (World, [Footprint.Object])? {
    guard cpus[c].pending.count == 1, cpus[c].pending.first == .op(op), let resolved = try? resolve(op, at: .firstStep)
    else { return nil }
    let name: String
    switch op {
    case .fork(let p, _), .exit(let p), .takeAllLocks(let p), .touch(let p, _, _, _), .read(let p, _, _, _): name = p
    default: return nil
    }
    var inputs: [Footprint.Object] = [.processName(named: name)]
    switch resolved {
    case .fork(let p, _), .exit(let p), .touch(let p, _, _, _), .read(let p, _, _, _):
      inputs.append(.process(p))
    case .takeAllLocks(let p):
      // mm_take_all_locks() (mm/mmap.c) walks `vma->anon_vma_chain` of each VMA with an anon_vma.
      inputs.append(.process(p))
      for id in self[process: p].vmas { inputs += (vmas[id]?.chainTailFirst ?? []).map { .avc($0) } }
    default:
      return nil
    }
    var copy = self
    guard let instrs = try? copy.expand(resolved, cpu: c) else { return nil }
    copy.cpus[c].pending = Program(instrs)
    return (copy, inputs)
  }

  /// The footprint of CPU `c`'s next micro-step (the instructions it pops up to its event), or
  /// nil when it is not one the table knows. A call the table knows counts with everything it
  /// may expand into, and (as it may expand into nothing) with the instruction after it.
  ///
  /// `invisibleOnly`: nil as soon as the footprint is known to be ``Footprint/mayBeVisible``
  /// (the race explorer's C2 takes no such step alone, so it need not know the rest: a fault's
  /// later pages, say); otherwise the same answer.
  public func nextStepFootprint(cpu c: Int, invisibleOnly: Bool = false) -> Footprint? {
    var step = Footprint.local
    var known = true
    for instr in cpus[c].pending {
      switch instr {
      case .op(let op):
        // Expanded by this micro-step: the expansion's next micro-step, reading what the
        // expansion reads.
        guard let (copy, inputs) = expansion(of: op, cpu: c),
          let first = copy.nextStepFootprint(cpu: c, invisibleOnly: invisibleOnly)
        else {
          return nil
        }
        return first.union(Footprint(reads: inputs, writes: []))
      case .clearBail:
        // Expands into nothing: the micro-step goes on with the next instruction.
        continue
      case .narrate, .noFault, .lock, .unlock, .finishWalk, .finishWalkPutback, .computeEmpty, .freeAVC, .removeVMA,
        .stackSetPgoff, .adjustNextPgoff, .setBrk, .listDelSameAnonVMA, .linkSameAnonVMA, .linkSameVMA, .setVMAAnonVMA,
        .freeAnonVMA,
        .freePage, .doAnonymousPage, .mapZeroPage, .pageMoveAnonRmap, .cowCopy, .swapInMap, .zapVMA, .detachVMAs,
        .exitMM, .newMM, .copyVMA, .allocAVC, .allocAnonVMA, .setRootFromParent, .getAnonVMA, .copyPageRange,
        .setAllLocksBit, .checkAllLocks:
        return step.union(Footprint.of(instr, in: self, cpu: c, next: true, regs: known))
      case .faultWrite where invisibleOnly, .faultRead where invisibleOnly, .doWPPage where invisibleOnly,
        .doSwapPage where invisibleOnly:
        // (A `where` binds to one pattern only: each carries its own.) Every branch of handle_mm_fault() sets a PTE (do_anonymous_page(), do_wp_page()'s
        // copy or reuse, do_swap_page()), and an unknown VMA counts as everything: visible
        // whatever the rest, and known so without working out the branches' footprints (on
        // four CPUs copying on write, most of the reduction's cost).
        return nil
      case .pageLockAnonVMA, .readPageMapping:
        // page_lock_anon_vma()'s first micro-step, readPageMapping (World+RmapWalk.swift): reads
        // page->mapping, the page's mapcount and liveness and the anon_vma's root into the
        // registers. (Its lock, later, reads those registers: as part of a remaining program the
        // call counts as everything.)
        return step.union(Footprint(reads: [.pages, .anonVMAs], writes: []))
      case .unlessBailed(let inner):
        // Nothing when page_lock_anon_vma() returned NULL: the micro-step goes on.
        if known && regs(c).bail { continue }
        guard known else { return nil }
        return nextStepFootprint(of: inner, cpu: c, after: step)
      case .prepPublish, .prepFinish, .pageUnlockAnonVMA, .unlinkFreeIfEmpty, .anonVMAUnlink, .rmapWalkVisits,
        .anonVMAPrepare, .faultWrite, .faultRead, .doWPPage, .doSwapPage, .unlinkAnonVMAs, .doMunmap, .dupMMAP, .dupVMA,
        .anonVMAForkReg, .anonVMAFork, .anonVMAClone, .anonVMAChainLink, .vmLockAnonVMA:
        let call = Footprint.of(instr, in: self, cpu: c, next: known, regs: known)
        if call.isEverything { return nil }
        step.formUnion(call)
        if invisibleOnly && step.mayBeVisible { return nil }
        known = known && !Footprint.mayWriteRegisters(instr)
      default:
        return nil
      }
    }
    // Only calls the table knows were left (a fault's last pages): the micro-step is in one of
    // their expansions, or the CPU's operation ends.
    return step
  }

  /// The footprint of `instr` run next after `step`, for an instruction `unlessBailed` runs.
  private func nextStepFootprint(of instr: Instr, cpu c: Int, after step: Footprint) -> Footprint? {
    switch instr {
    case .lock, .unlock, .freePage: return step.union(Footprint.of(instr, in: self, cpu: c, next: true))
    case .folioTrylockRead:
      // folio_lock_anon_vma_read()'s down_read_trylock() on the root in the `root` register
      // (World+FolioLockAnonVMA.swift): it never blocks (no wait-for graph); on success it takes
      // the lock as a lock that progresses does (its mapped re-check is the next micro-step), on
      // failure it only narrates (its slow path is the next micro-step). Either way it reads the
      // lock's holders and the root (C11, C16) and writes at most the lock and this CPU's record.
      guard let root = regs(c).root else { return nil }
      return step.union(
        Footprint(reads: [.anonVMA(root), .lock(root), .heldBy(c)], writes: [.lock(root), .heldBy(c)]))
    default: return nil
    }
  }

  /// Everything CPU `c` may still touch: the union of the footprints of its remaining program
  /// (each call covering what it expands into), an over-approximation of all its future
  /// micro-steps while the CPU about to move alone has not moved. Registers are read as they
  /// are until an instruction that may write one (``Footprint/mayWriteRegisters(_:)``); after it
  /// a register operand counts as any object.
  public func remainingFootprint(cpu c: Int) -> Footprint {
    var all = Footprint.local
    var regs = true
    for instr in cpus[c].pending {
      all.formUnion(Footprint.of(instr, in: self, cpu: c, next: false, regs: regs))
      if all.isEverything { return all }
      regs = regs && !Footprint.mayWriteRegisters(instr)
    }
    return all
  }
}
