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
  /// `mmap P M N after A`: the new mapping starts where mapping `after` ends (a fixed address),
  /// so mmap_region()'s vma_merge_new_range() may merge it with its neighbours.
  case mmapAfter(process: String, mapping: String, pages: Int, after: String)
  case touch(process: String, mapping: String, first: Int, last: Int)
  case read(process: String, mapping: String, first: Int, last: Int)
  case fork(parent: String, child: String)
  case exit(String)
  case munmap(process: String, mapping: String, first: Int?, last: Int?)
  case mprotect(process: String, mapping: String, first: Int, last: Int, prot: Prot)
  /// `mremap P M A..B to NEW [after X | before X] [dontunmap]` (Operation+MRemap.swift).
  indirect case mremap(MRemapArgs)
  case ksmMerge(PageRef, PageRef)
  case ksmUnmerge(PageRef)
  case ksmdScan
  case swapOut(PageRef)
  case migrate(PageRef)
  case rmap(PageRef)
  case takeAllLocks(String)
  case dropAllLocks(String)
  /// `brk P M +N`: the heap mapping `M` grows by `N` pages at its end (sys_brk, do_brk).
  case brk(process: String, mapping: String, pages: Int)
  /// `grow-stack P M N`: the `growsdown` mapping `M` grows down by `N` pages (expand_downwards).
  case growStack(process: String, mapping: String, pages: Int)

  /// An operation's keyword. The raw value is its spelling in a scene, and the only place it
  /// is spelled: the parser's table (`SceneScript/Keywords.swift`) and ``label`` both use it.
  public enum Keyword: String, Sendable, Hashable, CaseIterable, CustomStringConvertible {
    case spawn, mmap, touch, read, fork, exit, munmap, mprotect, mremap
    case ksmMerge = "ksm-merge"
    case ksmUnmerge = "ksm-unmerge"
    case ksmdScan = "ksmd-scan"
    case swapOut = "swap-out"
    case migrate, rmap
    case takeAllLocks = "take-all-locks"
    case dropAllLocks = "drop-all-locks"
    case brk
    case growStack = "grow-stack"

    public var description: String { rawValue }
  }

  /// The keyword the operation is written with.
  public var keyword: Keyword {
    switch self {
    case .spawn: return .spawn
    case .mmap, .mmapAfter: return .mmap
    case .touch: return .touch
    case .read: return .read
    case .fork: return .fork
    case .exit: return .exit
    case .munmap: return .munmap
    case .mprotect: return .mprotect
    case .mremap: return .mremap
    case .ksmMerge: return .ksmMerge
    case .ksmUnmerge: return .ksmUnmerge
    case .ksmdScan: return .ksmdScan
    case .swapOut: return .swapOut
    case .migrate: return .migrate
    case .rmap: return .rmap
    case .takeAllLocks: return .takeAllLocks
    case .dropAllLocks: return .dropAllLocks
    case .brk: return .brk
    case .growStack: return .growStack
    }
  }

  /// The operation's arguments as a scene line writes them after the keyword ("" for none):
  /// what the parser reads back into the same operation.
  public var arguments: String {
    func range(_ a: Int, _ b: Int) -> String { a == b ? "\(a)" : "\(a)..\(b)" }
    switch self {
    case .spawn(let p), .exit(let p), .takeAllLocks(let p), .dropAllLocks(let p): return p
    case .mmap(let p, let m, let n, let g): return "\(p) \(m) \(n)" + (g ? " growsdown" : "")
    case .mmapAfter(let p, let m, let n, let a): return "\(p) \(m) \(n) after \(a)"
    case .touch(let p, let m, let a, let b), .read(let p, let m, let a, let b): return "\(p) \(m) \(range(a, b))"
    case .fork(let p, let c): return "\(p) \(c)"
    case .munmap(let p, let m, let a, let b):
      if let a, let b { return "\(p) \(m) \(range(a, b))" }
      return "\(p) \(m)"
    case .mprotect(let p, let m, let a, let b, let prot): return "\(p) \(m) \(range(a, b)) \(prot.rawValue)"
    case .mremap(let m): return m.arguments
    case .ksmMerge(let a, let b): return "\(a) \(b)"
    case .ksmUnmerge(let a), .swapOut(let a), .migrate(let a), .rmap(let a): return a.description
    case .ksmdScan: return ""
    case .brk(let p, let m, let n): return "\(p) \(m) +\(n)"
    case .growStack(let p, let m, let n): return "\(p) \(m) \(n)"
    }
  }

  /// The operation as a scene line: keyword, then arguments.
  public var label: String {
    let args = arguments
    return args.isEmpty ? keyword.rawValue : "\(keyword.rawValue) \(args)"
  }
}

/// An operation that cannot apply to the current state (a scene error found at run time).
public struct SimError: Error, Sendable, Hashable {
  /// An operation the model refuses in this state, or a world over its ``Budget``.
  public enum Kind: Sendable, Hashable {
    case refused
    case budget
  }

  public var message: String
  public var kind: Kind
  public init(_ message: String, kind: Kind = .refused) {
    self.message = message
    self.kind = kind
  }
}
