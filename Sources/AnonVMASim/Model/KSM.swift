/// A KSM stable node with its KSM page.
public struct StableNode: Sendable, Hashable {
  public var id: StableNodeID
  public var page: PageID
  public var items: [RmapItem]
  public var alive: Bool
}

/// A KSM `rmap_item` in the stable tree, holding a reference on `anon_vma`.
public struct RmapItem: Sendable, Hashable {
  public var process: ProcessID
  public var address: Int
  public var vmaName: String
  public var anonVMA: AnonVMAID
}
