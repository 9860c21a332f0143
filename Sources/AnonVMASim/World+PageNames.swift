/// Names of a world's pages that do not depend on the order the pages were allocated in: the
/// race explorer's symmetry reduction (``World/pageNames()``).
///
/// Each copy-on-write fault allocates a page, and the allocator's next id depends on which CPU
/// faulted first: two schedules that end in the same kernel state up to the pages' ids would be
/// two states to the search. Hashed with page ids replaced by these names
/// (``World/hashKernelState(into:pageNames:)``), they are one. Names are injective (two pages of
/// a world never share one, except pages nothing names, hashed as a multiset of their contents),
/// so two worlds with one hash are one world up to a renaming of page ids.
public struct PageNames: Sendable {
  /// By page index (id - 1): the name, or 0 for a page nothing names. Empty: the ids themselves.
  var names: [UInt64] = []

  /// No renaming: each page is named by its id.
  public init() {}

  init(names: [UInt64]) { self.names = names }

  /// Whether pages are named by their ids.
  public var isEmpty: Bool { names.isEmpty }

  /// The word a page id is hashed as.
  func word(_ p: PageID) -> UInt64 {
    let i = p.raw - 1
    guard !names.isEmpty, i >= 0, i < names.count else { return UInt64(bitPattern: Int64(p.raw)) }
    return names[i]
  }

  /// The tags of the names, in the top byte: what a name says about its page.
  enum Tag: UInt64 {
    /// Named by a CPU (a register or an instruction): its own id, never renamed.
    case cpu = 1
    /// Mapped: the first (process, virtual page) that maps it (present or migration entry).
    case mapped = 2
    /// In the swap cache of a slot, mapped nowhere.
    case swapCache = 3
    /// A KSM stable node's page, mapped nowhere.
    case stableNode = 4
  }

  static func name(_ tag: Tag, _ payload: UInt64) -> UInt64 { tag.rawValue << 56 | payload }
}

extension World {
  /// Names every page by what refers to it (``PageNames``), in this order of precedence:
  ///
  /// 1. A page a CPU names (``CPU/forEachPage(_:)``) keeps its id: the CPUs are hashed with
  ///    the ids they hold, so renaming such a page would tell two different states apart no
  ///    longer (a CPU about to migrate the page at A, or the one at B).
  /// 2. A mapped page is named by the first (process, virtual page) whose entry maps it: a
  ///    virtual page maps one page, so two pages never share a name.
  /// 3. A page in the swap cache by its slot, a KSM page by its stable node.
  /// 4. Anything else (freed pages nothing points to): no name.
  ///
  /// Sound because nothing in the model reads a page's id but to find the page: pages are only
  /// reached through these references, the allocator gives the next id (the count of pages, hashed
  /// as is), no code sorts, compares or iterates pages by id to decide what to do (C12's scan
  /// collects pages into a set), and the ids appear only in narration and violation texts. So a
  /// renaming of page ids maps each schedule of one world to a schedule of the other with the
  /// same CPUs, outcomes and violation codes (`SymmetryTests` checks it on random schedules).
  /// anon_vma, anon_vma_chain, VMA, swap-slot and stable-node ids are not renamed: their order is
  /// read (the lock table and `lockedAnonVMAs` are sorted by anon_vma id, 2.6.34's C-check
  /// compares a chain's tail with its least anon_vma id, chains list AVC ids in order).
  ///
  /// - Returns: nil when a process or virtual page does not fit a name (the ids are then used).
  public func pageNames() -> PageNames? {
    var names = [UInt64](repeating: 0, count: pages.count)
    // One access to the names for the whole pass: a nested function that captures the array
    // checks exclusivity on each write.
    let fits = names.withUnsafeMutableBufferPointer { names in
      func set(_ p: PageID, _ name: UInt64) {
        let i = p.raw - 1
        if i >= 0 && i < names.count && names[i] == 0 { names[i] = name }
      }
      // In place: `for cpu in cpus` copies each CPU out first.
      cpus.withUnsafeBufferPointer { cpus in
        guard let first = cpus.baseAddress else { return }
        for c in cpus.indices {
          CPU.forEachPage(at: first + c) {
            set($0, PageNames.name(.cpu, UInt64(bitPattern: Int64($0.raw)) & 0xFF_FFFF_FFFF_FFFF))
          }
        }
      }
      for pi in processes.indices {
        guard pi < 1 << 27 else { return false }
        for (vpage, pte) in processes[pi].ptes {
          let p: PageID
          switch pte {
          case .page(let id, _), .migration(let id, _): p = id
          case .zero, .swap: continue
          }
          guard vpage >= 0 && vpage < 1 << 28 else { return false }
          let name = PageNames.name(.mapped, UInt64(pi) << 28 | UInt64(vpage))
          let i = p.raw - 1
          guard i >= 0 && i < names.count else { continue }
          // The least location wins; a CPU's or a lesser location's name stays.
          if names[i] == 0 || (names[i] >> 56 == PageNames.Tag.mapped.rawValue && name < names[i]) { names[i] = name }
        }
      }
      for slot in swapSlots {
        if let p = slot.cached { set(p, PageNames.name(.swapCache, UInt64(bitPattern: Int64(slot.id.raw)))) }
      }
      for node in stableNodes { set(node.page, PageNames.name(.stableNode, UInt64(bitPattern: Int64(node.id.raw)))) }
      return true
    }
    return fits ? PageNames(names: names) : nil
  }
}
