/// What a micro-step may read and write, for the race explorer's partial-order reduction: two
/// micro-steps of different CPUs whose footprints do not conflict commute (either order reaches
/// the same world, and neither enables or disables the other).
///
/// Footprints are declared from what each instruction touches in this model, and conservatively
/// (`FootprintTests` checks, on every reachable state of the race scenes it visits, that the
/// declared writes of each micro-step and of each CPU's remaining program cover what running it
/// changes):
/// an instruction the table does not know, or a call that expands into further instructions
/// (reading the state at that moment), touches ``Object/everything``. The classes are coarse on
/// purpose (all pages are one object: they share the page allocator, whose ids depend on the
/// order of allocation; every anon_vma, AVC and KSM node is one object: forks, frees and walks
/// follow their lists), so a declaration errs only towards "dependent".
public struct Footprint: Sendable, Equatable {
  /// An object or class of objects a micro-step touches.
  public enum Object: Sendable, Hashable {
    /// Every object of the world, every lock and every CPU's lock records.
    case everything
    /// One process: its mm, its VMAs (their bounds, flags, `anon_vma` pointers) and its page table.
    case process(ProcessID)
    /// Every page, swap slot and the page allocator.
    case pages
    /// Every anon_vma, anon_vma_chain and KSM stable node, their counters, lists and allocators.
    case rmap
    /// The anon_vma_chain table alone (which AVCs exist and what each links), without the
    /// anon_vmas' lists: a member of ``rmap`` that no lock's resolution reads.
    case avcs
    /// The list of VMAs detached from their mm but not yet freed (`World.detachedVMAs`).
    case detached
    /// One anon_vma's lock: its holders in the lock table.
    case lock(AnonVMAID)
    /// One anon_vma's own fields (alive, root, the memory slot it occupies), read to find a lock.
    case anonVMA(AnonVMAID)
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
  }

  public var reads: [Object]
  public var writes: [Object]

  public init(reads: [Object], writes: [Object]) {
    self.reads = reads
    self.writes = writes
  }

  /// Touches nothing another CPU can see or change (its own registers, its event).
  public static let local = Footprint(reads: [], writes: [])
  /// Touches everything.
  public static let everything = Footprint(reads: [.everything], writes: [.everything])

  /// Both footprints together.
  public func union(_ other: Footprint) -> Footprint {
    if self == .everything || other == .everything { return .everything }
    return Footprint(reads: reads + other.reads, writes: writes + other.writes)
  }

  /// Whether two objects may be the same (a class overlaps each of its members).
  static func overlap(_ x: Object, _ y: Object) -> Bool {
    switch (x, y) {
    case (.everything, _), (_, .everything): return true
    case (.locks, .locks), (.locks, .lock), (.lock, .locks): return true
    case (.waits, .waits), (.waits, .locks), (.locks, .waits): return true
    case (.rmap, .rmap), (.rmap, .anonVMA), (.anonVMA, .rmap): return true
    case (.avcs, .avcs), (.avcs, .rmap), (.rmap, .avcs): return true
    case (.detached, .detached): return true
    case (.pages, .pages): return true
    case (.process(let a), .process(let b)): return a == b
    case (.lock(let a), .lock(let b)): return a == b
    case (.anonVMA(let a), .anonVMA(let b)): return a == b
    default: return false
    }
  }

  /// Whether the two micro-steps may not commute: one writes what the other reads or writes.
  public func conflicts(with other: Footprint) -> Bool {
    func meets(_ xs: [Object], _ ys: [Object]) -> Bool {
      xs.contains { x in ys.contains { y in Self.overlap(x, y) } }
    }
    return meets(writes, other.reads) || meets(writes, other.writes) || meets(reads, other.writes)
  }

  /// Whether the micro-step may change what an invariant reads (``World/invariantViolations(scope:)``
  /// reads the anon_vmas, VMAs, page tables, pages and KSM nodes, and the CPUs' states). Only the
  /// lock table and a CPU's own lock records are invisible: no invariant reads the lock table, and
  /// C21 reads the records only when every CPU is idle, which a step that leaves its CPU running
  /// does not change (the explorer checks that after the step).
  public var mayBeVisible: Bool {
    writes.contains { w in
      switch w {
      case .lock, .locks: return false
      default: return true
      }
    }
  }

  /// What one instruction may touch when it runs, with every instruction it expands into:
  /// ``everything`` unless the table below knows better. A lock's anon_vma is resolved in `world`
  /// with `cpu`'s registers: exact for the instruction that runs next (`next`), and for a later
  /// one in a program whose other instructions write neither registers nor anon_vmas (a program
  /// that holds anything else touches everything, see ``World/remainingFootprint(cpu:)``).
  static func of(_ instr: Instr, in world: World, cpu: Int, next: Bool) -> Footprint {
    switch instr {
    case .narrate, .clearBail, .finishWalk:
      // An event or a register of the CPU's own (finish_walk reads the walk in its registers
      // and records it as the last walk, which is bookkeeping, not state).
      return .local
    case .unlessBailed(let inner):
      // Expands into `inner` or nothing, reading only the CPU's own `bail` register.
      return of(inner, in: world, cpu: cpu, next: next)
    case .pageUnlockAnonVMA:
      // page_unlock_anon_vma() (World+RmapWalk.swift) expands into nothing (`bail`) or the unlock
      // of the anon_vma (2.6.34, root-reread) or root page_lock_anon_vma() read into the
      // registers; either way no more than that unlock. The registers are those it will read
      // when the program before it writes none (see ``World/remainingFootprint(cpu:)``).
      let ref: LockRef =
        world.kernel == .v2_6_34 || world.has(.rootReread) ? .anonVMALock(.reg(.anonVMA)) : .exact(.reg(.root))
      return of(.unlock(ref), in: world, cpu: cpu, next: false)
    case .prepFinish:
      // anon_vma_prepare()'s end (World+Rmap.swift, Linux6/World+ForkReuse.swift): frees or puts
      // the anon_vma it allocated if it lost the race (`lostRace`), else expands into nothing.
      return world.cpus[cpu].regs.lostRace ? .everything : .local
    case .computeEmpty(let a):
      // anon_vma_unlink()'s test (World+Rmap.swift): reads the anon_vma's list and counter,
      // sets a register of the CPU's own.
      return Footprint(reads: [.anonVMA(a), .rmap], writes: [])
    case .freeAVC(let vma, _):
      // anon_vma_chain_free() (World+Rmap.swift): takes the AVC off its VMA's chain and frees
      // it from the AVC table; the VMA belongs to one process for its whole life.
      guard let p = world.vmas.withObject(vma, \.process) else { return .everything }
      return Footprint(reads: [.process(p), .avcs], writes: [.process(p), .avcs])
    case .removeVMA(let vma):
      // remove_vma() (World+MMap.swift): the VMA leaves its process and the detached list, and
      // its remaining AVCs leave the AVC table; it touches no anon_vma or its list.
      guard let p = world.vmas.withObject(vma, \.process) else { return .everything }
      let all: [Object] = [.process(p), .avcs, .detached]
      return Footprint(reads: all, writes: all)
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
      guard let (requested, target) = try? world.resolveLock(ref, cpu: cpu) else {
        return Footprint(reads: [.everything], writes: [.locks, .waits])
      }
      let reads: [Object] = [.anonVMA(requested), .anonVMA(target), .lock(target)]
      if case .unlock = instr { return Footprint(reads: reads, writes: [.lock(target), .waits]) }
      // The attempt as it runs next and progresses (the only one the reduction takes alone).
      if next { return Footprint(reads: reads, writes: [.lock(target)]) }
      return Footprint(reads: reads + [.waits], writes: [.lock(target), .waits])
    case .faultWrite(let p, _), .faultRead(let p, _), .doWPPage(let p, _), .doSwapPage(let p, _, _),
      .doAnonymousPage(let p, _, _), .cowCopy(let p, _), .pageMoveAnonRmap(let p, _), .mapZeroPage(let p, _),
      .swapInMap(let p, _, _):
      // handle_mm_fault() and what it calls (World+Memory.swift): the process's VMA and page
      // table, pages (allocated, mapped, unmapped, freed), anon_vma_prepare() (an anon_vma and
      // AVC allocated and linked under a root lock; a reused slot renames lock records).
      let all: [Object] = [.process(p), .pages, .rmap, .locks]
      return Footprint(reads: all, writes: all)
    default:
      return .everything
    }
  }
}

extension World {
  /// The footprint of CPU `c`'s next micro-step (the instructions it pops up to its event), or
  /// nil when it is not one instruction the table knows (a call that expands reads the state).
  public func nextStepFootprint(cpu c: Int) -> Footprint? {
    var step = Footprint.local
    for instr in cpus[c].program.reversed() {
      switch instr {
      case .clearBail:
        // Expands into nothing: the micro-step goes on with the next instruction.
        continue
      case .narrate, .noFault, .lock, .unlock, .finishWalk, .computeEmpty, .freeAVC, .removeVMA, .stackSetPgoff,
        .adjustNextPgoff, .setBrk:
        step = step.union(Footprint.of(instr, in: self, cpu: c, next: true))
        return step
      default:
        return nil
      }
    }
    return nil
  }

  /// Everything CPU `c` may still touch: the union of the footprints of its remaining program
  /// (each call covering what it expands into), an over-approximation of all its future
  /// micro-steps while the CPU about to move alone has not moved.
  ///
  /// A lock's anon_vma is resolved now, which holds until the lock runs whenever it matters: a
  /// footprint that conflicts with no lock the reduction takes alone holds only locks, unlocks,
  /// narrations and the other micro-steps the table knows that write neither ``Footprint/Object/rmap``
  /// nor ``Footprint/Object/locks`` (a fault writes every lock record and the anon_vmas, anything
  /// else is everything): none of them writes an anon_vma or a register a lock, page_unlock_anon_vma()
  /// or anon_vma_prepare()'s end reads (`anonVMA`, `root`, `lostRace`; ``Instr/computeEmpty(anonVMA:)``
  /// sets only `listEmpty`, and `bail`, which ``Instr/clearBail`` sets, is read only by calls
  /// whose footprint covers both of its values); and the micro-step taken
  /// alone reads its anon_vmas, so no other CPU's remaining program writes them either.
  public func remainingFootprint(cpu c: Int) -> Footprint {
    var all = Footprint.local
    for instr in cpus[c].program {
      all = all.union(Footprint.of(instr, in: self, cpu: c, next: false))
      if all == .everything { return all }
    }
    return all
  }
}
