/// A `struct anon_vma`; its counters are interpreted per kernel model.
public struct AnonVMA: Sendable, Hashable {
  public var id: AnonVMAID
  /// `anon_vma->root` (2.6.36, 6.x); nil in 2.6.34.
  public var root: AnonVMAID?
  /// `anon_vma->parent` (6.x only).
  public var parent: AnonVMAID?
  /// 2.6.34 `ksm_refcount`, 2.6.36 `external_refcount`, 6.x `refcount`.
  public var refcount: Int
  /// `anon_vma->head`: the same_anon_vma list of AVC ids, head to tail.
  public var head: [AVCID]
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
