/// One CPU: the operation it runs, its micro-step program and the locks it holds.
public struct CPU: Sendable, Hashable {
  public var id: Int
  public var state: CPUState
  public var op: String?
  /// The text of the CPU's last micro-step, for display (not state: equality ignores it).
  public var microStep: String? {
    get { lastMicroStep.value }
    set { lastMicroStep.value = newValue }
  }
  var lastMicroStep = Unobserved<String?>(nil)
  /// Pending instructions, in the order they run; a micro-step on a copied world copies none
  /// (``Program``).
  public var pending: Program
  /// Pending instructions as an array, the last element running next (``pending`` reversed).
  public var program: [Instr] {
    get { pending.reversed() }
    set { pending = Program(newValue.reversed()) }
  }
  public var regs: Registers
  /// anon_vma ids whose lock this CPU holds, in acquisition order.
  public var holds: [AnonVMAID]
  public var holdModes: [LockMode]
  /// The lock the CPU waits for.
  public var waitingFor: AnonVMAID?
  public var waitingMode: LockMode?
  /// Its place on a 6.x root rwsem's wait list, nil when on none. A waiter joins at the tail
  /// and leaves when it takes the rwsem; a woken writer stays on the list, running, until then
  /// (6.1 and mainline kernel/locking/rwsem.c: rwsem_down_read_slowpath() and
  /// rwsem_down_write_slowpath() queue it, rwsem_mark_wake() wakes the first waiter: a writer
  /// alone, a reader with every reader on the list).
  public var waitList: RwsemWaiter? = nil

  public var name: String { "cpu\(id)" }

  /// `==` on two CPUs read in place: the synthesized `==`, and any call that takes a CPU read
  /// through a pointer, copies both CPUs first (the race explorer compares tens of thousands a
  /// search). The fields are compared in place, the pending count first (a micro-step changes
  /// it), and a program whose frames the other shares is equal without a walk of its
  /// instructions. A field added to `CPU` or `Registers` must be compared here too
  /// (`CPUEqualFingerprintTests` lists the fields).
  public static func equal(at a: UnsafePointer<CPU>, _ b: UnsafePointer<CPU>) -> Bool {
    guard a.pointee.id == b.pointee.id, a.pointee.state == b.pointee.state,
      a.pointee.pending.count == b.pointee.pending.count, a.pointee.waitingFor == b.pointee.waitingFor,
      a.pointee.waitingMode == b.pointee.waitingMode, a.pointee.holds == b.pointee.holds,
      a.pointee.holdModes == b.pointee.holdModes, a.pointee.op == b.pointee.op,
      a.pointee.waitList == b.pointee.waitList
    else { return false }
    guard a.pointee.regs.vma == b.pointee.regs.vma, a.pointee.regs.avc == b.pointee.regs.avc,
      a.pointee.regs.anonVMA == b.pointee.regs.anonVMA,
      a.pointee.regs.allocatedAnonVMA == b.pointee.regs.allocatedAnonVMA,
      a.pointee.regs.page == b.pointee.regs.page, a.pointee.regs.newPage == b.pointee.regs.newPage,
      a.pointee.regs.node == b.pointee.regs.node, a.pointee.regs.root == b.pointee.regs.root,
      a.pointee.regs.bail == b.pointee.regs.bail, a.pointee.regs.rcuPageLock == b.pointee.regs.rcuPageLock,
      a.pointee.regs.lostRace == b.pointee.regs.lostRace, a.pointee.regs.listEmpty == b.pointee.regs.listEmpty,
      a.pointee.regs.freeRoot == b.pointee.regs.freeRoot
    else { return false }
    guard walkless(a) && walkless(b) || a.pointee.regs.walk == b.pointee.regs.walk else { return false }
    return a.pointee.pending.isShared(with: b.pointee.pending) || a.pointee.pending == b.pointee.pending
  }

  /// Whether a CPU has no rmap walk, read in place (`regs.walk == nil` copies the registers).
  static func walkless(_ cpu: UnsafePointer<CPU>) -> Bool {
    if case .none = cpu.pointee.regs.walk { return true }
    return false
  }

  /// ``equal(at:_:)`` on two values.
  public static func equal(_ a: borrowing CPU, _ b: borrowing CPU) -> Bool {
    withUnsafePointer(to: a) { a in withUnsafePointer(to: b) { b in equal(at: a, b) } }
  }
}

/// A CPU's entry on a 6.x rwsem's wait list (``CPU/waitList``).
public struct RwsemWaiter: Sendable, Hashable {
  /// The root anon_vma whose rwsem it waits for.
  public var lock: AnonVMAID
  /// `RWSEM_WAITING_FOR_READ` or `RWSEM_WAITING_FOR_WRITE`.
  public var mode: LockMode
  /// 1 for the first waiter (`rwsem_first_waiter()`), and so on: the places of one rwsem's
  /// waiters are 1...n.
  public var place: Int
}

/// State of a CPU.
public enum CPUState: String, Sendable, Hashable {
  case idle
  case running
  case blocked
  case deadlocked
}

/// A lock mode.
public enum LockMode: String, Sendable, Hashable {
  case exclusive
  case read
  case write
}

/// Scratch values an operation passes between its micro-steps (kernel local variables).
public struct Registers: Sendable, Hashable {
  public var vma: VMAID?
  public var avc: AVCID?
  public var anonVMA: AnonVMAID?
  public var allocatedAnonVMA: AnonVMAID?
  public var page: PageID?
  public var newPage: PageID?
  public var node: StableNodeID?
  /// The root read once by page_lock_anon_vma (ACCESS_ONCE(anon_vma->root)).
  public var root: AnonVMAID?
  /// page_lock_anon_vma returned NULL: the walk is skipped.
  public var bail = false
  /// Between page_lock_anon_vma()'s rcu_read_lock() and its page_mapped() re-check (2.6.36+):
  /// the anon_vma may have been freed, and SLAB_DESTROY_BY_RCU keeps its lock safe to take.
  public var rcuPageLock = false
  /// anon_vma_prepare(): another thread gave the VMA its anon_vma first (ours is freed).
  public var lostRace = false
  /// anon_vma_unlink()'s `empty` (list empty and no external reference) and drop_anon_vma()'s
  /// list_empty(): the anon_vma is freed.
  public var listEmpty = false
  /// drop_anon_vma() (2.6.36): the root's count reached zero with an empty list: free it too.
  public var freeRoot = false
  public var walk: RmapWalk?
  public init() {}
}
