/// A `struct anon_vma_chain`: the edge "VMA may map pages filed in anon_vma".
public struct AVC: Sendable, Hashable {
  public var id: AVCID
  public var vma: VMAID
  public var anonVMA: AnonVMAID
  /// On `vma->anon_vma_chain`.
  public var onSameVMA: Bool
  /// On `anon_vma->head`.
  public var onSameAnonVMA: Bool
}
