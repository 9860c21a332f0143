/// The kernel model a scene runs on.
///
/// Labels follow `kernel-semantics.md` §0: `2.6.36` is the root-lock series as merged for
/// v2.6.36-rc1 (`2.6.35` and `root-lock` are aliases), `6.x` the modern rwsem/interval-tree code.
public enum KernelVersion: String, Sendable, Hashable, CaseIterable {
  case v2_6_34 = "2.6.34"
  case v2_6_36 = "2.6.36"
  case v6 = "6.x"

  /// Parses a kernel name or one of its aliases.
  public init?(name: String) {
    switch name {
    case "2.6.34": self = .v2_6_34
    case "2.6.36", "2.6.35", "root-lock": self = .v2_6_36
    case "6.x", "modern": self = .v6
    default: return nil
    }
  }

  /// The label shown to people.
  public var displayName: String {
    switch self {
    case .v2_6_34: return "2.6.34 (per-anon_vma lock)"
    case .v2_6_36: return "2.6.36 (root lock)"
    case .v6: return "6.x (root rwsem)"
    }
  }
}

/// A historic bug re-introduced into a model (`scene-language.md`, "Variants").
public enum Variant: String, Sendable, Hashable, CaseIterable, Comparable {
  case noSixFive = "no-6/5"
  case noFiveFive = "no-5/5"
  case rootSelfDrop = "root-self-drop"
  case swapinRC3 = "swapin-rc3"
  case degree = "degree"
  /// Linus's hypothetical in the thread: KSM's drop with a plain atomic_dec_and_test() instead of
  /// atomic_dec_and_lock() (D.3) - a double free (added to the contract's list).
  case plainDec = "plain-dec"
  /// page_lock_anon_vma before f18194275c39 (Hugh Dickins, Aug 2010): lock and unlock through a
  /// re-read anon_vma->root, no page_mapped re-check (D.7; added to the contract's list).
  case rootReread = "root-reread"

  /// The kernel model the variant belongs to.
  public var kernel: KernelVersion {
    switch self {
    case .noSixFive, .noFiveFive, .rootSelfDrop, .rootReread: return .v2_6_36
    case .swapinRC3, .plainDec: return .v2_6_34
    case .degree: return .v6
    }
  }

  public static func < (lhs: Variant, rhs: Variant) -> Bool { lhs.rawValue < rhs.rawValue }
}

/// Protection of a VMA.
public enum Prot: String, Sendable, Hashable {
  case rw
  case ro
}

/// One page-table entry of the model.
public enum PTE: Sendable, Hashable {
  /// A present anonymous (or KSM) page.
  case page(Int, writable: Bool)
  /// The shared zero page, mapped by a read fault.
  case zero
  /// A swap entry.
  case swap(Int)
  /// A migration entry for the page being migrated.
  case migration(Int, writable: Bool)
}

/// A process, i.e. its `mm_struct`.
public struct Process: Sendable, Hashable {
  public var name: String
  public var parent: Int?
  public var alive: Bool
  /// VMA ids in address order (the `mm->mmap` list).
  public var vmas: [Int]
  /// Page tables: virtual page number to entry.
  public var ptes: [Int: PTE]
  /// Mappings created by `mmap` (inherited by fork), by name.
  public var mappings: [Mapping]
  /// Next free virtual page for `mmap`.
  public var nextAddress: Int
  /// Step at which the process was created.
  public var createdAt: Int
}

/// A named private anonymous mapping as the scene created it.
public struct Mapping: Sendable, Hashable {
  public var name: String
  /// First virtual page of the mapping.
  public var base: Int
  public var pages: Int
  public var growsDown: Bool
}

/// A `vm_area_struct` with its anon-rmap fields.
public struct VMA: Sendable, Hashable {
  public var id: Int
  public var process: Int
  public var mapping: String
  /// First virtual page of the mapping the VMA belongs to.
  public var base: Int
  /// `vm_start` in pages.
  public var start: Int
  /// `vm_end` in pages (exclusive).
  public var end: Int
  /// `vm_pgoff`: for anonymous memory the virtual page of the mapping's start.
  public var pgoff: Int
  public var prot: Prot
  public var growsDown: Bool
  /// `vma->anon_vma`.
  public var anonVMA: Int?
  /// `vma->anon_vma_chain`, stored tail (oldest) first so that adding at the head and unlinking
  /// from the head are O(1), as list_add/list_del are.
  public var chainTailFirst: [Int]

  /// `vma->anon_vma_chain`: AVC ids, head (newest) to tail (oldest).
  public var chain: [Int] { chainTailFirst.reversed() }
  /// Detached from its mm by an operation that has not freed it yet.
  public var detached: Bool
  /// Step at which the VMA was created.
  public var createdAt: Int

  public var pages: Int { end - start }
  public var firstPage: Int { start - base }
  /// Whether two VMAs may merge on flags (`is_mergeable_vma`).
  public func sameFlags(_ other: VMA) -> Bool { prot == other.prot && growsDown == other.growsDown }
}

/// A `struct anon_vma`; its counters are interpreted per kernel model.
public struct AnonVMA: Sendable, Hashable {
  public var id: Int
  /// `anon_vma->root` (2.6.36, 6.x); nil in 2.6.34.
  public var root: Int?
  /// `anon_vma->parent` (6.x only).
  public var parent: Int?
  /// 2.6.34 `ksm_refcount`, 2.6.36 `external_refcount`, 6.x `refcount`.
  public var refcount: Int
  /// `anon_vma->head`: the same_anon_vma list of AVC ids, head to tail.
  public var head: [Int]
  public var numChildren: Int
  public var numActiveVMAs: Int
  /// The `mm_take_all_locks` flag bit kept in the low bit of `head.next`.
  public var allLocksBit: Bool
  public var alive: Bool
  /// The list was non-empty once and became empty (C14: it must never be linked again).
  public var emptied: Bool
  public var createdAt: Int
  public var createdBy: String
}

/// A `struct anon_vma_chain`: the edge "VMA may map pages filed in anon_vma".
public struct AVC: Sendable, Hashable {
  public var id: Int
  public var vma: Int
  public var anonVMA: Int
  /// On `vma->anon_vma_chain`.
  public var onSameVMA: Bool
  /// On `anon_vma->head`.
  public var onSameAnonVMA: Bool
}

/// Where `page->mapping` points.
public enum PageMapping: Sendable, Hashable {
  case none
  case anon(Int)
  case ksm(Int)
}

/// An anonymous page.
public struct Page: Sendable, Hashable {
  public var id: Int
  public var mapping: PageMapping
  /// `page->index`: the virtual page it was first mapped at (linear_page_index).
  public var index: Int
  public var mapcount: Int
  /// Held by migration while its PTEs are migration entries.
  public var pinned: Bool
  /// In the swap cache of this slot.
  public var swapSlot: Int?
  public var freed: Bool
}

/// A swap slot holding a swapped-out page.
public struct SwapSlot: Sendable, Hashable {
  public var id: Int
  /// PTEs that reference it.
  public var count: Int
  /// Page in the swap cache, if one was read back.
  public var cached: Int?
}

/// A KSM `rmap_item` in the stable tree, holding a reference on `anon_vma`.
public struct RmapItem: Sendable, Hashable {
  public var process: Int
  public var address: Int
  public var vmaName: String
  public var anonVMA: Int
}

/// A KSM stable node with its KSM page.
public struct StableNode: Sendable, Hashable {
  public var id: Int
  public var page: Int
  public var items: [RmapItem]
  public var alive: Bool
}

/// The outcome of the most recent reverse-map walk.
public struct RmapWalk: Sendable, Hashable {
  public var page: Int
  /// Where the walk started, as `PROCESS MAPPING INDEX`.
  public var origin: String
  public var lock: Int?
  public var locks: [Int]
  public var visited: [String]
  public var skipped: [String]
  /// The step in which the walk finished (what it saw may be gone in later steps).
  public var step = 0
}

/// An invariant violation (`kernel-semantics.md` §C).
public struct Violation: Sendable, Hashable {
  public var code: String
  public var step: Int
  public var message: String
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

/// One CPU: the operation it runs, its micro-step program and the locks it holds.
public struct CPU: Sendable, Hashable {
  public var id: Int
  public var state: CPUState
  public var op: String?
  public var microStep: String?
  /// Pending instructions; the last element runs next.
  public var program: [Instr]
  public var regs: Registers
  /// anon_vma ids whose lock this CPU holds, in acquisition order.
  public var holds: [Int]
  public var holdModes: [LockMode]
  /// The lock the CPU waits for.
  public var waitingFor: Int?
  public var waitingMode: LockMode?

  public var name: String { "cpu\(id)" }
}

/// Scratch values an operation passes between its micro-steps (kernel local variables).
public struct Registers: Sendable, Hashable {
  public var vma: Int?
  public var avc: Int?
  public var anonVMA: Int?
  public var allocatedAnonVMA: Int?
  public var page: Int?
  public var newPage: Int?
  public var node: Int?
  /// The root read once by page_lock_anon_vma (ACCESS_ONCE(anon_vma->root)).
  public var root: Int?
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

/// A kernel-level event: one micro-step, naming the kernel function and the objects it touched.
public struct Event: Sendable, Hashable {
  public var cpu: Int
  public var function: String
  public var text: String
  public var objects: [String]

  /// Whether events format their text (building a large timeline turns it off; a step shown to
  /// a person is replayed with it on).
  @TaskLocal public static var narrating = true

  public init(cpu: Int, function: String, text: @autoclosure () -> String, objects: @autoclosure () -> [String] = []) {
    self.init(cpu: cpu, function: function, narrating: Event.narrating, text: text(), objects: objects())
  }

  /// An event whose text is formatted only when `narrating`.
  init(
    cpu: Int, function: String, narrating: Bool, text: @autoclosure () -> String,
    objects: @autoclosure () -> [String] = []
  ) {
    self.cpu = cpu
    self.function = function
    if narrating {
      self.text = text()
      self.objects = objects()
    } else {
      self.text = ""
      self.objects = []
    }
  }

  /// One line: `function: text`.
  public var summary: String { "\(function): \(text)" }
}
