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

  public var name: String { "cpu\(id)" }
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
