/// A KSM stable node with its KSM page.
public struct StableNode: Sendable, Hashable {
  public var id: Int
  public var page: Int
  public var items: [RmapItem]
  public var alive: Bool
}

/// A KSM `rmap_item` in the stable tree, holding a reference on `anon_vma`.
public struct RmapItem: Sendable, Hashable {
  public var process: Int
  public var address: Int
  public var vmaName: String
  public var anonVMA: Int
}
