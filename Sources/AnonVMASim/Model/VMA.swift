/// A `vm_area_struct` with its anon-rmap fields.
public struct VMA: Sendable, Hashable {
  public var id: VMAID
  public var process: ProcessID
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
  public var anonVMA: AnonVMAID?
  /// `vma->anon_vma_chain`, stored tail (oldest) first so that adding at the head and unlinking
  /// from the head are O(1), as list_add/list_del are.
  public var chainTailFirst: [AVCID]

  /// `vma->anon_vma_chain`: AVC ids, head (newest) to tail (oldest).
  public var chain: [AVCID] { chainTailFirst.reversed() }
  /// Detached from its mm by an operation that has not freed it yet.
  public var detached: Bool
  /// Step at which the VMA was created.
  public var createdAt: Int

  public var pages: Int { end - start }
  public var firstPage: Int { start - base }
  /// Whether two VMAs may merge on flags (`is_mergeable_vma`).
  public func sameFlags(_ other: VMA) -> Bool { prot == other.prot && growsDown == other.growsDown }
}

/// Protection of a VMA.
public enum Prot: String, Sendable, Hashable {
  case rw
  case ro
}
