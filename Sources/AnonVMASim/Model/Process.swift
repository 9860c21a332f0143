/// A process, i.e. its `mm_struct`.
public struct Process: Sendable, Hashable {
  public var name: String
  public var parent: ProcessID?
  public var alive: Bool
  /// VMA ids in address order (the `mm->mmap` list).
  public var vmas: [VMAID]
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

/// One page-table entry of the model.
public enum PTE: Sendable, Hashable {
  /// A present anonymous (or KSM) page.
  case page(PageID, writable: Bool)
  /// The shared zero page, mapped by a read fault.
  case zero
  /// A swap entry.
  case swap(SwapSlotID)
  /// A migration entry for the page being migrated.
  case migration(PageID, writable: Bool)
}
