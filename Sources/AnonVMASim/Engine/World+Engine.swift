/// What one attempt to advance a CPU did.
public enum MicroOutcome: Sendable, Hashable {
  /// A micro-step ran.
  case progressed(Event)
  /// The CPU waits for a lock another CPU holds.
  case blocked(lock: AnonVMAID)
  /// The CPU is deadlocked.
  case deadlocked
  /// The CPU had nothing to run.
  case idle
}

/// What an instruction did when reached.
enum InstrResult {
  /// A call: run these instructions in its place.
  case expand([Instr])
  /// A micro-step ran; then run these instructions.
  case event(Event, then: [Instr])
  case block(AnonVMAID)
  case deadlock(AnonVMAID)
}

extension World {
  // MARK: Driving CPUs

  /// Puts an operation on a CPU (`on CPU begin OP`); nothing runs yet.
  ///
  /// - Throws: ``SimError`` when the CPU is busy or a name does not resolve.
  public mutating func begin(_ operation: Operation, on cpu: Int) throws(SimError) {
    guard cpu >= 0, cpu < cpus.count else { throw SimError("no CPU cpu\(cpu)") }
    guard cpus[cpu].state == .idle else {
      throw SimError(
        "cpu\(cpu) is \(cpus[cpu].state.rawValue) in '\(cpus[cpu].op ?? "?")'; "
          + "it cannot begin '\(operation.label)'")
    }
    let resolved = try validate(operation)
    cpus[cpu].op = operation.label
    cpus[cpu].microStep = nil
    cpus[cpu].regs = Registers()
    cpus[cpu].state = .running
    switch operation {
    case .migrate, .swapOut, .rmap:
      // These start from a page, not from a process: migrate_pages() works on pages isolated
      // from the LRU, shrink_page_list() on pages taken off it, and an rmap walk on a page the
      // caller holds. The page is chosen and held now (``Page/callerRefs``); the owner may exit
      // before the first micro-step (D.11), and the operation goes on with the page it holds,
      // which the exit unmaps but does not free.
      switch resolved {
      case .migrate(let x), .swapOut(let x), .rmap(let x): self[page: x.page].callerRefs += 1
      default: break
      }
      cpus[cpu].pending = Program(try expand(resolved, cpu: cpu))
    default:
      cpus[cpu].pending = Program([.op(operation)])
    }
  }

  /// Advances a CPU by one micro-step (expanding calls on the way).
  public mutating func microStep(cpu c: Int) throws(SimError) -> MicroOutcome {
    switch cpus[c].state {
    case .idle: return .idle
    case .deadlocked: return .deadlocked
    case .running, .blocked: break
    }
    var guardCount = 0
    while let instr = cpus[c].pending.popFirst() {
      guardCount += 1
      if guardCount > 100_000 { throw SimError("internal: operation does not progress") }
      // The result is switched on directly (bound to a name first, its arrays and event text are
      // retained and released once more per micro-step: W2 took a third longer).
      switch try run(instr, cpu: c) {
      case .expand(let instrs):
        cpus[c].pending.push(instrs)
        try chargeInstruction()
      case .event(let event, let then):
        try chargeInstruction()
        // The CPU's fields in one access (each `cpus[c].field =` checks the array is unique).
        let finished = cpus.withUnsafeMutableBufferPointer { cpus in
          cpus[c].pending.push(then)
          cpus[c].microStep = event.text
          cpus[c].waitingFor = nil
          cpus[c].waitingMode = nil
          cpus[c].state = .running
          return cpus[c].pending.isEmpty
        }
        if finished { finishOperation(cpu: c) }
        // One CPU never waits: only another CPU can hold the lock it wants.
        if cpus.count > 1 { wakeWaiters() }
        return .progressed(event)
      case .block(let lock):
        // spin_lock(&anon_vma->root->lock) computed the lock's address once: keep spinning on it.
        if case .lock(_, let mode) = instr {
          cpus[c].pending.push(.lock(.exact(.lit(lock)), mode))
        } else {
          cpus[c].pending.push(instr)
        }
        cpus[c].state = .blocked
        detectDeadlock(from: c)
        return cpus[c].state == .deadlocked ? .deadlocked : .blocked(lock: lock)
      case .deadlock:
        cpus[c].pending.push(instr)
        cpus[c].state = .deadlocked
        return .deadlocked
      }
    }
    finishOperation(cpu: c)
    return .idle
  }

  /// One instruction's work, then the budget check (a world past its budget stops here).
  @inline(__always)
  private mutating func chargeInstruction() throws(SimError) {
    work.value += 1
    try checkBudget()
  }

  /// A call whose instructions run next, in order, pushed onto the CPU's program directly as one
  /// frame (``Program``): the chain functions are called millions of times in a large scene.
  mutating func call(_ a: Instr, _ b: Instr, _ c: Instr, _ d: Instr, _ e: Instr? = nil, on cpu: Int) -> InstrResult {
    cpus[cpu].pending.push(e.map { [a, b, c, d, $0] } ?? [a, b, c, d])
    return .expand([])
  }

  /// A micro-step's event, then the instructions that run next. The text and objects are
  /// formatted only when the world narrates (`narrating`, set once per step): quiet runs, which
  /// take millions of micro-steps, format nothing.
  @inline(__always)
  func emit(
    _ c: Int, _ function: String, _ text: @autoclosure () -> String,
    objects: @autoclosure () -> [ObjectRef] = [], then: [Instr] = []
  ) -> InstrResult {
    .event(Event(cpu: c, function: function, narrating: narrating.value, text: text(), objects: objects()), then: then)
  }

  /// What CPU `c` is doing once an attempt to advance it blocked or deadlocked on `lock`
  /// (``MicroOutcome/blocked(lock:)``), as a micro-step of its own for the screen and narration:
  /// the failed attempt changes the world (the CPU waits, and on 6.x joins the rwsem's wait list)
  /// without an event of the model's, and the micro-step before it showed the CPU running while
  /// the step's end showed it waiting. 2.6.34 and 2.6.36 spin (spin_lock() on the anon_vma's,
  /// or the root's, lock); 6.x sleeps on the root's rwsem behind the waiters queued before it
  /// (kernel/locking/rwsem.c, rwsem_down_read_slowpath() and rwsem_down_write_slowpath() of
  /// 6.1: the waiter is added at the tail of sem->wait_list).
  public func waitEvent(cpu c: Int, lock: AnonVMAID) -> Event {
    let cpu = cpus[c]
    let mode = cpu.waitingMode ?? writeMode
    func held() -> String {
      let holders = (lockHolders[lock] ?? []).filter { $0.cpu != c }.map { h in
        "cpu\(h.cpu)" + (kernel.isModern ? " (\(h.mode == .read ? "read" : "write"))" : "")
      }
      return holders.isEmpty ? "" : "held by " + holders.joined(separator: ", ")
    }
    func text() -> String {
      let waiting = cpu.state == .deadlocked ? "deadlocked: " : ""
      guard kernel.isModern else { return waiting + "\(av(lock))'s lock \(held()): \(cpu.name) spins" }
      let ahead = cpus.filter { other in
        guard let w = other.waitList, let mine = cpu.waitList else { return false }
        return other.id != c && w.lock == lock && w.place < mine.place
      }.map { "\($0.name) (\($0.waitList?.mode == .read ? "read" : "write"))" }
      let holders = held()
      let queued = ahead.isEmpty ? "" : (holders.isEmpty ? "" : ", ") + "queued behind " + ahead.joined(separator: ", ")
      let wants = mode == .read ? "read" : "write"
      return waiting + "\(av(lock))'s rwsem \(holders)\(queued): \(cpu.name) sleeps for \(wants)"
    }
    // Spinning inside atomic_dec_and_lock() (drop_anon_vma), whose lock call is its own.
    let function =
      kernel.isModern || decAndLockTarget(cpu: c, next: 1) == nil ? lockFunction(mode) : "atomic_dec_and_lock"
    return Event(cpu: c, function: function, narrating: narrating.value, text: text(), objects: [.anonVMA(lock)])
  }

  /// The anon_vma whose count CPU `c` decrements under the lock it is taking, when that lock is
  /// the one `atomic_dec_and_lock()` takes itself (lib/dec_and_lock.c: drop_anon_vma() of
  /// mm/rmap.c in 2.6.36 and of mm/ksm.c in 2.6.34 call no lock function of their own): the
  /// instruction `next` places down the CPU's program is ``Instr/decAndTest(anonVMA:)`` (0 while
  /// the lock instruction runs, popped; 1 while it waits, pushed back). 2.6.x only: 6.x's
  /// put_anon_vma() is atomic_dec_and_test() with no lock.
  func decAndLockTarget(cpu c: Int, next: Int) -> AnonVMAID? {
    cpus.withUnsafeBufferPointer { cpus -> AnonVMAID? in
      var instrs = cpus[c].pending.makeIterator()
      for _ in 0..<next { _ = instrs.next() }
      if case .decAndTest(let a)? = instrs.next() { return a }
      return nil
    }
  }

  /// Runs a CPU until its operation completes, blocks or deadlocks.
  public mutating func finish(cpu c: Int) throws(SimError) -> [Event] {
    var events: [Event] = []
    while true {
      switch try microStep(cpu: c) {
      case .progressed(let event): events.append(event)
      case .blocked, .deadlocked, .idle: return events
      }
    }
  }

  /// Runs an operation to completion on a CPU (the unprefixed form of a scene line).
  public mutating func apply(_ operation: Operation, on cpu: Int = 0) throws(SimError) -> [Event] {
    try begin(operation, on: cpu)
    return try finish(cpu: cpu)
  }

  private mutating func finishOperation(cpu c: Int) {
    cpus[c].state = .idle
    cpus[c].op = nil
    cpus[c].microStep = nil
    cpus[c].pending = Program()
    cpus[c].waitingFor = nil
    cpus[c].waitingMode = nil
  }

  /// A blocked CPU whose lock became available is `running` again (it takes the lock at its next
  /// micro-step: a released lock runs nobody by itself). A 6.x rwsem wakes its first waiter:
  /// a writer alone, once the rwsem is free; a reader with every reader on the list, unless a
  /// writer holds it (rwsem_mark_wake(), 6.1 and mainline kernel/locking/rwsem.c: "Mark writer
  /// at the front of the queue for wakeup. […] Readers, on the other hand, will block as they
  /// will notice the queued writer", and the readers' "phase-fair" wakeup of all of them).
  private mutating func wakeWaiters() {
    for i in cpus.indices where cpus[i].state == .blocked {
      guard let lock = cpus[i].waitingFor else { continue }
      if let mine = cpus[i].waitList, let first = firstWaiter(of: mine.lock) {
        let wakes =
          first.mode == .write
          ? first.place == mine.place && lockHolders.isFree(lock)
          : mine.mode == .read && lockHolders.allHolders(of: lock, satisfy: { $0.mode == .read })
        guard wakes else { continue }
      } else {
        guard lockAvailable(lock, for: cpus[i].waitingMode ?? .exclusive, cpu: i) else { continue }
      }
      // No longer waiting: it retries the lock at its next micro-step and waits again only if
      // another CPU took the lock first (the lock is then listed again, as awaited).
      cpus[i].state = .running
      cpus[i].waitingFor = nil
      cpus[i].waitingMode = nil
    }
  }

  /// Whether CPU `c` can take a lock in `mode` now: nobody holds it, or only readers and so is
  /// this one, and no writer waits on the rwsem's list ahead of it (``CPU/waitList``). A 6.x
  /// rwsem owned by readers queues a new reader behind a waiting writer
  /// (rwsem_down_read_slowpath(), 6.1 and mainline kernel/locking/rwsem.c: RWSEM_FLAG_WAITERS
  /// fails the fast path, and "to prevent a constant stream of readers from starving a sleeping
  /// waiter", no optimistic stealing while readers own it); a free one may be taken by a reader
  /// first (reader lock stealing, no handoff).
  func lockAvailable(_ lock: AnonVMAID, for mode: LockMode, cpu c: Int) -> Bool {
    if lockHolders.isFree(lock) { return true }
    guard mode == .read, lockHolders.allHolders(of: lock, satisfy: { $0.mode == .read }) else { return false }
    // A writer on the wait list ahead of this reader (every one, for a reader not on the list).
    let mine = cpus[c].waitList?.place ?? Int.max
    return !cpus.contains { $0.waitList.map { $0.lock == lock && $0.mode == .write && $0.place < mine } ?? false }
  }

  /// The first waiter on a 6.x rwsem's wait list (`rwsem_first_waiter()`).
  func firstWaiter(of lock: AnonVMAID) -> RwsemWaiter? {
    cpus.lazy.compactMap(\.waitList).first { $0.lock == lock && $0.place == 1 }
  }

  /// Marks CPUs waiting on each other in a cycle as deadlocked (C18).
  private mutating func detectDeadlock(from start: Int) {
    var path: [Int] = [start]
    var current = start
    while let lock = cpus[current].waitingFor, cpus[current].state != .idle {
      guard let holder = lockHolders[lock]?.first(where: { $0.cpu != current })?.cpu else { return }
      if let index = path.firstIndex(of: holder) {
        let cycle = Array(path[index...])
        for c in cycle { cpus[c].state = .deadlocked }
        let names = cycle.map { "cpu\($0)" }.joined(separator: " → ")
        report(
          "C18", "deadlock: \(names) → cpu\(holder) wait on each other's anon_vma locks",
          objects: [])
        return
      }
      guard cpus[holder].state == .blocked || cpus[holder].state == .deadlocked else { return }
      path.append(holder)
      current = holder
    }
  }

  /// Records a violation once (the same code and message are not repeated), with the objects
  /// its message names, in its order.
  public mutating func report(_ code: String, _ message: String, objects: [ObjectRef]) {
    if violations.contains(where: { $0.code == code && $0.message == message }) { return }
    violations.append(Violation(code: code, step: step, message: message, objects: objects))
  }

  // MARK: Helpers

  func value<Object>(_ val: Val<Object>, cpu c: Int) throws(SimError) -> ID<Object> {
    switch val {
    case .lit(let v): return v
    case .reg(let r):
      // The register's field by name; `Reg<Object>` only names fields that hold `ID<Object>`s.
      let regs = regs(c)
      let v: Int?
      switch r.name {
      case .vma: v = regs.vma?.raw
      case .avc: v = regs.avc?.raw
      case .anonVMA: v = regs.anonVMA?.raw
      case .page: v = regs.page?.raw
      case .newPage: v = regs.newPage?.raw
      case .node: v = regs.node?.raw
      case .root: v = regs.root?.raw
      }
      guard let v else { throw SimError("internal: register \(r.name) is empty") }
      return ID(v)
    }
  }

  /// A CPU's registers, read in place (reading `cpus[c].regs` may copy the whole CPU first).
  func regs(_ c: Int) -> Registers {
    cpus.withUnsafeBufferPointer { $0[c].regs }
  }

  /// CPU `c`'s state, read in place (`cpus[c].state` may copy the whole CPU first).
  public func cpuState(_ c: Int) -> CPUState {
    cpus.withUnsafeBufferPointer { $0[c].state }
  }

  /// The lock CPU `c` waits for, read in place.
  public func cpuWaitingFor(_ c: Int) -> AnonVMAID? {
    cpus.withUnsafeBufferPointer { $0[c].waitingFor }
  }

  func av(_ id: AnonVMAID) -> String { World.avName(id) }
  func pg(_ id: PageID) -> String { World.pageName(id) }

  /// The kernel function that takes an anon_vma lock in `mode`.
  func lockFunction(_ mode: LockMode) -> String {
    switch kernel {
    case .v2_6_34: return "spin_lock(&anon_vma->lock)"
    case .v2_6_36: return "anon_vma_lock"
    case .v6, .mainline: return mode == .read ? "anon_vma_lock_read" : "anon_vma_lock_write"
    }
  }

  /// The kernel function that releases an anon_vma lock held in `mode`: 2.6.34's is the
  /// spin_unlock(&anon_vma->lock) of anon_vma_chain_link() and page_unlock_anon_vma() (mm/rmap.c
  /// of 2.6.34), the pair of the spin_lock it names on taking it.
  func unlockFunction(_ mode: LockMode) -> String {
    switch kernel {
    case .v2_6_34: return "spin_unlock(&anon_vma->lock)"
    case .v2_6_36: return "anon_vma_unlock"
    case .v6, .mainline: return mode == .read ? "anon_vma_unlock_read" : "anon_vma_unlock_write"
    }
  }

  /// The mode structural changes lock with.
  var writeMode: LockMode { kernel.isModern ? .write : .exclusive }
  /// The mode rmap walkers lock with.
  var readMode: LockMode { kernel.isModern ? .read : .exclusive }

  func resolveLock(_ ref: LockRef, cpu c: Int) throws(SimError) -> (requested: AnonVMAID, target: AnonVMAID) {
    switch ref {
    case .anonVMALock(let v):
      // The pointer may now point at another anon_vma that reuses the memory (D.7).
      let id = occupant(try value(v, cpu: c))
      return (id, lockTarget(of: id))
    case .exact(let v):
      let id = try value(v, cpu: c)
      return (id, id)
    }
  }

  /// Next VMA after `vma` in its mm's address order.
  func nextVMA(after vma: VMAID) -> VMAID? {
    guard let v = vmas[vma] else { return nil }
    let list = self[process: v.process].vmas
    guard let i = list.firstIndex(of: vma), i + 1 < list.count else { return nil }
    return list[i + 1]
  }

  /// Previous VMA before `vma` in its mm's address order.
  func prevVMA(before vma: VMAID) -> VMAID? {
    guard let v = vmas[vma] else { return nil }
    let list = self[process: v.process].vmas
    guard let i = list.firstIndex(of: vma), i > 0 else { return nil }
    return list[i - 1]
  }

  mutating func insertSorted(vma id: VMAID, process p: ProcessID) {
    guard let start = vmas[id]?.start else { return }
    var list = self[process: p].vmas.filter { $0 != id }
    let index = list.firstIndex { (vmas[$0]?.start ?? 0) > start } ?? list.count
    list.insert(id, at: index)
    self[process: p].vmas = list
  }

  /// Whether the CPU holds the lock that protects `av`'s list (C15/C16).
  func holdsListLock(cpu c: Int, of avID: AnonVMAID) -> Bool {
    let target = lockTarget(of: avID)
    return cpus.withUnsafeBufferPointer { $0[c].holds.contains(target) }
  }

  /// Reports C15/C16 when the CPU changes `avID`'s list without the lock that protects it;
  /// `what` is what changes it (`linking avc3`), naming `about`.
  mutating func checkListLock(
    cpu c: Int, _ avID: AnonVMAID, _ what: @autoclosure () -> String, _ about: @autoclosure () -> [ObjectRef]
  ) {
    guard !holdsListLock(cpu: c, of: avID) else { return }
    if kernel == .v2_6_34 {
      report(
        "C15", "\(what()) changes \(av(avID))'s list without \(av(avID))'s lock", objects: about() + [.anonVMA(avID)])
    } else {
      report(
        "C16",
        "\(what()) changes \(av(avID))'s list without its root \(av(lockTarget(of: avID)))'s lock",
        objects: about() + [.anonVMA(avID), .anonVMA(lockTarget(of: avID))])
    }
  }

  mutating func allocPage(mapping: PageMapping, index: Int) -> PageID {
    let id = nextPageID
    pages.append(
      Page(
        id: id, mapping: mapping, index: index, mapcount: 0, pinned: false, swapSlot: nil,
        freed: false))
    return id
  }

  /// Drops one mapping of a page; frees it when nothing references it any more.
  @discardableResult
  mutating func putPageMapping(_ p: PageID) -> Bool {
    self[page: p].mapcount -= 1
    return freeIfUnused(p)
  }

  @discardableResult
  mutating func freeIfUnused(_ p: PageID) -> Bool {
    let page = self[page: p]
    guard !page.freed, page.mapcount <= 0, page.swapSlot == nil, !page.isHeld else { return false }
    if case .ksm(let k) = page.mapping, self[stableNode: k].alive, !self[stableNode: k].items.isEmpty {
      return false
    }
    self[page: p].freed = true
    if case .ksm(let k) = page.mapping { self[stableNode: k].alive = false }
    return true
  }

  func ksmNode(of page: PageID) -> StableNodeID? {
    if case .ksm(let k) = self[page: page].mapping { return k }
    return nil
  }
}
