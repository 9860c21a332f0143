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
