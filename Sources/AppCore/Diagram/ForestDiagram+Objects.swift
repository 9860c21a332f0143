import AnonVMASim
import TermRender

extension ForestDiagram {
  /// An object drawn in the diagram, as the app selects, pins and finds it.
  public enum Object: Sendable, Hashable {
    case process(ProcessID)
    case vma(VMAID)
    case anonVMA(AnonVMAID)
    /// A folded run of identical sibling subtrees, named by its first member process.
    case fold(ProcessID)
  }

  /// The selectable objects in reading order: the process column top to bottom (each process,
  /// then its VMAs), then the anon_vma column top to bottom, so ↓/↑ walk the picture as it reads.
  public var objects: [Object] {
    var left: [(y: Int, object: Object)] = []
    for box in processes {
      left.append((box.rect.y, .process(box.process)))
      for (i, v) in box.vmas.enumerated() { left.append((box.row(at: i), .vma(v))) }
    }
    for fold in processFolds { left.append((fold.rect.y, .fold(fold.members.firstProcess ?? 0))) }
    let right = anonVMAs.map { (y: $0.rect.y, object: Object.anonVMA($0.anonVMA)) }
    return (left.sorted { $0.y < $1.y } + right.sorted { $0.y < $1.y }).map(\.object)
  }

  /// Where an object is drawn: its box, or its row inside its process's box; nil when it is not
  /// drawn (gone, or inside a fold).
  public func rect(of object: Object) -> Rect? {
    switch object {
    case .process(let p): return processes.first { $0.process == p }?.rect
    case .vma(let v):
      for box in processes {
        if let y = box.row(of: v) { return Rect(x: box.rect.x, y: y, width: box.rect.width, height: 1) }
      }
      return nil
    case .anonVMA(let a): return anonVMAs.first { $0.anonVMA == a }?.rect
    case .fold(let p): return processFolds.first { $0.members.firstProcess == p }?.rect
    }
  }
}
