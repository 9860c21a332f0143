/// A typed reference to one object of the model, as an event or a violation names it: what a
/// view uses to find the object the text is about (the text's wording and names are for people;
/// a process may be named like a VMA, and wordings change).
public enum ObjectRef: Sendable, Hashable {
  /// A process (its `mm_struct`), named by a location `P1 A 0` or by itself.
  case process(ProcessID)
  /// A `vm_area_struct` (`P1:A@0`).
  case vma(VMAID)
  /// A `struct anon_vma` (`AV3`).
  case anonVMA(AnonVMAID)
  /// A `struct anon_vma_chain` (`avc5`).
  case avc(AVCID)
  /// A page (`pg1`).
  case page(PageID)
  /// A KSM stable node (`K1`).
  case stableNode(StableNodeID)
}

extension ObjectRef {
  /// The name the model's texts write for the object in `w`: `AV3`, `pg1`, `avc5`, `K1`, the
  /// VMA's `P1:A@0` and the process's own name.
  public func name(in w: World) -> String {
    switch self {
    case .process(let p): w.isAllocated(p) ? w[process: p].name : "process#\(p)"
    case .vma(let v): w.vmaName(v)
    case .anonVMA(let a): World.avName(a)
    case .avc(let id): "avc\(id)"
    case .page(let p): World.pageName(p)
    case .stableNode(let k): "K\(k)"
    }
  }
}
