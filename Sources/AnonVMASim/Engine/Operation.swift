/// A page named by where it is mapped: `P2 heap 3`.
public struct PageRef: Sendable, Hashable, CustomStringConvertible {
  public var process: String
  public var mapping: String
  public var index: Int

  public init(process: String, mapping: String, index: Int) {
    self.process = process
    self.mapping = mapping
    self.index = index
  }

  public var description: String { "\(process) \(mapping) \(index)" }
}

/// One operation of the scene language (one step), with names still unresolved.
public enum Operation: Sendable, Hashable {
  case spawn(String)
  case mmap(process: String, mapping: String, pages: Int, growsDown: Bool)
  case touch(process: String, mapping: String, first: Int, last: Int)
  case read(process: String, mapping: String, first: Int, last: Int)
  case fork(parent: String, child: String)
  case exit(String)
  case munmap(process: String, mapping: String, first: Int?, last: Int?)
  case mprotect(process: String, mapping: String, first: Int, last: Int, prot: Prot)
  case ksmMerge(PageRef, PageRef)
  case ksmUnmerge(PageRef)
  case ksmdScan
  case swapOut(PageRef)
  case migrate(PageRef)
  case rmap(PageRef)
  case takeAllLocks(String)
  case dropAllLocks(String)

  /// The operation as a scene line.
  public var label: String {
    func range(_ a: Int, _ b: Int) -> String { a == b ? "\(a)" : "\(a)..\(b)" }
    switch self {
    case .spawn(let p): return "spawn \(p)"
    case .mmap(let p, let m, let n, let g): return "mmap \(p) \(m) \(n)" + (g ? " growsdown" : "")
    case .touch(let p, let m, let a, let b): return "touch \(p) \(m) \(range(a, b))"
    case .read(let p, let m, let a, let b): return "read \(p) \(m) \(range(a, b))"
    case .fork(let p, let c): return "fork \(p) \(c)"
    case .exit(let p): return "exit \(p)"
    case .munmap(let p, let m, let a, let b):
      if let a, let b { return "munmap \(p) \(m) \(range(a, b))" }
      return "munmap \(p) \(m)"
    case .mprotect(let p, let m, let a, let b, let prot):
      return "mprotect \(p) \(m) \(range(a, b)) \(prot.rawValue)"
    case .ksmMerge(let a, let b): return "ksm-merge \(a) \(b)"
    case .ksmUnmerge(let a): return "ksm-unmerge \(a)"
    case .ksmdScan: return "ksmd-scan"
    case .swapOut(let a): return "swap-out \(a)"
    case .migrate(let a): return "migrate \(a)"
    case .rmap(let a): return "rmap \(a)"
    case .takeAllLocks(let p): return "take-all-locks \(p)"
    case .dropAllLocks(let p): return "drop-all-locks \(p)"
    }
  }
}

/// An operation that cannot apply to the current state (a scene error found at run time).
public struct SimError: Error, Sendable, Hashable {
  public var message: String
  public init(_ message: String) { self.message = message }
}
