import SafeText

/// How large a world may grow and how much work a scene may ask for, so that every command ends
/// or refuses in bounded time and memory (a 285-byte scene could ask for gigabytes).
///
/// Counts are of objects ever created (ids are never reused, so they are what the tables hold)
/// and of page-table entries alive; `work` counts micro-steps, page-table entries written,
/// addresses walked by range operations (copy, zap, change_protection) and entries read by the
/// page-safety check.
/// Exceeding one is a ``SimError`` naming the limit and the option that raises it.
public struct Budget: Sendable, Hashable {
  public var processes = 20_000
  public var vmas = 200_000
  public var anonVMAs = 200_000
  public var chains = 10_000_000
  public var pages = 1_000_000
  public var pageTableEntries = 1_000_000
  public var work = 50_000_000

  /// The defaults: the bench's largest workloads (2,000 processes, 256,000 page-table entries,
  /// 4 million anon_vma_chains and about 26 million units of work over W2's 2,000 generations)
  /// fit with room, a world at these limits stays within about 2 GB, and the costliest scene we
  /// found (a million mapped pages changed again and again by mprotect) is refused after about
  /// 16 s of a release build on a 2-core machine.
  public init() {}

  /// The limits, each with its name and the command-line option that raises it.
  public var limits: [(name: String, option: String, value: Int)] {
    [
      ("processes", "--max-processes", processes), ("VMAs", "--max-vmas", vmas),
      ("anon_vmas", "--max-anon-vmas", anonVMAs), ("anon_vma_chains", "--max-chains", chains),
      ("pages", "--max-pages", pages), ("page-table entries", "--max-ptes", pageTableEntries),
      ("units of work (micro-steps, page-table entries written, addresses walked)", "--max-work", work),
    ]
  }
}

extension World {
  /// Throws when the world has outgrown its budget (checked after every instruction: seven
  /// comparisons, no allocation; the message is built only when one fails).
  @inline(__always)
  func checkBudget() throws(SimError) {
    let b = budget.value
    guard
      work.value <= b.work, pageTableEntries <= b.pageTableEntries, pages.count <= b.pages,
      avcsAllocated <= b.chains, anonVMAs.count <= b.anonVMAs, vmasAllocated <= b.vmas,
      processes.count <= b.processes
    else { throw budgetExceeded() }
  }

  /// The error for the first limit the world is over.
  private func budgetExceeded() -> SimError {
    let b = budget.value
    let used = [
      processes.count, vmasAllocated, anonVMAs.count, avcsAllocated, pages.count, pageTableEntries, work.value,
    ]
    let limits = [b.processes, b.vmas, b.anonVMAs, b.chains, b.pages, b.pageTableEntries, b.work]
    let i = used.indices.first { used[$0] > limits[$0] } ?? 0
    let limit = b.limits[i]
    return SimError(
      "the scene exceeds the budget of \(grouped(limit.value)) \(limit.name) (raise it with \(limit.option))",
      kind: .budget)
  }
}

extension World {
  /// Objects in the world: what copying, hashing and checking one state costs, in proportion.
  public var size: Int {
    processes.count + vmasAllocated + anonVMAs.count + avcsAllocated + pages.count + pageTableEntries
  }
}
